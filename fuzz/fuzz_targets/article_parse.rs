//! Any bytes as a story file: decoding, front matter, dates, Markdown and
//! sanitising must never panic or hang; decoded text has no CR and no
//! U+FFFD the input did not hold; one-line fields are one line of XML-safe
//! text; the content HTML carries nothing a reader could run.
#![no_main]

use std::path::Path;

use feedsmith::article::{self, decode, Site, Source};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = decode::decode(data) else { return };
    assert!(!text.contains('\r'), "a CR survived decoding");
    assert!(
        !text.contains('\u{FFFD}') || common::holds_a_replacement_character(data),
        "decoding slipped in a U+FFFD the input did not hold"
    );
    let base = url::Url::parse("https://news.example.com/").expect("url");
    let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai };
    for name in ["2024-03-07-story.md", "story.txt"] {
        let source = Source { rel_path: Path::new(name), shown_path: Path::new(name), text: &text, modified: None };
        if let Ok(parsed) = article::parse(source, site) {
            let s = &parsed.story;
            for field in [&s.title, &s.summary].into_iter().chain(&s.tags).chain(&s.categories).chain(&s.authors) {
                assert!(
                    field.chars().all(|c| feedsmith::chars::is_xml_char(c) && c != '\n' && c != '\t'),
                    "a one-line field holds a control character or a line break: {field:?}"
                );
            }
            assert!(!s.title.is_empty(), "an empty title was accepted");
            let html = article::content_html(s, &text);
            common::assert_harmless(&html);
        }
    }
});
