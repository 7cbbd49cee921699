//! Bytes of a story file to text: UTF-8 (with or without BOM), UTF-16 with
//! BOM, or GB18030 when that decodes cleanly; line endings normalised (pure).

use std::borrow::Cow;

/// How the bytes were read, when it is worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    Utf8,
    Utf16,
    Gb18030,
}

/// Why the bytes are not a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    /// A NUL byte at this offset in a file without a UTF-16 BOM.
    Binary { offset: usize },
    /// Neither UTF-8 nor GB18030; the offset of the first bad UTF-8 byte.
    Undecodable { offset: usize },
    /// UTF-32, told by its byte-order mark (its LE mark starts like UTF-16's).
    Utf32,
}

/// Decodes a story file's bytes. Plain UTF-8 without CR (the common case)
/// is validated in place and borrowed, never copied.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Decoded), NotText> {
    // A second mark after the first (a file saved twice with one, a UTF-16
    // file holding U+FEFF) would hide the front matter: all are dropped.
    decode_marked(bytes).map(|(text, how)| (without_marks(text), how))
}

fn decode_marked(bytes: &[u8]) -> Result<(Cow<'_, str>, Decoded), NotText> {
    // GB18030's own byte-order mark.
    if let Some(rest) = bytes.strip_prefix(b"\x84\x31\x95\x33") {
        if let Some(offset) = memchr::memchr(0, rest) {
            return Err(NotText::Binary { offset: offset + 4 });
        }
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(rest);
        if had_errors {
            return Err(NotText::Undecodable { offset: 4 + utf8(rest).err().unwrap_or(0) });
        }
        return Ok((normalize_newlines(Cow::Owned(text.into_owned())), Decoded::Gb18030));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Some(offset) = memchr::memchr(0, rest) {
            return Err(NotText::Binary { offset: offset + 3 });
        }
        let text = utf8(rest).map_err(|offset| NotText::Undecodable { offset: offset + 3 })?;
        return Ok((normalize_newlines(Cow::Borrowed(text)), Decoded::Utf8));
    }
    if bytes.starts_with(b"\xFF\xFE\x00\x00") || bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return Err(NotText::Utf32);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, had_errors) = encoding_rs::UTF_16LE.decode(bytes);
        if had_errors {
            return Err(NotText::Undecodable { offset: utf16_error(bytes) });
        }
        return Ok((normalize_newlines(Cow::Owned(text.into_owned())), Decoded::Utf16));
    }
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(NotText::Binary { offset });
    }
    match utf8(bytes) {
        Ok(text) => Ok((normalize_newlines(Cow::Borrowed(text)), Decoded::Utf8)),
        Err(valid_up_to) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(NotText::Undecodable { offset: valid_up_to });
            }
            Ok((normalize_newlines(Cow::Owned(text.into_owned())), Decoded::Gb18030))
        }
    }
}

/// The offset of the first byte UTF-16 cannot read (after the two-byte
/// mark): an unpaired surrogate, or an odd byte at the end.
fn utf16_error(bytes: &[u8]) -> usize {
    let little = bytes.starts_with(b"\xFF\xFE");
    let units: Vec<u16> = bytes
        .get(2..)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(
            |pair| if little { u16::from_le_bytes([pair[0], pair[1]]) } else { u16::from_be_bytes([pair[0], pair[1]]) },
        )
        .collect();
    let mut i = 0;
    while i < units.len() {
        match units[i] {
            0xD800..=0xDBFF if units.get(i + 1).is_some_and(|u| (0xDC00..=0xDFFF).contains(u)) => i += 2,
            0xD800..=0xDFFF => return 2 + 2 * i,
            _ => i += 1,
        }
    }
    2 + 2 * units.len()
}

/// The text without the byte-order marks (U+FEFF) it starts with.
fn without_marks(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.starts_with('\u{FEFF}') {
        return text;
    }
    match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.trim_start_matches('\u{FEFF}')),
        Cow::Owned(t) => Cow::Owned(t.trim_start_matches('\u{FEFF}').to_owned()),
    }
}

/// UTF-8 validation, vectorised (most of a cold build's bytes pass through
/// here); on failure, the offset of the first bad byte.
fn utf8(bytes: &[u8]) -> Result<&str, usize> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => Err(std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len)),
    }
}

/// CRLF and lone CR become LF, so every later rule sees one kind of line.
pub fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode("中文".as_bytes()), Ok(("中文".into(), Decoded::Utf8)));
        assert!(matches!(decode("中文\n".as_bytes()), Ok((Cow::Borrowed(_), _))), "plain UTF-8 is not copied");
        assert_eq!(decode(b"\xEF\xBB\xBF+++\r\n"), Ok(("+++\n".into(), Decoded::Utf8)));
        let utf16le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("中a\r\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16le), Ok(("中a\n".into(), Decoded::Utf16)));
        let utf16be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("中a".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&utf16be), Ok(("中a".into(), Decoded::Utf16)));
        let (gbk, _, _) = encoding_rs::GB18030.encode("永康日报");
        assert_eq!(decode(&gbk), Ok(("永康日报".into(), Decoded::Gb18030)));
    }

    #[test]
    fn binary_and_garbage_are_refused() {
        assert_eq!(decode(b"abc\0def"), Err(NotText::Binary { offset: 3 }));
        assert!(matches!(decode(b"ok \xFF\xFF\xFF\xFF"), Err(NotText::Undecodable { offset: 3 })));
        assert_eq!(decode(b"\xEF\xBB\xBFab\xFF\xFF\xFF\xFF"), Err(NotText::Undecodable { offset: 5 }), "after the BOM");
        assert_eq!(decode(b"\xEF\xBB\xBFa\0"), Err(NotText::Binary { offset: 4 }));
        // UTF-32 was read as UTF-16 (its LE mark starts alike) and reported as "no title".
        let utf32le: Vec<u8> = [0xFEFFu32, 'T' as u32, 'i' as u32].iter().flat_map(|c| c.to_le_bytes()).collect();
        let utf32be: Vec<u8> = [0xFEFFu32, 'T' as u32].iter().flat_map(|c| c.to_be_bytes()).collect();
        assert_eq!(decode(&utf32le), Err(NotText::Utf32));
        assert_eq!(decode(&utf32be), Err(NotText::Utf32));
    }

    /// Regression: each of these was read with its front matter hidden and
    /// reported as "no title", or its bad byte placed at offset 0.
    #[test]
    fn marks_are_dropped_however_many_and_whichever() {
        let story = "+++\ntitle = \"标题\"\n+++\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(story);
        let gb_marked: Vec<u8> = b"\x84\x31\x95\x33".iter().copied().chain(gb.iter().copied()).collect();
        assert_eq!(decode(&gb_marked), Ok((story.into(), Decoded::Gb18030)));
        let twice: Vec<u8> = b"\xEF\xBB\xBF\xEF\xBB\xBF".iter().copied().chain(story.bytes()).collect();
        assert_eq!(decode(&twice), Ok((story.into(), Decoded::Utf8)));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(format!("\u{FEFF}{story}").encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16), Ok((story.into(), Decoded::Utf16)));
        let mut odd = utf16.clone();
        odd.push(b'x');
        assert_eq!(decode(&odd), Err(NotText::Undecodable { offset: odd.len() - 1 }));
        let lone: Vec<u8> = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0].to_vec();
        assert_eq!(decode(&lone), Err(NotText::Undecodable { offset: 4 }));
    }

    #[test]
    fn line_endings() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
        assert!(matches!(normalize_newlines("a\nb".into()), Cow::Borrowed(_)), "no copy without CR");
    }
}
