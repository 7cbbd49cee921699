//! Running as a service: systemd notifications (READY, STATUS, WATCHDOG,
//! STOPPING) from the real binary, and the fall-back to polling when the OS
//! refuses more watches, driven through the library's loop.

use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use feedsmith::config::{Config, Overrides};
use feedsmith::watch::{self, Message, Options};

use crate::support::*;

/// Collects every datagram sent to a NOTIFY_SOCKET until `until` is seen;
/// fails the test as timed out after [`DEADLINE`].
#[track_caller]
fn read_until(socket: &UnixDatagram, until: &str) -> Vec<String> {
    let end = Instant::now() + DEADLINE;
    let mut messages = Vec::new();
    let mut buf = [0u8; 4096];
    socket.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    while Instant::now() < end {
        if let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = text.lines().any(|l| l == until);
            messages.push(text);
            if done {
                return messages;
            }
        }
    }
    panic!("timed out after {DEADLINE:?} waiting for {until:?}; got {messages:?}");
}

#[test]
fn systemd_hears_ready_status_watchdog_and_stopping() {
    let site = Site::new("");
    site.write("a.md", story("一", DATE, "正文"));
    site.write("b.md", story("二", DATE, "正文"));
    let socket_path = site.root().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    // `exec` keeps the shell's pid, so WATCHDOG_PID=$$ names the daemon.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("WATCHDOG_PID=$$ exec \"$0\" watch --config \"$1\" --output \"$2\" --state \"$3\"")
        .arg(env!("CARGO_BIN_EXE_feedsmith"))
        .arg(site.config_path())
        .arg(site.out())
        .arg(site.state())
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000");
    let mut daemon = Daemon::spawn(command);
    let ready = read_until(&socket, "READY=1");
    assert!(ready.concat().contains("STATUS=2 stories published"), "{ready:?}");
    // Watchdog pings at half the interval systemd asked for.
    read_until(&socket, "WATCHDOG=1");
    site.write("c.md", story("三", DATE, "正文"));
    read_until(&socket, "STATUS=3 stories published");
    daemon.signal("TERM");
    read_until(&socket, "STOPPING=1");
    let (status, _) = daemon.wait_exit("SIGTERM");
    assert!(status.success(), "{status}\n{}", daemon.log());
}

#[test]
fn refused_watches_fall_back_to_polling() {
    let site = Site::new("");
    site.write("a.md", story("原稿", DATE, "正文"));
    let config = Config::load(
        Some(site.config_path()),
        &Overrides { output_dir: Some(site.out()), state_file: Some(site.state()), ..Overrides::default() },
    )
    .expect("config");
    let (tx, rx) = watch::channel();
    let loop_tx = tx.clone();
    let monitor = Arc::new(feedsmith::health::Monitor::default());
    let loop_monitor = monitor.clone();
    let daemon = std::thread::spawn(move || {
        watch::run(
            config,
            Options::default(),
            || Err(feedsmith::error::FatalError::Cancelled),
            (loop_tx, rx),
            Arc::new(AtomicBool::new(false)),
            loop_monitor,
        )
    });
    let mode_is =
        |mode: &str| monitor.metrics.encode().contains(&format!("feedsmith_watch_mode{{mode=\"{mode}\"}} 1\n"));
    let wait_for = |title: &str| {
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if site.titles().first().is_some_and(|t| t == title) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out after {DEADLINE:?}: {title} never published; feeds have {:?}", site.titles());
    };
    wait_for("原稿");
    assert!(mode_is("events"), "{}", monitor.metrics.encode());
    // What the watcher reports when inotify's limit is reached.
    tx.send(Message::WatchLimit).expect("send");
    std::thread::sleep(Duration::from_millis(200));
    site.write("a.md", story("改稿（轮询）", DATE, "正文"));
    wait_for("改稿（轮询）");
    assert!(mode_is("polling"), "/metrics tells the operator: {}", monitor.metrics.encode());
    tx.send(Message::Shutdown).expect("send");
    daemon.join().expect("loop thread").expect("clean stop");
}
