//! What others plant in the output folder: symlinks pointing outside it
//! are never served and never make feedsmith touch files outside it; a
//! FIFO is answered 404 instead of hanging the request.

use crate::support::*;

/// Starts `watch --serve 127.0.0.1:0` and returns the daemon and `host:port`.
fn serve(site: &Site) -> (Daemon, String) {
    let (daemon, base) = site.serve(&[]);
    let addr = base.trim_start_matches("http://").trim_end_matches('/').to_owned();
    (daemon, addr)
}

/// A raw `GET path`: the status line and the whole answer, or `None` when
/// no answer came within [`DEADLINE`] (a hang).
fn get_status(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    (!text.is_empty()).then(|| text.lines().next().unwrap_or("").to_owned() + "\n" + &text)
}

/// Symlinks planted in the output folder (by a careless deploy script or
/// another user) never serve what lies outside it: a link to a file
/// outside, and a file under a linked folder outside, are 404.
#[test]
fn symlinks_in_the_output_folder_pointing_outside_are_404() {
    let site = Site::new("");
    site.write("a.md", story("A", DATE, "x"));
    let secret_dir = site.root().join("secret");
    std::fs::create_dir_all(&secret_dir).expect("mkdir");
    std::fs::write(secret_dir.join("rss.xml"), "TOP SECRET").expect("write");
    std::fs::write(site.root().join("secret.xml"), "TOP SECRET").expect("write");
    let (_daemon, addr) = serve(&site);
    let out = site.out();
    // Planted after the first build, while the server runs.
    symlink(site.root().join("secret.xml"), out.join("evil.xml"));
    symlink(&secret_dir, out.join("tags/evil"));
    symlink("/etc/passwd", out.join("passwd.xml"));
    for path in ["/evil.xml", "/tags/evil/rss.xml", "/passwd.xml", "/tags/evil/"] {
        let got = get_status(&addr, path).expect("an answer");
        assert!(got.starts_with("HTTP/1.1 404"), "{path}: {got}");
        assert!(!got.contains("TOP SECRET") && !got.contains("root:"), "{path} leaked: {got}");
    }
    let ok = get_status(&addr, "/rss.xml").expect("an answer");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}

/// Regression: a FIFO in the output folder hung the request for it (the
/// server opened the file before checking that it is a regular file, and
/// opening a FIFO blocks until a writer comes), tying up a blocking thread
/// for ever.
#[test]
fn a_fifo_in_the_output_folder_is_404_not_a_hang() {
    let site = Site::new("");
    site.write("a.md", story("A", DATE, "x"));
    let (_daemon, addr) = serve(&site);
    let fifo = site.out().join("fifo.xml");
    mkfifo(&fifo);
    let got = get_status(&addr, "/fifo.xml");
    // Unblock a server thread stuck in open(): opening the write end lets it go on.
    std::thread::spawn(move || drop(std::fs::OpenOptions::new().write(true).open(fifo)));
    let got = got.unwrap_or_else(|| panic!("timed out after {DEADLINE:?}: the request hangs on the FIFO"));
    assert!(got.starts_with("HTTP/1.1 404"), "{got}");
}

/// Regression: symlinks planted in the output folder were followed when
/// feedsmith wrote and cleaned up term feeds: on the first publish, every
/// `tags/<x>/{rss.xml,atom.xml,feed.json}` is a removal candidate, so a
/// link `tags/x -> /elsewhere` made feedsmith delete /elsewhere/rss.xml;
/// and a link named like a live term made it write the feeds there.
#[test]
fn symlinks_planted_in_the_output_folder_never_make_feedsmith_touch_files_outside_it() {
    let t = Site::new("");
    t.write("a.md", format!("+++\ntitle = \"A\"\ndate = {DATE}\ntags = [\"live\"]\n+++\nx\n"));
    let victim = t.root().join("victim");
    std::fs::create_dir_all(&victim).expect("mkdir");
    std::fs::write(victim.join("rss.xml"), "keep me").expect("write");
    std::fs::write(victim.join("feed.json"), "keep me").expect("write");
    let elsewhere = t.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    symlink(&victim, t.out().join("tags/gone"));
    symlink(&elsewhere, t.out().join("tags/live"));
    let before_victim = snapshot(&victim);
    t.build().assert_code(0);
    assert_eq!(snapshot(&victim), before_victim, "files outside the output folder were deleted or changed");
    assert!(
        snapshot(&elsewhere).is_empty(),
        "feeds were written outside the output folder: {:?}",
        snapshot(&elsewhere)
    );
}
