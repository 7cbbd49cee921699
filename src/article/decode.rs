//! Bytes of a story file to text: UTF-8 (with or without BOM), UTF-16 with
//! BOM, or GB18030 when that decodes cleanly; line endings normalised (pure).

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
}

pub fn decode(bytes: &[u8]) -> Result<(String, Decoded), NotText> {
    decode_owned(bytes.to_vec())
}

/// [`decode`] for bytes already owned: plain UTF-8 (the common case) is
/// validated in place, never copied.
pub fn decode_owned(bytes: Vec<u8>) -> Result<(String, Decoded), NotText> {
    if !bytes.starts_with(b"\xEF\xBB\xBF") && !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") {
        if let Some(offset) = memchr_nul(&bytes) {
            return Err(NotText::Binary { offset });
        }
        return match String::from_utf8(bytes) {
            Ok(text) => Ok((normalize_newlines(text), Decoded::Utf8)),
            Err(e) => {
                let valid_up_to = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
                if had_errors {
                    return Err(NotText::Undecodable { offset: valid_up_to });
                }
                Ok((normalize_newlines(text.into_owned()), Decoded::Gb18030))
            }
        };
    }
    let bytes = &bytes[..];
    let (text, how) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (utf8(rest)?, Decoded::Utf8)
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, had_errors) = encoding_rs::UTF_16LE.decode(bytes);
        if had_errors {
            return Err(NotText::Undecodable { offset: 0 });
        }
        (text.into_owned(), Decoded::Utf16)
    } else if let Some(offset) = memchr_nul(bytes) {
        return Err(NotText::Binary { offset });
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), Decoded::Utf8),
            Err(e) => {
                let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
                if had_errors {
                    return Err(NotText::Undecodable { offset: e.valid_up_to() });
                }
                (text.into_owned(), Decoded::Gb18030)
            }
        }
    };
    Ok((normalize_newlines(text), how))
}

fn utf8(bytes: &[u8]) -> Result<String, NotText> {
    if let Some(offset) = memchr_nul(bytes) {
        return Err(NotText::Binary { offset: offset + 3 });
    }
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| NotText::Undecodable { offset: e.valid_up_to() + 3 })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` is the vectorised search; the position only when needed.
    if bytes.contains(&0) {
        bytes.iter().position(|&b| b == 0)
    } else {
        None
    }
}

/// CRLF and lone CR become LF, so every later rule sees one kind of line.
pub fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode("中文".as_bytes()), Ok(("中文".into(), Decoded::Utf8)));
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
    }

    #[test]
    fn line_endings() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
    }
}
