//! Text that every output format can carry (pure): the one place that
//! decides which characters XML 1.0 refuses.

/// Removes what XML 1.0 cannot carry: control characters other than tab,
/// LF and CR, and the non-characters U+FFFE and U+FFFF. (Rust strings hold
/// no lone surrogates: decoding already replaced or rejected them.)
pub fn xml_safe(text: &str) -> String {
    if is_xml_text(text) {
        return text.to_owned();
    }
    text.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Whether every character of `text` is one XML carries, by its bytes
/// (content HTML is most of what is written, and nearly always clean): no
/// control byte but tab, LF and CR, and neither U+FFFE nor U+FFFF
/// (`EF BF BE`, `EF BF BF`; a `str` holds no surrogate).
fn is_xml_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let controls = bytes.iter().fold(false, |found, &b| found | (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')));
    !controls && memchr::memmem::find_iter(bytes, b"\xEF\xBF").all(|at| !matches!(bytes.get(at + 2), Some(0xBE | 0xBF)))
}

pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A one-line field (title, kicker, tag, author): what XML cannot carry
/// removed, every run of whitespace (tabs, line breaks) made one space,
/// trimmed.
pub fn one_line(text: &str) -> String {
    if is_one_line(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for word in xml_safe(text).split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `one_line` would give `text` back as it is (nearly every
/// title, tag and author does): one pass, no copies. Byte by byte, with
/// the CJK ideographs (U+4000–U+D7FF, three bytes led by E4–ED, neither
/// space nor refused by XML) stepped over whole: a summary is mostly them.
fn is_one_line(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut after_space = true; // so a leading space fails
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        let (len, ok, space) = match b {
            b' ' => (1, true, true),
            0x00..=0x1f => (1, false, false),
            0x21..=0x7f => (1, true, false),
            0xe4..=0xed => (3, true, false),
            _ => {
                let c = text[at..].chars().next().unwrap_or(' ');
                (c.len_utf8(), !c.is_whitespace() && is_xml_char(c), false)
            }
        };
        if !ok || (space && after_space) {
            return false;
        }
        after_space = space;
        at += len;
    }
    !after_space || text.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte scan says what a scan of the characters says.
    #[test]
    fn the_byte_scan_agrees_with_the_characters() {
        for text in [
            "",
            "plain 中文 😀",
            "tab\tnew\nline\rcr",
            "bell\u{7}",
            "nul\0",
            "\u{FFFE}",
            "\u{FFFF}x",
            "\u{FFFD}\u{FFEF}\u{EFBF}",
            "\u{1B}[31m",
            "\u{7F}\u{9F}",
        ] {
            assert_eq!(is_xml_text(text), text.chars().all(is_xml_char), "{text:?}");
        }
    }

    #[test]
    fn xml_safe_drops_exactly_what_xml_cannot_carry() {
        assert_eq!(xml_safe("a\u{0}b\u{1}\u{8}\u{B}\u{C}\u{1F}c\td\ne\rf"), "abc\td\ne\rf");
        assert_eq!(xml_safe("x\u{FFFE}\u{FFFF}y\u{FFFD}"), "xy\u{FFFD}");
        assert_eq!(xml_safe("中文😀\u{7F}\u{85}"), "中文😀\u{7F}\u{85}", "DEL and NEL are allowed in XML 1.0");
    }

    #[test]
    fn one_line_fields() {
        assert_eq!(one_line("  a\tb\r\nc  "), "a b c");
        assert_eq!(one_line("\u{1}\u{7}"), "");
        assert_eq!(one_line("对标\u{7}奋进"), "对标奋进", "control characters are removed");
        assert_eq!(one_line("\u{200F}RTL\u{202E} 文"), "\u{200F}RTL\u{202E} 文", "bidi marks are text");
        // The fast path (text already one line) must agree with the full rule.
        for text in [
            "",
            " ",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "对标　奋进",
            "a\u{85}b",
            "a\u{FFFE}",
            "x\u{1}",
            "中 文",
            "“八八战略”",
            "中文。",
            "\u{3000}中",
            "中\u{2028}文",
            "é\u{a0}",
            "😀 x",
            "\u{7f}",
            "a\tb",
            "\u{D7FF}\u{E000}",
            "\u{FFFF}",
        ] {
            assert_eq!(one_line(text), by_the_rule(text), "{text:?}");
        }
    }

    /// What `one_line` must give, without its fast path.
    fn by_the_rule(text: &str) -> String {
        let safe = xml_safe(text);
        let words: Vec<&str> = safe.split(char::is_whitespace).filter(|w| !w.is_empty()).collect();
        words.join(" ")
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_rule(text in "[ a\\t\\n\u{1}\u{7f}\u{85}\u{a0}é中文\u{3000}“”。\u{2028}\u{fffe}😀]{0,12}|\\PC{0,12}") {
            proptest::prop_assert_eq!(one_line(&text), by_the_rule(&text));
        }
    }
}
