//! Limits on front matter, checked before a TOML or YAML parser does any
//! work (pure). Front matter is a few lines of metadata; one story must not
//! make the parsers take quadratic time (deeply nested `[[[[…]]]]`) or
//! expand YAML aliases into gigabytes (`b: [*a, *a, …]`, nested). The
//! checks are a single linear pass over the text.

use super::front_matter::FrontMatterError;
use super::split::FrontMatterKind;

/// The most bytes front matter may hold (the body may be far larger).
pub const MAX_BYTES: usize = 64 * 1024;

/// The deepest nesting of `[` and `{` collections.
pub const MAX_DEPTH: usize = 32;

/// The most YAML alias references (`*name`); each may copy a whole anchor,
/// and anchors may hold aliases, so their number bounds the expansion.
pub const MAX_ALIASES: usize = 16;

/// Checks the limits; the error points at where one is passed.
pub fn check(kind: FrontMatterKind, text: &str) -> Result<(), FrontMatterError> {
    if text.len() > MAX_BYTES {
        return Err(FrontMatterError {
            line: Some(1),
            column: Some(1),
            message: format!("front matter is {} bytes, more than the {MAX_BYTES} allowed", text.len()),
            hint: "keep metadata in the front matter and move long text into the body".into(),
        });
    }
    let yaml = kind == FrontMatterKind::Yaml;
    let mut scan = Scan { yaml, depth: 0, aliases: 0, quote: None, block: None };
    for (i, line) in text.split('\n').enumerate() {
        scan.line(i + 1, line)?;
    }
    Ok(())
}

/// A quoted string left open at the end of a line.
#[derive(Debug, Clone, Copy)]
struct Quote {
    mark: char,
    /// TOML's `"""` / `'''`, closed by three marks.
    triple: bool,
}

/// The scanner's state between lines.
struct Scan {
    yaml: bool,
    depth: usize,
    aliases: usize,
    /// A string still open: YAML quoted scalars and TOML multi-line strings span lines.
    quote: Option<Quote>,
    /// Inside a YAML block scalar (`|`, `>`): the indentation of the line
    /// that opened it; more indented (and blank) lines are its text.
    block: Option<usize>,
}

impl Scan {
    fn line(&mut self, number: usize, line: &str) -> Result<(), FrontMatterError> {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(opener) = self.block {
            if line.trim().is_empty() || indent > opener {
                return Ok(());
            }
            self.block = None;
        }
        let chars: Vec<char> = line.chars().collect();
        // The last character that is not white space, outside strings and
        // comments: what a quote, an alias or a block scalar follows.
        let mut last: Option<char> = None;
        let mut escaped = false;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let column = i + 1;
            let next = |k: usize| chars.get(i + k).copied();
            if let Some(q) = self.quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q.mark == '"' {
                    escaped = true;
                } else if c == q.mark && (!q.triple || (next(1) == Some(c) && next(2) == Some(c))) {
                    self.quote = None;
                    i += if q.triple { 3 } else { 1 };
                    last = Some(c);
                    continue;
                }
                i += 1;
                continue;
            }
            let starts_value = last.is_none_or(|l| matches!(l, ':' | '-' | '[' | '{' | ',' | '?' | '='));
            let after_space =
                i == 0 || chars.get(i - 1).is_some_and(|p| p.is_whitespace() || matches!(p, '[' | '{' | ','));
            match c {
                '"' | '\'' if starts_value => {
                    let triple = !self.yaml && next(1) == Some(c) && next(2) == Some(c);
                    self.quote = Some(Quote { mark: c, triple });
                    i += if triple { 3 } else { 1 };
                    continue;
                }
                '#' if i == 0 || chars.get(i - 1).is_some_and(|p| p.is_whitespace()) => break,
                '[' | '{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(too(number, column, format!("collections nested more than {MAX_DEPTH} deep")));
                    }
                }
                ']' | '}' => self.depth = self.depth.saturating_sub(1),
                '*' if self.yaml && starts_value && after_space && next(1).is_some_and(is_anchor_char) => {
                    self.aliases += 1;
                    if self.aliases > MAX_ALIASES {
                        return Err(too(number, column, format!("more than {MAX_ALIASES} YAML aliases (*name)")));
                    }
                }
                _ => {}
            }
            if !c.is_whitespace() {
                last = Some(c);
            }
            i += 1;
        }
        // A TOML basic or literal string ends with its line.
        if !self.yaml && self.quote.is_some_and(|q| !q.triple) {
            self.quote = None;
        }
        if self.yaml && self.quote.is_none() && opens_block_scalar(line) {
            self.block = Some(indent);
        }
        Ok(())
    }
}

/// A character an anchor or alias name may hold.
fn is_anchor_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}' | '*')
}

/// Whether a YAML line ends by opening a block scalar: `key: |`, `- >-`,
/// `|2` (a comment may follow).
fn opens_block_scalar(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(at) => line.get(..at).unwrap_or(line),
        None => line,
    };
    let Some(token) = code.split_whitespace().last() else { return false };
    let mut chars = token.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '+' | '-') || c.is_ascii_digit())
}

fn too(line: usize, column: usize, what: String) -> FrontMatterError {
    FrontMatterError {
        line: Some(line),
        column: Some(column),
        message: format!("front matter has {what}"),
        hint: "front matter is flat metadata: write lists and values out plainly".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FrontMatterKind::{Toml, Yaml};

    #[test]
    fn ordinary_front_matter_passes() {
        let toml = "title = \"a [b] {c}\"\ntags = [\"x\", \"y\"]\n[extra]\nk = [[1, 2], [3]]\n";
        assert!(check(Toml, toml).is_ok());
        let yaml =
            "title: \"*not an alias* [ { \"\ntags: [a, b]\nlist:\n  - *\nurl: http://x/*y\n# [[[[ in a comment\n";
        assert!(check(Yaml, yaml).is_ok(), "{:?}", check(Yaml, yaml));
        let anchors = "base: &b {a: 1}\nx: *b\ny: [*b, *b]\n";
        assert!(check(Yaml, anchors).is_ok());
    }

    #[test]
    fn an_apostrophe_in_plain_text_hides_nothing() {
        let sneaky = format!("title: it's here\nx: {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Yaml, &sneaky).expect_err("deep").line, Some(2));
        let sneaky = format!("title: it's\nx: [{}]\n", vec!["*a"; MAX_ALIASES + 1].join(", "));
        assert!(check(Yaml, &sneaky).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_where_it_passes_the_limit() {
        let deep = format!("x: {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = check(Yaml, &deep).expect_err("deep");
        assert_eq!((e.line, e.column), (Some(1), Some(3 + MAX_DEPTH + 1)));
        let toml = format!("title = \"t\"\nx = {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Toml, &toml).expect_err("deep").line, Some(2));
        let ok = format!("x = {}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(check(Toml, &ok).is_ok(), "exactly the limit");
    }

    #[test]
    fn alias_floods_are_refused() {
        let flood = format!("a: &a [1, 2, 3]\nb: [{}]\n", vec!["*a"; 1000].join(", "));
        let e = check(Yaml, &flood).expect_err("aliases");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("aliases"), "{}", e.message);
        // Doubling through nested anchors needs many aliases too.
        let laughs: String = (1..40).map(|i| format!("l{i}: &l{i} [*l{}, *l{}]\n", i - 1, i - 1)).collect::<String>();
        assert!(check(Yaml, &format!("l0: &l0 [x]\n{laughs}")).is_err());
    }

    /// A stray `"` in a plain scalar (`title: a "b`) used to open a
    /// "string" that hid the rest of the front matter from the count.
    #[test]
    fn a_quote_inside_plain_text_hides_nothing() {
        let flood = format!("title: a \"b\na: &a [1]\nb: [{}]\n", vec!["*a"; MAX_ALIASES + 1].join(", "));
        assert_eq!(check(Yaml, &flood).expect_err("aliases").line, Some(3));
        let deep = format!("title = a \"b\nx = {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Toml, &deep).expect_err("deep").line, Some(2));
    }

    /// Valid Hugo/Jekyll front matter was refused: bullets in a block
    /// scalar counted as aliases, brackets in a TOML multi-line string as
    /// nesting.
    #[test]
    fn text_in_block_scalars_and_multi_line_strings_is_not_counted() {
        let bullets: String = (0..40).map(|i| format!("  * point {i} with *emphasis*\n")).collect();
        let yaml = format!("title: t\nsummary: |\n{bullets}tags: [a]\n");
        assert!(check(Yaml, &yaml).is_ok(), "{:?}", check(Yaml, &yaml));
        let folded = format!("title: t\nsummary: >-\n  {}\nnext: 1\n", "[".repeat(100));
        assert!(check(Yaml, &folded).is_ok());
        let toml = format!("title = \"\"\"\n{}\n\"\"\"\ntags = [\"a\"]\n", "[".repeat(100));
        assert!(check(Toml, &toml).is_ok(), "{:?}", check(Toml, &toml));
        let star = "title: a *starred* word\nlist:\n  - * not an alias\n";
        assert!(check(Yaml, star).is_ok());
        // After the block scalar ends, counting resumes.
        let after = format!("s: |\n  text\nx: {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Yaml, &after).expect_err("deep").line, Some(3));
    }

    #[test]
    fn oversized_front_matter_is_refused() {
        let big = format!("title: t\nsummary: \"{}\"\n", "x".repeat(MAX_BYTES));
        assert!(check(Yaml, &big).expect_err("big").message.contains("bytes"));
    }
}
