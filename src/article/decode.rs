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
            return Err(NotText::Undecodable { offset: 0 });
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

    #[test]
    fn line_endings() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
        assert!(matches!(normalize_newlines("a\nb".into()), Cow::Borrowed(_)), "no copy without CR");
    }
}
