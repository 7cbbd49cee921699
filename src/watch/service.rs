//! The daemon as a service: what it tells systemd (ready, status,
//! watchdog), the signals it answers, and how it keeps its memory flat.

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Message;

/// A long-running daemon's memory must stay flat. glibc serves a freed
/// large block (a big feed, a month's archive) from then on from its heaps
/// instead of `mmap`, and the heaps keep what they once held, so a large
/// daemon's resident memory creeps up over its first rebuilds and stays
/// there. With a fixed threshold every block over 256 KiB is mapped and
/// returned whole (`bench/` measures the daemon's memory over many edits).
/// `build` keeps glibc's default: a one-shot run gains nothing from it.
pub(super) fn keep_memory_flat() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of glibc's allocator parameters; it is
    // safe to call at any time, from any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
    }
}

pub(super) fn systemd_ready(stories: usize) {
    let status = format!("{stories} stories published");
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(&status)]);
}

pub(super) fn systemd_status(stories: usize) {
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

/// systemd's watchdog, when it asks for one: pinged at half its interval.
pub(super) struct Watchdog {
    interval: Option<Duration>,
    last_ping: Instant,
}

impl Watchdog {
    pub(super) fn from_env() -> Watchdog {
        Watchdog { interval: systemd_watchdog(), last_ping: Instant::now() }
    }

    /// How long until the next ping is due (`None`: no watchdog).
    pub(super) fn due_in(&self) -> Option<Duration> {
        self.interval.map(|i| i.saturating_sub(self.last_ping.elapsed()))
    }

    /// Pings systemd when a ping is due.
    pub(super) fn ping_if_due(&mut self) {
        if self.due_in().is_some_and(|d| d.is_zero()) {
            let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            self.last_ping = Instant::now();
        }
    }
}
