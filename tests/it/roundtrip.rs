//! Every feed the `rich` fixture produces, parsed back with `feed-rs` (and a
//! strict XML parser), says what the fixture's stories say: ids, links,
//! titles, published/updated dates with the +08:00 offset of Asia/Shanghai,
//! authors, categories, summaries and content (docs/FEEDS.md, *The
//! files*).
//!
//! `STORIES` below is the fixture written out by hand from
//! `tests/fixtures/rich/articles/`; it is deliberately not derived from the
//! program's output.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use feed_rs::model::{Entry, Feed, FeedType};

use crate::support::*;

const SITE_TITLE: &str = "Feedsmith 测试报";
const SITE_AUTHOR: &str = "测试报社";
const FEEDS_URL: &str = "https://news.example.com/feeds/";
const TAG_SCHEME: &str = "https://news.example.com/feeds/tags/";
const CATEGORY_SCHEME: &str = "https://news.example.com/feeds/categories/";

/// What the fixture says about one story.
struct Story {
    id: &'static str,
    link: &'static str,
    title: &'static str,
    /// RFC 3339 exactly as the feeds must write it (Atom/JSON).
    published: &'static str,
    updated: &'static str,
    authors: &'static [&'static str],
    categories: &'static [&'static str],
    tags: &'static [&'static str],
    summary: Summary,
    /// Substrings of the content HTML, in this order.
    content_in_order: &'static [&'static str],
    /// What the content HTML must not contain.
    content_absent: &'static [&'static str],
    lang: Option<&'static str>,
}

enum Summary {
    Exact(&'static str),
    /// A derived summary cut from a long first paragraph: its start, cut on a
    /// character boundary at about 200 characters, ending in `…`.
    CutFrom(&'static str),
}

const LONG_PARAGRAPH: &str = "永康是世界五金之都，品质活力永康建设稳步推进。";

const STORIES: &[Story] = &[
    Story {
        id: "https://news.example.com/toml-rich/",
        link: "https://news.example.com/toml-rich/",
        title: "Markdown 全功能 <&> ]]> test",
        published: "2024-03-07T15:30:00+08:00",
        updated: "2024-03-07T15:30:00+08:00",
        authors: &["陈晓苏", "Ann O'Neil"],
        categories: &["要闻"],
        tags: &["“八八战略”在身边", "Rust & <XML>"],
        summary: Summary::Exact("本报讯 First paragraph: 5 < 6 && \"quotes\" ]]> end — with bold, struck and a footnote."),
        content_in_order: &[
            "<p class=\"kicker\">引题：kicker &lt;b&gt;not bold&lt;/b&gt; &amp; ]]&gt;</p>",
            "<p class=\"subtitle\">副题 — subtitle</p>",
            "本报讯 First paragraph: 5 &lt; 6 &amp;&amp;",
            "<del>struck</del>",
            "<table>",
            "<td>1 &lt; 2</td>",
            "href=\"https://news.example.com/yaml-story/\"",
            "href=\"https://news.example.com/about/\"",
            "href=\"https://news.example.com/toml-rich/#frag\"",
            // Pictures beside the story: published in media/, linked there.
            "src=\"https://news.example.com/feeds/media/2024/03/images/photo.jpg\"",
            "poster=\"https://news.example.com/feeds/media/2024/03/media/poster.jpg\"",
            "src=\"https://news.example.com/feeds/media/2024/03/img/small.jpg\"",
            "srcset=\"https://news.example.com/feeds/media/2024/03/img/small.jpg 1x, https://news.example.com/feeds/media/2024/03/img/large.jpg 2x, https://news.example.com/abs/huge.jpg 3x\"",
            "<code>inline ]]&gt; code</code>",
            "footnote-definition",
            "The footnote text.",
        ],
        content_absent: &["<script", "alert(", "javascript:", "onclick", "src=\"img/", "href=\"../", "weight", "layout"],
        lang: None,
    },
    Story {
        id: "https://news.example.com/yaml-story/",
        link: "https://news.example.com/yaml-story/",
        title: "YAML 故事 😀 עברית\u{200F} \u{202E}evil\u{202C}",
        published: "2024-03-06T09:15:00+08:00",
        updated: "2024-03-10T08:00:00+08:00",
        authors: &["Zhang San"],
        categories: &["要闻", "English"],
        tags: &["Rust & <XML>", "表情😀"],
        summary: Summary::Exact("A summary with <tags> & ]]> kept as text"),
        content_in_order: &[
            "<h1>A heading that is not the title</h1>",
            "href=\"https://news.example.com/toml-rich/\"",
            "src=\"https://news.example.com/feeds/media/pic.png\"",
            "👩‍👩‍👧",
            "مرحبا",
        ],
        content_absent: &["YAML 故事", "layout"],
        lang: Some("en"),
    },
    Story {
        id: "https://news.example.com/heading-title/",
        link: "https://news.example.com/heading-title/",
        title: "标题 from heading",
        published: "2024-03-05T00:00:00+08:00",
        updated: "2024-03-05T00:00:00+08:00",
        authors: &[],
        categories: &[],
        tags: &[],
        summary: Summary::Exact(
            "First paragraph of a story with CRLF line endings, no front matter and a date from its file name.",
        ),
        content_in_order: &["<p>First paragraph", "<p>Second paragraph.</p>"],
        content_absent: &["标题", "\r"],
        lang: None,
    },
    Story {
        id: "https://news.example.com/control-chars/",
        link: "https://news.example.com/control-chars/",
        title: "Controlcharshere end",
        published: "2024-03-04T08:00:00+08:00",
        updated: "2024-03-04T08:00:00+08:00",
        authors: &["Bell Author"],
        categories: &[],
        tags: &["tagbell"],
        summary: Summary::Exact("Body with a raw control byte and [1m an escape."),
        content_in_order: &["<p>Body with  a raw control byte and [1m an escape.</p>"],
        content_absent: &["\u{1}", "\u{1b}"],
        lang: None,
    },
    Story {
        id: "https://news.example.com/plain-notes/",
        link: "https://news.example.com/plain-notes/",
        title: "Plain notes: the title line <&> ]]>",
        published: "2024-03-04T08:00:00+08:00",
        updated: "2024-03-04T08:00:00+08:00",
        authors: &[],
        categories: &["Notes"],
        tags: &[],
        summary: Summary::Exact(
            "First paragraph of plain text with <b>markup</b> & ampersands ]]> that wraps over two lines.",
        ),
        content_in_order: &[
            "<p>First paragraph of plain text with &lt;b&gt;markup&lt;/b&gt; &amp; ampersands ]]&gt; that wraps over two lines.</p>",
            "<p>第二段：中文续行。</p>",
        ],
        content_absent: &["Plain notes", "<b>"],
        lang: None,
    },
    Story {
        id: "urn:uuid:6f1c1b9e-0d5a-4f3e-9c1e-3b5d8f2a7c10",
        link: "https://news.example.com/urn-id/",
        title: "A story with a URN id",
        published: "2024-03-02T10:00:00+08:00",
        updated: "2024-03-02T20:00:00+08:00",
        authors: &[],
        categories: &[],
        tags: &[],
        summary: Summary::Exact("Front-matter summary."),
        content_in_order: &["<p>Its guid is not a permalink.</p>"],
        content_absent: &["Front-matter summary."],
        lang: None,
    },
    Story {
        id: "https://news.example.com/custom-slug/",
        link: "https://news.example.com/custom-slug/",
        title: "A .markdown file with a custom slug",
        published: "2024-03-01T00:00:00+08:00",
        updated: "2024-03-01T11:00:00+08:00",
        authors: &[],
        categories: &[],
        tags: &["表情😀"],
        summary: Summary::CutFrom(LONG_PARAGRAPH),
        content_in_order: &[LONG_PARAGRAPH, "<p>Second paragraph.</p>"],
        content_absent: &["…"],
        lang: None,
    },
];

/// Every feed folder the fixture must produce, with its title suffix and
/// the ids of its stories (newest first, ties by id).
fn folders() -> BTreeMap<&'static str, (Option<&'static str>, Vec<&'static str>)> {
    let all: Vec<&str> = STORIES.iter().map(|s| s.id).collect();
    let id = |slug: &str| STORIES.iter().find(|s| s.link.contains(slug)).map(|s| s.id).expect("story");
    BTreeMap::from([
        ("", (None, all)),
        ("tags/ba-ba-zhan-lue-zai-shen-bian/", (Some("“八八战略”在身边"), vec![id("toml-rich")])),
        ("tags/rust-xml/", (Some("Rust & <XML>"), vec![id("toml-rich"), id("yaml-story")])),
        ("tags/biao-qing-grinning/", (Some("表情😀"), vec![id("yaml-story"), id("custom-slug")])),
        ("tags/tagbell/", (Some("tagbell"), vec![id("control-chars")])),
        ("categories/yao-wen/", (Some("要闻"), vec![id("toml-rich"), id("yaml-story")])),
        ("categories/english/", (Some("English"), vec![id("yaml-story")])),
        ("categories/notes/", (Some("Notes"), vec![id("plain-notes")])),
        ("authors/chen-xiao-su/", (Some("陈晓苏"), vec![id("toml-rich")])),
        ("authors/ann-o-neil/", (Some("Ann O'Neil"), vec![id("toml-rich")])),
        ("authors/zhang-san/", (Some("Zhang San"), vec![id("yaml-story")])),
        ("authors/bell-author/", (Some("Bell Author"), vec![id("control-chars")])),
    ])
}

fn story(id: &str) -> &'static Story {
    STORIES.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("unexpected story {id}"))
}

fn date(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The text a reader shows for HTML: tags dropped, character references decoded.
fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            rest = after.find('>').map_or("", |j| &after[j + 1..]);
        } else {
            text.push('<');
            rest = after;
        }
    }
    text.push_str(rest);
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let decoded = after.find(';').and_then(|j| {
            let name = &after[1..j];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, j + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[track_caller]
fn assert_summary(what: &str, got: &str, want: &Summary) {
    match want {
        Summary::Exact(s) => assert_eq!(got, *s, "{what}: summary"),
        Summary::CutFrom(paragraph) => {
            let head = got.strip_suffix('…').unwrap_or_else(|| panic!("{what}: a cut summary ends in …: {got}"));
            let chars = head.chars().count();
            assert!((150..=200).contains(&chars), "{what}: cut at about 200 characters, got {chars}");
            assert!(paragraph.repeat(20).starts_with(head), "{what}: the summary is the paragraph's start: {got}");
        }
    }
}

#[track_caller]
fn assert_content(what: &str, html: &str, s: &Story) {
    let mut from = 0;
    for needle in s.content_in_order {
        match html[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!("{what}: content lacks {needle:?} (in order) in\n{html}"),
        }
    }
    for bad in s.content_absent {
        assert!(!html.contains(bad), "{what}: content must not contain {bad:?}:\n{html}");
    }
    if s.content_in_order.iter().any(|n| n.contains("kicker")) {
        // Kicker, then the subtitle, then the body; the headline is the
        // item's title and not repeated (readers showed it twice).
        let k = html.find("class=\"kicker\"").expect("kicker");
        let sub = html.find("class=\"subtitle\"").expect("subtitle");
        assert!(k < sub, "{what}: kicker, subtitle order");
        let header = &html[..html.find("</header>").expect("header block")];
        assert!(!header.contains("<h1>"), "{what}: the headline is repeated in the content:\n{html}");
    }
}

/// An entry's authors, or the feed's when it names none (Atom and JSON Feed inheritance).
fn authors(feed: &Feed, entry: &Entry) -> Vec<String> {
    let people = if entry.authors.is_empty() { &feed.authors } else { &entry.authors };
    people.iter().map(|p| p.name.clone()).collect()
}

fn want_authors(s: &Story) -> Vec<String> {
    if s.authors.is_empty() {
        vec![SITE_AUTHOR.to_owned()]
    } else {
        s.authors.iter().map(|a| a.to_string()).collect()
    }
}

fn built_rich() -> (Site, BTreeMap<String, Vec<u8>>) {
    let (s, _) = build_fixture("rich", 0);
    let files = read_tree(&s.out());
    (s, files)
}

#[test]
fn every_feed_folder_is_there_and_nothing_else() {
    let (_, files) = built_rich();
    let mut want: Vec<String> =
        folders().keys().flat_map(|f| ["rss.xml", "atom.xml", "feed.json"].map(|n| format!("{f}{n}"))).collect();
    // Owned by other features (the index page of `watch --serve`, the
    // feeds' stylesheet, RFC 5005 archives): present, and checked by the
    // golden files in tests/build.rs.
    want.extend(["index.html", "feed.xsl"].map(String::from));
    want.extend(["rss.xml", "atom.xml", "feed.json"].map(|n| format!("archive/2024-03/{n}")));
    // The pictures the stories show, beside them in the articles folder.
    want.extend(
        [
            "2024/03/images/photo.jpg",
            "2024/03/img/large.jpg",
            "2024/03/img/small.jpg",
            "2024/03/media/clip.mp4",
            "2024/03/media/poster.jpg",
            "pic.png",
        ]
        .map(|f| format!("media/{f}")),
    );
    want.sort();
    let got: Vec<String> = files.keys().cloned().collect();
    assert_eq!(got, want);
}

#[test]
fn every_output_parses_back_to_what_the_fixture_says() {
    let (_, files) = built_rich();
    for (folder, (term, ids)) in folders() {
        let feed_title = match term {
            Some(t) => format!("{SITE_TITLE} — {t}"),
            None => SITE_TITLE.to_owned(),
        };
        let newest = ids.iter().map(|id| date(story(id).updated)).max().expect("stories");
        for (file, kind) in [("rss.xml", FeedType::RSS2), ("atom.xml", FeedType::Atom), ("feed.json", FeedType::JSON)] {
            let name = format!("{folder}{file}");
            let bytes = files.get(&name).unwrap_or_else(|| panic!("{name} missing"));
            let feed = parse_feed(&name, bytes);
            assert_eq!(feed.feed_type, kind, "{name}");
            assert_eq!(feed.title.as_ref().map(shown_text).as_deref(), Some(feed_title.as_str()), "{name}: title");
            // feed-rs lower-cases language tags; they are case-insensitive (BCP 47).
            assert_eq!(
                feed.language.as_deref().map(str::to_ascii_lowercase).as_deref(),
                Some("zh-cn"),
                "{name}: language"
            );
            if kind != FeedType::JSON {
                assert_eq!(feed.updated, Some(newest.to_utc()), "{name}: build date is the newest updated");
            }
            let self_url = format!("{FEEDS_URL}{name}");
            assert!(feed.links.iter().any(|l| l.href == self_url), "{name}: self link {self_url} in {:?}", feed.links);
            let got_ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
            assert_eq!(got_ids, ids, "{name}: stories, newest first");
            for entry in &feed.entries {
                check_entry(&format!("{name} {}", entry.id), &kind, &feed, entry, story(&entry.id));
            }
        }
    }
}

#[track_caller]
fn check_entry(what: &str, kind: &FeedType, feed: &Feed, e: &Entry, s: &Story) {
    assert_eq!(e.title.as_ref().map(shown_text).as_deref(), Some(s.title), "{what}: title");
    assert!(e.links.iter().any(|l| l.href == s.link), "{what}: link {} in {:?}", s.link, e.links);
    assert_eq!(e.published, Some(date(s.published).to_utc()), "{what}: published");
    if *kind != FeedType::RSS2 {
        // RSS items carry no updated date (feed-rs copies pubDate).
        assert_eq!(e.updated, Some(date(s.updated).to_utc()), "{what}: updated");
    }
    assert_eq!(authors(feed, e), want_authors(s), "{what}: authors");
    // On the item itself, not only inherited: most readers ignore the feed's.
    let own: Vec<String> = e.authors.iter().map(|p| p.name.clone()).collect();
    assert_eq!(own, want_authors(s), "{what}: the item names its authors itself");

    let terms: Vec<(&str, Option<&str>)> =
        e.categories.iter().map(|c| (c.term.as_str(), c.scheme.as_deref())).collect();
    let want: Vec<(&str, Option<&str>)> = match kind {
        // JSON Feed has one `tags` list: categories first, then tags, each once.
        FeedType::JSON => {
            let mut all: Vec<(&str, Option<&str>)> = Vec::new();
            for t in s.categories.iter().chain(s.tags) {
                if !all.iter().any(|(x, _)| x == t) {
                    all.push((t, None));
                }
            }
            all
        }
        _ => s
            .categories
            .iter()
            .map(|c| (*c, Some(CATEGORY_SCHEME)))
            .chain(s.tags.iter().map(|t| (*t, Some(TAG_SCHEME))))
            .collect(),
    };
    assert_eq!(terms, want, "{what}: categories and tags");

    let summary = e.summary.as_ref().map(|t| t.content.as_str()).unwrap_or_else(|| panic!("{what}: no summary"));
    match kind {
        // RSS `description` is HTML to every reader: checked in
        // `rss_description_reads_as_the_summary_text` (a known bug).
        FeedType::RSS2 => {
            if !summary.contains(['<', '&']) {
                assert_summary(what, &html_text(summary), &s.summary);
            }
        }
        // An Atom summary holding `<` or `&` is sent as escaped HTML, so
        // that no reader takes the text for tags: read it as HTML.
        _ if e.summary.as_ref().is_some_and(|t| t.content_type.essence().to_string() == "text/html") => {
            assert!(s_summary_has_markup_characters(s), "{what}: only a summary with < or & is sent as HTML");
            assert_summary(what, &html_text(summary), &s.summary);
        }
        _ => assert_summary(what, summary, &s.summary),
    }
    let content = e.content.as_ref().and_then(|c| c.body.as_deref()).unwrap_or_else(|| panic!("{what}: no content"));
    assert_content(what, content, s);
}

/// Whether a story's summary holds characters that read as markup.
fn s_summary_has_markup_characters(s: &Story) -> bool {
    match &s.summary {
        Summary::Exact(text) => text.contains(['<', '&']),
        Summary::CutFrom(text) => text.contains(['<', '&']),
    }
}

/// Bug: RSS `<description>` holds the plain-text summary as raw CDATA, but
/// readers (feedparser, feed-rs: `text/html`) take it as HTML, so a summary
/// with `<tags>` loses them and `&amp;` would turn into `&`.
#[test]
fn rss_description_reads_as_the_summary_text() {
    let (_, files) = built_rich();
    let feed = parse_feed("rss.xml", &files["rss.xml"]);
    for e in &feed.entries {
        let s = story(&e.id);
        let summary = e.summary.as_ref().expect("summary");
        assert_eq!(summary.content_type.to_string(), "text/html", "feed-rs reads RSS description as HTML");
        assert_summary(&e.id, &html_text(&summary.content), &s.summary);
    }
}

#[test]
fn dates_are_written_with_the_shanghai_offset() {
    let (s, files) = built_rich();
    for (name, bytes) in &files {
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        if name.ends_with("rss.xml") {
            let doc = parse_xml(name, &text);
            for n in doc.descendants().filter(|n| n.has_tag_name("pubDate") || n.has_tag_name("lastBuildDate")) {
                let d = n.text().unwrap_or_default();
                assert!(d.ends_with(" +0800"), "{name}: {d:?} must end in +0800");
                assert!(chrono::DateTime::parse_from_rfc2822(d).is_ok(), "{name}: {d:?} is RFC 822");
            }
        } else if name.ends_with("atom.xml") {
            let doc = parse_xml(name, &text);
            for n in doc.descendants().filter(|n| n.has_tag_name("published") || n.has_tag_name("updated")) {
                let d = n.text().unwrap_or_default();
                assert!(d.ends_with("+08:00"), "{name}: {d:?} must end in +08:00");
            }
        } else if name.ends_with("feed.json") {
            let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            for item in json["items"].as_array().expect("items") {
                for key in ["date_published", "date_modified"] {
                    let d = item[key].as_str().unwrap_or_else(|| panic!("{name}: {key}"));
                    assert!(d.ends_with("+08:00"), "{name}: {key} {d:?} must end in +08:00");
                }
            }
        }
    }
    // Exact strings in the main feeds, one per format.
    let atom = read_text(&s.out().join("atom.xml"));
    let rss = read_text(&s.out().join("rss.xml"));
    let json = read_text(&s.out().join("feed.json"));
    for st in STORIES {
        assert!(atom.contains(&format!("<published>{}</published>", st.published)), "atom published of {}", st.id);
        assert!(atom.contains(&format!("<updated>{}</updated>", st.updated)), "atom updated of {}", st.id);
        let rfc822 = date(st.published).to_rfc2822();
        assert!(rss.contains(&format!("<pubDate>{rfc822}</pubDate>")), "rss pubDate {rfc822} of {}", st.id);
        assert!(json.contains(&format!("\"date_published\": \"{}\"", st.published)), "json published of {}", st.id);
        assert!(json.contains(&format!("\"date_modified\": \"{}\"", st.updated)), "json modified of {}", st.id);
    }
    assert!(atom.contains("<updated>2024-03-10T08:00:00+08:00</updated>\n  <author>"), "feed updated = newest");
    assert!(rss.contains("<lastBuildDate>Sun, 10 Mar 2024 08:00:00 +0800</lastBuildDate>"), "RSS build date");
}

#[test]
fn guids_say_whether_they_are_permalinks() {
    let (s, _) = built_rich();
    let rss = read_text(&s.out().join("rss.xml"));
    let doc = parse_xml("rss.xml", &rss);
    for guid in doc.descendants().filter(|n| n.has_tag_name("guid")) {
        let id = guid.text().unwrap_or_default();
        let story = story(id);
        let permalink = guid.attribute("isPermaLink").unwrap_or("true");
        let want = if story.id == story.link { "true" } else { "false" };
        assert_eq!(permalink, want, "guid {id}");
    }
    assert!(rss.contains("<guid isPermaLink=\"false\">urn:uuid:6f1c1b9e-0d5a-4f3e-9c1e-3b5d8f2a7c10</guid>"));
}

#[test]
fn xml_is_strictly_well_formed_and_carries_no_forbidden_characters() {
    let (_, files) = built_rich();
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".xml") || n.ends_with(".json")) {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"));
        let bad: Vec<char> = text
            .chars()
            .filter(|c| !feedsmith::feed::is_xml_char(*c) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
            .collect();
        assert!(bad.is_empty(), "{name}: characters XML 1.0 cannot carry: {bad:?}");
        if name.ends_with(".xml") {
            let doc = parse_xml(name, text);
            // Namespaces a reader needs for RSS extensions.
            if name.ends_with("rss.xml") {
                let root = doc.root_element();
                for (prefix, uri) in [
                    ("content", "http://purl.org/rss/1.0/modules/content/"),
                    ("dc", "http://purl.org/dc/elements/1.1/"),
                    ("atom", "http://www.w3.org/2005/Atom"),
                ] {
                    assert_eq!(root.lookup_namespace_uri(Some(prefix)), Some(uri), "{name}: xmlns:{prefix}");
                }
                assert!(
                    !doc.descendants().any(|n| n.tag_name().name() == "author" && n.tag_name().namespace().is_none()),
                    "{name}: RSS <author> needs an e-mail; use dc:creator"
                );
            }
        }
    }
}

/// Bug: the feed index page lists term names as they are in the front
/// matter, control characters included (HTML forbids them as XML does).
#[test]
fn index_html_carries_no_control_characters() {
    let (_, files) = built_rich();
    let html = String::from_utf8(files["index.html"].clone()).expect("UTF-8");
    let bad: Vec<char> = html.chars().filter(|c| !feedsmith::feed::is_xml_char(*c)).collect();
    assert!(bad.is_empty(), "index.html: control characters {bad:?}");
}

#[test]
fn atom_marks_language_base_and_html_content() {
    let (s, _) = built_rich();
    let atom = read_text(&s.out().join("atom.xml"));
    let doc = parse_xml("atom.xml", &atom);
    let xml_ns = "http://www.w3.org/XML/1998/namespace";
    assert_eq!(doc.root_element().attribute((xml_ns, "lang")), Some("zh-CN"));
    for entry in doc.descendants().filter(|n| n.has_tag_name("entry")) {
        let id = entry.children().find(|n| n.has_tag_name("id")).and_then(|n| n.text()).expect("id");
        let st = story(id);
        let content = entry.children().find(|n| n.has_tag_name("content")).expect("content");
        assert_eq!(content.attribute("type"), Some("html"), "{id}");
        assert_eq!(content.attribute((xml_ns, "base")), Some(st.link), "{id}: xml:base");
        let summary = entry.children().find(|n| n.has_tag_name("summary")).expect("summary");
        let markup = summary.text().unwrap_or_default().contains(['<', '&']);
        let want = if markup { Some("html") } else { None };
        assert_eq!(summary.attribute("type"), want, "{id}: summary is text, or escaped HTML when it holds < or &");
        if let Some(lang) = st.lang {
            assert_eq!(content.attribute((xml_ns, "lang")), Some(lang), "{id}: xml:lang");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&read_text(&s.out().join("feed.json"))).expect("json");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["home_page_url"], "https://news.example.com/");
    assert_eq!(json["feed_url"], "https://news.example.com/feeds/feed.json");
    assert!(json.get("author").is_none(), "JSON Feed 1.1 uses `authors`, not the deprecated `author`");
    for item in json["items"].as_array().expect("items") {
        let st = story(item["id"].as_str().expect("id"));
        assert_eq!(item.get("language").and_then(|l| l.as_str()), st.lang, "{}: language", st.id);
        assert!(item.get("author").is_none());
    }
}

#[test]
fn the_expected_folder_round_trips_too() {
    // The committed golden files are what readers will be shown in review:
    // they must parse as well as a fresh build does.
    let expected = fixture("rich").join("expected");
    for (name, bytes) in read_tree(&expected) {
        if name.ends_with(".xml") || name.ends_with(".json") {
            let feed = parse_feed(&name, &bytes);
            assert!(!feed.entries.is_empty(), "{name}: no entries");
        }
    }
}
