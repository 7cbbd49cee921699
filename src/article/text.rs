//! Plain-text bodies: paragraphs split on blank lines, HTML-escaped (pure).

/// The first non-empty line (the title when front matter names none) and
/// the text after it.
pub fn first_line(body: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        offset += line.len();
        if !line.trim().is_empty() {
            return Some((line.trim(), &body[offset..]));
        }
    }
    None
}

/// The paragraphs of a plain-text body, each with its lines joined.
pub fn paragraphs(body: &str) -> impl Iterator<Item = String> + '_ {
    body.split("\n\n").filter_map(|block| {
        let mut para = String::new();
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !para.is_empty() {
                push_line_break(&mut para);
            }
            para.push_str(line);
        }
        (!para.is_empty()).then_some(para)
    })
}

/// Joins a wrapped line: a space between words, nothing after CJK text,
/// which is written without spaces.
pub fn push_line_break(text: &mut String) {
    match text.chars().last() {
        Some(c) if is_cjk(c) => {}
        Some(c) if c.is_whitespace() => {}
        Some(_) => text.push(' '),
        None => {}
    }
}

/// Han, kana, Hangul and the CJK punctuation and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF |
        0x20000..=0x3FFFF)
}

/// Plain text to HTML paragraphs.
pub fn to_html(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    for para in paragraphs(body) {
        out.push_str("<p>");
        out.push_str(&escape(&para));
        out.push_str("</p>\n");
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_is_the_title() {
        assert_eq!(first_line("\n\n  Title \nrest\n"), Some(("Title", "rest\n")));
        assert_eq!(first_line(" \n"), None);
    }

    #[test]
    fn paragraphs_and_escaping() {
        assert_eq!(
            to_html("a <b> & \"c\"\nd\n\n\n中文\n续写\n"),
            "<p>a &lt;b&gt; &amp; &quot;c&quot; d</p>\n<p>中文续写</p>\n"
        );
        assert_eq!(to_html("\n\n"), "");
    }
}
