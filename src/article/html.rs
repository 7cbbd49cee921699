//! Story HTML made safe for feed readers: sanitised with ammonia, relative
//! URLs made absolute, and the headline block framed (pure).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use url::Url;

use super::refs;
use super::text::escape;

/// Tags added to ammonia's defaults (which already keep headings,
/// paragraphs, lists, tables, figures, links, blockquotes and code).
const EXTRA_TAGS: &[&str] = &["picture", "source", "video", "audio", "track"];

/// Where the local files a body refers to are published: a relative URL
/// naming one (relative to the story's folder) is replaced by its URL.
#[derive(Debug, Clone, Default)]
pub struct LocalFiles {
    /// The story's folder, relative to the articles folder.
    pub story_dir: PathBuf,
    /// File (relative to the articles folder) → absolute URL, or `None`
    /// for a file whose link must not be given (a story not yet out).
    pub urls: HashMap<PathBuf, Option<String>>,
}

impl LocalFiles {
    /// The published URL of the file `reference` names, with its query
    /// and fragment kept (`report.pdf#page=2`, `other.md#part`): `None`
    /// for a file not published, `Some(None)` for one whose link is
    /// withheld.
    fn url_of(&self, reference: &str) -> Option<Option<String>> {
        if self.urls.is_empty() {
            return None;
        }
        let file = refs::normalize(&self.story_dir.join(refs::file_part(reference)?))?;
        let url = self.urls.get(&file)?.as_ref();
        let suffix = reference.find(['?', '#']).map_or("", |at| &reference[at..]);
        Some(url.map(|url| format!("{url}{suffix}")))
    }
}

/// Removes everything a reader must not run (script, style, event handlers,
/// `javascript:`/`data:` URLs, iframes, objects, embeds, forms, meta) and
/// resolves relative `href`, `src`, `srcset` and `poster`: a published local
/// file (see [`LocalFiles`]) to its URL, anything else against `base`.
pub fn sanitize(html: &str, base: &Url, local: &LocalFiles) -> String {
    let srcset_base = base.clone();
    let srcset_local = local.clone();
    // Footnotes work inside the item, where readers show it: their ids
    // (made unique to the story by `footnote_prefix`, as the Markdown
    // renderer wrote them and their links) are kept, and so are links to
    // them; any other relative URL is made absolute.
    let prefix = footnote_prefix(base.as_str());
    let resolve = Resolve { base: base.clone(), prefix: prefix.clone(), local: local.clone() };
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(EXTRA_TAGS)
        .add_tag_attributes("img", &["srcset", "sizes", "loading"])
        .add_tag_attributes("source", &["src", "srcset", "sizes", "type", "media"])
        .add_tag_attributes("video", &["src", "poster", "controls", "width", "height", "preload"])
        .add_tag_attributes("audio", &["src", "controls", "preload"])
        .add_tag_attributes("track", &["src", "kind", "srclang", "label"])
        .add_allowed_classes("div", &["footnote-definition"])
        .add_allowed_classes("sup", &["footnote-reference", "footnote-definition-label"])
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .add_tag_attributes("div", &["id"])
        .id_prefix(Some(&prefix))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(resolve)))
        .attribute_filter(move |_element, attribute, value| match attribute {
            "srcset" => resolve_srcset(value, &srcset_base, &srcset_local).map(Cow::Owned),
            _ => Some(Cow::Borrowed(value)),
        });
    builder.clean(html).to_string()
}

/// Relative URLs made absolute against the story's link, and `#…` ones
/// pointed at the story's own (prefixed) ids.
struct Resolve {
    base: Url,
    prefix: String,
    local: LocalFiles,
}

impl<'a> ammonia::UrlRelativeEvaluate<'a> for Resolve {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        match url.strip_prefix('#') {
            Some(fragment) if fragment.starts_with(&self.prefix) => Some(Cow::Borrowed(url)),
            _ => match self.local.url_of(url) {
                Some(published) => published.map(Cow::Owned),
                None => self.base.join(url).ok().map(|u| Cow::Owned(u.to_string())),
            },
        }
    }
}

/// What a story's footnote ids start with: unique to the story (its link),
/// since a reader may show several stories on one page.
pub fn footnote_prefix(link: &str) -> String {
    format!("fn-{:08x}-", xxhash_rust::xxh3::xxh3_64(link.as_bytes()) as u32)
}

/// How deep elements may nest before a body is published as plain text:
/// sanitising parses HTML the way browsers do, which takes time quadratic
/// in the depth (a 100 KB story of nested quotes took minutes).
pub const MAX_DEPTH: usize = 100;

/// The deepest element nesting in `html`, estimated in one pass (void
/// elements and self-closing tags do not nest).
pub fn nesting_depth(html: &str) -> usize {
    const VOID: &[&str] =
        &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];
    let bytes = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        match bytes.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end =
                    bytes[i..].iter().position(|b| !b.is_ascii_alphanumeric()).map_or(bytes.len(), |n| i + n);
                let name = html[i..name_end].to_ascii_lowercase();
                let tag_end = bytes[i..].iter().position(|&b| b == b'>').map_or(bytes.len(), |n| i + n);
                let self_closing = tag_end > i && bytes[tag_end - 1] == b'/';
                if !VOID.contains(&name.as_str()) && !self_closing {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
            }
            _ => {}
        }
    }
    deepest
}

/// Resolves every candidate of a `srcset` (`url [descriptor], …`), keeping
/// only http(s) URLs. `None` when nothing is left.
fn resolve_srcset(value: &str, base: &Url, local: &LocalFiles) -> Option<String> {
    let candidates: Vec<String> = value
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let written = parts.next()?;
            let url = local.url_of(written).unwrap_or_else(|| Some(written.to_owned()))?;
            let url = base.join(&url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))?;
            let descriptor: Vec<&str> = parts.collect();
            Some(if descriptor.is_empty() { url.to_string() } else { format!("{url} {}", descriptor.join(" ")) })
        })
        .collect();
    (!candidates.is_empty()).then(|| candidates.join(", "))
}

/// The kicker (引题) and subtitle (副题) as the paper prints them around
/// the headline, in a small header block a reader can style
/// (`p.kicker`, `p.subtitle`), followed by the body. The headline itself
/// is not repeated: readers show the title above the content. Without
/// kicker and subtitle the body is returned as it is.
pub fn frame(kicker: Option<&str>, subtitle: Option<&str>, body: &str) -> String {
    if kicker.is_none() && subtitle.is_none() {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len() + 128);
    out.push_str("<header>");
    for (class, text) in [("kicker", kicker), ("subtitle", subtitle)] {
        if let Some(text) = text {
            out.push_str("<p class=\"");
            out.push_str(class);
            out.push_str("\">");
            out.push_str(&escape(text));
            out.push_str("</p>");
        }
    }
    out.push_str("</header>\n");
    out.push_str(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.com/duibiao/").expect("url")
    }

    #[test]
    fn relative_urls_become_absolute() {
        let html = sanitize(
            r#"<a href="../other/">o</a><img src="p.jpg" srcset="p-2x.jpg 2x, /q.jpg 640w"><video poster="v.jpg" src="v.mp4"></video><a href="https://x.org/">x</a>"#,
            &base(),
            &LocalFiles::default(),
        );
        assert!(html.contains(r#"href="https://news.example.com/other/""#), "{html}");
        assert!(html.contains(r#"src="https://news.example.com/duibiao/p.jpg""#), "{html}");
        assert!(
            html.contains(
                r#"srcset="https://news.example.com/duibiao/p-2x.jpg 2x, https://news.example.com/q.jpg 640w""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"poster="https://news.example.com/duibiao/v.jpg""#), "{html}");
        assert!(html.contains(r#"href="https://x.org/""#), "{html}");
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<iframe src=\"https://evil/\"></iframe>",
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
            "<form action=\"/steal\"><input name=p></form>",
            "<meta http-equiv=refresh content=0>",
            "<style>body{display:none}</style>",
            "<img srcset=\"javascript:alert(1) 1x\">",
        ];
        for case in cases {
            let out = sanitize(case, &base(), &LocalFiles::default()).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "data:",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "<input",
                "<meta",
                "<style",
                "alert(1)</",
            ] {
                assert!(!out.contains(bad), "{case} -> {out}");
            }
        }
    }

    #[test]
    fn news_markup_survives() {
        let html = "<figure><img src=\"https://e.com/a.jpg\" alt=\"图\"><figcaption>说明</figcaption></figure><table><tr><td>1</td></tr></table><blockquote><p>q</p></blockquote><pre><code>c</code></pre><sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>";
        let out = sanitize(html, &base(), &LocalFiles::default());
        for keep in [
            "<figure>",
            "<figcaption>说明</figcaption>",
            "<table>",
            "<blockquote>",
            "<code>c</code>",
            "class=\"footnote-reference\"",
            "alt=\"图\"",
        ] {
            assert!(out.contains(keep), "{keep} missing from {out}");
        }
        assert!(sanitize("<a href=\"https://e.com/\">x</a>", &base(), &LocalFiles::default())
            .contains("rel=\"noopener noreferrer\""));
    }

    #[test]
    fn footnotes_link_to_their_notes_inside_the_item() {
        let text = "正文[^b]和[^a]，[自己的锚点](#here)。\n\n[^a]: 注释甲。\n\n[^b]: 注释乙。\n";
        let prefix = footnote_prefix(base().as_str());
        let html = sanitize(&crate::article::markdown::to_html(text, &prefix), &base(), &LocalFiles::default());
        // Numbered in the order they are referred to, each linking to its note.
        assert!(html.contains(&format!("<a href=\"#{prefix}b\" rel=\"noopener noreferrer\">1</a>")), "{html}");
        assert!(html.contains(&format!("<a href=\"#{prefix}a\" rel=\"noopener noreferrer\">2</a>")), "{html}");
        for label in ["a", "b"] {
            assert!(html.contains(&format!("id=\"{prefix}{label}\"")), "note {label} has the id linked to: {html}");
        }
        assert!(
            html.contains("<sup class=\"footnote-definition-label\">1</sup>注释乙")
                || html.contains("1</sup>\n<p>注释乙"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://news.example.com/duibiao/#here\""),
            "other fragments stay absolute: {html}"
        );
        assert_ne!(prefix, footnote_prefix("https://news.example.com/other/"), "another story's ids differ");
        assert_eq!(
            sanitize("<p id=\"x\" onclick=\"y\">a</p>", &base(), &LocalFiles::default()),
            "<p>a</p>",
            "ids only on footnote notes"
        );
    }

    #[test]
    fn nesting_depth_counts_open_elements() {
        assert_eq!(nesting_depth("<p>a<br>b<img src=x></p><p><em>c</em></p>"), 2);
        assert_eq!(nesting_depth(&"<blockquote>".repeat(500)), 500);
        assert_eq!(nesting_depth("<div/><hr/>text < 5"), 0);
        assert_eq!(nesting_depth(""), 0);
    }

    #[test]
    fn frame_prints_kicker_then_subtitle_and_never_the_headline() {
        let html = frame(Some("引题<"), Some("副题"), "<p>正文</p>");
        assert_eq!(
            html,
            "<header><p class=\"kicker\">引题&lt;</p><p class=\"subtitle\">副题</p></header>\n<p>正文</p>"
        );
        assert_eq!(frame(None, Some("副题"), "<p>x</p>"), "<header><p class=\"subtitle\">副题</p></header>\n<p>x</p>");
        assert_eq!(frame(None, None, "<p>x</p>"), "<p>x</p>");
    }
}
