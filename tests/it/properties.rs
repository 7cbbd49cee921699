//! The properties that both the integration tests and the fuzz targets
//! check, in one file compiled into both: `tests/it` has it as a module,
//! and each target in `fuzz/fuzz_targets/` includes it with
//! `#[path = "../../tests/it/properties.rs"]`. So it depends only on std,
//! `feedsmith` and crates both have (chrono, chrono-tz, url, roxmltree,
//! feed-rs, serde_json).
//!
//! - [`check_story_bytes`]: any bytes as a story file decode and parse
//!   without panicking; decoded text has no CR and no U+FFFD the input did
//!   not hold; one-line fields are one line of XML-safe text; the content
//!   HTML is harmless.
//! - [`check_story_to_feeds`]: any story text renders to feeds whose XML is
//!   well formed and whose JSON is valid, and all three parse back.
//! - [`assert_harmless`], over [`scan_html`]: sanitised HTML carries
//!   nothing a reader could run.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use feedsmith::article::{self, decode, Site, Source};
use feedsmith::feed::{self, Head, Selected};

/// Element names that must never reach a feed.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "param", "applet", "form", "input", "button",
    "textarea", "select", "option", "meta", "base", "link", "svg", "math", "noscript",
];

/// Attributes that hold a URL a reader may follow or load.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "cite", "action", "formaction", "background", "longdesc"];

fn base() -> url::Url {
    url::Url::parse("https://news.example.com/").expect("url")
}

/// The story files' modification time (when they have no date).
fn modified() -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(1_709_800_000, 0)
}

/// Decoding and parsing any bytes never panics; decoded text has no CR
/// and no U+FFFD the input did not hold; one-line fields are one line of
/// XML-safe text; a story's link is http(s); content HTML is harmless.
pub(crate) fn check_story_bytes(bytes: &[u8]) {
    let Ok((text, _)) = decode::decode(bytes) else { return };
    assert!(!text.contains('\r'), "a CR survived decoding");
    assert!(
        !text.contains('\u{FFFD}') || holds_a_replacement_character(bytes),
        "decoding slipped in a U+FFFD the input did not hold"
    );
    let base = base();
    let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai, link_pattern: None };
    for name in ["2024-03-07-story.md", "story.txt", "story.markdown"] {
        for modified in [None, modified()] {
            let source = Source { rel_path: Path::new(name), shown_path: Path::new(name), text: &text, modified };
            let Ok(parsed) = article::parse(source, site) else { continue };
            let s = &parsed.story;
            for field in [&s.title, &s.summary].into_iter().chain(&s.tags).chain(&s.categories).chain(&s.authors) {
                assert!(
                    field.chars().all(|c| feedsmith::chars::is_xml_char(c) && c != '\n' && c != '\t'),
                    "{name}: a one-line field holds a control character or line break: {field:?}"
                );
            }
            assert!(!s.title.is_empty(), "{name}: an empty title was accepted");
            assert!(url::Url::parse(&s.link).is_ok_and(|u| matches!(u.scheme(), "http" | "https")), "{}", s.link);
            let html = article::content_html(s, &text);
            assert_harmless(&html, name, false);
        }
    }
}

/// Any story text to the three feeds: the content HTML is harmless, the
/// XML well formed (roxmltree, strict: XML 1.0 characters only) and the
/// JSON valid, and each parses back with its one entry.
pub(crate) fn check_story_to_feeds(bytes: &[u8]) {
    check_story_to_feeds_in(bytes, chrono_tz::Asia::Shanghai);
}

/// [`check_story_to_feeds`] with the timezone told by the first two bytes
/// (any of the IANA zones), the story being the rest: every date form in
/// every zone must reach the three serializers without a panic, or be
/// rejected where it is parsed.
pub(crate) fn check_story_in_any_zone(bytes: &[u8]) {
    let [a, b, rest @ ..] = bytes else { return };
    let zones = chrono_tz::TZ_VARIANTS;
    let zone = zones[usize::from(u16::from_le_bytes([*a, *b])) % zones.len()];
    check_story_to_feeds_in(rest, zone);
}

pub(crate) fn check_story_to_feeds_in(bytes: &[u8], timezone: chrono_tz::Tz) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let base = base();
    let site = Site { base_url: &base, timezone, link_pattern: None };
    let source = Source { rel_path: Path::new("s.md"), shown_path: Path::new("s.md"), text, modified: modified() };
    let Ok(parsed) = article::parse(source, site) else { return };
    let story = parsed.story;
    let head = Head {
        title: story.title.clone(),
        description: story.summary.clone(),
        home_url: base.to_string(),
        folder_url: base.to_string(),
        feeds_url: base.to_string(),
        language: story.lang.clone(),
        author: story.authors.first().cloned(),
        hubs: Vec::new(),
        timezone,
        archive: false,
        complete: false,
        current: None,
        prev_archive: None,
        next_archive: None,
        stylesheet: Some("../../feed.xsl".into()),
        icon: Some(format!("{base}favicon.png")),
    };
    let html: Arc<str> = article::content_html(&story, text).into();
    assert_harmless(&html, "s.md", false);
    let updated = story.updated.unwrap_or(story.date).max(story.date);
    let selected = [Selected { story: &story, updated, content_html: Some(html) }];
    let model = feed::build(&head, &selected);
    for xml in [feed::rss::to_rss(&model), feed::atom::to_atom(&model)] {
        let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
        if let Err(e) = roxmltree::Document::parse_with_options(&xml, options) {
            panic!("not well-formed XML ({e}):\n{xml}");
        }
        let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses our XML");
        assert_eq!(parsed.entries.len(), 1);
    }
    let json = feed::json_feed::to_json_feed(&model);
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["items"][0]["id"].as_str(), Some(model.items[0].id.as_str()));
}

/// The encodings of U+FFFD a decoded text may honestly hold: UTF-8,
/// UTF-16 LE/BE and GB18030 (0x84 0x31 0xA4 0x37).
fn holds_a_replacement_character(bytes: &[u8]) -> bool {
    [&b"\xEF\xBF\xBD"[..], b"\xFD\xFF", b"\xFF\xFD", b"\x84\x31\xA4\x37"]
        .iter()
        .any(|needle| bytes.windows(needle.len()).any(|w| w == *needle))
}

/// Asserts that one content HTML carries nothing a reader could run: no
/// forbidden element, no event handler or style, no URL with a scheme
/// other than http(s), mailto and tel — and, when `absolute`, no relative
/// URL either (the feeds make them absolute). `context` names the HTML in
/// messages.
#[track_caller]
pub(crate) fn assert_harmless(html: &str, context: &str, absolute: bool) {
    let (tags, _) = scan_html(html);
    for tag in &tags {
        assert!(!FORBIDDEN_ELEMENTS.contains(&tag.name.as_str()), "{context}: <{}> survived in {html}", tag.name);
        for (attr, value) in &tag.attrs {
            assert!(!attr.starts_with("on"), "{context}: event handler {attr}= survived on <{}>: {html}", tag.name);
            assert!(
                !matches!(attr.as_str(), "style" | "formaction" | "action" | "http-equiv" | "xmlns" | "xlink:href"),
                "{context}: {attr}= survived on <{}>: {html}",
                tag.name
            );
            let value = unescape(value);
            let urls: Vec<&str> = if attr == "srcset" {
                value.split(',').filter_map(|c| c.split_whitespace().next()).collect()
            } else if URL_ATTRIBUTES.contains(&attr.as_str()) {
                vec![value.as_str()]
            } else {
                // Plain attributes (alt, title, class…) may hold any text.
                continue;
            };
            for url in urls {
                match scheme_of(url) {
                    Some(scheme) => assert!(
                        ["http", "https", "mailto", "tel"].contains(&scheme.as_str()),
                        "{context}: <{} {attr}={url:?}> has the scheme {scheme:?}: {html}",
                        tag.name
                    ),
                    // (A footnote reference links to its note inside the item.)
                    None => assert!(
                        !absolute || url.starts_with("//") || (tag.name == "a" && url.starts_with("#fn-")),
                        "{context}: <{} {attr}={url:?}> was not made absolute",
                        tag.name
                    ),
                }
            }
        }
    }
}

/// The scheme of a URL as a browser reads it (tabs and line breaks
/// removed, surrounding space and controls trimmed); `None` when relative.
fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let end = cleaned.find([':', '/', '?', '#'])?;
    (cleaned[end..].starts_with(':') && end > 0).then(|| cleaned[..end].to_ascii_lowercase())
}

/// An element start tag as serialised HTML shows it.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
}

/// What a piece of HTML is made of: start tags (with attributes, entity
/// references left as written) and the text between tags. Good enough for
/// the normalised HTML ammonia (html5ever) writes; comments are skipped.
pub(crate) fn scan_html(html: &str) -> (Vec<Tag>, String) {
    let mut tags = Vec::new();
    let mut text = String::new();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let next = html[i..].find('<').map_or(html.len(), |n| i + n);
            text.push_str(&html[i..next]);
            text.push(' ');
            i = next;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |n| i + n + 3);
            continue;
        }
        if html[i..].starts_with("</") || html[i..].starts_with("<!") || html[i..].starts_with("<?") {
            i = html[i..].find('>').map_or(html.len(), |n| i + n + 1);
            continue;
        }
        if !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            text.push('<');
            i += 1;
            continue;
        }
        // A start tag: name, then attributes until `>`.
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/') {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(j) == Some(&b'=') {
                j += 1;
                match b.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let end = html[j + 1..].find(q as char).map_or(html.len(), |n| j + 1 + n);
                        value = html[j + 1..end].to_owned();
                        j = end + 1;
                    }
                    _ => {
                        let start = j;
                        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                            j += 1;
                        }
                        value = html[start..j].to_owned();
                    }
                }
            }
            attrs.push((attr, value));
        }
        tags.push(Tag { name, attrs });
        i = j.min(html.len());
    }
    (tags, text)
}

/// Decodes the few entity forms an attribute value may hold, so a URL is
/// checked as a browser would read it.
pub(crate) fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let Some(end) = rest.find(';').filter(|e| *e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{A0}'),
            e if e.starts_with("#x") || e.starts_with("#X") => {
                u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32)
            }
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
