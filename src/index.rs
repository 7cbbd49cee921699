//! The in-memory index: one small record per story, ordered newest first
//! by (date, id), with duplicate ids resolved deterministically (pure).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;

use crate::article::Story;
use crate::cache::Seen;
use crate::config::Taxonomy;
use crate::slug::safe_name;

/// A story in the index, with when a change to it was first seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub story: Story,
    pub changed: Option<DateTime<Utc>>,
    /// The identity of the file this version was read from (`None` for a
    /// symlinked story): what the story cache records.
    pub seen: Option<Seen>,
}

impl Entry {
    /// Front matter `updated`, else the last change seen (in whole
    /// seconds: the moment feedsmith noticed it, not a measurement), else
    /// `date`; never before `date`.
    pub fn updated(&self) -> DateTime<Utc> {
        let seen = self.changed.map(|c| c.trunc_subsecs(0));
        self.story.updated.or(seen).unwrap_or(self.story.date).max(self.story.date)
    }
}

/// A story's place in every ordered set: newest first, ties by id, then
/// path. Shared, so the copies in its term and month sets cost nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    /// Newest first.
    pub date: Reverse<DateTime<Utc>>,
    pub id: Arc<str>,
    pub path: Arc<Path>,
}

/// The first key dated at or before `date`: where a range from `date` on starts.
fn first_at(date: DateTime<Utc>) -> OrderKey {
    OrderKey { date: Reverse(date), id: Arc::from(""), path: Arc::from(Path::new("")) }
}

/// A taxonomy term by its safe name (`tags`, `ba-ba-zhan-lue`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TermKey {
    pub taxonomy: Taxonomy,
    pub slug: String,
}

impl TermKey {
    pub fn new(taxonomy: Taxonomy, slug: impl Into<String>) -> TermKey {
        TermKey { taxonomy, slug: slug.into() }
    }
}

/// A calendar month in the site's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Month {
        Month { year, month }
    }
}

impl std::fmt::Display for Month {
    /// `2024-03`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The ordered sets an index keeps besides the whole order: only those a
/// feed is made from, so a site without tag feeds or archives does not
/// file 100,000 stories under terms and months nobody reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sets {
    pub taxonomies: Vec<Taxonomy>,
    pub months: bool,
}

impl Sets {
    /// Every taxonomy and the months.
    pub fn all() -> Sets {
        Sets { taxonomies: TAXONOMIES.to_vec(), months: true }
    }
}

#[derive(Debug)]
pub struct Index {
    timezone: Tz,
    sets: Sets,
    /// Boxed: the map's table stays small, and a batch of boxed entries
    /// moves into it without a second copy of every story.
    by_path: HashMap<PathBuf, Box<Entry>>,
    /// Every path claiming an id; the first (smallest path) wins.
    /// Sorted (nearly always one path: a set per id would cost more than the story).
    by_id: HashMap<String, Vec<PathBuf>>,
    /// The ids more than one path claims, so reporting them is not a scan.
    shared_ids: BTreeSet<String>,
    /// Every non-draft story, newest first; ties broken by id, then path.
    order: BTreeSet<OrderKey>,
    /// The same, per term of each taxonomy in `sets`, with every spelling seen (and how often).
    terms: BTreeMap<TermKey, Term>,
    /// The same, per month of `date` (when `sets` has the months).
    months: BTreeMap<Month, BTreeSet<OrderKey>>,
    slugs: SlugMemo,
}

#[derive(Debug, Default)]
pub struct Term {
    pub stories: BTreeSet<OrderKey>,
    spellings: BTreeMap<String, usize>,
}

impl Term {
    /// The name shown for the term: the first spelling in sort order.
    pub fn name(&self) -> &str {
        self.spellings.keys().next().map_or("", String::as_str)
    }
}

impl Default for Index {
    fn default() -> Self {
        Index::new(Tz::UTC, Sets::all())
    }
}

fn key(story: &Story) -> OrderKey {
    OrderKey { date: Reverse(story.date), id: Arc::from(story.id.as_str()), path: Arc::from(story.path.as_path()) }
}

/// The terms of one taxonomy a story carries, by safe name, each once.
pub fn story_terms(story: &Story, taxonomy: Taxonomy) -> BTreeMap<String, &str> {
    story_terms_with(story, taxonomy, safe_name)
}

fn names_of(story: &Story, taxonomy: Taxonomy) -> &[String] {
    match taxonomy {
        Taxonomy::Tags => &story.tags,
        Taxonomy::Categories => &story.categories,
        Taxonomy::Authors => &story.authors,
    }
}

fn story_terms_with(story: &Story, taxonomy: Taxonomy, mut slug: impl FnMut(&str) -> String) -> BTreeMap<String, &str> {
    let mut terms = BTreeMap::new();
    for name in names_of(story, taxonomy) {
        terms.entry(slug(name)).or_insert(name.as_str());
    }
    terms
}

/// Safe names already made, by term: transliterating CJK is the dearest
/// part of indexing a story, and a site has far fewer terms than stories.
#[derive(Debug, Default)]
struct SlugMemo(HashMap<String, String>);

impl SlugMemo {
    fn slug(&mut self, name: &str) -> String {
        if let Some(slug) = self.0.get(name) {
            return slug.clone();
        }
        let slug = safe_name(name);
        self.0.insert(name.to_owned(), slug.clone());
        slug
    }

    /// Forgets terms no story carries any more, once they are most of it.
    fn trim(&mut self, live_terms: usize) {
        if self.0.len() > 1024 && self.0.len() > 4 * live_terms {
            self.0.clear();
        }
    }
}

/// Runs of equal `group_key` in a sorted list, in order.
fn group_sorted<T, K: PartialEq>(items: Vec<T>, group_key: impl Fn(&T) -> K) -> Vec<(K, Vec<T>)> {
    let mut groups: Vec<(K, Vec<T>)> = Vec::new();
    for item in items {
        let k = group_key(&item);
        match groups.last_mut() {
            Some((last, group)) if *last == k => group.push(item),
            _ => groups.push((k, vec![item])),
        }
    }
    groups
}

const TAXONOMIES: [Taxonomy; 3] = [Taxonomy::Tags, Taxonomy::Categories, Taxonomy::Authors];

/// A new index built from a full scan, a chunk of stories at a time: each
/// story is filed by path and id, and its order key, month and terms are
/// noted, while the scan reads the next chunk; [`Bulk::finish`] then sorts
/// the notes on every core and bulk-loads each ordered set. The index that
/// [`Index::insert`] one by one would give, without 100,000 tree inserts in
/// a row after the last file is read.
#[derive(Debug)]
pub struct Bulk {
    index: Index,
    order: Vec<OrderKey>,
    months: Vec<(Month, OrderKey)>,
    /// (taxonomy, safe name, story, spelling): each safe name once per story.
    terms: Vec<(Taxonomy, Arc<str>, OrderKey, Arc<str>)>,
    /// Each spelling met, with its safe name: both shared by every story that uses it.
    spellings: HashMap<String, (Arc<str>, Arc<str>)>,
    /// Stories whose path was already taken in, inserted one by one at the end.
    again: Vec<Entry>,
}

impl Bulk {
    pub fn new(timezone: Tz, sets: Sets, capacity: usize) -> Bulk {
        let months = if sets.months { capacity } else { 0 };
        let mut index = Index::new(timezone, sets);
        index.reserve(capacity);
        Bulk {
            index,
            order: Vec::with_capacity(capacity),
            months: Vec::with_capacity(months),
            terms: Vec::new(),
            spellings: HashMap::new(),
            again: Vec::new(),
        }
    }

    /// Takes in one story (boxed: it moves into the index without a copy).
    pub fn add(&mut self, entry: Box<Entry>) {
        if self.index.by_path.contains_key(&entry.story.path) {
            self.again.push(*entry);
            return;
        }
        if !entry.story.draft {
            let k = key(&entry.story);
            for &taxonomy in &self.index.sets.taxonomies {
                let first = self.terms.len();
                for name in names_of(&entry.story, taxonomy) {
                    let (slug, spelling) = match self.spellings.get(name.as_str()) {
                        Some(known) => known.clone(),
                        None => {
                            let made = (Arc::from(safe_name(name)), Arc::from(name.as_str()));
                            self.spellings.insert(name.clone(), made.clone());
                            made
                        }
                    };
                    // The first spelling of a safe name counts, as in `story_terms`.
                    if !self.terms[first..].iter().any(|(_, s, _, _)| *s == slug) {
                        self.terms.push((taxonomy, slug, k.clone(), spelling));
                    }
                }
            }
            if self.index.sets.months {
                self.months.push((self.index.month_of(entry.story.date), k.clone()));
            }
            self.order.push(k);
        }
        self.index.claim(&entry.story);
        self.index.by_path.insert(entry.story.path.clone(), entry);
    }

    /// The index, and the entries that stories taken in twice replaced.
    pub fn finish(self) -> (Index, Vec<Entry>) {
        let Bulk { mut index, mut order, mut months, mut terms, spellings, again } = self;
        rayon::join(
            || order.par_sort_unstable(),
            || {
                rayon::join(
                    || months.par_sort_unstable(),
                    || terms.par_sort_unstable_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2))),
                )
            },
        );
        let (order, (months, terms)) =
            rayon::join(|| order.into_iter().collect(), || rayon::join(|| bulk_months(months), || bulk_terms(terms)));
        index.order = order;
        index.months = months;
        index.terms = terms;
        index.slugs.0.extend(spellings.into_iter().map(|(name, (slug, _))| (name, slug.to_string())));
        let replaced = again.into_iter().filter_map(|e| index.insert(e)).collect();
        (index, replaced)
    }
}

/// Each month's set, from (month, key) pairs sorted by month.
fn bulk_months(months: Vec<(Month, OrderKey)>) -> BTreeMap<Month, BTreeSet<OrderKey>> {
    group_sorted(months, |(m, _)| *m)
        .into_iter()
        .map(|(m, group)| (m, group.into_iter().map(|(_, k)| k).collect()))
        .collect()
}

/// Each term's set and spellings, from notes sorted by term.
fn bulk_terms(terms: Vec<(Taxonomy, Arc<str>, OrderKey, Arc<str>)>) -> BTreeMap<TermKey, Term> {
    let mut out = BTreeMap::new();
    for ((taxonomy, slug), group) in group_sorted(terms, |(t, slug, _, _)| (*t, slug.clone())) {
        let mut term = Term::default();
        let mut keys = Vec::with_capacity(group.len());
        for (_, _, k, name) in group {
            match term.spellings.get_mut(&*name) {
                Some(n) => *n += 1,
                None => {
                    term.spellings.insert(name.to_string(), 1);
                }
            }
            keys.push(k);
        }
        term.stories = keys.into_iter().collect();
        out.insert(TermKey::new(taxonomy, slug.to_string()), term);
    }
    out
}

impl Index {
    /// An empty index keeping `sets`, whose months are calendar months in `timezone`.
    pub fn new(timezone: Tz, sets: Sets) -> Index {
        Index {
            timezone,
            sets,
            by_path: HashMap::new(),
            by_id: HashMap::new(),
            shared_ids: BTreeSet::new(),
            order: BTreeSet::new(),
            terms: BTreeMap::new(),
            months: BTreeMap::new(),
            slugs: SlugMemo::default(),
        }
    }

    /// The month of a moment in the site's timezone.
    pub fn month_of(&self, date: DateTime<Utc>) -> Month {
        let local = date.with_timezone(&self.timezone);
        Month::new(local.year(), local.month())
    }

    /// Room for `additional` more stories, so a full scan does not regrow the maps.
    pub fn reserve(&mut self, additional: usize) {
        self.by_path.reserve(additional.saturating_sub(self.by_path.len()));
        self.by_id.reserve(additional.saturating_sub(self.by_id.len()));
    }

    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    pub fn get(&self, path: &Path) -> Option<&Entry> {
        self.by_path.get(path).map(|e| &**e)
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.by_path.keys()
    }

    /// Every entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.by_path.values().map(|e| &**e)
    }

    /// Records that the story at `path` was read again from a file of
    /// identity `seen`, its text unchanged.
    pub fn set_seen(&mut self, path: &Path, seen: Option<Seen>) {
        if let Some(entry) = self.by_path.get_mut(path) {
            entry.seen = seen;
        }
    }

    /// Replaces where the files the body of the story at `path` refers to
    /// are published (nothing the index orders or groups by); whether it is indexed.
    pub fn set_inline(&mut self, path: &Path, inline: Vec<crate::article::Inline>) -> bool {
        let Some(entry) = self.by_path.get_mut(path) else { return false };
        entry.story.enclosures.inline = inline;
        true
    }

    /// Adds or replaces the story at `entry.story.path`; returns the old entry.
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        let old = self.remove(&entry.story.path);
        let path = entry.story.path.clone();
        self.claim(&entry.story);
        if !entry.story.draft {
            let k = key(&entry.story);
            for &taxonomy in &self.sets.taxonomies {
                for (slug, name) in story_terms_with(&entry.story, taxonomy, |n| self.slugs.slug(n)) {
                    let term = self.terms.entry(TermKey::new(taxonomy, slug)).or_default();
                    term.stories.insert(k.clone());
                    *term.spellings.entry(name.to_owned()).or_default() += 1;
                }
            }
            if self.sets.months {
                let month = self.month_of(entry.story.date);
                self.months.entry(month).or_default().insert(k.clone());
            }
            self.order.insert(k);
        }
        self.by_path.insert(path, Box::new(entry));
        old
    }

    /// Records that the story's path claims its id. A draft claims none:
    /// it is never published, so it can never hide a story that is.
    fn claim(&mut self, story: &Story) {
        if story.draft {
            return;
        }
        let claimants = self.by_id.entry(story.id.clone()).or_default();
        if let Err(at) = claimants.binary_search(&story.path) {
            claimants.insert(at, story.path.clone());
        }
        if claimants.len() > 1 {
            self.shared_ids.insert(story.id.clone());
        }
    }

    pub fn remove(&mut self, path: &Path) -> Option<Entry> {
        let old = *self.by_path.remove(path)?;
        let k = key(&old.story);
        if self.order.remove(&k) {
            for &taxonomy in &self.sets.taxonomies {
                for (slug, name) in story_terms_with(&old.story, taxonomy, |n| self.slugs.slug(n)) {
                    let term_key = TermKey::new(taxonomy, slug);
                    let Some(term) = self.terms.get_mut(&term_key) else { continue };
                    term.stories.remove(&k);
                    if let Some(n) = term.spellings.get_mut(name) {
                        *n -= 1;
                        if *n == 0 {
                            term.spellings.remove(name);
                        }
                    }
                    if term.stories.is_empty() {
                        self.terms.remove(&term_key);
                    }
                }
            }
            let month = self.month_of(old.story.date);
            if let Some(set) = self.months.get_mut(&month) {
                set.remove(&k);
                if set.is_empty() {
                    self.months.remove(&month);
                }
            }
        }
        if let Some(paths) = self.by_id.get_mut(&old.story.id) {
            paths.retain(|p| p != path);
            if paths.len() < 2 {
                self.shared_ids.remove(&old.story.id);
            }
            if paths.is_empty() {
                self.by_id.remove(&old.story.id);
            }
        }
        self.slugs.trim(self.terms.len());
        Some(old)
    }

    /// The paths claiming `id` whose story is published at `now` (not a
    /// draft, not in the future), smallest path first: only these compete
    /// for the id, so a story scheduled for later never hides one that is
    /// out, and it competes from the moment it is published.
    fn published_claimants<'a>(&'a self, id: &str, now: DateTime<Utc>) -> impl Iterator<Item = &'a PathBuf> + 'a {
        self.by_id
            .get(id)
            .into_iter()
            .flatten()
            .filter(move |p| self.get(p).is_some_and(|e| !e.story.draft && e.story.date <= now))
    }

    /// Every story claiming `id` (drafts claim none).
    pub fn claimants<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.by_id.get(id).into_iter().flatten().filter_map(|p| self.get(p))
    }

    /// Whether this story is the one published under its id at `now`.
    pub fn is_winner(&self, story: &Story, now: DateTime<Utc>) -> bool {
        match self.by_id.get(&story.id).map(Vec::as_slice) {
            Some([only]) => *only == story.path,
            _ => self.published_claimants(&story.id, now).next() == Some(&story.path),
        }
    }

    /// Published stories that lost their id to another published file at
    /// `now`: (loser, winner).
    pub fn duplicates(&self, now: DateTime<Utc>) -> Vec<(&Path, &Path)> {
        let mut out: Vec<(&Path, &Path)> = Vec::new();
        for id in &self.shared_ids {
            let mut claimants = self.published_claimants(id, now);
            let Some(winner) = claimants.next() else { continue };
            out.extend(claimants.map(|loser| (loser.as_path(), winner.as_path())));
        }
        out.sort();
        out
    }

    /// How many stories are published now, without visiting each.
    pub fn published_count(&self, now: DateTime<Utc>) -> usize {
        let first_past = first_at(now);
        let shadowed: usize =
            self.shared_ids.iter().map(|id| self.published_claimants(id, now).count().saturating_sub(1)).sum();
        self.order.range(first_past..).count().saturating_sub(shadowed)
    }

    /// Published stories (not drafts, not in the future, not shadowed by a
    /// duplicate id), newest first.
    pub fn published(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Entry> + '_ {
        self.published_in(&self.order, now)
    }

    /// The published stories of one ordered set (the whole index, a term, a month).
    pub fn published_in<'a>(
        &'a self,
        set: &'a BTreeSet<OrderKey>,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        let first_past = first_at(now);
        set.range(first_past..).filter_map(|k| self.get(&k.path)).filter(move |e| self.is_winner(&e.story, now))
    }

    /// Non-draft stories dated in `(since, until]`, oldest first.
    pub fn dated_between(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> impl Iterator<Item = &Entry> + '_ {
        let from = first_at(until);
        let to = first_at(since);
        self.order.range(from..to).rev().filter_map(|k| self.get(&k.path))
    }

    /// Every term of the taxonomies the index keeps (see [`Sets`]), in order.
    pub fn terms(&self) -> &BTreeMap<TermKey, Term> {
        &self.terms
    }

    /// Every month holding a non-draft story, oldest first (none unless
    /// the index keeps the months, see [`Sets`]).
    pub fn months(&self) -> &BTreeMap<Month, BTreeSet<OrderKey>> {
        &self.months
    }

    /// The earliest publication date after `now`: when the feeds next change
    /// without any file event.
    pub fn next_scheduled(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let first_past = first_at(now);
        self.order.range(..first_past).next_back().map(|k| k.date.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Format;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("date").with_timezone(&Utc)
    }

    fn entry(path: &str, id: &str, date: &str) -> Entry {
        Entry {
            story: Story {
                path: path.into(),
                format: Format::Markdown,
                hash: 0,
                id: id.into(),
                link: id.into(),
                title: path.into(),
                title_from_body: false,
                kicker: None,
                subtitle: None,
                date: t(date),
                updated: None,
                authors: vec![],
                summary: String::new(),
                tags: vec![],
                categories: vec![],
                draft: false,
                image: None,
                attachments: vec![],
                enclosures: Default::default(),
                lang: None,
                refs: Vec::new(),
            },
            changed: None,
            seen: None,
        }
    }

    fn ids(index: &Index, now: &str) -> Vec<String> {
        index.published(t(now)).map(|e| e.story.id.clone()).collect()
    }

    #[test]
    fn newest_first_ties_by_id_future_and_drafts_hidden() {
        let mut index = Index::default();
        index.insert(entry("b.md", "b", "2024-01-02T00:00:00Z"));
        index.insert(entry("a.md", "a", "2024-01-02T00:00:00Z"));
        index.insert(entry("c.md", "c", "2024-01-01T00:00:00Z"));
        index.insert(entry("f.md", "f", "2030-01-01T00:00:00Z"));
        let mut draft = entry("d.md", "d", "2024-01-03T00:00:00Z");
        draft.story.draft = true;
        index.insert(draft);
        assert_eq!(ids(&index, "2025-01-01T00:00:00Z"), ["a", "b", "c"]);
        assert_eq!(ids(&index, "2030-01-01T00:00:00Z"), ["f", "a", "b", "c"], "due at exactly its date");
        assert_eq!(index.next_scheduled(t("2025-01-01T00:00:00Z")), Some(t("2030-01-01T00:00:00Z")));
        assert_eq!(index.next_scheduled(t("2030-01-01T00:00:00Z")), None);
    }

    #[test]
    fn replace_and_remove_keep_the_order_consistent() {
        let mut index = Index::default();
        index.insert(entry("a.md", "a", "2024-01-01T00:00:00Z"));
        index.insert(entry("b.md", "b", "2024-01-02T00:00:00Z"));
        assert!(index.insert(entry("a.md", "a", "2024-01-03T00:00:00Z")).is_some());
        assert_eq!(ids(&index, "2025-01-01T00:00:00Z"), ["a", "b"]);
        index.remove(Path::new("a.md"));
        assert_eq!(ids(&index, "2025-01-01T00:00:00Z"), ["b"]);
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn duplicate_ids_smallest_path_wins() {
        let mut index = Index::default();
        index.insert(entry("z/x.md", "same", "2024-01-02T00:00:00Z"));
        index.insert(entry("a/x.md", "same", "2024-01-01T00:00:00Z"));
        assert_eq!(
            index.published(t("2025-01-01T00:00:00Z")).map(|e| e.story.path.clone()).collect::<Vec<_>>(),
            [PathBuf::from("a/x.md")]
        );
        assert_eq!(index.duplicates(t("2025-01-01T00:00:00Z")), [(Path::new("z/x.md"), Path::new("a/x.md"))]);
        assert_eq!(index.published_count(t("2025-01-01T00:00:00Z")), 1, "the shadowed file is not counted");
        index.remove(Path::new("a/x.md"));
        assert_eq!(ids(&index, "2025-01-01T00:00:00Z"), ["same"], "the other file takes over");
        assert!(index.duplicates(t("2025-01-01T00:00:00Z")).is_empty());
    }

    /// A draft or a story scheduled for later used to take the id from a
    /// published story whose path sorts after it, hiding it from every feed.
    #[test]
    fn only_published_stories_compete_for_an_id() {
        let now = t("2025-01-01T00:00:00Z");
        let mut index = Index::default();
        index.insert(entry("z/out.md", "same", "2024-01-02T00:00:00Z"));
        let mut draft = entry("a/draft.md", "same", "2024-01-03T00:00:00Z");
        draft.story.draft = true;
        index.insert(draft);
        index.insert(entry("b/later.md", "same", "2026-01-01T00:00:00Z"));
        let paths = |now| index.published(now).map(|e| e.story.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(now), [PathBuf::from("z/out.md")], "neither the draft nor the scheduled story hides it");
        assert!(index.duplicates(now).is_empty(), "nothing to report while only one is out");
        assert_eq!(index.published_count(now), 1);
        // When the scheduled story goes live, it competes (and wins: its path sorts first).
        let later = t("2026-06-01T00:00:00Z");
        assert_eq!(paths(later), [PathBuf::from("b/later.md")]);
        assert_eq!(index.duplicates(later), [(Path::new("z/out.md"), Path::new("b/later.md"))]);
        assert_eq!(index.published_count(later), 1);
    }

    #[test]
    fn terms_and_months_follow_inserts_and_removals() {
        let mut index = Index::new(chrono_tz::Asia::Shanghai, Sets::all());
        let mut a = entry("a.md", "a", "2024-02-29T16:30:00Z");
        a.story.tags = vec!["八八战略".into(), "Eight".into()];
        let mut b = entry("b.md", "b", "2024-02-10T00:00:00Z");
        b.story.tags = vec!["八八 战略".into()];
        index.insert(a);
        index.insert(b);
        let term = &index.terms()[&TermKey::new(Taxonomy::Tags, "ba-ba-zhan-lue")];
        assert_eq!(term.stories.len(), 2, "spellings that slug alike share a term");
        assert_eq!(term.name(), "八八 战略", "named by the first spelling in sort order");
        assert_eq!(
            index.months().keys().copied().collect::<Vec<_>>(),
            [Month::new(2024, 2), Month::new(2024, 3)],
            "months in the site's zone"
        );
        index.remove(Path::new("b.md"));
        assert_eq!(index.terms()[&TermKey::new(Taxonomy::Tags, "ba-ba-zhan-lue")].name(), "八八战略");
        index.remove(Path::new("a.md"));
        assert!(index.terms().is_empty() && index.months().is_empty());
    }

    /// Everything the feeds read from an index, in order.
    fn view(index: &Index, now: &str) -> Vec<String> {
        let mut out: Vec<String> = index.published(t(now)).map(|e| e.story.path.display().to_string()).collect();
        for (TermKey { taxonomy, slug }, term) in index.terms() {
            let paths: Vec<String> = term.stories.iter().map(|k| k.path.display().to_string()).collect();
            out.push(format!("{taxonomy:?}/{slug} {:?} {:?} {paths:?}", term.name(), term.spellings));
        }
        for (month, set) in index.months() {
            let paths: Vec<String> = set.iter().map(|k| k.path.display().to_string()).collect();
            out.push(format!("{month:?} {paths:?}"));
        }
        out.push(format!("{:?}", index.duplicates(t(now))));
        out.push(format!("{}", index.published_count(t(now))));
        out
    }

    #[test]
    fn bulk_builds_the_index_insert_builds() {
        let mut entries = Vec::new();
        for i in 0..300 {
            let day = 1 + i % 28;
            let month = 1 + (i / 28) % 12;
            let id = if i % 50 == 7 { "shared".to_owned() } else { format!("id{i}") };
            let mut e = entry(&format!("{:02}/s{i:03}.md", i % 7), &id, &format!("2024-{month:02}-{day:02}T00:00:00Z"));
            e.story.tags = match i % 4 {
                0 => vec!["八八战略".into()],
                1 => vec!["八八 战略".into(), "Eight".into()],
                2 => vec![format!("t{}", i % 9)],
                _ => vec![],
            };
            e.story.categories = vec![format!("c{}", i % 3)];
            e.story.authors = vec!["陈晓苏".into()];
            e.story.draft = i % 31 == 0;
            entries.push(e);
        }
        let mut one_by_one = Index::new(chrono_tz::Asia::Shanghai, Sets::all());
        for e in entries.clone() {
            one_by_one.insert(e);
        }
        // In chunks, as a scan takes them in, with one path taken in twice.
        let mut bulk = Bulk::new(chrono_tz::Asia::Shanghai, Sets::all(), entries.len());
        for chunk in entries.chunks(64) {
            for e in chunk {
                bulk.add(Box::new(e.clone()));
            }
        }
        // Taken in again with another date, month, tags and id: every old
        // key must leave the sets.
        let mut again = entries[5].clone();
        again.story.title = "again".into();
        again.story.date = t("2023-07-15T00:00:00Z");
        again.story.tags = vec!["Again".into()];
        again.story.id = "shared".into();
        bulk.add(Box::new(again.clone()));
        one_by_one.insert(again);
        let (mut at_once, replaced) = bulk.finish();
        assert_eq!(replaced.len(), 1, "the first version of the path taken in twice");
        assert_eq!(view(&at_once, "2025-01-01T00:00:00Z"), view(&one_by_one, "2025-01-01T00:00:00Z"));
        assert_eq!(at_once.len(), 300);
        // And it is a normal index: removing and re-adding works on it.
        at_once.remove(Path::new("00/s007.md"));
        one_by_one.remove(Path::new("00/s007.md"));
        assert_eq!(view(&at_once, "2025-01-01T00:00:00Z"), view(&one_by_one, "2025-01-01T00:00:00Z"));
        at_once.insert(entries[7].clone());
        one_by_one.insert(entries[7].clone());
        assert_eq!(view(&at_once, "2025-01-01T00:00:00Z"), view(&one_by_one, "2025-01-01T00:00:00Z"));
    }

    #[test]
    fn an_index_keeps_only_the_sets_it_is_asked_for() {
        let tags_only = Sets { taxonomies: vec![Taxonomy::Tags], months: false };
        let mut a = entry("a.md", "a", "2024-02-29T16:30:00Z");
        a.story.tags = vec!["八八战略".into()];
        a.story.categories = vec!["要闻".into()];
        a.story.authors = vec!["陈晓苏".into()];
        let b = entry("b.md", "b", "2024-03-10T00:00:00Z");
        let mut one_by_one = Index::new(chrono_tz::Asia::Shanghai, tags_only.clone());
        let mut bulk = Bulk::new(chrono_tz::Asia::Shanghai, tags_only, 2);
        for e in [a, b] {
            one_by_one.insert(e.clone());
            bulk.add(Box::new(e));
        }
        let (at_once, _) = bulk.finish();
        for index in [&one_by_one, &at_once] {
            let terms: Vec<&TermKey> = index.terms().keys().collect();
            assert_eq!(terms, [&TermKey::new(Taxonomy::Tags, "ba-ba-zhan-lue")], "no category or author terms");
            assert!(index.months().is_empty(), "no months");
            assert_eq!(ids(index, "2025-01-01T00:00:00Z"), ["b", "a"], "the order is whole");
        }
        one_by_one.remove(Path::new("a.md"));
        assert!(one_by_one.terms().is_empty());
        assert_eq!(ids(&one_by_one, "2025-01-01T00:00:00Z"), ["b"]);
    }

    #[test]
    fn updated_is_front_matter_then_change_then_date() {
        let mut e = entry("a.md", "a", "2024-01-02T00:00:00Z");
        assert_eq!(e.updated(), t("2024-01-02T00:00:00Z"));
        e.changed = Some(t("2024-02-01T00:00:00Z"));
        assert_eq!(e.updated(), t("2024-02-01T00:00:00Z"));
        e.story.updated = Some(t("2024-01-05T00:00:00Z"));
        assert_eq!(e.updated(), t("2024-01-05T00:00:00Z"));
        e.story.updated = Some(t("2023-01-01T00:00:00Z"));
        assert_eq!(e.updated(), t("2024-01-02T00:00:00Z"), "never before date");
    }
}
