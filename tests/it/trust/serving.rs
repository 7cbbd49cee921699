//! `watch --serve` under range requests and idle connections, spoken to
//! in raw HTTP/1.1 over `TcpStream` (what a podcast player or a port
//! scanner sends, byte for byte).

use std::io::{Read, Write};
use std::net::TcpStream;

use super::*;

/// One answer: status, headers (names lowercased), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// `host:port` of a base URL `http://host:port/`.
fn addr_of(base: &str) -> String {
    base.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// Sends one request (`Connection: close`) and reads the whole answer;
/// `Err` when the connection fails or is closed without one.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(HANG)).map_err(|e| e.to_string())?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| format!("no answer: {raw:?}"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or(head.clone())?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = unchunk(&body);
    }
    Ok(Answer { status, headers, body })
}

/// The body of a chunked transfer.
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&raw[..eol]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 2 + size + 2..];
    }
    out
}

/// Sends one request, failing the test when no answer comes.
#[track_caller]
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    http(addr, method, path, headers).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// 3,000,000 bytes that differ from place to place.
fn big_media() -> Vec<u8> {
    (0..3_000_000u32).map(|i| (i % 251) as u8 ^ (i >> 12) as u8).collect()
}

/// A 3 MB media file answers ranges as RFC 9110 says: 206 with the part
/// asked for, 416 past its end, the whole file when `If-Range` names an
/// old version; HEAD gives the length and no body.
#[test]
fn media_answers_range_requests_if_range_and_head() {
    let site = Site::new("");
    let data = big_media();
    site.write("talk.mp3", &data);
    site.write("talk.md", story_with("Talk", DATE, "attachments = [\"talk.mp3\"]\n"));
    let (_d, base) = site.serve(&[]);
    let addr = addr_of(&base);
    let path = "/media/talk.mp3";

    let whole = request(&addr, "GET", path, &[]);
    assert_eq!(whole.status, 200);
    assert!(whole.body == data, "the whole file, byte for byte ({} bytes)", whole.body.len());
    let etag = whole.header("etag").expect("an ETag").to_owned();

    let part = request(&addr, "GET", path, &[("Range", "bytes=100-199")]);
    assert_eq!(part.status, 206, "{:?}", part.headers);
    assert_eq!(part.header("content-range"), Some("bytes 100-199/3000000"));
    assert_eq!(part.body, data[100..200], "exactly the bytes asked for");
    let current = request(&addr, "GET", path, &[("Range", "bytes=100-199"), ("If-Range", &etag)]);
    assert_eq!((current.status, current.body.len()), (206, 100), "If-Range with the current tag");

    let past = request(&addr, "GET", path, &[("Range", "bytes=5000000-")]);
    assert_eq!(past.status, 416, "{:?}", past.headers);
    assert_eq!(past.header("content-range"), Some("bytes */3000000"));

    let stale = request(&addr, "GET", path, &[("Range", "bytes=100-199"), ("If-Range", "\"stale\"")]);
    assert_eq!(stale.status, 200, "{:?}", stale.headers);
    assert!(stale.body == data, "a stale If-Range gets the whole file");

    let head = request(&addr, "HEAD", path, &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("3000000"));
    assert!(head.body.is_empty(), "HEAD has no body ({} bytes)", head.body.len());
}

/// `.m4a`, `.ogg` and `.opus` are served as audio/mp4, audio/ogg and
/// audio/opus, the types their RSS enclosures announce.
#[test]
fn audio_media_is_served_with_the_type_its_enclosure_announces() {
    let site = Site::new("");
    let kinds = [("m4a", "audio/mp4"), ("ogg", "audio/ogg"), ("opus", "audio/opus")];
    for (ext, _) in kinds {
        site.write(&format!("clip.{ext}"), format!("{ext} audio bytes"));
        site.write(&format!("{ext}.md"), story_with(ext, DATE, &format!("attachments = [\"clip.{ext}\"]\n")));
    }
    let (_d, base) = site.serve(&[]);
    let addr = addr_of(&base);
    let rss = read_text(&site.out().join("rss.xml"));
    let doc = parse_xml("rss.xml", &rss);
    for (ext, mime) in kinds {
        let got = request(&addr, "GET", &format!("/media/clip.{ext}"), &[]);
        assert_eq!(got.status, 200, "{ext}");
        assert_eq!(got.header("content-type"), Some(mime), "{ext} served");
        let enclosure = doc
            .descendants()
            .filter(|n| n.has_tag_name("enclosure"))
            .find(|n| n.attribute("url").is_some_and(|u| u.ends_with(&format!("/media/clip.{ext}"))))
            .unwrap_or_else(|| panic!("no enclosure for clip.{ext}:\n{rss}"));
        assert_eq!(enclosure.attribute("type"), Some(mime), "{ext} announced");
    }
}

/// A descriptor limit the daemon runs under: its connection cap is a
/// quarter of it (80), leaving the rest for its own work (it holds about
/// 15, and a publish a few more); 300 connections without the cap would
/// take them all.
const NOFILE: u32 = 320;

/// 300 idle connections that never send a request starve nothing: the
/// server caps connections (more are closed at once), so a story saved
/// meanwhile is published though the daemon may hold only 320
/// descriptors; the idle ones are dropped once their time to send headers
/// runs out, and then a normal GET is answered.
#[test]
fn idle_connections_never_starve_the_daemon_and_time_out() {
    let site = Site::new("");
    site.write("a.md", tagged("A", DATE, &["t"], "x"));
    let limited = wrapped(&["sh", "-c", &format!("ulimit -n {NOFILE} && exec \"$@\""), "sh"], &{
        let mut cmd = site.command("watch");
        cmd.args(["--serve", "127.0.0.1:0"]);
        cmd
    });
    let d = Daemon::spawn(limited);
    d.wait_log("serving ");
    d.wait_log("watching ");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", d.pid())).unwrap_or_default();
    assert!(limits.lines().any(|l| l.starts_with("Max open files") && l.contains(&NOFILE.to_string())), "{limits}");
    let base = d.log().lines().find_map(|l| l.split(" at ").nth(1).map(str::trim).map(str::to_owned));
    let addr = addr_of(&base.expect("the log names the address"));

    let opened = Instant::now();
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(&addr).expect("connect")).collect();
    let quick = opened.elapsed() < Duration::from_secs(5);

    site.write("b.md", tagged("Saved meanwhile", "2024-03-08T10:00:00+08:00", &["t", "u"], "x"));
    d.wait("the story saved meanwhile published, in its new tag's feed too", || {
        site.all_feeds_list(&["A", "Saved meanwhile"]) && site.titles_in("tags/u/rss.xml") == ["Saved meanwhile"]
    });
    if quick {
        // All 300 came within the 10 s a client has to send its headers: the
        // cap (a quarter of the descriptors, at most 256) was reached.
        d.wait_log(&format!("{} connections open", (NOFILE / 4).min(256)));
    } else {
        eprintln!("note: opening 300 connections took over 5 s; the check that the cap was reached is skipped");
    }
    assert!(!d.log().contains("Too many open files"), "{}", d.log());

    // Each idle connection ends: closed at once beyond the cap, or after its 10 s.
    for mut stream in idle {
        stream.set_read_timeout(Some(HANG)).expect("timeout");
        let mut buf = [0u8; 64];
        match stream.read(&mut buf) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("an idle connection was not closed by the server within {HANG:?} (a hang guard): {e}"),
        }
    }
    let got = request(&addr, "GET", "/rss.xml", &[]);
    assert_eq!(got.status, 200);
    assert!(String::from_utf8_lossy(&got.body).contains("Saved meanwhile"));
}

mod slow {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use super::*;

    /// Regression: clients that asked for a large file and never read it
    /// held their connection slots for ever, so once the cap was reached
    /// every other client was turned away until they left. A response that
    /// makes no progress for 30 s is dropped.
    #[test]
    #[ignore = "slow: waits out the server's 30 s write timeout; run with cargo test -- --ignored slow::"]
    fn a_client_that_stops_reading_is_dropped() {
        let site = Site::new("");
        site.write("big.mp3", (0..20_000_000u32).map(|i| i as u8).collect::<Vec<u8>>());
        site.write("pod.md", story_with("Pod", DATE, "attachments = [\"big.mp3\"]\n"));
        let (_daemon, base) = site.serve(&[]);
        let mut stream = TcpStream::connect(addr_of(&base)).expect("connect");
        stream.write_all(b"GET /media/big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        std::thread::sleep(Duration::from_secs(35));
        // Whatever was buffered, then the end: the server closed the connection.
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let started = Instant::now();
        let mut total = 0usize;
        let mut buf = vec![0; 1 << 20];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) => panic!("the connection is still open after {total} bytes ({e})"),
            }
            assert!(started.elapsed() < Duration::from_secs(30), "still streaming: not dropped");
        }
        assert!(total < 20_000_000, "the whole file arrived ({total} bytes): the client was never dropped");
    }
}
