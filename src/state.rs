//! What feedsmith remembers between runs: for each story id, the hash of
//! its text and when a change to it was first seen. This is what lets
//! `updated` move on an edit and stay put on a mere `touch`.
//!
//! Kept in a small JSON file outside the output folder (`state_file`,
//! default `.feedsmith/state.json` beside the configuration). A missing or
//! corrupt file is rebuilt: the worst case is that edits made while the
//! daemon was down are dated by front matter or `date` only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// By id (hashed: ids are long URLs sharing a prefix, and a scan looks
    /// up every one; written sorted).
    #[serde(default)]
    stories: HashMap<String, Seen>,
    /// What each feed folder was last rendered from (hex digest), so a
    /// restart does not render feeds whose stories did not change.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    feeds: BTreeMap<String, String>,
    /// The file is there but could not be read (permissions, say): it is
    /// left as it is rather than replaced by what this run knows, which
    /// would lose when every story was last changed.
    #[serde(skip)]
    pub keep_file: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Seen {
    /// xxh3 of the story's decoded text (written in hex).
    #[serde(with = "hex")]
    hash: u64,
    /// When a change to the story was last first seen; `None` until one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    changed: Option<DateTime<Utc>>,
}

/// The largest state file read (about 100 bytes a story: ten million
/// stories). A larger one is no state feedsmith wrote.
const MAX_BYTES: u64 = 1 << 30;

impl State {
    /// Records the story's current text. Returns when its latest change was
    /// first seen: `now` if the text differs from what was remembered, the
    /// remembered moment if it does not, `None` for a story never changed
    /// (including one seen for the first time).
    pub fn observe(&mut self, id: &str, hash: u64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.stories.get_mut(id) {
            Some(seen) if seen.hash == hash => seen.changed,
            Some(seen) => {
                seen.hash = hash;
                seen.changed = Some(now);
                seen.changed
            }
            None => {
                self.stories.insert(id.to_owned(), Seen { hash, changed: None });
                None
            }
        }
    }

    /// Room for `stories` stories in all, so a full scan does not regrow the map.
    pub fn reserve(&mut self, stories: usize) {
        self.stories.reserve(stories.saturating_sub(self.stories.len()));
    }

    pub fn feed_digests(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.feeds.iter().filter_map(|(folder, hex)| Some((folder.as_str(), u64::from_str_radix(hex, 16).ok()?)))
    }

    pub fn set_feed_digests(&mut self, digests: impl Iterator<Item = (String, u64)>) {
        self.feeds = digests.map(|(folder, d)| (folder, format!("{d:016x}"))).collect();
    }

    /// Reads the state file; a missing or unreadable one gives an empty
    /// state (and a warning for a corrupt one).
    pub fn load(path: &Path) -> State {
        match crate::cache::read_regular(path, MAX_BYTES) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{}: corrupt state file ({e}); starting afresh — edits made while stopped keep their old dates",
                    path.display()
                );
                State::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            // Not a state file feedsmith wrote (a FIFO, a device, 20 GB):
            // replaced by a good one.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput || e.kind() == std::io::ErrorKind::InvalidData => {
                tracing::warn!("{}: not a state file ({e}); starting afresh", path.display());
                State::default()
            }
            Err(e) => {
                tracing::warn!(
                    "{}: cannot read the state file ({e}); it is left as it is and not written this run, so the dates it holds are not lost — make it readable and restart",
                    path.display()
                );
                State { keep_file: true, ..State::default() }
            }
        }
    }

    /// The state as JSON, one story per line: compact (a 100,000-story
    /// site's state is written in a few milliseconds) yet readable.
    pub fn to_json(&self) -> String {
        self.finish_json(self.stories_json())
    }

    /// The first and largest part of [`State::to_json`], the stories: it
    /// can be made while the feeds are written, as publishing
    /// changes only the feed digests that [`State::finish_json`] adds.
    pub fn stories_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.stories.len() * 96 + self.feeds.len() * 48);
        out.extend_from_slice(b"{\"stories\":{");
        let mut stories: Vec<(&String, &Seen)> = self.stories.iter().collect();
        stories.sort_unstable_by_key(|(id, _)| *id);
        for (i, (id, seen)) in stories.into_iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            push_json(&mut out, id);
            out.push(b':');
            push_json(&mut out, seen);
        }
        out.extend_from_slice(b"\n}");
        out
    }

    /// [`State::to_json`] from the stories part made by [`State::stories_json`].
    pub fn finish_json(&self, stories: Vec<u8>) -> String {
        let mut out = stories;
        if !self.feeds.is_empty() {
            out.extend_from_slice(b",\"feeds\":");
            push_json(&mut out, &self.feeds);
        }
        out.extend_from_slice(b"}\n");
        // serde_json writes UTF-8 only.
        String::from_utf8(out).unwrap_or_default()
    }
}

fn push_json(out: &mut Vec<u8>, value: &impl Serialize) {
    // Writing plain strings and maps of them into memory cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// A u64 as 16 hex digits, as the state file has always stored hashes.
mod hex {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(hash: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{hash:016x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        u64::from_str_radix(&text, 16).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("date").with_timezone(&Utc)
    }

    #[test]
    fn first_sight_is_not_a_change_and_touch_changes_nothing() {
        let mut s = State::default();
        assert_eq!(s.observe("a", 1, t("2024-01-01T00:00:00Z")), None);
        assert_eq!(s.observe("a", 1, t("2024-01-02T00:00:00Z")), None, "same text");
        assert_eq!(s.observe("a", 2, t("2024-01-03T00:00:00Z")), Some(t("2024-01-03T00:00:00Z")), "edited");
        assert_eq!(s.observe("a", 2, t("2024-01-04T00:00:00Z")), Some(t("2024-01-03T00:00:00Z")), "remembered");
    }

    #[test]
    fn round_trips_through_json_and_survives_corruption() {
        let mut s = State::default();
        s.observe("a", 1, t("2024-01-01T00:00:00Z"));
        s.observe("a", 2, t("2024-01-03T00:00:00Z"));
        let back: State = serde_json::from_str(&s.to_json()).expect("json");
        assert_eq!(back, s);
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.json");
        assert_eq!(State::load(&path), State::default(), "missing");
        std::fs::write(&path, "{not json").expect("write");
        assert_eq!(State::load(&path), State::default(), "corrupt");
    }

    #[test]
    fn stories_are_written_in_id_order_whatever_order_they_were_seen_in() {
        let ids = ["https://e.com/b/", "https://e.com/a/", "urn:x", "https://e.com/ab/", "https://e.com/"];
        let mut forward = State::default();
        let mut backward = State::default();
        for (i, id) in ids.iter().enumerate() {
            forward.observe(id, i as u64, t("2024-01-01T00:00:00Z"));
        }
        for (i, id) in ids.iter().enumerate().rev() {
            backward.observe(id, i as u64, t("2024-01-01T00:00:00Z"));
        }
        let json = forward.to_json();
        assert_eq!(json, backward.to_json(), "same stories, same bytes");
        let written: Vec<&str> = json.lines().skip(1).filter_map(|l| l.split('"').nth(1)).collect();
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        assert_eq!(written, sorted);
    }

    #[test]
    fn reads_the_pretty_files_earlier_versions_wrote() {
        let old = "{\n  \"stories\": {\n    \"a\": {\n      \"hash\": \"00000000000000ff\",\n      \"changed\": \"2024-01-03T00:00:00Z\"\n    }\n  },\n  \"feeds\": {\n    \"\": \"0000000000000001\"\n  }\n}\n";
        let mut s: State = serde_json::from_str(old).expect("old format");
        assert_eq!(s.observe("a", 0xff, t("2024-02-01T00:00:00Z")), Some(t("2024-01-03T00:00:00Z")), "same hash");
        assert_eq!(s.feed_digests().collect::<Vec<_>>(), [("", 1)]);
        let json = s.to_json();
        assert_eq!(json.lines().count(), 3, "one line per story: {json}");
        assert_eq!(serde_json::from_str::<State>(&json).expect("new format"), s);
        assert_eq!(State::default().to_json(), "{\"stories\":{\n}}\n");
    }
}
