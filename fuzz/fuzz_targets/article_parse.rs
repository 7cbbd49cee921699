//! Any bytes as a story file: decoding, front matter, dates, Markdown and
//! sanitising must never panic or hang.
#![no_main]

use std::path::Path;

use feedsmith::article::{self, decode, Site, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = decode::decode(data) else { return };
    let base = url::Url::parse("https://news.example.com/").expect("url");
    let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai };
    for name in ["2024-03-07-story.md", "story.txt"] {
        let source = Source { rel_path: Path::new(name), shown_path: Path::new(name), text: &text, modified: None };
        if let Ok(parsed) = article::parse(source, site) {
            let html = article::content_html(&parsed.story, &text);
            assert!(!html.to_ascii_lowercase().contains("<script"), "script survived sanitising");
        }
    }
});
