//! RFC 5005 archived feeds: the chain from the subscription feed back to
//! the oldest month holds every story exactly once, in all three formats,
//! with the links and markers the W3C validator's archive checks look for.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::*;

const FEEDS: &str = "https://news.example.com/feeds/";

/// 25 stories over five months (Asia/Shanghai), one of them dated just
/// after midnight local time on the 1st, which is still the previous month
/// in UTC.
fn stories() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (month, days) in [(11, 5), (12, 6), (1, 4), (2, 7), (3, 3)] {
        let year = if month >= 11 { 2023 } else { 2024 };
        for day in 1..=days {
            let name = format!("{year}-{month:02}-{day:02}-story-{year}{month:02}{day:02}.md");
            let hour = if day == 1 { "00:30" } else { "12:00" };
            let text = format!("+++\ntitle = \"{year}年{month}月{day}日\"\ndate = {year}-{month:02}-{day:02}T{hour}:00+08:00\n+++\n正文\n");
            out.push((format!("{year}/{name}"), text));
        }
    }
    out
}

fn site() -> Site {
    let s = Site::new("limit = 3\ntaxonomy_feeds = []");
    for (rel, text) in stories() {
        s.write(&rel, text);
    }
    s.build().assert_code(0);
    s
}

/// The `href` of the Atom/RSS `atom:link` with this `rel`, if any.
fn link(doc: &roxmltree::Document, rel: &str) -> Option<String> {
    doc.descendants()
        .find(|n| n.tag_name().name() == "link" && n.attribute("rel") == Some(rel))
        .and_then(|n| n.attribute("href"))
        .map(str::to_owned)
}

fn local(out: &Path, url: &str) -> std::path::PathBuf {
    out.join(url.strip_prefix(FEEDS).unwrap_or_else(|| panic!("{url} is not under {FEEDS}")))
}

#[test]
fn every_story_is_in_the_archive_chain_exactly_once_atom_and_rss() {
    let s = site();
    for (format, file) in [("atom", "atom.xml"), ("rss", "rss.xml")] {
        let main_text = read_text(&s.out().join(file));
        let main = parse_xml(file, &main_text);
        assert!(
            !main.descendants().any(|n| n.tag_name().name() == "archive"),
            "the subscription feed is not an archive"
        );
        let mut url = link(&main, "prev-archive").expect("subscription feed links its newest archive");
        assert_eq!(url, format!("{FEEDS}archive/2024-03/{file}"));
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut months = Vec::new();
        let mut newer: Option<String> = None;
        loop {
            let text = read_text(&local(&s.out(), &url));
            let doc = parse_xml(&url, &text);
            let archive = doc.descendants().find(|n| n.tag_name().name() == "archive").expect("fh:archive");
            assert_eq!(archive.tag_name().namespace(), Some("http://purl.org/syndication/history/1.0"), "{url}");
            assert_eq!(link(&doc, "current").as_deref(), Some(format!("{FEEDS}{file}").as_str()), "{url}: current");
            assert_eq!(link(&doc, "next-archive"), newer, "{url}: next-archive points back to the newer month");
            for entry in parse_feed(&url, text.as_bytes()).entries {
                *seen.entry(entry.title.expect("title").content).or_default() += 1;
            }
            months.push(url.clone());
            newer = Some(url.clone());
            match link(&doc, "prev-archive") {
                Some(older) => url = older,
                None => break,
            }
        }
        assert_eq!(months.len(), 5, "{format}: {months:?}");
        assert!(months[4].contains("archive/2023-11/"), "{format}: the chain ends at the oldest month");
        let want: Vec<String> =
            stories().iter().map(|(_, text)| text.split('"').nth(1).expect("title").to_owned()).collect();
        assert_eq!(seen.len(), want.len(), "{format}: every story, {seen:?}");
        for title in &want {
            assert_eq!(seen.get(title), Some(&1), "{format}: {title} exactly once");
        }
    }
}

#[test]
fn months_are_read_in_the_site_timezone() {
    let s = site();
    let march = read_text(&s.out().join("archive/2024-03/atom.xml"));
    assert!(march.contains("2024年3月1日"), "00:30 on 1 March in Shanghai is March, though February in UTC");
    assert!(!read_text(&s.out().join("archive/2024-02/atom.xml")).contains("2024年3月1日"));
}

#[test]
fn json_feed_pages_through_next_url() {
    let s = site();
    let mut url = format!("{FEEDS}feed.json");
    let mut ids = BTreeMap::<String, usize>::new();
    let mut pages = 0;
    loop {
        let json: serde_json::Value = serde_json::from_str(&read_text(&local(&s.out(), &url))).expect("json");
        pages += 1;
        if pages > 1 {
            for item in json["items"].as_array().expect("items") {
                *ids.entry(item["id"].as_str().expect("id").to_owned()).or_default() += 1;
                assert!(
                    item["content_text"].is_string() || item["content_html"].is_string(),
                    "JSON Feed items need content"
                );
            }
        }
        match json["next_url"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 6, "the subscription feed and five monthly pages");
    assert_eq!(ids.len(), stories().len());
    assert!(ids.values().all(|&n| n == 1), "{ids:?}");
}

#[test]
fn a_new_story_changes_only_its_month_and_its_neighbours() {
    let s = site();
    let before = mtimes(&s.out());
    std::thread::sleep(std::time::Duration::from_millis(20));
    s.write("2024/2024-01-20-new.md", "+++\ntitle = \"新的一月稿\"\ndate = 2024-01-20T12:00:00+08:00\n+++\n正文\n");
    s.build().assert_code(0);
    let after = mtimes(&s.out());
    let changed: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    let expected_changed = ["archive/2024-01/atom.xml", "archive/2024-01/feed.json", "archive/2024-01/rss.xml"];
    assert_eq!(
        changed,
        expected_changed.iter().collect::<Vec<_>>(),
        "older and newer months stay byte-stable, and so does the subscription feed"
    );
}

/// The archive of the only month holds every story of the feed: it is
/// marked complete (`fh:complete`) and links no other document of the
/// feed, as RFC 5005 asks of a complete feed, so the W3C validator finds
/// it neither incomplete nor missing its neighbours. A second month makes
/// both archives ordinary ones again, chained to each other.
#[test]
fn the_archive_of_the_only_month_is_complete_until_a_second_month_comes() {
    let s = Site::new("limit = 3\ntaxonomy_feeds = []");
    for day in 1..=5 {
        s.write(
            &format!("a{day}.md"),
            format!("+++\ntitle = \"三月{day}日\"\ndate = 2024-03-0{day}T12:00:00+08:00\n+++\n正文\n"),
        );
    }
    s.build().assert_code(0);
    let marker = |doc: &roxmltree::Document, name: &str| {
        doc.descendants().any(|n| {
            n.tag_name().name() == name && n.tag_name().namespace() == Some("http://purl.org/syndication/history/1.0")
        })
    };
    for file in ["atom.xml", "rss.xml"] {
        let text = read_text(&s.out().join("archive/2024-03").join(file));
        let doc = parse_xml(file, &text);
        assert!(marker(&doc, "archive") && marker(&doc, "complete"), "{file}: fh:archive and fh:complete\n{text}");
        for rel in ["current", "prev-archive", "next-archive"] {
            assert_eq!(link(&doc, rel), None, "{file}: a complete document links no {rel}");
        }
        let items = doc.descendants().filter(|n| matches!(n.tag_name().name(), "entry" | "item")).count();
        assert_eq!(items, 5, "{file}: every story of the feed");
    }

    s.write("b.md", "+++\ntitle = \"二月\"\ndate = 2024-02-20T12:00:00+08:00\n+++\n正文\n");
    s.build().assert_code(0);
    for month in ["2024-02", "2024-03"] {
        let text = read_text(&s.out().join("archive").join(month).join("atom.xml"));
        let doc = parse_xml("atom.xml", &text);
        assert!(marker(&doc, "archive") && !marker(&doc, "complete"), "{month}: an ordinary archive again");
        assert!(link(&doc, "current").is_some(), "{month}: links its subscription feed");
    }
}
