//! `feedsmith watch`, the daemon loop: one thread owns the engine; file
//! events (translated at the boundary, [`events`]), signals (caught by the
//! service glue, [`service`]) and timers are messages to it.
//!
//! ```text
//! notify ──▶ translate ─────────┐
//! signals (INT/TERM/HUP) ───────┼─▶ channel ─▶ loop: update index ─▶ publish changed feeds
//! timer (scheduled stories) ────┘    (debounced there; rescan when events were lost)
//! ```

use std::collections::{BTreeSet, HashMap};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::engine::{Engine, Report};
use crate::error::FatalError;
use crate::layout::{self, FeedKey};
use crate::metrics::WatchMode;
use crate::websub::Pinger;

mod events;
mod service;

pub use events::{channel, classify, translate, Message, Options};
use events::{debounce, start_watch, LastEvent, Watch, FALLBACK_POLL_MS};
pub use service::forward_signals;
use service::{keep_memory_flat, systemd_ready, systemd_status, Watchdog};

/// How often the loop looks after itself (folder replaced, output deleted,
/// watchdog) when no event arrives.
const HOUSEKEEPING: Duration = Duration::from_millis(500);

/// Builds, then keeps the feeds current until a shutdown message.
/// `reload` re-reads the configuration on SIGHUP; `cancel` is set by
/// SIGINT/SIGTERM so that a long scan or render is abandoned at once.
///
/// Errors have two classes. A fatal one (the first build cannot be read or
/// written) is returned before the loop starts. Once running, every error
/// is a runtime error: a watch that cannot be set up, a rescan or a publish
/// that fails is logged once and retried with backoff while the last good
/// feeds stay published. The loop ends only on a shutdown message.
pub fn run(
    config: Config,
    options: Options,
    reload: impl Fn() -> Result<Config, FatalError>,
    channel: (Sender<Message>, Receiver<Message>),
    cancel: Arc<AtomicBool>,
    monitor: Arc<crate::health::Monitor>,
) -> Result<(), FatalError> {
    let (tx, rx) = channel;
    keep_memory_flat();
    let mut daemon = match Daemon::start(config, options, tx, cancel, monitor) {
        Err(FatalError::Cancelled) => return Ok(()),
        other => other?,
    };
    while let Some(batch) = daemon.next_batch(&rx) {
        if batch.contains(&Message::Shutdown) || daemon.handle(batch, &reload).is_err() {
            break;
        }
        daemon.watchdog.ping_if_due();
        daemon.engine.save_state_if_due();
    }
    tracing::info!("stopping");
    daemon.engine.save_state();
    if let Some(pinger) = daemon.pinger.take() {
        pinger.finish(PING_GRACE);
    }
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    Ok(())
}

/// Why a rescan follows an attempt to watch again.
const RETRY_RESCAN: &str = "watching again";

/// How long queued hub pings may still go out once the daemon is asked to stop.
const PING_GRACE: Duration = Duration::from_millis(800);

/// A signal asked the loop to stop in the middle of its work.
#[derive(Debug)]
struct Cancelled;

/// The longest wait between two attempts at something that keeps failing:
/// once the disk has room again, the feeds are current within this.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Something that failed and is tried again, waiting twice as long after
/// each failure (up to [`MAX_BACKOFF`]). Its error is logged when it first
/// fails and again only when it changes, not at every attempt.
#[derive(Debug)]
struct Retry {
    what: &'static str,
    next: Option<Instant>,
    delay: Duration,
    last_error: Option<String>,
}

impl Retry {
    fn new(what: &'static str) -> Retry {
        Retry { what, next: None, delay: HOUSEKEEPING, last_error: None }
    }

    /// Whether an attempt is waiting, and when it is due.
    fn due_at(&self) -> Option<Instant> {
        self.next
    }

    fn is_due(&self) -> bool {
        self.next.is_some_and(|t| t <= Instant::now())
    }

    fn failed(&mut self, error: &str) {
        if self.last_error.as_deref() != Some(error) {
            tracing::error!("{error}; {} again in {} s, then less often", self.what, self.delay.as_secs_f32());
            self.last_error = Some(error.to_owned());
        } else {
            tracing::debug!("{} failed again: {error}", self.what);
        }
        self.next = Some(Instant::now() + self.delay);
        self.delay = (self.delay * 2).min(MAX_BACKOFF);
    }

    fn succeeded(&mut self) {
        if self.last_error.take().is_some() {
            tracing::info!("{}: working again", self.what);
        }
        self.next = None;
        self.delay = HOUSEKEEPING;
    }
}

/// The problems logged and still present: a problem that persists (a
/// duplicate id, an unreadable folder) is logged once, not at every
/// rebuild; again when it changes; and its end is logged too.
#[derive(Debug, Default)]
struct Problems {
    /// Messages shown, with the file each is about.
    shown: HashMap<String, Shown>,
    /// Told how many files are rejected after each report.
    monitor: Arc<crate::health::Monitor>,
}

/// A problem logged and still present.
#[derive(Debug)]
struct Shown {
    path: PathBuf,
    /// An error (the story rejected), not a warning.
    error: bool,
    /// Settled by any report that no longer lists it (see
    /// [`crate::error::StoryError::between_files`]).
    between_files: bool,
}

/// What a report covers: everything (a scan) or the files re-read (full
/// paths, as problems name them).
enum Scope<'a> {
    Everything,
    Paths(&'a [PathBuf]),
}

impl Problems {
    fn log(&mut self, report: &Report, scope: Scope<'_>) {
        let now: HashMap<String, &PathBuf> = report
            .warnings
            .iter()
            .map(|w| (format!("warning: {w}"), &w.path))
            .chain(report.errors.iter().map(|e| (e.to_string(), &e.path)))
            .collect();
        let reported: std::collections::HashSet<&Path> = now.values().map(|p| p.as_path()).collect();
        let settled: Vec<String> = self
            .shown
            .iter()
            .filter(|(message, shown)| {
                !now.contains_key(*message)
                    && (shown.between_files
                        || match scope {
                            // Not a file inside a folder the scan could not
                            // read: it was not read again, so its problem
                            // cannot have ended.
                            Scope::Everything => !shown.path.ancestors().skip(1).any(|a| reported.contains(a)),
                            Scope::Paths(paths) => paths.contains(&shown.path),
                        })
            })
            .map(|(message, _)| message.clone())
            .collect();
        for message in settled {
            if let Some(Shown { path, .. }) = self.shown.remove(&message) {
                if !self.shown.values().any(|s| s.path == path) && !now.values().any(|p| **p == path) {
                    tracing::info!("{}: no problem any more", path.display());
                }
            }
        }
        for warning in &report.warnings {
            let shown = Shown { path: warning.path.clone(), error: false, between_files: warning.between_files };
            if self.shown.insert(format!("warning: {warning}"), shown).is_none() {
                tracing::warn!("{warning}");
            }
        }
        for error in &report.errors {
            let shown = Shown { path: error.path.clone(), error: true, between_files: error.between_files };
            if self.shown.insert(error.to_string(), shown).is_none() {
                tracing::error!("{error}");
            }
        }
        self.monitor.metrics.rejected(self.rejected());
    }

    /// Files with an error now (each counted once, whatever its errors).
    fn rejected(&self) -> usize {
        let files: std::collections::HashSet<&PathBuf> =
            self.shown.values().filter(|s| s.error).map(|s| &s.path).collect();
        files.len()
    }
}

/// The loop's state: the engine (which owns the index) and what keeps
/// events, pings and systemd going.
struct Daemon {
    engine: Engine,
    options: Options,
    tx: Sender<Message>,
    watch: Option<Watch>,
    /// Setting up the watch, when it last failed.
    rewatch: Retry,
    /// Publishing, when it last failed (a full disk, a read-only folder).
    republish: Retry,
    /// Reading the story files that failed for a passing reason (out of
    /// file descriptors, say).
    reread: Retry,
    last_event: LastEvent,
    pinger: Option<Pinger>,
    root_id: Option<(u64, u64)>,
    last_publish: DateTime<Utc>,
    watchdog: Watchdog,
    problems: Problems,
    /// What `/healthz` and `/metrics` answer.
    monitor: Arc<crate::health::Monitor>,
}

/// What one batch of messages asks for.
#[derive(Default)]
struct Work {
    stories: BTreeSet<PathBuf>,
    trees: BTreeSet<PathBuf>,
    rescan: Option<String>,
    /// Publish even if no story changed (new configuration, a retry).
    force: bool,
}

impl Daemon {
    /// Watches, then builds once (a change made during the build is not
    /// lost: its events wait in the channel). A watch that cannot be set
    /// up is a runtime error (retried); a first build that cannot be read
    /// or written is fatal.
    fn start(
        config: Config,
        options: Options,
        tx: Sender<Message>,
        cancel: Arc<AtomicBool>,
        monitor: Arc<crate::health::Monitor>,
    ) -> Result<Daemon, FatalError> {
        crate::publish::remove_orphaned_temp_files(&config.output_dir);
        crate::publish::remove_orphaned_temp_files_beside(&config.state_file);
        let mut engine = Engine::new(config);
        engine.set_cancel(cancel);
        let now = Utc::now();
        let mut daemon = Daemon {
            pinger: Pinger::start(hub_urls(engine.config()), monitor.clone()),
            root_id: folder_id(&engine.config().articles_dir),
            engine,
            options,
            tx,
            watch: None,
            rewatch: Retry::new("watching the articles folder"),
            republish: Retry::new("publishing"),
            reread: Retry::new("reading the story files that failed"),
            last_event: LastEvent::new(),
            last_publish: now,
            watchdog: Watchdog::from_env(),
            problems: Problems { monitor: monitor.clone(), ..Problems::default() },
            monitor,
        };
        daemon.set_up_watch();
        let started = Instant::now();
        let report = daemon.engine.scan(now)?;
        daemon.problems.log(&report, Scope::Everything);
        let published = daemon.engine.publish(now)?;
        daemon.monitor.health.published();
        daemon.monitor.metrics.published(published.stories, feed_files(&published), started.elapsed(), now);
        daemon.engine.warm_main_bodies(now);
        // With the main feed's bodies in it: a restart renders none.
        daemon.engine.save_state();
        tracing::info!(
            "watching {}: {} stories published, {} files written, {} bodies rendered in {} ms; {}",
            daemon.engine.config().articles_dir.display(),
            published.stories,
            published.replaced.len(),
            published.bodies,
            started.elapsed().as_millis(),
            daemon.engine.read_summary()
        );
        systemd_ready(published.stories);
        Ok(daemon)
    }

    /// Starts watching (again). When OS notifications cannot be set up (a
    /// subfolder vanished or unreadable at the wrong moment), the folder is
    /// polled meanwhile and notifications are tried again with backoff;
    /// when nothing can watch it, each retry rescans. Whether it watches
    /// as asked now.
    fn set_up_watch(&mut self) -> bool {
        self.watch = None; // the old watcher stops before a new one starts
        let config = self.engine.config();
        let (watching, mode) = match start_watch(config, &mut self.options, &self.tx, &self.last_event) {
            Ok(watch) => {
                self.watch = watch;
                self.rewatch.succeeded();
                (true, if self.options.poll_ms.is_some() { WatchMode::Polling } else { WatchMode::Events })
            }
            Err(e) => {
                self.rewatch.failed(&e.to_string());
                if self.options.poll_ms.is_none() {
                    let mut polling = Options { poll_ms: Some(FALLBACK_POLL_MS) };
                    self.watch = start_watch(config, &mut polling, &self.tx, &self.last_event).ok().flatten();
                }
                (false, WatchMode::Polling)
            }
        };
        self.monitor.metrics.watch_mode(mode);
        watching
    }

    /// Waits for messages (or the next scheduled story, a retry, or
    /// housekeeping) and returns everything waiting, so one rebuild covers
    /// a burst.
    fn next_batch(&self, rx: &Receiver<Message>) -> Option<Vec<Message>> {
        let now = Utc::now();
        let mut wait = HOUSEKEEPING;
        if let Some(due) = self.engine.index().next_scheduled(now) {
            wait = wait.min((due - now).to_std().unwrap_or_default() + Duration::from_millis(1));
        }
        if let Some(due) = self.watchdog.due_in() {
            wait = wait.min(due);
        }
        for retry in [&self.rewatch, &self.republish, &self.reread] {
            if let Some(at) = retry.due_at() {
                wait = wait.min(at.saturating_duration_since(Instant::now()));
            }
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

    /// One turn of the loop: apply the batch, look after the folders and
    /// retries, publish what changed. `Err` only when a signal cancelled
    /// the work: every other error is logged and retried.
    fn handle(
        &mut self,
        batch: Vec<Message>,
        reload: &impl Fn() -> Result<Config, FatalError>,
    ) -> Result<(), Cancelled> {
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
                Message::Unwatched(folder, why) => {
                    // Watch afresh unless already retrying: the retry polls meanwhile.
                    if self.rewatch.due_at().is_none() {
                        tracing::debug!("{}: cannot watch it: {why}", folder.display());
                        self.set_up_watch();
                    }
                    work.trees.insert(folder);
                }
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
        self.check_root(&mut work);
        if self.rewatch.is_due() {
            // Whether or not it works now, events may have been missed.
            self.set_up_watch();
            work.rescan.get_or_insert_with(|| RETRY_RESCAN.into());
        }
        if self.republish.is_due() {
            work.force = true;
        }
        let rereading = self.reread.is_due();
        if rereading {
            work.stories.extend(self.engine.unread());
        }
        let now = Utc::now();
        let report = self.apply(work.rescan.take(), &work, now)?;
        match self.engine.unread().len() {
            0 => self.reread.succeeded(),
            _ if rereading || self.reread.due_at().is_none() => {
                self.reread.failed("some story files could not be read for a passing reason (see above)");
            }
            _ => {}
        }
        self.publish(&report, work.force, now, started)
    }

    fn reload(&mut self, reload: &impl Fn() -> Result<Config, FatalError>, work: &mut Work) -> Result<(), Cancelled> {
        let config = match reload() {
            Ok(config) => config,
            Err(e) => {
                tracing::error!("{e}: keeping the previous configuration");
                return Ok(());
            }
        };
        let old = self.engine.config();
        for (key, before, after) in [("serve", &old.serve, &config.serve), ("admin", &old.admin, &config.admin)] {
            if before != after {
                tracing::warn!("`{key}` changed: addresses are bound at start; restart feedsmith to use the new one");
            }
        }
        let report = match self.engine.reconfigure(config, Utc::now()) {
            Err(FatalError::Cancelled) => return Err(Cancelled),
            Err(e) => {
                tracing::error!("{e}; keeping the previous configuration");
                return Ok(());
            }
            Ok(report) => report,
        };
        tracing::info!("configuration reloaded");
        self.problems.log(&report, Scope::Everything);
        self.engine.warm_main_bodies(Utc::now());
        self.set_up_watch();
        self.pinger = Pinger::start(hub_urls(self.engine.config()), self.monitor.clone());
        self.root_id = folder_id(&self.engine.config().articles_dir);
        work.force = true;
        Ok(())
    }

    /// Notices the articles folder being replaced or gone; a lost or
    /// suspect watch is started again.
    fn check_root(&mut self, work: &mut Work) {
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
            self.set_up_watch();
        }
    }

    fn apply(&mut self, rescan: Option<String>, work: &Work, now: DateTime<Utc>) -> Result<Report, Cancelled> {
        if self.root_id.is_none() {
            return Ok(Report::default());
        }
        if let Some(why) = rescan {
            // A retry's rescan is routine while a watch keeps failing (that
            // failure is logged once); any other is news.
            if why == RETRY_RESCAN {
                tracing::debug!("rescanning: {why}");
            } else {
                tracing::info!("rescanning: {why}");
            }
            return match self.engine.scan(now) {
                Err(FatalError::Cancelled) => Err(Cancelled),
                Err(e) => {
                    // The folder vanished mid-scan, say: the index stays,
                    // and housekeeping notices when it is back.
                    tracing::error!("{e}");
                    Ok(Report::default())
                }
                Ok(report) => {
                    self.problems.log(&report, Scope::Everything);
                    Ok(report)
                }
            };
        }
        let mut paths = work.stories.clone();
        for tree in &work.trees {
            paths.extend(self.engine.paths_under(tree));
            // A picture or file a story names, or a folder holding some;
            // story links leading into it.
            paths.extend(self.engine.media_named_under(tree));
            paths.extend(self.engine.links_into(tree));
        }
        let paths: Vec<PathBuf> = paths.into_iter().collect();
        let report = self.engine.update(&paths, now);
        let articles = &self.engine.config().articles_dir;
        let reread: Vec<PathBuf> = report.looked_at.iter().map(|p| articles.join(p)).collect();
        self.problems.log(&report, Scope::Paths(&reread));
        Ok(report)
    }

    /// Publishes when stories changed, a scheduled story came due, the
    /// output went missing, or `force`; pings the hubs about changed feeds.
    /// A failed publish keeps the last good feeds and is retried.
    fn publish(&mut self, report: &Report, force: bool, now: DateTime<Utc>, started: Instant) -> Result<(), Cancelled> {
        let scheduled = self.engine.index().next_scheduled(self.last_publish).is_some_and(|d| d <= now);
        if scheduled {
            self.engine.mark_due(self.last_publish, now);
            self.problems.log(&self.engine.duplicates(now), Scope::Paths(&[]));
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
                self.republish.succeeded();
                self.monitor.health.published();
                self.monitor.metrics.published(p.stories, feed_files(&p), started.elapsed(), now);
                if let Some(pinger) = &self.pinger {
                    pinger.ping(changed_feed_urls(self.engine.config(), &p.replaced));
                }
                for path in &report.changed {
                    tracing::debug!("changed: {}", path.display());
                }
                tracing::info!(
                    "rebuilt: {} stories changed, {} feed files written, {} removed, {} stories published, {} bodies rendered, {} ms{}",
                    report.changed.len(),
                    p.replaced.len(),
                    p.removed.len(),
                    p.stories,
                    p.bodies,
                    started.elapsed().as_millis(),
                    first_few(&report.changed)
                );
                systemd_status(p.stories);
            }
            Err(FatalError::Cancelled) => return Err(Cancelled),
            Err(e) => {
                let why = format!("publishing failed: {e}; the last good feeds stay published");
                self.monitor.health.failed(&why);
                self.monitor.metrics.publish_failed();
                self.republish.failed(&why);
            }
        }
        Ok(())
    }
}

/// How many of the files a publish wrote are feeds.
fn feed_files(published: &crate::engine::Published) -> usize {
    published.replaced.iter().filter(|p| layout::is_feed_file(p)).count()
}

fn hub_urls(config: &Config) -> Vec<String> {
    config.websub_hubs.iter().map(ToString::to_string).collect()
}

/// The self URLs of the feed files among `replaced` (relative output paths).
pub fn changed_feed_urls(config: &Config, replaced: &[PathBuf]) -> Vec<String> {
    replaced.iter().filter(|p| layout::is_feed_file(p)).map(|p| layout::url_of(&config.feeds_url, p)).collect()
}

/// The identity of a folder (device, inode), to notice it being replaced.
fn folder_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

fn output_missing(config: &Config) -> bool {
    FeedKey::Main.files().iter().any(|f| !config.output_dir.join(f).is_file())
}

/// ": a.md, b.md, c.md and 4 more" — the stories a rebuild was for, the
/// first few by name — or nothing when there are none.
fn first_few(paths: &[PathBuf]) -> String {
    const NAMED: usize = 3;
    if paths.is_empty() {
        return String::new();
    }
    let names: Vec<String> = paths.iter().take(NAMED).map(|p| p.display().to_string()).collect();
    match paths.len().saturating_sub(NAMED) {
        0 => format!(": {}", names.join(", ")),
        more => format!(": {} and {more} more", names.join(", ")),
    }
}
