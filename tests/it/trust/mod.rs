//! Trust: what the program promises when the world around it misbehaves,
//! end to end on the real binary — dates no feed can carry, folders that
//! cannot be read, a full or read-only output disk, exit statuses, which
//! story owns an id, media that follows its story, an output folder with
//! things planted in it, folder links made while watching, problems that
//! persist, odd encodings, front matter made to exhaust a parser, a story
//! with a thousand tags, and a server under range requests and idle
//! connections.
//!
//! Some tests need privileges (running the daemon as another user with
//! `setpriv`, mounting a small tmpfs): where they cannot have them they
//! say so on stderr and skip; as root they run. Like every default test,
//! none asserts how long anything takes: the limits only catch hangs.

mod daemon;
mod dates;
mod disk;
mod exits;
mod identity;
mod input;
mod links;
mod media;
mod output;
mod serving;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::*;

/// The numeric user id this test runs as (from /proc/self/status).
fn uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.parse().ok()
}

/// `cmd` run through `wrapper` (`setpriv …`, `sh -c …`): the same program,
/// arguments, working directory and environment removals, after the
/// wrapper's own words.
fn wrapped(wrapper: &[&str], cmd: &Command) -> Command {
    let mut out = Command::new(wrapper[0]);
    out.args(&wrapper[1..]).arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        out.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => out.env(key, value),
            None => out.env_remove(key),
        };
    }
    out
}

/// Running as user and group 65534 (nobody), which folder permissions
/// bind, unlike root.
const AS_NOBODY: &[&str] = &["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/// How to run the binary so that `chmod 000` keeps it out of a folder:
/// as it is when the tests do not run as root, through [`AS_NOBODY`] as
/// root (once the site is opened to that user). `None`, with a notice on
/// stderr, when neither can work here.
fn unprivileged(site: &Site, test: &str) -> Option<Vec<&'static str>> {
    if uid() != Some(0) {
        return Some(Vec::new());
    }
    chmod(site.root(), 0o777);
    let can = |args: &[&str]| {
        Command::new(AS_NOBODY[0])
            .args(&AS_NOBODY[1..])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let binary = env!("CARGO_BIN_EXE_feedsmith");
    let articles = site.articles();
    let articles = articles.to_str().unwrap_or_default();
    let root = site.root().to_str().unwrap_or_default();
    if can(&[binary, "--version"]) && can(&["test", "-r", articles, "-a", "-x", articles, "-a", "-w", root]) {
        Some(AS_NOBODY.to_vec())
    } else {
        eprintln!(
            "note: {test} skipped: running as root, and user 65534 cannot run {binary} or reach {} through setpriv",
            site.root().display()
        );
        None
    }
}

/// `chmod MODE path`.
#[track_caller]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// A file system mounted for one test, unmounted when dropped (lazily if
/// something still holds it), so a failing test leaves no mount behind.
struct Mount {
    path: PathBuf,
}

impl Mount {
    /// `mount -t tmpfs -o size=SIZE tmpfs PATH` (the folder is created);
    /// `None`, with a notice on stderr, where mounting is not permitted.
    fn tmpfs(path: &Path, size: &str, test: &str) -> Option<Mount> {
        std::fs::create_dir_all(path).expect("create the mount point");
        let output =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(path).output();
        match output {
            Ok(o) if o.status.success() => Some(Mount { path: path.to_owned() }),
            Ok(o) => {
                eprintln!("note: {test} skipped: cannot mount a tmpfs: {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("note: {test} skipped: cannot run mount: {e}");
                None
            }
        }
    }

    /// `mount -o remount,OPTIONS`: whether it worked.
    fn remount(&self, options: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut cmd = Command::new("umount");
            if lazy {
                cmd.arg("-l");
            }
            cmd.arg(&self.path).stderr(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
        };
        if !umount(false) && !umount(true) {
            eprintln!("warning: cannot unmount {}", self.path.display());
        }
    }
}

/// Fills the file system holding `dir` with `dir/name` until a write
/// fails for lack of space.
#[track_caller]
fn fill(dir: &Path, name: &str) -> PathBuf {
    use std::io::Write;
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create the filler");
    let chunk = vec![b'f'; 4096];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("fill {}: {e}", path.display()),
        }
    }
    let _ = file.sync_all();
    path
}

/// Polls `cond` until it holds, up to `limit` (a hang guard longer than
/// [`DEADLINE`], for what waits on the daemon's retry backoff, which
/// grows to 30 s); fails showing the daemon's log.
#[track_caller]
fn wait_up_to(daemon: &Daemon, limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > limit {
            panic!(
                "timed out after {limit:?} (a hang guard) waiting for: {what}\n--- daemon log ---\n{}",
                daemon.log()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The log lines containing `needle`.
fn log_lines(daemon: &Daemon, needle: &str) -> Vec<String> {
    daemon.log().lines().filter(|l| l.contains(needle)).map(str::to_owned).collect()
}

/// A story with TOML front matter giving `extra` lines after the title and
/// date.
fn story_with(title: &str, date: &str, extra: &str) -> String {
    format!("+++\ntitle = {}\ndate = {date}\n{extra}+++\n\nBody of {title}.\n", toml_str(title))
}
