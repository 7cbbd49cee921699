//! Which feeds exist, which a change can affect, and what each one is
//! made of (its head and stories): planning is cheap, rendering is not, so
//! only the feeds marked here and whose inputs changed are rendered.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::Engine;
use crate::article::Story;
use crate::config::Taxonomy;
use crate::feed::index_page::Listed;
use crate::feed::{self, Head};
use crate::index::{story_terms, Entry, Month};

/// A feed: the main one, a taxonomy term's, or a month's archive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKey {
    Main,
    Term(Taxonomy, String),
    Month(Month),
}

impl FeedKey {
    /// The feed whose folder this is, as [`FeedKey::folder`] writes it.
    pub(super) fn from_folder(folder: &str) -> Option<FeedKey> {
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
pub(super) struct Dirty {
    pub(super) all: bool,
    pub(super) feeds: BTreeSet<FeedKey>,
}

/// One feed to render.
pub(super) struct Plan<'a> {
    pub(super) head: Head,
    pub(super) entries: Vec<&'a Entry>,
    /// Full content HTML, or summaries only (archives by default).
    pub(super) full_content: bool,
}

impl Plan<'_> {
    /// A hash of everything the feed's bytes depend on.
    pub(super) fn digest(&self) -> u64 {
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

impl Engine {
    /// Every feed that exists now: the main one, each term of a configured
    /// taxonomy, each month with a published story.
    pub(super) fn feed_keys(&self, now: DateTime<Utc>) -> Vec<FeedKey> {
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
    pub(super) fn archive_months(&self, now: DateTime<Utc>) -> Vec<Month> {
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
    pub(super) fn plan(&self, key: &FeedKey, now: DateTime<Utc>, months: &[Month]) -> Option<Plan<'_>> {
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
    pub(super) fn mark(&mut self, story: &Story) {
        if self.dirty.all {
            return;
        }
        self.dirty.feeds.insert(FeedKey::Main);
        for &taxonomy in &self.config.taxonomy_feeds {
            for slug in story_terms(story, taxonomy).into_keys() {
                self.dirty.feeds.insert(FeedKey::Term(taxonomy, slug));
            }
        }
        if !self.config.archives {
            return;
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

    /// The taxonomy feeds the index page lists.
    pub(super) fn listed(&self, keys: &[FeedKey]) -> Vec<Listed> {
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

    pub(super) fn head(&self, term: Option<&str>, url_folder: &str) -> Head {
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
}
