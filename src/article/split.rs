//! Splits a story's text into front matter and body (pure).

/// The front matter dialect, told by its fence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontMatterKind {
    /// `+++` fences (Hugo, Zola).
    Toml,
    /// `---` fences (Jekyll, Hugo).
    Yaml,
}

/// A story's text cut at its front matter fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub front_matter: Option<FrontMatter<'a>>,
    pub body: &'a str,
    /// 1-based line of the file where `body` starts.
    pub body_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    pub kind: FrontMatterKind,
    pub text: &'a str,
    /// 1-based line of the file where `text` starts (the line after the fence).
    pub first_line: usize,
}

/// Why a front matter block could not be cut out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    pub kind: FrontMatterKind,
}

/// Cuts front matter off the top of `text`. The text must already have its
/// line endings normalised to `\n` and its byte-order mark removed.
pub fn split(text: &str) -> Result<Split<'_>, Unclosed> {
    let (kind, fence) = match first_line(text) {
        "+++" => (FrontMatterKind::Toml, "+++"),
        "---" => (FrontMatterKind::Yaml, "---"),
        _ => return Ok(Split { front_matter: None, body: text, body_line: 1 }),
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    for (line, l) in (2..).zip(text[start..].split_inclusive('\n')) {
        if l.trim_end() == fence || (kind == FrontMatterKind::Yaml && l.trim_end() == "...") {
            let body_start = offset + l.len();
            return Ok(Split {
                front_matter: Some(FrontMatter { kind, text: &text[start..offset], first_line: 2 }),
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        offset += l.len();
    }
    Err(Unclosed { kind })
}

fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or("").trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_yaml_and_none() {
        let s = split("+++\ntitle = \"a\"\n+++\nbody\n").expect("closed");
        let fm = s.front_matter.expect("front matter");
        assert_eq!((fm.kind, fm.text, fm.first_line), (FrontMatterKind::Toml, "title = \"a\"\n", 2));
        assert_eq!((s.body, s.body_line), ("body\n", 4));

        let s = split("---\ntitle: a\n---\n\nbody").expect("closed");
        assert_eq!(s.front_matter.expect("fm").kind, FrontMatterKind::Yaml);
        assert_eq!((s.body, s.body_line), ("\nbody", 4));

        let s = split("# Title\n\n---\n").expect("no fm");
        assert_eq!(s.front_matter, None);
        assert_eq!(s.body, "# Title\n\n---\n");
    }

    #[test]
    fn empty_front_matter_and_trailing_spaces_on_fences() {
        let s = split("+++ \n+++\t\nx").expect("closed");
        assert_eq!(s.front_matter.expect("fm").text, "");
        assert_eq!(s.body, "x");
    }

    #[test]
    fn yaml_may_end_with_dots() {
        let s = split("---\na: 1\n...\nx").expect("closed");
        assert_eq!(s.body, "x");
    }

    #[test]
    fn unclosed_fence_is_reported() {
        assert_eq!(split("+++\ntitle = 1\n").expect_err("unclosed").kind, FrontMatterKind::Toml);
        assert_eq!(split("---\n").expect_err("unclosed").kind, FrontMatterKind::Yaml);
    }

    #[test]
    fn a_fence_not_on_the_first_line_is_body() {
        let s = split("\n+++\na\n+++\n").expect("none");
        assert!(s.front_matter.is_none());
    }
}
