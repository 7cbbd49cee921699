//! Input made to mislead or exhaust: UTF-32 files, front matter nested or
//! aliased to blow up a parser, oversized front matter, a thousand tags.

use super::*;

/// `text` in UTF-32 with a byte-order mark.
fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once('\u{FEFF}')
        .chain(text.chars())
        .flat_map(|c| if big_endian { (c as u32).to_be_bytes() } else { (c as u32).to_le_bytes() })
        .collect()
}

/// Regression: a UTF-32 LE file was read as UTF-16 (its byte-order mark
/// starts like UTF-16's) and rejected as having no title, a message that
/// sent the user looking in the wrong place.
#[test]
fn utf32_stories_are_rejected_as_utf32() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "x"));
    site.write("le.md", utf32(&story("Little", DATE, "x"), false));
    site.write("be.md", utf32(&story("Big", DATE, "x"), true));
    let run = site.build();
    run.assert_code(1);
    for name in ["le.md", "be.md"] {
        let line = run.rejection(name);
        assert!(line.contains("UTF-32"), "{name}: {line}");
        assert!(!line.contains("no title"), "{name}: {line}");
    }
    assert_eq!(site.items().titles(), ["Good"]);
}

/// Regression: collections nested 50,000 deep took the TOML and YAML
/// parsers quadratic time, and an alias flood expands into gigabytes; each
/// is now rejected at its line before a parser runs, as is front matter
/// over 64 KiB (which 50,000 levels of `[]` are: that error points at the
/// front matter's first line). The limits here only catch a hang.
#[test]
fn front_matter_nested_aliased_or_oversized_is_rejected_at_its_line() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "x"));
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (name, depth) in [("50k", 50_000), ("30k", 30_000)] {
        let deep = nested(depth);
        site.write(&format!("yaml-{name}.md"), format!("---\ntitle: Deep\ndate: 2024-03-07\nx: {deep}\n---\n\nx\n"));
        site.write(
            &format!("toml-{name}.md"),
            format!("+++\ntitle = \"Deep\"\ndate = 2024-03-07\nx = {deep}\n+++\n\nx\n"),
        );
    }
    let flood = vec!["*a"; 5_000].join(", ");
    site.write("aliases.md", format!("---\ntitle: Flood\ndate: 2024-03-07\na: &a [1, 2, 3]\nb: [{flood}]\n---\n\nx\n"));
    let lines: String = (0..5_000).map(|i| format!("key{i:05} = \"value value value\"\n")).collect();
    assert!(lines.len() > 100 * 1024);
    site.write("big.md", format!("+++\ntitle = \"Big\"\ndate = 2024-03-07\n{lines}+++\n\nx\n"));
    let run = site.build();
    run.assert_code(1);
    let cases = [
        ("yaml-50k.md", 2, "bytes"),
        ("toml-50k.md", 2, "bytes"),
        ("big.md", 2, "bytes"),
        ("yaml-30k.md", 4, "nested"),
        ("toml-30k.md", 4, "nested"),
        ("aliases.md", 5, "aliases"),
    ];
    for (name, line, what) in cases {
        let rejection = run.rejection(name);
        assert!(rejection.contains(&format!("articles/{name}:{line}:")), "{name} at line {line}: {rejection}");
        assert!(rejection.contains(what), "{name}: {rejection}");
    }
    assert_eq!(site.items().titles(), ["Good"]);
    site.run("check", &[]).assert_code(1);
}

/// Regression: a story with thousands of tags wrote a feed folder for each
/// and listed all of them in each: one file could fill the disk. Only the
/// first `max_terms` (50 unless set) are published, with a warning.
#[test]
fn a_story_with_a_thousand_tags_publishes_only_the_first_max_terms() {
    let tags: Vec<String> = (0..1000).map(|i| format!("t{i:04}")).collect();
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    for (config, max) in [("", 50), ("max_terms = 3", 3)] {
        let site = Site::new(config);
        site.write("many.md", tagged("Many", DATE, &tags, "x"));
        let run = site.build();
        run.assert_code(0);
        let warning = format!("1000 tags: only the first {max}");
        let lines = run.lines_naming("many.md");
        assert!(lines.iter().any(|l| l.starts_with("warning:") && l.contains(&warning)), "{config:?}: {}", run.stderr);
        let folders = std::fs::read_dir(site.out().join("tags")).expect("out/tags").count();
        assert_eq!(folders, max, "{config:?}: tag folders");
        let items = site.items();
        assert!(items.all().all(|i| i.tags.len() <= max), "{config:?}: an item lists more than {max} tags");
    }
}

/// The size of every file under `dir`.
fn tree_bytes(dir: &std::path::Path) -> u64 {
    walk(dir).iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

/// Regression: one story of 300 KB of relative links (each grows some 30
/// times when made absolute and escaped) in 50 tags and 50 categories
/// wrote its content in three formats into 101 feeds: a gigabyte from one
/// file. Content HTML over `max_content_bytes` is published as the
/// summary and a link, with a warning; attachments are capped as terms
/// are. One story's weight is bounded whatever it holds.
#[test]
fn one_story_cannot_multiply_the_output_past_the_bound() {
    let site = Site::new("");
    let terms = |prefix: &str| (0..50).map(|i| format!("\"{prefix}{i}\"")).collect::<Vec<_>>().join(", ");
    let attachments = (0..3000).map(|i| format!("\"a/{i}.mp3\"")).collect::<Vec<_>>().join(",");
    let front = format!(
        "+++\ntitle = \"Heavy\"\ndate = {DATE}\ntags = [{}]\ncategories = [{}]\nattachments = [{attachments}]\n+++\n\n",
        terms("t"),
        terms("c")
    );
    let body = "[x](y) ".repeat(43_000);
    site.write("heavy.md", format!("{front}{body}\n"));
    site.write("light.md", story("Light", DATE, "正文。"));
    let run = site.build();
    run.assert_code(0);
    let lines = run.lines_naming("heavy.md");
    assert!(lines.iter().any(|l| l.contains("over `max_content_bytes`")), "{}", run.stderr);
    assert!(lines.iter().any(|l| l.contains("3000 attachments: only the first 50")), "{}", run.stderr);
    let heavy = site.items().by_title("Heavy").into_iter().map(|i| i.content.len()).max().unwrap_or(0);
    assert!(heavy < 64 * 1024, "the stand-in is the summary and a link: {heavy} bytes");
    let total = tree_bytes(&site.out());
    // 3 formats x 101 feeds x (stand-in + 50 attachments + terms), and an archive.
    assert!(total < 40 * 1024 * 1024, "{total} bytes of output from one story");
    assert_eq!(site.items().titles(), ["Heavy", "Light"]);
}
