//! The output folder's layout, decided here and nowhere else: which feeds
//! exist as folders (the main feed, one per taxonomy term, one per archive
//! month), the files each holds, where copied media and the index page go,
//! the URLs all of them are published at, and the MIME type each is served
//! and announced with. The engine, the watcher, the loader, the serializers
//! and the server all ask this module (pure).
//!
//! Adding a kind of feed is a new [`FeedKey`] variant: its folder, its
//! parsing back from a folder name and the folders swept for stale files
//! are all below.

use std::path::{Path, PathBuf};

use crate::config::Taxonomy;
use crate::index::Month;

/// The page for people at the top of the output folder.
pub const INDEX_PAGE: &str = "index.html";

/// The folder (under the output folder) local media is copied into,
/// keeping its path under the articles folder.
pub const MEDIA_DIR: &str = "media";

/// The image types a site icon may be, by extension.
pub const ICON_EXTENSIONS: [&str; 7] = ["ico", "png", "svg", "gif", "jpg", "jpeg", "webp"];

/// Where the site icon `source` is published: `favicon.<ext>` at the top
/// of the output folder; `None` for a file that is not an icon type.
pub fn icon_file(source: &Path) -> Option<PathBuf> {
    let extension = source.extension()?.to_str()?.to_ascii_lowercase();
    ICON_EXTENSIONS.contains(&extension.as_str()).then(|| PathBuf::from(format!("favicon.{extension}")))
}

/// Every name a published site icon may have: what `/favicon.ico`
/// answers with, and what is removed when the icon is unset.
pub fn icon_files() -> impl Iterator<Item = PathBuf> {
    ICON_EXTENSIONS.iter().map(|e| PathBuf::from(format!("favicon.{e}")))
}

/// The folder holding one feed folder per archive month.
const ARCHIVE_DIR: &str = "archive";

/// The three formats every feed folder holds, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// Its file name inside a feed folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    /// The media type it is announced (`<link type>`) and served as.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
        }
    }

    /// The format whose file this name is.
    pub fn of_file_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.file_name() == name)
    }
}

/// A feed: the main one, a taxonomy term's, or a month's archive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKey {
    Main,
    /// A term of a taxonomy, by its slug (a safe single path component).
    Term(Taxonomy, String),
    Month(Month),
}

impl FeedKey {
    /// Its folder, relative to the output folder (empty for the main feed).
    pub fn folder(&self) -> PathBuf {
        PathBuf::from(self.url_folder().trim_end_matches('/'))
    }

    /// Its folder as a URL path relative to `feeds_url`: empty for the main
    /// feed, else ending in `/`.
    pub fn url_folder(&self) -> String {
        match self {
            FeedKey::Main => String::new(),
            FeedKey::Term(taxonomy, slug) => format!("{}/{slug}/", taxonomy.name()),
            FeedKey::Month(month) => format!("{ARCHIVE_DIR}/{month}/"),
        }
    }

    /// The URL its files are published under, ending in `/`.
    pub fn url(&self, feeds_url: &url::Url) -> String {
        format!("{feeds_url}{}", self.url_folder())
    }

    /// The feed whose folder this is, as [`FeedKey::folder`] writes it.
    pub fn from_folder(folder: &str) -> Option<FeedKey> {
        if folder.is_empty() {
            return Some(FeedKey::Main);
        }
        let (first, rest) = folder.split_once('/')?;
        if first == ARCHIVE_DIR {
            let (year, month) = rest.split_once('-')?;
            return Some(FeedKey::Month(Month::new(year.parse().ok()?, month.parse().ok()?)));
        }
        let taxonomy = Taxonomy::ALL.into_iter().find(|t| t.name() == first)?;
        Some(FeedKey::Term(taxonomy, rest.to_owned()))
    }

    /// Its files, relative to the output folder, in [`Format::ALL`] order.
    pub fn files(&self) -> Vec<PathBuf> {
        files_in(&self.folder())
    }
}

/// The files of a feed folder (relative to the output folder), in
/// [`Format::ALL`] order.
pub fn files_in(folder: &Path) -> Vec<PathBuf> {
    Format::ALL.iter().map(|f| folder.join(f.file_name())).collect()
}

/// The URL of a feed file under a feed folder URL (one ending in `/`).
pub fn feed_url(folder_url: &str, format: Format) -> String {
    format!("{folder_url}{}", format.file_name())
}

/// The folders (relative to the output folder) whose subfolders are feed
/// folders: where an earlier run may have left feeds that no longer exist.
pub fn feed_parent_folders() -> impl Iterator<Item = &'static str> {
    Taxonomy::ALL.into_iter().map(Taxonomy::name).chain([ARCHIVE_DIR])
}

/// The URL of a taxonomy's folder, used as the scheme of its categories.
pub fn taxonomy_url(feeds_url: &str, taxonomy: Taxonomy) -> String {
    format!("{feeds_url}{}/", taxonomy.name())
}

/// Where a local media file (relative to the articles folder) is copied,
/// relative to the output folder.
pub fn media_path(rel: &Path) -> PathBuf {
    Path::new(MEDIA_DIR).join(rel)
}

/// The URL a local media file (relative to the articles folder) is
/// published at: each path segment percent-encoded.
pub fn media_url(feeds_url: &url::Url, rel: &Path) -> String {
    url_of(feeds_url, &media_path(rel))
}

/// The URL of any output file, from its path relative to the output folder.
pub fn url_of(feeds_url: &url::Url, rel: &Path) -> String {
    let segments: Vec<String> = rel.iter().map(|s| crate::slug::path_segment(&s.to_string_lossy())).collect();
    format!("{feeds_url}{}", segments.join("/"))
}

/// Whether an output path (relative to the output folder) is a feed file.
pub fn is_feed_file(rel: &Path) -> bool {
    rel.file_name().and_then(|n| n.to_str()).and_then(Format::of_file_name).is_some()
}

/// The one MIME table: what an output file is served as, and what a media
/// file's enclosure announces. Feed files by name; text types carry their
/// charset; everything else by extension.
pub fn content_type(rel: &Path) -> String {
    if let Some(format) = rel.file_name().and_then(|n| n.to_str()).and_then(Format::of_file_name) {
        return format!("{}; charset=utf-8", format.mime());
    }
    let Some(mime) = media_type(rel) else { return "application/octet-stream".to_owned() };
    if mime.starts_with("text/") || mime == "application/xml" || mime == "application/json" {
        format!("{mime}; charset=utf-8")
    } else {
        mime
    }
}

/// A file's media type by its extension; `None` when unknown.
pub fn media_type(path: &Path) -> Option<String> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    let fixed = match extension.as_str() {
        // Where guessing tables disagree, the type feed readers expect.
        "xml" | "xsl" | "xslt" => Some("application/xml"),
        "json" => Some("application/json"),
        "m4a" => Some("audio/mp4"),
        "ogg" | "oga" => Some("audio/ogg"),
        "opus" => Some("audio/opus"),
        _ => None,
    };
    match fixed {
        Some(mime) => Some(mime.to_owned()),
        None => mime_guess::from_ext(&extension).first().map(|m| m.essence_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feed_key_round_trips_through_its_folder() {
        let keys = [
            FeedKey::Main,
            FeedKey::Term(Taxonomy::Tags, "ba-ba-zhan-lue".into()),
            FeedKey::Term(Taxonomy::Categories, "yao-wen".into()),
            FeedKey::Term(Taxonomy::Authors, "chen-xiao-su".into()),
            FeedKey::Month(Month::new(2024, 3)),
            FeedKey::Month(Month::new(987, 12)),
        ];
        for key in keys {
            let folder = key.folder();
            assert_eq!(FeedKey::from_folder(&folder.display().to_string()), Some(key.clone()), "{folder:?}");
        }
        assert_eq!(FeedKey::from_folder("nope/x"), None);
        assert_eq!(FeedKey::from_folder("archive/2024"), None);
    }

    #[test]
    fn folders_urls_and_files() {
        let feeds = url::Url::parse("https://news.example.com/feeds/").expect("url");
        assert_eq!(FeedKey::Main.folder(), PathBuf::new());
        assert_eq!(FeedKey::Main.url(&feeds), "https://news.example.com/feeds/");
        let month = FeedKey::Month(Month::new(2024, 3));
        assert_eq!(month.folder(), PathBuf::from("archive/2024-03"));
        assert_eq!(month.url(&feeds), "https://news.example.com/feeds/archive/2024-03/");
        let tag = FeedKey::Term(Taxonomy::Tags, "x".into());
        assert_eq!(tag.files(), ["tags/x/rss.xml", "tags/x/atom.xml", "tags/x/feed.json"].map(PathBuf::from));
        assert_eq!(FeedKey::Main.files(), ["rss.xml", "atom.xml", "feed.json"].map(PathBuf::from));
        assert_eq!(
            media_url(&feeds, Path::new("2024/现场 1.jpg")),
            "https://news.example.com/feeds/media/2024/%E7%8E%B0%E5%9C%BA%201.jpg"
        );
    }

    #[test]
    fn one_mime_table_for_feeds_pages_and_media() {
        let cases = [
            ("rss.xml", "application/rss+xml; charset=utf-8"),
            ("tags/x/atom.xml", "application/atom+xml; charset=utf-8"),
            ("feed.json", "application/feed+json; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("other.xml", "application/xml; charset=utf-8"),
            ("media/a.JPG", "image/jpeg"),
            ("media/a.png", "image/png"),
            ("media/a.mp3", "audio/mpeg"),
            ("media/a.m4a", "audio/mp4"),
            ("media/a.ogg", "audio/ogg"),
            ("media/a.opus", "audio/opus"),
            ("media/a.mp4", "video/mp4"),
            ("media/a.pdf", "application/pdf"),
            ("media/a.unknownext", "application/octet-stream"),
            ("media/noext", "application/octet-stream"),
        ];
        for (path, want) in cases {
            assert_eq!(content_type(Path::new(path)), want, "{path}");
        }
        assert_eq!(media_type(Path::new("a.m4a")).as_deref(), Some("audio/mp4"));
        assert_eq!(media_type(Path::new("a")), None);
    }
}
