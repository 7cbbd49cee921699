//! Writing output files (I/O): atomically (temp file in the same folder,
//! fsync, rename) and only when the bytes change, so mtimes and ETags stay.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Unchanged,
    Replaced,
}

/// Replaces `path` with `bytes` unless it already holds exactly them.
/// A reader sees the old file or the new one, never a part of either.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    let replaced = write_all_if_changed(&[(path.to_owned(), bytes)])?;
    Ok(if replaced.is_empty() { Written::Unchanged } else { Written::Replaced })
}

/// At most this many threads sync a batch's files. fsync waits on the
/// disk, not the CPU, and the disk takes many at once: the first build of
/// a site with 1,000 tags writes 3,400 feed files in 1,100 folders, and
/// syncing them two at a time takes seconds. Each file is still
/// synced by itself, so a failed write is reported and its old feed kept,
/// on every file system.
const SYNC_THREADS: usize = 32;

/// Replaces many files, each atomically, with one round of syncs: every
/// changed file is written to a temp file beside it, then all are synced
/// (in parallel, so the file system commits them together), then renamed
/// over their targets, then their folders are synced. Returns the paths
/// that changed.
pub fn write_all_if_changed<B: AsRef<[u8]> + Sync>(files: &[(PathBuf, B)]) -> std::io::Result<Vec<PathBuf>> {
    let mut pending = Vec::new();
    for (path, bytes) in files {
        let bytes = bytes.as_ref();
        if holds(path, bytes) {
            continue;
        }
        let (mut tmp, dir) = temp_file_for(path)?;
        tmp.write_all(bytes).map_err(|e| about(path, &e))?;
        pending.push((tmp, path.clone(), dir));
    }
    let files: Vec<&fs::File> = pending.iter().map(|(tmp, _, _)| tmp.as_file()).collect();
    sync_files(&files).map_err(|e| about(files_folder(files_of(&pending)), &e))?;
    let mut dirs = Vec::new();
    let mut replaced = Vec::with_capacity(pending.len());
    for (tmp, path, dir) in pending {
        tmp.persist(&path).map_err(|e| about(&path, &e.error))?;
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
        replaced.push(path);
    }
    // Make the renames themselves durable.
    let opened: Vec<fs::File> = dirs.iter().filter_map(|dir| fs::File::open(dir).ok()).collect();
    let _ = sync_files(&opened.iter().collect::<Vec<_>>());
    Ok(replaced)
}

/// Whether `path` is a regular file holding exactly `bytes`. It is opened
/// as story files are: a symlink, FIFO or device planted at a feed's path
/// is never followed, waited on or read (it is then replaced by the
/// rename), and a file of another length is not read at all.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
    let Ok(mut file) = fs::OpenOptions::new().read(true).custom_flags(flags).open(path) else { return false };
    let Ok(meta) = file.metadata() else { return false };
    if !meta.is_file() || meta.len() != bytes.len() as u64 {
        return false;
    }
    let mut old = Vec::with_capacity(bytes.len());
    Read::by_ref(&mut file).take(bytes.len() as u64 + 1).read_to_end(&mut old).is_ok() && old == bytes
}

/// Replaces `path` with what `write` writes, atomically (temp file beside
/// it, rename) but without waiting for the disk: for files that are
/// checked when read and worth nothing but time when lost, such as the
/// story cache. A failed `write` leaves the old file.
pub fn replace_unsynced(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let (mut tmp, _) = temp_file_for(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
    write(&mut out).map_err(|e| about(path, &e))?;
    out.flush().map_err(|e| about(path, &e))?;
    drop(out);
    tmp.persist(path).map_err(|e| about(path, &e.error))?;
    Ok(())
}

/// Copies `from` over `to` atomically (temp file beside `to`, fsync,
/// rename), streaming: memory holds a buffer, never the file. `from` is
/// opened as story files are (no link followed, never blocking) and must
/// be a regular file.
pub fn copy_atomically(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
    let mut source = fs::OpenOptions::new().read(true).custom_flags(flags).open(from)?;
    if !source.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}: not a regular file", from.display()),
        ));
    }
    let (mut tmp, _) = temp_file_for(to)?;
    std::io::copy(&mut source, tmp.as_file_mut()).map_err(|e| about(to, &e))?;
    tmp.as_file().sync_all().map_err(|e| about(to, &e))?;
    tmp.persist(to).map_err(|e| about(to, &e.error))?;
    Ok(())
}

/// The identity of `from` to remember if `to` holds its copy already, so
/// that it need not be copied again: `copied`, the identity `from` had
/// when this process last copied it, is still its identity; or, before
/// this process has copied it, `to` holds the same bytes (a copy an
/// earlier run left stays, its time and so its ETag with it).
pub fn copied_already(from: &Path, to: &Path, copied: Option<&crate::cache::Stamp>) -> Option<crate::cache::Stamp> {
    let stamp = crate::cache::Stamp::of(from)?;
    let same = match copied {
        Some(copied) => *copied == stamp && to.is_file(),
        None => same_bytes(from, to),
    };
    same.then_some(stamp)
}

/// Whether the regular files `a` and `b` hold the same bytes, compared
/// by streaming (a buffer each, never the files); `false` when either
/// cannot be read or is not a regular file (links are not followed).
pub fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let open = |path: &Path| {
        let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
        let file = fs::OpenOptions::new().read(true).custom_flags(flags).open(path).ok()?;
        let meta = file.metadata().ok()?;
        meta.is_file().then_some((file, meta.len()))
    };
    let (Some((mut a, a_len)), Some((mut b, b_len))) = (open(a), open(b)) else { return false };
    if a_len != b_len {
        return false;
    }
    let (mut left, mut right) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = match a.read(&mut left) {
            Ok(0) => return b.read(&mut right[..1]).is_ok_and(|n| n == 0),
            Ok(n) => n,
            Err(_) => return false,
        };
        if b.read_exact(&mut right[..n]).is_err() || left[..n] != right[..n] {
            return false;
        }
    }
}

/// A new temp file beside `target` (its folder made if missing), to be
/// renamed over it, and that folder. Readable by everyone (umask
/// permitting): web servers run as other users.
fn temp_file_for(target: &Path) -> std::io::Result<(tempfile::NamedTempFile, PathBuf)> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| about(dir, &e))?;
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(".tmp")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(|e| about(target, &e))?;
    Ok((tmp, dir.to_owned()))
}

/// Whether a file name is one of feedsmith's temp files (any process's).
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp")
}

/// Temp files start with this, then the writing process's id.
const TEMP_PREFIX: &str = ".feedsmith-";

/// This process's temp file prefix: `.feedsmith-<pid>.<namespace>-`. The
/// name starts with `.` so servers and globs skip it; the process id and
/// where it counts (its PID namespace on this machine, since it booted)
/// tell another feedsmith on the same folder whose file it is (a container
/// and the host, or two machines on a network folder, share folders, not
/// process ids).
fn temp_prefix() -> String {
    format!("{TEMP_PREFIX}{}.{}-", std::process::id(), pid_namespace())
}

/// Where this process's id means this process: its PID namespace and the
/// machine's boot (every machine's first namespace has the same number),
/// hashed; 0 where `/proc` tells neither.
fn pid_namespace() -> u64 {
    static NAMESPACE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *NAMESPACE.get_or_init(|| {
        let link = fs::read_link("/proc/self/ns/pid").unwrap_or_default();
        let boot = fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
        if boot.is_empty() && link.as_os_str().is_empty() {
            return 0;
        }
        let identity = format!("{}\0{}", link.display(), boot.trim());
        // Kept below 2^53 so that the name stays short and any reader parses it.
        xxhash_rust::xxh3::xxh3_64(identity.as_bytes()) >> 11
    })
}

/// How long a temp file of a process in another PID namespace (whose
/// liveness cannot be asked) must have gone untouched to be an orphan: a
/// file being written is touched at every write.
const FOREIGN_ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the temp files that a killed feedsmith left anywhere under the
/// output folder: those of processes no longer running. Another running
/// process's files, in flight, are left alone.
pub fn remove_orphaned_temp_files(dir: &Path) {
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && is_temp_file(&name) && is_orphan(&name, &entry) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Removes the temp files a killed feedsmith left beside `file` (the
/// state file and the story cache are replaced through them), in its
/// folder only.
pub fn remove_orphaned_temp_files_beside(file: &Path) {
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type().is_ok_and(|t| t.is_file()) && is_temp_file(&name) && is_orphan(&name, &entry) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a temp file belongs to no running process: one of this PID
/// namespace whose process is gone, one of another namespace untouched
/// for [`FOREIGN_ORPHAN_AGE`], one whose name tells no process.
fn is_orphan(name: &str, entry: &fs::DirEntry) -> bool {
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else { return false };
    let owner = rest.split('-').next().unwrap_or("");
    let (pid, namespace) = match owner.split_once('.') {
        Some((pid, namespace)) => (pid, namespace.parse::<u64>().ok()),
        None => (owner, None),
    };
    let Some(pid) = pid.parse::<libc::pid_t>().ok().filter(|p| *p > 0) else {
        return true;
    };
    if namespace.is_some_and(|n| n != pid_namespace()) {
        let untouched = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        return untouched.is_some_and(|age| age >= FOREIGN_ORPHAN_AGE);
    }
    if pid == libc::pid_t::try_from(std::process::id()).unwrap_or(0) && namespace.is_some() {
        return false;
    }
    // SAFETY: signal 0 sends nothing; it only asks whether `pid` exists.
    let alive =
        unsafe { libc::kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !alive
}

/// A write error told about the file it was for (never its temp file,
/// whose random name would make every retry's message differ): the path
/// and the cause, as the OS names it.
fn about(path: &Path, error: &std::io::Error) -> std::io::Error {
    let mut cause: &(dyn std::error::Error + 'static) = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let os = cause.downcast_ref::<std::io::Error>().and_then(std::io::Error::raw_os_error).or(error.raw_os_error());
    let cause = match os {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => error.kind().to_string(),
    };
    std::io::Error::new(error.kind(), format!("{}: {cause}", path.display()))
}

/// The targets of the temp files waiting to be renamed.
fn files_of(pending: &[(tempfile::NamedTempFile, PathBuf, PathBuf)]) -> impl Iterator<Item = &Path> {
    pending.iter().map(|(_, path, _)| path.as_path())
}

/// What to name when syncing several files failed: the one file, or their folder.
fn files_folder<'a>(mut files: impl Iterator<Item = &'a Path>) -> &'a Path {
    match (files.next(), files.next()) {
        (Some(one), None) => one,
        (Some(first), Some(_)) => first.parent().unwrap_or(first),
        (None, _) => Path::new("."),
    }
}

/// fsync of every file, side by side on up to [`SYNC_THREADS`] threads of
/// their own (not the rendering cores' pool). The first error is returned.
fn sync_files(files: &[&fs::File]) -> std::io::Result<()> {
    match files {
        [] => Ok(()),
        [file] => file.sync_all(),
        _ => {
            let per_thread = files.len().div_ceil(SYNC_THREADS);
            std::thread::scope(|scope| {
                let threads: Vec<_> = files
                    .chunks(per_thread)
                    .map(|chunk| scope.spawn(move || chunk.iter().try_for_each(|f| f.sync_all())))
                    .collect();
                threads
                    .into_iter()
                    .try_for_each(|t| t.join().unwrap_or_else(|_| Err(std::io::Error::other("sync failed"))))
            })
        }
    }
}

/// Whether `path` lies under `root` with no symlinked folder on the way, so
/// writing or deleting it cannot touch anything outside `root` (a link
/// planted in the output folder is refused, not followed).
pub fn no_symlink_between(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let mut at = root.to_owned();
    for component in rel.parent().into_iter().flat_map(Path::components) {
        match component {
            std::path::Component::Normal(c) => at.push(c),
            _ => return false,
        }
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => return false,
            Ok(_) => {}
            Err(_) => return true, // not there yet: created as a real folder
        }
    }
    true
}

/// Files waiting to be written together; flushed whenever they hold more
/// than [`Batch::FLUSH_BYTES`]. A flush is handed to a writer thread, which
/// writes the flushes one after the other, in order, while the caller goes
/// on rendering (the CPU is free while the disk syncs): the files of one
/// flush are all in place before the next flush is begun. A flush is
/// handed over only once the one before it is written, so memory holds at
/// most two: the one being written and the one filling, which bounds the
/// memory a first build with many tag feeds takes. What
/// subscribers wait for (the main feeds) is written at once instead, with
/// [`Batch::write_now`]. Files under a symlinked folder of `root` are
/// refused with a warning.
#[derive(Debug)]
pub struct Batch {
    root: PathBuf,
    pending: Vec<(PathBuf, String)>,
    bytes: usize,
    writer: Option<Writer>,
    /// Paths changed by the writes done on the caller's thread.
    replaced: Vec<PathBuf>,
}

impl Batch {
    pub const FLUSH_BYTES: usize = 8 << 20;

    pub fn new(root: &Path) -> Batch {
        Batch { root: root.to_owned(), pending: Vec::new(), bytes: 0, writer: None, replaced: Vec::new() }
    }

    pub fn push(&mut self, path: PathBuf, text: String) -> std::io::Result<()> {
        self.bytes += text.len();
        self.pending.push((path, text));
        if self.bytes > Self::FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands what is pending to the writer, once it has written the flush
    /// before. An earlier flush's error is returned here.
    pub fn flush(&mut self) -> std::io::Result<()> {
        let pending = self.take_pending();
        if pending.is_empty() {
            return Ok(());
        }
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => self.writer.insert(Writer::start()?),
        };
        if writer.flushes.send(pending).is_err() {
            // The writer stopped at an error: that error.
            let stopped = self.writer.take().map(Writer::finish);
            return Err(match stopped {
                Some(Err(e)) => e,
                _ => std::io::Error::other("the writer stopped"),
            });
        }
        Ok(())
    }

    /// Writes what is pending on this thread, after every flush handed
    /// over, and returns when it is in place: the main feeds reach
    /// subscribers without the rendering of other feeds competing with
    /// their writing.
    pub fn write_now(&mut self) -> std::io::Result<()> {
        if let Some(writer) = self.writer.take() {
            self.replaced.extend(writer.finish()?);
        }
        let pending = self.take_pending();
        self.replaced.extend(write_all_if_changed(&pending)?);
        Ok(())
    }

    /// Writes what is left and waits for every flush; returns every path
    /// that changed.
    pub fn finish(mut self) -> std::io::Result<Vec<PathBuf>> {
        self.flush()?;
        let mut replaced = std::mem::take(&mut self.replaced);
        replaced.extend(self.writer.take().map_or(Ok(Vec::new()), Writer::finish)?);
        Ok(replaced)
    }

    /// The pending files, less those under a symlinked folder.
    fn take_pending(&mut self) -> Vec<(PathBuf, String)> {
        let mut pending = std::mem::take(&mut self.pending);
        pending.retain(|(path, _)| {
            let safe = no_symlink_between(&self.root, path);
            if !safe {
                tracing::warn!("{}: a folder on the way is a symlink; not written — remove the link", path.display());
            }
            safe
        });
        self.bytes = 0;
        pending
    }
}

impl Drop for Batch {
    /// A batch given up half way (a render failed) still waits for the
    /// flushes it handed over: nothing is left being written behind its back.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.finish();
        }
    }
}

/// The thread that writes a batch's flushes, in order; it stops at the
/// first error.
#[derive(Debug)]
struct Writer {
    flushes: std::sync::mpsc::SyncSender<Vec<(PathBuf, String)>>,
    done: std::thread::JoinHandle<std::io::Result<Vec<PathBuf>>>,
}

impl Writer {
    fn start() -> std::io::Result<Writer> {
        // A flush is taken only when the one before is written.
        let (flushes, queue) = std::sync::mpsc::sync_channel::<Vec<(PathBuf, String)>>(0);
        let done = std::thread::Builder::new().name("feedsmith-write".into()).spawn(move || {
            let mut replaced = Vec::new();
            for files in queue {
                replaced.extend(write_all_if_changed(&files)?);
            }
            Ok(replaced)
        })?;
        Ok(Writer { flushes, done })
    }

    /// Waits for every flush handed over; the paths they changed.
    fn finish(self) -> std::io::Result<Vec<PathBuf>> {
        drop(self.flushes);
        self.done.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_skips_identical_bytes() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sub/rss.xml");
        assert_eq!(write_if_changed(&path, b"one").expect("write"), Written::Replaced);
        let mtime = fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(write_if_changed(&path, b"one").expect("write"), Written::Unchanged);
        assert_eq!(fs::metadata(&path).and_then(|m| m.modified()).expect("mtime"), mtime, "mtime kept");
        assert_eq!(write_if_changed(&path, b"two").expect("write"), Written::Replaced);
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let mode = std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&path).expect("meta").permissions());
        assert_eq!(mode & 0o044, 0o044, "group and others can read the feed: {mode:o}");
        let leftovers: Vec<_> =
            fs::read_dir(dir.path().join("sub")).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers, ["rss.xml"], "no temp file left behind");
    }

    /// Reading the old file to compare used to follow a link planted at a
    /// feed's path (to `/dev/zero`: memory ran out) and wait on a FIFO
    /// forever.
    #[test]
    fn links_fifos_and_devices_at_a_feed_path_are_replaced_never_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "secret").expect("write");
        let link = dir.path().join("rss.xml");
        std::os::unix::fs::symlink(&outside, &link).expect("symlink");
        assert_eq!(write_if_changed(&link, b"secret").expect("write"), Written::Replaced, "a link is not the file");
        assert!(fs::symlink_metadata(&link).expect("meta").is_file(), "the link itself is replaced");
        assert_eq!(fs::read_to_string(&outside).expect("read"), "secret", "nothing written through the link");

        let zero = dir.path().join("atom.xml");
        std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
        assert_eq!(write_if_changed(&zero, b"x").expect("write"), Written::Replaced);

        let fifo = dir.path().join("feed.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("c path");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
        assert_eq!(write_if_changed(&fifo, b"{}").expect("write"), Written::Replaced, "no wait on the FIFO");
        assert_eq!(fs::read(&fifo).expect("read"), b"{}");
    }

    #[test]
    fn only_temp_files_of_processes_gone_are_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("tags/x");
        fs::create_dir_all(&sub).expect("mkdir");
        // pid_max is at most 2^22: this process id cannot be running.
        let gone = sub.join(".feedsmith-4194999-abc.tmp");
        let old_style = dir.path().join(".feedsmith-abcdef.tmp");
        let ours = dir.path().join(format!("{}abc.tmp", temp_prefix()));
        let init = dir.path().join(".feedsmith-1-abc.tmp");
        let other = dir.path().join("notes.tmp");
        for f in [&gone, &old_style, &ours, &init, &other] {
            fs::write(f, "x").expect("write");
        }
        remove_orphaned_temp_files(dir.path());
        assert!(!gone.exists() && !old_style.exists(), "orphans removed");
        assert!(ours.exists() && init.exists(), "files of running processes stay");
        assert!(other.exists(), "only feedsmith's temp files are touched");

        // Beside the state file: that folder only, not below it.
        let state = dir.path().join("state.json");
        let beside = dir.path().join(".feedsmith-4194999-cache.tmp");
        let below = sub.join(".feedsmith-4194999-def.tmp");
        fs::write(&beside, "x").expect("write");
        fs::write(&below, "x").expect("write");
        remove_orphaned_temp_files_beside(&state);
        assert!(!beside.exists(), "an orphan beside the state file is removed");
        assert!(below.exists(), "folders below are not walked");
        assert!(ours.exists() && init.exists() && other.exists());
    }

    /// Regression: a feedsmith in a container and one on the host share
    /// the output folder, not process ids: asking whether the other's pid
    /// runs answered for a stranger, and its temp files in flight were
    /// deleted. Another namespace's file is an orphan only once untouched
    /// for ten minutes.
    #[test]
    fn temp_files_of_another_pid_namespace_are_judged_by_age() {
        let dir = tempfile::tempdir().expect("tmp");
        let foreign = pid_namespace() + 1;
        let fresh = dir.path().join(format!(".feedsmith-4194999.{foreign}-a.tmp"));
        let stale = dir.path().join(format!(".feedsmith-4194999.{foreign}-b.tmp"));
        let gone_here = dir.path().join(format!(".feedsmith-4194999.{}-c.tmp", pid_namespace()));
        for f in [&fresh, &stale, &gone_here] {
            fs::write(f, "x").expect("write");
        }
        let old = std::time::SystemTime::now() - FOREIGN_ORPHAN_AGE - std::time::Duration::from_secs(60);
        fs::File::options().write(true).open(&stale).and_then(|f| f.set_modified(old)).expect("age it");
        remove_orphaned_temp_files(dir.path());
        assert!(fresh.exists(), "in flight in another namespace");
        assert!(!stale.exists(), "untouched for ten minutes");
        assert!(!gone_here.exists(), "this namespace's process is gone");
        assert!(temp_prefix().contains(&format!(".{}-", pid_namespace())), "{}", temp_prefix());
    }

    #[test]
    fn symlinked_folders_in_the_output_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let (root, outside) = (dir.path().join("out"), dir.path().join("outside"));
        fs::create_dir_all(root.join("tags")).expect("mkdir");
        fs::create_dir_all(&outside).expect("mkdir");
        std::os::unix::fs::symlink(&outside, root.join("tags/evil")).expect("symlink");
        assert!(no_symlink_between(&root, &root.join("tags/good/rss.xml")));
        assert!(!no_symlink_between(&root, &root.join("tags/evil/rss.xml")));
        assert!(!no_symlink_between(&root, &outside.join("rss.xml")));
        let mut batch = Batch::new(&root);
        batch.push(root.join("tags/evil/rss.xml"), "x".into()).expect("push");
        batch.push(root.join("tags/good/rss.xml"), "y".into()).expect("push");
        assert_eq!(batch.finish().expect("flush"), [root.join("tags/good/rss.xml")]);
        assert!(!outside.join("rss.xml").exists(), "nothing written through the link");
    }

    #[test]
    fn a_large_batch_is_written_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let files: Vec<(PathBuf, String)> = (0..2 * SYNC_THREADS + 5)
            .map(|i| (dir.path().join(format!("t{}/f{i}.xml", i % 7)), format!("feed {i}")))
            .collect();
        let mut batch = Batch::new(dir.path());
        for (path, text) in &files {
            batch.push(path.clone(), text.clone()).expect("push");
        }
        assert_eq!(batch.finish().expect("flush").len(), files.len());
        for (path, text) in &files {
            assert_eq!(fs::read_to_string(path).expect("read"), *text);
        }
        let written: usize = (0..7)
            .map(|i| {
                let names: Vec<String> = fs::read_dir(dir.path().join(format!("t{i}")))
                    .expect("dir")
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                assert!(names.iter().all(|n| n.ends_with(".xml") && !n.starts_with('.')), "temp file left: {names:?}");
                names.len()
            })
            .sum();
        assert_eq!(written, files.len());
    }

    #[test]
    fn a_flush_is_written_in_the_background_and_its_failure_reported() {
        let dir = tempfile::tempdir().expect("tmp");
        fs::write(dir.path().join("blocker"), "a file where a folder should be").expect("write");
        let mut batch = Batch::new(dir.path());
        batch.push(dir.path().join("blocker/rss.xml"), "x".into()).expect("push");
        batch.flush().expect("the flush only starts");
        batch.push(dir.path().join("atom.xml"), "y".into()).expect("push");
        assert!(batch.finish().is_err(), "the failed flush is reported when the batch finishes");

        // A batch given up after a flush still writes that flush whole.
        let mut batch = Batch::new(dir.path());
        batch.push(dir.path().join("a/rss.xml"), "a".into()).expect("push");
        batch.flush().expect("flush");
        drop(batch);
        assert_eq!(fs::read_to_string(dir.path().join("a/rss.xml")).expect("written"), "a");
    }

    #[test]
    fn many_files_at_once_report_only_the_changed() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = dir.path().join("a/rss.xml");
        let b = dir.path().join("b/rss.xml");
        write_if_changed(&a, b"a").expect("write");
        let changed = write_all_if_changed(&[(a.clone(), "a"), (b.clone(), "b")]).expect("write");
        assert_eq!(changed, std::slice::from_ref(&b));
        assert_eq!(fs::read(&b).expect("read"), b"b");
    }

    #[test]
    fn same_bytes_compares_whole_files_without_following_links() {
        let dir = tempfile::tempdir().expect("tmp");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut other = big.clone();
        other[150_000] ^= 1;
        let (a, b, c, d) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"), dir.path().join("d"));
        fs::write(&a, &big).expect("write");
        fs::write(&b, &big).expect("write");
        fs::write(&c, &other).expect("write");
        fs::write(&d, &big[..100]).expect("write");
        assert!(same_bytes(&a, &b));
        assert!(!same_bytes(&a, &c), "a byte past the first buffer differs");
        assert!(!same_bytes(&a, &d), "another length");
        assert!(!same_bytes(&a, &dir.path().join("missing")));
        std::os::unix::fs::symlink(&a, dir.path().join("link")).expect("symlink");
        assert!(!same_bytes(&dir.path().join("link"), &a), "a link is not followed");
    }
}
