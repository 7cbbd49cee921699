//! The site configuration: `feedsmith.toml` parsed (pure) and loaded (I/O),
//! with command-line overrides resolved once, here.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::error::{line_col, FatalError};

/// The validated configuration the rest of the program sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Site root, always ending in `/`.
    pub base_url: Url,
    /// Where `output_dir` is published, always ending in `/`.
    pub feeds_url: Url,
    pub language: Option<String>,
    pub timezone: Tz,
    pub author: Option<String>,
    pub articles_dir: PathBuf,
    pub output_dir: PathBuf,
    pub state_file: PathBuf,
    pub limit: usize,
    pub debounce_ms: u64,
    pub max_article_bytes: u64,
    /// Larger media files are not published (a warning names them).
    pub max_media_bytes: u64,
    /// Tags, categories and authors one story may have, each; the rest are
    /// left out with a warning.
    pub max_terms: usize,
    /// Content HTML larger than this (in bytes) is published as the
    /// story's summary and a link, with a warning: one story's weight in
    /// the output is bounded.
    pub max_content_bytes: u64,
    pub taxonomy_feeds: Vec<Taxonomy>,
    pub websub_hubs: Vec<Url>,
    pub serve: Option<String>,
    /// Where `/healthz` and `/metrics` are answered instead of the serve
    /// address, as written (a bare port is on loopback: see
    /// [`crate::serve::admin_address`]).
    pub admin: Option<String>,
    /// `Cache-Control: max-age` of served files, in seconds.
    pub cache_max_age: u64,
    /// Monthly archive documents (RFC 5005) under `archive/YYYY-MM/`.
    pub archives: bool,
    /// Archives carry full content, not only summaries and links.
    pub archive_full_content: bool,
    /// Story links made from the date, slug and path (checked).
    pub link_pattern: Option<String>,
    /// `feed.xsl` written, and named by every RSS and Atom file, so a feed
    /// opened in a browser reads as a page.
    pub feed_stylesheet: bool,
    /// The site's icon (a `.ico`, `.png`, `.svg`… file), published as
    /// `favicon.<ext>` at the top of the output folder, named by the
    /// index page, Atom `icon` and JSON Feed `favicon`, and answered for
    /// `/favicon.ico`.
    pub icon: Option<PathBuf>,
}

/// The taxonomies that can get per-term feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Taxonomy {
    Tags,
    Categories,
    Authors,
}

impl Taxonomy {
    pub const ALL: [Taxonomy; 3] = [Taxonomy::Tags, Taxonomy::Categories, Taxonomy::Authors];

    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tags",
            Taxonomy::Categories => "categories",
            Taxonomy::Authors => "authors",
        }
    }
}

/// Flags that override the file, already relative to the working directory.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub articles_dir: Option<PathBuf>,
    pub output_dir: Option<PathBuf>,
    pub state_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    feeds_url: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
    author: Option<String>,
    articles_dir: Option<PathBuf>,
    output_dir: Option<PathBuf>,
    state_file: Option<PathBuf>,
    limit: Option<usize>,
    debounce_ms: Option<u64>,
    max_article_bytes: Option<u64>,
    max_media_bytes: Option<u64>,
    max_terms: Option<usize>,
    max_content_bytes: Option<u64>,
    taxonomy_feeds: Option<Vec<Taxonomy>>,
    websub_hubs: Option<Vec<String>>,
    serve: Option<String>,
    admin: Option<String>,
    cache_max_age: Option<u64>,
    archives: Option<bool>,
    archive_full_content: Option<bool>,
    feed_stylesheet: Option<bool>,
    link_pattern: Option<String>,
    icon: Option<PathBuf>,
}

pub const DEFAULT_CONFIG_FILE: &str = "feedsmith.toml";

/// The largest site icon published (icons are a few kilobytes).
pub const MAX_ICON_BYTES: u64 = 1 << 20;

/// The longest quiet period before a rebuild: beyond it, a steady trickle
/// of edits could keep every change from being published for hours.
pub const MAX_DEBOUNCE_MS: u64 = 60_000;

impl Config {
    /// What parsing a story needs to know about the site.
    pub fn site(&self) -> crate::article::Site<'_> {
        crate::article::Site {
            base_url: &self.base_url,
            timezone: self.timezone,
            link_pattern: self.link_pattern.as_deref(),
        }
    }

    /// The configuration when there is no file: every default, paths relative to `base_dir`.
    pub fn defaults(base_dir: &Path) -> Config {
        Self::from_raw(RawConfig::default(), base_dir, Path::new(DEFAULT_CONFIG_FILE), "")
            .expect("the defaults are valid")
    }

    /// Parses the text of a configuration file. `path` is only used in
    /// messages; relative paths in the file are resolved against `base_dir`.
    pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Config, FatalError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            let message = e.message().trim().replace('\n', " ");
            let hint = match nearest_key(&message) {
                Some(key) => format!("did you mean `{key}`? (see the README's configuration table)"),
                None => "fix the configuration (see the README's configuration table)".into(),
            };
            FatalError::ConfigAt { path: path.to_owned(), line, column, message, hint }
        })?;
        Self::from_raw(raw, base_dir, path, text)
    }

    /// Reads the configuration: `explicit` must exist; without it
    /// `./feedsmith.toml` is used when present, else the defaults.
    pub fn load(explicit: Option<&Path>, overrides: &Overrides) -> Result<Config, FatalError> {
        let cwd = std::env::current_dir().map_err(|source| FatalError::Io { path: ".".into(), source })?;
        let mut config = match explicit {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => Self::from_file(Path::new(DEFAULT_CONFIG_FILE))?,
            None => Self::defaults(&cwd),
        };
        if let Some(dir) = &overrides.articles_dir {
            config.articles_dir = cwd.join(dir);
        }
        if let Some(dir) = &overrides.output_dir {
            config.output_dir = cwd.join(dir);
        }
        if let Some(file) = &overrides.state_file {
            config.state_file = cwd.join(file);
        }
        config.check_state_outside_output()?;
        config.check_icon();
        Ok(config)
    }

    /// The icon, when one is set, must be a file of at most
    /// [`MAX_ICON_BYTES`]; else it is left out with a warning (an icon is
    /// not worth stopping the feeds for).
    fn check_icon(&mut self) {
        let Some(icon) = &self.icon else { return };
        let problem = match std::fs::metadata(icon) {
            Ok(m) if m.is_file() && m.len() <= MAX_ICON_BYTES => return,
            Ok(m) if m.is_file() => format!("is {} bytes, more than the {MAX_ICON_BYTES} an icon may be", m.len()),
            Ok(_) => "is not a file".to_owned(),
            Err(e) => format!("cannot be read: {e}"),
        };
        tracing::warn!(
            "{}: the `icon` {problem}; the feeds are published without an icon — set `icon` to an image file (its path relative to the configuration file), or remove it",
            icon.display()
        );
        self.icon = None;
    }

    /// The state file and the story cache beside it hold every story,
    /// drafts and scheduled ones too: never where they would be published.
    fn check_state_outside_output(&self) -> Result<(), FatalError> {
        let (state, output) = (resolved(&self.state_file), resolved(&self.output_dir));
        if !state.starts_with(&output) {
            return Ok(());
        }
        Err(FatalError::Config {
            path: self.state_file.clone(),
            message: format!(
                "the state file is inside the output folder {}, where it and the story cache beside it (drafts and scheduled stories included) would be published",
                self.output_dir.display()
            ),
            hint: "put `state_file` (or --state) outside `output_dir`, such as the default .feedsmith/state.json".into(),
        })
    }

    pub fn from_file(path: &Path) -> Result<Config, FatalError> {
        let text = std::fs::read_to_string(path).map_err(|e| FatalError::Config {
            path: path.to_owned(),
            message: format!("cannot read the configuration: {e}"),
            hint: "give an existing file with --config, or run without it for the built-in defaults".into(),
        })?;
        let base_dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let base_dir = std::path::absolute(&base_dir).unwrap_or(base_dir);
        Self::parse(&text, path, &base_dir)
    }

    fn from_raw(raw: RawConfig, base_dir: &Path, path: &Path, text: &str) -> Result<Config, FatalError> {
        // Where the key is written, so the message can point at it.
        let invalid = |key: &str, value: &str, hint: &str| match crate::article::front_matter::key_line(text, key) {
            Some(line) => FatalError::ConfigAt {
                path: path.to_owned(),
                line,
                column: 1,
                message: format!("invalid `{key}` {value:?}"),
                hint: hint.to_owned(),
            },
            None => FatalError::Config {
                path: path.to_owned(),
                message: format!("invalid `{key}` {value:?}"),
                hint: hint.to_owned(),
            },
        };
        let base_url = site_url(raw.base_url.as_deref().unwrap_or("http://localhost:8080/")).ok_or_else(|| {
            invalid(
                "base_url",
                raw.base_url.as_deref().unwrap_or(""),
                "use an absolute http(s) URL such as \"https://news.example.com/\"",
            )
        })?;
        let feeds_url = match &raw.feeds_url {
            Some(u) => site_url(u).ok_or_else(|| {
                invalid("feeds_url", u, "use an absolute http(s) URL such as \"https://news.example.com/feeds/\"")
            })?,
            None => base_url.clone(),
        };
        let timezone = match &raw.timezone {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| invalid("timezone", name, "use an IANA name such as \"Asia/Shanghai\" or \"UTC\""))?,
            None => Tz::UTC,
        };
        let limit = raw.limit.unwrap_or(50);
        if limit == 0 {
            return Err(invalid("limit", "0", "use a number of stories of at least 1"));
        }
        let debounce_ms = raw.debounce_ms.unwrap_or(100);
        if debounce_ms > MAX_DEBOUNCE_MS {
            let hint =
                format!("use at most {MAX_DEBOUNCE_MS} (a minute): changes wait this long before they are published");
            return Err(invalid("debounce_ms", &debounce_ms.to_string(), &hint));
        }
        let mut websub_hubs = Vec::new();
        for hub in raw.websub_hubs.unwrap_or_default() {
            websub_hubs.push(
                Url::parse(&hub)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| invalid("websub_hubs", &hub, "list absolute http(s) hub URLs"))?,
            );
        }
        let mut taxonomy_feeds = raw.taxonomy_feeds.unwrap_or_else(|| vec![Taxonomy::Tags, Taxonomy::Categories]);
        taxonomy_feeds.sort();
        taxonomy_feeds.dedup();
        if let Some(pattern) = &raw.link_pattern {
            crate::article::link_pattern::check(pattern).map_err(|why| {
                let hint = format!(
                    "{why}; use placeholders such as \"https://news.example.com/{{yyyy}}/{{mm}}/{{dd}}/{{slug}}.html\""
                );
                invalid("link_pattern", pattern, &hint)
            })?;
        }
        let admin = raw.admin.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        if let Some(admin) = &admin {
            let address = crate::serve::admin_address(admin);
            if address.parse::<std::net::SocketAddr>().is_err() {
                let hint = "use an address and port such as \"127.0.0.1:9180\" or \"[::1]:9180\", or a port alone (\"9180\", on loopback)";
                return Err(invalid("admin", admin, hint));
            }
        }
        let icon = raw.icon.filter(|p| !p.as_os_str().is_empty());
        if let Some(icon) = &icon {
            if crate::layout::icon_file(icon).is_none() {
                let hint = format!("use an image file ending in {}", crate::layout::ICON_EXTENSIONS.join(", "));
                return Err(invalid("icon", &icon.display().to_string(), &hint));
            }
        }
        let title = raw.title.unwrap_or_else(|| "feedsmith".to_owned());
        Ok(Config {
            description: raw.description.unwrap_or_else(|| title.clone()),
            title,
            base_url,
            feeds_url,
            language: raw.language.filter(|l| !l.is_empty()),
            timezone,
            author: raw.author.filter(|a| !a.trim().is_empty()),
            articles_dir: base_dir.join(raw.articles_dir.unwrap_or_else(|| "articles".into())),
            output_dir: base_dir.join(raw.output_dir.unwrap_or_else(|| "feeds".into())),
            state_file: base_dir.join(raw.state_file.unwrap_or_else(|| ".feedsmith/state.json".into())),
            limit,
            debounce_ms,
            max_article_bytes: raw.max_article_bytes.unwrap_or(10 * 1024 * 1024),
            max_media_bytes: raw.max_media_bytes.unwrap_or(1 << 30),
            max_terms: raw.max_terms.unwrap_or(50),
            max_content_bytes: raw.max_content_bytes.unwrap_or(256 * 1024),
            taxonomy_feeds,
            websub_hubs,
            serve: raw.serve,
            admin,
            cache_max_age: raw.cache_max_age.unwrap_or(60),
            archives: raw.archives.unwrap_or(true),
            archive_full_content: raw.archive_full_content.unwrap_or(false),
            link_pattern: raw.link_pattern.filter(|p| !p.is_empty()),
            feed_stylesheet: raw.feed_stylesheet.unwrap_or(true),
            icon: icon.map(|i| base_dir.join(i)),
        })
    }
}

/// `path` as the file system will resolve it, whether or not it exists
/// yet: its longest existing ancestor with links followed, then the rest
/// with `.` and `..` applied.
fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(mut real) = std::fs::canonicalize(existing) {
            for component in rest.iter().rev() {
                match component {
                    Component::ParentDir => {
                        real.pop();
                    }
                    Component::Normal(name) => real.push(name),
                    _ => {}
                }
            }
            return real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// For "unknown field `timzone`, expected one of `title`, …": the known
/// key nearest to the unknown one, when one is near (a typo, not another
/// word).
fn nearest_key(message: &str) -> Option<&str> {
    let (head, known) = message.split_once("expected one of")?;
    let unknown = head.split('`').nth(1)?;
    let keys: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
    let (distance, key) = keys.into_iter().map(|k| (edit_distance(unknown, k), k)).min()?;
    (distance <= 2.max(unknown.chars().count() / 4)).then_some(key)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// An absolute http(s) URL with a trailing slash, so that joining a
/// relative path keeps its last segment.
fn site_url(text: &str) -> Option<Url> {
    let mut url = Url::parse(text).ok().filter(|u| matches!(u.scheme(), "http" | "https"))?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_file_is_placed_as_the_file_system_resolves_paths() {
        let dir = tempfile::tempdir().expect("tmp");
        let site = |state: &str, output: &str| {
            let mut c = Config::defaults(dir.path());
            c.state_file = dir.path().join(state);
            c.output_dir = dir.path().join(output);
            c.check_state_outside_output()
        };
        assert!(site("feeds/state.json", "feeds").is_err());
        assert!(site("feeds/../private/state.json", "feeds").is_ok(), "`..` leaves the output folder");
        assert!(site("x/../feeds/state.json", "feeds").is_err(), "`..` leads back into it");
        assert!(site(".feedsmith/state.json", "feeds").is_ok());
        std::fs::create_dir_all(dir.path().join("real")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("published")).expect("symlink");
        assert!(site("real/state.json", "published").is_err(), "the output folder is a link to the state's folder");
    }

    #[test]
    fn a_mistyped_key_is_told_the_key_it_was_meant_to_be() {
        let err =
            |text: &str| Config::parse(text, Path::new("f.toml"), Path::new("/site")).err().map(|e| e.to_string());
        let typo = err("timzone = \"UTC\"\n").expect("error");
        assert!(typo.contains("f.toml:1:1") && typo.contains("did you mean `timezone`?"), "{typo}");
        let typo = err("base-url = \"https://e.com/\"\n").expect("error");
        assert!(typo.contains("did you mean `base_url`?"), "{typo}");
        let unrelated = err("colour = \"red\"\n").expect("error");
        assert!(!unrelated.contains("did you mean"), "no guess for a word that is not a typo: {unrelated}");
        assert_eq!(edit_distance("timzone", "timezone"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("时区", "时间"), 1);
    }

    fn parse(text: &str) -> Result<Config, FatalError> {
        Config::parse(text, Path::new("/site/feedsmith.toml"), Path::new("/site"))
    }

    #[test]
    fn empty_file_gives_documented_defaults() {
        let c = parse("").expect("valid");
        assert_eq!(c.title, "feedsmith");
        assert_eq!(c.description, "feedsmith");
        assert_eq!(c.base_url.as_str(), "http://localhost:8080/");
        assert_eq!(c.feeds_url, c.base_url);
        assert_eq!(c.timezone, Tz::UTC);
        assert_eq!(c.articles_dir, Path::new("/site/articles"));
        assert_eq!(c.output_dir, Path::new("/site/feeds"));
        assert_eq!(c.state_file, Path::new("/site/.feedsmith/state.json"));
        assert_eq!(c.limit, 50);
        assert_eq!(c.debounce_ms, 100);
        assert_eq!(c.max_article_bytes, 10 * 1024 * 1024);
        assert_eq!(c.taxonomy_feeds, vec![Taxonomy::Tags, Taxonomy::Categories]);
        assert!(c.websub_hubs.is_empty());
        assert_eq!(c.serve, None);
    }

    #[test]
    fn full_file_is_read() {
        let c = parse(
            r#"
title = "永康日报"
base_url = "https://news.example.com"
feeds_url = "https://news.example.com/feeds"
language = "zh-CN"
timezone = "Asia/Shanghai"
author = "永康日报社"
articles_dir = "../stories"
output_dir = "/srv/feeds"
limit = 20
taxonomy_feeds = ["authors", "tags"]
websub_hubs = ["https://hub.example.com/"]
serve = "127.0.0.1:9000"
"#,
        )
        .expect("valid");
        assert_eq!(c.description, "永康日报", "description defaults to the title");
        assert_eq!(c.base_url.as_str(), "https://news.example.com/", "a trailing slash is added");
        assert_eq!(c.feeds_url.as_str(), "https://news.example.com/feeds/");
        assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.articles_dir, Path::new("/site/../stories"));
        assert_eq!(c.output_dir, Path::new("/srv/feeds"));
        assert_eq!(c.taxonomy_feeds, vec![Taxonomy::Tags, Taxonomy::Authors]);
        assert_eq!(c.serve.as_deref(), Some("127.0.0.1:9000"));
        for good in ["9180", " 9180 ", ":9180", "127.0.0.1:9180", "[::1]:9180", "0.0.0.0:9180"] {
            let c = Config::parse(&format!("admin = {good:?}"), Path::new("f.toml"), Path::new("/site"));
            assert!(c.is_ok_and(|c| c.admin.as_deref() == Some(good.trim())), "{good:?}");
        }
        for bad in ["abc", "127.0.0.1:99999", "[::1]", "99999", "http://127.0.0.1:9180/"] {
            let e = Config::parse(&format!("title = \"t\"\nadmin = {bad:?}"), Path::new("f.toml"), Path::new("/site"))
                .expect_err(bad)
                .to_string();
            assert!(e.contains("f.toml:2:1") && e.contains("invalid `admin`") && e.contains("127.0.0.1:9180"), "{e}");
        }
    }

    #[test]
    fn unknown_key_is_an_error_naming_it_and_its_line() {
        let err = parse("title = \"x\"\ntitel = \"y\"\n").expect_err("typo must not pass");
        let msg = err.to_string();
        assert!(msg.contains("titel"), "{msg}");
        assert!(msg.starts_with("/site/feedsmith.toml:2:"), "{msg}");
    }

    #[test]
    fn bad_values_are_explained() {
        for (text, needle) in [
            ("timezone = \"CST\"", "IANA"),
            ("timezone = \"Mars/Olympus\"", "IANA"),
            ("base_url = \"news.example.com\"", "absolute"),
            ("limit = 0", "at least 1"),
            ("debounce_ms = 600000", "feedsmith.toml:1:1: invalid `debounce_ms`"),
            ("limit = \"ten\"", "feedsmith.toml:1:"),
            ("taxonomy_feeds = [\"colours\"]", "colours"),
            ("title = ", "feedsmith.toml:1:"),
            ("title = \"t\"\ntimezone = \"CST\"", "feedsmith.toml:2:1: invalid `timezone`"),
        ] {
            let msg = parse(text).expect_err(text).to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
        }
    }
}
