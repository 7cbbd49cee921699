//! The input side of the engine: every story known (the index), what is
//! remembered between runs (the state file), the stories whose file is
//! rejected right now, and the local media the stories name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rayon::slice::ParallelSliceMut;

use super::plan::Dirty;
use super::Report;
use crate::article;
use crate::cache::{self, Record, RecordRef, Seen};
use crate::config::{Config, Taxonomy};
use crate::error::StoryError;
use crate::index::{Bulk, Entry, Index, Sets};
use crate::load::{self, Known};
use crate::publish::write_if_changed;
use crate::state::State;

/// The least time between two writes of the state file while watching.
const STATE_SAVE_INTERVAL: Duration = Duration::from_secs(2);

/// The same for the story cache, which is larger and only saves time: a
/// record it lacks or holds stale is read again on the next start.
const CACHE_SAVE_INTERVAL: Duration = Duration::from_secs(60);

pub(super) struct Stories {
    pub(super) index: Index,
    pub(super) state: State,
    /// Stories whose current file is rejected, with why.
    pub(super) failing: BTreeMap<PathBuf, StoryError>,
    /// Story files that could not be read for a passing reason (out of
    /// file descriptors, say): to read again until they are.
    pub(super) unread: BTreeSet<PathBuf>,
    /// The local media files (relative to the articles folder) each story
    /// that names any names: published to `media/` while the story is.
    pub(super) media: HashMap<PathBuf, Vec<PathBuf>>,
    /// The local files each story names as media, found or not: a change
    /// to one makes the story read again.
    media_refs: DependsOn,
    /// The stories whose body links another story's file: that story's
    /// link is looked up again after each scan and update.
    linking: BTreeSet<PathBuf>,
    /// Story files that are symlinks, with the file each points at: a
    /// change to the target changes them (the OS reports only the target).
    pub(super) links: DependsOn,
    /// What parsing each indexed story's version warned about, for the
    /// stories that have warnings.
    pub(super) warned: HashMap<PathBuf, Vec<StoryError>>,
    /// The story cache as the last run left it (sorted by path, as a scan
    /// lists stories), until the first scan has taken what it could use.
    cached: Vec<Record>,
    /// The state changed since it was last written, and when that was.
    state_dirty: bool,
    state_saved: Option<Instant>,
    /// The same for the story cache.
    cache_dirty: bool,
    cache_saved: Option<Instant>,
    /// What the last full scan read.
    pub(super) last_scan: Option<Scanned>,
    /// The paths that scan listed, sorted, while they are exactly the
    /// indexed stories (until the first update): the story cache's order,
    /// without sorting the index again.
    pub(super) listed: Option<Vec<PathBuf>>,
}

impl Stories {
    /// No story yet; the state as the state file remembers it.
    pub(super) fn new(config: &Config) -> Stories {
        let cached = cache::load(&cache::path_for(&config.state_file), cache::fingerprint(config));
        Stories {
            index: Index::new(config.timezone, index_sets(config)),
            state: State::load(&config.state_file),
            failing: BTreeMap::new(),
            unread: BTreeSet::new(),
            media: HashMap::new(),
            media_refs: DependsOn::default(),
            linking: BTreeSet::new(),
            links: DependsOn::default(),
            warned: HashMap::new(),
            state_dirty: false,
            state_saved: None,
            last_scan: None,
            listed: None,
            // A cache that could not be used is written afresh.
            cache_dirty: cached.is_empty(),
            cached,
            cache_saved: None,
        }
    }

    /// The story cache as the last run left it, once; empty after that.
    pub(super) fn take_cached(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.cached)
    }

    /// Takes `path` out of the index; whether it was there. Its feeds are marked.
    pub(super) fn forget(&mut self, config: &Config, dirty: &mut Dirty, path: &Path) -> bool {
        self.warned.remove(path);
        self.cache_dirty = true;
        self.media.remove(path);
        self.media_refs.remove(path);
        self.linking.remove(path);
        self.unread.remove(path);
        match self.index.remove(path) {
            Some(old) => {
                dirty.mark(config, &self.index, &old.story);
                self.mark_claimants(config, dirty, &old.story.id);
                true
            }
            None => false,
        }
    }

    /// Marks the feeds of every story claiming `id`: when a claimant comes
    /// or goes, another may win the id, and its feeds change too.
    pub(super) fn mark_claimants(&self, config: &Config, dirty: &mut Dirty, id: &str) {
        if dirty.all {
            return;
        }
        for entry in self.index.claimants(id) {
            dirty.mark(config, &self.index, &entry.story);
        }
    }

    /// Takes in what reading one path gave. A good story goes into the
    /// index, or into `bulk` when one is given (a new index being built);
    /// the feeds it was and is in are marked. A rejected one keeps its
    /// last good version: the one indexed, or else `last_good` (from the
    /// story cache: it broke while feedsmith was stopped).
    pub(super) fn apply(
        &mut self,
        intake: &mut Intake<'_>,
        path: &Path,
        result: Result<Known, StoryError>,
        last_good: Option<Record>,
        bulk: Option<&mut Bulk>,
    ) -> Applied {
        let config = intake.config;
        match result {
            Ok(known) => self.take_in(intake, path, known, true, bulk),
            Err(_)
                if std::fs::symlink_metadata(config.articles_dir.join(path)).is_err_and(|e| load::is_not_found(&e)) =>
            {
                // Deleted between listing and reading: simply gone.
                self.failing.remove(path);
                if self.forget(config, intake.dirty, path) {
                    intake.report.changed.push(path.to_owned());
                }
                Applied::Gone
            }
            Err(error) => {
                if error.transient {
                    self.unread.insert(path.to_owned());
                }
                let restored = match last_good {
                    Some(record) if self.index.get(path).is_none() => {
                        self.restore(intake, path, record, bulk);
                        true
                    }
                    _ => false,
                };
                // Said once while it fails, not at every retry of the read.
                let newly_failing = !self.failing.contains_key(path);
                if newly_failing && (restored || self.index.get(path).is_some()) {
                    tracing::warn!("{}: keeping its last good version in the feeds", path.display());
                }
                self.failing.insert(path.to_owned(), error.clone());
                intake.report.errors.push(error);
                if restored {
                    Applied::Restored
                } else {
                    Applied::Rejected
                }
            }
        }
    }

    /// Indexes a story's version from the story cache without reporting
    /// its warnings again: its file cannot be read or parsed now.
    pub(super) fn restore(&mut self, intake: &mut Intake<'_>, path: &Path, record: Record, bulk: Option<&mut Bulk>) {
        let Record { seen, story, warnings, .. } = record;
        let known = Known { parsed: article::Parsed { story, warnings }, seen: Some(seen), cached: true };
        self.take_in(intake, path, known, false, bulk);
    }

    /// Indexes a good story (its warnings reported when `report_warnings`).
    fn take_in(
        &mut self,
        intake: &mut Intake<'_>,
        path: &Path,
        known: Known,
        report_warnings: bool,
        bulk: Option<&mut Bulk>,
    ) -> Applied {
        let Intake { config, dirty, report, now } = intake;
        let (config, now) = (*config, *now);
        let Known { parsed, seen, cached } = known;
        let mut story = parsed.story;
        let mut warnings = parsed.warnings;
        warnings.extend(cap_terms(&mut story, config.max_terms, &config.articles_dir));
        if report_warnings {
            report.warnings.extend(warnings.iter().cloned());
        }
        if story.image.is_some() || !story.attachments.is_empty() || !story.refs.is_empty() {
            let (dir, url) = (&config.articles_dir, &config.feeds_url);
            let index = &self.index;
            let link_of = |path: &Path| public_link(index, path, now);
            report.warnings.extend(load::resolve_media(dir, &mut story, url, config.max_media_bytes, &link_of));
        }
        // (Each map is looked at only when it holds something: a restart
        // takes 100,000 stories in here one after the other.)
        let e = &story.enclosures;
        let mut sources: Vec<PathBuf> =
            e.image.as_deref().into_iter().chain(&e.attachments).filter_map(|m| m.source.clone()).collect();
        sources.extend(e.inline.iter().filter_map(|i| i.source.clone()));
        if e.inline.iter().any(|i| i.source.is_none()) {
            self.linking.insert(path.to_owned());
        } else if !self.linking.is_empty() {
            self.linking.remove(path);
        }
        if !sources.is_empty() {
            self.media.insert(path.to_owned(), sources);
        } else if !self.media.is_empty() {
            self.media.remove(path);
        }
        self.media_refs.set(path, load::local_media_refs(&story));
        if !warnings.is_empty() {
            self.warned.insert(path.to_owned(), warnings);
        } else if !self.warned.is_empty() {
            self.warned.remove(path);
        }
        self.cache_dirty |= !cached;
        let restored = self.failing.remove(path).is_some();
        self.unread.remove(path);
        if !self.index.is_empty() && self.index.get(path).is_some_and(|e| e.story == story) {
            self.index.set_seen(path, seen);
            if restored {
                // Its feeds may hold a stand-in for its body from
                // while it was broken: render them again.
                dirty.mark(config, &self.index, &story);
                report.changed.push(path.to_owned());
                return Applied::Changed;
            }
            return Applied::Unchanged;
        }
        let changed = self.state.observe(&story.id, story.hash, now);
        self.state_dirty = true;
        dirty.mark(config, &self.index, &story);
        let id = story.id.clone();
        match bulk {
            Some(bulk) => bulk.add(Box::new(Entry { story, changed, seen })),
            None => {
                if let Some(old) = self.index.insert(Entry { story, changed, seen }) {
                    dirty.mark(config, &self.index, &old.story);
                    if old.story.id != id {
                        self.mark_claimants(config, dirty, &old.story.id);
                    }
                }
                self.mark_claimants(config, dirty, &id);
            }
        }
        report.changed.push(path.to_owned());
        Applied::Changed
    }

    /// Looks up again the links of the stories other stories' bodies link
    /// to (a story taken in before the one it links, or whose link
    /// changed): a story whose links changed is updated and its feeds
    /// marked.
    pub(super) fn relink(&mut self, config: &Config, dirty: &mut Dirty, now: DateTime<Utc>) {
        for path in &self.linking {
            let Some(entry) = self.index.get(path) else { continue };
            let mut inline = entry.story.enclosures.inline.clone();
            let mut changed = false;
            for i in inline.iter_mut().filter(|i| i.source.is_none()) {
                let url = public_link(&self.index, &i.target, now).unwrap_or_default();
                if i.url != url {
                    i.url = url;
                    changed = true;
                }
            }
            if changed && self.index.set_inline(path, inline) {
                if let Some(entry) = self.index.get(path) {
                    dirty.mark(config, &self.index, &entry.story);
                }
                self.cache_dirty = true;
            }
        }
    }

    /// Records whether the story file `path` is a symlink, and to what.
    pub(super) fn note_link(&mut self, path: &Path, target: Option<PathBuf>) {
        self.links.set(path, target.into_iter().collect());
    }

    /// The story files that are symlinks to `target`.
    pub(super) fn links_to(&self, target: &Path) -> Vec<PathBuf> {
        self.links.dependents(target)
    }

    /// The stories that name `media` (relative to the articles folder).
    pub(super) fn media_users(&self, media: &Path) -> Vec<PathBuf> {
        self.media_refs.dependents(media)
    }

    /// The files at or under `prefix` that stories name.
    pub(super) fn media_named_under(&self, prefix: &Path) -> Vec<PathBuf> {
        self.media_refs.files_under(prefix)
    }

    /// The media of the stories published at `now`: what `media/` holds.
    pub(super) fn published_media(&self, now: DateTime<Utc>) -> BTreeSet<PathBuf> {
        self.media
            .iter()
            .filter(|(story, _)| {
                self.index
                    .get(story)
                    .is_some_and(|e| !e.story.draft && e.story.date <= now && self.index.is_winner(&e.story, now))
            })
            .flat_map(|(_, sources)| sources.iter().cloned())
            .collect()
    }

    /// Every id claimed by more than one story, as an error on the loser.
    pub(super) fn report_duplicates(&self, articles_dir: &Path, now: DateTime<Utc>, report: &mut Report) {
        for (loser, winner) in self.index.duplicates(now) {
            let id = self.index.get(loser).map(|e| e.story.id.clone()).unwrap_or_default();
            report.errors.push(StoryError {
                between_files: true,
                ..StoryError::new(
                    articles_dir.join(loser),
                    format!(
                        "id {id:?} is also used by {}, which is published instead",
                        articles_dir.join(winner).display()
                    ),
                    "give one of them its own `slug` or `id`",
                )
            });
        }
    }

    /// Marks the state as changed (feed digests were set).
    pub(super) fn state_changed(&mut self) {
        self.state_dirty = true;
    }

    /// Whether the state changed and was last written a while ago (or never).
    pub(super) fn state_save_due(&self) -> bool {
        self.state_dirty && self.state_saved.is_none_or(|t| t.elapsed() >= STATE_SAVE_INTERVAL)
    }

    /// Writes the state file now, unless nothing changed since it was last written.
    pub(super) fn save_state(&mut self, path: &Path) {
        if !self.state_dirty && self.state_saved.is_some() {
            return;
        }
        self.write_state(path, self.state.to_json());
    }

    /// Marks the story cache as changed (bodies were rendered).
    pub(super) fn cache_changed(&mut self) {
        self.cache_dirty = true;
    }

    /// Whether the story cache changed and was last written a while ago (or never).
    pub(super) fn cache_save_due(&self) -> bool {
        self.cache_dirty && self.cache_saved.is_none_or(|t| t.elapsed() >= CACHE_SAVE_INTERVAL)
    }

    /// Writes the story cache beside the state file: every indexed story
    /// read from a file of its own (a symlinked story is read each time),
    /// with the identity of that file, its warnings and, where `body`
    /// has it, its content HTML. Unless it holds all that already.
    pub(super) fn save_cache(&mut self, config: &Config, body: impl Fn(&Path, u64) -> Option<Arc<str>> + Sync) {
        if !self.cache_dirty {
            return;
        }
        let started = Instant::now();
        fn with_seen(e: &Entry) -> Option<(&Entry, Seen)> {
            e.seen.map(|seen| (e, seen))
        }
        let entries: Vec<(&Entry, Seen)> = match &self.listed {
            Some(paths) => paths.iter().filter_map(|p| self.index.get(p).and_then(with_seen)).collect(),
            None => {
                let mut entries: Vec<(&Entry, Seen)> = self.index.entries().filter_map(with_seen).collect();
                entries.par_sort_unstable_by(|(a, _), (b, _)| load::path_order(&a.story.path, &b.story.path));
                entries
            }
        };
        let no_warnings: &[StoryError] = &[];
        let path = cache::path_for(&config.state_file);
        let written = crate::publish::replace_unsynced(&path, |out| {
            cache::write(out, cache::fingerprint(config), &entries, |(entry, seen)| {
                let story = &entry.story;
                let warnings = match self.warned.is_empty() {
                    true => no_warnings,
                    false => self.warned.get(&story.path).map_or(no_warnings, Vec::as_slice),
                };
                let key = story.body_key();
                RecordRef { seen: *seen, story, warnings, body: body(&story.path, key).map(|html| (key, html)) }
            })
        });
        drop(entries);
        self.cache_saved = Some(Instant::now());
        self.cache_dirty = false;
        match written {
            Ok(()) => tracing::debug!("saved the story cache in {} ms", started.elapsed().as_millis()),
            Err(e) => tracing::warn!(
                "{}: cannot save the story cache ({e}); the next start may read stories again",
                path.display()
            ),
        }
    }

    pub(super) fn write_state(&mut self, path: &Path, json: String) {
        self.state_saved = Some(Instant::now());
        self.state_dirty = false;
        if self.state.keep_file {
            return;
        }
        if let Err(e) = write_if_changed(path, json.as_bytes()) {
            tracing::warn!(
                "{}: cannot save state ({e}); `updated` times of edits may be lost on restart",
                path.display()
            );
        }
    }
}

/// Where taking in stories reports to: the configuration they are read
/// with, the feeds they mark, the report they add to, the moment it is.
pub(super) struct Intake<'a> {
    pub(super) config: &'a Config,
    pub(super) dirty: &'a mut Dirty,
    pub(super) report: &'a mut Report,
    pub(super) now: DateTime<Utc>,
}

/// Keeps at most `max` tags, categories and authors on a story: terms
/// multiply the output (a story is written into each of its terms' feeds,
/// listing all its terms each time), so one story with thousands of tags
/// must not fill the disk. Returns a warning for each list cut.
fn cap_terms(story: &mut article::Story, max: usize, articles_dir: &Path) -> Vec<StoryError> {
    let mut warnings = Vec::new();
    let lists = [
        (Taxonomy::Tags, &mut story.tags),
        (Taxonomy::Categories, &mut story.categories),
        (Taxonomy::Authors, &mut story.authors),
    ];
    for (taxonomy, list) in lists {
        let name = taxonomy.name();
        if list.len() > max {
            warnings.push(StoryError::new(
                articles_dir.join(&story.path),
                format!("{} {name}: only the first {max} are published", list.len()),
                "use fewer, or raise `max_terms` in feedsmith.toml",
            ));
            list.truncate(max);
        }
    }
    // Each attachment is repeated in every format of every feed too.
    if story.attachments.len() > max {
        warnings.push(StoryError::new(
            articles_dir.join(&story.path),
            format!("{} attachments: only the first {max} are published", story.attachments.len()),
            "use fewer, or raise `max_terms` in feedsmith.toml",
        ));
        story.attachments.truncate(max);
    }
    warnings
}

/// The link of the story at `path` if it is published at `now`: a link to
/// a draft or a story scheduled for later would give away its slug before
/// it is out.
fn public_link(index: &Index, path: &Path, now: DateTime<Utc>) -> Option<String> {
    let entry = index.get(path)?;
    (!entry.story.draft && entry.story.date <= now).then(|| entry.story.link.clone())
}

/// Files that story files depend on besides their own text (media they
/// name, the file a symlinked story points at), kept both ways so that a
/// change to a file finds its stories without a walk over all of them.
#[derive(Debug, Default)]
pub(super) struct DependsOn {
    of: HashMap<PathBuf, Vec<PathBuf>>,
    on: HashMap<PathBuf, BTreeSet<PathBuf>>,
}

impl DependsOn {
    /// `story` depends on `files` now (on nothing when empty).
    pub(super) fn set(&mut self, story: &Path, files: Vec<PathBuf>) {
        if !self.of.is_empty() {
            self.remove(story);
        }
        if files.is_empty() {
            return;
        }
        for file in &files {
            self.on.entry(file.clone()).or_default().insert(story.to_owned());
        }
        self.of.insert(story.to_owned(), files);
    }

    pub(super) fn remove(&mut self, story: &Path) {
        for file in self.of.remove(story).unwrap_or_default() {
            if let Some(stories) = self.on.get_mut(&file) {
                stories.remove(story);
                if stories.is_empty() {
                    self.on.remove(&file);
                }
            }
        }
    }

    /// The stories that depend on `file`.
    pub(super) fn dependents(&self, file: &Path) -> Vec<PathBuf> {
        self.on.get(file).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// The files at or under `prefix` that stories depend on.
    pub(super) fn files_under(&self, prefix: &Path) -> Vec<PathBuf> {
        match self.on.contains_key(prefix) {
            true => vec![prefix.to_owned()],
            false => self.on.keys().filter(|f| f.starts_with(prefix)).cloned().collect(),
        }
    }

    pub(super) fn clear(&mut self) {
        *self = DependsOn::default();
    }
}

/// What taking in one path did to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// A new or changed story is in the index.
    Changed,
    /// The same story as before.
    Unchanged,
    /// The file vanished before it was read.
    Gone,
    /// The file is rejected; its last good version (if any) stays.
    Rejected,
    /// The file is rejected; its last good version came from the story cache.
    Restored,
}

/// How much of the articles folder the last full scan read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scanned {
    /// Story files listed.
    pub(crate) files: usize,
    /// Of these, the files not read: unchanged since the story cache was saved.
    pub(crate) unread: usize,
}

/// The sets the index keeps: those the configured feeds are made from.
pub(super) fn index_sets(config: &Config) -> Sets {
    Sets { taxonomies: config.taxonomy_feeds.clone(), months: config.archives }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One story with thousands of tags made the output grow with the
    /// square of their number (each term feed listing every term).
    #[test]
    fn terms_per_story_are_capped_with_a_warning_per_list() {
        let text = format!(
            "+++\ntitle = \"t\"\ndate = 2024-01-01\ntags = [{}]\ncategories = [\"a\", \"b\"]\n+++\nbody\n",
            (0..1000).map(|i| format!("\"t{i}\"")).collect::<Vec<_>>().join(", ")
        );
        let base = url::Url::parse("https://x.example/").expect("url");
        let source = article::Source {
            rel_path: Path::new("a.md"),
            shown_path: Path::new("articles/a.md"),
            text: &text,
            modified: None,
        };
        let site = article::Site { base_url: &base, timezone: chrono_tz::UTC, link_pattern: None };
        let mut story = article::parse(source, site).expect("story").story;
        let warnings = cap_terms(&mut story, 50, Path::new("articles"));
        assert_eq!(story.tags.len(), 50);
        assert_eq!(story.tags[49], "t49", "the first ones are kept, in order");
        assert_eq!(story.categories, ["a", "b"]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].to_string().contains("1000 tags: only the first 50"), "{}", warnings[0]);
    }
}
