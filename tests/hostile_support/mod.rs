//! Helpers for `tests/hostile.rs`: a throwaway site run with the real
//! binary under a timeout, the published items read back format by format
//! with strict parsers, a small scanner for the tags and attributes of
//! sanitised HTML, and a snapshot of a folder tree (to prove what a run
//! created and where).

#![allow(dead_code)] // not every test uses every helper

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one `build` may take before it counts as hung.
pub(crate) const BUILD_TIMEOUT: Duration = Duration::from_secs(60);

/// A fixed publication date in the past.
pub(crate) const DATE: &str = "2024-03-07T10:00:00+08:00";

/// A story with TOML front matter.
pub(crate) fn toml_story(title: &str, body: &str) -> String {
    format!("+++\ntitle = {}\ndate = {DATE}\n+++\n\n{body}\n", toml_str(title))
}

/// `text` as a TOML string (the toml crate escapes quotes, backslashes
/// and control characters).
pub(crate) fn toml_str(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

pub(crate) use crate::common::{run_with_timeout, Run};

/// A temp folder with `feedsmith.toml`, `articles/`, and (after a build)
/// `out/` and `state.json`.
pub(crate) struct Tmp {
    pub(crate) dir: tempfile::TempDir,
}

impl Tmp {
    /// A site in Asia/Shanghai at https://news.example.com/ with `extra`
    /// configuration lines.
    pub(crate) fn new(extra: &str) -> Tmp {
        let dir = tempfile::Builder::new().prefix("feedsmith-hostile-").tempdir().expect("temp dir");
        let tmp = Tmp { dir };
        std::fs::create_dir_all(tmp.articles()).expect("articles dir");
        tmp.config(extra);
        tmp
    }

    pub(crate) fn config(&self, extra: &str) {
        let text = format!(
            "title = \"Hostile\"\nbase_url = \"https://news.example.com/\"\nfeeds_url = \"https://news.example.com/feeds/\"\n\
             timezone = \"Asia/Shanghai\"\n{extra}\n"
        );
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }
    pub(crate) fn config_path(&self) -> PathBuf {
        self.root().join("feedsmith.toml")
    }
    pub(crate) fn articles(&self) -> PathBuf {
        self.root().join("articles")
    }
    pub(crate) fn out(&self) -> PathBuf {
        self.root().join("out")
    }
    pub(crate) fn state(&self) -> PathBuf {
        self.root().join("state.json")
    }
    pub(crate) fn a(&self, rel: &str) -> PathBuf {
        self.articles().join(rel)
    }

    /// Writes bytes under `articles/` (parents created).
    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.a(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// `feedsmith <command>` on this site, killed after `timeout`.
    pub(crate) fn run(&self, command: &str, extra: &[&str], timeout: Duration) -> Run {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_feedsmith"));
        cmd.arg(command)
            .arg("--config")
            .arg(self.config_path())
            .arg("--output")
            .arg(self.out())
            .arg("--state")
            .arg(self.state())
            .args(extra)
            .current_dir(self.root())
            .env_remove("RUST_LOG");
        run_with_timeout(cmd, timeout)
    }

    pub(crate) fn build(&self) -> Run {
        self.run("build", &[], BUILD_TIMEOUT)
    }

    /// The items of the main feeds (or of the feeds in `folder`), as each
    /// format tells them.
    pub(crate) fn items(&self) -> Items {
        items_in(&self.out(), "")
    }
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

/// Parses the three feeds in `out/<folder>` strictly (roxmltree for XML,
/// serde_json for JSON) and returns their items.
#[track_caller]
pub(crate) fn items_in(out: &Path, folder: &str) -> Items {
    let dir = out.join(folder);
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("read {}: {e}", dir.join(name).display()))
    };
    let options = || roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
    let mut items = Items::default();

    let rss_text = read("rss.xml");
    let rss = roxmltree::Document::parse_with_options(&rss_text, options())
        .unwrap_or_else(|e| panic!("{folder}rss.xml is not well-formed: {e}"));
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
    let atom = roxmltree::Document::parse_with_options(&atom_text, options())
        .unwrap_or_else(|e| panic!("{folder}atom.xml is not well-formed: {e}"));
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
            title: child("title"),
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

// ------------------------------------------------------------ HTML scanner ---

/// An element start tag as serialised HTML shows it.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
}

/// What a piece of HTML is made of: start tags (with attributes, entity
/// references left as written) and the text between tags. Good enough for
/// the normalised HTML ammonia (html5ever) writes; comments are skipped.
pub(crate) fn scan_html(html: &str) -> (Vec<Tag>, String) {
    let mut tags = Vec::new();
    let mut text = String::new();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let next = html[i..].find('<').map_or(html.len(), |n| i + n);
            text.push_str(&html[i..next]);
            text.push(' ');
            i = next;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |n| i + n + 3);
            continue;
        }
        if html[i..].starts_with("</") || html[i..].starts_with("<!") || html[i..].starts_with("<?") {
            i = html[i..].find('>').map_or(html.len(), |n| i + n + 1);
            continue;
        }
        if !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            text.push('<');
            i += 1;
            continue;
        }
        // A start tag: name, then attributes until `>`.
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
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
            attrs.push((attr, value));
        }
        tags.push(Tag { name, attrs });
        i = j.min(html.len());
    }
    (tags, text)
}

/// Decodes the few entity forms an attribute value may hold, so a URL is
/// checked as a browser would read it.
pub(crate) fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let Some(end) = rest.find(';').filter(|e| *e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
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
        match c {
            Some(c) => {
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

// ------------------------------------------------------------ tree snapshots ---

/// What a path is, for snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Every path under `dir` (relative), without following symlinks.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Kind> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        for entry in entries.flatten() {
            let rel = rel.join(entry.file_name());
            let Ok(kind) = entry.file_type() else { continue };
            let k = if kind.is_symlink() {
                Kind::Link(std::fs::read_link(entry.path()).unwrap_or_default())
            } else if kind.is_dir() {
                stack.push(rel.clone());
                Kind::Dir
            } else if kind.is_file() {
                Kind::File(std::fs::read(entry.path()).unwrap_or_default())
            } else {
                Kind::Other
            };
            out.insert(rel, k);
        }
    }
    out
}
