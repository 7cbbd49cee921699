//! The site held in memory: the index of every story, what is remembered
//! between runs, and the rendered bodies of the stories in feeds. `build`
//! uses it once; `watch` keeps it and feeds it changed paths.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use chrono::{DateTime, Utc};

use crate::article::{self, text::escape, Site, Story};
use crate::config::{Config, Taxonomy};
use crate::error::{FatalError, StoryError};
use crate::feed::index_page::{index_html, Listed};
use crate::feed::{self, Head, Selected};
use crate::index::{story_terms, Entry, Index, Month};
use crate::load::{self, Limits};
use crate::publish::{no_symlink_between, write_if_changed, Batch};
use crate::state::State;

/// The least time between two writes of the state file while watching.
const STATE_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Stories read in parallel at a time by a full scan.
const SCAN_CHUNK: usize = 4096;

/// The three files every feed folder holds.
pub const FEED_FILES: [&str; 3] = ["rss.xml", "atom.xml", "feed.json"];

pub struct Engine {
    config: Config,
    index: Index,
    state: State,
    /// Rendered content of stories in feeds, with the text hash it was made from.
    rendered: BodyCache,
    /// Stories whose current file is rejected, with why.
    failing: BTreeMap<PathBuf, StoryError>,
    /// Feed files written by the last publish, relative to the output folder.
    written: BTreeSet<PathBuf>,
    /// What each feed was last rendered from, to skip unchanged feeds.
    digests: HashMap<FeedKey, u64>,
    /// Feeds that changes since the last render may have affected.
    dirty: Dirty,
    /// Set by SIGINT/SIGTERM: abandon the work in progress.
    cancel: Option<Arc<AtomicBool>>,
    /// Local media files (relative to the articles folder) to copy to `media/`.
    media: BTreeSet<PathBuf>,
    /// The state changed since it was last written, and when that was.
    state_dirty: bool,
    state_saved: Option<std::time::Instant>,
    /// The feeds the index page listed last time.
    listed: Vec<Listed>,
}

/// A feed: the main one, a taxonomy term's, or a month's archive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKey {
    Main,
    Term(Taxonomy, String),
    Month(Month),
}

impl FeedKey {
    /// The feed whose folder this is, as [`FeedKey::folder`] writes it.
    fn from_folder(folder: &str) -> Option<FeedKey> {
        if folder.is_empty() {
            return Some(FeedKey::Main);
        }
        let (first, rest) = folder.split_once('/')?;
        match first {
            "archive" => {
                let (year, month) = rest.split_once('-')?;
                Some(FeedKey::Month((year.parse().ok()?, month.parse().ok()?)))
            }
            _ => {
                let taxonomy = [Taxonomy::Tags, Taxonomy::Categories, Taxonomy::Authors]
                    .into_iter()
                    .find(|t| t.name() == first)?;
                Some(FeedKey::Term(taxonomy, rest.to_owned()))
            }
        }
    }

    /// Its folder, relative to the output folder.
    pub fn folder(&self) -> PathBuf {
        match self {
            FeedKey::Main => PathBuf::new(),
            FeedKey::Term(taxonomy, slug) => Path::new(taxonomy.name()).join(slug),
            FeedKey::Month((year, month)) => PathBuf::from(format!("archive/{year:04}-{month:02}")),
        }
    }
}

#[derive(Debug, Default)]
struct Dirty {
    all: bool,
    feeds: BTreeSet<FeedKey>,
}

/// One feed to render.
struct Plan<'a> {
    head: Head,
    entries: Vec<&'a Entry>,
    /// Full content HTML, or summaries only (archives by default).
    full_content: bool,
}

impl Plan<'_> {
    /// A hash of everything the feed's bytes depend on.
    fn digest(&self) -> u64 {
        // The version too: a new feedsmith may write the same stories differently.
        let mut text = format!("{}{:?}{}", feed::VERSION, self.head, self.full_content);
        for e in &self.entries {
            text.push_str(&format!(
                "\n{}\t{:x}\t{}\t{}",
                e.story.id,
                e.story.hash,
                e.updated(),
                e.story.path.display()
            ));
        }
        xxhash_rust::xxh3::xxh3_64(text.as_bytes())
    }
}

/// Rendered bodies kept between renders, at most about this many bytes
/// (beyond it, only the main feed's and malformed stories' are kept).
const BODY_CACHE_BYTES: usize = 32 << 20;

/// Feeds rendered side by side after the main ones.
const RENDER_GROUP: usize = 8;

/// A body rendered during a render, to keep: path, text hash, HTML.
type NewBody = (PathBuf, u64, Arc<str>);

/// One feed's files (relative path, text) and the bodies it rendered.
type RenderedFeed = (Vec<(PathBuf, String)>, Vec<NewBody>);

/// `items` in groups of `size`, in order.
fn chunks<T>(items: Vec<T>, size: usize) -> impl Iterator<Item = Vec<T>> {
    let mut items = items.into_iter().peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(items.by_ref().take(size).collect())
    })
}

/// Rendered content HTML by story path, with the text hash it came from.
#[derive(Debug, Default)]
struct BodyCache {
    map: HashMap<PathBuf, (u64, Arc<str>)>,
    bytes: usize,
}

impl BodyCache {
    fn get(&self, path: &Path, hash: u64) -> Option<Arc<str>> {
        self.map.get(path).filter(|(h, _)| *h == hash).map(|(_, html)| html.clone())
    }

    fn insert(&mut self, path: PathBuf, hash: u64, html: Arc<str>) {
        self.bytes += html.len();
        if let Some((_, old)) = self.map.insert(path, (hash, html)) {
            self.bytes -= old.len();
        }
    }

    fn remove(&mut self, path: &Path) {
        if let Some((_, old)) = self.map.remove(path) {
            self.bytes -= old.len();
        }
    }

    fn merge(&mut self, other: BodyCache) {
        for (path, (hash, html)) in other.map {
            self.insert(path, hash, html);
        }
    }

    fn retain(&mut self, keep: impl Fn(&Path) -> bool) {
        self.map.retain(|p, _| keep(p));
        self.bytes = self.map.values().map(|(_, html)| html.len()).sum();
    }
}

/// What a scan or update found.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<StoryError>,
    pub warnings: Vec<StoryError>,
    /// Paths whose story was added, changed or removed.
    pub changed: Vec<PathBuf>,
}

/// What a publish did.
#[derive(Debug, Default)]
pub struct Published {
    /// Output files whose bytes changed, relative to the output folder.
    pub replaced: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    pub stories: usize,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let state = State::load(&config.state_file);
        let digests =
            state.feed_digests().filter_map(|(folder, digest)| Some((FeedKey::from_folder(folder)?, digest))).collect();
        Engine {
            index: Index::new(config.timezone),
            config,
            state,
            rendered: BodyCache::default(),
            failing: BTreeMap::new(),
            written: BTreeSet::new(),
            digests,
            dirty: Dirty { all: true, feeds: BTreeSet::new() },
            cancel: None,
            media: BTreeSet::new(),
            state_dirty: false,
            state_saved: None,
            listed: Vec::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    fn limits(&self) -> Limits {
        Limits { max_bytes: self.config.max_article_bytes }
    }

    /// Reads the whole articles folder, replacing the index: stories no
    /// longer on disk leave it.
    pub fn scan(&mut self, now: DateTime<Utc>) -> Result<Report, FatalError> {
        let (paths, problems) = load::discover(&self.config.articles_dir)?;
        let (dir, base_url, limits) = (self.config.articles_dir.clone(), self.config.base_url.clone(), self.limits());
        let site = Site { base_url: &base_url, timezone: self.config.timezone };
        let cancel = self.cancel.clone().unwrap_or_default();
        let mut report = Report { errors: problems, ..Report::default() };
        let present: HashSet<&PathBuf> = paths.iter().collect();
        let gone: Vec<PathBuf> = self.index.paths().filter(|p| !present.contains(p)).cloned().collect();
        for path in gone {
            self.forget(&path);
            report.changed.push(path);
        }
        self.failing.retain(|p, _| present.contains(p));
        self.index.reserve(paths.len());
        // In chunks, so that only a chunk's parsed stories wait beside the index.
        for chunk in paths.chunks(SCAN_CHUNK) {
            let results = load::read_all(&dir, chunk, limits, site, &cancel);
            if self.cancelled() {
                return Err(FatalError::Cancelled);
            }
            for (path, result) in chunk.iter().zip(results) {
                self.apply(path, result, now, &mut report);
            }
        }
        self.report_duplicates(&mut report);
        Ok(report)
    }

    /// Re-reads the given paths (relative to the articles folder): a path
    /// that is no longer a readable story file leaves the index, a story
    /// that became malformed keeps its last good version, and a path that
    /// turns out to be a folder (even one named like a story, `2024.md/`)
    /// stands for everything under it.
    pub fn update(&mut self, paths: &[PathBuf], now: DateTime<Utc>) -> Report {
        let mut report = Report::default();
        let base_url = self.config.base_url.clone();
        let site = Site { base_url: &base_url, timezone: self.config.timezone };
        let dir = self.config.articles_dir.clone();
        let mut queue: Vec<PathBuf> = paths.to_vec();
        let mut expanded = BTreeSet::new();
        while let Some(path) = queue.pop() {
            if self.cancelled() {
                break;
            }
            let full = dir.join(&path);
            let in_index = self.index.get(&path).is_some();
            if (full.is_dir() || (!full.exists() && !in_index)) && expanded.insert(path.clone()) {
                queue.extend(self.paths_under(&path).into_iter().filter(|p| *p != path));
                if !full.exists() {
                    continue;
                }
            }
            if !full.is_file() || !crate::paths::is_story_path(&path) {
                if self.forget(&path) {
                    report.changed.push(path.clone());
                }
                self.failing.remove(&path);
                continue;
            }
            let result = load::read_story(&dir, &path, self.limits(), site).map(|f| f.parsed);
            self.apply(&path, result, now, &mut report);
        }
        self.report_duplicates(&mut report);
        report
    }

    /// Swaps in a new configuration: everything is read again, but a story
    /// that is malformed right now keeps its last good version.
    pub fn reconfigure(&mut self, config: Config, now: DateTime<Utc>) -> Result<Report, FatalError> {
        self.save_state();
        let mut fresh = Engine::new(config);
        fresh.cancel = self.cancel.clone();
        let report = fresh.scan(now)?;
        let failing: Vec<PathBuf> = fresh.failing.keys().cloned().collect();
        for path in failing {
            if let Some(entry) = self.index.get(&path) {
                fresh.index.insert(entry.clone());
            }
            if let Some((hash, body)) = self.rendered.map.get(&path) {
                fresh.rendered.insert(path, *hash, body.clone());
            }
        }
        // Files the old configuration wrote and the new one does not are removed.
        fresh.written = std::mem::take(&mut self.written);
        *self = fresh;
        Ok(report)
    }

    /// Lets a signal abandon a long scan or render; nothing half-written
    /// reaches the output folder.
    pub fn set_cancel(&mut self, cancel: Arc<AtomicBool>) {
        self.cancel = Some(cancel);
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Every path the index holds under `prefix` plus every story file now
    /// under it: what to re-read when a folder appears, moves or vanishes.
    pub fn paths_under(&self, prefix: &Path) -> Vec<PathBuf> {
        let (mut paths, _) = load::discover_under(&self.config.articles_dir, prefix);
        paths.extend(self.index.paths().filter(|p| p.starts_with(prefix)).cloned());
        paths.sort();
        paths.dedup();
        paths
    }

    fn forget(&mut self, path: &Path) -> bool {
        self.rendered.remove(path);
        match self.index.remove(path) {
            Some(old) => {
                self.mark(&old.story);
                true
            }
            None => false,
        }
    }

    fn apply(
        &mut self,
        path: &Path,
        result: Result<article::Parsed, StoryError>,
        now: DateTime<Utc>,
        report: &mut Report,
    ) {
        match result {
            Ok(parsed) => {
                let mut story = parsed.story;
                report.warnings.extend(parsed.warnings);
                if story.image.is_some() || !story.attachments.is_empty() {
                    let feeds_url = self.config.feeds_url.clone();
                    report.warnings.extend(load::resolve_media(&self.config.articles_dir, &mut story, &feeds_url));
                    let e = &story.enclosures;
                    self.media.extend(e.image.iter().chain(&e.attachments).filter_map(|m| m.source.clone()));
                }
                self.failing.remove(path);
                if self.index.get(path).is_some_and(|e| e.story == story) {
                    return;
                }
                let changed = self.state.observe(&story.id, story.hash, now);
                self.mark(&story);
                if let Some(old) = self.index.insert(Entry { story, changed }) {
                    self.mark(&old.story);
                }
                report.changed.push(path.to_owned());
            }
            Err(_) if std::fs::symlink_metadata(self.config.articles_dir.join(path)).is_err() => {
                // Deleted between listing and reading: simply gone.
                if self.forget(path) {
                    report.changed.push(path.to_owned());
                }
                self.failing.remove(path);
            }
            Err(error) => {
                if self.index.get(path).is_some() {
                    tracing::warn!("{}: keeping its last good version in the feeds", path.display());
                }
                self.failing.insert(path.to_owned(), error.clone());
                report.errors.push(error);
            }
        }
    }

    fn report_duplicates(&self, report: &mut Report) {
        for (loser, winner) in self.index.duplicates() {
            let id = self.index.get(loser).map(|e| e.story.id.clone()).unwrap_or_default();
            report.errors.push(StoryError::new(
                self.config.articles_dir.join(loser),
                format!(
                    "id {id:?} is also used by {}, which is published instead",
                    self.config.articles_dir.join(winner).display()
                ),
                "give one of them its own `slug` or `id`",
            ));
        }
    }

    /// Every rejected story currently known.
    pub fn failing(&self) -> impl Iterator<Item = &StoryError> {
        self.failing.values()
    }

    /// Every feed that exists now: the main one, each term of a configured
    /// taxonomy, each month with a published story.
    fn feed_keys(&self, now: DateTime<Utc>) -> Vec<FeedKey> {
        let mut keys = vec![FeedKey::Main];
        for ((taxonomy, slug), term) in self.index.terms() {
            if self.config.taxonomy_feeds.contains(taxonomy)
                && self.index.published_in(&term.stories, now).next().is_some()
            {
                keys.push(FeedKey::Term(*taxonomy, slug.clone()));
            }
        }
        keys.extend(self.archive_months(now).into_iter().map(FeedKey::Month));
        keys
    }

    /// Months with a published story, oldest first: the archive chain.
    fn archive_months(&self, now: DateTime<Utc>) -> Vec<Month> {
        if !self.config.archives {
            return Vec::new();
        }
        self.index
            .months()
            .iter()
            .filter(|(_, set)| self.index.published_in(set, now).next().is_some())
            .map(|(m, _)| *m)
            .collect()
    }

    /// Plans one feed; `None` when it has no published story (so it goes).
    fn plan(&self, key: &FeedKey, now: DateTime<Utc>, months: &[Month]) -> Option<Plan<'_>> {
        let c = &self.config;
        let month_url = |m: &Month| format!("{}{}/", c.feeds_url, FeedKey::Month(*m).folder().display());
        match key {
            FeedKey::Main => {
                let mut head = self.head(None, "");
                head.prev_archive = months.last().map(month_url);
                Some(Plan { head, entries: self.index.published(now).take(c.limit).collect(), full_content: true })
            }
            FeedKey::Term(taxonomy, slug) => {
                let term = self.index.terms().get(&(*taxonomy, slug.clone()))?;
                let entries: Vec<&Entry> = self.index.published_in(&term.stories, now).take(c.limit).collect();
                if entries.is_empty() || !c.taxonomy_feeds.contains(taxonomy) {
                    return None;
                }
                let head = self.head(Some(term.name()), &format!("{}/", key.folder().display()));
                Some(Plan { head, entries, full_content: true })
            }
            FeedKey::Month(month) => {
                let i = months.iter().position(|m| m == month)?;
                let mut head = self.head(None, &format!("{}/", key.folder().display()));
                head.title = format!("{} — {:04}-{:02}", c.title, month.0, month.1);
                head.archive = true;
                head.current = Some(c.feeds_url.to_string());
                head.prev_archive = i.checked_sub(1).map(|j| month_url(&months[j]));
                head.next_archive = months.get(i + 1).map(month_url);
                let entries = self.index.published_in(&self.index.months()[month], now).collect();
                Some(Plan { head, entries, full_content: c.archive_full_content })
            }
        }
    }

    /// Marks the feeds a story is (or was) in as needing a new render.
    fn mark(&mut self, story: &Story) {
        if self.dirty.all {
            return;
        }
        self.dirty.feeds.insert(FeedKey::Main);
        for taxonomy in [Taxonomy::Tags, Taxonomy::Categories, Taxonomy::Authors] {
            for slug in story_terms(story, taxonomy).into_keys() {
                self.dirty.feeds.insert(FeedKey::Term(taxonomy, slug));
            }
        }
        // Its month, and the months beside it, whose history links may change.
        let month = self.index.month_of(story.date);
        self.dirty.feeds.insert(FeedKey::Month(month));
        let months = self.index.months();
        if let Some(before) = months.range(..month).next_back() {
            self.dirty.feeds.insert(FeedKey::Month(*before.0));
        }
        if let Some(after) = months.range((std::ops::Bound::Excluded(month), std::ops::Bound::Unbounded)).next() {
            self.dirty.feeds.insert(FeedKey::Month(*after.0));
        }
    }

    /// Every feed is rendered again at the next publish (output deleted,
    /// configuration changed).
    pub fn mark_all(&mut self) {
        self.dirty = Dirty { all: true, feeds: BTreeSet::new() };
    }

    /// Marks the feeds of stories whose date came in `(since, now]`.
    pub fn mark_due(&mut self, since: DateTime<Utc>, now: DateTime<Utc>) {
        let due: Vec<Story> = self.index.dated_between(since, now).map(|e| e.story.clone()).collect();
        for story in &due {
            self.mark(story);
        }
    }

    /// Renders the feeds marked since the last render whose inputs changed
    /// (all of them the first time) into `batch`, which writes as it fills,
    /// so memory holds a few feeds at a time. The main feeds are written
    /// first and at once: subscribers see a change before the term and
    /// archive feeds are done. Returns every file that should exist now.
    fn render(&mut self, now: DateTime<Utc>, batch: &mut Batch) -> Result<BTreeSet<PathBuf>, FatalError> {
        let out_dir = self.config.output_dir.clone();
        let dirty = std::mem::take(&mut self.dirty);
        let months = self.archive_months(now);
        let all_keys = self.feed_keys(now);
        let keys: Vec<FeedKey> = if dirty.all { all_keys.clone() } else { dirty.feeds.into_iter().collect() };
        let listed = self.listed(&all_keys);
        let mut expected = if dirty.all { BTreeSet::new() } else { self.written.clone() };
        expected.insert(PathBuf::from("index.html"));
        let main_paths: HashSet<PathBuf> =
            self.index.published(now).take(self.config.limit).map(|e| e.story.path.clone()).collect();
        let io = |source| FatalError::Io { path: out_dir.clone(), source };
        // Plan every marked feed first (cheap), keeping those whose inputs changed.
        let mut todo = Vec::new();
        let mut gone = Vec::new();
        for key in &keys {
            let files: Vec<PathBuf> = FEED_FILES.iter().map(|f| key.folder().join(f)).collect();
            let Some(plan) = self.plan(key, now, &months) else {
                for f in &files {
                    expected.remove(f);
                }
                gone.push(key.clone());
                continue;
            };
            expected.extend(files.iter().cloned());
            let digest = plan.digest();
            let is_main = *key == FeedKey::Main;
            let unchanged = self.digests.get(key) == Some(&digest)
                && files.iter().all(|f| self.config.output_dir.join(f).is_file());
            if !unchanged || (is_main && listed != self.listed) {
                todo.push((key.clone(), plan, files, digest));
            }
        }
        let mut fresh = BodyCache::default();
        let mut digests = Vec::new();
        // The main feeds first, on disk at once; then the others a few at a
        // time on every core (a few, so memory holds only those feeds).
        let (main, rest): (Vec<_>, Vec<_>) = todo.into_iter().partition(|(key, ..)| *key == FeedKey::Main);
        for group in std::iter::once(main).chain(chunks(rest, RENDER_GROUP)) {
            if self.cancelled() {
                return Err(FatalError::Cancelled);
            }
            let outputs: Vec<RenderedFeed> = group
                .par_iter()
                .map(|(key, plan, files, _)| self.render_plan(key, plan, files, &listed, &fresh, &main_paths))
                .collect();
            for (files, bodies) in outputs {
                for (rel, text) in files {
                    batch.push(out_dir.join(rel), text).map_err(io)?;
                }
                for (path, hash, html) in bodies {
                    fresh.insert(path, hash, html);
                }
            }
            if group.iter().any(|(key, ..)| *key == FeedKey::Main) {
                batch.flush().map_err(io)?;
            }
            digests.extend(group.into_iter().map(|(key, _, _, digest)| (key, digest)));
        }
        for key in gone {
            self.digests.remove(&key);
        }
        self.digests.extend(digests);
        self.rendered.merge(fresh);
        // Memory stays flat: beyond the budget only the main feed's bodies
        // and those of malformed stories (their last good version) are kept.
        if dirty.all || self.rendered.bytes > BODY_CACHE_BYTES {
            let failing = &self.failing;
            let keep_all = self.rendered.bytes <= BODY_CACHE_BYTES;
            let in_feeds: HashSet<PathBuf> = if keep_all {
                all_keys
                    .iter()
                    .filter_map(|k| self.plan(k, now, &months))
                    .filter(|p| p.full_content)
                    .flat_map(|p| p.entries.into_iter().map(|e| e.story.path.clone()))
                    .collect()
            } else {
                main_paths
            };
            self.rendered.retain(|p| in_feeds.contains(p) || failing.contains_key(p));
        }
        self.listed = listed;
        Ok(expected)
    }

    /// The taxonomy feeds the index page lists.
    fn listed(&self, keys: &[FeedKey]) -> Vec<Listed> {
        keys.iter()
            .filter_map(|k| match k {
                FeedKey::Term(taxonomy, slug) => Some(Listed {
                    title: format!("{} — {}", self.config.title, self.index.terms()[&(*taxonomy, slug.clone())].name()),
                    folder: format!("{}/", k.folder().display()),
                }),
                _ => None,
            })
            .collect()
    }

    fn head(&self, term: Option<&str>, url_folder: &str) -> Head {
        let c = &self.config;
        let title = match term {
            Some(term) => format!("{} — {term}", c.title),
            None => c.title.clone(),
        };
        Head {
            description: if term.is_some() { title.clone() } else { c.description.clone() },
            title,
            home_url: c.base_url.to_string(),
            folder_url: format!("{}{}", c.feeds_url, url_folder),
            feeds_url: c.feeds_url.to_string(),
            language: c.language.clone(),
            author: c.author.clone(),
            hubs: c.websub_hubs.iter().map(ToString::to_string).collect(),
            timezone: c.timezone,
            archive: false,
            current: None,
            prev_archive: None,
            next_archive: None,
        }
    }

    /// One feed's files (and `index.html` for the main feed), with the
    /// bodies it had to render that are worth keeping.
    fn render_plan(
        &self,
        key: &FeedKey,
        plan: &Plan<'_>,
        files: &[PathBuf],
        listed: &[Listed],
        fresh: &BodyCache,
        main_paths: &HashSet<PathBuf>,
    ) -> RenderedFeed {
        let mut bodies = Vec::new();
        let selected: Vec<Selected<'_>> = plan
            .entries
            .iter()
            .map(|e| Selected {
                story: &e.story,
                updated: e.updated(),
                content_html: plan.full_content.then(|| {
                    let keep = main_paths.contains(&e.story.path);
                    let (html, new) = self.content(&e.story, fresh, keep);
                    bodies.extend(new);
                    html
                }),
            })
            .collect();
        let model = feed::build(&plan.head, &selected);
        let mut out = Vec::with_capacity(4);
        if *key == FeedKey::Main {
            out.push((PathBuf::from("index.html"), index_html(&model, listed)));
        }
        out.push((files[0].clone(), feed::rss::to_rss(&model)));
        out.push((files[1].clone(), feed::atom::to_atom(&model)));
        out.push((files[2].clone(), feed::json_feed::to_json_feed(&model)));
        (out, bodies)
    }

    /// A story's content HTML, rendered once per version of its text while
    /// the cache has room (always for the main feed's stories); a newly
    /// rendered body worth keeping is returned beside it.
    fn content(&self, story: &Story, fresh: &BodyCache, keep: bool) -> (Arc<str>, Option<NewBody>) {
        if let Some(html) = fresh.get(&story.path, story.hash).or_else(|| self.rendered.get(&story.path, story.hash)) {
            return (html, None);
        }
        let site = Site { base_url: &self.config.base_url, timezone: self.config.timezone };
        let html: Arc<str> = match load::read_story(&self.config.articles_dir, &story.path, self.limits(), site) {
            Ok(file) => article::content_html(story, &file.text).into(),
            Err(e) => {
                // The file went bad after it was indexed: publish what is known.
                tracing::warn!("{e}: publishing its summary as content until it is fixed");
                format!("<p>{}</p>", escape(&story.summary)).into()
            }
        };
        let worth_keeping = keep || fresh.bytes + self.rendered.bytes < BODY_CACHE_BYTES;
        let new = worth_keeping.then(|| (story.path.clone(), story.hash, html.clone()));
        (html, new)
    }

    /// Renders and writes every feed whose bytes changed, in batches that
    /// are each synced once, removes the feeds of terms and months that no
    /// longer exist, and saves the state.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<Published, FatalError> {
        let out_dir = self.config.output_dir.clone();
        self.copy_media();
        let mut batch = Batch::new(&out_dir);
        let expected = self.render(now, &mut batch)?;
        let replaced = batch.finish().map_err(|source| FatalError::Io { path: out_dir.clone(), source })?;
        let mut published = Published { stories: self.index.published_count(now), ..Published::default() };
        published.replaced =
            replaced.into_iter().filter_map(|p| p.strip_prefix(&out_dir).ok().map(Path::to_path_buf)).collect();
        published.removed = remove_stale(&out_dir, &expected, &self.written);
        self.written = expected;
        self.state.set_feed_digests(self.digests.iter().map(|(k, d)| (k.folder().display().to_string(), *d)));
        self.state_dirty = true;
        self.save_state_if_due();
        Ok(published)
    }

    /// Copies local media into `media/` (keeping its path under the articles
    /// folder) when the copy is missing or differs in length or age.
    fn copy_media(&mut self) {
        for rel in std::mem::take(&mut self.media) {
            let from = self.config.articles_dir.join(&rel);
            let to = self.config.output_dir.join("media").join(&rel);
            if !no_symlink_between(&self.config.output_dir, &to) {
                tracing::warn!("{}: a folder on the way is a symlink; not copied", to.display());
                continue;
            }
            let (Ok(src), dst) = (std::fs::metadata(&from), std::fs::metadata(&to)) else { continue };
            let fresh = dst.is_ok_and(|d| d.len() == src.len() && d.modified().ok() >= src.modified().ok());
            if fresh {
                continue;
            }
            let copied = std::fs::read(&from).and_then(|bytes| write_if_changed(&to, &bytes));
            if let Err(e) = copied {
                tracing::warn!("{}: cannot copy to {}: {e}", from.display(), to.display());
            }
        }
    }

    /// Writes the state file if it changed and was last written a while ago:
    /// a burst of edits to a 100,000-story site does not rewrite it each time.
    /// (At worst, edits of the last moments before a crash are dated again
    /// when the daemon next starts.)
    pub fn save_state_if_due(&mut self) {
        if self.state_dirty && self.state_saved.is_none_or(|t| t.elapsed() >= STATE_SAVE_INTERVAL) {
            self.save_state();
        }
    }

    /// Writes the state file now (a build's end, a reload, a stop).
    pub fn save_state(&mut self) {
        self.state_saved = Some(std::time::Instant::now());
        self.state_dirty = false;
        let path = &self.config.state_file;
        if let Err(e) = write_if_changed(path, self.state.to_json().as_bytes()) {
            tracing::warn!(
                "{}: cannot save state ({e}); `updated` times of edits may be lost on restart",
                path.display()
            );
        }
    }
}

/// Deletes feed files of terms that are gone: those written last time, and
/// on the first publish any taxonomy feed folder left by an earlier run.
fn remove_stale(out_dir: &Path, produced: &BTreeSet<PathBuf>, previous: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let mut candidates: BTreeSet<PathBuf> = previous.clone();
    if previous.is_empty() {
        for folder in [Taxonomy::Tags.name(), Taxonomy::Categories.name(), Taxonomy::Authors.name(), "archive"] {
            let Ok(entries) = std::fs::read_dir(out_dir.join(folder)) else { continue };
            for entry in entries.flatten() {
                for file in FEED_FILES {
                    candidates.insert(Path::new(folder).join(entry.file_name()).join(file));
                }
            }
        }
    }
    let mut removed = Vec::new();
    for rel in candidates.difference(produced) {
        let path = out_dir.join(rel);
        if !no_symlink_between(out_dir, &path) {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            removed.push(rel.clone());
            // Remove the term folder (and the taxonomy folder) once empty.
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != out_dir) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
    }
    removed
}
