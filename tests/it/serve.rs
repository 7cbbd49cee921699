//! `feedsmith watch --serve`: the real binary serving a temp site over
//! loopback — types, validators, conditional GET, gzip, path safety, whole
//! versions during rebuilds, the index page and WebSub pings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;

/// An HTTP client that reports every status as it is, follows no
/// redirect, and gives up on a request only a hang would not answer.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).timeout_global(Some(HANG)).build().into()
}

fn site_with_story() -> Site {
    let site = Site::new("title = \"永康日报\"\nlanguage = \"zh-CN\"\ncache_max_age = 120");
    site.write(
        "a.md",
        "+++\ntitle = \"对标奋进 对表攻坚\"\nkicker = \"胡勇春强调\"\nsubtitle = \"以工作主动性赢得发展主动权\"\ndate = 2024-03-07\ntags = [\"八八战略\"]\n+++\n\n本报讯 正文。\n",
    );
    site
}

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[track_caller]
fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Got {
    let agent = agent();
    let mut response = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        "HEAD" => {
            let mut r = agent.head(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        _ => agent.post(url).send_empty(),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers =
        response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().unwrap_or_default();
    Got { status, headers, body }
}

#[test]
fn feeds_are_served_with_types_validators_and_conditional_get() {
    let site = site_with_story();
    let (_daemon, base) = site.serve(&[]);
    for (path, kind) in [
        ("rss.xml", "application/rss+xml; charset=utf-8"),
        ("atom.xml", "application/atom+xml; charset=utf-8"),
        ("feed.json", "application/feed+json; charset=utf-8"),
        ("", "text/html; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("tags/ba-ba-zhan-lue/rss.xml", "application/rss+xml; charset=utf-8"),
    ] {
        let url = format!("{base}{path}");
        let got = request("GET", &url, &[]);
        assert_eq!(got.status, 200, "{url}");
        assert_eq!(got.header("content-type"), Some(kind), "{url}");
        assert_eq!(got.header("cache-control"), Some("public, max-age=120"), "{url}");
        let vary = if path.ends_with("rss.xml") || path.ends_with("atom.xml") {
            "Accept-Encoding, Accept"
        } else {
            "Accept-Encoding"
        };
        assert_eq!(got.header("vary"), Some(vary), "{url}");
        let on_disk = std::fs::read(site.out().join(if path.is_empty() { "index.html" } else { path })).expect("file");
        assert_eq!(got.body, on_disk, "{url} serves the file's bytes");
        let etag = got.header("etag").expect("etag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong ETag: {etag}");
        let last_modified = got.header("last-modified").expect("last-modified").to_owned();

        let head = request("HEAD", &url, &[]);
        assert_eq!((head.status, head.body.len()), (200, 0), "HEAD {url}");
        assert_eq!(head.header("etag"), Some(etag.as_str()));
        assert_eq!(head.header("content-length"), Some(on_disk.len().to_string().as_str()));

        let again = request("GET", &url, &[("If-None-Match", &etag)]);
        assert_eq!((again.status, again.body.len()), (304, 0), "If-None-Match {url}");
        let again = request("GET", &url, &[("If-None-Match", "\"other\", W/".to_owned().as_str())]);
        assert_eq!(again.status, 200, "a different tag gets the body");
        let again = request("GET", &url, &[("If-Modified-Since", &last_modified)]);
        assert_eq!(again.status, 304, "If-Modified-Since {url}");
        let again = request("GET", &url, &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")]);
        assert_eq!(again.status, 200, "modified since 2001");
    }
}

#[test]
fn gzip_when_asked() {
    let site = site_with_story();
    let (_daemon, base) = site.serve(&[]);
    let url = format!("{base}rss.xml");
    let plain = request("GET", &url, &[]);
    let got = request("GET", &url, &[("Accept-Encoding", "br;q=1, gzip;q=0.8")]);
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-encoding"), Some("gzip"));
    assert_ne!(got.header("etag"), plain.header("etag"), "each encoding has its own strong ETag");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&got.body[..]).read_to_end(&mut unzipped).expect("valid gzip");
    assert_eq!(unzipped, plain.body);
    let etag = got.header("etag").expect("etag").to_owned();
    let again = request("GET", &url, &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    let refused = request("GET", &url, &[("Accept-Encoding", "gzip;q=0")]);
    assert_eq!(refused.header("content-encoding"), None);
}

#[test]
fn nothing_outside_the_output_folder_is_reachable() {
    let site = site_with_story();
    std::fs::write(site.root().join("secret.txt"), "secret").expect("write");
    let (_daemon, base) = site.serve(&[]);
    let base = base.trim_end_matches('/');
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%252e%252e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/tags/../../secret.txt",
        "/%00rss.xml",
        "/rss.xml%00",
        "//etc/passwd",
        "/state.json",
        "/nope.xml",
        "/tags/",
    ] {
        // Send the path as is: no client-side normalisation of `..`.
        let got = raw_get(base, path);
        assert!(got.starts_with("HTTP/1.1 404") || got.starts_with("HTTP/1.1 400"), "{path}: {got}");
        assert!(!got.contains("secret\n") && !got.ends_with("secret"), "{path} leaked");
    }
    let got = request("POST", &format!("{base}/rss.xml"), &[]);
    assert_eq!(got.status, 405);
    assert_eq!(got.header("allow"), Some("GET, HEAD"));
}

/// A GET written by hand, so the path reaches the server unchanged.
fn raw_get(base: &str, path: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(HANG)).expect("read timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

#[test]
fn index_page_lists_feeds_with_autodiscovery_and_latest_stories() {
    let site = site_with_story();
    let (_daemon, base) = site.serve(&[]);
    let html = String::from_utf8(request("GET", &base, &[]).body).expect("utf-8");
    for needle in [
        "<html lang=\"zh-CN\">",
        "<title>永康日报</title>",
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"永康日报 (RSS)\" href=\"rss.xml\">",
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"永康日报 (Atom)\" href=\"atom.xml\">",
        "<link rel=\"alternate\" type=\"application/feed+json\" title=\"永康日报 (JSON Feed)\" href=\"feed.json\">",
        "<a href=\"tags/ba-ba-zhan-lue/rss.xml\">RSS</a>",
        "<h2>订阅</h2>",
        "<li>全部稿件&nbsp;— ",
        "<h3>按标签</h3>\n<ul>\n<li>八八战略&nbsp;— ",
        "<h2>最新稿件</h2>",
        "<p class=\"kicker\">胡勇春强调</p>",
        ">对标奋进 对表攻坚</a></h3>",
        "<p class=\"subtitle\">以工作主动性赢得发展主动权</p>",
        "<time datetime=\"2024-03-07T00:00:00+08:00\">2024-03-07</time>",
        "本报讯 正文。",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}:\n{html}");
    }
    assert!(!html.contains("<script"), "no JavaScript needed");
    // Every autodiscovery link resolves to its feed.
    for (file, kind) in [
        ("rss.xml", "application/rss+xml"),
        ("atom.xml", "application/atom+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let got = request("GET", &format!("{base}{file}"), &[]);
        assert_eq!(got.status, 200);
        assert!(got.header("content-type").is_some_and(|t| t.starts_with(kind)));
    }
}

#[test]
fn a_download_during_rebuilds_is_always_one_whole_version() {
    let site = site_with_story();
    let (daemon, base) = site.serve(&[]);
    let url = format!("{base}rss.xml");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut checked = 0;
            while !stop.load(Ordering::Relaxed) {
                let got = request("GET", &url, &[]);
                assert_eq!(got.status, 200);
                let etag = got.header("etag").expect("etag").trim_matches('"').to_owned();
                assert_eq!(etag, format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&got.body)), "ETag matches the bytes");
                feed_rs::parser::parse(&got.body[..]).expect("a whole, parsable feed");
                checked += 1;
            }
            checked
        })
    };
    for i in 0..200 {
        site.write("a.md", story(&format!("版本 {i}"), DATE, &"长文。".repeat(200 + i)));
        std::thread::sleep(Duration::from_millis(5));
    }
    daemon.wait("the last version is served", || site.titles().first().is_some_and(|t| t == "版本 199"));
    stop.store(true, Ordering::Relaxed);
    let checked = reader.join().expect("reader saw only whole versions");
    assert!(checked > 10, "the reader made {checked} requests");
}

#[test]
fn an_address_that_cannot_be_bound_is_a_usage_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let site = site_with_story();
    let run = site.run("watch", &["--serve", &addr]);
    run.assert_code(2);
    assert!(run.stderr.contains(&addr) && run.stderr.contains("cannot listen"), "{}", run.stderr);
}

/// A stand-in WebSub hub on loopback that records every POST body.
struct Hub {
    url: String,
    pings: Arc<Mutex<Vec<String>>>,
}

impl Hub {
    fn start() -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hub", listener.local_addr().expect("addr"));
        let pings = Arc::new(Mutex::new(Vec::new()));
        let sink = pings.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                sink.lock().expect("lock").push(String::from_utf8_lossy(&body).into_owned());
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Hub { url, pings }
    }

    fn pings(&self) -> Vec<String> {
        self.pings.lock().expect("lock").clone()
    }
}

#[test]
fn websub_hubs_are_advertised_and_pinged_only_for_changed_feeds() {
    let hub = Hub::start();
    let site = Site::new(&format!("feeds_url = \"https://news.example.com/feeds/\"\nwebsub_hubs = [\"{}\"]", hub.url));
    site.write("a.md", story("一", DATE, "正文"));
    site.write("b.md", tagged("二", DATE, &["要闻"], "正文"));
    let daemon = site.start(&[]);
    // Advertised in all three formats.
    let rss = std::fs::read_to_string(site.out().join("rss.xml")).expect("rss");
    assert!(rss.contains(&format!("<atom:link href=\"{}\" rel=\"hub\"/>", hub.url)), "{rss}");
    let atom = std::fs::read_to_string(site.out().join("atom.xml")).expect("atom");
    assert!(atom.contains(&format!("<link href=\"{}\" rel=\"hub\"/>", hub.url)), "{atom}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.out().join("feed.json")).expect("json")).expect("valid json");
    assert_eq!(json["hubs"], serde_json::json!([{"type": "WebSub", "url": hub.url}]));

    // An edit to an untagged story changes the main feeds and its month's
    // archive, not the tag's feeds.
    site.write("a.md", story("一（改）", DATE, "正文"));
    daemon.wait("six pings", || hub.pings().len() >= 6);
    std::thread::sleep(Duration::from_millis(300));
    let enc = |u: &str| u.replace(':', "%3A").replace('/', "%2F");
    let mut pings = hub.pings();
    pings.sort();
    let mut want: Vec<String> = ["", "archive/2024-03/"]
        .iter()
        .flat_map(|folder| ["atom.xml", "feed.json", "rss.xml"].map(|f| format!("{folder}{f}")))
        .map(|f| {
            let url = enc(&format!("https://news.example.com/feeds/{f}"));
            format!("hub.mode=publish&hub.url={url}&hub.topic={url}")
        })
        .collect();
    want.sort();
    assert_eq!(pings, want);

    // A touch changes no feed: no ping (prove liveness with a later real edit).
    let before = hub.pings().len();
    let file = std::fs::File::options().append(true).open(site.a("a.md")).expect("open");
    file.set_modified(std::time::SystemTime::now()).expect("touch");
    site.write("b.md", tagged("二（改）", DATE, &["要闻"], "正文"));
    daemon.wait("pings for b", || hub.pings().len() >= before + 9);
    std::thread::sleep(Duration::from_millis(300));
    let after: Vec<String> = hub.pings()[before..].to_vec();
    assert_eq!(after.len(), 9, "main, archive and the tag's feeds, nothing for the touch: {after:?}");
    assert!(
        after.iter().any(|p| p.ends_with(&enc("https://news.example.com/feeds/tags/yao-wen/rss.xml"))),
        "{after:?}"
    );
}

/// `/healthz` answers 200 `ok` once the first build is published (never
/// cached), for load balancers and monitors; `build` serves no such path.
#[test]
fn healthz_says_ok_once_the_feeds_are_published() {
    let site = site_with_story();
    let (_daemon, base) = site.serve(&[]);
    let got = request("GET", &format!("{base}healthz"), &[]);
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"ok\n");
    assert_eq!(got.header("cache-control"), Some("no-store"));
    assert!(got.header("content-type").is_some_and(|t| t.starts_with("text/plain")));
}

/// The value of the sample named exactly `name` (labels included) in an
/// OpenMetrics exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// `/metrics` counts what the daemon did, in the OpenMetrics text format
/// Prometheus scrapes: the first build, a rebuild, a rejected story and
/// its fix, and the watch mode.
#[test]
fn metrics_count_builds_rebuilds_and_rejected_stories() {
    let site = site_with_story();
    let (daemon, base) = site.serve(&[]);
    let metrics = || {
        let got = request("GET", &format!("{base}metrics"), &[]);
        assert_eq!(got.status, 200);
        assert_eq!(got.header("cache-control"), Some("no-store"));
        assert!(got.header("content-type").is_some_and(|t| t.starts_with("application/openmetrics-text")));
        let text = String::from_utf8(got.body).expect("UTF-8");
        assert!(text.ends_with("# EOF\n"), "{text}");
        text
    };
    let first = metrics();
    for (name, value) in [
        ("feedsmith_stories_published", 1.0),
        ("feedsmith_stories_rejected", 0.0),
        ("feedsmith_rebuilds_total", 1.0),
        ("feedsmith_rebuild_duration_seconds_count", 1.0),
        ("feedsmith_publish_failures_total", 0.0),
        ("feedsmith_watch_mode{mode=\"events\"}", 1.0),
        ("feedsmith_watch_mode{mode=\"polling\"}", 0.0),
        ("feedsmith_hub_pings_total{outcome=\"sent\"}", 0.0),
    ] {
        assert_eq!(sample(&first, name), Some(value), "{name} in\n{first}");
    }
    let written = sample(&first, "feedsmith_feed_files_written_total").expect("files written");
    assert!(written >= 3.0, "at least the three main feeds: {first}");
    let published_at = sample(&first, "feedsmith_last_publish_timestamp_seconds").expect("publish time");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs_f64();
    assert!((now - published_at).abs() < 600.0, "the last publish is the daemon's first build: {published_at}");

    site.write("b.md", story("第二篇", "2024-03-08", "正文"));
    site.write("broken.md", "+++\ntitle = \"坏\"\ndate = 2024-13-01\n+++\n正文\n");
    daemon.wait("the new story published and the broken one counted", || {
        let text = metrics();
        sample(&text, "feedsmith_stories_published") == Some(2.0)
            && sample(&text, "feedsmith_stories_rejected") == Some(1.0)
    });
    site.write("broken.md", "+++\ntitle = \"修好\"\ndate = 2024-03-01\n+++\n正文\n");
    daemon.wait("the fixed story no longer counted as rejected", || {
        let text = metrics();
        sample(&text, "feedsmith_stories_published") == Some(3.0)
            && sample(&text, "feedsmith_stories_rejected") == Some(0.0)
    });
    let last = metrics();
    let rebuilds = sample(&last, "feedsmith_rebuilds_total").expect("rebuilds");
    assert!(rebuilds >= 2.0, "{last}");
    assert_eq!(sample(&last, "feedsmith_rebuild_duration_seconds_count"), Some(rebuilds), "one duration per rebuild");
    assert!(sample(&last, "feedsmith_feed_files_written_total").expect("written") > written);
}

/// The admin address's base URL, as the daemon logs it.
fn admin_url(daemon: &Daemon) -> String {
    daemon.wait_log("serving /healthz and /metrics at ");
    daemon
        .log()
        .lines()
        .find_map(|l| l.split("serving /healthz and /metrics at ").nth(1))
        .expect("the log names the admin address")
        .trim()
        .to_owned()
}

/// With `admin` set, `/healthz` and `/metrics` move there (nothing else is
/// served on it) and leave the public serve address; without `--serve`
/// the admin address still answers.
#[test]
fn an_admin_address_answers_health_and_metrics_and_nothing_else() {
    let site = site_with_story();
    site.write_config("title = \"永康日报\"\nadmin = \"127.0.0.1:0\"");
    let (daemon, base) = site.serve(&[]);
    let admin = admin_url(&daemon);
    assert_ne!(admin, base);
    assert_eq!(request("GET", &format!("{admin}healthz"), &[]).body, b"ok\n");
    let metrics = request("GET", &format!("{admin}metrics"), &[]);
    assert_eq!(metrics.status, 200);
    assert!(String::from_utf8_lossy(&metrics.body).contains("feedsmith_rebuilds_total 1"));
    for path in ["rss.xml", "", "index.html", "tags/ba-ba-zhan-lue/rss.xml"] {
        assert_eq!(request("GET", &format!("{admin}{path}"), &[]).status, 404, "no files on the admin address: {path}");
    }
    for path in ["healthz", "metrics"] {
        assert_eq!(request("GET", &format!("{base}{path}"), &[]).status, 404, "not public once admin is set: {path}");
    }
    assert_eq!(request("GET", &format!("{base}rss.xml"), &[]).status, 200);
    drop(daemon);

    let daemon = site.start(&[]);
    let admin = admin_url(&daemon);
    assert_eq!(request("GET", &format!("{admin}healthz"), &[]).status, 200, "without --serve too");
}

/// An admin address that cannot be bound stops the daemon before anything
/// is served, with the key named (exit 2).
#[test]
fn an_admin_address_that_cannot_be_bound_is_a_configuration_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let site = site_with_story();
    site.write_config(&format!("title = \"永康日报\"\nadmin = \"{port}\""));
    let run = site.run_for("watch", &[], HANG);
    run.assert_code(2);
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")) && run.stderr.contains("`admin`"), "{}", run.stderr);
}

/// Hub pings are counted by outcome: every ping a live hub accepted as
/// sent, every attempt at a dead hub as failed.
#[test]
fn metrics_count_hub_pings_sent_and_failed() {
    let hub = Hub::start();
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/", listener.local_addr().expect("addr"))
    };
    let site = Site::new(&format!(
        "feeds_url = \"https://news.example.com/feeds/\"\nwebsub_hubs = [\"{}\", \"{dead}\"]\nadmin = \"127.0.0.1:0\"",
        hub.url
    ));
    site.write("a.md", story("一", DATE, "正文"));
    let daemon = site.start(&[]);
    let admin = admin_url(&daemon);
    site.write("a.md", story("一（改）", DATE, "正文"));
    daemon.wait("six pings", || hub.pings().len() >= 6);
    daemon.wait("the pings counted", || {
        let text = String::from_utf8(request("GET", &format!("{admin}metrics"), &[]).body).expect("UTF-8");
        sample(&text, "feedsmith_hub_pings_total{outcome=\"sent\"}") == Some(hub.pings().len() as f64)
            && sample(&text, "feedsmith_hub_pings_total{outcome=\"failed\"}").is_some_and(|n| n >= 1.0)
    });
}

/// A browser opening `rss.xml` or `atom.xml` gets the same bytes as XML,
/// which browsers render through the feed's stylesheet (they show
/// `application/rss+xml` as text); feed readers get the feed types. Each
/// variant has its own ETag, and either validates a conditional GET.
#[test]
fn a_browser_gets_rss_and_atom_as_xml_for_the_stylesheet_and_readers_get_feed_types() {
    let site = site_with_story();
    let (_daemon, base) = site.serve(&[]);
    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    const READER: &str = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.1, */*;q=0.1";
    for (file, feed_type) in [("rss.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml")] {
        let url = format!("{base}{file}");
        let page = request("GET", &url, &[("accept", BROWSER)]);
        assert_eq!(page.header("content-type"), Some("application/xml; charset=utf-8"), "{file}");
        assert_eq!(page.body, std::fs::read(site.out().join(file)).expect("file"), "the same bytes");
        for accept in [READER, "*/*"] {
            let feed = request("GET", &url, &[("accept", accept)]);
            assert_eq!(feed.header("content-type"), Some(format!("{feed_type}; charset=utf-8").as_str()), "{accept}");
            assert_ne!(feed.header("etag"), page.header("etag"), "a variant has its own ETag");
        }
        let etag = page.header("etag").expect("etag");
        let again = request("GET", &url, &[("accept", BROWSER), ("if-none-match", etag)]);
        assert_eq!(again.status, 304);
        assert_eq!(again.header("content-type"), Some("application/xml; charset=utf-8"));
    }
    let json = request("GET", &format!("{base}feed.json"), &[("accept", BROWSER)]);
    assert_eq!(json.header("content-type"), Some("application/feed+json; charset=utf-8"), "no stylesheet for JSON");
    let xsl = request("GET", &format!("{base}feed.xsl"), &[]);
    assert_eq!(xsl.status, 200);
    assert_eq!(xsl.header("content-type"), Some("application/xml; charset=utf-8"));
}

/// A duplicate id is a problem between two files: it ends when the other
/// file goes (the story left out is published, the problem's end logged,
/// the rejected count back to 0) and is logged again when that file comes
/// back, although the story itself was never re-read.
#[test]
fn a_duplicate_id_problem_ends_and_comes_back_with_the_other_file() {
    let site = site_with_story();
    let (daemon, base) = site.serve(&[]);
    let rejected = || {
        let text = String::from_utf8(request("GET", &format!("{base}metrics"), &[]).body).expect("UTF-8");
        sample(&text, "feedsmith_stories_rejected")
    };
    let duplicates = || daemon.log().matches("is also used by").count();
    let first = "+++\ntitle = \"先\"\nid = \"tag:ykrb.cn,2024:7\"\ndate = 2024-03-01\n+++\n正文\n";
    let second = "+++\ntitle = \"后\"\nid = \"tag:ykrb.cn,2024:7\"\ndate = 2024-03-02\n+++\n正文\n";
    site.write("first.md", first);
    daemon.wait("the first story published", || site.titles().contains(&"先".to_owned()));
    site.write("second.md", second);
    daemon.wait("the duplicate logged and counted", || duplicates() == 1 && rejected() == Some(1.0));
    let published = site.titles();
    let (kept, left_out) =
        if published.contains(&"先".to_owned()) { ("first.md", "second.md") } else { ("second.md", "first.md") };
    assert!(daemon.log().contains(&format!("{left_out}: id")), "the story left out is named: {}", daemon.log());

    std::fs::remove_file(site.a(kept)).expect("delete the story that was published");
    daemon.wait("the problem's end logged and the count back to 0", || {
        daemon.log().contains(&format!("{left_out}: no problem any more")) && rejected() == Some(0.0)
    });
    site.write(kept, if kept == "first.md" { first } else { second });
    daemon.wait("the duplicate logged again", || duplicates() == 2 && rejected() == Some(1.0));
}

/// Browsers ask every site for `/favicon.ico`. Without an `icon` the
/// answer is 204 No Content, and nothing is logged; with one, it is the
/// icon in its own type (a PNG for `/favicon.ico` too), named by the
/// index page and the feeds. Unset again, the icon leaves the output.
#[test]
fn favicon_is_the_configured_icon_or_no_content() {
    let site = site_with_story();
    let (daemon, base) = site.serve(&[]);
    let none = request("GET", &format!("{base}favicon.ico"), &[]);
    assert_eq!(none.status, 204, "no icon configured");
    assert!(none.body.is_empty());
    assert_eq!(request("GET", &format!("{base}favicon.png"), &[]).status, 404, "only favicon.ico is answered so");
    assert!(!daemon.log().contains("favicon"), "a missing icon is not worth a log line:\n{}", daemon.log());
    drop(daemon);

    let png: &[u8] = b"\x89PNG\r\n\x1a\n fake icon bytes";
    std::fs::write(site.root().join("logo.png"), png).expect("write the icon");
    site.write_config("title = \"永康日报\"\nlanguage = \"zh-CN\"\nicon = \"logo.png\"");
    let (daemon, base) = site.serve(&[]);
    for path in ["favicon.ico", "favicon.png"] {
        let got = request("GET", &format!("{base}{path}"), &[]);
        assert_eq!(got.status, 200, "{path}");
        assert_eq!(got.header("content-type"), Some("image/png"), "{path}");
        assert_eq!(got.body, png, "{path}");
    }
    let icon_url = "https://news.example.com/feeds/favicon.png";
    let page = String::from_utf8(request("GET", &base, &[]).body).expect("utf-8");
    assert!(page.contains(&format!("<link rel=\"icon\" href=\"{icon_url}\">")), "{page}");
    let atom = read_text(&site.out().join("atom.xml"));
    assert!(atom.contains(&format!("<icon>{icon_url}</icon>")), "{atom}");
    assert_eq!(parse_feed("atom.xml", atom.as_bytes()).icon.map(|i| i.uri).as_deref(), Some(icon_url));
    let json: serde_json::Value = serde_json::from_str(&read_text(&site.out().join("feed.json"))).expect("json");
    assert_eq!(json["favicon"], icon_url);
    drop(daemon);

    site.write_config("title = \"永康日报\"\nlanguage = \"zh-CN\"");
    site.build().assert_code(0);
    assert!(!site.out().join("favicon.png").exists(), "an icon no longer configured is removed");
    assert!(!read_text(&site.out().join("atom.xml")).contains("<icon>"));
}

/// An icon that is not an image type is a configuration error naming the
/// key (exit 2), before anything is written. One that is missing or too
/// large is left out with a warning: an icon is not worth stopping the
/// feeds for (a deleted icon made the daemon's restart fail).
#[test]
fn an_icon_that_is_not_an_image_type_is_a_configuration_error_and_a_missing_one_a_warning() {
    let site = site_with_story();
    std::fs::write(site.root().join("notes.txt"), "text").expect("write");
    site.write_config("title = \"t\"\nicon = \"notes.txt\"");
    let run = site.build();
    run.assert_code(2);
    assert!(run.stderr.contains("invalid `icon`") && run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(!site.out().join("rss.xml").exists(), "nothing written");

    std::fs::File::create(site.root().join("huge.png")).and_then(|f| f.set_len(2 << 20)).expect("write");
    for (icon, says) in [("gone.png", "cannot be read"), ("huge.png", "more than the 1048576")] {
        site.write_config(&format!("title = \"t\"\nicon = \"{icon}\""));
        let run = site.build();
        run.assert_code(0);
        assert!(run.stderr.contains(says) && run.stderr.contains(icon), "{icon}: {}", run.stderr);
        assert!(!read_text(&site.out().join("atom.xml")).contains("<icon>"), "{icon}: no icon named");
        assert!(!site.out().join("favicon.png").exists(), "{icon}: none published");
    }
}

/// Regression: a file in the output folder dated before 1970 (or after
/// 9999), which no HTTP date can say, made every request for it panic the
/// server thread and log a backtrace. It is served, dated at the nearer end.
#[test]
fn a_file_dated_before_1970_is_served_without_a_panic() {
    let site = site_with_story();
    let (daemon, base) = site.serve(&[]);
    std::fs::write(site.out().join("robots.txt"), "User-agent: *\n").expect("write");
    let file = std::fs::File::options().write(true).open(site.out().join("robots.txt")).expect("open");
    file.set_modified(std::time::SystemTime::UNIX_EPOCH - Duration::from_secs(10 * 365 * 86_400)).expect("time");
    for _ in 0..2 {
        let got = request("GET", &format!("{base}robots.txt"), &[]);
        assert_eq!(got.status, 200);
        assert_eq!(got.header("last-modified"), Some("Thu, 01 Jan 1970 00:00:00 GMT"));
    }
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
}

/// The connection cap follows the descriptor limit: with 64 descriptors,
/// at most 16 clients hold a connection (the rest are closed at once), so
/// that stories, folders and feeds always have descriptors left; and a
/// failing accept is logged once, not ten times a second.
#[test]
fn the_connection_cap_is_a_quarter_of_the_descriptor_limit() {
    let site = site_with_story();
    let feedsmith = site.command("watch");
    let mut command = std::process::Command::new("prlimit");
    command.arg("--nofile=64:64").arg("--").arg(feedsmith.get_program()).args(feedsmith.get_args());
    command.args(["--serve", "127.0.0.1:0"]).current_dir(site.root()).env_remove("RUST_LOG");
    let daemon = Daemon::spawn(command);
    daemon.wait_log("serving ");
    let address = daemon
        .log()
        .lines()
        .find_map(|l| l.split(" at http://").nth(1))
        .map(|a| a.trim().trim_end_matches('/').to_owned())
        .expect("the log names the address");
    let held: Vec<std::net::TcpStream> =
        (0..30).map(|_| std::net::TcpStream::connect(&address).expect("connect")).collect();
    daemon.wait_log("16 connections open; closing new ones");
    site.write("b.md", "+++\ntitle = \"During\"\ndate = 2024-03-08\n+++\n\nb\n");
    daemon.wait("a story saved meanwhile is published", || site.titles().contains(&"During".to_owned()));
    drop(held);
    assert_eq!(request("GET", &format!("http://{address}/rss.xml"), &[]).status, 200, "served again");
}

/// Regression: the icon's size was checked only when the configuration
/// was read: grown while `watch` ran (to 3 GiB), it was copied whole at
/// the next rebuild and served. It is checked at every copy; the copy
/// published before stays.
#[test]
fn an_icon_grown_past_the_limit_while_watching_is_not_copied() {
    let site = site_with_story();
    std::fs::write(site.root().join("logo.png"), b"\x89PNG small").expect("write");
    site.write_config("title = \"t\"\nicon = \"logo.png\"");
    let d = site.start(&[]);
    assert_eq!(std::fs::read(site.out().join("favicon.png")).expect("copied"), b"\x89PNG small");
    std::fs::File::options()
        .write(true)
        .open(site.root().join("logo.png"))
        .and_then(|f| f.set_len(3 << 20))
        .expect("grow it");
    site.write("b.md", "+++\ntitle = \"B\"\ndate = 2024-03-08\n+++\n\nb\n");
    d.wait("the rebuild", || site.titles().contains(&"B".to_owned()));
    d.wait_log("cannot publish the site icon");
    assert_eq!(std::fs::read(site.out().join("favicon.png")).expect("kept"), b"\x89PNG small");
}
