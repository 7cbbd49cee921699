//! Any story text all the way to the three feeds: the content HTML must be
//! harmless, the XML well formed (roxmltree, strict: XML 1.0 characters
//! only) and the JSON valid, and both must parse back (feed-rs).
#![no_main]

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use feedsmith::article::{self, Site, Source};
use feedsmith::feed::{self, Head, Selected};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let base = url::Url::parse("https://news.example.com/").expect("url");
    let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai };
    let modified = DateTime::<Utc>::from_timestamp(1_709_800_000, 0);
    let source = Source { rel_path: Path::new("s.md"), shown_path: Path::new("s.md"), text, modified };
    let Ok(parsed) = article::parse(source, site) else { return };
    let story = parsed.story;
    let head = Head {
        title: story.title.clone(),
        description: story.summary.clone(),
        home_url: base.to_string(),
        folder_url: base.to_string(),
        feeds_url: base.to_string(),
        language: story.lang.clone(),
        author: story.authors.first().cloned(),
        hubs: Vec::new(),
        timezone: chrono_tz::Asia::Shanghai,
        archive: false,
        current: None,
        prev_archive: None,
        next_archive: None,
    };
    let html: Arc<str> = article::content_html(&story, text).into();
    common::assert_harmless(&html);
    let selected = [Selected { story: &story, updated: story.date, content_html: Some(html) }];
    let model = feed::build(&head, &selected);
    for xml in [feed::rss::to_rss(&model), feed::atom::to_atom(&model)] {
        let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
        if let Err(e) = roxmltree::Document::parse_with_options(&xml, options) {
            panic!("not well-formed XML ({e}):\n{xml}");
        }
        let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses our XML");
        assert_eq!(parsed.entries.len(), 1);
    }
    let json = feed::json_feed::to_json_feed(&model);
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["items"][0]["id"].as_str(), Some(model.items[0].id.as_str()));
});
