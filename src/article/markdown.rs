//! Markdown bodies: title extraction, first paragraph and HTML (pure).

use std::ops::Range;

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// The first level-1 heading: its text and its byte range in `body`, so the
/// caller can drop it from the body when it becomes the title.
pub fn first_heading(body: &str) -> Option<(String, Range<usize>)> {
    let mut parser = Parser::new_ext(body, options()).into_offset_iter();
    let range = parser.find_map(|(e, r)| match e {
        Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) => Some(r),
        _ => None,
    })?;
    let mut text = String::new();
    for (event, _) in parser {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some((text, range))
}

/// The plain text of the first paragraph, for the summary.
pub fn first_paragraph(body: &str) -> String {
    let mut parser = Parser::new_ext(body, options());
    let mut text = String::new();
    let mut depth = 0usize;
    for event in parser.by_ref() {
        match event {
            Event::Start(Tag::Paragraph) => depth = 1,
            Event::End(TagEnd::Paragraph) if depth > 0 => {
                if !text.trim().is_empty() {
                    break;
                }
                depth = 0;
                text.clear();
            }
            Event::Start(Tag::FootnoteDefinition(_)) => depth = 0,
            Event::Text(t) | Event::Code(t) if depth > 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if depth > 0 => super::text::push_line_break(&mut text),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// Markdown to (unsanitised) HTML with tables, footnotes and
/// strikethrough. Footnote ids start with `footnote_prefix` and their
/// references link to them, numbered in the order they are first referred
/// to, so that they work inside a feed item.
pub fn to_html(body: &str, footnote_prefix: &str) -> String {
    let mut out = String::with_capacity(body.len() * 3 / 2);
    let mut numbers: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut number_of = |name: &str| {
        let next = numbers.len() + 1;
        *numbers.entry(name.to_owned()).or_insert(next)
    };
    let events = Parser::new_ext(body, options()).map(|event| match event {
        Event::FootnoteReference(name) => {
            let id = super::text::escape(&format!("{footnote_prefix}{name}"));
            let n = number_of(&name);
            Event::Html(format!("<sup class=\"footnote-reference\"><a href=\"#{id}\">{n}</a></sup>").into())
        }
        Event::Start(Tag::FootnoteDefinition(name)) => {
            let id = super::text::escape(&format!("{footnote_prefix}{name}"));
            let n = number_of(&name);
            Event::Html(
                format!(
                    "<div class=\"footnote-definition\" id=\"{id}\"><sup class=\"footnote-definition-label\">{n}</sup>"
                )
                .into(),
            )
        }
        Event::End(TagEnd::FootnoteDefinition) => Event::Html("</div>\n".into()),
        other => other,
    });
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_found_and_located() {
        let body = "\n# 对标奋进 *对表*攻坚\n\n正文。\n";
        let (title, range) = first_heading(body).expect("heading");
        assert_eq!(title, "对标奋进 对表攻坚");
        assert_eq!(&body[range], "# 对标奋进 *对表*攻坚\n");
        assert_eq!(first_heading("## only h2\n\ntext"), None);
        assert_eq!(first_heading("Setext\n======\n").map(|h| h.0).as_deref(), Some("Setext"));
    }

    #[test]
    fn first_paragraph_skips_headings_and_joins_lines() {
        assert_eq!(first_paragraph("# T\n\n第一段\n继续。\n\n第二段"), "第一段继续。");
        assert_eq!(first_paragraph("one\ntwo `code` **b**\n\nthree"), "one two code b");
        assert_eq!(first_paragraph("> quoted\n"), "quoted");
        assert_eq!(first_paragraph(""), "");
    }

    #[test]
    fn tables_footnotes_strikethrough() {
        let html = to_html("|a|b|\n|-|-|\n|1|2|\n\n~~x~~ y[^1]\n\n[^1]: note\n", "fn-");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>x</del>"), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }
}
