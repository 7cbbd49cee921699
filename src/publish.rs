//! Writing output files (I/O): atomically (temp file in the same folder,
//! fsync, rename) and only when the bytes change, so mtimes and ETags stay.

use std::fs;
use std::io::Write;
use std::path::Path;

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Unchanged,
    Replaced,
}

/// Replaces `path` with `bytes` unless it already holds exactly them.
/// A reader sees the old file or the new one, never a part of either.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    if let Ok(old) = fs::read(path) {
        if old == bytes {
            return Ok(Written::Unchanged);
        }
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    // The temp name starts with `.` so servers and globs skip it.
    let mut tmp = tempfile::Builder::new().prefix(".feedsmith-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    let file = tmp.persist(path).map_err(|e| e.error)?;
    drop(file);
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(Written::Replaced)
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
        let leftovers: Vec<_> =
            fs::read_dir(dir.path().join("sub")).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers, ["rss.xml"], "no temp file left behind");
    }
}
