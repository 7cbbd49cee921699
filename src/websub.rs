//! WebSub publishing (W3C Recommendation, §5): after a rebuild changed a
//! feed, tell every hub, in the background, with retries (I/O).
//!
//! Each hub has a thread and a queue of its own, so a dead or slow hub
//! never delays another. A queue holds each feed URL once (a ping still
//! waiting for a URL covers every later change to it) and at most
//! [`MAX_QUEUED`] URLs (the oldest are dropped beyond it, with a warning).
//! A ping that fails is tried again after a pause that doubles, at most
//! [`ATTEMPTS`] times in all.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Attempts per ping, and the first pause between them (doubling).
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Feed URLs waiting per hub, at most.
pub const MAX_QUEUED: usize = 10_000;

/// How long one request may take, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A thread per hub that pings it; [`Pinger::finish`] gives queued pings a
/// bounded moment to go out.
pub struct Pinger {
    hubs: Vec<Hub>,
}

struct Hub {
    url: String,
    queue: Arc<Queue>,
    thread: Option<JoinHandle<()>>,
}

/// One hub's waiting URLs, each with the attempts already made.
#[derive(Default)]
struct Queue {
    state: Mutex<Waiting>,
    wake: Condvar,
}

#[derive(Default)]
struct Waiting {
    order: VecDeque<String>,
    attempts: HashMap<String, u32>,
    closed: bool,
    dropped: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds `url` unless it is waiting already (then the waiting ping covers it).
    fn push(&self, url: String, attempts: u32, hub: &str) {
        let mut w = self.lock();
        if w.attempts.contains_key(&url) {
            return;
        }
        if w.order.len() >= MAX_QUEUED {
            if let Some(oldest) = w.order.pop_front() {
                w.attempts.remove(&oldest);
            }
            if !w.dropped {
                tracing::warn!("WebSub: more than {MAX_QUEUED} feeds wait for {hub}; the oldest pings are dropped");
                w.dropped = true;
            }
        }
        w.attempts.insert(url.clone(), attempts);
        w.order.push_back(url);
        self.wake.notify_all();
    }

    /// Everything waiting, once something is (or `None` when closed and empty).
    fn take(&self) -> Option<Vec<(String, u32)>> {
        let mut w = self.lock();
        while w.order.is_empty() {
            if w.closed {
                return None;
            }
            w = self.wake.wait(w).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let urls: Vec<String> = w.order.drain(..).collect();
        w.dropped = false;
        Some(
            urls.into_iter()
                .map(|u| {
                    let attempts = w.attempts.remove(&u).unwrap_or(0);
                    (u, attempts)
                })
                .collect(),
        )
    }

    /// Waits `pause`, or less when the queue is closed.
    fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut w = self.lock();
        while !w.closed {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            w = self.wake.wait_timeout(w, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
    }
}

impl Pinger {
    /// `None` when there are no hubs: nothing to advertise, nothing to ping.
    pub fn start(hubs: Vec<String>, monitor: Arc<crate::health::Monitor>) -> Option<Pinger> {
        if hubs.is_empty() {
            return None;
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            .timeout_connect(Some(REQUEST_TIMEOUT / 3))
            // A redirect would be followed as a GET without the ping: a hub
            // that redirects has not been told.
            .max_redirects(0)
            .build()
            .into();
        let hubs = hubs
            .into_iter()
            .map(|hub| {
                let queue = Arc::new(Queue::default());
                let (q, agent, url, monitor) = (queue.clone(), agent.clone(), hub.clone(), monitor.clone());
                let thread = std::thread::Builder::new()
                    .name("websub".into())
                    .spawn(move || serve_hub(&agent, &url, &q, &monitor.metrics))
                    .map_err(|e| tracing::error!("WebSub: cannot start a thread: {e}"))
                    .ok();
                Hub { url: hub, queue, thread }
            })
            .collect();
        Some(Pinger { hubs })
    }

    /// Queues a ping of each feed URL for every hub; never blocks.
    pub fn ping(&self, feeds: Vec<String>) {
        for hub in &self.hubs {
            for feed in &feeds {
                hub.queue.push(feed.clone(), 0, &hub.url);
            }
        }
    }

    /// Lets queued pings go out for at most `within`, then leaves the rest
    /// (a stopping daemon must stop).
    pub fn finish(mut self, within: Duration) {
        let deadline = Instant::now() + within;
        for hub in &self.hubs {
            hub.queue.close();
        }
        for hub in &mut self.hubs {
            let Some(thread) = hub.thread.take() else { continue };
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Pinger {
    /// Closes the queues: what is queued still goes out in the background.
    fn drop(&mut self) {
        for hub in &self.hubs {
            hub.queue.close();
        }
    }
}

/// One hub's thread: pings what waits, puts failed pings back, and pauses
/// (doubling) after a pass with failures.
fn serve_hub(agent: &ureq::Agent, hub: &str, queue: &Queue, metrics: &crate::metrics::Metrics) {
    let mut pause = FIRST_BACKOFF;
    while let Some(batch) = queue.take() {
        let mut failed = false;
        for (feed, attempts) in batch {
            // `hub.url` is what PubSubHubbub hubs read, `hub.topic` what
            // hubs written to the W3C Recommendation read: both are sent.
            let form = [("hub.mode", "publish"), ("hub.url", feed.as_str()), ("hub.topic", feed.as_str())];
            let sent = agent.post(hub).send_form(form).and_then(|answer| {
                let status = answer.status();
                if status.is_success() {
                    Ok(())
                } else {
                    Err(ureq::Error::StatusCode(status.as_u16()))
                }
            });
            metrics.hub_ping(sent.is_ok());
            match sent {
                Ok(()) => tracing::debug!("WebSub: {hub} told about {feed}"),
                Err(e) if attempts + 1 >= ATTEMPTS => {
                    tracing::warn!("WebSub: {hub} did not accept the ping for {feed} after {ATTEMPTS} attempts: {e}");
                }
                Err(e) => {
                    tracing::debug!("WebSub: {hub}: {e}; trying again in {} ms", pause.as_millis());
                    failed = true;
                    queue.push(feed, attempts + 1, hub);
                }
            }
        }
        if failed {
            queue.pause(pause);
            pause = (pause * 2).min(MAX_BACKOFF);
        } else {
            pause = FIRST_BACKOFF;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    /// A hub answering every request with `answer`; it reports each
    /// request's first line and body.
    fn hub_answering(answer: &'static [u8]) -> (String, std::sync::mpsc::Receiver<(String, String)>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let _ = reader.get_mut().write_all(answer);
                let _ = tx.send((first, String::from_utf8_lossy(&body).to_string()));
            }
        });
        (url, rx)
    }

    /// A hub that accepts connections and never answers.
    fn silent_hub() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
            }
        });
        url
    }

    /// Pings went to one hub after another, each URL up to five attempts,
    /// so a dead hub listed first held back the live one for many seconds.
    #[test]
    fn a_dead_or_silent_hub_never_delays_a_live_one() {
        let dead = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind");
            format!("http://{}/", l.local_addr().expect("addr"))
        }; // closed at once: connections are refused
        let (live, told) = hub_answering(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
        let pinger = Pinger::start(vec![dead, silent_hub(), live], Arc::default()).expect("hubs");
        pinger.ping(vec!["https://news.example.com/feeds/rss.xml".into()]);
        // Generous: on a loaded machine a request can take a while, but
        // far less than the silent hub's timeout and the dead hub's retries.
        let guard = REQUEST_TIMEOUT - Duration::from_secs(1);
        let (_, body) = told.recv_timeout(guard).expect("the live hub is told before the silent one times out");
        assert!(body.contains("hub.mode=publish"), "{body}");
        assert!(body.contains("hub.url=https%3A%2F%2Fnews.example.com%2Ffeeds%2Frss.xml"), "{body}");
        assert!(body.contains("hub.topic=https%3A%2F%2Fnews.example.com%2Ffeeds%2Frss.xml"), "{body}");
        let started = Instant::now();
        pinger.finish(Duration::from_millis(300));
        assert!(started.elapsed() < guard, "finishing waits a bounded moment, not for the silent hub");
    }

    /// A hub answering 302 was counted as told: the redirect was followed
    /// as a GET without the ping. A 3xx is a failure, and the ping is sent
    /// again (as a POST, to the hub).
    #[test]
    fn a_hub_that_redirects_is_not_told_and_is_tried_again() {
        let (url, requests) = hub_answering(b"HTTP/1.1 302 Found\r\nlocation: /landing\r\ncontent-length: 0\r\n\r\n");
        let pinger = Pinger::start(vec![url], Arc::default()).expect("hub");
        pinger.ping(vec!["https://news.example.com/feeds/rss.xml".into()]);
        let guard = REQUEST_TIMEOUT - Duration::from_secs(1);
        for attempt in 1..=2 {
            let (line, _) = requests.recv_timeout(guard).unwrap_or_else(|_| panic!("attempt {attempt} never came"));
            assert!(line.starts_with("POST / "), "attempt {attempt}: {line:?} (a redirect followed as a GET?)");
        }
        pinger.finish(Duration::from_millis(100));
    }

    #[test]
    fn waiting_pings_for_one_url_merge_and_the_queue_is_bounded() {
        let queue = Queue::default();
        queue.push("a".into(), 0, "hub");
        queue.push("a".into(), 0, "hub");
        queue.push("b".into(), 0, "hub");
        assert_eq!(queue.take(), Some(vec![("a".into(), 0), ("b".into(), 0)]));
        for i in 0..MAX_QUEUED + 5 {
            queue.push(format!("u{i}"), 0, "hub");
        }
        let batch = queue.take().expect("batch");
        assert_eq!(batch.len(), MAX_QUEUED);
        assert_eq!(batch[0].0, "u5", "the oldest are dropped");
        queue.close();
        assert_eq!(queue.take(), None);
    }
}
