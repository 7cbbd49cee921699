//! Reading what a site published: feeds parsed with `feed-rs` (as a feed
//! reader would), the items of the three formats read with strict parsers
//! (roxmltree for XML, serde_json for JSON), and checks over whole output
//! folders.

use std::path::{Path, PathBuf};

use super::{walk, Site};

impl Site {
    /// The parsed feed file `rel` under the output folder (`None` when it
    /// is absent or does not parse: tests poll until it does).
    pub(crate) fn feed(&self, rel: &str) -> Option<feed_rs::model::Feed> {
        let bytes = std::fs::read(self.out().join(rel)).ok()?;
        feed_rs::parser::parse(&bytes[..]).ok()
    }

    /// Item titles of a feed file, in feed order (empty when absent).
    pub(crate) fn titles_in(&self, rel: &str) -> Vec<String> {
        self.feed(rel)
            .map(|f| f.entries.iter().map(|e| e.title.as_ref().map(shown_text).unwrap_or_default()).collect())
            .unwrap_or_default()
    }

    /// Item titles of `rss.xml`.
    pub(crate) fn titles(&self) -> Vec<String> {
        self.titles_in("rss.xml")
    }

    /// Item ids (guids) of `rss.xml`.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.feed("rss.xml").map(|f| f.entries.iter().map(|e| e.id.clone()).collect()).unwrap_or_default()
    }

    /// Whether every one of the three main feeds lists exactly `want` (any order).
    pub(crate) fn all_feeds_list(&self, want: &[&str]) -> bool {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        ["rss.xml", "atom.xml", "feed.json"].iter().all(|f| {
            let mut got = self.titles_in(f);
            got.sort();
            got == want
        })
    }

    /// The feed-level title of a feed file.
    pub(crate) fn feed_title(&self, rel: &str) -> Option<String> {
        self.feed(rel).and_then(|f| f.title.as_ref().map(shown_text))
    }

    /// The content HTML of the item titled `title` in `rss.xml`.
    pub(crate) fn content_of(&self, title: &str) -> Option<String> {
        let feed = self.feed("rss.xml")?;
        let entry = feed.entries.into_iter().find(|e| e.title.as_ref().is_some_and(|t| shown_text(t) == title))?;
        entry.content.and_then(|c| c.body)
    }

    /// Every `.feedsmith-*.tmp` file left in the output folder.
    pub(crate) fn temp_files(&self) -> Vec<PathBuf> {
        walk(&self.out()).into_iter().filter(|p| is_temp(p)).collect()
    }

    /// The items of the main feeds, as each format tells them.
    #[track_caller]
    pub(crate) fn items(&self) -> Items {
        self.items_in("")
    }

    /// The items of the three feeds in `out/<folder>` (`folder` ends in `/`
    /// or is empty), parsed strictly.
    #[track_caller]
    pub(crate) fn items_in(&self, folder: &str) -> Items {
        items_in(&self.out().join(folder), folder)
    }
}

fn is_temp(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".feedsmith-") && n.ends_with(".tmp"))
}

/// One published item as one format shows it. `content` is the HTML (the
/// text of `content:encoded`, Atom `content type="html"`, `content_html`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub(crate) format: &'static str,
    pub(crate) id: String,
    pub(crate) link: String,
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) content: String,
    pub(crate) tags: Vec<String>,
}

/// The items of the three feeds of one folder.
#[derive(Debug, Default)]
pub(crate) struct Items {
    pub(crate) rss: Vec<Item>,
    pub(crate) atom: Vec<Item>,
    pub(crate) json: Vec<Item>,
}

impl Items {
    pub(crate) fn all(&self) -> impl Iterator<Item = &Item> {
        self.rss.iter().chain(&self.atom).chain(&self.json)
    }

    /// Sorted titles, asserting the three formats agree.
    #[track_caller]
    pub(crate) fn titles(&self) -> Vec<String> {
        let sorted = |items: &[Item]| {
            let mut t: Vec<String> = items.iter().map(|i| i.title.clone()).collect();
            t.sort();
            t
        };
        let rss = sorted(&self.rss);
        assert_eq!(rss, sorted(&self.atom), "RSS and Atom list different stories");
        assert_eq!(rss, sorted(&self.json), "RSS and JSON Feed list different stories");
        rss
    }

    /// The item titled `title` in each format (three of them).
    #[track_caller]
    pub(crate) fn by_title(&self, title: &str) -> Vec<&Item> {
        let found: Vec<&Item> = self.all().filter(|i| i.title == title).collect();
        assert_eq!(found.len(), 3, "{title:?} must be in each of the three feeds once; titles: {:?}", self.titles());
        found
    }
}

const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// Parses `rss.xml`, `atom.xml` and `feed.json` in `dir` strictly and
/// returns their items; `folder` names the folder in messages.
#[track_caller]
fn items_in(dir: &Path, folder: &str) -> Items {
    let read = |name: &str| read_text(&dir.join(name));
    let mut items = Items::default();

    let rss_text = read("rss.xml");
    let rss = parse_xml(&format!("{folder}rss.xml"), &rss_text);
    for node in rss.descendants().filter(|n| n.has_tag_name("item")) {
        let child = |name: &str, ns: Option<&str>| {
            node.children()
                .find(|c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == ns)
                .and_then(|c| c.text())
                .unwrap_or("")
                .to_owned()
        };
        items.rss.push(Item {
            format: "rss",
            id: child("guid", None),
            link: child("link", None),
            title: child("title", None),
            summary: child("description", None),
            content: child("encoded", Some(CONTENT_NS)),
            tags: node
                .children()
                .filter(|c| c.has_tag_name("category"))
                .map(|c| c.text().unwrap_or("").to_owned())
                .collect(),
        });
    }

    let atom_text = read("atom.xml");
    let atom = parse_xml(&format!("{folder}atom.xml"), &atom_text);
    for node in atom.descendants().filter(|n| n.has_tag_name((ATOM_NS, "entry"))) {
        let child = |name: &str| {
            node.children().find(|c| c.has_tag_name((ATOM_NS, name))).and_then(|c| c.text()).unwrap_or("").to_owned()
        };
        let link = node
            .children()
            .find(|c| c.has_tag_name((ATOM_NS, "link")) && matches!(c.attribute("rel"), None | Some("alternate")))
            .and_then(|c| c.attribute("href"))
            .unwrap_or("")
            .to_owned();
        items.atom.push(Item {
            format: "atom",
            id: child("id"),
            link,
            // A title holding < or & is sent as escaped HTML: as a reader shows it.
            title: match node.children().find(|c| c.has_tag_name((ATOM_NS, "title"))) {
                Some(t) if t.attribute("type") == Some("html") => crate::properties::unescape(&child("title")),
                _ => child("title"),
            },
            summary: child("summary"),
            content: child("content"),
            tags: node
                .children()
                .filter(|c| c.has_tag_name((ATOM_NS, "category")))
                .map(|c| c.attribute("label").or(c.attribute("term")).unwrap_or("").to_owned())
                .collect(),
        });
    }

    let json: serde_json::Value =
        serde_json::from_str(&read("feed.json")).unwrap_or_else(|e| panic!("{folder}feed.json is not valid JSON: {e}"));
    for item in json["items"].as_array().cloned().unwrap_or_default() {
        let s = |key: &str| item[key].as_str().unwrap_or("").to_owned();
        items.json.push(Item {
            format: "json",
            id: s("id"),
            link: s("url"),
            title: s("title"),
            summary: s("summary"),
            content: s("content_html"),
            tags: item["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        });
    }
    items
}

/// Parses one feed document with `feed-rs`, naming the file on failure.
#[track_caller]
pub(crate) fn parse_feed(name: &str, bytes: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("feed-rs cannot parse {name}: {e}"))
}

/// Parses an XML document strictly (well-formedness, XML 1.0 characters,
/// line-end normalisation as every conformant parser does it; no DTD).
#[track_caller]
pub(crate) fn parse_xml<'a>(name: &str, text: &'a str) -> roxmltree::Document<'a> {
    let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}"))
}

/// Reads a file as UTF-8 text, naming it on failure.
#[track_caller]
pub(crate) fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The feed files (rss.xml, atom.xml, feed.json) under `dir` that are
/// empty or do not parse, with why.
pub(crate) fn unparsable_feeds(dir: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    for path in walk(dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !["rss.xml", "atom.xml", "feed.json"].contains(&name) {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) if bytes.is_empty() => bad.push(format!("{}: empty", path.display())),
            Ok(bytes) => {
                if let Err(e) = feed_rs::parser::parse(&bytes[..]) {
                    bad.push(format!("{}: {e}", path.display()));
                }
            }
            Err(e) => bad.push(format!("{}: {e}", path.display())),
        }
    }
    bad
}

/// The files under the site's `out/media`, relative to it, sorted.
pub(crate) fn media_files(site: &Site) -> Vec<String> {
    let media = site.out().join("media");
    walk(&media).iter().map(|p| p.strip_prefix(&media).expect("under media").to_string_lossy().into_owned()).collect()
}

/// Every file under `dir` as text, each after a `== name` line, for "must
/// not appear anywhere" checks (bytes that are not UTF-8 show as U+FFFD).
#[track_caller]
pub(crate) fn all_output_text(dir: &Path) -> String {
    super::read_tree(dir)
        .into_iter()
        .map(|(name, bytes)| format!("== {name}\n{}\n", String::from_utf8_lossy(&bytes)))
        .collect()
}

/// A text construct as a reader shows it: Atom text holding `<` or `&` is
/// sent as escaped HTML.
pub(crate) fn shown_text(text: &feed_rs::model::Text) -> String {
    match text.content_type.essence().to_string().as_str() {
        "text/html" => crate::properties::unescape(&text.content),
        _ => text.content.clone(),
    }
}
