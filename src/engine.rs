//! The site held in memory: the index of every story, what is remembered
//! between runs, and the rendered bodies of the stories in feeds. `build`
//! uses it once; `watch` keeps it and feeds it changed paths.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::article::{self, text::escape, Site, Story};
use crate::config::{Config, Taxonomy};
use crate::error::{FatalError, StoryError};
use crate::feed::index_page::{index_html, Listed};
use crate::feed::{self, Head, Selected};
use crate::index::{Entry, Index};
use crate::load::{self, Limits};
use crate::publish::{write_if_changed, Written};
use crate::slug::safe_name;
use crate::state::State;

/// The three files every feed folder holds.
pub const FEED_FILES: [&str; 3] = ["rss.xml", "atom.xml", "feed.json"];

pub struct Engine {
    config: Config,
    index: Index,
    state: State,
    /// Rendered content of stories in feeds, by path, with the text hash it was made from.
    rendered: HashMap<PathBuf, (u64, Arc<str>)>,
    /// Stories whose current file is rejected, with why.
    failing: BTreeMap<PathBuf, StoryError>,
    /// Feed files written by the last publish, relative to the output folder.
    written: BTreeSet<PathBuf>,
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
        Engine {
            config,
            index: Index::default(),
            state,
            rendered: HashMap::new(),
            failing: BTreeMap::new(),
            written: BTreeSet::new(),
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
        let site = Site { base_url: &self.config.base_url, timezone: self.config.timezone };
        let results = load::read_all(&self.config.articles_dir, &paths, self.limits(), site);
        let mut report = Report { errors: problems, ..Report::default() };
        let present: BTreeSet<&PathBuf> = paths.iter().collect();
        let gone: Vec<PathBuf> = self.index.paths().filter(|p| !present.contains(p)).cloned().collect();
        for path in gone {
            self.forget(&path);
            report.changed.push(path);
        }
        self.failing.retain(|p, _| present.contains(p));
        for (path, result) in paths.iter().zip(results) {
            self.apply(path, result, now, &mut report);
        }
        self.report_duplicates(&mut report);
        Ok(report)
    }

    /// Re-reads the given paths (relative to the articles folder): a path
    /// that is no longer a readable story file leaves the index, a story
    /// that became malformed keeps its last good version.
    pub fn update(&mut self, paths: &[PathBuf], now: DateTime<Utc>) -> Report {
        let mut report = Report::default();
        let base_url = self.config.base_url.clone();
        let site = Site { base_url: &base_url, timezone: self.config.timezone };
        let dir = self.config.articles_dir.clone();
        for path in paths {
            if !dir.join(path).exists() || !crate::paths::is_story_path(path) {
                if self.forget(path) {
                    report.changed.push(path.clone());
                }
                self.failing.remove(path);
                continue;
            }
            let result = load::read_story(&dir, path, self.limits(), site).map(|f| f.parsed);
            self.apply(path, result, now, &mut report);
        }
        self.report_duplicates(&mut report);
        report
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
        self.index.remove(path).is_some()
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
                let story = parsed.story;
                report.warnings.extend(parsed.warnings);
                self.failing.remove(path);
                if self.index.get(path).is_some_and(|e| e.story == story) {
                    return;
                }
                let changed = self.state.observe(&story.id, story.hash, now);
                self.index.insert(Entry { story, changed });
                report.changed.push(path.to_owned());
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

    /// Renders every feed: `(path relative to the output folder, bytes)`.
    pub fn render(&mut self, now: DateTime<Utc>) -> Vec<(PathBuf, String)> {
        let limit = self.config.limit;
        let main: Vec<Entry> = self.index.published(now, |_| true).take(limit).cloned().collect();
        let mut feeds = vec![(PathBuf::new(), self.head(None, ""), main)];
        for &taxonomy in &self.config.taxonomy_feeds {
            for (slug, (term, entries)) in self.terms(taxonomy, now) {
                let folder = Path::new(taxonomy.name()).join(&slug);
                let url_folder = format!("{}/{slug}/", taxonomy.name());
                feeds.push((folder, self.head(Some(&term), &url_folder), entries));
            }
        }
        let listed: Vec<Listed> = feeds
            .iter()
            .skip(1)
            .map(|(folder, head, _)| Listed { title: head.title.clone(), folder: format!("{}/", folder.display()) })
            .collect();
        let mut used = HashMap::new();
        let mut out = Vec::with_capacity(feeds.len() * 3 + 1);
        for (folder, head, entries) in feeds {
            let selected: Vec<Selected<'_>> = entries
                .iter()
                .map(|e| Selected {
                    story: &e.story,
                    updated: e.updated(),
                    content_html: self.content(&e.story, &mut used),
                })
                .collect();
            let model = feed::build(&head, &selected);
            if folder.as_os_str().is_empty() {
                out.push((PathBuf::from("index.html"), index_html(&model, &listed)));
            }
            out.push((folder.join("rss.xml"), feed::rss::to_rss(&model)));
            out.push((folder.join("atom.xml"), feed::atom::to_atom(&model)));
            out.push((folder.join("feed.json"), feed::json_feed::to_json_feed(&model)));
        }
        // Keep only the bodies still in a feed, so memory stays flat.
        self.rendered = used;
        out
    }

    /// The stories of each term of a taxonomy, newest `limit` first, by the
    /// term's safe name. Terms that slug alike share one feed, titled by the
    /// first spelling in sort order.
    fn terms(&self, taxonomy: Taxonomy, now: DateTime<Utc>) -> BTreeMap<String, (String, Vec<Entry>)> {
        let mut terms: BTreeMap<String, (String, Vec<Entry>)> = BTreeMap::new();
        for entry in self.index.published(now, |_| true) {
            let names = match taxonomy {
                Taxonomy::Tags => &entry.story.tags,
                Taxonomy::Categories => &entry.story.categories,
                Taxonomy::Authors => &entry.story.authors,
            };
            let mut seen = BTreeSet::new();
            for name in names {
                let slug = safe_name(name);
                if !seen.insert(slug.clone()) {
                    continue;
                }
                let (title, entries) = terms.entry(slug).or_insert_with(|| (name.clone(), Vec::new()));
                if name < title {
                    *title = name.clone();
                }
                if entries.len() < self.config.limit {
                    entries.push(entry.clone());
                }
            }
        }
        terms
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
        }
    }

    /// A story's content HTML, rendered once per version of its text.
    fn content(&self, story: &Story, used: &mut HashMap<PathBuf, (u64, Arc<str>)>) -> Arc<str> {
        if let Some((hash, html)) = used.get(&story.path).or_else(|| self.rendered.get(&story.path)) {
            if *hash == story.hash {
                let html = html.clone();
                used.insert(story.path.clone(), (story.hash, html.clone()));
                return html;
            }
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
        used.insert(story.path.clone(), (story.hash, html.clone()));
        html
    }

    /// Renders and writes every feed whose bytes changed, removes the
    /// feeds of terms that no longer exist, and saves the state.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<Published, FatalError> {
        let out_dir = self.config.output_dir.clone();
        let files = self.render(now);
        let mut published = Published { stories: self.index.published(now, |_| true).count(), ..Published::default() };
        let mut produced = BTreeSet::new();
        for (rel, bytes) in files {
            let path = out_dir.join(&rel);
            let written =
                write_if_changed(&path, bytes.as_bytes()).map_err(|source| FatalError::Io { path, source })?;
            if written == Written::Replaced {
                published.replaced.push(rel.clone());
            }
            produced.insert(rel);
        }
        published.removed = remove_stale(&out_dir, &produced, &self.written);
        self.written = produced;
        self.save_state();
        Ok(published)
    }

    pub fn save_state(&self) {
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
        for taxonomy in [Taxonomy::Tags, Taxonomy::Categories, Taxonomy::Authors] {
            let Ok(entries) = std::fs::read_dir(out_dir.join(taxonomy.name())) else { continue };
            for entry in entries.flatten() {
                for file in FEED_FILES {
                    candidates.insert(Path::new(taxonomy.name()).join(entry.file_name()).join(file));
                }
            }
        }
    }
    let mut removed = Vec::new();
    for rel in candidates.difference(produced) {
        let path = out_dir.join(rel);
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
