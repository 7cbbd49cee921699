//! Whether the daemon is doing its job, as `GET /healthz` tells a load
//! balancer or a monitor: healthy once the first build is published and
//! while the last publish succeeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What a monitor asks a running daemon: its health and its metrics.
/// Shared by the watch loop and the hub threads (which report) and the
/// servers (which answer).
#[derive(Debug, Default)]
pub struct Monitor {
    pub health: Health,
    pub metrics: crate::metrics::Metrics,
}

/// Whether the feeds on disk are published and current.
#[derive(Debug, Default)]
pub struct Health {
    published: AtomicBool,
    /// Why the last publish failed, while it has not succeeded since.
    problem: Mutex<Option<String>>,
}

impl Health {
    /// A publish succeeded: the feeds on disk are current.
    pub fn published(&self) {
        self.published.store(true, Ordering::Release);
        *self.problem.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// A publish failed: the last good feeds stay, but are not current.
    pub fn failed(&self, why: &str) {
        *self.problem.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(one_line(why));
    }

    /// `Ok` when healthy, else the reason in one line.
    pub fn check(&self) -> Result<(), String> {
        if let Some(problem) = self.problem.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Err(problem);
        }
        match self.published.load(Ordering::Acquire) {
            true => Ok(()),
            false => Err("starting: the first build is not published yet".into()),
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_once_published_and_while_publishing_works() {
        let health = Health::default();
        assert!(health.check().is_err_and(|e| e.contains("first build")));
        health.published();
        assert_eq!(health.check(), Ok(()));
        health.failed("publishing failed: No space left\non device");
        assert_eq!(health.check(), Err("publishing failed: No space left on device".into()));
        health.published();
        assert_eq!(health.check(), Ok(()), "healthy again once a publish works");
    }
}
