//! Files and folders on disk: reading a tree into memory, comparing two
//! trees byte for byte, snapshots that tell what a run created and where,
//! modification times, and writing files the ways editors and deploy
//! scripts do.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Every file under `dir`, by path relative to it (with `/` separators), with its bytes.
#[track_caller]
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = std::fs::read_dir(dir.join(&rel)).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("dir entry");
            let rel = rel.join(entry.file_name());
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(rel);
            } else {
                // A file renamed away or removed since the listing (a
                // running daemon's temp file) is not there to compare.
                match std::fs::read(dir.join(&rel)) {
                    Ok(bytes) => {
                        files.insert(slash(&rel), bytes);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("read {}: {e}", dir.join(&rel).display()),
                }
            }
        }
    }
    files
}

/// A relative path with `/` separators, as the tests name files.
fn slash(rel: &Path) -> String {
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every folder under `dir` (relative, `/`-separated), including empty ones.
#[track_caller]
pub(crate) fn read_dirs(dir: &Path) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel)).expect("read dir") {
            let entry = entry.expect("dir entry");
            if entry.file_type().expect("file type").is_dir() {
                let rel = rel.join(entry.file_name());
                dirs.push(slash(&rel));
                stack.push(rel);
            }
        }
    }
    dirs.sort();
    dirs
}

/// Every file under `dir` (absolute paths, sorted), recursively; an
/// absent folder has none.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// The modification time of every file under `dir`.
#[track_caller]
pub(crate) fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    read_tree(dir)
        .into_keys()
        .map(|rel| {
            let t = std::fs::metadata(dir.join(&rel)).and_then(|m| m.modified()).expect("mtime");
            (rel, t)
        })
        .collect()
}

/// Sets the modification time of every file under `dir` (to tell a rewrite from a skip).
#[track_caller]
pub(crate) fn set_mtimes(dir: &Path, when: SystemTime) {
    for rel in read_tree(dir).into_keys() {
        let file = std::fs::File::options().write(true).open(dir.join(&rel)).expect("open for set_modified");
        file.set_modified(when).expect("set mtime");
    }
}

/// Asserts that two folders hold the same files with the same bytes,
/// naming missing, extra and differing files (with the first differing line).
#[track_caller]
pub(crate) fn assert_same_tree(actual: &Path, expected: &Path) {
    let got = read_tree(actual);
    let want = read_tree(expected);
    let mut problems = Vec::new();
    for name in want.keys().filter(|k| !got.contains_key(*k)) {
        problems.push(format!("missing: {name}"));
    }
    for name in got.keys().filter(|k| !want.contains_key(*k)) {
        problems.push(format!("extra (not in {}): {name}", expected.display()));
    }
    for (name, bytes) in &want {
        if let Some(g) = got.get(name) {
            if g != bytes {
                problems.push(format!("differs: {name}\n{}", first_difference(g, bytes)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} does not match {}:\n{}\n(if the change is intended, rerun with FEEDSMITH_BLESS=1 and review the diff)",
        actual.display(),
        expected.display(),
        problems.join("\n")
    );
}

fn first_difference(got: &[u8], want: &[u8]) -> String {
    let got = String::from_utf8_lossy(got);
    let want = String::from_utf8_lossy(want);
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("  line {}:\n    got:  {g:?}\n    want: {w:?}", i + 1);
        }
    }
    format!("  lengths differ: got {} lines, want {} lines", got.lines().count(), want.lines().count())
}

/// Copies a folder recursively (files and folders only).
#[track_caller]
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy target");
    for entry in std::fs::read_dir(from).expect("read copy source") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// What a path is, for snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Every path under `dir` (relative), without following symlinks.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Kind> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        for entry in entries.flatten() {
            let rel = rel.join(entry.file_name());
            let Ok(kind) = entry.file_type() else { continue };
            let k = if kind.is_symlink() {
                Kind::Link(std::fs::read_link(entry.path()).unwrap_or_default())
            } else if kind.is_dir() {
                stack.push(rel.clone());
                Kind::Dir
            } else if kind.is_file() {
                Kind::File(std::fs::read(entry.path()).unwrap_or_default())
            } else {
                Kind::Other
            };
            out.insert(rel, k);
        }
    }
    out
}

/// Appends to a file without truncating it.
#[track_caller]
pub(crate) fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
    file.sync_all().expect("sync");
}

/// Overwrites a file in place (same inode): truncate, then write.
#[track_caller]
pub(crate) fn write_in_place(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(path).expect("open in place");
    file.write_all(text.as_bytes()).expect("write");
}

/// `rm -rf`, retried while a running daemon writes into the folder (the
/// last attempt removes whatever the daemon managed to recreate).
#[track_caller]
pub(crate) fn rm_rf(path: &Path) {
    for _ in 0..50 {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    panic!("cannot remove {}", path.display());
}

/// A symlink at `link` (parents created) pointing at `target`.
#[track_caller]
pub(crate) fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    let link = link.as_ref();
    std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
}

/// A FIFO at `path` (parents created).
#[track_caller]
pub(crate) fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    super::run_ok(std::process::Command::new("mkfifo").arg(path));
}
