//! `feedsmith watch`: one thread owns the engine; file events (translated
//! here, at the boundary), signals and timers are messages to it.
//!
//! ```text
//! notify ─debounce─▶ translate ─┐
//! signals (INT/TERM/HUP) ───────┼─▶ channel ─▶ loop: update index ─▶ publish changed feeds
//! timer (scheduled stories) ────┘                    (rescan when events were lost)
//! ```

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use chrono::Utc;
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, Debouncer, FileIdMap, RecommendedCache};

use crate::config::Config;
use crate::engine::{Engine, Report};
use crate::error::FatalError;
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

/// Keeps the watcher alive; dropping it stops watching.
#[allow(dead_code)] // held, never read: dropping it stops watching
enum Watch {
    Os(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, FileIdMap>),
}

/// Builds, then keeps the feeds current until a shutdown message.
/// `reload` re-reads the configuration on SIGHUP.
pub fn run(
    config: Config,
    options: Options,
    reload: impl Fn() -> Result<Config, FatalError>,
    tx: Sender<Message>,
    rx: Receiver<Message>,
) -> Result<(), FatalError> {
    let mut options = options;
    remove_temp_files(&config.output_dir);
    let mut engine = Engine::new(config);
    // Watch before the first scan, so a change made during it is not lost
    // (its events wait in the channel and are applied right after).
    let mut watch = start_watch(engine.config(), &mut options, &tx)?;
    let started = Instant::now();
    let now = Utc::now();
    let report = engine.scan(now)?;
    log_problems(&report);
    let published = engine.publish(now)?;
    tracing::info!(
        "watching {}: {} stories published, {} files written in {} ms",
        engine.config().articles_dir.display(),
        published.stories,
        published.replaced.len(),
        started.elapsed().as_millis()
    );
    let mut pinger = Pinger::start(hub_urls(engine.config()));
    let mut root_id = folder_id(&engine.config().articles_dir);
    systemd_ready(published.stories);
    let watchdog = systemd_watchdog();
    let mut last_ping = Instant::now();
    let mut last_publish = now;

    loop {
        let now = Utc::now();
        let mut wait = HOUSEKEEPING;
        if let Some(due) = engine.index().next_scheduled(now) {
            let until = (due - now).to_std().unwrap_or_default() + Duration::from_millis(1);
            wait = wait.min(until);
        }
        if let Some(interval) = watchdog {
            wait = wait.min(interval.saturating_sub(last_ping.elapsed()));
        }
        let mut batch = Vec::new();
        match rx.recv_timeout(wait) {
            Ok(message) => batch.push(message),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Coalesce whatever else is already waiting into this rebuild.
        batch.extend(rx.try_iter());
        if batch.contains(&Message::Shutdown) {
            tracing::info!("stopping");
            break;
        }
        let started = Instant::now();
        let mut rescan = None;
        let mut stories = BTreeSet::new();
        let mut trees = BTreeSet::new();
        for message in batch {
            match message {
                Message::Story(p) => {
                    stories.insert(p);
                }
                Message::Tree(p) => {
                    trees.insert(p);
                }
                Message::Rescan(why) => rescan = Some(why),
                Message::WatchLimit => {
                    tracing::error!(
                        "the OS limit on watched folders is reached: raise it with `sysctl fs.inotify.max_user_watches=524288` \
                         (and a file in /etc/sysctl.d/ to keep it); polling every {FALLBACK_POLL_MS} ms until restarted"
                    );
                    options.poll_ms = Some(FALLBACK_POLL_MS);
                    watch = start_watch(engine.config(), &mut options, &tx)?;
                    rescan = Some("switched to polling".into());
                }
                Message::Reload => match reload() {
                    Ok(config) => {
                        tracing::info!("configuration reloaded");
                        engine.save_state();
                        engine = Engine::new(config);
                        watch = start_watch(engine.config(), &mut options, &tx)?;
                        pinger = Pinger::start(hub_urls(engine.config()));
                        root_id = folder_id(&engine.config().articles_dir);
                        rescan = Some("configuration reloaded".into());
                    }
                    Err(e) => tracing::error!("{e}: keeping the previous configuration"),
                },
                Message::Shutdown => {}
            }
        }

        // The articles folder replaced (removed and recreated, moved): watch it anew.
        let current_id = folder_id(&engine.config().articles_dir);
        if current_id != root_id {
            root_id = current_id;
            match root_id {
                Some(_) => {
                    watch = start_watch(engine.config(), &mut options, &tx)?;
                    rescan = Some("articles folder replaced".into());
                }
                None => tracing::warn!(
                    "{}: the articles folder is gone; the feeds stay as they are until it is back",
                    engine.config().articles_dir.display()
                ),
            }
        }

        let now = Utc::now();
        let report = match rescan {
            Some(why) if root_id.is_some() => {
                tracing::info!("rescanning: {why}");
                match engine.scan(now) {
                    Ok(report) => report,
                    Err(e) => {
                        tracing::error!("{e}");
                        Report::default()
                    }
                }
            }
            _ if root_id.is_none() => Report::default(),
            _ => {
                let mut paths: BTreeSet<PathBuf> = stories;
                for tree in &trees {
                    paths.extend(engine.paths_under(tree));
                }
                let paths: Vec<PathBuf> = paths.into_iter().collect();
                engine.update(&paths, now)
            }
        };
        log_problems(&report);

        // A story whose date has come since the last publish goes live now.
        let scheduled = engine.index().next_scheduled(last_publish).is_some_and(|d| d <= now);
        if scheduled {
            engine.mark_due(last_publish, now);
        }
        let missing = output_missing(engine.config());
        if missing {
            tracing::warn!("{}: feeds missing; writing them again", engine.config().output_dir.display());
            engine.mark_all();
        }
        if !report.changed.is_empty() || scheduled || missing {
            match engine.publish(now) {
                Ok(p) => {
                    last_publish = now;
                    if let Some(pinger) = &pinger {
                        pinger.ping(changed_feed_urls(engine.config(), &p.replaced));
                    }
                    for path in &report.changed {
                        tracing::debug!("changed: {}", path.display());
                    }
                    tracing::info!(
                        "rebuilt: {} stories changed, {} feed files written, {} removed, {} stories published, {} ms",
                        report.changed.len(),
                        p.replaced.len(),
                        p.removed.len(),
                        p.stories,
                        started.elapsed().as_millis()
                    );
                    systemd_status(p.stories);
                }
                Err(e) => tracing::error!("publishing failed: {e}; retrying at the next change"),
            }
        }
        if let Some(interval) = watchdog {
            if last_ping.elapsed() >= interval {
                let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
                last_ping = Instant::now();
            }
        }
    }
    drop(watch);
    engine.save_state();
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    Ok(())
}

fn hub_urls(config: &Config) -> Vec<String> {
    config.websub_hubs.iter().map(ToString::to_string).collect()
}

/// The self URLs of the feed files among `replaced` (relative output paths).
pub fn changed_feed_urls(config: &Config, replaced: &[PathBuf]) -> Vec<String> {
    replaced
        .iter()
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| crate::engine::FEED_FILES.contains(&n)))
        .map(|p| {
            let segments: Vec<String> = p.iter().map(|s| crate::slug::url_segment(&s.to_string_lossy())).collect();
            format!("{}{}", config.feeds_url, segments.join("/"))
        })
        .collect()
}

/// Starts watching the articles folder (recursively), with OS notifications
/// or by polling; events are debounced by `debounce_ms`.
fn start_watch(config: &Config, options: &mut Options, tx: &Sender<Message>) -> Result<Option<Watch>, FatalError> {
    let root = match std::fs::canonicalize(&config.articles_dir) {
        Ok(root) => root,
        Err(_) => return Ok(None), // gone: housekeeping notices when it is back
    };
    let timeout = Duration::from_millis(config.debounce_ms.max(1));
    let handler = {
        let tx = tx.clone();
        let root = root.clone();
        move |result: DebounceEventResult| {
            for message in translate(&root, result) {
                let _ = tx.send(message);
            }
        }
    };
    if let Some(ms) = options.poll_ms {
        let poll = notify::Config::default().with_poll_interval(Duration::from_millis(ms.max(1)));
        let mut debouncer = new_debouncer_opt::<_, PollWatcher, _>(timeout, None, handler, FileIdMap::new(), poll)
            .map_err(|e| FatalError::Other(format!("cannot start polling: {e}")))?;
        debouncer
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| FatalError::Other(format!("{}: cannot poll: {e}", root.display())))?;
        return Ok(Some(Watch::Poll(debouncer)));
    }
    let mut debouncer = new_debouncer_opt::<_, RecommendedWatcher, _>(
        timeout,
        None,
        handler,
        RecommendedCache::new(),
        notify::Config::default(),
    )
    .map_err(|e| FatalError::Other(format!("cannot start watching: {e}")))?;
    match debouncer.watch(&root, RecursiveMode::Recursive) {
        Ok(()) => Ok(Some(Watch::Os(debouncer))),
        Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
            let _ = tx.send(Message::WatchLimit);
            Ok(None)
        }
        Err(e) => Err(FatalError::Other(format!("{}: cannot watch: {e}", root.display()))),
    }
}

/// notify's events to our messages: story files by path, anything that may
/// be a folder as a tree, editor and temporary noise dropped.
pub fn translate(root: &Path, result: DebounceEventResult) -> Vec<Message> {
    let events = match result {
        Ok(events) => events,
        Err(errors) => {
            return errors
                .into_iter()
                .map(|e| match e.kind {
                    notify::ErrorKind::MaxFilesWatch => Message::WatchLimit,
                    _ => Message::Rescan(format!("watch error: {e}")),
                })
                .collect();
        }
    };
    let mut out = Vec::new();
    for event in events {
        if event.need_rescan() {
            out.push(Message::Rescan("the OS dropped events".into()));
            continue;
        }
        // Opening and reading change nothing (and our own reads would echo back).
        if matches!(event.kind, notify::EventKind::Access(_)) {
            continue;
        }
        for path in &event.paths {
            if let Some(message) = classify(root, path) {
                if !out.contains(&message) {
                    out.push(message);
                }
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

/// The identity of a folder (device, inode), to notice it being replaced.
fn folder_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

fn output_missing(config: &Config) -> bool {
    !config.output_dir.join("rss.xml").is_file()
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

/// Turns SIGINT/SIGTERM into [`Message::Shutdown`] and SIGHUP into [`Message::Reload`].
pub fn forward_signals(tx: Sender<Message>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        for signal in signals.forever() {
            let message = if signal == SIGHUP { Message::Reload } else { Message::Shutdown };
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
