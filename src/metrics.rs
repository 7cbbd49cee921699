//! What the daemon has done, as `GET /metrics` tells Prometheus: counters
//! and gauges updated by the watch loop and the WebSub threads, encoded in
//! the OpenMetrics text format (which Prometheus scrapes natively).

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

/// The `Content-Type` of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Rebuild durations, in seconds: from an edit of one story (milliseconds)
/// to a first build of a large archive (seconds).
const DURATION_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How the articles folder is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// OS notifications (inotify).
    Events,
    /// Listing the folder every few seconds (`--poll`, or the fallback
    /// when notifications cannot be set up).
    Polling,
}

impl WatchMode {
    fn label(self) -> &'static str {
        match self {
            WatchMode::Events => "events",
            WatchMode::Polling => "polling",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Mode {
    mode: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Build {
    version: &'static str,
}

/// The daemon's metrics; cheap to update from any thread.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    stories_published: Gauge,
    stories_rejected: Gauge,
    rebuilds: Counter,
    rebuild_duration: Histogram,
    publish_failures: Counter,
    feed_files_written: Counter,
    last_publish: Gauge<f64, AtomicU64>,
    hub_pings: Family<Outcome, Counter>,
    watch_mode: Family<Mode, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("feedsmith");
        let metrics = Metrics {
            stories_published: Gauge::default(),
            stories_rejected: Gauge::default(),
            rebuilds: Counter::default(),
            rebuild_duration: Histogram::new(DURATION_BUCKETS),
            publish_failures: Counter::default(),
            feed_files_written: Counter::default(),
            last_publish: Gauge::default(),
            hub_pings: Family::default(),
            watch_mode: Family::default(),
            registry: Registry::default(),
        };
        registry.register("build", "The running feedsmith", Info::new(Build { version: env!("CARGO_PKG_VERSION") }));
        registry.register(
            "stories_published",
            "Stories published, as last published (all of them, not only the newest in the feeds)",
            metrics.stories_published.clone(),
        );
        registry.register(
            "stories_rejected",
            "Story files rejected now (each logged with what to fix; its last good version stays published)",
            metrics.stories_rejected.clone(),
        );
        registry.register(
            "rebuilds",
            "Builds published: the first one and every rebuild since",
            metrics.rebuilds.clone(),
        );
        registry.register_with_unit(
            "rebuild_duration",
            "From the end of the quiet period to the feeds on disk",
            Unit::Seconds,
            metrics.rebuild_duration.clone(),
        );
        registry.register(
            "publish_failures",
            "Publishes that failed (the last good feeds stayed; retried)",
            metrics.publish_failures.clone(),
        );
        registry.register(
            "feed_files_written",
            "Feed files replaced because their bytes changed",
            metrics.feed_files_written.clone(),
        );
        registry.register_with_unit(
            "last_publish_timestamp",
            "When the last successful publish happened, since the Unix epoch",
            Unit::Seconds,
            metrics.last_publish.clone(),
        );
        registry.register(
            "hub_pings",
            "WebSub pings sent to hubs, each attempt by its outcome (sent: the hub answered 2xx)",
            metrics.hub_pings.clone(),
        );
        registry.register(
            "watch_mode",
            "How the articles folder is watched: 1 for the current mode",
            metrics.watch_mode.clone(),
        );
        for outcome in ["sent", "failed"] {
            drop(metrics.hub_pings.get_or_create(&Outcome { outcome }));
        }
        Metrics { registry, ..metrics }
    }
}

impl Metrics {
    /// A build or rebuild was published: `stories` in the main feed,
    /// `feed_files` feed files rewritten, `took` since the change was seen.
    pub fn published(&self, stories: usize, feed_files: usize, took: Duration, at: DateTime<Utc>) {
        self.stories_published.set(i64::try_from(stories).unwrap_or(i64::MAX));
        self.rebuilds.inc();
        self.rebuild_duration.observe(took.as_secs_f64());
        self.feed_files_written.inc_by(u64::try_from(feed_files).unwrap_or(u64::MAX));
        // Milliseconds are enough; the float keeps them exactly.
        self.last_publish.set(at.timestamp_millis() as f64 / 1000.0);
    }

    pub fn publish_failed(&self) {
        self.publish_failures.inc();
    }

    /// How many story files are rejected now.
    pub fn rejected(&self, files: usize) {
        self.stories_rejected.set(i64::try_from(files).unwrap_or(i64::MAX));
    }

    /// A ping was sent to a hub: accepted (a 2xx answer), or not.
    pub fn hub_ping(&self, sent: bool) {
        self.hub_pings.get_or_create(&Outcome { outcome: if sent { "sent" } else { "failed" } }).inc();
    }

    pub fn watch_mode(&self, current: WatchMode) {
        for mode in [WatchMode::Events, WatchMode::Polling] {
            self.watch_mode.get_or_create(&Mode { mode: mode.label() }).set(i64::from(mode == current));
        }
    }

    /// Everything, in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample named exactly `name` (with its labels).
    fn sample(text: &str, name: &str) -> Option<f64> {
        text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn every_metric_is_exposed_before_anything_happens() {
        let text = Metrics::default().encode();
        for name in [
            "feedsmith_stories_published",
            "feedsmith_stories_rejected",
            "feedsmith_rebuilds_total",
            "feedsmith_rebuild_duration_seconds_count",
            "feedsmith_publish_failures_total",
            "feedsmith_feed_files_written_total",
            "feedsmith_last_publish_timestamp_seconds",
            "feedsmith_hub_pings_total{outcome=\"sent\"}",
            "feedsmith_hub_pings_total{outcome=\"failed\"}",
        ] {
            assert_eq!(sample(&text, name), Some(0.0), "{name} in\n{text}");
        }
        let info = format!("feedsmith_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"));
        assert_eq!(sample(&text, &info), Some(1.0), "{text}");
        assert!(text.ends_with("# EOF\n"), "a complete OpenMetrics exposition ends with # EOF");
    }

    #[test]
    fn updates_show_in_the_exposition() {
        let m = Metrics::default();
        let at = DateTime::parse_from_rfc3339("2024-03-08T10:00:00.250Z").expect("date").with_timezone(&Utc);
        m.published(120, 7, Duration::from_millis(30), at);
        m.published(121, 3, Duration::from_secs(3), at);
        m.rejected(2);
        m.hub_ping(true);
        m.hub_ping(true);
        m.hub_ping(false);
        m.publish_failed();
        m.watch_mode(WatchMode::Events);
        m.watch_mode(WatchMode::Polling);
        let text = m.encode();
        let expected = [
            ("feedsmith_stories_published", 121.0),
            ("feedsmith_stories_rejected", 2.0),
            ("feedsmith_rebuilds_total", 2.0),
            ("feedsmith_rebuild_duration_seconds_count", 2.0),
            ("feedsmith_rebuild_duration_seconds_sum", 3.03),
            ("feedsmith_rebuild_duration_seconds_bucket{le=\"0.05\"}", 1.0),
            ("feedsmith_rebuild_duration_seconds_bucket{le=\"5.0\"}", 2.0),
            ("feedsmith_feed_files_written_total", 10.0),
            ("feedsmith_publish_failures_total", 1.0),
            ("feedsmith_last_publish_timestamp_seconds", 1_709_892_000.25),
            ("feedsmith_hub_pings_total{outcome=\"sent\"}", 2.0),
            ("feedsmith_hub_pings_total{outcome=\"failed\"}", 1.0),
            ("feedsmith_watch_mode{mode=\"events\"}", 0.0),
            ("feedsmith_watch_mode{mode=\"polling\"}", 1.0),
        ];
        for (name, value) in expected {
            let got = sample(&text, name);
            assert!(got.is_some_and(|g| (g - value).abs() < 1e-9), "{name}: {got:?}, expected {value}, in\n{text}");
        }
    }
}
