//! The library on arbitrary bytes: a proptest of the decoder, the parser
//! and the serializers, and a replay of every input the fuzzers kept,
//! each with the checks its fuzz target makes (`properties`, shared with
//! `fuzz/`).

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

use crate::properties::{check_story_bytes, check_story_in_any_zone, check_story_to_feeds};
use crate::support::repo_root;

/// Pieces of story files: BOMs, fences, line endings, front matter keys
/// right and wrong, hostile markup, invalid UTF-8, GB18030, NUL.
const PIECES: &[&[u8]] = &[
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"+++\n",
    b"---\n",
    b"...\n",
    b"+++\r\n",
    b"---\r",
    b"\r\n",
    b"\r",
    b"\n",
    b"\n\n",
    b"title = \"t\"\n",
    b"title: t\n",
    b"title = []\n",
    b"date = 2024-03-07\n",
    b"date: 2024-03-07 15:00\n",
    b"date = 12\n",
    b"date = \"2024-02-30\"\n",
    b"draft = \"yes\"\n",
    b"draft: yes\n",
    b"tags = \"a\"\n",
    b"tags: [a, b\n",
    b"kicker = \"<script>alert(1)</script>\"\n",
    b"slug = \"../..\"\n",
    b"id = \"javascript:alert(1)\"\n",
    b"link = \"//evil.example/\"\n",
    b"lang = \"\\\"><x\"\n",
    b"summary: \"\\0\\x1b\"\n",
    b"# Heading\n",
    b"Title line\n",
    b"<script>alert(1)</script>",
    b"<img src=x onerror=alert(1)>",
    b"<a href=\"javascript:alert(1)\">x</a>",
    b"[a](javascript:alert(1))",
    b"<iframe src=x>",
    b"[^1]\n\n[^1]: n\n",
    b"| a |\n|---|\n| 1 |\n",
    b"```\n",
    b"\0",
    b"\xFF",
    b"\x80",
    b"\xC0\x80",
    b"\xED\xA0\x80",
    b"\xC4\xE3\xBA\xC3",
    b"\x81\x30\x81\x30",
    b"\x84\x31\xA4\x37",
    b"\xEF\xBF\xBD",
    b"\xF4\x90\x80\x80",
    "永康日报".as_bytes(),
    "👩‍👩‍👧".as_bytes(),
    b"\x0b\x1b",
    "\u{FFFE}\u{FFFF}".as_bytes(),
    b"&amp;",
    b"]]>",
    b"\\u0000",
];

fn story_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
        1 => any::<String>().prop_map(String::into_bytes),
    ];
    let pieces = proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat());
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..512),
        4 => pieces.clone(),
        // The same as UTF-16 with a BOM, either byte order.
        1 => (any::<bool>(), pieces).prop_map(|(be, bytes)| {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut out = if be { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            for unit in text.encode_utf16() {
                out.extend(if be { unit.to_be_bytes() } else { unit.to_le_bytes() });
            }
            out
        }),
    ]
}

proptest! {
    // Failing inputs are kept beside the fixtures and replayed first.
    #![proptest_config(Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fixtures/proptest-regressions/hostile.txt",
        ))),
        ..Config::default()
    })]

    /// Arbitrary bytes — valid and invalid UTF-8, BOMs, UTF-16, fences,
    /// front matter right and wrong — through `decode` and `parse`
    /// never panic, and whatever parses renders harmless HTML and
    /// feeds that parse back.
    #[test]
    fn any_bytes_decode_parse_and_render_without_panicking(bytes in story_bytes()) {
        check_story_bytes(&bytes);
        check_story_to_feeds(&bytes);
    }
}

/// A year in every written form a date may take, near the edges of what a
/// feed can carry.
fn edge_date() -> impl Strategy<Value = String> {
    let year = prop_oneof![Just(-1i32), Just(0), Just(1), Just(2024), Just(9998), Just(9999), Just(10000), 0..10_001];
    let form = 0..6usize;
    (year, form, 1..13u32, 1..29u32, 0..24u32).prop_map(|(y, form, m, d, h)| match form {
        0 => format!("date = {y:04}-{m:02}-{d:02}T{h:02}:59:00Z"),
        1 => format!("date = {y:04}-{m:02}-{d:02}"),
        2 => format!("date = \"{y:04}-{m:02}-{d:02} {h:02}:30\""),
        3 => format!("date = 2024-01-01\nupdated = {y:04}-{m:02}-{d:02}T{h:02}:00:00-11:00"),
        4 => format!("date = \"{y:04}-{m:02}-{d:02}T{h:02}:00:00+14:00\""),
        _ => format!("date = 2024-01-01\nlastmod = \"{y:04}-{m:02}-{d:02}\""),
    })
}

proptest! {
    #![proptest_config(Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fixtures/proptest-regressions/hostile-dates.txt",
        ))),
        ..Config::default()
    })]

    /// Every date form near the years' edges, in any timezone: rejected
    /// where it is parsed or written by all three serializers — a year
    /// 10000 once shifted into the site's zone used to panic the RSS one.
    #[test]
    fn dates_at_the_edges_in_any_zone_never_panic_a_serializer(zone in any::<u16>(), date in edge_date()) {
        let story = format!("+++\ntitle = \"t\"\n{date}\n+++\nbody\n");
        let mut bytes = zone.to_le_bytes().to_vec();
        bytes.extend_from_slice(story.as_bytes());
        check_story_in_any_zone(&bytes);
    }
}

/// Every input kept by the fuzzers (`fuzz/regressions/<target>/`, the
/// crashing inputs) and every committed seed (`fuzz/seeds/<target>/`)
/// replayed through the library with the checks of its target.
#[test]
fn fuzz_regressions_and_seeds_replay_through_the_library() {
    let root = repo_root().join("fuzz");
    let mut replayed = 0;
    for kind in ["regressions", "seeds"] {
        for (target, check) in [
            ("article_parse", check_story_bytes as fn(&[u8])),
            ("article_to_feeds", check_story_to_feeds as fn(&[u8])),
            ("story_any_zone", check_story_in_any_zone as fn(&[u8])),
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else { continue };
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).expect("read fuzz input");
                let name = entry.path().display().to_string();
                let result = std::panic::catch_unwind(|| check(&bytes));
                assert!(result.is_ok(), "{name} fails its target's checks");
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no fuzz inputs found under {}", root.display());
}
