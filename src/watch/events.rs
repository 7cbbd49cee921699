//! The event boundary of the watcher: OS notifications (or polling) are
//! translated here into our own [`Message`]s — nothing of notify's event
//! zoo gets further — and gathered by the debounce into batches.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use crate::config::Config;
use crate::error::FatalError;
use crate::paths;

/// What the loop is told. Nothing of notify's event zoo gets past `translate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A story file may have been created, changed or removed.
    Story(PathBuf),
    /// Something that may be a folder changed: re-check everything under it.
    Tree(PathBuf),
    /// Events were lost or the folder itself changed: read everything again.
    Rescan(String),
    /// The OS refused more watches: switch to polling.
    WatchLimit,
    /// A folder (relative to the articles folder) could not be watched, and why.
    Unwatched(PathBuf, String),
    /// SIGHUP: read the configuration again.
    Reload,
    /// SIGINT/SIGTERM: stop after the current rebuild.
    Shutdown,
}

impl Message {
    /// A change to the files (what the debounce gathers), not an order.
    pub(super) fn is_file_change(&self) -> bool {
        matches!(self, Message::Story(_) | Message::Tree(_) | Message::Unwatched(..))
    }
}

/// How to watch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Poll every this many milliseconds instead of OS notifications.
    pub poll_ms: Option<u64>,
}

/// Polling interval once the OS watch limit is reached.
pub(super) const FALLBACK_POLL_MS: u64 = 1000;

/// When the watcher last passed on a file change. The debounce counts its
/// quiet period from there, not from when the loop got round to the
/// message: a change made while a rebuild was running has already waited
/// part of the period, and must not wait a whole one more.
#[derive(Debug, Clone)]
pub(super) struct LastEvent {
    epoch: Instant,
    micros: Arc<AtomicU64>,
}

impl LastEvent {
    pub(super) fn new() -> LastEvent {
        LastEvent { epoch: Instant::now(), micros: Arc::new(AtomicU64::new(0)) }
    }

    /// Called before the message is sent, so the loop never sees a message
    /// newer than the time it reads here.
    pub(super) fn touch(&self) {
        let micros = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.micros.fetch_max(micros, Ordering::Release);
    }

    fn get(&self) -> Instant {
        self.epoch + Duration::from_micros(self.micros.load(Ordering::Acquire))
    }
}

/// Keeps the watcher alive; dropping it stops watching.
#[allow(dead_code)] // held, never read: dropping it stops watching
pub(super) enum Watch {
    Os(RecommendedWatcher),
    Poll(PollWatcher),
}

/// Starts watching the articles folder (recursively), with OS notifications
/// or by polling. Every event is translated here and sent to the loop at
/// once; the loop does the debouncing.
pub(super) fn start_watch(
    config: &Config,
    options: &mut Options,
    tx: &Sender<Message>,
    last_event: &LastEvent,
) -> Result<Option<Watch>, FatalError> {
    let root = match std::fs::canonicalize(&config.articles_dir) {
        Ok(root) => root,
        Err(_) => return Ok(None), // gone: housekeeping notices when it is back
    };
    let handler = {
        let tx = tx.clone();
        let root = root.clone();
        let last_event = last_event.clone();
        move |result: notify::Result<notify::Event>| {
            let messages = translate(&root, result);
            if messages.iter().any(Message::is_file_change) {
                last_event.touch();
            }
            for message in messages {
                let _ = tx.send(message);
            }
        }
    };
    if let Some(ms) = options.poll_ms {
        // notify's poller keeps mtimes in whole seconds: compare contents too,
        // or a second save within the same second would be missed.
        let poll =
            notify::Config::default().with_poll_interval(Duration::from_millis(ms.max(1))).with_compare_contents(true);
        let mut watcher =
            PollWatcher::new(handler, poll).map_err(|e| FatalError::Other(format!("cannot start polling: {e}")))?;
        watcher
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| FatalError::Other(format!("{}: cannot poll: {e}", root.display())))?;
        return Ok(Some(Watch::Poll(watcher)));
    }
    // Links are not followed: inotify watches a folder once, whatever name
    // it is reached by, so a watch through a link to a folder already
    // watched by its real path would take that watch over — and removing
    // the link (or its folder) would end it. Folders are watched by their
    // real paths; a scan finds stories through links as before.
    let mut watcher = RecommendedWatcher::new(handler, notify::Config::default().with_follow_symlinks(false))
        .map_err(|e| FatalError::Other(format!("cannot start watching: {e}")))?;
    match watcher.watch(&root, RecursiveMode::Recursive) {
        Ok(()) => Ok(Some(Watch::Os(watcher))),
        Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
            let _ = tx.send(Message::WatchLimit);
            Ok(None)
        }
        Err(e) => Err(FatalError::Other(format!("{}: cannot watch: {e}", root.display()))),
    }
}

/// A notify event to our messages: story files by path (every path of a
/// rename), anything that may be a folder as a tree, editor and temporary
/// noise dropped, lost events as a rescan.
pub fn translate(root: &Path, result: notify::Result<notify::Event>) -> Vec<Message> {
    let event = match result {
        Ok(event) => event,
        Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => return vec![Message::WatchLimit],
        Err(e) => {
            // A folder that could not be watched (unreadable, or gone at the
            // wrong moment): read what is under it, and watch afresh.
            let folders: Vec<Message> = e
                .paths
                .iter()
                .filter_map(|p| p.strip_prefix(root).ok())
                .filter(|rel| paths::is_story_dir(rel))
                .map(|rel| Message::Unwatched(rel.to_owned(), e.to_string()))
                .collect();
            if folders.is_empty() {
                return vec![Message::Rescan(format!("watch error: {e}"))];
            }
            return folders;
        }
    };
    if event.need_rescan() {
        return vec![Message::Rescan("the OS dropped events".into())];
    }
    // Opening and reading change nothing (and our own reads would echo back).
    if matches!(event.kind, notify::EventKind::Access(_)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for path in &event.paths {
        if let Some(message) = classify(root, path) {
            if !out.contains(&message) {
                out.push(message);
            }
        }
    }
    out
}

/// What one changed path means for the index, if anything.
pub fn classify(root: &Path, path: &Path) -> Option<Message> {
    let Ok(rel) = path.strip_prefix(root) else {
        // The folder itself, or something above it, moved.
        return root.starts_with(path).then(|| Message::Rescan("articles folder moved".into()));
    };
    if rel.as_os_str().is_empty() {
        return Some(Message::Rescan("articles folder changed".into()));
    }
    if paths::is_story_path(rel) {
        return Some(Message::Story(rel.to_owned()));
    }
    if paths::is_story_dir(rel) && crate::article::Format::of(rel).is_none() {
        // Could be a folder (created, moved, deleted): look under it.
        return Some(Message::Tree(rel.to_owned()));
    }
    None
}

/// The debounce: once a file changed, wait until the folder has been quiet
/// for `quiet` since the last change the watcher saw, so a burst (a `git
/// pull`, an editor's save dance, a copy of 1,000 files) ends in one
/// rebuild with every change. Each path is re-read from the disk then,
/// whatever its events said, so nothing is lost when events cancel out
/// (created and deleted, renamed and deleted). A stream that never pauses
/// is cut every 20 periods; a control message (signal, rescan) ends it.
pub(super) fn debounce(rx: &Receiver<Message>, batch: &mut Vec<Message>, quiet: Duration, last_event: &LastEvent) {
    if !batch.iter().any(Message::is_file_change) || batch.iter().any(|m| !m.is_file_change()) {
        return;
    }
    let cut = Instant::now() + quiet * 20;
    loop {
        let due = (last_event.get() + quiet).min(cut);
        let wait = due.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return;
        }
        match rx.recv_timeout(wait) {
            Ok(message) => {
                batch.push(message);
                batch.extend(rx.try_iter());
                if batch.iter().any(|m| !m.is_file_change()) {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// A channel for the loop.
pub fn channel() -> (Sender<Message>, Receiver<Message>) {
    mpsc::channel()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_errors_become_messages() {
        let limit = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        let other = notify::Error::generic("boom");
        assert_eq!(translate(Path::new("/a"), Err(limit)), [Message::WatchLimit]);
        assert!(matches!(&translate(Path::new("/a"), Err(other))[..], [Message::Rescan(_)]));
        // A folder that cannot be watched is read again, not a reason to rescan everything
        // (a poller reports it at every pass).
        let denied = notify::Error::io(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
            .add_path("/a/2024/locked".into());
        assert!(
            matches!(&translate(Path::new("/a"), Err(denied))[..], [Message::Unwatched(p, _)] if p == Path::new("2024/locked"))
        );
        let rename = notify::Event::new(notify::EventKind::Modify(notify::event::ModifyKind::Name(
            notify::event::RenameMode::Both,
        )))
        .add_path("/a/x.md".into())
        .add_path("/a/y.md~".into());
        assert_eq!(translate(Path::new("/a"), Ok(rename)), [Message::Story("x.md".into())], "both ends, noise dropped");
        let read =
            notify::Event::new(notify::EventKind::Access(notify::event::AccessKind::Read)).add_path("/a/x.md".into());
        assert!(translate(Path::new("/a"), Ok(read)).is_empty());
        let lost = notify::Event::new(notify::EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert!(matches!(&translate(Path::new("/a"), Ok(lost))[..], [Message::Rescan(_)]));
    }

    /// A change seen while a rebuild was running has already
    /// waited; the debounce must not make it wait a whole period more.
    #[test]
    fn the_quiet_period_counts_from_the_last_event_the_watcher_saw() {
        let (tx, rx) = channel();
        let long = Duration::from_secs(60);
        // An event seen a whole period ago, handled only now.
        let Some(epoch) = Instant::now().checked_sub(long * 2) else { return };
        let seen_long_ago = LastEvent { epoch, micros: Arc::new(AtomicU64::new(0)) };
        let mut batch = vec![Message::Story("a.md".into())];
        let started = Instant::now();
        debounce(&rx, &mut batch, long, &seen_long_ago);
        assert!(started.elapsed() < long / 2, "waited for a quiet period that was already over");
        assert_eq!(batch, [Message::Story("a.md".into())]);

        // A change seen just now: what arrives within the period joins the batch.
        let last_event = LastEvent::new();
        last_event.touch();
        let mut batch = vec![Message::Story("a.md".into())];
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(Message::Story("b.md".into())).expect("send");
            tx
        });
        debounce(&rx, &mut batch, Duration::from_millis(300), &last_event);
        assert_eq!(batch, [Message::Story("a.md".into()), Message::Story("b.md".into())]);
        // A control message ends the wait at once, with the files gathered so far.
        let tx = sender.join().expect("sender");
        tx.send(Message::Shutdown).expect("send");
        last_event.touch();
        let mut batch = vec![Message::Story("c.md".into())];
        let started = Instant::now();
        debounce(&rx, &mut batch, long, &last_event);
        assert!(started.elapsed() < long / 2, "a shutdown waited for the quiet period");
        assert_eq!(batch, [Message::Story("c.md".into()), Message::Shutdown]);
    }

    #[test]
    fn classify_paths() {
        let root = Path::new("/a");
        let cases: [(&str, Option<Message>); 10] = [
            ("/a/x.md", Some(Message::Story("x.md".into()))),
            ("/a/2024/x.txt", Some(Message::Story("2024/x.txt".into()))),
            ("/a/2024", Some(Message::Tree("2024".into()))),
            ("/a/x.md~", None),
            ("/a/.x.md.swp", None),
            ("/a/4913", None),
            ("/a/.#x.md", None),
            ("/a/x.md___jb_tmp___", None),
            ("/a", Some(Message::Rescan("articles folder changed".into()))),
            ("/elsewhere/x.md", None),
        ];
        for (path, want) in cases {
            assert_eq!(classify(root, Path::new(path)), want, "{path}");
        }
        assert!(matches!(classify(Path::new("/a/b"), Path::new("/a")), Some(Message::Rescan(_))));
    }
}
