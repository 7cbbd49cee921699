//! WebSub publishing (W3C Recommendation, §5): after a rebuild changed a
//! feed, tell every hub, in the background, with retries (I/O).

use std::sync::mpsc::{self, Sender};
use std::time::Duration;

/// Attempts per ping, and the first pause between them (doubling).
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// A background thread that pings hubs; dropping it lets queued pings finish.
pub struct Pinger {
    tx: Sender<Vec<String>>,
}

impl Pinger {
    /// `None` when there are no hubs: nothing to advertise, nothing to ping.
    pub fn start(hubs: Vec<String>) -> Option<Pinger> {
        if hubs.is_empty() {
            return None;
        }
        let (tx, rx) = mpsc::channel::<Vec<String>>();
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build().into();
        std::thread::Builder::new()
            .name("websub".into())
            .spawn(move || {
                for feeds in rx {
                    for hub in &hubs {
                        for feed in &feeds {
                            publish(&agent, hub, feed);
                        }
                    }
                }
            })
            .ok()?;
        Some(Pinger { tx })
    }

    /// Queues a ping for each feed URL; never blocks.
    pub fn ping(&self, feeds: Vec<String>) {
        if !feeds.is_empty() {
            let _ = self.tx.send(feeds);
        }
    }
}

fn publish(agent: &ureq::Agent, hub: &str, feed: &str) {
    let mut pause = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        match agent.post(hub).send_form([("hub.mode", "publish"), ("hub.url", feed)]) {
            Ok(_) => {
                tracing::debug!("WebSub: {hub} told about {feed}");
                return;
            }
            Err(e) if attempt == ATTEMPTS => {
                tracing::warn!("WebSub: {hub} did not accept the ping for {feed} after {ATTEMPTS} attempts: {e}");
            }
            Err(e) => {
                tracing::debug!("WebSub: {hub}: {e}; retrying in {} ms", pause.as_millis());
                std::thread::sleep(pause);
                pause *= 2;
            }
        }
    }
}
