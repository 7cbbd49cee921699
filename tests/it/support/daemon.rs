//! A running `feedsmith watch`: started on a [`Site`] (stopped on drop),
//! its stderr captured, and polling helpers that wait for a condition up
//! to [`DEADLINE`] — never a fixed sleep as the assertion.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Site, DEADLINE, HANG};

/// How often conditions are re-checked.
const TICK: Duration = Duration::from_millis(10);

impl Site {
    /// Starts `feedsmith watch` with `args` and waits for its first build
    /// and for its watches to be in place: with OS notifications, until the
    /// kernel shows an inotify watch on every folder under `articles/`
    /// (/proc/PID/fdinfo), so a test's first change can never race the
    /// watcher's start; in `--poll` mode, which has nothing to observe, the
    /// poller's first snapshot is given a moment.
    #[track_caller]
    pub(crate) fn start(&self, args: &[&str]) -> Daemon {
        let daemon = self.spawn(args);
        daemon.wait_log("watching ");
        if args.contains(&"--poll") {
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

    /// Starts `feedsmith watch` with `args` without waiting for anything.
    #[track_caller]
    pub(crate) fn spawn(&self, args: &[&str]) -> Daemon {
        let mut command = self.command("watch");
        command.args(args);
        Daemon::spawn(command)
    }

    /// Starts `watch --serve 127.0.0.1:0 <args…>` and returns the daemon and
    /// the base URL it logs (`http://127.0.0.1:PORT/`).
    #[track_caller]
    pub(crate) fn serve(&self, args: &[&str]) -> (Daemon, String) {
        let mut all = vec!["--serve", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let daemon = self.start(&all);
        daemon.wait_log("serving ");
        let url = daemon
            .log()
            .lines()
            .find_map(|l| l.split(" at ").nth(1).filter(|u| u.starts_with("http://")))
            .expect("the log names the address")
            .trim()
            .to_owned();
        (daemon, url)
    }
}

/// A running daemon; stopped with SIGTERM (then SIGKILL) on drop.
pub(crate) struct Daemon {
    child: Option<Child>,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Spawns `command` (stdin and stdout closed, stderr captured).
    #[track_caller]
    pub(crate) fn spawn(mut command: Command) -> Daemon {
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
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
        Daemon { child: Some(child), log }
    }

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

    /// Sends a signal by name (`TERM`, `INT`, `HUP`).
    #[track_caller]
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().expect("kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Polls `cond` until it holds; fails the test as timed out (showing
    /// the log) after [`DEADLINE`].
    #[track_caller]
    pub(crate) fn wait(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let start = Instant::now();
        loop {
            if cond() {
                return;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out after {DEADLINE:?} waiting for: {what}\n--- daemon log ---\n{}", self.log());
            }
            std::thread::sleep(TICK);
        }
    }

    /// Waits for `needle` to appear in the log.
    #[track_caller]
    pub(crate) fn wait_log(&self, needle: &str) {
        self.wait(&format!("log line containing {needle:?}"), || self.log().contains(needle));
    }

    /// Waits for at least `n` "rebuilt:" lines.
    #[track_caller]
    pub(crate) fn wait_rebuilds(&self, n: usize) {
        self.wait(&format!("{n} rebuilds"), || self.rebuilds() >= n);
    }

    /// Waits until the process catches SIGINT and SIGTERM (the `SigCgt`
    /// mask in /proc/PID/status), so a signal sent next is handled rather
    /// than fatal, however late a loaded machine runs the start-up.
    #[track_caller]
    pub(crate) fn wait_signal_handlers(&self) {
        let pid = self.pid();
        let caught = |signal: u32| 1u64 << (signal - 1);
        self.wait("SIGINT and SIGTERM handlers in place", || {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let mask = status.lines().find_map(|l| l.strip_prefix("SigCgt:"));
            mask.and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
                .is_some_and(|m| m & caught(2) != 0 && m & caught(15) != 0)
        });
    }

    /// Sends `signal` and waits for the exit: its status and how long it
    /// took. Still running after [`HANG`] fails the test as hung.
    #[track_caller]
    pub(crate) fn stop(&mut self, signal: &str) -> (ExitStatus, Duration) {
        self.signal(signal);
        self.wait_exit(&format!("SIG{signal}"))
    }

    /// Waits for the process to exit (after `what`, for the message): its
    /// status and how long it took. Still running after [`HANG`] fails the
    /// test as hung.
    #[track_caller]
    pub(crate) fn wait_exit(&mut self, what: &str) -> (ExitStatus, Duration) {
        let start = Instant::now();
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return (status, start.elapsed());
            }
            if start.elapsed() > HANG {
                panic!("still running {HANG:?} after {what}: hung?\n--- daemon log ---\n{}", self.log());
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

/// The inode numbers of `dir` and every folder under it.
fn dirs_under(dir: &Path) -> Vec<u64> {
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
fn inotify_inodes(pid: u32) -> std::collections::HashSet<u64> {
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
