//! Checks shared by the fuzz targets (the same properties
//! `tests/hostile.rs` asserts in its proptest and its replay of the inputs
//! kept under `fuzz/regressions/`).

#![allow(dead_code)] // each target uses a subset

/// Element names that must never reach a feed.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "param", "applet", "form", "input", "button",
    "textarea", "select", "option", "meta", "base", "link", "svg", "math", "noscript",
];

/// Attributes that hold a URL a reader may follow or load.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "cite", "action", "formaction", "background", "longdesc"];

/// The encodings of U+FFFD a decoded text may honestly hold: UTF-8,
/// UTF-16 LE/BE and GB18030.
pub fn holds_a_replacement_character(bytes: &[u8]) -> bool {
    [&b"\xEF\xBF\xBD"[..], b"\xFD\xFF", b"\xFF\xFD", b"\x84\x31\xA4\x37"]
        .iter()
        .any(|needle| bytes.windows(needle.len()).any(|w| w == *needle))
}

/// The scheme of a URL as a browser reads it (tabs and line breaks
/// removed, surrounding space and controls trimmed); `None` when relative.
fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let end = cleaned.find([':', '/', '?', '#'])?;
    (cleaned[end..].starts_with(':') && end > 0).then(|| cleaned[..end].to_ascii_lowercase())
}

/// Decodes the entity forms an attribute value may hold.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let decoded = rest.find(';').filter(|e| *e < 12).and_then(|end| {
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
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
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

/// Panics when sanitised HTML carries something a reader could run: a
/// forbidden element, an event handler or style attribute, or a URL whose
/// scheme is not http(s), mailto or tel.
pub fn assert_harmless(html: &str) {
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(n) = html[i..].find('<') {
        i += n;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |n| i + n + 3);
            continue;
        }
        if !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        assert!(!FORBIDDEN_ELEMENTS.contains(&name.as_str()), "<{name}> survived sanitising: {html}");
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
            assert!(!attr.starts_with("on"), "event handler {attr}= survived on <{name}>: {html}");
            assert!(
                !matches!(attr.as_str(), "style" | "formaction" | "action" | "http-equiv"),
                "{attr}= survived on <{name}>: {html}"
            );
            let value = unescape(&value);
            let urls: Vec<&str> = if attr == "srcset" {
                value.split(',').filter_map(|c| c.split_whitespace().next()).collect()
            } else if URL_ATTRIBUTES.contains(&attr.as_str()) {
                vec![value.as_str()]
            } else {
                Vec::new()
            };
            for url in urls {
                if let Some(scheme) = scheme_of(url) {
                    assert!(
                        ["http", "https", "mailto", "tel"].contains(&scheme.as_str()),
                        "<{name} {attr}={url:?}> survived sanitising: {html}"
                    );
                }
            }
        }
        i = j.min(html.len());
    }
}
