//! The local files a Markdown body refers to (pure): pictures, video and
//! sound, and links to documents or to other stories. Found where they are
//! written — Markdown images and links, `src`, `srcset`, `poster` and
//! `href` in raw HTML, the `src` and `link` of Hugo's `figure` — with their
//! byte offsets, so that a missing file can be reported at its line and
//! column. Whether each file exists is for the caller (`load`) to find out.

use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// What a reference is to a reader: what the message calls it, and whether
/// a missing file is worth a warning (a link may be to a page of the site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// `img src`, `srcset`, `poster`, a figure's `src`.
    Image,
    /// `video`, `audio`, `source`, `track` `src`.
    Media,
    /// `a href`, a Markdown link: a document or another story.
    Link,
}

impl RefKind {
    /// How messages name the thing referred to.
    pub fn noun(self) -> &'static str {
        match self {
            RefKind::Image => "image",
            RefKind::Media => "media file",
            RefKind::Link => "linked file",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            RefKind::Image => 0,
            RefKind::Media => 1,
            RefKind::Link => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<RefKind> {
        match code {
            0 => Some(RefKind::Image),
            1 => Some(RefKind::Media),
            2 => Some(RefKind::Link),
            _ => None,
        }
    }
}

/// A reference to a local file as the body writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BodyRef {
    pub kind: RefKind,
    /// As written (entities decoded): `photo.jpg`, `../2024/x.md#part`.
    pub reference: String,
    /// 1-based line in the file and column (in characters), where found.
    pub line: u32,
    pub column: u32,
}

impl BodyRef {
    /// The file it names, relative to the story's folder, percent-decoded,
    /// without query or fragment.
    pub fn file(&self) -> Option<PathBuf> {
        file_part(&self.reference)
    }
}

/// The file a relative URL names (`a%20b.jpg?x#y` → `a b.jpg`), or `None`
/// for a URL that is not a relative path: one with a scheme or a host, an
/// absolute path (a page of the site), a bare fragment or query.
pub fn file_part(reference: &str) -> Option<PathBuf> {
    // A backslash separates folders in a URL's path, as browsers read it
    // (`pics\photo.jpg` is `pics/photo.jpg`).
    let reference = reference.trim().replace('\\', "/");
    let reference = reference.as_str();
    if reference.starts_with(['/', '#', '?']) || has_scheme(reference) {
        return None;
    }
    let path = reference.split(['?', '#']).next().unwrap_or("");
    if path.is_empty() || path.ends_with('/') {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    if decoded.contains('\0') {
        return None;
    }
    // The Markdown renderer writes a backslash as `%5C`: a separator too.
    Some(PathBuf::from(decoded.replace('\\', "/")))
}

/// `scheme:` before any `/`, `?` or `#`, as a URL parser reads it.
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else { return false };
    let scheme = &reference[..colon];
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `a/./b/../c` → `a/c`; `None` when it climbs above the start or is absolute.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::Normal(c) => out.push(c),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Every reference to a local file in a Markdown `body` whose first line
/// is line `first_line` of the file, in the order written; each reference
/// once per kind.
pub fn find(body: &str, first_line: usize) -> Vec<BodyRef> {
    // Most bodies hold no link, picture or markup at all.
    if !(body.contains("](") || body.contains("]:") || body.contains('<') || body.contains("{{")) {
        return Vec::new();
    }
    let mut found: Vec<(RefKind, String, usize)> = Vec::new();
    for (attribute, value, at) in super::shortcodes::figure_refs(body) {
        let kind = if attribute == "src" { RefKind::Image } else { RefKind::Link };
        found.push((kind, value, at));
    }
    let mut html_block: Option<Range<usize>> = None;
    let options = pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_FOOTNOTES;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                found.push((RefKind::Image, dest_url.to_string(), locate(body, &range, &dest_url)));
            }
            Event::Start(Tag::Link { link_type, dest_url, .. }) => {
                use pulldown_cmark::LinkType::{Autolink, Email};
                if !matches!(link_type, Autolink | Email) {
                    found.push((RefKind::Link, dest_url.to_string(), locate(body, &range, &dest_url)));
                }
            }
            Event::Start(Tag::HtmlBlock) => html_block = Some(range),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(block) = html_block.take() {
                    html_refs(body, block, &mut found);
                }
            }
            Event::InlineHtml(_) | Event::Html(_) if html_block.is_none() => html_refs(body, range, &mut found),
            _ => {}
        }
    }
    found.sort_by_key(|(_, _, at)| *at);
    let mut seen = std::collections::HashSet::new();
    let lines = LineIndex::new(body);
    found
        .into_iter()
        .filter(|(_, reference, _)| file_part(reference).is_some())
        .filter(|(kind, reference, _)| seen.insert((*kind, reference.clone())))
        .map(|(kind, reference, at)| {
            let (line, column) = lines.position(body, at);
            let line = u32::try_from(first_line + line).unwrap_or(u32::MAX);
            BodyRef { kind, reference, line, column: u32::try_from(column).unwrap_or(u32::MAX) }
        })
        .collect()
}

/// Where `dest` is written inside `range`, else the start of the range (a
/// reference-style image, or a path written with entities or escapes).
/// Never a search of the whole body: a story of many such references
/// would take time quadratic in its length.
fn locate(body: &str, range: &Range<usize>, dest: &str) -> usize {
    if dest.is_empty() {
        return range.start;
    }
    let inside = body.get(range.clone()).and_then(|text| memchr::memmem::find(text.as_bytes(), dest.as_bytes()));
    inside.map_or(range.start, |at| range.start + at)
}

/// The references in the raw HTML at `range` of `body`.
fn html_refs(body: &str, range: Range<usize>, found: &mut Vec<(RefKind, String, usize)>) {
    let Some(html) = body.get(range.clone()) else { return };
    for tag in tags(html) {
        for (name, value, at) in &tag.attributes {
            let kind = match (tag.name.as_str(), name.as_str()) {
                ("img", "src") | ("video", "poster") => RefKind::Image,
                ("video" | "audio" | "source" | "track", "src") => RefKind::Media,
                ("a", "href") => RefKind::Link,
                ("img" | "source", "srcset") => {
                    for (candidate, offset) in srcset_candidates(value) {
                        found.push((RefKind::Image, candidate, range.start + at + offset));
                    }
                    continue;
                }
                _ => continue,
            };
            found.push((kind, decode_entities(value), range.start + at));
        }
    }
}

/// A start tag: its name (lower case) and attributes (name lower case,
/// raw value, byte offset of the value in the text).
struct StartTag {
    name: String,
    attributes: Vec<(String, String, usize)>,
}

/// The start tags of an HTML fragment, read leniently (as browsers would
/// for the attributes that matter here); comments are skipped.
fn tags(html: &str) -> Vec<StartTag> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        i += offset + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        let name_len = bytes[i..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' || bytes[i] == b'<' {
                break;
            }
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
                i += 1;
            }
            let attribute = html[start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let (value_start, value_end) = match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = memchr::memchr(quote, &bytes[i + 1..]).map_or(bytes.len(), |n| i + 1 + n);
                    (i + 1, end)
                }
                _ => {
                    let n = bytes[i..].iter().take_while(|b| !b.is_ascii_whitespace() && **b != b'>').count();
                    (i, i + n)
                }
            };
            attributes.push((attribute, html[value_start..value_end].to_owned(), value_start));
            i = (value_end + 1).min(bytes.len());
        }
        // The sanitiser drops these elements' content or keeps it as text
        // (a script's, a template's, a textarea's): no file named in there
        // is shown.
        if SHOWS_NOTHING.contains(&name.as_str()) {
            let closes = memchr::memmem::find_iter(&bytes[i..], b"</").map(|at| i + at);
            let mut closing = closes.filter(|at| {
                bytes.get(at + 2..at + 2 + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            });
            i = closing.next().unwrap_or(bytes.len());
        }
        out.push(StartTag { name, attributes });
    }
    out
}

/// Elements whose content the sanitiser removes, or keeps as text only.
const SHOWS_NOTHING: &[&str] = &[
    "script", "style", "template", "noscript", "textarea", "title", "math", "svg", "xmp", "iframe", "noembed",
    "noframes", "object",
];

/// The URLs of a `srcset` value with their offsets in it.
fn srcset_candidates(value: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for candidate in value.split(',') {
        let lead = candidate.len() - candidate.trim_start().len();
        if let Some(url) = candidate.split_whitespace().next() {
            out.push((decode_entities(url), offset + lead));
        }
        offset += candidate.len() + 1;
    }
    out
}

/// The character references an attribute value may hold in a URL.
fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&n| n <= 10);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
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

/// Byte offsets of line starts, to turn an offset into line and column.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|n| n + 1));
        LineIndex(starts)
    }

    /// 0-based line, 1-based column in characters.
    fn position(&self, text: &str, at: usize) -> (usize, usize) {
        let line = self.0.partition_point(|&start| start <= at).saturating_sub(1);
        let start = self.0.get(line).copied().unwrap_or(0);
        let column = text.get(start..at).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(body: &str) -> Vec<(RefKind, String, u32, u32)> {
        find(body, 1).into_iter().map(|r| (r.kind, r.reference, r.line, r.column)).collect()
    }

    #[test]
    fn markdown_images_and_links_are_found_at_their_place() {
        let body =
            "第一段。\n\n![现场照片](photo.jpg \"标题\")\n\n见[报告](files/report.pdf)和[另一篇](other.md#part)。\n";
        assert_eq!(
            refs(body),
            [
                (RefKind::Image, "photo.jpg".into(), 3, 9),
                (RefKind::Link, "files/report.pdf".into(), 5, 7),
                (RefKind::Link, "other.md#part".into(), 5, 31),
            ]
        );
    }

    #[test]
    fn raw_html_sources_posters_and_srcset_candidates_are_found() {
        let body = "<figure>\n<img src=\"a.jpg\" srcset=\"a-2x.jpg 2x, https://cdn.example/a.jpg 3x,a-4x.jpg 4x\">\n</figure>\n\n<video poster='p.png' controls><source src=v.mp4 type=video/mp4></video>\n\ntext <audio src=\"s%20t.mp3\"></audio> and <a href=\"doc.pdf\">doc</a>\n";
        let found = refs(body);
        let names: Vec<(RefKind, &str)> = found.iter().map(|(k, r, _, _)| (*k, r.as_str())).collect();
        assert_eq!(
            names,
            [
                (RefKind::Image, "a.jpg"),
                (RefKind::Image, "a-2x.jpg"),
                (RefKind::Image, "a-4x.jpg"),
                (RefKind::Image, "p.png"),
                (RefKind::Media, "v.mp4"),
                (RefKind::Media, "s%20t.mp3"),
                (RefKind::Link, "doc.pdf"),
            ]
        );
        assert_eq!((found[0].2, found[0].3), (2, 11), "line and column of a.jpg");
        assert_eq!(found[5].2, 7);
    }

    #[test]
    fn web_addresses_site_paths_fragments_and_code_are_not_local_files() {
        let body = "![a](https://x.example/a.jpg) [b](/about/) [c](#top) [d](mailto:a@b.c) [e](//cdn.example/x.png) [f](?q=1) [g](folder/)\n\n`![h](code.jpg)`\n\n```\n<img src=\"fenced.jpg\">\n```\n\n<https://auto.example/x.jpg>\n";
        assert!(refs(body).is_empty(), "{:?}", refs(body));
    }

    #[test]
    fn figure_shortcodes_and_reference_definitions_count() {
        let body =
            "{{< figure src=\"fig.jpg\" caption=\"图\" link=\"big.jpg\" >}}\n\n![x][pic]\n\n[pic]: defined.png\n";
        let found = refs(body);
        let names: Vec<(RefKind, &str, u32)> = found.iter().map(|(k, r, l, _)| (*k, r.as_str(), *l)).collect();
        assert_eq!(
            names,
            [(RefKind::Image, "fig.jpg", 1), (RefKind::Link, "big.jpg", 1), (RefKind::Image, "defined.png", 3)],
            "a reference-style image is placed where it is used"
        );
    }

    #[test]
    fn files_named_only_inside_a_script_or_a_style_are_not_shown() {
        let body = "<script>var i = '<img src=\"s.jpg\">';</script>\n\n<STYLE>a{} <img src=\"t.jpg\"></STYLE>\n\n<noscript><img src=\"n.jpg\"></noscript><template><img src=\"t.jpg\"></template><textarea><img src=\"x.jpg\"></textarea>\n\n<img src=\"u.jpg\">\n";
        let names: Vec<String> = refs(body).into_iter().map(|r| r.1).collect();
        assert_eq!(names, ["u.jpg"]);
    }

    #[test]
    fn a_file_named_twice_is_listed_once_per_kind() {
        let found = refs("![a](p.jpg) ![b](p.jpg) [c](p.jpg)");
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn file_parts_are_decoded_and_stripped() {
        assert_eq!(file_part("a%20b.jpg?x=1#y"), Some(PathBuf::from("a b.jpg")));
        assert_eq!(file_part("./x/../y.png"), Some(PathBuf::from("./x/../y.png")));
        assert_eq!(file_part("pics\\a.jpg"), Some(PathBuf::from("pics/a.jpg")), "as browsers read it");
        assert_eq!(file_part("\\\\host\\a.jpg"), None, "a UNC path is no relative path");
        for not_a_file in ["", "#x", "/a.jpg", "http://x/a.jpg", "data:image/png;base64,AA", "dir/", "%00.jpg", "?q"] {
            assert_eq!(file_part(not_a_file), None, "{not_a_file}");
        }
        assert_eq!(normalize(Path::new("a/./b/../c.jpg")), Some(PathBuf::from("a/c.jpg")));
        assert_eq!(normalize(Path::new("../c.jpg")), None);
        assert_eq!(normalize(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn entities_in_attributes_are_decoded_and_odd_markup_does_not_panic() {
        assert_eq!(decode_entities("a&amp;b&#x41;&#66;&bogus;&"), "a&bAB&bogus;&");
        for odd in ["<", "<img", "<img src", "<img src=", "<img src='", "<!--", "<a href=\"x.pdf", "<<img src=>"] {
            let _ = refs(odd);
        }
        assert_eq!(refs("<p><img src=\"a&amp;b.jpg\"></p>")[0].1, "a&b.jpg");
    }
}
