//! `feedsmith watch`: one thread owns the engine; file events (translated
//! here, at the boundary), signals and timers are messages to it.
//!
//! ```text
//! notify ──▶ translate ─────────┐
//! signals (INT/TERM/HUP) ───────┼─▶ channel ─▶ loop: update index ─▶ publish changed feeds
//! timer (scheduled stories) ────┘    (debounced there; rescan when events were lost)
//! ```

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use crate::config::Config;
use crate::engine::{Engine, Report};
use crate::error::FatalError;
use crate::layout::{self, FeedKey};
use crate::paths;
use crate::websub::Pinger;

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
    /// SIGHUP: read the configuration again.
    Reload,
    /// SIGINT/SIGTERM: stop after the current rebuild.
    Shutdown,
}

impl Message {
    /// A change to the files (what the debounce gathers), not an order.
    fn is_file_change(&self) -> bool {
        matches!(self, Message::Story(_) | Message::Tree(_))
    }
}

/// How to watch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Poll every this many milliseconds instead of OS notifications.
    pub poll_ms: Option<u64>,
}

/// How often the loop looks after itself (folder replaced, output deleted,
/// watchdog) when no event arrives.
const HOUSEKEEPING: Duration = Duration::from_millis(500);
/// Polling interval once the OS watch limit is reached.
const FALLBACK_POLL_MS: u64 = 1000;

/// When the watcher last passed on a file change. The debounce counts its
/// quiet period from there, not from when the loop got round to the
/// message: a change made while a rebuild was running has already waited
/// part of the period, and must not wait a whole one more (issue 5).
#[derive(Debug, Clone)]
struct LastEvent {
    epoch: Instant,
    micros: Arc<AtomicU64>,
}

impl LastEvent {
    fn new() -> LastEvent {
        LastEvent { epoch: Instant::now(), micros: Arc::new(AtomicU64::new(0)) }
    }

    /// Called before the message is sent, so the loop never sees a message
    /// newer than the time it reads here.
    fn touch(&self) {
        let micros = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.micros.fetch_max(micros, Ordering::Release);
    }

    fn get(&self) -> Instant {
        self.epoch + Duration::from_micros(self.micros.load(Ordering::Acquire))
    }
}

/// Keeps the watcher alive; dropping it stops watching.
#[allow(dead_code)] // held, never read: dropping it stops watching
enum Watch {
    Os(RecommendedWatcher),
    Poll(PollWatcher),
}

/// Builds, then keeps the feeds current until a shutdown message.
/// `reload` re-reads the configuration on SIGHUP; `cancel` is set by
/// SIGINT/SIGTERM so that a long scan or render is abandoned at once.
pub fn run(
    config: Config,
    options: Options,
    reload: impl Fn() -> Result<Config, FatalError>,
    channel: (Sender<Message>, Receiver<Message>),
    cancel: Arc<AtomicBool>,
) -> Result<(), FatalError> {
    let (tx, rx) = channel;
    keep_memory_flat();
    let mut daemon = match Daemon::start(config, options, tx, cancel) {
        Err(FatalError::Cancelled) => return Ok(()),
        other => other?,
    };
    while let Some(batch) = daemon.next_batch(&rx) {
        if batch.contains(&Message::Shutdown) || daemon.handle(batch, &reload).is_err() {
            break;
        }
        daemon.ping_watchdog();
        daemon.engine.save_state_if_due();
    }
    tracing::info!("stopping");
    daemon.engine.save_state();
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    Ok(())
}

/// The loop's state: the engine (which owns the index) and what keeps
/// events, pings and systemd going.
struct Daemon {
    engine: Engine,
    options: Options,
    tx: Sender<Message>,
    watch: Option<Watch>,
    last_event: LastEvent,
    pinger: Option<Pinger>,
    root_id: Option<(u64, u64)>,
    last_publish: DateTime<Utc>,
    watchdog: Option<Duration>,
    last_ping: Instant,
}

/// What one batch of messages asks for.
#[derive(Default)]
struct Work {
    stories: BTreeSet<PathBuf>,
    trees: BTreeSet<PathBuf>,
    rescan: Option<String>,
    /// Publish even if no story changed (new configuration).
    force: bool,
}

impl Daemon {
    /// Watches, then builds once (a change made during the build is not
    /// lost: its events wait in the channel).
    fn start(
        config: Config,
        mut options: Options,
        tx: Sender<Message>,
        cancel: Arc<AtomicBool>,
    ) -> Result<Daemon, FatalError> {
        remove_temp_files(&config.output_dir);
        let mut engine = Engine::new(config);
        engine.set_cancel(cancel);
        let last_event = LastEvent::new();
        let watch = start_watch(engine.config(), &mut options, &tx, &last_event)?;
        let started = Instant::now();
        let now = Utc::now();
        let report = engine.scan(now)?;
        log_problems(&report);
        let published = engine.publish(now)?;
        engine.warm_main_bodies(now);
        tracing::info!(
            "watching {}: {} stories published, {} files written, {} bodies rendered in {} ms",
            engine.config().articles_dir.display(),
            published.stories,
            published.replaced.len(),
            published.bodies,
            started.elapsed().as_millis()
        );
        systemd_ready(published.stories);
        Ok(Daemon {
            pinger: Pinger::start(hub_urls(engine.config())),
            root_id: folder_id(&engine.config().articles_dir),
            engine,
            options,
            tx,
            watch,
            last_event,
            last_publish: now,
            watchdog: systemd_watchdog(),
            last_ping: Instant::now(),
        })
    }

    /// Waits for messages (or the next scheduled story, or housekeeping)
    /// and returns everything waiting, so one rebuild covers a burst.
    fn next_batch(&self, rx: &Receiver<Message>) -> Option<Vec<Message>> {
        let now = Utc::now();
        let mut wait = HOUSEKEEPING;
        if let Some(due) = self.engine.index().next_scheduled(now) {
            wait = wait.min((due - now).to_std().unwrap_or_default() + Duration::from_millis(1));
        }
        if let Some(interval) = self.watchdog {
            wait = wait.min(interval.saturating_sub(self.last_ping.elapsed()));
        }
        let mut batch = Vec::new();
        match rx.recv_timeout(wait) {
            Ok(message) => batch.push(message),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
        batch.extend(rx.try_iter());
        debounce(rx, &mut batch, Duration::from_millis(self.engine.config().debounce_ms), &self.last_event);
        Some(batch)
    }

    /// One turn of the loop: apply the batch, look after the folders,
    /// publish what changed. `Err` only when a signal cancelled the work.
    fn handle(
        &mut self,
        batch: Vec<Message>,
        reload: &impl Fn() -> Result<Config, FatalError>,
    ) -> Result<(), FatalError> {
        let started = Instant::now();
        let mut work = Work::default();
        for message in batch {
            match message {
                Message::Story(p) => {
                    work.stories.insert(p);
                }
                Message::Tree(p) => {
                    work.trees.insert(p);
                }
                Message::Rescan(why) => work.rescan = Some(why),
                Message::WatchLimit => {
                    tracing::error!(
                        "the OS limit on watched folders is reached: raise it with `sysctl fs.inotify.max_user_watches=524288` \
                         (and a file in /etc/sysctl.d/ to keep it); polling every {FALLBACK_POLL_MS} ms until restarted"
                    );
                    self.options.poll_ms = Some(FALLBACK_POLL_MS);
                    work.rescan = Some("switched to polling".into());
                }
                Message::Reload => self.reload(reload, &mut work)?,
                Message::Shutdown => {}
            }
        }
        self.check_root(&mut work)?;
        let now = Utc::now();
        let report = self.apply(work.rescan.take(), &work, now)?;
        log_problems(&report);
        self.publish(&report, work.force, now, started)
    }

    fn reload(&mut self, reload: &impl Fn() -> Result<Config, FatalError>, work: &mut Work) -> Result<(), FatalError> {
        let config = match reload() {
            Ok(config) => config,
            Err(e) => {
                tracing::error!("{e}: keeping the previous configuration");
                return Ok(());
            }
        };
        tracing::info!("configuration reloaded");
        let report = match self.engine.reconfigure(config, Utc::now()) {
            Err(FatalError::Cancelled) => return Err(FatalError::Cancelled),
            Err(e) => {
                tracing::error!("{e}");
                return Ok(());
            }
            Ok(report) => report,
        };
        log_problems(&report);
        self.engine.warm_main_bodies(Utc::now());
        self.watch = start_watch(self.engine.config(), &mut self.options, &self.tx, &self.last_event)?;
        self.pinger = Pinger::start(hub_urls(self.engine.config()));
        self.root_id = folder_id(&self.engine.config().articles_dir);
        work.force = true;
        Ok(())
    }

    /// Notices the articles folder being replaced or gone; a lost or
    /// suspect watch is started again.
    fn check_root(&mut self, work: &mut Work) -> Result<(), FatalError> {
        let current = folder_id(&self.engine.config().articles_dir);
        if current != self.root_id {
            self.root_id = current;
            match current {
                Some(_) => work.rescan = Some("articles folder replaced".into()),
                None => tracing::warn!(
                    "{}: the articles folder is gone; the feeds stay as they are until it is back",
                    self.engine.config().articles_dir.display()
                ),
            }
        }
        // Events may have been lost, or the folder replaced under the same
        // inode number: watch it afresh before reading it again.
        if work.rescan.is_some() && current.is_some() {
            self.watch = start_watch(self.engine.config(), &mut self.options, &self.tx, &self.last_event)?;
        }
        Ok(())
    }

    fn apply(&mut self, rescan: Option<String>, work: &Work, now: DateTime<Utc>) -> Result<Report, FatalError> {
        if self.root_id.is_none() {
            return Ok(Report::default());
        }
        if let Some(why) = rescan {
            tracing::info!("rescanning: {why}");
            return match self.engine.scan(now) {
                Err(FatalError::Cancelled) => Err(FatalError::Cancelled),
                Err(e) => {
                    tracing::error!("{e}");
                    Ok(Report::default())
                }
                Ok(report) => Ok(report),
            };
        }
        let mut paths = work.stories.clone();
        for tree in &work.trees {
            paths.extend(self.engine.paths_under(tree));
        }
        Ok(self.engine.update(&paths.into_iter().collect::<Vec<_>>(), now))
    }

    /// Publishes when stories changed, a scheduled story came due, the
    /// output went missing, or `force`; pings the hubs about changed feeds.
    fn publish(
        &mut self,
        report: &Report,
        force: bool,
        now: DateTime<Utc>,
        started: Instant,
    ) -> Result<(), FatalError> {
        let scheduled = self.engine.index().next_scheduled(self.last_publish).is_some_and(|d| d <= now);
        if scheduled {
            self.engine.mark_due(self.last_publish, now);
        }
        let missing = output_missing(self.engine.config());
        if missing {
            tracing::warn!("{}: feeds missing; writing them again", self.engine.config().output_dir.display());
            self.engine.mark_all();
        }
        if report.changed.is_empty() && !scheduled && !missing && !force {
            return Ok(());
        }
        match self.engine.publish(now) {
            Ok(p) => {
                self.last_publish = now;
                if let Some(pinger) = &self.pinger {
                    pinger.ping(changed_feed_urls(self.engine.config(), &p.replaced));
                }
                for path in &report.changed {
                    tracing::debug!("changed: {}", path.display());
                }
                tracing::info!(
                    "rebuilt: {} stories changed, {} feed files written, {} removed, {} stories published, {} bodies rendered, {} ms",
                    report.changed.len(),
                    p.replaced.len(),
                    p.removed.len(),
                    p.stories,
                    p.bodies,
                    started.elapsed().as_millis()
                );
                systemd_status(p.stories);
            }
            Err(FatalError::Cancelled) => return Err(FatalError::Cancelled),
            Err(e) => tracing::error!("publishing failed: {e}; retrying at the next change"),
        }
        Ok(())
    }

    fn ping_watchdog(&mut self) {
        if let Some(interval) = self.watchdog {
            if self.last_ping.elapsed() >= interval {
                let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
                self.last_ping = Instant::now();
            }
        }
    }
}

fn hub_urls(config: &Config) -> Vec<String> {
    config.websub_hubs.iter().map(ToString::to_string).collect()
}

/// The self URLs of the feed files among `replaced` (relative output paths).
pub fn changed_feed_urls(config: &Config, replaced: &[PathBuf]) -> Vec<String> {
    replaced.iter().filter(|p| layout::is_feed_file(p)).map(|p| layout::url_of(&config.feeds_url, p)).collect()
}

/// Starts watching the articles folder (recursively), with OS notifications
/// or by polling. Every event is translated here and sent to the loop at
/// once; the loop does the debouncing.
fn start_watch(
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
    let mut watcher = RecommendedWatcher::new(handler, notify::Config::default())
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
        Err(e) => return vec![Message::Rescan(format!("watch error: {e}"))],
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
fn debounce(rx: &Receiver<Message>, batch: &mut Vec<Message>, quiet: Duration, last_event: &LastEvent) {
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

/// A long-running daemon's memory must stay flat (issue 5). glibc serves a
/// freed large block (a 600 KiB feed, a month's archive) from then on from
/// its heaps instead of `mmap`, and the heaps keep what they once held: the
/// RSS of a 100,000-story daemon rose 7% over its first rebuilds and stayed
/// there. With a fixed threshold every block over 256 KiB is mapped and
/// returned whole (measured: 237 → 237 MiB over 200 edits, against
/// 278 → 285 MiB). `build` keeps glibc's default: a one-shot run gains
/// nothing from it and pays ~2% in time.
fn keep_memory_flat() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of glibc's allocator parameters; it is
    // safe to call at any time, from any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
    }
}

/// The identity of a folder (device, inode), to notice it being replaced.
fn folder_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

fn output_missing(config: &Config) -> bool {
    FeedKey::Main.files().iter().any(|f| !config.output_dir.join(f).is_file())
}

/// Removes temp files a killed process left in the output folder.
fn remove_temp_files(dir: &Path) {
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if name.starts_with(".feedsmith-") && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn log_problems(report: &Report) {
    for warning in &report.warnings {
        tracing::warn!("{warning}");
    }
    for error in &report.errors {
        tracing::error!("{error}");
    }
}

fn systemd_ready(stories: usize) {
    let status = format!("{stories} stories published");
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(&status)]);
}

fn systemd_status(stories: usize) {
    let status = format!("{stories} stories published");
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Status(&status)]);
}

/// Half the watchdog interval systemd asks for, when it asks.
fn systemd_watchdog() -> Option<Duration> {
    let mut usec = 0;
    sd_notify::watchdog_enabled(false, &mut usec).then(|| Duration::from_micros(usec / 2))
}

/// Turns SIGINT/SIGTERM into [`Message::Shutdown`] (and sets `cancel`, so
/// work in progress stops) and SIGHUP into [`Message::Reload`].
pub fn forward_signals(tx: Sender<Message>, cancel: Arc<AtomicBool>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        for signal in signals.forever() {
            let message = if signal == SIGHUP {
                Message::Reload
            } else {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                Message::Shutdown
            };
            if tx.send(message).is_err() {
                break;
            }
        }
    })?;
    Ok(())
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

    /// Issue 5: a change seen while a rebuild was running has already
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
