//! Hostile and broken input, end to end (docs/FEEDS.md, *Hostile input*;
//! SECURITY.md tabulates what each kind of input gets): the real binary on
//! throwaway sites holding what a newsroom's folder really receives, one
//! module per kind —
//!
//! - `html`: script and other active content in story HTML;
//! - `encodings`: BOMs, UTF-16, GB18030, undecodable bytes, CR line ends;
//! - `files`: size limits, binaries, links, FIFOs, sockets and devices,
//!   very deep and very wide folders;
//! - `vanishing`: files that vanish between the event, the listing and the
//!   read;
//! - `names`: terms, slugs and titles made to escape the output folder;
//! - `front_matter` and `config`: mistakes, and where their errors point;
//! - `output`: links and FIFOs planted in the output folder;
//! - `library`: a proptest of the decoder and parser on arbitrary bytes
//!   and a replay of the fuzzers' inputs, with the checks in `properties`.

mod config;
mod encodings;
mod files;
mod front_matter;
mod html;
mod library;
mod names;
mod output;
mod vanishing;

/// `text` in UTF-16 with a byte-order mark, little- or big-endian.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}
