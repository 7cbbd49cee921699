//! Harness for `tests/watch.rs`: a temp site, the real `feedsmith watch`
//! running on it (stopped on drop), its stderr captured, and polling helpers
//! that wait for a condition with a deadline (never a fixed sleep as the
//! assertion).

#![allow(dead_code)] // not every test uses every helper

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any awaited condition may take before the test fails.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);
/// How often conditions are re-checked.
const TICK: Duration = Duration::from_millis(10);

/// A fixed, old publication date (in the past, so always published).
pub(crate) const DATE: &str = "2024-03-07T10:00:00+08:00";

/// The text of a story with TOML front matter.
pub(crate) fn story(title: &str, date: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\n\n{body}\n")
}

/// Like [`story`], with tags.
pub(crate) fn tagged(title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    format!("+++\ntitle = \"{title}\"\ndate = {date}\ntags = [{}]\n+++\n\n{body}\n", tags.join(", "))
}

/// A temp folder holding `feedsmith.toml`, `articles/`, `out/`, `state.json`.
pub(crate) struct Site {
    pub(crate) dir: tempfile::TempDir,
    /// The output folder passed with `--output`.
    out: PathBuf,
}

impl Site {
    /// A site whose configuration has the basics (`debounce_ms = 50` unless
    /// `extra` sets it) plus `extra` TOML lines.
    pub(crate) fn new(extra: &str) -> Site {
        let dir = tempfile::Builder::new().prefix("feedsmith-watch-").tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let site = Site { dir, out };
        std::fs::create_dir_all(site.articles()).expect("articles dir");
        site.write_config(extra);
        site
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.root().join("feedsmith.toml")
    }

    /// Rewrites the configuration: the basics plus `extra` TOML lines.
    pub(crate) fn write_config(&self, extra: &str) {
        let debounce = if extra.contains("debounce_ms") { "" } else { "debounce_ms = 50\n" };
        let text = format!(
            "articles_dir = \"articles\"\ntimezone = \"Asia/Shanghai\"\nbase_url = \"https://news.example.com/\"\n\
             {debounce}{extra}\n"
        );
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub(crate) fn articles(&self) -> PathBuf {
        self.root().join("articles")
    }

    pub(crate) fn out(&self) -> PathBuf {
        self.out.clone()
    }

    /// Publishes into `rel` (relative to the site folder) instead of `out/`.
    pub(crate) fn with_output(mut self, rel: &str) -> Site {
        self.out = self.root().join(rel);
        self
    }

    /// A path under the articles folder.
    pub(crate) fn a(&self, rel: &str) -> PathBuf {
        self.articles().join(rel)
    }

    /// Writes a file under the articles folder (parents created).
    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.a(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Starts `feedsmith watch` with `extra` arguments and waits for its
    /// first build and for its watches to be in place: with OS
    /// notifications, until the kernel shows an inotify watch on every
    /// folder under `articles/` (/proc/PID/fdinfo), so a test's first change
    /// can never race the watcher's start; in `--poll` mode, which has
    /// nothing to observe, the poller's first snapshot is given a moment.
    pub(crate) fn start(&self, extra: &[&str]) -> Daemon {
        let daemon = self.spawn(extra);
        daemon.wait_log("watching ");
        if extra.contains(&"--poll") {
            std::thread::sleep(Duration::from_millis(300));
        } else {
            let dirs = dirs_under(&self.articles());
            daemon.wait("inotify watches on every folder of articles/", || {
                let watched = inotify_inodes(daemon.pid());
                dirs.iter().all(|ino| watched.contains(ino))
            });
        }
        daemon
    }

    /// Starts `feedsmith watch` without waiting for anything.
    pub(crate) fn spawn(&self, extra: &[&str]) -> Daemon {
        let mut command = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
        command
            .arg("watch")
            .arg("--config")
            .arg(self.config_path())
            .arg("--output")
            .arg(self.out())
            .arg("--state")
            .arg(self.root().join("state.json"))
            .args(extra)
            .current_dir(self.root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn feedsmith watch");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().expect("log lock");
                log.push_str(&line);
                log.push('\n');
            }
        });
        Daemon { child: Some(child), log, out: self.out() }
    }

    // ---- reading the feeds ----

    /// The parsed `rss.xml` (or another feed file under the output folder).
    pub(crate) fn feed(&self, rel: &str) -> Option<feed_rs::model::Feed> {
        let bytes = std::fs::read(self.out().join(rel)).ok()?;
        feed_rs::parser::parse(&bytes[..]).ok()
    }

    /// Item titles of a feed file, in feed order (empty when absent).
    pub(crate) fn titles_in(&self, rel: &str) -> Vec<String> {
        self.feed(rel)
            .map(|f| {
                f.entries.iter().map(|e| e.title.as_ref().map(|t| t.content.clone()).unwrap_or_default()).collect()
            })
            .unwrap_or_default()
    }

    /// Item titles of `rss.xml`.
    pub(crate) fn titles(&self) -> Vec<String> {
        self.titles_in("rss.xml")
    }

    /// Item ids (guids) of `rss.xml`.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.feed("rss.xml").map(|f| f.entries.iter().map(|e| e.id.clone()).collect()).unwrap_or_default()
    }

    /// Whether every one of the three main feeds lists exactly `want` (any order).
    pub(crate) fn all_feeds_list(&self, want: &[&str]) -> bool {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        ["rss.xml", "atom.xml", "feed.json"].iter().all(|f| {
            let mut got = self.titles_in(f);
            got.sort();
            got == want
        })
    }

    /// The feed-level title of a feed file.
    pub(crate) fn feed_title(&self, rel: &str) -> Option<String> {
        self.feed(rel).and_then(|f| f.title.map(|t| t.content))
    }

    /// The content HTML of the item titled `title` in `rss.xml`.
    pub(crate) fn content_of(&self, title: &str) -> Option<String> {
        let feed = self.feed("rss.xml")?;
        let entry = feed.entries.into_iter().find(|e| e.title.as_ref().is_some_and(|t| t.content == title))?;
        entry.content.and_then(|c| c.body)
    }

    /// Every `.feedsmith-*.tmp` file left in the output folder.
    pub(crate) fn temp_files(&self) -> Vec<PathBuf> {
        walk(&self.out()).into_iter().filter(|p| is_temp(p)).collect()
    }
}

pub(crate) fn is_temp(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".feedsmith-") && n.ends_with(".tmp"))
}

/// The inode numbers of `dir` and every folder under it.
pub(crate) fn dirs_under(dir: &Path) -> Vec<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&dir) else { continue };
        if !meta.is_dir() {
            continue;
        }
        out.push(meta.ino());
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    out
}

/// The inodes a process holds inotify watches on, as the kernel reports
/// them in /proc/PID/fdinfo (`inotify wd:1 ino:1a2b sdev:… mask:…`).
pub(crate) fn inotify_inodes(pid: u32) -> std::collections::HashSet<u64> {
    let mut out = std::collections::HashSet::new();
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else { return out };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        for line in text.lines().filter(|l| l.starts_with("inotify ")) {
            if let Some(ino) = line.split_whitespace().find_map(|w| w.strip_prefix("ino:")) {
                if let Ok(ino) = u64::from_str_radix(ino, 16) {
                    out.insert(ino);
                }
            }
        }
    }
    out
}

/// Every file under `dir`, recursively.
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

/// A running `feedsmith watch`; stopped with SIGTERM (then SIGKILL) on drop.
pub(crate) struct Daemon {
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    out: PathBuf,
}

impl Daemon {
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Everything the daemon wrote to stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// How many "rebuilt:" lines the daemon logged so far.
    pub(crate) fn rebuilds(&self) -> usize {
        self.log().lines().filter(|l| l.contains(" rebuilt: ")).count()
    }

    /// Sends a signal by name (`TERM`, `INT`, `HUP`, `KILL`).
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().expect("kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Polls `cond` until it holds; fails the test (showing the log) at the deadline.
    pub(crate) fn wait(&self, what: &str, cond: impl FnMut() -> bool) {
        self.wait_for(DEADLINE, what, cond);
    }

    pub(crate) fn wait_for(&self, deadline: Duration, what: &str, mut cond: impl FnMut() -> bool) {
        let start = Instant::now();
        loop {
            if cond() {
                return;
            }
            if start.elapsed() > deadline {
                panic!("timed out after {deadline:?} waiting for: {what}\n--- daemon log ---\n{}", self.log());
            }
            std::thread::sleep(TICK);
        }
    }

    /// Waits for `needle` to appear in the log.
    pub(crate) fn wait_log(&self, needle: &str) {
        self.wait(&format!("log line containing {needle:?}"), || self.log().contains(needle));
    }

    /// Waits for at least `n` "rebuilt:" lines.
    pub(crate) fn wait_rebuilds(&self, n: usize) {
        self.wait(&format!("{n} rebuilds"), || self.rebuilds() >= n);
    }

    /// Sends `signal` and waits up to `deadline` for the exit: (status, time taken).
    pub(crate) fn stop_with(&mut self, signal: &str, deadline: Duration) -> (Option<ExitStatus>, Duration) {
        self.signal(signal);
        let start = Instant::now();
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                let took = start.elapsed();
                self.child = None;
                return (Some(status), took);
            }
            if start.elapsed() > deadline {
                return (None, start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// SIGKILL, reaped.
    pub(crate) fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether the process is still running.
    pub(crate) fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => child.try_wait().expect("try_wait").is_none(),
            None => false,
        }
    }

    pub(crate) fn out(&self) -> &Path {
        &self.out
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Appends to a file without truncating it.
pub(crate) fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
    file.sync_all().expect("sync");
}

/// Overwrites a file in place (same inode): truncate, then write.
pub(crate) fn write_in_place(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(path).expect("open in place");
    file.write_all(text.as_bytes()).expect("write");
}

/// `rm -rf`, retried while a running daemon writes into the folder
/// (the last attempt removes whatever the daemon managed to recreate).
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

/// Runs a command, failing the test on a non-zero status.
pub(crate) fn run(cmd: &mut Command) {
    let output = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether every feed file (rss.xml, atom.xml, feed.json) under `dir` parses;
/// the ones that do not, with why.
pub(crate) fn unparsable_feeds(dir: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    for path in walk(dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !["rss.xml", "atom.xml", "feed.json"].contains(&name) {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) if bytes.is_empty() => bad.push(format!("{}: empty", path.display())),
            Ok(bytes) => {
                if let Err(e) = feed_rs::parser::parse(&bytes[..]) {
                    bad.push(format!("{}: {e}", path.display()));
                }
            }
            Err(e) => bad.push(format!("{}: {e}", path.display())),
        }
    }
    bad
}
