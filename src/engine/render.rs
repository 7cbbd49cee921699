//! Rendering the planned feeds into files, with a bounded cache of
//! rendered story bodies: the main feeds first, the others a few at a
//! time on every core.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::plan::{FeedKey, Plan};
use super::{Engine, FEED_FILES};
use crate::article::{self, text::escape, Site, Story};
use crate::error::FatalError;
use crate::feed::index_page::{index_html, Listed};
use crate::feed::{self, Feed, Selected};
use crate::index::Month;
use crate::load;
use crate::publish::Batch;

/// Rendered bodies kept between renders, at most about this many bytes
/// (beyond it, only the main feed's and malformed stories' are kept).
const BODY_CACHE_BYTES: usize = 32 << 20;

/// Feeds rendered side by side after the main ones.
const RENDER_GROUP: usize = 8;

/// A body rendered during a render, to keep: path, text hash, HTML.
type NewBody = (PathBuf, u64, Arc<str>);

/// One feed's files (relative path, text) and the bodies it rendered.
type RenderedFeed = (Vec<(PathBuf, String)>, Vec<NewBody>);

/// A feed to render: its key, plan, files and the digest of its inputs.
type Planned<'a> = (FeedKey, Plan<'a>, Vec<PathBuf>, u64);

/// The main feed's page for people, beside its feed files.
const INDEX_PAGE: &str = "index.html";

/// A feed's three files, relative to the output folder.
fn feed_files(key: &FeedKey) -> Vec<PathBuf> {
    FEED_FILES.iter().map(|f| key.folder().join(f)).collect()
}

/// A feed's three files (as [`feed_files`] names them), serialized side by side.
fn serialize(files: &[PathBuf], model: &Feed) -> Vec<(PathBuf, String)> {
    let (rss, (atom, json)) = rayon::join(
        || feed::rss::to_rss(model),
        || rayon::join(|| feed::atom::to_atom(model), || feed::json_feed::to_json_feed(model)),
    );
    files.iter().cloned().zip([rss, atom, json]).collect()
}

/// A feed's model with summaries only, as the index page needs it.
fn without_bodies(plan: &Plan<'_>) -> Feed {
    let selected: Vec<Selected<'_>> =
        plan.entries.iter().map(|e| Selected { story: &e.story, updated: e.updated(), content_html: None }).collect();
    feed::build(&plan.head, &selected)
}

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
pub(super) struct BodyCache {
    map: HashMap<PathBuf, (u64, Arc<str>)>,
    bytes: usize,
}

impl BodyCache {
    /// The body kept for `path`, whatever text it was made from.
    pub(super) fn latest(&self, path: &Path) -> Option<(u64, Arc<str>)> {
        self.map.get(path).cloned()
    }

    pub(super) fn get(&self, path: &Path, hash: u64) -> Option<Arc<str>> {
        self.map.get(path).filter(|(h, _)| *h == hash).map(|(_, html)| html.clone())
    }

    pub(super) fn insert(&mut self, path: PathBuf, hash: u64, html: Arc<str>) {
        self.bytes += html.len();
        if let Some((_, old)) = self.map.insert(path, (hash, html)) {
            self.bytes -= old.len();
        }
    }

    pub(super) fn remove(&mut self, path: &Path) {
        if let Some((_, old)) = self.map.remove(path) {
            self.bytes -= old.len();
        }
    }

    pub(super) fn extend(&mut self, bodies: Vec<NewBody>) {
        for (path, hash, html) in bodies {
            self.insert(path, hash, html);
        }
    }

    pub(super) fn merge(&mut self, other: BodyCache) {
        for (path, (hash, html)) in other.map {
            self.insert(path, hash, html);
        }
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&Path) -> bool) {
        self.map.retain(|p, _| keep(p));
        self.bytes = self.map.values().map(|(_, html)| html.len()).sum();
    }
}

impl Engine {
    /// Renders the feeds marked since the last render whose inputs changed
    /// (all of them the first time) into `batch`, which writes as it fills,
    /// so memory holds a few feeds at a time. The main feeds are planned,
    /// rendered and written before anything else is even planned:
    /// subscribers see a change before the index page, the term and the
    /// archive feeds are done. Returns every file that should exist now.
    pub(super) fn render(&mut self, now: DateTime<Utc>, batch: &mut Batch) -> Result<BTreeSet<PathBuf>, FatalError> {
        let dirty = std::mem::take(&mut self.dirty);
        let months = self.archive_months(now);
        let main_plan = self.plan(&FeedKey::Main, now, &months);
        let main_paths: HashSet<PathBuf> =
            main_plan.iter().flat_map(|p| &p.entries).map(|e| e.story.path.clone()).collect();
        let mut fresh = BodyCache::default();
        let mut digests = Vec::new();

        let main_dirty = dirty.all || dirty.feeds.contains(&FeedKey::Main);
        let mut main_model = None;
        if let Some(plan) = main_plan.as_ref().filter(|_| main_dirty) {
            if let Some((model, digest)) = self.render_main(plan, &main_paths, &mut fresh, batch)? {
                main_model = Some(model);
                digests.push((FeedKey::Main, digest));
            }
        }
        let all_keys = self.feed_keys(now);
        let listed = self.listed(&all_keys);
        if let Some(plan) = &main_plan {
            self.render_index_page(plan, main_model, &listed, batch)?;
        }

        let mut expected = if dirty.all { BTreeSet::new() } else { self.written.clone() };
        expected.insert(PathBuf::from(INDEX_PAGE));
        expected.extend(feed_files(&FeedKey::Main));
        let keys: Vec<FeedKey> = if dirty.all { all_keys.clone() } else { dirty.feeds.into_iter().collect() };
        let (todo, gone) = self.plan_others(keys, now, &months, &mut expected);
        digests.extend(self.render_others(todo, &main_paths, &mut fresh, batch)?);
        drop(main_plan);

        for key in gone {
            self.digests.remove(&key);
        }
        self.digests.extend(digests);
        self.rendered.merge(fresh);
        self.trim_bodies(dirty.all, &all_keys, now, &months, main_paths);
        self.listed = listed;
        Ok(expected)
    }

    /// The main feeds, rendered (the three formats side by side) and on
    /// disk at once, unless they were made from these inputs already;
    /// returns their model and the digest of their inputs.
    fn render_main(
        &self,
        plan: &Plan<'_>,
        main_paths: &HashSet<PathBuf>,
        fresh: &mut BodyCache,
        batch: &mut Batch,
    ) -> Result<Option<(Feed, u64)>, FatalError> {
        let (digest, files) = (plan.digest(), feed_files(&FeedKey::Main));
        if self.is_current(&FeedKey::Main, digest, &files) {
            return Ok(None);
        }
        let (model, bodies) = self.model(plan, fresh, main_paths);
        self.push_files(batch, serialize(&files, &model))?;
        batch.write_now().map_err(|e| self.output_error(e))?;
        fresh.extend(bodies);
        Ok(Some((model, digest)))
    }

    /// `index.html`, when the main feed or the list of feeds changed (or it
    /// is missing). It shows no bodies: none is rendered just for it.
    fn render_index_page(
        &self,
        main: &Plan<'_>,
        main_model: Option<Feed>,
        listed: &[Listed],
        batch: &mut Batch,
    ) -> Result<(), FatalError> {
        let path = self.config.output_dir.join(INDEX_PAGE);
        if main_model.is_none() && listed == self.listed && path.is_file() {
            return Ok(());
        }
        let model = main_model.unwrap_or_else(|| without_bodies(main));
        batch.push(path, index_html(&model, listed)).map_err(|e| self.output_error(e))
    }

    /// Plans the marked feeds other than the main one (cheap), keeping those
    /// whose inputs changed; `expected` gains the files of every feed that
    /// exists and loses those of feeds that are gone (returned too).
    fn plan_others(
        &self,
        keys: Vec<FeedKey>,
        now: DateTime<Utc>,
        months: &[Month],
        expected: &mut BTreeSet<PathBuf>,
    ) -> (Vec<Planned<'_>>, Vec<FeedKey>) {
        let mut todo = Vec::new();
        let mut gone = Vec::new();
        for key in keys.into_iter().filter(|k| *k != FeedKey::Main) {
            let files = feed_files(&key);
            let Some(plan) = self.plan(&key, now, months) else {
                for f in &files {
                    expected.remove(f);
                }
                gone.push(key);
                continue;
            };
            expected.extend(files.iter().cloned());
            let digest = plan.digest();
            if !self.is_current(&key, digest, &files) {
                todo.push((key, plan, files, digest));
            }
        }
        (todo, gone)
    }

    /// Renders planned feeds a few at a time on every core (so memory holds
    /// only those feeds); returns the digests of what was written.
    fn render_others(
        &self,
        todo: Vec<Planned<'_>>,
        main_paths: &HashSet<PathBuf>,
        fresh: &mut BodyCache,
        batch: &mut Batch,
    ) -> Result<Vec<(FeedKey, u64)>, FatalError> {
        let mut digests = Vec::new();
        for group in chunks(todo, RENDER_GROUP) {
            if self.cancelled() {
                return Err(FatalError::Cancelled);
            }
            let outputs: Vec<RenderedFeed> = group
                .par_iter()
                .map(|(_, plan, files, _)| {
                    let (model, bodies) = self.model(plan, fresh, main_paths);
                    (serialize(files, &model), bodies)
                })
                .collect();
            for (files, bodies) in outputs {
                self.push_files(batch, files)?;
                fresh.extend(bodies);
            }
            digests.extend(group.into_iter().map(|(key, _, _, digest)| (key, digest)));
        }
        Ok(digests)
    }

    /// Memory stays flat: beyond the budget only the main feed's bodies and
    /// those of malformed stories (their last good version) are kept.
    fn trim_bodies(
        &mut self,
        everything: bool,
        all_keys: &[FeedKey],
        now: DateTime<Utc>,
        months: &[Month],
        main_paths: HashSet<PathBuf>,
    ) {
        if !everything && self.rendered.bytes <= BODY_CACHE_BYTES {
            return;
        }
        let keep_all = self.rendered.bytes <= BODY_CACHE_BYTES;
        let in_feeds: HashSet<PathBuf> = if keep_all {
            all_keys
                .iter()
                .filter_map(|k| self.plan(k, now, months))
                .filter(|p| p.full_content)
                .flat_map(|p| p.entries.into_iter().map(|e| e.story.path.clone()))
                .collect()
        } else {
            main_paths
        };
        let failing = &self.failing;
        self.rendered.retain(|p| in_feeds.contains(p) || failing.contains_key(p));
    }

    /// Renders into the cache the main feed's bodies it does not hold (a
    /// restart renders none): a story of the main feed that breaks later
    /// keeps its full content, its last good version, and the first edit
    /// does not wait for 50 bodies. Writes nothing.
    pub fn warm_main_bodies(&mut self, now: DateTime<Utc>) {
        let missing: Vec<&Story> = self
            .index
            .published(now)
            .take(self.config.limit)
            .map(|e| &e.story)
            .filter(|s| self.rendered.get(&s.path, s.hash).is_none())
            .collect();
        let bodies: Vec<NewBody> = missing.par_iter().map(|s| (s.path.clone(), s.hash, self.render_body(s))).collect();
        self.rendered.extend(bodies);
    }

    /// Hands rendered files (paths relative to the output folder) to the batch.
    fn push_files(&self, batch: &mut Batch, files: Vec<(PathBuf, String)>) -> Result<(), FatalError> {
        for (rel, text) in files {
            batch.push(self.config.output_dir.join(rel), text).map_err(|e| self.output_error(e))?;
        }
        Ok(())
    }

    pub(super) fn output_error(&self, source: std::io::Error) -> FatalError {
        FatalError::Io { path: self.config.output_dir.clone(), source }
    }

    /// Whether a feed's files are on disk and were made from these inputs.
    fn is_current(&self, key: &FeedKey, digest: u64, files: &[PathBuf]) -> bool {
        self.digests.get(key) == Some(&digest) && files.iter().all(|f| self.config.output_dir.join(f).is_file())
    }

    /// One feed's model, with the bodies it had to render that are worth keeping.
    fn model(&self, plan: &Plan<'_>, fresh: &BodyCache, main_paths: &HashSet<PathBuf>) -> (Feed, Vec<NewBody>) {
        // Bodies on every core: a cold start renders the main feed's 50 at once.
        let contents: Vec<Option<(Arc<str>, Option<NewBody>)>> = plan
            .entries
            .par_iter()
            .map(|e| plan.full_content.then(|| self.content(&e.story, fresh, main_paths.contains(&e.story.path))))
            .collect();
        let mut bodies = Vec::new();
        let selected: Vec<Selected<'_>> = plan
            .entries
            .iter()
            .zip(contents)
            .map(|(e, content)| Selected {
                story: &e.story,
                updated: e.updated(),
                content_html: content.map(|(html, new)| {
                    bodies.extend(new);
                    html
                }),
            })
            .collect();
        (feed::build(&plan.head, &selected), bodies)
    }

    /// A story's content HTML, rendered once per version of its text while
    /// the cache has room (always for the main feed's stories); a newly
    /// rendered body worth keeping is returned beside it.
    fn content(&self, story: &Story, fresh: &BodyCache, keep: bool) -> (Arc<str>, Option<NewBody>) {
        if let Some(html) = fresh.get(&story.path, story.hash).or_else(|| self.rendered.get(&story.path, story.hash)) {
            return (html, None);
        }
        self.bodies_rendered.fetch_add(1, Ordering::Relaxed);
        let html = self.render_body(story);
        let worth_keeping = keep || fresh.bytes + self.rendered.bytes < BODY_CACHE_BYTES;
        let new = worth_keeping.then(|| (story.path.clone(), story.hash, html.clone()));
        (html, new)
    }

    /// Reads a story's file again and renders its content HTML.
    fn render_body(&self, story: &Story) -> Arc<str> {
        let site = Site { base_url: &self.config.base_url, timezone: self.config.timezone };
        match load::read_story(&self.config.articles_dir, &story.path, self.limits(), site) {
            Ok(file) => article::content_html(story, &file.text).into(),
            Err(e) => {
                // The file went bad after it was indexed: publish what is known.
                tracing::warn!("{e}: publishing its summary as content until it is fixed");
                format!("<p>{}</p>", escape(&story.summary)).into()
            }
        }
    }
}
