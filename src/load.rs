//! Finding and reading story files (I/O): the walk, the size cap, symlink
//! and special-file rules, decoding; parsing is delegated to `article`.

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::article::front_matter::Attachment;
use crate::article::refs::{self, RefKind};
use crate::article::{self, decode, Enclosure, Enclosures, Inline, Parsed, Site, Source, Story};
use crate::cache::{Record, Seen, Stamp};
use crate::error::{FatalError, StoryError};
use crate::{layout, paths};

/// What reading needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
}

/// A story read and parsed, with the text it came from.
#[derive(Debug, Clone)]
pub struct StoryFile {
    pub parsed: Parsed,
    pub text: String,
}

/// Every story path under `dir` (relative to it), sorted, and the problems
/// met on the way (unreadable folders, symlinks leading out).
pub fn discover(dir: &Path) -> Result<(Vec<PathBuf>, Vec<StoryError>), FatalError> {
    check_articles_dir(dir)?;
    Ok(discover_under(dir, Path::new("")))
}

/// What a full scan of the articles folder lists.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Every story file, sorted.
    pub stories: Vec<PathBuf>,
    /// Problems met on the way (unreadable folders, links leading out).
    pub problems: Vec<StoryError>,
    /// The story files among them that are symlinks: a change to the
    /// target changes them.
    pub linked_stories: Vec<PathBuf>,
    /// Folders that could not be listed (relative to the articles folder):
    /// the stories under them are unknown, not gone.
    pub unreadable: Vec<PathBuf>,
}

/// Like [`discover`], with the story files that are symlinks.
pub fn discover_with_links(dir: &Path) -> Result<Discovered, FatalError> {
    check_articles_dir(dir)?;
    let walk = walk_under(dir, Path::new(""));
    Ok(Discovered {
        stories: walk.found,
        problems: walk.problems,
        linked_stories: walk.linked_stories,
        unreadable: walk.unreadable,
    })
}

/// The path a symlinked story `rel` points at, relative to the articles
/// folder `dir`, whether or not it exists yet (a link may come before its
/// target); `None` when `rel` is not a symlink or points out of `dir`.
pub fn link_target(dir: &Path, rel: &Path) -> Option<PathBuf> {
    let full = dir.join(rel);
    let pointed = fs::read_link(&full).ok()?;
    let joined = if pointed.is_absolute() { pointed } else { full.parent()?.join(pointed) };
    let mut lexical = PathBuf::new();
    for component in joined.components() {
        match component {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if let Ok(inside) = lexical.strip_prefix(dir) {
        return Some(inside.to_path_buf());
    }
    let root = fs::canonicalize(dir).ok()?;
    lexical.strip_prefix(root).ok().map(Path::to_path_buf)
}

/// The articles folder exists and is a folder: a configuration error if not.
pub fn check_articles_dir(dir: &Path) -> Result<(), FatalError> {
    let missing = |message: String| FatalError::Config {
        path: dir.to_owned(),
        message,
        hint: "set `articles_dir` (or --articles) to the folder of stories".into(),
    };
    let root = fs::canonicalize(dir).map_err(|e| missing(format!("cannot open the articles folder: {e}")))?;
    if !root.is_dir() {
        return Err(missing("not a folder".into()));
    }
    Ok(())
}

/// The story files under `sub` (relative to the articles folder `dir`)
/// exactly as a full scan finds them: what the watcher re-reads when a
/// folder appears, moves or vanishes. A scan refuses a folder symlink that
/// leads outside, and skips one whose target it reaches by its real path;
/// a walk of `sub` alone cannot tell, so when a symlinked folder is on the
/// way to `sub` or inside it, the whole folder is listed and `sub`'s part
/// taken (listing, not reading: cheap even at 100,000 stories).
pub fn stories_under(dir: &Path, sub: &Path) -> Vec<PathBuf> {
    if !link_on_the_way(dir, sub) {
        let walk = walk_under(dir, sub);
        if !walk.met_links {
            return walk.found;
        }
    }
    let (all, _) = discover_under(dir, Path::new(""));
    all.into_iter().filter(|p| p.starts_with(sub)).collect()
}

/// Whether a full scan lists the story file `rel` (which exists): not a
/// symlink to a hidden or private file, and, when a folder on its way is a
/// symlink, reached the way the scan reaches it.
pub fn is_listed(dir: &Path, rel: &Path) -> bool {
    if refused_link(dir, rel).is_some() {
        return false;
    }
    let parent = rel.parent().unwrap_or(Path::new(""));
    !link_on_the_way(dir, parent) || stories_under(dir, parent).iter().any(|p| p == rel)
}

/// The problem a scan reports for the story file `rel` when it is a
/// symlink (or a chain of them) to a hidden or private file inside the
/// articles folder `dir`: such a link would publish what the target's own
/// name keeps out.
pub fn refused_link(dir: &Path, rel: &Path) -> Option<StoryError> {
    let full = dir.join(rel);
    let is_link = fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink());
    let target = is_link.then(|| fs::canonicalize(&full).ok()).flatten()?;
    let root = fs::canonicalize(dir).ok()?;
    is_private_target(&root, &target).then(|| private_link(&full))
}

/// Whether `target` (canonical) lies inside `root` (canonical) where a
/// hidden or private name keeps it out of the feeds.
fn is_private_target(root: &Path, target: &Path) -> bool {
    target.strip_prefix(root).is_ok_and(|inside| !paths::is_story_dir(inside))
}

fn private_link(path: &Path) -> StoryError {
    StoryError::new(
        path,
        "symlink points at a hidden or private file or folder; skipped",
        "move what it points at out of the `.`/`_` folder, or delete the link",
    )
}

/// Whether an error looking a path up says it does not exist (as opposed
/// to, say, a folder on the way that cannot be read).
pub fn is_not_found(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
}

/// The path of the file `rel` (relative to the articles folder `dir`)
/// with the folder symlinks on its way resolved, when that is another path
/// inside `dir`. A change may be reported through a link to the folder it
/// happened in, and a scan knows the story by its real path.
pub fn real_path(dir: &Path, rel: &Path) -> Option<PathBuf> {
    let folder = real_folder(dir, rel.parent().unwrap_or(Path::new("")))?;
    Some(folder.join(rel.file_name()?))
}

/// The folder `sub` (relative to `dir`) with the symlinks on its way
/// resolved, when one is and the result is another folder inside `dir`.
pub fn real_folder(dir: &Path, sub: &Path) -> Option<PathBuf> {
    if !link_on_the_way(dir, sub) {
        return None;
    }
    let root = fs::canonicalize(dir).ok()?;
    let real = fs::canonicalize(dir.join(sub)).ok()?.strip_prefix(&root).ok()?.to_path_buf();
    (real != sub).then_some(real)
}

/// Whether `sub` or a folder above it (inside `dir`) is a symlink.
fn link_on_the_way(dir: &Path, sub: &Path) -> bool {
    let mut at = dir.to_owned();
    sub.components().any(|c| {
        at.push(c);
        fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
    })
}

/// Like [`discover`], for the subfolder `sub` of the articles folder `dir`
/// only (paths still relative to `dir`). A missing subfolder holds nothing.
/// Folder symlinks under `sub` are judged within `sub` alone: use
/// [`stories_under`] for what a full scan would find there.
pub fn discover_under(dir: &Path, sub: &Path) -> (Vec<PathBuf>, Vec<StoryError>) {
    let walk = walk_under(dir, sub);
    (walk.found, walk.problems)
}

/// What a walk of one subfolder found.
struct Walk {
    found: Vec<PathBuf>,
    /// The stories among `found` that are symlinks.
    linked_stories: Vec<PathBuf>,
    /// Folders that could not be listed: what is under them is unknown.
    unreadable: Vec<PathBuf>,
    problems: Vec<StoryError>,
    /// A symlink to a folder was met on the way.
    met_links: bool,
}

fn walk_under(dir: &Path, sub: &Path) -> Walk {
    let mut met_links = false;
    let mut linked_stories = Vec::new();
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut unreadable = Vec::new();
    let Ok(root) = fs::canonicalize(dir) else {
        return Walk { found, linked_stories, unreadable, problems, met_links };
    };
    if !paths::is_story_dir(sub) || !dir.join(sub).is_dir() {
        return Walk { found, linked_stories, unreadable, problems, met_links };
    }
    // Every folder walked, by (device, inode): a symlink loop is walked once.
    let mut visited = std::collections::HashSet::new();
    // Folders reached through a symlink wait until every real folder is
    // walked, so a folder reachable both ways is always found by its real path.
    let mut linked = Vec::new();
    // The folders of one depth are read side by side.
    let mut level = vec![sub.to_owned()];
    loop {
        if level.is_empty() {
            match linked.pop() {
                Some(folder) => level.push(folder),
                None => break,
            }
        }
        level.retain(|rel_dir| match fs::metadata(dir.join(rel_dir)) {
            Ok(meta) => visited.insert((meta.dev(), meta.ino())),
            Err(_) => true, // reading it reports the problem
        });
        let listings: Vec<Listing> = level.par_iter().map(|rel_dir| list_folder(dir, &root, rel_dir)).collect();
        level.clear();
        for listing in listings {
            found.extend(listing.stories);
            level.extend(listing.folders);
            met_links |= !listing.linked.is_empty() || listing.links_outside;
            linked_stories.extend(listing.linked_stories);
            linked.extend(listing.linked);
            problems.extend(listing.problems);
            unreadable.extend(listing.unreadable);
        }
    }
    sort_paths(&mut found);
    Walk { found, linked_stories, unreadable, problems, met_links }
}

/// What one folder holds (paths relative to the articles folder).
#[derive(Default)]
struct Listing {
    stories: Vec<PathBuf>,
    folders: Vec<PathBuf>,
    /// Symlinks to folders inside the articles folder.
    linked: Vec<PathBuf>,
    /// A symlink to a folder outside it was met (and refused).
    links_outside: bool,
    /// Story files that are symlinks.
    linked_stories: Vec<PathBuf>,
    /// Folders that could not be listed.
    unreadable: Vec<PathBuf>,
    problems: Vec<StoryError>,
}

fn list_folder(dir: &Path, root: &Path, rel_dir: &Path) -> Listing {
    let mut listing = Listing::default();
    let entries = match fs::read_dir(dir.join(rel_dir)) {
        Ok(entries) => entries,
        Err(e) => {
            listing.problems.push(StoryError::new(
                dir.join(rel_dir),
                format!("cannot read folder: {e}"),
                "check its permissions",
            ));
            listing.unreadable.push(rel_dir.to_owned());
            return listing;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name_str) = name.to_str() else {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let story_like =
                Path::new(&name).extension().is_some_and(|e| ["md", "markdown", "txt"].iter().any(|x| e == *x));
            if is_dir || story_like {
                listing.problems.push(StoryError::new(
                    dir.join(rel_dir).join(&name),
                    format!("{} name is not valid UTF-8; skipped", if is_dir { "folder" } else { "file" }),
                    "rename it (names from old Windows archives are often GBK)",
                ));
            }
            continue;
        };
        if paths::is_ignored_name(name_str) {
            continue;
        }
        let rel = rel_dir.join(&name);
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            listing.folders.push(rel);
        } else if file_type.is_symlink() {
            // Follow a link to a folder only inside the articles folder, once,
            // and never into what is hidden or private there: the link would
            // publish what the folder's own name keeps out (and the watcher,
            // which ignores such folders, would not see it change).
            let target = fs::canonicalize(entry.path());
            let private = target.as_ref().is_ok_and(|t| is_private_target(root, t));
            match target {
                Ok(_) if private && (paths::is_story_path(&rel) || entry.path().is_dir()) => {
                    listing.links_outside = true;
                    listing.problems.push(private_link(&dir.join(&rel)));
                }
                Ok(target) if target.is_dir() => {
                    if !target.starts_with(root) {
                        listing.links_outside = true;
                        listing.problems.push(outside(&dir.join(&rel)));
                    } else {
                        listing.linked.push(rel);
                    }
                }
                _ if paths::is_story_path(&rel) => {
                    listing.linked_stories.push(rel.clone());
                    listing.stories.push(rel);
                }
                _ => {}
            }
        } else if paths::is_story_path(&rel) {
            listing.stories.push(rel);
        }
    }
    listing
}

/// The order [`sort_paths`] sorts in, without making keys: `Path`'s own
/// order for relative paths, a byte comparison with `/` as the least byte.
pub(crate) fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::os::unix::ffi::OsStrExt;
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    // Where they first differ, eight bytes at a time while they agree (no
    // path holds a NUL byte, so mapping `/` to it keeps them different).
    let common = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= common && a[i..i + 8] == b[i..i + 8] {
        i += 8;
    }
    while i < common && a[i] == b[i] {
        i += 1;
    }
    let key = |b: u8| if b == b'/' { 0 } else { b };
    match (a.get(i), b.get(i)) {
        (Some(&x), Some(&y)) => key(x).cmp(&key(y)),
        _ => a.len().cmp(&b.len()),
    }
}

/// Sorts relative paths as `Path`'s own order does (component by
/// component), comparing each as bytes with the separator made the least
/// byte: the same order, without walking components at every comparison
/// (100,000 paths sort in milliseconds instead of a tenth of a second).
pub(crate) fn sort_paths<P: AsRef<Path> + Send>(paths: &mut [P]) {
    use std::os::unix::ffi::OsStrExt;
    paths.par_sort_by_cached_key(|p| {
        let mut key = p.as_ref().as_os_str().as_bytes().to_vec();
        for b in &mut key {
            if *b == b'/' {
                *b = 0;
            }
        }
        key
    });
}

fn outside(path: &Path) -> StoryError {
    StoryError::new(
        path,
        "symlink points outside the articles folder",
        "copy the file into the articles folder instead of linking to it",
    )
}

/// Reads, decodes and parses one story, keeping its text (for rendering).
/// `dir` is the articles folder.
pub fn read_story(dir: &Path, rel: &Path, limits: Limits, site: Site<'_>) -> Result<StoryFile, StoryError> {
    with_story(dir, rel, limits, site, None, |parsed, text, _| StoryFile { parsed, text: text.to_owned() })
}

/// Reads, decodes and parses one story, keeping only its record and the
/// identity of the file it came from (none for a symlinked story): the
/// bytes go into a buffer the thread reuses, and plain UTF-8 is parsed
/// where it lies, so a full scan allocates nothing per file but the record.
pub fn read_parsed(dir: &Path, rel: &Path, limits: Limits, site: Site<'_>) -> Result<Known, StoryError> {
    with_story(dir, rel, limits, site, None, |parsed, _, seen| Known { parsed, seen, cached: false })
}

/// A story's record and the identity of the file it was read from
/// (`None` for a story that is a symlink: its identity is its target's).
#[derive(Debug)]
pub struct Known {
    pub parsed: Parsed,
    pub seen: Option<Seen>,
    /// Taken from the story cache, which holds it already.
    pub cached: bool,
}

/// What a scan learned of one story file.
// Unboxed: a cold scan reads every file, and a box would cost an
// allocation per story to save space in a vector that holds one chunk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Outcome {
    /// Its identity matches the trusted record the scan was given: not read.
    Unchanged,
    Read(Result<Known, StoryError>),
}

thread_local! {
    /// The bytes of the story being read on this thread. (Nothing done
    /// while it is borrowed reads another story or waits on rayon, so it
    /// is never borrowed twice.)
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer that has held a large story is not kept at that size.
const KEPT_BUFFER_BYTES: usize = 1 << 20;

fn with_story<R>(
    dir: &Path,
    rel: &Path,
    limits: Limits,
    site: Site<'_>,
    folder: Option<&mut Folder>,
    keep: impl FnOnce(Parsed, &str, Option<Seen>) -> R,
) -> Result<R, StoryError> {
    let path = dir.join(rel);
    let fail = |message: String, hint: &str| StoryError::new(&path, message, hint);
    let unreadable = |e: std::io::Error| {
        fail(format!("cannot read: {e}"), "check that the file exists and is readable").transient(&e)
    };
    let not_regular =
        || fail("not a regular file".into(), "stories must be regular files (not FIFOs, sockets or devices)");
    // One open that follows no symlink and never waits (a FIFO would wait
    // for a writer), then the type from the open file: one walk of the
    // path instead of two (`lstat`, then `open`) on every story of a scan.
    // A socket cannot be opened at all: say what it is.
    let refused = |at: &Path, e: std::io::Error| match fs::metadata(at) {
        Ok(m) if !m.is_file() => not_regular(),
        _ => unreadable(e),
    };
    let opened = match folder {
        Some(folder) => folder.open_no_follow(&path),
        None => open_no_follow(&path),
    };
    let mut linked = false;
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            linked = true;
            let root =
                fs::canonicalize(dir).map_err(|e| fail(format!("cannot resolve the articles folder: {e}"), ""))?;
            let target = fs::canonicalize(&path)
                .map_err(|e| fail(format!("broken symlink: {e}"), "point it at an existing file or delete it"))?;
            if !target.starts_with(&root) {
                return Err(outside(&path));
            }
            open_no_follow(&target).map_err(|e| refused(&target, e))?
        }
        Err(e) => return Err(refused(&path, e)),
    };
    // Before the metadata: a change made after it shows in the file's identity.
    let read_at = std::time::SystemTime::now();
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > limits.max_bytes {
        return Err(too_big(&path, meta.len(), limits));
    }
    BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        if bytes.capacity() > KEPT_BUFFER_BYTES {
            bytes.shrink_to(KEPT_BUFFER_BYTES);
        }
        read_sized(&mut file, meta.len(), limits.max_bytes, bytes)
            .map_err(|e| fail(format!("cannot read: {e}"), "check the file's permissions").transient(&e))?;
        if bytes.len() as u64 > limits.max_bytes {
            return Err(too_big(&path, bytes.len() as u64, limits));
        }
        let (text, how) = decode::decode(bytes).map_err(|e| match e {
            decode::NotText::Binary { offset } => {
                fail(format!("binary file (NUL byte at offset {offset})"), "stories must be text: save it as UTF-8")
            }
            decode::NotText::Utf32 => fail("UTF-32 text".into(), "save the file as UTF-8"),
            decode::NotText::Undecodable { offset } => fail(
                format!("not UTF-8, UTF-16 or GB18030 text (bad byte at offset {offset})"),
                "save the file as UTF-8",
            ),
        })?;
        let stamp = Stamp::from_metadata(&meta);
        let seen = (!linked).then(|| Seen { stamp, settled: stamp.settled(read_at) });
        let modified = modified_time(&meta);
        let mut parsed = article::parse(Source { rel_path: rel, shown_path: &path, text: &text, modified }, site)?;
        if how == decode::Decoded::Gb18030 {
            parsed.warnings.push(fail("read as GB18030 (not valid UTF-8)".into(), "save the file as UTF-8"));
        }
        Ok(keep(parsed, &text, seen))
    })
}

/// Reads a file that `fstat` said holds `len` bytes into `bytes`, at most
/// `max + 1` of them (so that an oversized file shows). A short read that
/// ends exactly at `len` is the end: one `read` per story, where std's
/// `read_to_end` (8 KiB steps, then a probe for the end) makes three for a
/// typical one. A file growing at this very moment is read again at its
/// next change event.
fn read_sized(file: &mut fs::File, len: u64, max: u64, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    let limit = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    bytes.clear();
    bytes.resize(usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1).min(limit), 0);
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            if filled >= limit {
                break;
            }
            bytes.resize(filled.saturating_mul(2).max(4096).min(limit), 0);
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled as u64 == len && filled < bytes.len() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                bytes.truncate(filled);
                return Err(e);
            }
        }
    }
    bytes.truncate(filled);
    Ok(())
}

/// How a story file is opened: for reading, without following a symlink
/// in its last component (that fails with `ELOOP`), without blocking on a
/// FIFO and without a terminal device becoming the daemon's controlling
/// terminal.
const STORY_OPEN_FLAGS: libc::c_int = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;

fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().read(true).custom_flags(STORY_OPEN_FLAGS).open(path)
}

/// The folder of the story opened last, held open while one batch of
/// stories is read, so that the next story in it is opened by its name
/// alone (`openat`): the kernel looks up one name instead of every folder
/// from `/` down, for each story. Never kept past
/// the batch: a folder renamed later is looked up afresh. (A folder
/// renamed while its batch is read gives the rest of its stories under
/// their old paths, as any file renamed mid-scan does; the watcher's
/// events for the rename put the index right.)
#[derive(Default)]
pub(crate) struct Folder {
    #[cfg(target_os = "linux")]
    open: Option<(PathBuf, std::os::fd::OwnedFd)>,
}

impl Folder {
    /// The held handle of `parent`, opened if another folder is held.
    #[cfg(target_os = "linux")]
    fn handle(&mut self, parent: &Path) -> std::io::Result<std::os::fd::RawFd> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        if let Some((open, fd)) = &self.open {
            if open == parent {
                return Ok(fd.as_raw_fd());
            }
        }
        // O_PATH: a handle to look names up in, needing no read permission.
        let folder = fs::OpenOptions::new().read(true).custom_flags(libc::O_PATH | libc::O_DIRECTORY).open(parent)?;
        let (_, fd) = self.open.insert((parent.to_owned(), folder.into()));
        Ok(fd.as_raw_fd())
    }

    /// Opens `path` as [`open_no_follow`] does.
    #[cfg(target_os = "linux")]
    fn open_no_follow(&mut self, path: &Path) -> std::io::Result<fs::File> {
        use std::os::fd::FromRawFd;
        use std::os::unix::ffi::OsStrExt;
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return open_no_follow(path) };
        let fd = self.handle(parent)?;
        let name = std::ffi::CString::new(name.as_bytes())?;
        loop {
            // SAFETY: `fd` is an open folder owned by `self`, `name` a
            // NUL-terminated string; both outlive the call.
            let file = unsafe { libc::openat(fd, name.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC | STORY_OPEN_FLAGS) };
            if file >= 0 {
                // SAFETY: `openat` just returned this descriptor, owned by no one else.
                return Ok(unsafe { fs::File::from_raw_fd(file) });
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn open_no_follow(&mut self, path: &Path) -> std::io::Result<fs::File> {
        open_no_follow(path)
    }

    /// The identity of the regular file at `path`, without following a
    /// symlink (`None` for anything else, or when it cannot be looked at).
    #[cfg(target_os = "linux")]
    fn stamp_no_follow(&mut self, path: &Path) -> Option<Stamp> {
        use std::os::unix::ffi::OsStrExt;
        let (parent, name) = (path.parent()?, path.file_name()?);
        let fd = self.handle(parent).ok()?;
        let name = std::ffi::CString::new(name.as_bytes()).ok()?;
        // SAFETY: an all-zero `stat` is a valid value for the kernel to fill.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is an open folder owned by `self`, `name` a
        // NUL-terminated string and `st` a writable `stat`; all outlive the call.
        if unsafe { libc::fstatat(fd, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
            return None;
        }
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return None;
        }
        Some(Stamp {
            device: st.st_dev,
            inode: st.st_ino,
            len: u64::try_from(st.st_size).ok()?,
            modified: (st.st_mtime, st.st_mtime_nsec),
            changed: (st.st_ctime, st.st_ctime_nsec),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn stamp_no_follow(&mut self, path: &Path) -> Option<Stamp> {
        fs::symlink_metadata(path).ok().filter(fs::Metadata::is_file).map(|m| Stamp::from_metadata(&m))
    }
}

fn too_big(path: &Path, len: u64, limits: Limits) -> StoryError {
    StoryError::new(
        path,
        format!("file is {len} bytes, over the {} byte limit", limits.max_bytes),
        "split the story or raise `max_article_bytes` in feedsmith.toml",
    )
}

/// Reads many stories in parallel, keeping only their records (bodies are
/// read again when rendered); results in the order of `rels`. A story
/// whose file has the identity of its trusted record in `known` (one for
/// each of `rels`, or none at all) is not read. Once `cancel` is set the remaining files are skipped (reported as
/// cancelled), so a signal is answered within moments.
pub fn read_all(
    dir: &Path,
    rels: &[PathBuf],
    limits: Limits,
    site: Site<'_>,
    known: &[Option<Record>],
    cancel: &AtomicBool,
) -> Vec<Outcome> {
    rels.par_iter()
        .enumerate()
        .map_init(Folder::default, |folder, (i, rel)| {
            if cancel.load(Ordering::Relaxed) {
                return Outcome::Read(Err(StoryError::new(dir.join(rel), "not read: stopping", "")));
            }
            if let Some(record) = known.get(i).and_then(Option::as_ref).filter(|r| r.seen.settled) {
                if folder.stamp_no_follow(&dir.join(rel)).as_ref() == Some(&record.seen.stamp) {
                    return Outcome::Unchanged;
                }
            }
            Outcome::Read(with_story(dir, rel, limits, site, Some(folder), |parsed, _, seen| Known {
                parsed,
                seen,
                cached: false,
            }))
        })
        .collect()
}

/// A file's modification time as a date, if it is one chrono can hold: file
/// systems with 64-bit times (tmpfs, btrfs, ZFS, NFS) can hold a year far
/// beyond that (`touch -d @9000000000000`), where the plain conversion
/// panics. Such a time is as good as none.
fn modified_time(meta: &fs::Metadata) -> Option<DateTime<Utc>> {
    let nanos = u32::try_from(meta.mtime_nsec()).unwrap_or(0).min(999_999_999);
    DateTime::from_timestamp(meta.mtime(), nanos)
}

/// Resolves a story's `image` and `attachments`, and the local files its
/// body refers to. An absolute URL is kept (its type given, or guessed
/// from the extension); a local path, relative to the story file, must be
/// a file inside the articles folder and is published under
/// `feeds_url/media/` with its real length and type; a link to another
/// story's file becomes that story's link (`story_link`). What cannot be
/// resolved is left out with a warning naming the file (and for the body,
/// the line and column of the reference).
pub fn resolve_media(
    dir: &Path,
    story: &mut Story,
    feeds_url: &url::Url,
    max_bytes: u64,
    story_link: &dyn Fn(&Path) -> Option<String>,
) -> Vec<StoryError> {
    let shown = dir.join(&story.path);
    let mut warnings = Vec::new();
    let story_dir = story.path.parent().unwrap_or(Path::new("")).to_owned();
    let mut resolve = |reference: &str, given: Option<&Attachment>| -> Option<Enclosure> {
        let given_type = given.and_then(|a| a.mime_type.clone());
        let base = Enclosure {
            title: given.and_then(|a| a.title.clone()),
            duration: given.and_then(|a| a.duration),
            length: given.and_then(|a| a.size),
            ..Enclosure::default()
        };
        if let Ok(url) = url::Url::parse(reference) {
            if !matches!(url.scheme(), "http" | "https") {
                warnings.push(StoryError::new(
                    &shown,
                    format!("media {reference:?} is not an http(s) URL"),
                    "use a web address or a file beside the story",
                ));
                return None;
            }
            let mime_type = given_type.or_else(|| layout::media_type(Path::new(url.path())));
            let Some(mime_type) = mime_type else {
                warnings.push(StoryError::new(
                    &shown,
                    format!("media {reference:?} has no known type"),
                    "give its `type`, such as \"audio/mpeg\"",
                ));
                return None;
            };
            return Some(Enclosure { url: url.to_string(), mime_type, ..base });
        }
        let local = refs::normalize(&story_dir.join(reference.replace('\\', "/"))).ok_or(Refused::Outside);
        let (len, rel) = match local.and_then(|rel| local_file(dir, &rel, max_bytes)) {
            Ok(found) => found,
            Err(Refused::Missing) => {
                warnings.push(StoryError::new(
                    &shown,
                    format!("media file {reference:?} not found in the articles folder"),
                    "put the file beside the story, or fix the path",
                ));
                return None;
            }
            Err(refused) => {
                let (why, hint) = refused.why();
                warnings.push(StoryError::new(&shown, format!("media {reference:?} {why}; not published"), hint));
                return None;
            }
        };
        let mime_type =
            given_type.or_else(|| layout::media_type(&rel)).unwrap_or_else(|| "application/octet-stream".to_owned());
        Some(Enclosure {
            url: layout::media_url(feeds_url, &rel),
            mime_type,
            length: Some(len),
            source: Some(rel),
            ..base
        })
    };
    let image = story.image.clone().and_then(|i| resolve(&i, None)).map(Box::new);
    let attachments = story.attachments.clone().iter().filter_map(|a| resolve(&a.url, Some(a))).collect();
    let mut inline: Vec<Inline> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in &story.refs {
        let Some(file) = r.file() else { continue };
        let at = |error: StoryError| error.at(r.line as usize, Some(r.column as usize));
        let (noun, reference) = (r.kind.noun(), &r.reference);
        let Some(rel) = refs::normalize(&story_dir.join(&file)) else {
            // A link may climb to a page of the site; a picture is a file.
            if r.kind != RefKind::Link {
                let (why, hint) = Refused::Outside.why();
                warnings.push(at(StoryError::new(&shown, format!("{noun} {reference:?} {why}; not published"), hint)));
            }
            continue;
        };
        let story_file = article::Format::of(&rel).is_some();
        // A picture or media element naming a story file shows nothing.
        if (story_file && r.kind != RefKind::Link) || !seen.insert(rel.clone()) {
            continue;
        }
        if story_file {
            // A link to a story file never publishes the file's path: to a
            // story that is not published (private, missing, not yet out)
            // it keeps its text and loses its address.
            let exists = fs::metadata(dir.join(&rel)).is_ok_and(|m| m.is_file());
            let url = match (paths::is_story_path(&rel), exists) {
                (true, true) => story_link(&rel).unwrap_or_default(),
                (false, true) => {
                    warnings.push(at(StoryError::new(
                        &shown,
                        format!(
                            "links the hidden or private story {reference:?}; the link is left without its address"
                        ),
                        "link stories that are published, or remove the link",
                    )));
                    String::new()
                }
                (_, false) => {
                    warnings.push(at(StoryError::new(
                        &shown,
                        format!("story {reference:?} not found; the link is left without its address"),
                        "link another story by the path of its file from this one, or by its web address",
                    )));
                    String::new()
                }
            };
            inline.push(Inline { target: rel, url, source: None });
            continue;
        }
        match local_file(dir, &rel, max_bytes) {
            Ok((_, real)) => {
                let url = layout::media_url(feeds_url, &real);
                inline.push(Inline { target: rel, url, source: Some(real) });
            }
            Err(Refused::Missing) => {
                // A link to what is not a file may be a page of the site.
                let document = layout::media_type(&rel).is_some_and(|t| t != "text/html");
                if r.kind != RefKind::Link || document {
                    warnings.push(at(StoryError::new(
                        &shown,
                        format!("{noun} {reference:?} not found"),
                        "put the file in the articles folder (its path is relative to the story's file), or fix the path",
                    )));
                }
            }
            Err(refused) => {
                let (why, hint) = refused.why();
                warnings.push(at(StoryError::new(&shown, format!("{noun} {reference:?} {why}; not published"), hint)));
            }
        }
    }
    story.enclosures = Enclosures { image, attachments, inline };
    warnings
}

/// Why a local media file is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    /// The path climbs above the articles folder.
    Outside,
    /// A hidden or `_` file, or a story file: never published as media.
    Private,
    /// A symlink to a file outside the articles folder.
    LinkOutside,
    Missing,
    TooBig(u64, u64),
}

impl Refused {
    fn why(self) -> (String, &'static str) {
        match self {
            Refused::Outside => ("leads outside the articles folder".into(), "put the file inside the articles folder"),
            Refused::Private => (
                "is a hidden, private (`_`) or story file".into(),
                "media must be a visible file that is not a story (.md, .markdown, .txt)",
            ),
            Refused::LinkOutside => {
                ("is a link leading outside the articles folder".into(), "copy the file in instead of linking to it")
            }
            Refused::Missing => ("is not found".into(), "put the file beside the story, or fix the path"),
            Refused::TooBig(len, max) => (
                format!("is {len} bytes, over `max_media_bytes` ({max})"),
                "publish it elsewhere and link it by URL, or raise `max_media_bytes`",
            ),
        }
    }
}

/// The length of the media file `rel` (relative to the articles folder),
/// and the file it really is (`rel` itself, or where the symlinks on its
/// way lead, relative to the folder), if it may be published: visible by
/// its written path and by its real one (a link named `pub` to `.git` must
/// not publish `.git/config`), inside the folder, a regular file, within
/// `max_bytes`. Nothing is read.
fn local_file(dir: &Path, rel: &Path, max_bytes: u64) -> Result<(u64, PathBuf), Refused> {
    if !paths::is_media_path(rel) {
        return Err(Refused::Private);
    }
    let Ok(meta) = fs::metadata(dir.join(rel)) else { return Err(Refused::Missing) };
    if !meta.is_file() {
        return Err(Refused::Missing);
    }
    let real = fs::canonicalize(dir.join(rel)).ok();
    let root = fs::canonicalize(dir).ok();
    let Some(real) = real.zip(root).and_then(|(f, root)| f.strip_prefix(root).ok().map(Path::to_path_buf)) else {
        return Err(Refused::LinkOutside);
    };
    if !paths::is_media_path(&real) {
        return Err(Refused::Private);
    }
    if meta.len() > max_bytes {
        return Err(Refused::TooBig(meta.len(), max_bytes));
    }
    Ok((meta.len(), real))
}

/// The local files (relative to the articles folder) a story's `image`,
/// `attachments` and body name, found or not: what the watcher must notice
/// (a story file among them, because its link may change).
pub fn local_media_refs(story: &Story) -> Vec<PathBuf> {
    let story_dir = story.path.parent().unwrap_or(Path::new(""));
    let references = story.image.iter().chain(story.attachments.iter().map(|a| &a.url));
    let given = references
        .filter(|r| url::Url::parse(r).is_err())
        .filter_map(|r| refs::normalize(&story_dir.join(r.replace('\\', "/"))))
        .filter(|rel| paths::is_media_path(rel));
    let body = story
        .refs
        .iter()
        .filter_map(|r| r.file())
        .filter_map(|file| refs::normalize(&story_dir.join(file)))
        .filter(|rel| paths::is_media_path(rel) || paths::is_story_path(rel));
    let mut files: Vec<PathBuf> = given.chain(body).collect();
    files.sort();
    files.dedup();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folder symlinks made while watching were walked although a scan
    /// refuses them: a link outside published its stories, a link to the
    /// articles folder published every story twice.
    #[test]
    fn a_subtree_holds_exactly_what_a_full_scan_lists_there() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().expect("tmp");
        let (dir, elsewhere) = (tmp.path().join("articles"), tmp.path().join("elsewhere"));
        for folder in ["2024", "2023", "_private/x", "sub"] {
            fs::create_dir_all(dir.join(folder)).expect("mkdir");
        }
        fs::create_dir_all(&elsewhere).expect("mkdir");
        for story in ["2024/a.md", "2023/b.md", "_private/x/c.md", "sub/d.md"] {
            fs::write(dir.join(story), "# t\n").expect("write");
        }
        fs::write(elsewhere.join("e.md"), "# t\n").expect("write");
        symlink(&elsewhere, dir.join("out")).expect("link");
        symlink(&dir, dir.join("root")).expect("link");
        symlink(dir.join("_private/x"), dir.join("shown")).expect("link");
        symlink(dir.join("2023"), dir.join("sub/again")).expect("link");
        let (scan, _) = discover(&dir).expect("scan");
        for sub in ["", "out", "root", "shown", "sub", "sub/again", "2024", "missing"] {
            let want: Vec<PathBuf> = scan.iter().filter(|p| p.starts_with(sub)).cloned().collect();
            assert_eq!(stories_under(&dir, Path::new(sub)), want, "under {sub:?}");
        }
        assert!(stories_under(&dir, Path::new("out")).is_empty(), "a link outside is refused");
        assert!(stories_under(&dir, Path::new("shown")).is_empty(), "a link into a private folder is refused");
        assert!(is_listed(&dir, Path::new("2024/a.md")));
        assert!(!is_listed(&dir, Path::new("root/2024/a.md")), "never twice");
        assert!(!is_listed(&dir, Path::new("out/e.md")));
        assert!(!is_listed(&dir, Path::new("sub/again/b.md")));
        // A change reported through a link is known by its real path.
        assert_eq!(real_path(&dir, Path::new("sub/again/b.md")), Some(PathBuf::from("2023/b.md")));
        assert_eq!(real_path(&dir, Path::new("shown/c.md")), Some(PathBuf::from("_private/x/c.md")));
        assert_eq!(real_folder(&dir, Path::new("root/2024")), Some(PathBuf::from("2024")));
        assert_eq!(real_path(&dir, Path::new("2024/a.md")), None, "no link on the way");
        assert_eq!(real_path(&dir, Path::new("out/e.md")), None, "outside the articles folder");
    }

    #[test]
    fn sized_reads_get_the_whole_file_whatever_fstat_said() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.md");
        let text: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        fs::write(&path, &text).expect("write");
        let mut bytes = vec![1, 2, 3];
        // The size fstat gave, a smaller one (the file grew since), none, and a larger one (it shrank).
        for len in [20_000, 5, 0, 30_000] {
            let mut file = fs::File::open(&path).expect("open");
            read_sized(&mut file, len, 1 << 20, &mut bytes).expect("read");
            assert_eq!(bytes, text, "fstat said {len}");
        }
        let mut file = fs::File::open(&path).expect("open");
        read_sized(&mut file, 100, 1000, &mut bytes).expect("read");
        assert_eq!(bytes.len(), 1001, "stops one byte past the limit, so the caller sees the file is too big");
    }

    #[test]
    fn a_batch_opens_stories_by_name_in_the_folder_it_holds_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(&a).expect("mkdir");
        fs::create_dir_all(&b).expect("mkdir");
        fs::write(a.join("x.md"), "x").expect("write");
        fs::write(a.join("y.md"), "y").expect("write");
        fs::write(b.join("z.md"), "z").expect("write");
        std::os::unix::fs::symlink(a.join("x.md"), a.join("link.md")).expect("symlink");
        let mut folder = Folder::default();
        let mut read = |path: &Path| {
            folder.open_no_follow(path).and_then(|mut f| {
                let mut text = String::new();
                f.read_to_string(&mut text).map(|_| text)
            })
        };
        assert_eq!(read(&a.join("x.md")).expect("x"), "x");
        assert_eq!(read(&a.join("y.md")).expect("y"), "y", "the same folder");
        assert_eq!(read(&b.join("z.md")).expect("z"), "z", "another folder");
        assert_eq!(read(&a.join("x.md")).expect("x"), "x", "back to the first");
        let looped = read(&a.join("link.md")).expect_err("a symlink is not followed");
        assert_eq!(looped.raw_os_error(), Some(libc::ELOOP));
        for missing in [a.join("none.md"), dir.path().join("none/none.md")] {
            assert_eq!(read(&missing).expect_err("missing").kind(), std::io::ErrorKind::NotFound, "{missing:?}");
        }
    }

    #[test]
    fn paths_sort_as_path_orders_them() {
        let names = [
            "a-b.md",
            "a/b.md",
            "a/b/c.md",
            "a.md",
            "a/a.md",
            "b.md",
            "a0/x.md",
            "2024/03/x.md",
            "2024/10/a.md",
            "2024.md",
            "中文/x.md",
            "a b.md",
        ];
        let mut paths: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        let mut want = paths.clone();
        want.sort();
        for pair in want.windows(2) {
            assert_eq!(path_order(&pair[0], &pair[1]), pair[0].cmp(&pair[1]), "{pair:?}");
            assert_eq!(path_order(&pair[1], &pair[0]), pair[1].cmp(&pair[0]), "{pair:?}");
        }
        sort_paths(&mut paths);
        assert_eq!(paths, want);
    }
}
