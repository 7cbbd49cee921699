//! The site held in memory, in two parts: the input side ([`Stories`]:
//! the index of every story, what is remembered between runs, the stories
//! rejected right now, the media they name) and the output side
//! ([`Output`]: rendered bodies, what each feed was made from, the feeds
//! marked dirty, what was written). A publish plans feeds from the input
//! side ([`plan`]) and renders them ([`render`]) into the output folder.
//! `build` uses an engine once; `watch` keeps it and feeds it changed paths.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::article;
use crate::cache::{Record, Stamp};
use crate::config::Config;
use crate::error::{FatalError, StoryError};
use crate::index::{Bulk, Index};
use crate::layout::{self, FeedKey};
use crate::load::{self, Known, Limits, Outcome};
use crate::publish::{no_symlink_between, Batch};

mod plan;
mod render;
mod stories;

use plan::{Dirty, Planner};
use render::{output_error, Output, Renderer};
use stories::{index_sets, Applied, Intake, Scanned, Stories};

/// Stories read in parallel at a time by a full scan.
const SCAN_CHUNK: usize = 1024;

/// The cache record of `path`, taken from `cached` (sorted by path, as
/// the scan lists stories: one pass over both); records of paths before
/// it, which the scan did not list, go to `passed`.
fn next_record(
    cached: &mut std::iter::Peekable<std::vec::IntoIter<Record>>,
    path: &Path,
    passed: &mut Vec<Record>,
) -> Option<Record> {
    while let Some(next) = cached.peek() {
        match load::path_order(&next.story.path, path) {
            std::cmp::Ordering::Less => passed.extend(cached.next()),
            std::cmp::Ordering::Equal => return cached.next(),
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// A chunk of a scan, read and waiting to be taken in: the paths, their
/// cache records (if any) and what reading them gave.
struct ReadChunk<'a> {
    paths: &'a [PathBuf],
    records: Vec<Option<Record>>,
    outcomes: Vec<Outcome>,
}

/// What taking in one scanned story file did to its rendered body.
enum Taken {
    /// It is gone: its body too.
    Gone,
    /// Its version came from the story cache with this body.
    Body(u64, Arc<str>),
    Nothing,
}

/// Takes in one scanned story file: as read, or from its cache `record`
/// when the file is unchanged since (or broken and the record is its last
/// good version).
fn take_in_scanned(
    stories: &mut Stories,
    intake: &mut Intake<'_>,
    path: &Path,
    outcome: Outcome,
    record: Option<Record>,
    bulk: Option<&mut Bulk>,
) -> Taken {
    let body_of = |record: &mut Record| record.body.take();
    let (result, last_good, mut body) = match (outcome, record) {
        (Outcome::Unchanged, Some(mut record)) => {
            let body = body_of(&mut record);
            let Record { seen, story, warnings, .. } = record;
            (Ok(Known { parsed: article::Parsed { story, warnings }, seen: Some(seen), cached: true }), None, body)
        }
        // Said only of a file with a record; read it if that ever fails.
        (Outcome::Unchanged, None) => {
            let (config, limits) = (intake.config, Limits { max_bytes: intake.config.max_article_bytes });
            let site = config.site();
            (load::read_parsed(&config.articles_dir, path, limits, site), None, None)
        }
        (Outcome::Read(Ok(known)), _) => (Ok(known), None, None),
        (Outcome::Read(Err(e)), Some(mut record)) => {
            let body = body_of(&mut record);
            (Err(e), Some(record), body)
        }
        (Outcome::Read(Err(e)), None) => (Err(e), None, None),
    };
    match stories.apply(intake, path, result, last_good, bulk) {
        Applied::Gone => Taken::Gone,
        Applied::Changed | Applied::Unchanged | Applied::Restored => match body.take() {
            Some((hash, html)) => Taken::Body(hash, html),
            None => Taken::Nothing,
        },
        Applied::Rejected => Taken::Nothing,
    }
}

pub struct Engine {
    config: Config,
    stories: Stories,
    output: Output,
    /// Set by SIGINT/SIGTERM: abandon the work in progress.
    cancel: Arc<AtomicBool>,
}

/// What a scan or update found.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<StoryError>,
    pub warnings: Vec<StoryError>,
    /// Paths whose story was added, changed or removed.
    pub changed: Vec<PathBuf>,
    /// Every path an update looked at again (those it was given, and the
    /// stories it followed to: users of a changed media file, links to a
    /// changed story): their problems are current.
    pub looked_at: Vec<PathBuf>,
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
        let stories = Stories::new(&config);
        let digests = stories
            .state
            .feed_digests()
            .filter_map(|(folder, digest)| Some((FeedKey::from_folder(folder)?, digest)))
            .collect();
        Engine { output: Output::new(digests), stories, config, cancel: Arc::default() }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn index(&self) -> &Index {
        &self.stories.index
    }

    fn limits(&self) -> Limits {
        Limits { max_bytes: self.config.max_article_bytes }
    }

    /// Reads the whole articles folder, replacing the index: stories no
    /// longer on disk leave it.
    pub fn scan(&mut self, now: DateTime<Utc>) -> Result<Report, FatalError> {
        let started = std::time::Instant::now();
        let load::Discovered { stories: paths, problems, linked_stories, unreadable } =
            load::discover_with_links(&self.config.articles_dir)?;
        self.stories.links.clear();
        for link in linked_stories {
            let target = load::link_target(&self.config.articles_dir, &link);
            self.stories.note_link(&link, target);
        }
        let listed = started.elapsed();
        let (config, limits, cancel) = (&self.config, self.limits(), self.cancel.clone());
        let site = config.site();
        let mut report = Report { errors: problems, ..Report::default() };
        let present: HashSet<&PathBuf> = paths.iter().collect();
        // A folder that cannot be read hides its stories from the listing;
        // they are not gone: they keep their last good version.
        let kept = |p: &PathBuf| present.contains(p) || unreadable.iter().any(|u| p.starts_with(u));
        let gone: Vec<PathBuf> = self.stories.index.paths().filter(|p| !kept(p)).cloned().collect();
        for path in gone {
            self.output.rendered.remove(&path);
            self.stories.forget(config, &mut self.output.dirty, &path);
            report.changed.push(path);
        }
        self.stories.failing.retain(|p, _| kept(p));
        self.stories.unread.retain(kept);
        // In chunks, so that only a chunk's parsed stories wait beside the
        // index; each chunk is indexed while the next one is read. The
        // first scan builds a new index in bulk.
        let mut bulk =
            self.stories.index.is_empty().then(|| Bulk::new(config.timezone, index_sets(config), paths.len()));
        if bulk.is_none() {
            self.stories.index.reserve(paths.len());
        }
        self.stories.state.reserve(paths.len());
        // The story cache of the last run: a story whose file kept its
        // identity is taken from it unread.
        let mut cached = self.stories.take_cached().into_iter().peekable();
        // Records of files not listed: deleted, or in a folder that cannot be read.
        let mut passed = Vec::new();
        let (stories, rendered) = (&mut self.stories, &mut self.output.rendered);
        let mut intake = Intake { config, dirty: &mut self.output.dirty, report: &mut report, now };
        let mut read: Option<ReadChunk<'_>> = None;
        let mut unread = 0usize;
        for chunk in paths.chunks(SCAN_CHUNK).map(Some).chain([None]) {
            let records: Vec<Option<Record>> =
                chunk.map(|c| c.iter().map(|p| next_record(&mut cached, p, &mut passed)).collect()).unwrap_or_default();
            let (outcomes, ()) = rayon::join(
                || chunk.map(|chunk| load::read_all(&config.articles_dir, chunk, limits, site, &records, &cancel)),
                || {
                    if let Some(ReadChunk { paths: chunk, records, outcomes }) = read.take() {
                        for ((path, outcome), record) in chunk.iter().zip(outcomes).zip(records) {
                            unread += usize::from(matches!(outcome, Outcome::Unchanged));
                            let body = take_in_scanned(stories, &mut intake, path, outcome, record, bulk.as_mut());
                            match body {
                                Taken::Gone => rendered.remove(path),
                                Taken::Body(hash, html) => rendered.insert(path.clone(), hash, html),
                                Taken::Nothing => {}
                            }
                        }
                    }
                },
            );
            if cancel.load(Ordering::Relaxed) {
                return Err(FatalError::Cancelled);
            }
            read = chunk.zip(outcomes).map(|(paths, outcomes)| ReadChunk { paths, records, outcomes });
        }
        // Stories in a folder that cannot be read now keep the version the
        // last run saw.
        passed.extend(cached);
        let (hidden, gone): (Vec<Record>, Vec<_>) = passed.into_iter().partition(|r| kept(&r.story.path));
        if !gone.is_empty() {
            // Records of files deleted while stopped: drop them from the file too.
            stories.cache_changed();
        }
        let mut hidden_kept = 0usize;
        for mut record in hidden {
            let path = record.story.path.clone();
            if stories.index.get(&path).is_some() {
                continue;
            }
            hidden_kept += 1;
            let body = record.body.take();
            stories.restore(&mut intake, &path, record, bulk.as_mut());
            if let Some((hash, html)) = body {
                rendered.insert(path, hash, html);
            }
        }
        if let Some(bulk) = bulk {
            let (index, replaced) = bulk.finish();
            self.stories.index = index;
            for old in replaced {
                self.output.dirty.mark(config, &self.stories.index, &old.story);
            }
        }
        self.stories.relink(config, &mut self.output.dirty, now);
        self.stories.report_duplicates(&config.articles_dir, now, &mut report);
        self.stories.last_scan = Some(Scanned { files: paths.len(), unread });
        tracing::debug!(
            "scanned {} story files in {} ms (listing them {} ms; {unread} unchanged since the last run, not read)",
            paths.len(),
            started.elapsed().as_millis(),
            listed.as_millis()
        );
        // Stories kept under unreadable folders are indexed but not listed.
        self.stories.listed = (hidden_kept == 0 && unreadable.is_empty()).then_some(paths);
        Ok(report)
    }

    /// Re-reads the given paths (relative to the articles folder): a path
    /// that is no longer a readable story file leaves the index, a story
    /// that became malformed keeps its last good version, and a path that
    /// turns out to be a folder (even one named like a story, `2024.md/`)
    /// stands for everything under it. A media file that changed makes the
    /// stories naming it read again (its length or type may have changed)
    /// and counts as a change, so that it is published again; a story file
    /// that changed makes the symlinked stories pointing at it read again.
    pub fn update(&mut self, paths: &[PathBuf], now: DateTime<Utc>) -> Report {
        self.stories.listed = None;
        let mut report = Report::default();
        let mut queue: Vec<PathBuf> = paths.to_vec();
        let mut expanded = BTreeSet::new();
        // Media files and link targets already followed to their stories.
        let mut followed = BTreeSet::new();
        while let Some(path) = queue.pop() {
            if self.cancelled() {
                break;
            }
            report.looked_at.push(path.clone());
            let users = self.stories.media_users(&path);
            if !users.is_empty() && followed.insert(path.clone()) {
                report.changed.push(path.clone());
                queue.extend(users);
            }
            // A symlinked story changes with its target, which is all the OS
            // reports (and the target may come after the link).
            if crate::paths::is_story_path(&path) {
                let target = load::link_target(&self.config.articles_dir, &path);
                self.stories.note_link(&path, target);
            }
            for link in self.stories.links_to(&path) {
                if followed.insert(link.clone()) {
                    queue.push(link);
                }
            }
            let full = self.config.articles_dir.join(&path);
            let in_index = self.stories.index.get(&path).is_some();
            // Gone means not found; a path that cannot be looked at (a
            // folder on the way made unreadable) is not gone: its story
            // keeps its last good version, with an error.
            let meta = std::fs::metadata(&full);
            let gone = meta.as_ref().is_err_and(load::is_not_found);
            let is_dir = meta.as_ref().is_ok_and(std::fs::Metadata::is_dir);
            if (is_dir || (gone && !in_index)) && expanded.insert(path.clone()) {
                queue.extend(self.paths_under(&path).into_iter().filter(|p| *p != path));
                if gone {
                    continue;
                }
            }
            let listed = !gone
                && meta.as_ref().map_or(true, std::fs::Metadata::is_file)
                && crate::paths::is_story_path(&path)
                && load::is_listed(&self.config.articles_dir, &path);
            if !listed {
                // A link to a hidden or private story: said as a scan says it.
                if let Some(problem) = load::refused_link(&self.config.articles_dir, &path) {
                    report.errors.push(problem);
                }
                // Reported through a folder symlink: the story is known by its real path.
                if let Some(real) = load::real_path(&self.config.articles_dir, &path) {
                    if expanded.insert(real.clone()) {
                        queue.push(real);
                    }
                }
                if self.forget(&path) {
                    report.changed.push(path.clone());
                }
                self.stories.failing.remove(&path);
                continue;
            }
            let result = load::read_parsed(&self.config.articles_dir, &path, self.limits(), self.config.site());
            let mut intake = Intake { config: &self.config, dirty: &mut self.output.dirty, report: &mut report, now };
            if self.stories.apply(&mut intake, &path, result, None, None) == Applied::Gone {
                self.output.rendered.remove(&path);
            }
        }
        self.stories.relink(&self.config, &mut self.output.dirty, now);
        self.stories.report_duplicates(&self.config.articles_dir, now, &mut report);
        report
    }

    /// Swaps in a new configuration. What survives a reload: the state file
    /// and the story cache (saved first, then read by the new engine), the
    /// cancel flag, the last good version (index entry and rendered body)
    /// of every story that is malformed right now unless the new settings
    /// parse stories differently, and the list of files written, so that
    /// files the old configuration wrote and the new one does not are
    /// removed. Everything else is read and rendered again.
    pub fn reconfigure(&mut self, config: Config, now: DateTime<Utc>) -> Result<Report, FatalError> {
        self.save_state();
        let mut fresh = Engine::new(config);
        fresh.cancel = self.cancel.clone();
        let report = fresh.scan(now)?;
        // A last good version parsed under other settings (another
        // `base_url`, `timezone`…) would publish old links and ids: it is
        // kept only when the settings parsing uses are the same.
        let same_parsing = crate::cache::fingerprint(&self.config) == crate::cache::fingerprint(&fresh.config);
        let failing: Vec<PathBuf> =
            if same_parsing { fresh.stories.failing.keys().cloned().collect() } else { Vec::new() };
        for path in failing {
            if fresh.stories.index.get(&path).is_some() {
                continue; // restored from the story cache already
            }
            if let Some(entry) = self.stories.index.get(&path) {
                fresh.stories.index.insert(entry.clone());
            }
            if let Some((hash, body)) = self.output.rendered.latest(&path) {
                fresh.output.rendered.insert(path, hash, body);
            }
        }
        fresh.output.written = std::mem::take(&mut self.output.written);
        *self = fresh;
        Ok(report)
    }

    /// Lets a signal abandon a long scan or render; nothing half-written
    /// reaches the output folder.
    pub fn set_cancel(&mut self, cancel: Arc<AtomicBool>) {
        self.cancel = cancel;
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Every path the index holds under `prefix` plus every story file now
    /// under it: what to re-read when a folder appears, moves or vanishes.
    pub fn paths_under(&self, prefix: &Path) -> Vec<PathBuf> {
        let dir = &self.config.articles_dir;
        let mut paths = load::stories_under(dir, prefix);
        // A folder reached through a link: what is under its real path.
        if let Some(real) = load::real_folder(dir, prefix) {
            paths.extend(load::stories_under(dir, &real));
            paths.extend(self.stories.index.paths().filter(|p| p.starts_with(&real)).cloned());
        }
        paths.extend(self.stories.index.paths().filter(|p| p.starts_with(prefix)).cloned());
        paths.sort();
        paths.dedup();
        paths
    }

    /// Takes `path` out of the index and the body cache; whether it was indexed.
    fn forget(&mut self, path: &Path) -> bool {
        self.output.rendered.remove(path);
        self.stories.forget(&self.config, &mut self.output.dirty, path)
    }

    /// The ids claimed by more than one story published at `now`, as errors:
    /// a scheduled story that goes live is reported then.
    pub fn duplicates(&self, now: DateTime<Utc>) -> Report {
        let mut report = Report::default();
        self.stories.report_duplicates(&self.config.articles_dir, now, &mut report);
        report
    }

    /// Story files that could not be read for a passing reason, to read
    /// again (see [`crate::error::is_transient`]).
    pub fn unread(&self) -> Vec<PathBuf> {
        self.stories.unread.iter().cloned().collect()
    }

    /// The files at or under `path` (relative to the articles folder)
    /// that some story names as media or links from its body: a folder
    /// that appears or moves may hold them.
    pub fn media_named_under(&self, path: &Path) -> Vec<PathBuf> {
        self.stories.media_named_under(path)
    }

    /// The story symlinks whose targets lie at or under `path`: a folder
    /// on the way that is moved or retargeted (into `_private`, say)
    /// changes what they lead to.
    pub fn links_into(&self, path: &Path) -> Vec<PathBuf> {
        let targets = self.stories.links.files_under(path);
        targets.iter().flat_map(|t| self.stories.links_to(t)).collect()
    }

    /// Every rejected story currently known.
    pub fn failing(&self) -> impl Iterator<Item = &StoryError> {
        self.stories.failing.values()
    }

    /// Every feed is rendered again at the next publish (output deleted,
    /// configuration changed).
    pub fn mark_all(&mut self) {
        self.output.dirty = Dirty::everything();
    }

    /// Marks the feeds of stories whose date came in `(since, now]`.
    pub fn mark_due(&mut self, since: DateTime<Utc>, now: DateTime<Utc>) {
        let index = &self.stories.index;
        for entry in index.dated_between(since, now) {
            if !entry.story.draft {
                tracing::info!(
                    "{}: published now, at its scheduled time {}",
                    entry.story.path.display(),
                    entry.story.date.with_timezone(&self.config.timezone).to_rfc3339()
                );
            }
            self.output.dirty.mark(&self.config, index, &entry.story);
            // A story going live may win an id from another.
            self.stories.mark_claimants(&self.config, &mut self.output.dirty, &entry.story.id);
        }
        // And the stories linking one that went live can link it now.
        self.stories.relink(&self.config, &mut self.output.dirty, now);
    }

    /// Renders into the cache the main feed's bodies it does not hold, so
    /// that a story of the main feed that breaks later keeps its full
    /// content and the first edit does not wait for them. Writes nothing.
    pub fn warm_main_bodies(&mut self, now: DateTime<Utc>) {
        let planner = Planner::new(&self.config, &self.stories.index, now);
        let mut renderer =
            Renderer { config: &self.config, stories: &self.stories, output: &mut self.output, cancel: &self.cancel };
        if renderer.warm_main_bodies(&planner) > 0 {
            // Worth saving: a restart then renders none of them.
            self.stories.cache_changed();
        }
    }

    /// Renders and writes every feed whose bytes changed, in batches that
    /// are each synced once, removes the feeds of terms and months that no
    /// longer exist, and saves the state.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<Published, FatalError> {
        let out_dir = self.config.output_dir.clone();
        self.publish_media(now);
        let save = self.stories.state_save_due();
        let save_cache = self.stories.cache_save_due();
        let mut batch = Batch::new(&out_dir);
        let planner = Planner::new(&self.config, &self.stories.index, now);
        let mut renderer =
            Renderer { config: &self.config, stories: &self.stories, output: &mut self.output, cancel: &self.cancel };
        let rendered = renderer.render(&planner, &mut batch);
        drop(planner);
        let bodies = self.output.bodies_rendered.swap(0, Ordering::Relaxed);
        // The state and the story cache, when due, are serialized while the
        // disk takes the last feeds.
        let mut stories_json = None;
        let written = rendered.and_then(|expected| {
            batch.flush().map_err(|e| output_error(&self.config, e))?;
            stories_json = save.then(|| self.stories.state.stories_json());
            if save_cache {
                let rendered = &self.output.rendered;
                self.stories.save_cache(&self.config, |path, hash| rendered.get(path, hash));
            }
            Ok((expected, batch.finish().map_err(|e| output_error(&self.config, e))?))
        });
        let (expected, replaced) = match written {
            Ok(written) => written,
            Err(e) => {
                // Not everything rendered reached the disk.
                self.output.forget_written();
                return Err(e);
            }
        };
        let mut published =
            Published { stories: self.stories.index.published_count(now), bodies, ..Published::default() };
        published.replaced =
            replaced.into_iter().filter_map(|p| p.strip_prefix(&out_dir).ok().map(Path::to_path_buf)).collect();
        published.removed = remove_stale(&out_dir, &expected, &self.output.written);
        self.output.written = expected;
        let digests = self.output.digests.iter().map(|(k, d)| (k.folder().display().to_string(), *d));
        self.stories.state.set_feed_digests(digests);
        self.stories.state_changed();
        match stories_json {
            Some(stories) => {
                let json = self.stories.state.finish_json(stories);
                self.stories.write_state(&self.config.state_file, json);
            }
            None if self.stories.state_save_due() => self.stories.save_state(&self.config.state_file),
            None => {}
        }
        Ok(published)
    }

    /// Publishes the media of the stories published now into `media/`
    /// (keeping its path under the articles folder), and removes what no
    /// published story names any more: the media of a draft or a story
    /// scheduled for later is not public before the story is, and a story
    /// taken down takes its pictures with it. A file is copied again when
    /// its source changed in any way (size, times, inode), even when its
    /// length stays and its modification time goes back (`cp -p`); at
    /// start, a copy with the same bytes is kept.
    fn publish_media(&mut self, now: DateTime<Utc>) {
        let wanted = self.stories.published_media(now);
        let (articles, output) = (&self.config.articles_dir, &self.config.output_dir);
        let media = &mut self.output.media;
        for rel in &wanted {
            let from = articles.join(rel);
            let to = output.join(layout::media_path(rel));
            if let Some(stamp) = crate::publish::copied_already(&from, &to, media.copied.get(rel)) {
                media.copied.insert(rel.clone(), stamp);
                continue;
            }
            let stamp = Stamp::of(&from);
            if !no_symlink_between(output, &to) {
                tracing::warn!("{}: a folder on the way is a symlink; not copied", to.display());
                continue;
            }
            match crate::publish::copy_atomically(&from, &to) {
                Ok(()) => {
                    media.copied.insert(rel.clone(), stamp.unwrap_or_default());
                }
                Err(e) => tracing::warn!("{}: cannot publish it as media: {e}", from.display()),
            }
        }
        let previous = match media.published.take() {
            Some(previous) => previous,
            None => files_under(&output.join(layout::MEDIA_DIR)),
        };
        for rel in previous.difference(&wanted) {
            let path = output.join(layout::media_path(rel));
            if no_symlink_between(output, &path) && std::fs::remove_file(&path).is_ok() {
                media.copied.remove(rel);
                remove_empty_folders(output, &path);
            }
        }
        media.published = Some(wanted);
    }

    /// Writes the state file if it changed and was last written a while ago:
    /// a burst of edits to a 100,000-story site does not rewrite it each time.
    /// (At worst, edits of the last moments before a crash are dated again
    /// when the daemon next starts.)
    pub fn save_state_if_due(&mut self) {
        if self.stories.state_save_due() {
            self.stories.save_state(&self.config.state_file);
        }
        if self.stories.cache_save_due() {
            self.save_cache();
        }
    }

    /// Writes the state file and the story cache now (a build's end, a
    /// reload, a stop), each unless nothing in it changed since it was
    /// last written.
    pub fn save_state(&mut self) {
        self.stories.save_state(&self.config.state_file);
        self.save_cache();
    }

    fn save_cache(&mut self) {
        let rendered = &self.output.rendered;
        self.stories.save_cache(&self.config, |path, hash| rendered.get(path, hash));
    }

    /// How many story files the last full scan read: "N of M story files
    /// read" (the others were unchanged since the story cache was saved).
    pub fn read_summary(&self) -> String {
        let scanned = self.stories.last_scan.unwrap_or_default();
        format!("{} of {} story files read", scanned.files - scanned.unread, scanned.files)
    }
}

/// Deletes feed files of terms that are gone: those written last time, and
/// on the first publish any feed folder left by an earlier run (and a
/// stylesheet or site icon no longer wanted).
fn remove_stale(out_dir: &Path, produced: &BTreeSet<PathBuf>, previous: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let mut candidates: BTreeSet<PathBuf> = previous.clone();
    if previous.is_empty() {
        candidates.insert(PathBuf::from(crate::feed::stylesheet::FILE_NAME));
        candidates.extend(layout::icon_files());
        for parent in layout::feed_parent_folders() {
            let Ok(entries) = std::fs::read_dir(out_dir.join(parent)) else { continue };
            for entry in entries.flatten() {
                candidates.extend(layout::files_in(&Path::new(parent).join(entry.file_name())));
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
            remove_empty_folders(out_dir, &path);
        }
    }
    removed
}

/// Removes the folders of a removed file up to `root`, as long as they are empty.
fn remove_empty_folders(root: &Path, removed: &Path) {
    let mut dir = removed.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Every regular file under `dir`, relative to it (temp files left out).
fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            let child = rel.join(entry.file_name());
            if kind.is_dir() {
                stack.push(child);
            } else if kind.is_file() && !crate::publish::is_temp_file(&entry.file_name().to_string_lossy()) {
                out.insert(child);
            }
        }
    }
    out
}
