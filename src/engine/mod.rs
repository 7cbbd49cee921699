//! The site held in memory: the index of every story, what is remembered
//! between runs, and the rendered bodies of the stories in feeds. `build`
//! uses it once; `watch` keeps it and feeds it changed paths.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::article::{self, Site};
use crate::config::{Config, Taxonomy};
use crate::error::{FatalError, StoryError};
use crate::feed::index_page::Listed;
use crate::index::{Bulk, Entry, Index, Sets};
use crate::load::{self, Limits};
use crate::publish::{no_symlink_between, write_if_changed, Batch};
use crate::state::State;

mod plan;
mod render;

use plan::Dirty;
pub use plan::FeedKey;
use render::BodyCache;

/// The least time between two writes of the state file while watching.
const STATE_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Stories read in parallel at a time by a full scan.
const SCAN_CHUNK: usize = 1024;

/// What reading one story file gives.
type ReadResult = Result<article::Parsed, StoryError>;

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
    /// Story bodies rendered since the last publish began.
    bodies_rendered: std::sync::atomic::AtomicUsize,
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
    /// Story bodies rendered (not taken from the cache) for it.
    pub bodies: usize,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let state = State::load(&config.state_file);
        let digests =
            state.feed_digests().filter_map(|(folder, digest)| Some((FeedKey::from_folder(folder)?, digest))).collect();
        Engine {
            index: Index::new(config.timezone, index_sets(&config)),
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
            bodies_rendered: std::sync::atomic::AtomicUsize::new(0),
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
        let started = std::time::Instant::now();
        let (paths, problems) = load::discover(&self.config.articles_dir)?;
        let listed = started.elapsed();
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
        // In chunks, so that only a chunk's parsed stories wait beside the
        // index; each chunk is indexed while the next one is read. The
        // first scan builds a new index in bulk.
        let mut bulk =
            self.index.is_empty().then(|| Bulk::new(self.config.timezone, index_sets(&self.config), paths.len()));
        if bulk.is_none() {
            self.index.reserve(paths.len());
        }
        self.state.reserve(paths.len());
        let mut read: Option<(&[PathBuf], Vec<ReadResult>)> = None;
        for chunk in paths.chunks(SCAN_CHUNK).map(Some).chain([None]) {
            let (results, ()) = rayon::join(
                || chunk.map(|chunk| (chunk, load::read_all(&dir, chunk, limits, site, &cancel))),
                || {
                    if let Some((chunk, results)) = read.take() {
                        for (path, result) in chunk.iter().zip(results) {
                            self.apply(path, result, now, &mut report, bulk.as_mut());
                        }
                    }
                },
            );
            if self.cancelled() {
                return Err(FatalError::Cancelled);
            }
            read = results;
        }
        if let Some(bulk) = bulk {
            let (index, replaced) = bulk.finish();
            self.index = index;
            for old in replaced {
                self.mark(&old.story);
            }
        }
        self.report_duplicates(&mut report);
        tracing::debug!(
            "scanned {} story files in {} ms (listing them {} ms)",
            paths.len(),
            started.elapsed().as_millis(),
            listed.as_millis()
        );
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
            let result = load::read_parsed(&dir, &path, self.limits(), site);
            self.apply(&path, result, now, &mut report, None);
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
            if let Some((hash, body)) = self.rendered.latest(&path) {
                fresh.rendered.insert(path, hash, body);
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

    /// Takes in what reading one path gave. A good story goes into the
    /// index, or into `bulk` when one is given (a new index being built).
    fn apply(
        &mut self,
        path: &Path,
        result: Result<article::Parsed, StoryError>,
        now: DateTime<Utc>,
        report: &mut Report,
        bulk: Option<&mut Bulk>,
    ) {
        match result {
            Ok(parsed) => {
                let mut story = parsed.story;
                report.warnings.extend(parsed.warnings);
                if story.image.is_some() || !story.attachments.is_empty() {
                    let feeds_url = self.config.feeds_url.clone();
                    report.warnings.extend(load::resolve_media(&self.config.articles_dir, &mut story, &feeds_url));
                    let e = &story.enclosures;
                    self.media
                        .extend(e.image.as_deref().into_iter().chain(&e.attachments).filter_map(|m| m.source.clone()));
                }
                self.failing.remove(path);
                if self.index.get(path).is_some_and(|e| e.story == story) {
                    return;
                }
                let changed = self.state.observe(&story.id, story.hash, now);
                self.state_dirty = true;
                self.mark(&story);
                match bulk {
                    Some(bulk) => bulk.add(Box::new(Entry { story, changed })),
                    None => {
                        if let Some(old) = self.index.insert(Entry { story, changed }) {
                            self.mark(&old.story);
                        }
                    }
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

    /// Renders and writes every feed whose bytes changed, in batches that
    /// are each synced once, removes the feeds of terms and months that no
    /// longer exist, and saves the state.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<Published, FatalError> {
        let out_dir = self.config.output_dir.clone();
        self.copy_media();
        let save = self.state_save_due();
        let mut batch = Batch::new(&out_dir);
        let rendered = self.render(now, &mut batch);
        let bodies = self.bodies_rendered.swap(0, Ordering::Relaxed);
        let mut stories_json = None;
        let written = rendered.and_then(|expected| {
            // Every feed is with the writer now: when the state is due to
            // be saved, its stories are serialized while the disk takes them.
            batch.flush().map_err(|e| self.output_error(e))?;
            stories_json = save.then(|| self.state.stories_json());
            Ok((expected, batch.finish().map_err(|e| self.output_error(e))?))
        });
        let (expected, replaced) = match written {
            Ok(written) => written,
            Err(e) => {
                // Not everything rendered reached the disk: forget what the
                // feeds were made from, so the next publish writes them all.
                self.digests.clear();
                self.listed.clear();
                self.mark_all();
                return Err(e);
            }
        };
        let mut published = Published { stories: self.index.published_count(now), bodies, ..Published::default() };
        published.replaced =
            replaced.into_iter().filter_map(|p| p.strip_prefix(&out_dir).ok().map(Path::to_path_buf)).collect();
        published.removed = remove_stale(&out_dir, &expected, &self.written);
        self.written = expected;
        self.state.set_feed_digests(self.digests.iter().map(|(k, d)| (k.folder().display().to_string(), *d)));
        self.state_dirty = true;
        match stories_json {
            Some(stories) => self.write_state(self.state.finish_json(stories)),
            None => self.save_state_if_due(),
        }
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
        if self.state_save_due() {
            self.save_state();
        }
    }

    /// Whether the state changed and was last written a while ago (or never).
    fn state_save_due(&self) -> bool {
        self.state_dirty && self.state_saved.is_none_or(|t| t.elapsed() >= STATE_SAVE_INTERVAL)
    }

    /// Writes the state file now (a build's end, a reload, a stop), unless
    /// nothing changed since it was last written.
    pub fn save_state(&mut self) {
        if !self.state_dirty && self.state_saved.is_some() {
            return;
        }
        self.write_state(self.state.to_json());
    }

    fn write_state(&mut self, json: String) {
        self.state_saved = Some(std::time::Instant::now());
        self.state_dirty = false;
        let path = &self.config.state_file;
        if let Err(e) = write_if_changed(path, json.as_bytes()) {
            tracing::warn!(
                "{}: cannot save state ({e}); `updated` times of edits may be lost on restart",
                path.display()
            );
        }
    }
}

/// The sets the index keeps: those the configured feeds are made from.
fn index_sets(config: &Config) -> Sets {
    Sets { taxonomies: config.taxonomy_feeds.clone(), months: config.archives }
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
