//! Hugo and Zola shortcodes in Markdown bodies (pure). Content folders
//! brought over from a static site generator carry them; a feed reader
//! would show them as raw text. Hugo's `figure` becomes a `<figure>`; any
//! other shortcode is left out of the HTML (the text between a paired
//! one's tags stays) and reported, so that nothing is published silently
//! as template code. Code blocks and code spans are left alone.

use super::text::escape;

/// A shortcode found in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 0-based line in the body and 1-based column (in characters).
    pub line: usize,
    pub column: usize,
    /// As written (shortened when long), for messages.
    pub written: String,
    pub name: String,
    /// Its HTML: a figure's, or nothing.
    pub html: String,
    /// A closing tag (`{{< /name >}}`, `{% end %}`): not reported itself.
    pub closing: bool,
    /// Byte range in the body.
    start: usize,
    end: usize,
}

impl Found {
    /// Whether feedsmith publishes it (a figure with a source).
    pub fn supported(&self) -> bool {
        !self.html.is_empty()
    }
}

/// Every shortcode in `body`, in order, outside code.
pub fn find(body: &str) -> Vec<Found> {
    let mut found = Vec::new();
    // Every shortcode opens with `{{` or `{%`; most bodies hold no `{` at
    // all, and a scan of each line costs a fifth of a cold build.
    let bytes = body.as_bytes();
    let opens = memchr::memchr_iter(b'{', bytes).any(|at| matches!(bytes.get(at + 1), Some(b'{' | b'%')));
    if !opens {
        return found;
    }
    // The open fence's character and length: it closes with a line of at
    // least as many of the same character and nothing else.
    let mut fence: Option<(u8, usize)> = None;
    let mut offset = 0;
    // An indented code block: lines indented four spaces (or a tab) after
    // a blank line, and the blank and indented lines that follow.
    let (mut after_blank, mut indented_code) = (true, false);
    for (line_no, line) in body.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        let blank = trimmed.is_empty();
        let indented = line.starts_with("    ") || line.starts_with('\t');
        if fence.is_none() && !blank {
            indented_code = indented && (indented_code || after_blank);
        }
        after_blank = blank;
        if indented_code {
            offset += line.len();
            continue;
        }
        let run = |c: u8| trimmed.bytes().take_while(|&b| b == c).count();
        let marker = [b'`', b'~'].into_iter().map(|c| (c, run(c))).find(|(_, n)| *n >= 3);
        match (fence, marker) {
            (None, Some(open)) => fence = Some(open),
            (Some((c, n)), Some((m, len))) if c == m && len >= n && len == trimmed.len() => fence = None,
            (None, None) => scan_line(line, line_no, offset, &mut found),
            _ => {}
        }
        offset += line.len();
    }
    found
}

/// The `src` and `link` of every figure in `body` that feedsmith
/// publishes: (attribute, value, byte offset of the value in the body).
pub fn figure_refs(body: &str) -> Vec<(&'static str, String, usize)> {
    let mut out = Vec::new();
    for f in find(body).into_iter().filter(|f| f.supported() && f.name == "figure") {
        let Some(written) = body.get(f.start..f.end) else { continue };
        let inner = written.trim_start_matches(['{', '<', '%']).trim_end_matches(['}', '>', '%']).trim_start();
        for (key, value) in attributes(inner.strip_prefix("figure").unwrap_or("")) {
            let attribute = match key.as_str() {
                "src" => "src",
                "link" => "link",
                _ => continue,
            };
            let at = written.find(&format!("{key}=")).and_then(|k| written[k..].find(&value).map(|v| k + v));
            out.push((attribute, value, f.start + at.unwrap_or(0)));
        }
    }
    out
}

/// The body with every shortcode replaced by its HTML (nothing for one
/// that is not supported).
pub fn expand(body: &str) -> String {
    let found = find(body);
    if found.is_empty() {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    for f in found {
        out.push_str(&body[at..f.start]);
        out.push_str(&f.html);
        at = f.end;
    }
    out.push_str(&body[at..]);
    out
}

/// The shortcodes of one line (outside its code spans).
fn scan_line(line: &str, line_no: usize, offset: usize, found: &mut Vec<Found>) {
    let mut i = 0;
    // The length of the backtick run that opened the code span we are in:
    // it ends at a run of the same length.
    let mut in_code: Option<usize> = None;
    let bytes = line.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            in_code = match in_code {
                None => Some(run),
                Some(open) if open == run => None,
                open => open,
            };
            i += run;
            continue;
        }
        if in_code.is_some() || bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let rest = &line[i..];
        let close = if rest.starts_with("{{") {
            "}}"
        } else if rest.starts_with("{%") {
            "%}"
        } else {
            i += 1;
            continue;
        };
        let Some(len) = rest[2..].find(close).map(|n| n + 4) else { break };
        let written = &rest[..len];
        match parse(written) {
            Some(mut f) => {
                f.line = line_no;
                f.column = line[..i].chars().count() + 1;
                f.start = offset + i;
                f.end = offset + i + len;
                found.push(f);
                i += len;
            }
            // Not a shortcode: one may still start inside it (`{{ a {{< x >}}`).
            None => i += 2,
        }
    }
}

/// One `{{…}}` or `{%…%}` read as a shortcode, if it is one.
fn parse(written: &str) -> Option<Found> {
    let inner = &written[2..written.len() - 2];
    let (inner, hugo) = if written.starts_with("{{") {
        if let Some(angle) = inner.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
            (angle, true)
        } else if let Some(percent) = inner.strip_prefix('%').and_then(|s| s.strip_suffix('%')) {
            (percent, true)
        } else {
            (inner, false)
        }
    } else {
        (inner, false)
    };
    let inner = inner.trim();
    let shortened = |s: &str| match s.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    };
    let found = |name: &str, closing: bool, html: String| Found {
        line: 0,
        column: 0,
        written: shortened(written),
        name: name.to_owned(),
        html,
        closing,
        start: 0,
        end: 0,
    };
    if hugo {
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inner),
        };
        let name: &str = inner.split_whitespace().next()?;
        if !is_name(name) || inner.starts_with("/*") {
            return None;
        }
        let html = if name == "figure" && !closing { figure(&inner[name.len()..]) } else { String::new() };
        return Some(found(name, closing, html));
    }
    // Zola: `{{ name(args) }}`, `{% name(args) %}` … `{% end %}`.
    if written.starts_with("{%") && inner == "end" {
        return Some(found("end", true, String::new()));
    }
    let (name, args) = inner.split_once('(')?;
    let name = name.trim();
    (is_name(name) && args.trim_end().ends_with(')')).then(|| found(name, false, String::new()))
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Hugo's `figure` (`src`, `alt`, `caption` or `title`, `link`) as HTML;
/// empty without a `src`.
fn figure(args: &str) -> String {
    let attrs = attributes(args);
    let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let Some(src) = get("src").filter(|s| !s.trim().is_empty()) else { return String::new() };
    let alt = get("alt").or(get("caption")).or(get("title")).unwrap_or("");
    let mut img = format!("<img src=\"{}\" alt=\"{}\">", escape(src), escape(alt));
    if let Some(link) = get("link") {
        img = format!("<a href=\"{}\">{img}</a>", escape(link));
    }
    let caption = get("caption").or(get("title"));
    match caption {
        Some(c) => format!("<figure>{img}<figcaption>{}</figcaption></figure>", escape(c)),
        None => format!("<figure>{img}</figure>"),
    }
}

/// `key="value"` (or `'value'`, or a bare word) pairs.
fn attributes(args: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(end) => (&after[1..1 + end], &after[end + 2..]),
                None => (&after[1..], ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push((key, value.to_owned()));
        rest = next.trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hugo_figure_becomes_a_figure() {
        let body = "前文\n\n{{< figure src=\"xianchang.jpg\" alt=\"现场\" caption=\"会议现场 <摄>\" >}}\n\n后文\n";
        let found = find(body);
        assert_eq!(found.len(), 1);
        assert!(found[0].supported());
        assert_eq!((found[0].line, found[0].column), (2, 1));
        assert_eq!(
            expand(body),
            "前文\n\n<figure><img src=\"xianchang.jpg\" alt=\"现场\"><figcaption>会议现场 &lt;摄&gt;</figcaption></figure>\n\n后文\n"
        );
        let percent = expand("{{% figure src='a.png' title=\"图\" %}}");
        assert_eq!(percent, "<figure><img src=\"a.png\" alt=\"图\"><figcaption>图</figcaption></figure>");
    }

    #[test]
    fn other_shortcodes_are_found_and_left_out_keeping_their_text() {
        let body = "看视频 {{< youtube w7Ft2ymGmfc >}}。\n{{< highlight go >}}\nfmt.Println()\n{{< /highlight >}}\n{{ gist(url=\"https://x\") }}\n{% note(kind=\"a\") %}\n提示\n{% end %}\n";
        let found = find(body);
        let names: Vec<(&str, bool)> = found.iter().map(|f| (f.name.as_str(), f.closing)).collect();
        assert_eq!(
            names,
            [
                ("youtube", false),
                ("highlight", false),
                ("highlight", true),
                ("gist", false),
                ("note", false),
                ("end", true)
            ]
        );
        assert!(found.iter().all(|f| !f.supported()));
        assert_eq!((found[0].line, found[0].column), (0, 5));
        assert_eq!(expand(body), "看视频 。\n\nfmt.Println()\n\n\n\n提示\n\n");
    }

    #[test]
    fn code_and_lookalikes_are_left_alone() {
        let body = "```\n{{< youtube x >}}\n```\n`{{< figure src=\"a\" >}}` 与 {{ 不是 }} 和 {% 也不是 %} 和 {{</* figure */>}}\n";
        assert_eq!(find(body), []);
        assert_eq!(expand(body), body);
        assert_eq!(find("{{< figure"), [], "never closed");
        let missing = find("{{< figure alt=\"x\" >}}");
        assert!(!missing[0].supported(), "a figure without src is not published");
        // A double-backtick span, a longer fence with a shorter one inside, a fence with an info string.
        assert_eq!(find("``{{< figure src=x >}}`` 与 `a`"), []);
        assert_eq!(find("````\n```\n{{< youtube x >}}\n````\n"), []);
        assert_eq!(find("```js\n{{< youtube x >}}\n```\n").len(), 0);
        // Regression: an indented code block was read, its figure published
        // and the block left out with a warning.
        let indented =
            "例子：\n\n    {{< figure src=\"a.jpg\" >}}\n\n    {{< youtube x >}}\n\n正文 {{< youtube y >}}\n";
        let names: Vec<String> = find(indented).into_iter().map(|f| f.written).collect();
        assert_eq!(names, ["{{< youtube y >}}"], "only the shortcode outside the code block");
        assert_eq!(find("段落\n    {{< youtube z >}}\n").len(), 1, "a paragraph's indented line is no code block");
        let hidden = find("{{ a {{< youtube x >}}");
        assert_eq!(
            hidden.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["youtube"],
            "not hidden behind a lookalike"
        );
    }
}
