//! The output side of the engine: what was rendered and written
//! ([`Output`]: the body cache, the digest each feed was made from, the
//! feeds marked dirty, the files written and the feeds listed), and the
//! [`Renderer`] that turns planned feeds into files — the main feeds first,
//! the others a few at a time on every core.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use super::plan::{Dirty, Plan, PlannedFeed, Planner};
use super::stories::Stories;
use crate::article::{self, text::escape, Story};
use crate::cache::Stamp;
use crate::config::Config;
use crate::error::FatalError;
use crate::feed::index_page::{index_html, Listed};
use crate::feed::stylesheet;
use crate::feed::{self, Feed, Selected};
use crate::layout::{self, FeedKey, INDEX_PAGE};
use crate::load::{self, Limits};
use crate::publish::{self, Batch};

/// Rendered bodies kept between renders, at most about this many bytes
/// (beyond it, only the main feed's and malformed stories' are kept).
const BODY_CACHE_BYTES: usize = 32 << 20;

/// Feeds rendered side by side after the main ones.
const RENDER_GROUP: usize = 8;

/// What the engine rendered and wrote, kept between publishes.
#[derive(Debug, Default)]
pub(super) struct Output {
    /// Rendered content of stories in feeds, with the text hash it was made from.
    pub(super) rendered: BodyCache,
    /// What each feed was last rendered from, to skip unchanged feeds.
    pub(super) digests: HashMap<FeedKey, u64>,
    /// Feeds that changes since the last render may have affected.
    pub(super) dirty: Dirty,
    /// Feed files written by the last publish, relative to the output folder.
    pub(super) written: BTreeSet<PathBuf>,
    /// The feeds the index page listed last time.
    pub(super) listed: Vec<Listed>,
    /// Story bodies rendered since the last publish began.
    pub(super) bodies_rendered: AtomicUsize,
    /// The media published in `media/`.
    pub(super) media: Media,
    /// Why the site icon could not be published last time (said once).
    pub(super) icon_problem: Option<String>,
    /// The identity of the icon file last copied.
    pub(super) icon_copied: Option<Stamp>,
}

/// What is published in `media/`: each file with the identity of the
/// source it was copied from, and (after the first publish) the whole set.
#[derive(Debug, Default)]
pub(super) struct Media {
    pub(super) copied: HashMap<PathBuf, Stamp>,
    /// `None` before the first publish: the folder is then read to find
    /// what an earlier run published.
    pub(super) published: Option<BTreeSet<PathBuf>>,
}

impl Output {
    /// Nothing rendered yet; the digests the state file remembers, so a
    /// restart does not rewrite feeds made from the same inputs.
    pub(super) fn new(digests: HashMap<FeedKey, u64>) -> Output {
        Output { digests, dirty: Dirty::everything(), ..Output::default() }
    }

    /// After a failed write: forget what the feeds were made from, so the
    /// next publish writes them all.
    pub(super) fn forget_written(&mut self) {
        self.digests.clear();
        self.listed.clear();
        self.dirty = Dirty::everything();
    }
}

/// A feed file to write: its path relative to the output folder and its text.
struct FeedFile {
    rel: PathBuf,
    text: String,
}

/// A body rendered during a render, worth keeping in the cache.
struct NewBody {
    path: PathBuf,
    hash: u64,
    html: Arc<str>,
}

/// One feed's files and the bodies rendered for it.
struct RenderedFeed {
    files: Vec<FeedFile>,
    bodies: Vec<NewBody>,
    /// Every body in it was made from its story's indexed text.
    exact: bool,
}

/// A feed's model, the bodies rendered for it that are worth keeping, and
/// whether every body was made from its story's indexed text (not a
/// stand-in for a story that broke since).
struct Made {
    feed: Feed,
    bodies: Vec<NewBody>,
    exact: bool,
}

/// A story's content HTML, the body worth keeping if it was rendered now,
/// and whether it was made from the story's indexed text.
struct Content {
    html: Arc<str>,
    new: Option<NewBody>,
    exact: bool,
}

/// A feed's three files (as [`FeedKey::files`] names them), serialized side by side.
fn serialize(files: &[PathBuf], model: &Feed) -> Vec<FeedFile> {
    let (rss, (atom, json)) = rayon::join(
        || feed::rss::to_rss(model),
        || rayon::join(|| feed::atom::to_atom(model), || feed::json_feed::to_json_feed(model)),
    );
    files.iter().cloned().zip([rss, atom, json]).map(|(rel, text)| FeedFile { rel, text }).collect()
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

/// Rendered content HTML by story path, with the key of the story version
/// it came from ([`Story::body_key`]: text and link).
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

    fn extend(&mut self, bodies: Vec<NewBody>) {
        for body in bodies {
            self.insert(body.path, body.hash, body.html);
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

/// Renders the planned feeds of one publish into a [`Batch`].
pub(super) struct Renderer<'a> {
    pub(super) config: &'a Config,
    pub(super) stories: &'a Stories,
    pub(super) output: &'a mut Output,
    pub(super) cancel: &'a AtomicBool,
}

impl Renderer<'_> {
    /// Renders the feeds marked since the last render whose inputs changed
    /// (all of them the first time) into `batch`, which writes as it fills,
    /// so memory holds a few feeds at a time. The main feeds are planned,
    /// rendered and written before anything else is even planned:
    /// subscribers see a change before the index page, the term and the
    /// archive feeds are done. Returns every file that should exist now.
    pub(super) fn render(&mut self, planner: &Planner<'_>, batch: &mut Batch) -> Result<BTreeSet<PathBuf>, FatalError> {
        let dirty = std::mem::take(&mut self.output.dirty);
        let main_plan = planner.plan(&FeedKey::Main);
        let main_paths: HashSet<PathBuf> =
            main_plan.iter().flat_map(|p| &p.entries).map(|e| e.story.path.clone()).collect();
        let mut fresh = BodyCache::default();
        let mut digests = Vec::new();

        let mut main_model = None;
        if let Some(plan) = main_plan.as_ref().filter(|_| dirty.contains(&FeedKey::Main)) {
            if let Some((model, digest)) = self.render_main(plan, &main_paths, &mut fresh, batch)? {
                main_model = Some(model);
                digests.extend(digest.map(|d| (FeedKey::Main, d)));
            }
        }
        let all_keys = planner.keys();
        let listed = planner.listed(&all_keys);
        if let Some(plan) = &main_plan {
            self.render_index_page(plan, main_model, &listed, batch)?;
        }

        let mut expected = if dirty.all { BTreeSet::new() } else { self.output.written.clone() };
        expected.insert(PathBuf::from(INDEX_PAGE));
        expected.extend(FeedKey::Main.files());
        if self.config.feed_stylesheet {
            expected.insert(PathBuf::from(stylesheet::FILE_NAME));
            self.render_stylesheet(dirty.all, batch)?;
        }
        if let Some((source, file)) = self.config.icon.as_deref().and_then(|s| layout::icon_file(s).map(|f| (s, f))) {
            self.publish_icon(source, &file);
            expected.insert(file);
        }
        let keys: Vec<FeedKey> = if dirty.all { all_keys.clone() } else { dirty.feeds.into_iter().collect() };
        let (todo, gone) = self.plan_others(planner, keys, &mut expected);
        digests.extend(self.render_others(todo, &main_paths, &mut fresh, batch)?);
        drop(main_plan);

        for key in gone {
            self.output.digests.remove(&key);
        }
        self.output.digests.extend(digests);
        self.output.rendered.merge(fresh);
        self.trim_bodies(dirty.all, planner, &all_keys, main_paths);
        self.output.listed = listed;
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
    ) -> Result<Option<(Feed, Option<u64>)>, FatalError> {
        let (digest, files) = (plan.digest(), FeedKey::Main.files());
        if self.is_current(&FeedKey::Main, digest, &files) {
            return Ok(None);
        }
        let made = self.model(plan, fresh, main_paths);
        self.push_files(batch, serialize(&files, &made.feed))?;
        batch.write_now().map_err(|e| output_error(self.config, e))?;
        fresh.extend(made.bodies);
        Ok(Some((made.feed, made.exact.then_some(digest))))
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
        if main_model.is_none() && listed == self.output.listed && path.is_file() {
            return Ok(());
        }
        let model = main_model.unwrap_or_else(|| without_bodies(main));
        batch.push(path, index_html(&model, listed)).map_err(|e| output_error(self.config, e))
    }

    /// `feed.xsl`, on a full render (the language may have changed) or
    /// when it is missing; the writer leaves it alone if its bytes are the
    /// same.
    fn render_stylesheet(&self, all: bool, batch: &mut Batch) -> Result<(), FatalError> {
        let path = self.config.output_dir.join(stylesheet::FILE_NAME);
        if !all && path.is_file() {
            return Ok(());
        }
        let text = stylesheet::stylesheet(self.config.language.as_deref());
        batch.push(path, text).map_err(|e| output_error(self.config, e))
    }

    /// Copies the site icon to `file` (at the top of the output folder)
    /// unless it holds the same bytes already. A failure keeps the copy
    /// there is and is logged once, until it changes or ends.
    fn publish_icon(&mut self, source: &Path, file: &Path) {
        let to = self.config.output_dir.join(file);
        if let Some(stamp) = publish::copied_already(source, &to, self.output.icon_copied.as_ref()) {
            self.output.icon_copied = Some(stamp);
            return;
        }
        let stamp = Stamp::of(source);
        // Checked again at every copy: the file may have grown since the
        // configuration was read (a 3 GiB icon blocked a rebuild for 15 s).
        let max = crate::config::MAX_ICON_BYTES;
        let result = std::fs::metadata(source)
            .and_then(|meta| match meta.len() <= max {
                true => std::fs::canonicalize(source),
                false => Err(std::io::Error::other(format!("it is {} bytes, more than {max}", meta.len()))),
            })
            .and_then(|source| publish::copy_atomically(&source, &to));
        match result {
            Ok(()) => {
                self.output.icon_problem = None;
                self.output.icon_copied = stamp;
            }
            Err(e) => {
                let problem = e.to_string();
                if self.output.icon_problem.as_ref() != Some(&problem) {
                    tracing::warn!(
                        "{}: cannot publish the site icon: {problem} — check the `icon` setting; the feeds are published without it changing",
                        source.display()
                    );
                    self.output.icon_problem = Some(problem);
                }
            }
        }
    }

    /// Plans the marked feeds other than the main one (cheap), keeping those
    /// whose inputs changed; `expected` gains the files of every feed that
    /// exists and loses those of feeds that are gone (returned too).
    fn plan_others<'p>(
        &self,
        planner: &Planner<'p>,
        keys: Vec<FeedKey>,
        expected: &mut BTreeSet<PathBuf>,
    ) -> (Vec<PlannedFeed<'p>>, Vec<FeedKey>) {
        let mut todo = Vec::new();
        let mut gone = Vec::new();
        for key in keys.into_iter().filter(|k| *k != FeedKey::Main) {
            let files = key.files();
            let Some(plan) = planner.plan(&key) else {
                for f in &files {
                    expected.remove(f);
                }
                gone.push(key);
                continue;
            };
            expected.extend(files.iter().cloned());
            let digest = plan.digest();
            if !self.is_current(&key, digest, &files) {
                todo.push(PlannedFeed { key, plan, files, digest });
            }
        }
        (todo, gone)
    }

    /// Renders planned feeds a few at a time on every core (so memory holds
    /// only those feeds); returns the digests of what was written.
    fn render_others(
        &self,
        todo: Vec<PlannedFeed<'_>>,
        main_paths: &HashSet<PathBuf>,
        fresh: &mut BodyCache,
        batch: &mut Batch,
    ) -> Result<Vec<(FeedKey, u64)>, FatalError> {
        let mut digests = Vec::new();
        for group in chunks(todo, RENDER_GROUP) {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(FatalError::Cancelled);
            }
            let outputs: Vec<RenderedFeed> = group
                .par_iter()
                .map(|planned| {
                    let made = self.model(&planned.plan, fresh, main_paths);
                    RenderedFeed {
                        files: serialize(&planned.files, &made.feed),
                        bodies: made.bodies,
                        exact: made.exact,
                    }
                })
                .collect();
            for (rendered, planned) in outputs.into_iter().zip(group) {
                self.push_files(batch, rendered.files)?;
                fresh.extend(rendered.bodies);
                // A feed holding a stand-in body is not known as made from
                // its inputs: it is rendered again when next planned.
                if rendered.exact {
                    digests.push((planned.key, planned.digest));
                }
            }
        }
        Ok(digests)
    }

    /// Memory stays flat: beyond the budget only the main feed's bodies and
    /// those of malformed stories (their last good version) are kept.
    fn trim_bodies(
        &mut self,
        everything: bool,
        planner: &Planner<'_>,
        all_keys: &[FeedKey],
        main_paths: HashSet<PathBuf>,
    ) {
        let bytes = self.output.rendered.bytes;
        if !everything && bytes <= BODY_CACHE_BYTES {
            return;
        }
        let in_feeds: HashSet<PathBuf> = if bytes <= BODY_CACHE_BYTES {
            all_keys
                .iter()
                .filter_map(|k| planner.plan(k))
                .filter(|p| p.full_content)
                .flat_map(|p| p.entries.into_iter().map(|e| e.story.path.clone()))
                .collect()
        } else {
            main_paths
        };
        let failing = &self.stories.failing;
        self.output.rendered.retain(|p| in_feeds.contains(p) || failing.contains_key(p));
    }

    /// Renders into the cache the main feed's bodies it does not hold (a
    /// restart renders none): a story of the main feed that breaks later
    /// keeps its full content, its last good version, and the first edit
    /// does not wait for 50 bodies. Writes nothing; returns how many it
    /// rendered.
    pub(super) fn warm_main_bodies(&mut self, planner: &Planner<'_>) -> usize {
        let Some(main) = planner.plan(&FeedKey::Main) else { return 0 };
        let missing: Vec<&Story> = main
            .entries
            .iter()
            .map(|e| &e.story)
            .filter(|s| self.output.rendered.get(&s.path, s.body_key()).is_none())
            .collect();
        let bodies: Vec<NewBody> = missing
            .par_iter()
            .filter_map(|s| {
                let (html, exact) = self.render_body(s);
                exact.then(|| NewBody { path: s.path.clone(), hash: s.body_key(), html })
            })
            .collect();
        let rendered = bodies.len();
        self.output.rendered.extend(bodies);
        rendered
    }

    /// Hands rendered files (paths relative to the output folder) to the batch.
    fn push_files(&self, batch: &mut Batch, files: Vec<FeedFile>) -> Result<(), FatalError> {
        for file in files {
            batch.push(self.config.output_dir.join(file.rel), file.text).map_err(|e| output_error(self.config, e))?;
        }
        Ok(())
    }

    /// Whether a feed's files are on disk and were made from these inputs.
    fn is_current(&self, key: &FeedKey, digest: u64, files: &[PathBuf]) -> bool {
        self.output.digests.get(key) == Some(&digest) && files.iter().all(|f| self.config.output_dir.join(f).is_file())
    }

    /// One feed's model, with the bodies it had to render that are worth keeping.
    fn model(&self, plan: &Plan<'_>, fresh: &BodyCache, main_paths: &HashSet<PathBuf>) -> Made {
        // Bodies on every core: a cold start renders the main feed's 50 at once.
        let contents: Vec<Option<Content>> = plan
            .entries
            .par_iter()
            .map(|e| plan.full_content.then(|| self.content(&e.story, fresh, main_paths.contains(&e.story.path))))
            .collect();
        let mut bodies = Vec::new();
        let mut exact = true;
        let selected: Vec<Selected<'_>> = plan
            .entries
            .iter()
            .zip(contents)
            .map(|(e, content)| Selected {
                story: &e.story,
                updated: e.updated(),
                content_html: content.map(|c| {
                    bodies.extend(c.new);
                    exact &= c.exact;
                    c.html
                }),
            })
            .collect();
        Made { feed: feed::build(&plan.head, &selected), bodies, exact }
    }

    /// A story's content HTML, rendered once per version of its text while
    /// the cache has room (always for the main feed's stories); a newly
    /// rendered body worth keeping is returned beside it.
    fn content(&self, story: &Story, fresh: &BodyCache, keep: bool) -> Content {
        let key = story.body_key();
        let cached = fresh.get(&story.path, key).or_else(|| self.output.rendered.get(&story.path, key));
        if let Some(html) = cached {
            return Content { html, new: None, exact: true };
        }
        self.output.bodies_rendered.fetch_add(1, Ordering::Relaxed);
        let (html, exact) = self.render_body(story);
        let worth_keeping = exact && (keep || fresh.bytes + self.output.rendered.bytes < BODY_CACHE_BYTES);
        let new = worth_keeping.then(|| NewBody { path: story.path.clone(), hash: key, html: html.clone() });
        Content { html, new, exact }
    }

    /// Reads a story's file again and renders its content HTML, and says
    /// whether that HTML was made from the very text the story was parsed
    /// from: only then may it be cached under the story's hash. (A file
    /// that went bad since gives its summary as a stand-in; a file edited
    /// since gives its new text's HTML until the index catches up. Cached
    /// under the old hash, either would stick when the old text returns.)
    fn render_body(&self, story: &Story) -> (Arc<str>, bool) {
        let site = self.config.site();
        let limits = Limits { max_bytes: self.config.max_article_bytes };
        match load::read_story(&self.config.articles_dir, &story.path, limits, site) {
            Ok(file) => {
                let exact = xxhash_rust::xxh3::xxh3_64(file.text.as_bytes()) == story.hash;
                let html = article::content_html(story, &file.text);
                let cap = self.config.max_content_bytes;
                if html.len() as u64 <= cap {
                    return (html.into(), exact);
                }
                // It would be repeated in every format of every feed the
                // story is in: one story must not fill the disk.
                tracing::warn!(
                    "{}: its content is {} bytes of HTML, over `max_content_bytes` ({cap}): its feeds carry the summary and a link instead — shorten it, or raise `max_content_bytes`",
                    self.config.articles_dir.join(&story.path).display(),
                    html.len()
                );
                (stand_in(story).into(), exact)
            }
            Err(e) => {
                // The file went bad after it was indexed: publish what is known.
                tracing::warn!("{e}: publishing its summary as content until it is fixed");
                (format!("<p>{}</p>", escape(&story.summary)).into(), false)
            }
        }
    }
}

/// The content of a story too large to repeat in every feed: its summary
/// and a link to it.
fn stand_in(story: &Story) -> String {
    let link = escape(&story.link);
    format!("<p>{}</p>\n<p><a href=\"{link}\">{link}</a></p>\n", escape(&story.summary))
}

/// A write into the output folder failed (the error names the file).
pub(super) fn output_error(config: &Config, source: std::io::Error) -> FatalError {
    use std::io::ErrorKind;
    let what_to_do = match source.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "free some space",
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => "make the folder writable",
        // A file or folder removed while it was written (another program
        // cleaning the folder): the next try writes it again.
        ErrorKind::NotFound => "leave the output folder to feedsmith alone",
        _ => "check the disk and the folder",
    };
    FatalError::Other(format!(
        "cannot write the feeds in {}: {source} — {what_to_do}; every feed keeps its last good version",
        config.output_dir.display()
    ))
}
