//! The one place names become path components and URL segments (pure).

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in a URL path segment (RFC 3986 `pchar` is kept).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

/// Names Windows refuses as file names, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A safe, readable, stable single path component for any term: letters of
/// every script transliterated to ASCII (八八战略 → `ba-ba-zhan-lue`),
/// lower-cased, everything else collapsed to `-`. Never empty, never `.`/`..`,
/// never a leading `.`, never a separator or NUL, never a Windows device name.
pub fn safe_name(term: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu(term, "-");
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_owned();
    out.truncate(100);
    let mut out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        // Nothing readable survived (symbols only): a stable name from the bytes.
        out = format!("term-{:016x}", xxhash_rust::xxh3::xxh3_64(term.as_bytes()));
    }
    if RESERVED.contains(&out.as_str()) {
        out.push_str("-term");
    }
    out
}

/// A story slug as a URL path segment: surrounding space trimmed, inner
/// whitespace turned into `-`, non-ASCII percent-encoded as UTF-8.
pub fn url_segment(slug: &str) -> String {
    let dashed: String = slug.trim().chars().map(|c| if c.is_whitespace() { '-' } else { c }).collect();
    let dashed = match dashed.as_str() {
        "." | ".." | "" => "-".to_owned(),
        _ => dashed,
    };
    utf8_percent_encode(&dashed, SEGMENT).to_string()
}

/// A file or folder name as a URL path segment, exactly: every byte that
/// is not safe in a path segment percent-encoded, nothing else changed (a
/// copied media file keeps its name, so its URL must name it).
pub fn path_segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        let cases = [
            ("八八战略", "ba-ba-zhan-lue"),
            ("“八八战略”在身边", "ba-ba-zhan-lue-zai-shen-bian"),
            ("Eight-Eight Strategy", "eight-eight-strategy"),
            ("../../etc/passwd", "etc-passwd"),
            ("a\\b/c\0d", "a-b-c-d"),
            (".hidden", "hidden"),
            ("CON", "con-term"),
            ("Ünïcödé Straße", "unicode-strasse"),
        ];
        for (term, want) in cases {
            assert_eq!(safe_name(term), want, "{term}");
        }
    }

    #[test]
    fn safe_name_is_never_unsafe() {
        for term in ["", ".", "..", "...", "/", "\\", "\0", "※", "   ", "-_-", &"长".repeat(500)] {
            let name = safe_name(term);
            assert!(!name.is_empty() && name.len() <= 100, "{term:?} -> {name:?}");
            assert!(
                !name.starts_with('.') && name != ".." && !name.contains(['/', '\\', '\0']),
                "{term:?} -> {name:?}"
            );
            assert_eq!(name, safe_name(term), "stable");
        }
        assert_ne!(safe_name("※"), safe_name("★"), "symbol-only terms stay apart");
    }

    #[test]
    fn url_segments() {
        assert_eq!(url_segment("duibiao-fenjin"), "duibiao-fenjin");
        assert_eq!(url_segment(" 对标 奋进 "), "%E5%AF%B9%E6%A0%87-%E5%A5%8B%E8%BF%9B");
        assert_eq!(url_segment("a/b?c#d%"), "a%2Fb%3Fc%23d%25");
        assert_eq!(url_segment(".."), "-");
        assert_eq!(path_segment("现场 1.jpg"), "%E7%8E%B0%E5%9C%BA%201.jpg");
        assert_eq!(path_segment("a#b?.pdf"), "a%23b%3F.pdf");
    }
}
