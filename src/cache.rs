//! The story cache: every story's parsed record, the identity of the file
//! it was read from and, where one was rendered, its content HTML, kept in
//! one binary file beside the state file. A restart trusts a record whose
//! file has the same identity (device, inode, length, modification and
//! change times to the nanosecond) and reads only the files that changed;
//! a story whose file broke while feedsmith was stopped keeps the version
//! recorded here, its last good one.
//!
//! The file is disposable: one that is missing, truncated, corrupt (its
//! checksum does not match), from another version of feedsmith or written
//! under another configuration is ignored, and every story is read again.
//! It is written without fsync for the same reason: a torn write is
//! caught by the checksum.
//!
//! What it cannot see: a file changed without its change time moving
//! (only possible by resetting the system clock, or on file systems that
//! keep no change time), and a change made in the same clock tick as the
//! read that recorded it — so a record is trusted only when the file's
//! change time was [`SETTLE`] or more before it was read.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use crate::article::front_matter::Attachment;
use crate::article::refs::{BodyRef, RefKind};
use crate::article::{Enclosures, Format, Story};
use crate::config::Config;
use crate::error::StoryError;

/// Starts every cache file.
const MAGIC: &[u8; 8] = b"FSMCACHE";

/// The layout of a record; raised whenever it or the parsing changes.
const FORMAT: u32 = 2;

/// How long before it was read a file must have last changed for its
/// record to be trusted on the next start: covers the coarsest file
/// system clocks (two seconds on FAT) and the kernel's coarse clock.
pub const SETTLE: Duration = Duration::from_secs(2);

/// A file's identity as the file system tells it: any change to its
/// content (a write, a copy over it, `cp -p`, `rsync -a`, `touch -d`)
/// changes one of these, the change time at least.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub device: u64,
    pub inode: u64,
    pub len: u64,
    pub modified: (i64, i64),
    pub changed: (i64, i64),
}

impl Stamp {
    /// The stamp of what `path` leads to (symlinks followed).
    pub fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::from_metadata(&m))
    }

    pub fn from_metadata(m: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            device: m.dev(),
            inode: m.ino(),
            len: m.len(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// Whether the file last changed at least [`SETTLE`] before `read_at`:
    /// a later change then shows in its change time.
    pub fn settled(&self, read_at: SystemTime) -> bool {
        let Ok(since_epoch) = read_at.duration_since(SystemTime::UNIX_EPOCH) else { return false };
        let settled_before = since_epoch.saturating_sub(SETTLE);
        let (secs, nanos) = self.changed;
        let changed = u64::try_from(secs).ok().map(|s| Duration::new(s, u32::try_from(nanos).unwrap_or(0)));
        changed.is_some_and(|c| c < settled_before)
    }
}

/// The identity of the file a story's record was read from, and whether a
/// restart may trust it (see [`Stamp::settled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub stamp: Stamp,
    pub settled: bool,
}

/// One story as the cache keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub seen: Seen,
    /// As indexed, without its resolved media (resolved again on use:
    /// the media files may have changed).
    pub story: Story,
    /// What parsing it warned about.
    pub warnings: Vec<StoryError>,
    /// Its content HTML, made from exactly this version, under the key
    /// it was rendered for ([`Story::body_key`] then: that key depends on
    /// where the files its body refers to were published, which is
    /// resolved again on use).
    pub body: Option<(u64, Arc<str>)>,
}

/// A record to write, borrowed from the engine. (Its path is its story's.)
#[derive(Debug, Clone)]
pub struct RecordRef<'a> {
    pub seen: Seen,
    pub story: &'a Story,
    pub warnings: &'a [StoryError],
    pub body: Option<(u64, Arc<str>)>,
}

/// Where the cache of a state file lives: beside it, `state.json` →
/// `state.cache` (`x.cache` → `x.cache.cache`: never the state file itself).
pub fn path_for(state_file: &Path) -> PathBuf {
    let beside = state_file.with_extension("cache");
    if beside != state_file {
        return beside;
    }
    let mut name = state_file.as_os_str().to_owned();
    name.push(".cache");
    PathBuf::from(name)
}

/// What the records depend on besides the files: the program (its
/// version, and the identity of its executable, so that a rebuilt binary
/// parses afresh even under the same version), the site settings parsing
/// uses (`base_url`, `link_pattern`, `timezone`, the limits) and the
/// folder the paths are relative to.
pub fn fingerprint(config: &Config) -> u64 {
    let program = std::env::current_exe().ok().and_then(|exe| Stamp::of(&exe));
    let program = program.map(|s| (s.device, s.inode, s.len, s.modified));
    let text = format!(
        "{FORMAT}\0{}\0{program:?}\0{}\0{:?}\0{}\0{}\0{}\0{}\0{}",
        env!("CARGO_PKG_VERSION"),
        config.base_url,
        config.link_pattern,
        config.timezone.name(),
        config.max_article_bytes,
        config.max_terms,
        config.max_content_bytes,
        config.articles_dir.display()
    );
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// Reads the cache, its records sorted by path; empty when it is missing
/// or cannot be used (the reason is logged at debug level: nothing is
/// lost but time).
pub fn load(path: &Path, fingerprint: u64) -> Vec<Record> {
    let started = std::time::Instant::now();
    let bytes = match read_regular(path, MAX_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::debug!("{}: cannot read the story cache ({e}); reading every story", path.display());
            }
            return Vec::new();
        }
    };
    match decode(&bytes, fingerprint) {
        Some(records) => {
            let ms = started.elapsed().as_millis();
            tracing::debug!("read the story cache ({} records) in {ms} ms", records.len());
            records
        }
        None => {
            tracing::debug!(
                "{}: story cache is corrupt or from another version or configuration; reading every story",
                path.display()
            );
            Vec::new()
        }
    }
}

/// Records a group holds: groups are decoded side by side.
const GROUP: usize = 2048;

/// The largest cache file read (some 700 bytes a story: three million
/// stories). A larger one is no cache feedsmith wrote.
const MAX_BYTES: u64 = 2 << 30;

/// The bytes of the regular file at `path` (a symlink to one is followed:
/// a state kept on another disk), opened without waiting on a FIFO, and
/// read to the length it had when opened (a device or a growing file
/// cannot make it read forever), if that is at most `max` bytes (a sparse
/// 20 GB file is not read).
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > max {
        let message = format!("{} bytes, more than the {max} a state or cache file may hold", meta.len());
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, message));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(meta.len()).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Groups encoded side by side before they are written: memory holds
/// these few, never the whole cache.
const GROUPS_AT_ONCE: usize = 4;

/// Writes the cache file's bytes to `out`: a record made by `record` of
/// each of `items`, which must come sorted by path (as a scan lists
/// stories), so that a scan can take them in order.
pub fn write<'a, T: Sync>(
    out: &mut impl std::io::Write,
    fingerprint: u64,
    items: &'a [T],
    record: impl Fn(&'a T) -> RecordRef<'a> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let mut sum = xxhash_rust::xxh3::Xxh3Default::new();
    let mut put = |bytes: &[u8]| {
        sum.update(bytes);
        out.write_all(bytes)
    };
    let mut header = Encoder(Vec::with_capacity(20));
    header.0.extend_from_slice(MAGIC);
    header.u32(FORMAT);
    header.u64(fingerprint);
    put(&header.0)?;
    for batch in items.chunks(GROUP * GROUPS_AT_ONCE) {
        let groups: Vec<Vec<u8>> = batch
            .par_chunks(GROUP)
            .map(|chunk| {
                // A group: its length in bytes and records, then the records.
                let mut group = Encoder(Vec::with_capacity(chunk.len() * 512));
                group.u64(0);
                group.u32(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
                for item in chunk {
                    group.record(&record(item));
                }
                let len = (group.0.len() - 12) as u64;
                group.0[..8].copy_from_slice(&len.to_le_bytes());
                group.0
            })
            .collect();
        for group in groups {
            put(&group)?;
        }
    }
    let digest = sum.digest();
    out.write_all(&digest.to_le_bytes())
}

/// The records in `bytes`, in the order they were written, or `None` if
/// they are not a whole cache file written with `fingerprint`. Never
/// panics, whatever the bytes.
pub fn decode(bytes: &[u8], fingerprint: u64) -> Option<Vec<Record>> {
    use rayon::prelude::*;
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if xxhash_rust::xxh3::xxh3_64(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut d = Decoder { buf: body, pos: 0 };
    if d.take(8)? != MAGIC || d.u32()? != FORMAT || d.u64()? != fingerprint {
        return None;
    }
    let mut groups = Vec::new();
    while d.pos < body.len() {
        let len = usize::try_from(d.u64()?).ok()?;
        let count = d.u32()?;
        groups.push((count, d.take(len)?));
    }
    let decoded: Vec<Vec<Record>> = groups
        .into_par_iter()
        .map(|(count, group)| {
            let mut d = Decoder { buf: group, pos: 0 };
            // Every record takes more than 64 bytes: a count beyond that is a lie.
            let mut records = Vec::with_capacity((count as usize).min(group.len() / 64));
            for _ in 0..count {
                records.push(d.record()?);
            }
            (d.pos == group.len()).then_some(records)
        })
        .collect::<Option<_>>()?;
    Some(decoded.into_iter().flatten().collect())
}

struct Encoder(Vec<u8>);

impl Encoder {
    fn record(&mut self, record: &RecordRef<'_>) {
        self.seen(record.seen);
        self.story(record.story);
        self.u32(u32::try_from(record.warnings.len()).unwrap_or(u32::MAX));
        for w in record.warnings.iter().take(u32::MAX as usize) {
            self.warning(w);
        }
        match &record.body {
            Some((key, html)) => {
                self.u8(1);
                self.u64(*key);
                self.str(html);
            }
            None => self.u8(0),
        }
    }

    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn bytes(&mut self, v: &[u8]) {
        // Story files are far below 4 GiB (`max_article_bytes`).
        self.u32(u32::try_from(v.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(&v[..v.len().min(u32::MAX as usize)]);
    }

    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    fn path(&mut self, v: &Path) {
        use std::os::unix::ffi::OsStrExt;
        self.bytes(v.as_os_str().as_bytes());
    }

    fn opt_str(&mut self, v: Option<&str>) {
        match v {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(n) => {
                self.u8(1);
                self.u64(n);
            }
            None => self.u8(0),
        }
    }

    fn strs(&mut self, v: &[String]) {
        self.u32(u32::try_from(v.len()).unwrap_or(u32::MAX));
        for s in v.iter().take(u32::MAX as usize) {
            self.str(s);
        }
    }

    fn date(&mut self, v: DateTime<Utc>) {
        self.i64(v.timestamp());
        self.u32(v.timestamp_subsec_nanos());
    }

    fn seen(&mut self, v: Seen) {
        let s = v.stamp;
        for n in [s.device, s.inode, s.len] {
            self.u64(n);
        }
        for n in [s.modified.0, s.modified.1, s.changed.0, s.changed.1] {
            self.i64(n);
        }
        self.u8(u8::from(v.settled));
    }

    fn story(&mut self, s: &Story) {
        self.path(&s.path);
        self.u8(match s.format {
            Format::Markdown => 0,
            Format::Text => 1,
        });
        self.u64(s.hash);
        self.str(&s.id);
        // Most links are their story's id: said in one byte.
        match s.link == s.id {
            true => self.u8(1),
            false => {
                self.u8(0);
                self.str(&s.link);
            }
        }
        self.str(&s.title);
        self.u8(u8::from(s.title_from_body));
        self.opt_str(s.kicker.as_deref());
        self.opt_str(s.subtitle.as_deref());
        self.date(s.date);
        match s.updated {
            Some(d) => {
                self.u8(1);
                self.date(d);
            }
            None => self.u8(0),
        }
        self.strs(&s.authors);
        self.str(&s.summary);
        self.strs(&s.tags);
        self.strs(&s.categories);
        self.u8(u8::from(s.draft));
        self.opt_str(s.image.as_deref());
        self.u32(u32::try_from(s.attachments.len()).unwrap_or(u32::MAX));
        for a in s.attachments.iter().take(u32::MAX as usize) {
            self.str(&a.url);
            self.opt_str(a.mime_type.as_deref());
            self.opt_u64(a.size);
            self.opt_str(a.title.as_deref());
            self.opt_u64(a.duration);
        }
        self.opt_str(s.lang.as_deref());
        self.u32(u32::try_from(s.refs.len()).unwrap_or(u32::MAX));
        for r in s.refs.iter().take(u32::MAX as usize) {
            self.u8(r.kind.code());
            self.str(&r.reference);
            self.u32(r.line);
            self.u32(r.column);
        }
    }

    fn warning(&mut self, w: &StoryError) {
        self.path(&w.path);
        self.opt_u64(w.line.map(|n| n as u64));
        self.opt_u64(w.column.map(|n| n as u64));
        self.str(&w.message);
        self.str(&w.hint);
        self.u8(u8::from(w.transient));
    }
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn record(&mut self) -> Option<Record> {
        let seen = self.seen()?;
        let story = self.story()?;
        let n = self.u32()?;
        if n as usize > (self.buf.len() - self.pos) / 8 {
            return None;
        }
        let warnings = (0..n).map(|_| self.warning()).collect::<Option<Vec<_>>>()?;
        let body = match self.bool()? {
            true => Some((self.u64()?, Arc::from(self.str()?))),
            false => None,
        };
        Some(Record { seen, story, warnings, body })
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len)
    }

    fn str(&mut self) -> Option<&'a str> {
        simdutf8::basic::from_utf8(self.bytes()?).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    fn path(&mut self) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(self.bytes()?)))
    }

    fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.bool()? {
            true => read(self).map(Some),
            false => Some(None),
        }
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        self.opt(Self::string)
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        self.opt(Self::u64)
    }

    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.u32()?;
        // Each string takes at least its 4-byte length.
        if n as usize > (self.buf.len() - self.pos) / 4 {
            return None;
        }
        (0..n).map(|_| self.string()).collect()
    }

    fn date(&mut self) -> Option<DateTime<Utc>> {
        let secs = self.i64()?;
        let nanos = self.u32()?;
        DateTime::from_timestamp(secs, nanos)
    }

    fn seen(&mut self) -> Option<Seen> {
        let (device, inode, len) = (self.u64()?, self.u64()?, self.u64()?);
        let modified = (self.i64()?, self.i64()?);
        let changed = (self.i64()?, self.i64()?);
        let settled = self.bool()?;
        Some(Seen { stamp: Stamp { device, inode, len, modified, changed }, settled })
    }

    fn story(&mut self) -> Option<Story> {
        let path = self.path()?;
        let format = match self.u8()? {
            0 => Format::Markdown,
            1 => Format::Text,
            _ => return None,
        };
        let hash = self.u64()?;
        let id = self.string()?;
        let link = match self.bool()? {
            true => id.clone(),
            false => self.string()?,
        };
        let title = self.string()?;
        let title_from_body = self.bool()?;
        let kicker = self.opt_str()?;
        let subtitle = self.opt_str()?;
        let date = self.date()?;
        let updated = self.opt(Self::date)?;
        let authors = self.strs()?;
        let summary = self.string()?;
        let tags = self.strs()?;
        let categories = self.strs()?;
        let draft = self.bool()?;
        let image = self.opt_str()?;
        let n = self.u32()?;
        if n as usize > (self.buf.len() - self.pos) / 4 {
            return None;
        }
        let attachments = (0..n)
            .map(|_| {
                Some(Attachment {
                    url: self.string()?,
                    mime_type: self.opt_str()?,
                    size: self.opt_u64()?,
                    title: self.opt_str()?,
                    duration: self.opt_u64()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let lang = self.opt_str()?;
        let n = self.u32()?;
        if n as usize > (self.buf.len() - self.pos) / 13 {
            return None;
        }
        let refs = (0..n)
            .map(|_| {
                Some(BodyRef {
                    kind: RefKind::from_code(self.u8()?)?,
                    reference: self.string()?,
                    line: self.u32()?,
                    column: self.u32()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Story {
            path,
            format,
            hash,
            id,
            link,
            title,
            title_from_body,
            kicker,
            subtitle,
            date,
            updated,
            authors,
            summary,
            tags,
            categories,
            draft,
            image,
            attachments,
            enclosures: Enclosures::default(),
            lang,
            refs,
        })
    }

    fn warning(&mut self) -> Option<StoryError> {
        let path = self.path()?;
        let line = self.opt_u64()?.map(|n| usize::try_from(n).ok()).map_or(Some(None), |n| n.map(Some))?;
        let column = self.opt_u64()?.map(|n| usize::try_from(n).ok()).map_or(Some(None), |n| n.map(Some))?;
        let (message, hint) = (self.string()?, self.string()?);
        let transient = self.bool()?;
        // Only a story's own warnings are kept, never a problem between files.
        Some(StoryError { path, line, column, message, hint, transient, between_files: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field set, so that a field added to `Story` and forgotten
    /// here fails to compile, and one forgotten by the codec fails below.
    fn full_story() -> Story {
        let date = |s: &str| DateTime::parse_from_rfc3339(s).expect("date").with_timezone(&Utc);
        Story {
            path: PathBuf::from("2024/03/对标.md"),
            format: Format::Text,
            hash: 0xdead_beef_0123_4567,
            id: "https://news.example.com/duibiao/".into(),
            link: "https://news.example.com/duibiao/".into(),
            title: "对标奋进".into(),
            title_from_body: true,
            kicker: Some("引题".into()),
            subtitle: Some("副题".into()),
            date: date("2024-03-07T08:00:00.123456789+08:00"),
            updated: Some(date("2024-03-08T00:00:00Z")),
            authors: vec!["陈晓苏".into(), "王海涛".into()],
            summary: "摘要".into(),
            tags: vec!["a".into(), "".into()],
            categories: vec!["要闻".into()],
            draft: true,
            image: Some("p.jpg".into()),
            attachments: vec![
                Attachment {
                    url: "a.mp3".into(),
                    mime_type: Some("audio/mpeg".into()),
                    size: Some(12),
                    title: Some("音频".into()),
                    duration: Some(60),
                },
                Attachment { url: "b.pdf".into(), mime_type: None, size: None, title: None, duration: None },
            ],
            enclosures: Enclosures::default(),
            lang: Some("zh-CN".into()),
            refs: vec![BodyRef { kind: RefKind::Link, reference: "../b.md#x".into(), line: 9, column: 3 }],
        }
    }

    fn record() -> Record {
        let stamp = Stamp { device: 1, inode: 2, len: 3, modified: (4, 5), changed: (-6, 999_999_999) };
        Record {
            seen: Seen { stamp, settled: true },
            story: full_story(),
            warnings: vec![
                StoryError::new("articles/a.md", "read as GB18030", "save it as UTF-8").at(3, Some(7)),
                StoryError::new("articles/a.md", "m", ""),
            ],
            body: Some((42, Arc::from("<p>正文</p>"))),
        }
    }

    fn encoded(records: &[Record]) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, 7, records, |r| RecordRef {
            seen: r.seen,
            story: &r.story,
            warnings: &r.warnings,
            body: r.body.clone(),
        })
        .expect("writing into memory");
        out
    }

    #[test]
    fn records_round_trip_with_every_field() {
        let mut second = record();
        second.body = None;
        second.warnings.clear();
        second.seen.settled = false;
        second.story.kicker = None;
        second.story.updated = None;
        second.story.path = PathBuf::from("b/c.txt");
        second.story.link = "https://elsewhere.example.org/c".into();
        let mut records = vec![record(), second];
        // More than a group, in order.
        for i in 0..(GROUP * 2 + 3) {
            let mut r = record();
            r.story.path = PathBuf::from(format!("z/{i:05}.md"));
            records.push(r);
        }
        let bytes = encoded(&records);
        let back = decode(&bytes, 7).expect("decodes");
        assert_eq!(back, records);
    }

    #[test]
    fn another_fingerprint_a_flipped_bit_or_a_cut_are_refused() {
        let bytes = encoded(&[record()]);
        assert!(decode(&bytes, 7).is_some());
        assert!(decode(&bytes, 8).is_none(), "another configuration");
        for i in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(decode(&bad, 7).is_none(), "bit flipped at {i}");
        }
        for len in [0, 7, 8, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..len], 7).is_none(), "cut at {len}");
        }
    }

    /// Garbage with a valid checksum (a bug, or a cache of another layout
    /// that kept the format number) must not panic or allocate wildly.
    #[test]
    fn garbage_with_a_good_checksum_is_refused_without_panicking() {
        let mut state = 0x1234_5678_u64;
        for len in [1usize, 20, 28, 29, 100, 4096] {
            let mut body = MAGIC.to_vec();
            body.extend_from_slice(&FORMAT.to_le_bytes());
            body.extend_from_slice(&7u64.to_le_bytes());
            for _ in 0..len {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                body.push((state >> 33) as u8);
            }
            let sum = xxhash_rust::xxh3::xxh3_64(&body);
            body.extend_from_slice(&sum.to_le_bytes());
            assert!(decode(&body, 7).is_none(), "{len} random bytes");
        }
        assert_eq!(
            encoded(&[]),
            [
                MAGIC.as_slice(),
                &FORMAT.to_le_bytes(),
                &7u64.to_le_bytes(),
                &xxhash_rust::xxh3::xxh3_64(&[MAGIC.as_slice(), &FORMAT.to_le_bytes(), &7u64.to_le_bytes()].concat())
                    .to_le_bytes()
            ]
            .concat()
        );
        assert_eq!(decode(&encoded(&[]), 7), Some(Vec::new()), "no story, no group");
    }

    #[test]
    fn the_cache_is_never_the_state_file() {
        assert_eq!(path_for(Path::new("/s/state.json")), Path::new("/s/state.cache"));
        assert_eq!(path_for(Path::new("/s/state")), Path::new("/s/state.cache"));
        assert_eq!(path_for(Path::new("/s/x.cache")), Path::new("/s/x.cache.cache"));
    }

    #[test]
    fn only_a_regular_file_is_read_as_a_cache() {
        let dir = tempfile::tempdir().expect("tmp");
        let fifo = dir.path().join("fifo.cache");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if made {
            assert!(load(&fifo, 7).is_empty(), "a FIFO is refused at once, not waited on");
        }
        let link = dir.path().join("link.cache");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        assert!(load(&link, 7).is_empty(), "a link is not followed (to /dev/zero: endless)");
        let file = dir.path().join("ok.cache");
        std::fs::write(&file, encoded(&[record()])).expect("write");
        assert_eq!(load(&file, 7), vec![record()]);
    }

    #[test]
    fn a_file_is_settled_once_it_has_not_changed_for_a_while() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs: i64, nanos: i64| Stamp { changed: (secs, nanos), ..Stamp::default() };
        assert!(at(999_997, 0).settled(now));
        assert!(!at(999_998, 1).settled(now), "changed within the last two seconds");
        assert!(!at(1_000_005, 0).settled(now), "changed in the future (clock moved back)");
        assert!(!at(-5, 0).settled(now), "before the epoch: not trusted");
    }
}
