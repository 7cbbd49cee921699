//! Planning: which feeds exist, which a change can affect ([`Dirty`]), and
//! what each one is made of — its head and its stories ([`Planner`],
//! [`Plan`]). Planning is cheap and rendering is not, so only the feeds
//! marked here and whose inputs changed are rendered (pure).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::article::Story;
use crate::config::{Config, Taxonomy};
use crate::feed::index_page::{Listed, ListedKind};
use crate::feed::{self, Head};
use crate::index::{story_terms, Entry, Index, Month, TermKey};
use crate::layout::FeedKey;

/// The feeds that changes since the last render may have affected.
#[derive(Debug, Default)]
pub(super) struct Dirty {
    /// Everything (first publish, configuration changed, output lost).
    pub(super) all: bool,
    pub(super) feeds: BTreeSet<FeedKey>,
}

impl Dirty {
    pub(super) fn everything() -> Dirty {
        Dirty { all: true, feeds: BTreeSet::new() }
    }

    /// Whether the next render must look at `key`.
    pub(super) fn contains(&self, key: &FeedKey) -> bool {
        self.all || self.feeds.contains(key)
    }

    /// Marks the feeds a story is (or was) in as needing a new render.
    pub(super) fn mark(&mut self, config: &Config, index: &Index, story: &Story) {
        if self.all {
            return;
        }
        self.feeds.insert(FeedKey::Main);
        for &taxonomy in &config.taxonomy_feeds {
            for slug in story_terms(story, taxonomy).into_keys() {
                self.feeds.insert(FeedKey::Term(taxonomy, slug));
            }
        }
        if !config.archives {
            return;
        }
        // Its month, and the months beside it, whose history links may change.
        let month = index.month_of(story.date);
        self.feeds.insert(FeedKey::Month(month));
        let months = index.months();
        if let Some(before) = months.range(..month).next_back() {
            self.feeds.insert(FeedKey::Month(*before.0));
        }
        if let Some(after) = months.range((std::ops::Bound::Excluded(month), std::ops::Bound::Unbounded)).next() {
            self.feeds.insert(FeedKey::Month(*after.0));
        }
    }
}

/// One feed to render.
pub(super) struct Plan<'a> {
    pub(super) head: Head,
    pub(super) entries: Vec<&'a Entry>,
    /// Full content HTML, or summaries only (archives by default).
    pub(super) full_content: bool,
    /// Content HTML larger than this is replaced by the summary and a link.
    pub(super) content_cap: u64,
}

impl Plan<'_> {
    /// A hash of everything the feed's bytes depend on.
    pub(super) fn digest(&self) -> u64 {
        // The version too: a new feedsmith may write the same stories differently.
        let mut text = format!("{}{:?}{}{}", feed::VERSION, self.head, self.full_content, self.content_cap);
        for e in &self.entries {
            // The terms kept depend on `max_terms` as well as the text.
            let terms = (e.story.tags.len(), e.story.categories.len(), e.story.authors.len());
            // Besides the text: what the settings make of it (the link of
            // `base_url` or `link_pattern`, the date of `timezone`).
            text.push_str(&format!(
                "\n{}\t{:x}\t{}\t{}\t{terms:?}\t{}\t{}",
                e.story.id,
                e.story.hash,
                e.updated(),
                e.story.path.display(),
                e.story.link,
                e.story.date
            ));
            // What the story takes from outside its text: its media files'
            // URLs, lengths and types, and where the files its body refers
            // to are published.
            let enclosures = &e.story.enclosures;
            if enclosures.image.is_some() || !enclosures.attachments.is_empty() || !enclosures.inline.is_empty() {
                text.push_str(&format!("\t{enclosures:?}"));
            }
        }
        xxhash_rust::xxh3::xxh3_64(text.as_bytes())
    }
}

/// A feed planned for rendering: what it is, what it is made of, the files
/// it is written to and the digest of its inputs.
pub(super) struct PlannedFeed<'a> {
    pub(super) key: FeedKey,
    pub(super) plan: Plan<'a>,
    pub(super) files: Vec<PathBuf>,
    pub(super) digest: u64,
}

/// Plans feeds from the index as it stands at `now`.
pub(super) struct Planner<'a> {
    config: &'a Config,
    index: &'a Index,
    now: DateTime<Utc>,
    /// Months with a published story, oldest first: the archive chain.
    months: Vec<Month>,
}

impl<'a> Planner<'a> {
    pub(super) fn new(config: &'a Config, index: &'a Index, now: DateTime<Utc>) -> Planner<'a> {
        let months = if config.archives {
            index
                .months()
                .iter()
                .filter(|(_, set)| index.published_in(set, now).next().is_some())
                .map(|(m, _)| *m)
                .collect()
        } else {
            Vec::new()
        };
        Planner { config, index, now, months }
    }

    /// Every feed that exists now: the main one, each term of a configured
    /// taxonomy with a published story, each month with a published story.
    pub(super) fn keys(&self) -> Vec<FeedKey> {
        let mut keys = vec![FeedKey::Main];
        for (TermKey { taxonomy, slug }, term) in self.index.terms() {
            if self.config.taxonomy_feeds.contains(taxonomy)
                && self.index.published_in(&term.stories, self.now).next().is_some()
            {
                keys.push(FeedKey::Term(*taxonomy, slug.clone()));
            }
        }
        keys.extend(self.months.iter().copied().map(FeedKey::Month));
        keys
    }

    /// Plans one feed; `None` when it has no published story (so it goes).
    pub(super) fn plan(&self, key: &FeedKey) -> Option<Plan<'a>> {
        let (c, index, now) = (self.config, self.index, self.now);
        let month_url = |m: &Month| FeedKey::Month(*m).url(&c.feeds_url);
        match key {
            FeedKey::Main => {
                let mut head = self.head(None, key);
                head.prev_archive = self.months.last().map(month_url);
                Some(Plan {
                    head,
                    entries: index.published(now).take(c.limit).collect(),
                    full_content: true,
                    content_cap: c.max_content_bytes,
                })
            }
            FeedKey::Term(taxonomy, slug) => {
                let term = index.terms().get(&TermKey::new(*taxonomy, slug.clone()))?;
                let entries: Vec<&Entry> = index.published_in(&term.stories, now).take(c.limit).collect();
                if entries.is_empty() || !c.taxonomy_feeds.contains(taxonomy) {
                    return None;
                }
                Some(Plan {
                    head: self.head(Some(term.name()), key),
                    entries,
                    full_content: true,
                    content_cap: c.max_content_bytes,
                })
            }
            FeedKey::Month(month) => {
                let i = self.months.iter().position(|m| m == month)?;
                let mut head = self.head(None, key);
                head.title = format!("{} — {month}", c.title);
                head.archive = true;
                head.current = Some(c.feeds_url.to_string());
                head.prev_archive = i.checked_sub(1).and_then(|j| self.months.get(j)).map(month_url);
                head.next_archive = self.months.get(i + 1).map(month_url);
                if self.months.len() == 1 {
                    // The only month holds every story: a complete feed
                    // (RFC 5005 §2), which links no other document of the
                    // feed, not even the subscription one.
                    head.complete = true;
                    head.current = None;
                }
                let entries = index.published_in(index.months().get(month)?, now).collect();
                Some(Plan { head, entries, full_content: c.archive_full_content, content_cap: c.max_content_bytes })
            }
        }
    }

    /// The taxonomy feeds the index page lists.
    pub(super) fn listed(&self, keys: &[FeedKey]) -> Vec<Listed> {
        keys.iter()
            .filter_map(|k| match k {
                FeedKey::Term(taxonomy, slug) => Some(Listed {
                    kind: match taxonomy {
                        Taxonomy::Tags => ListedKind::Tag,
                        Taxonomy::Categories => ListedKind::Category,
                        Taxonomy::Authors => ListedKind::Author,
                    },
                    name: self.index.terms().get(&TermKey::new(*taxonomy, slug.clone()))?.name().to_owned(),
                    folder: k.url_folder(),
                }),
                FeedKey::Month(month) => {
                    Some(Listed { kind: ListedKind::Month, name: month.to_string(), folder: k.url_folder() })
                }
                FeedKey::Main => None,
            })
            .collect()
    }

    fn head(&self, term: Option<&str>, key: &FeedKey) -> Head {
        let c = self.config;
        let title = match term {
            Some(term) => format!("{} — {term}", c.title),
            None => c.title.clone(),
        };
        Head {
            description: if term.is_some() { title.clone() } else { c.description.clone() },
            title,
            home_url: c.base_url.to_string(),
            folder_url: key.url(&c.feeds_url),
            feeds_url: c.feeds_url.to_string(),
            language: c.language.clone(),
            author: c.author.clone(),
            hubs: c.websub_hubs.iter().map(ToString::to_string).collect(),
            timezone: c.timezone,
            archive: false,
            complete: false,
            current: None,
            prev_archive: None,
            next_archive: None,
            stylesheet: c.feed_stylesheet.then(|| feed::stylesheet::href(&key.url_folder())),
            icon: c.icon.as_deref().and_then(crate::layout::icon_file).map(|f| crate::layout::url_of(&c.feeds_url, &f)),
        }
    }
}
