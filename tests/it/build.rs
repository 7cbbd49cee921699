//! `feedsmith build`, `check` and `new` run as a user runs them: golden
//! fixtures, the committed sample, exit statuses, determinism, `updated`
//! tracking across runs and per-term feeds (the README's *Commands*,
//! *Writing a story* and *What the feeds contain*).
//!
//! Golden files: each `tests/fixtures/<case>/` holds `feedsmith.toml`,
//! `articles/` and `expected/` (every file `build` writes). To regenerate
//! `expected/` after an intended change, run
//!
//! ```sh
//! FEEDSMITH_BLESS=1 cargo test --test it build::
//! ```
//!
//! then READ the diff: the golden files are the specification, and a wrong
//! one is a bug. `scripts/conformance.sh tests/fixtures` checks them too.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use regex::Regex;

use crate::support::*;

/// Builds a fixture and compares (or, with `FEEDSMITH_BLESS=1`, rewrites)
/// its `expected/` folder: same files, same bytes, nothing extra or missing.
#[track_caller]
fn golden(case: &str, code: i32) -> (Site, Run) {
    let (s, run) = build_fixture(case, code);
    let expected = fixture(case).join("expected");
    if std::env::var_os("FEEDSMITH_BLESS").is_some_and(|v| v == "1") {
        if expected.exists() {
            std::fs::remove_dir_all(&expected).expect("remove old expected/");
        }
        copy_dir(&s.out(), &expected);
        eprintln!("blessed {}", expected.display());
    } else {
        assert!(
            expected.is_dir(),
            "{} is missing: run FEEDSMITH_BLESS=1 cargo test --test it build::",
            expected.display()
        );
        assert_same_tree(&s.out(), &expected);
    }
    (s, run)
}

// ---------------------------------------------------------------- golden ---

#[test]
fn media_fixture_matches_its_golden_files_and_copies_local_media() {
    let (s, run) = golden("media", 0);
    // Local files are published under media/ with their bytes and path.
    for rel in ["2024/photos/lead.jpg", "2024/audio.mp3"] {
        let copied = std::fs::read(s.out().join("media").join(rel)).expect("copied media");
        let source = std::fs::read(fixture("media").join("articles").join(rel)).expect("source");
        assert_eq!(copied, source, "{rel}");
    }
    // What cannot be resolved is left out with a warning naming the file.
    assert!(
        run.stderr.contains("with-media.md: media \"https://cdn.example.com/no-type\" has no known type"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("with-media.md: media file \"missing.ogg\" not found"), "{}", run.stderr);
    let rss = std::fs::read_to_string(s.out().join("rss.xml")).expect("rss");
    assert_eq!(
        rss.matches("<enclosure ").count(),
        1,
        "RSS allows one enclosure per item; the body image has no length"
    );
    assert!(rss.contains(
        r#"<enclosure url="https://news.example.com/feeds/media/2024/audio.mp3" length="38" type="audio/mpeg"/>"#
    ));
    assert!(
        rss.contains(r#"<media:thumbnail url="https://cdn.example.com/scene.png">"#),
        "first body image is the item image"
    );
    let atom = std::fs::read_to_string(s.out().join("atom.xml")).expect("atom");
    assert!(atom.contains(r#"<link href="https://news.example.com/feeds/media/2024/photos/lead.jpg" rel="enclosure" type="image/jpeg" length="22"/>"#));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.out().join("feed.json")).expect("json")).expect("json");
    assert_eq!(json["items"][0]["image"], "https://news.example.com/feeds/media/2024/photos/lead.jpg");
    // The index page shows a story's own lead image (never one taken from
    // its body: the page must not change with whether bodies were rendered).
    let index = std::fs::read_to_string(s.out().join("index.html")).expect("index.html");
    assert!(
        index.contains(r#"<img class="lead" src="https://news.example.com/feeds/media/2024/photos/lead.jpg""#),
        "{index}"
    );
    assert!(!index.contains("cdn.example.com/scene.png"), "a body picture is not the lead image of the page");
    assert_eq!(json["items"][0]["attachments"][1]["size_in_bytes"], 12345);
    assert_eq!(json["items"][1]["image"], "https://cdn.example.com/scene.png");
}

#[test]
fn rich_fixture_matches_its_golden_files() {
    let (s, run) = golden("rich", 0);
    assert!(run.problem_lines().is_empty(), "a clean fixture reports nothing:\n{}", run.stderr);
    let files: Vec<String> = read_tree(&s.out()).into_keys().collect();
    for folder in [
        "",
        "tags/ba-ba-zhan-lue-zai-shen-bian/",
        "tags/rust-xml/",
        "tags/biao-qing-grinning/",
        "categories/yao-wen/",
        "categories/english/",
        "authors/chen-xiao-su/",
    ] {
        for file in ["rss.xml", "atom.xml", "feed.json"] {
            let name = format!("{folder}{file}");
            assert!(files.contains(&name), "{name} missing from {files:?}");
        }
    }
}

#[test]
fn rich_fixture_leaves_out_drafts_future_stories_and_editor_noise() {
    let root = fixture("rich").join("articles");
    // The noise must really be in the fixture, or this test proves nothing.
    let noise =
        ["_private.md", "a.md~", ".#a.md", "4913", "a.md.swp", "#a.md#", "a.md.tmp", "_drafts/x.md", ".hidden/x.md"];
    for name in noise {
        assert!(root.join(name).is_file(), "fixture file {name} is missing (a .gitignore may have eaten it)");
    }
    let (s, _) = build_fixture("rich", 0);
    let text = all_output_text(&s.out());
    for needle in ["NOISE", "DRAFT must not appear", "FUTURE must not appear", "draft-only", "future-only"] {
        assert!(!text.contains(needle), "{needle:?} was published");
    }
    let dirs = read_dirs(&s.out());
    assert!(!dirs.iter().any(|d| d.contains("draft") || d.contains("future")), "{dirs:?}");
}

#[test]
fn errors_fixture_matches_its_golden_files_and_publishes_the_good_story() {
    let (s, _) = golden("errors", 1);
    let feed = parse_feed("errors rss.xml", &std::fs::read(s.out().join("rss.xml")).expect("rss.xml"));
    let titles: Vec<String> = feed.entries.iter().filter_map(|e| e.title.as_ref().map(|t| t.content.clone())).collect();
    assert_eq!(titles, ["The one good story 好", "Duplicate id, first file (published)"]);
}

/// One expected rejection: file name, `Some((line, column))` when the parser
/// knows where, and words the message must contain.
type Rejection = (&'static str, Option<(usize, usize)>, &'static str);

const REJECTED: &[Rejection] = &[
    ("bad-toml.md", Some((4, 17)), "TOML"),
    ("bad-yaml.md", None, "YAML"),
    ("bad-date.md", Some((4, 1)), "2024-13-01"),
    ("no-title.md", None, "no title"),
    ("unclosed.md", Some((1, 1)), "never closed"),
    ("binary.md", None, "binary"),
    ("big.md", None, "1024"),
    ("dup-b.md", None, "dup-a.md"),
];

#[track_caller]
fn assert_every_rejection_reported(run: &Run) {
    let line_re = Regex::new(
        r"^(?P<path>.*articles/(?P<file>[^/:]+))(?::(?P<line>\d+):(?P<col>\d+))?: (?P<msg>.+) — (?P<hint>.+)$",
    )
    .expect("regex");
    let problems = run.problem_lines();
    for (file, at, needle) in REJECTED {
        let matching: Vec<_> =
            problems.iter().filter_map(|l| line_re.captures(l)).filter(|c| &c["file"] == *file).collect();
        assert_eq!(
            matching.len(),
            1,
            "{file}: want exactly one `path:line:col: message — hint` line in\n{}",
            run.stderr
        );
        let c = &matching[0];
        assert!(c["msg"].contains(needle), "{file}: message lacks {needle:?}: {}", &c[0]);
        assert!(!c["hint"].trim().is_empty(), "{file}: no hint: {}", &c[0]);
        match at {
            Some((line, col)) => {
                let got = c.name("line").map(|m| m.as_str().parse::<usize>().expect("line"));
                let got_col = c.name("col").map(|m| m.as_str().parse::<usize>().expect("col"));
                assert_eq!((got, got_col), (Some(*line), Some(*col)), "{file}: position in {}", &c[0]);
            }
            None if *file == "bad-yaml.md" => {
                // The flow list opens on line 4; YAML notices at the end of the
                // front matter (line 5, the closing fence). Either is fair.
                let line = c.name("line").map(|m| m.as_str().parse::<usize>().expect("line"));
                assert!(matches!(line, Some(4 | 5)), "{file}: want a line in the file: {}", &c[0]);
            }
            None => {}
        }
    }
    for good in ["good.md", "dup-a.md"] {
        assert!(
            !problems.iter().any(|l| l.contains(&format!("articles/{good}:")) && !l.contains("is also used by")),
            "{good} is fine but was reported:\n{}",
            run.stderr
        );
    }
    let unexpected: Vec<_> = problems
        .iter()
        .filter(|l| !l.starts_with("warning:"))
        .filter(|l| !REJECTED.iter().any(|(f, _, _)| l.contains(&format!("articles/{f}"))))
        .collect();
    assert!(unexpected.is_empty(), "unexpected stderr lines: {unexpected:?}");
}

#[test]
fn errors_fixture_names_every_rejected_file_with_line_and_hint() {
    let (_, run) = build_fixture("errors", 1);
    assert_every_rejection_reported(&run);
}

/// Bug: YAML parse errors repeat serde_norway's own positions inside the
/// message, counted from the first line *inside* the front matter, so the
/// message contradicts the file position it starts with.
#[test]
fn yaml_error_message_positions_are_file_lines() {
    let (_, run) = build_fixture("errors", 1);
    let line = run.problem_lines().into_iter().find(|l| l.contains("bad-yaml.md")).expect("bad-yaml.md reported");
    // `summary: [unclosed` is file line 4, column 10; the front matter's
    // own line 3. Any "line N" the message mentions must be a file line.
    let re = Regex::new(r"line (\d+) column (\d+)").expect("regex");
    for c in re.captures_iter(line) {
        let n: usize = c[1].parse().expect("n");
        assert!(n >= 4, "message points at line {n}, which is not where the problem is: {line}");
    }
}

// ---------------------------------------------------- the committed sample ---

/// The sample as committed — `feedsmith.toml`, `articles/` and `feeds/` of
/// git HEAD — in a fresh site folder, so edits to the working tree (the
/// README invites running `feedsmith watch` on the sample and editing it)
/// never make these tests fail. Regenerated feeds count once committed.
///
/// Outside a git checkout (a source tarball) there is no committed sample
/// to check: a notice goes to stderr and the caller returns.
fn committed_sample() -> Option<Site> {
    let root = repo_root();
    let git = |args: &[&str]| Command::new("git").arg("-C").arg(&root).args(args).stderr(Stdio::null()).output();
    // Only this repository's HEAD: not that of a repository around an unpacked tarball.
    let top = git(&["rev-parse", "--show-toplevel"]).ok().filter(|o| o.status.success());
    let is_checkout = top.is_some_and(|o| {
        let top = std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        top.canonicalize().ok() == root.canonicalize().ok()
    });
    if !is_checkout {
        eprintln!("notice: {} is not a git checkout; the committed-sample tests are skipped", root.display());
        return None;
    }
    let archive =
        git(&["archive", "--format=tar", "HEAD", "feedsmith.toml", "articles", "feeds"]).expect("git archive");
    assert!(archive.status.success(), "git archive HEAD feedsmith.toml articles feeds failed");
    let site = Site::empty();
    let mut tar =
        Command::new("tar").arg("-x").arg("-C").arg(site.root()).stdin(Stdio::piped()).spawn().expect("spawn tar");
    std::io::Write::write_all(&mut tar.stdin.take().expect("tar stdin"), &archive.stdout).expect("feed tar");
    assert!(tar.wait().expect("tar").success(), "tar -x of the committed sample failed");
    Some(site)
}

#[test]
fn committed_sample_feeds_are_what_build_makes() {
    let Some(site) = committed_sample() else { return };
    site.build().assert_code(0);
    // Not blessable: feeds/ is regenerated with `feedsmith build` and committed.
    assert_same_tree(&site.out(), &site.root().join("feeds"));
}

#[test]
fn check_is_clean_on_the_committed_sample_and_writes_nothing() {
    let Some(site) = committed_sample() else { return };
    let run = site.run("check", &[]);
    run.assert_code(0);
    assert!(run.problem_lines().is_empty(), "{}", run.stderr);
    assert!(!site.out().exists(), "check must not create the output folder");
    assert!(!site.state().exists(), "check must not write the state file");
}

// ----------------------------------------------------------- exit statuses ---

#[test]
fn unknown_config_key_is_a_usage_error_naming_it_and_writes_nothing() {
    let site = Site::empty();
    site.write("a.md", "+++\ntitle = \"A\"\ndate = 2024-03-07\n+++\nx\n");
    let config =
        "title = \"Typo\"\nbase_url = \"https://news.example.com/\"\nfeeds_url = \"https://news.example.com/feeds/\"\n\
                  language = \"zh-CN\"\ntimezone = \"Asia/Shanghai\"\ntitel = \"typo\"\n";
    std::fs::write(site.config_path(), config).expect("write config");
    let run = site.build();
    run.assert_code(2);
    assert!(run.stderr.contains("titel"), "stderr must name the key: {}", run.stderr);
    assert!(run.stderr.contains("feedsmith.toml:6:"), "stderr must name the file and line: {}", run.stderr);
    assert!(!site.out().exists(), "nothing may be written on a usage error");
    assert!(!site.state().exists(), "not even the state file");
}

#[test]
fn missing_config_file_is_a_usage_error_and_writes_nothing() {
    let folder = Site::empty();
    let site = Site::with_config(&folder.root().join("no-such-feedsmith.toml"));
    let run = site.build();
    run.assert_code(2);
    assert!(run.stderr.contains("no-such-feedsmith.toml"), "stderr must name the file: {}", run.stderr);
    assert!(!site.out().exists() && !site.state().exists(), "nothing may be written");
}

#[test]
fn check_reports_every_problem_of_the_errors_fixture_and_writes_nothing() {
    let site = Site::with_config(&fixture("errors").join("feedsmith.toml"));
    let run = site.run("check", &[]);
    run.assert_code(1);
    assert_every_rejection_reported(&run);
    assert!(!site.out().exists(), "check must not create the output folder");
    assert!(!site.state().exists(), "check must not write the state file");
}

#[test]
fn new_creates_a_draft_named_by_the_slug_that_build_does_not_publish() {
    let s = Site::new("");
    s.write("existing.md", "+++\ntitle = \"Existing story\"\ndate = 2024-03-07\n+++\nBody.\n");
    let before = chrono::Utc::now();
    let title = "对标奋进 对表攻坚";
    let run = s.run("new", &[title]);
    run.assert_code(0);
    let path = s.a("dui-biao-fen-jin-dui-biao-gong-jian.md");
    assert!(path.is_file(), "{} not created; stdout: {}", path.display(), run.stdout);
    assert_eq!(Path::new(run.stdout.trim_end()), path, "new prints the path it created");

    let text = read_text(&path);
    let front =
        text.strip_prefix("+++\n").and_then(|t| t.split_once("\n+++")).map(|(fm, _)| fm).expect("TOML front matter");
    let table: toml::Table = front.parse().expect("front matter is valid TOML");
    assert_eq!(table.get("title").and_then(|v| v.as_str()), Some(title));
    assert_eq!(table.get("draft").and_then(|v| v.as_bool()), Some(true));
    let date = Regex::new(r"(?m)^date = (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+08:00)$").expect("regex");
    let date = date.captures(front).unwrap_or_else(|| panic!("date with the site's +08:00 offset: {front}"));
    let date = chrono::DateTime::parse_from_rfc3339(&date[1]).expect("RFC 3339 date");
    assert!((date.to_utc() - before).num_seconds().abs() < 120, "date is now: {date} vs {before}");

    s.build().assert_code(0);
    let text = all_output_text(&s.out());
    assert!(text.contains("Existing story"));
    assert!(!text.contains(title), "the draft made by `new` was published");
}

#[test]
fn new_escapes_the_title_and_never_overwrites() {
    let s = Site::new("");
    let title = "He said \"hi\" \\ then\tleft";
    let first = s.run("new", &[title]);
    first.assert_code(0);
    let second = s.run("new", &[title]);
    second.assert_code(0);
    assert_ne!(first.stdout, second.stdout, "a second story with the same title gets its own file");
    for out in [&first.stdout, &second.stdout] {
        let text = read_text(Path::new(out.trim_end()));
        let front = text.strip_prefix("+++\n").and_then(|t| t.split_once("\n+++")).map(|(fm, _)| fm).expect("fm");
        let table: toml::Table = front.parse().expect("valid TOML");
        assert_eq!(table.get("title").and_then(|v| v.as_str()), Some(title));
    }
}

// ------------------------------------------------------------ determinism ---

#[test]
fn two_builds_into_different_folders_give_identical_bytes() {
    let (a, _) = build_fixture("rich", 0);
    let (b, _) = build_fixture("rich", 0);
    assert_same_tree(&a.out(), &b.out());
}

#[test]
fn rebuilding_unchanged_stories_rewrites_nothing() {
    let (s, _) = build_fixture("rich", 0);
    let before = read_tree(&s.out());
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    set_mtimes(&s.out(), long_ago);
    s.build().assert_code(0);
    assert_eq!(read_tree(&s.out()), before, "same stories, same bytes");
    for (name, t) in mtimes(&s.out()) {
        assert_eq!(t, long_ago, "{name} was rewritten although its bytes did not change");
    }
}

/// The count in `build`'s summary line: "…, N bodies rendered)".
#[track_caller]
fn bodies_rendered(run: &Run) -> usize {
    let re = Regex::new(r"(\d+) bodies rendered").expect("regex");
    let caps = re.captures(&run.stderr).unwrap_or_else(|| panic!("no body count in:\n{}", run.stderr));
    caps[1].parse().expect("a number")
}

/// A restart renders no story body whose feeds did not change
/// (the digests of what each feed was made from are remembered), and an
/// edit renders only the bodies of the feeds the story is in.
#[test]
fn a_rebuild_renders_only_the_bodies_of_feeds_that_changed() {
    let s = Site::new("limit = 2");
    let files: Vec<(String, String)> = (1..=6)
        .map(|i| {
            let tag = if i <= 3 { "a" } else { "b" };
            let text = format!(
                "+++\ntitle = \"Story {i}\"\ndate = 2024-03-{i:02}T08:00:00+08:00\ntags = [\"{tag}\"]\n+++\n\nBody {i}.\n"
            );
            (format!("s{i}.md"), text)
        })
        .collect();
    for (name, text) in &files {
        s.write(name, text);
    }
    // Full content: the main feed (s6, s5), tags/a (s3, s2), tags/b (s6, s5);
    // the monthly archive carries summaries only.
    let first = s.build();
    first.assert_code(0);
    assert_eq!(bodies_rendered(&first), 4, "each body in a feed rendered once:\n{}", first.stderr);
    let again = s.build();
    again.assert_code(0);
    assert_eq!(bodies_rendered(&again), 0, "a restart with nothing changed renders nothing:\n{}", again.stderr);
    std::fs::write(s.a("s2.md"), files[1].1.replace("Body 2.", "Body 2, edited.")).expect("edit");
    let edited = s.build();
    edited.assert_code(0);
    assert_eq!(bodies_rendered(&edited), 2, "only tags/a (s3, s2) is rendered again:\n{}", edited.stderr);
    assert!(read_text(&s.out().join("tags/a/rss.xml")).contains("Body 2, edited."));
}

// --------------------------------------------------------- updated tracking ---

/// `(id, published, updated)` of the one entry of an Atom feed, as written.
#[track_caller]
fn atom_entry_dates(out: &Path) -> (String, String, String) {
    let text = read_text(&out.join("atom.xml"));
    let doc = parse_xml("atom.xml", &text);
    let entry = doc.descendants().find(|n| n.has_tag_name("entry")).expect("one entry");
    let child = |name: &str| {
        entry
            .children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("entry has no {name}"))
            .to_owned()
    };
    (child("id"), child("published"), child("updated"))
}

#[track_caller]
fn json_item_dates(out: &Path) -> (String, String, String) {
    let json: serde_json::Value = serde_json::from_str(&read_text(&out.join("feed.json"))).expect("json");
    let item = &json["items"][0];
    let s = |k: &str| item[k].as_str().unwrap_or_else(|| panic!("item has no {k}")).to_owned();
    (s("id"), s("date_published"), s("date_modified"))
}

#[test]
fn updated_moves_on_an_edit_is_remembered_and_ignores_touch() {
    let s = Site::new("");
    let story = "+++\ntitle = \"Story\"\ndate = 2024-03-07T15:00:00+08:00\n+++\n\nFirst version.\n";
    s.write("story.md", story);
    let article = s.a("story.md");

    // First sight is not a change: updated == date.
    s.build().assert_code(0);
    let (id, published, updated) = atom_entry_dates(&s.out());
    assert_eq!(published, "2024-03-07T15:00:00+08:00");
    assert_eq!(updated, published, "first build: updated == date");
    let (json_id, json_published, json_updated) = json_item_dates(&s.out());
    assert_eq!((json_id.as_str(), json_updated.as_str()), (id.as_str(), json_published.as_str()));

    // Touch only: nothing changes, nothing is rewritten.
    let bytes = read_tree(&s.out());
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    set_mtimes(&s.out(), long_ago);
    std::fs::File::options()
        .write(true)
        .open(&article)
        .and_then(|f| f.set_modified(SystemTime::now() + Duration::from_secs(3600)))
        .expect("touch");
    s.build().assert_code(0);
    assert_eq!(read_tree(&s.out()), bytes, "touching a file changes nothing");
    assert!(mtimes(&s.out()).values().all(|t| *t == long_ago), "touching a file rewrites nothing");

    // An edit (title and body): updated moves to the moment it was seen, id stays.
    std::fs::write(
        &article,
        story.replace("First version.", "Second version.").replace("\"Story\"", "\"Story, edited\""),
    )
    .expect("edit");
    let t0 = chrono::Utc::now() - chrono::Duration::seconds(1);
    s.build().assert_code(0);
    let t1 = chrono::Utc::now() + chrono::Duration::seconds(1);
    let (id2, published2, updated2) = atom_entry_dates(&s.out());
    assert_eq!(id2, id, "editing never changes the id");
    assert_eq!(published2, published, "editing never changes published");
    assert!(updated2.ends_with("+08:00"), "updated in the site's offset: {updated2}");
    assert!(!updated2.contains('.'), "updated in whole seconds, as people read it: {updated2}");
    let moved = chrono::DateTime::parse_from_rfc3339(&updated2).expect("RFC 3339").to_utc();
    assert!(t0 <= moved && moved <= t1, "updated {updated2} is when the edit was seen ({t0}..{t1})");
    let (_, _, json_updated2) = json_item_dates(&s.out());
    assert_eq!(json_updated2, updated2, "JSON date_modified agrees with Atom");
    let rss = read_text(&s.out().join("rss.xml"));
    assert!(rss.contains(&format!("<guid>{id}</guid>")), "RSS guid unchanged: {rss}");

    // Remembered across runs: building again keeps that moment.
    std::thread::sleep(Duration::from_millis(1100));
    s.build().assert_code(0);
    assert_eq!(atom_entry_dates(&s.out()).2, updated2, "the edit time is remembered in the state file");
}

// ---------------------------------------------------------- per-term feeds ---

#[test]
fn term_feeds_exist_and_leave_with_their_last_story() {
    let s = Site::new("");
    let a = "+++\ntitle = \"A\"\ndate = 2024-03-07\ntags = [\"八八战略\", \"Shared\"]\n+++\nA.\n";
    let b = "+++\ntitle = \"B\"\ndate = 2024-03-06\ntags = [\"Shared\"]\ncategories = [\"要闻\"]\n+++\nB.\n";
    s.write("a.md", a);
    s.write("b.md", b);
    s.build().assert_code(0);
    for folder in ["tags/ba-ba-zhan-lue", "tags/shared", "categories/yao-wen"] {
        for file in ["rss.xml", "atom.xml", "feed.json"] {
            assert!(s.out().join(folder).join(file).is_file(), "{folder}/{file} missing");
        }
    }
    let term = parse_feed("tag atom", &std::fs::read(s.out().join("tags/ba-ba-zhan-lue/atom.xml")).expect("read"));
    assert_eq!(term.title.map(|t| t.content).as_deref(), Some("Test site — 八八战略"));
    assert_eq!(term.entries.len(), 1);
    let shared = parse_feed("shared", &std::fs::read(s.out().join("tags/shared/feed.json")).expect("read"));
    assert_eq!(shared.entries.len(), 2);

    // The last story of 八八战略 goes: its folder goes on the next build.
    std::fs::remove_file(s.a("a.md")).expect("rm a.md");
    s.build().assert_code(0);
    assert!(!s.out().join("tags/ba-ba-zhan-lue").exists(), "{:?}", read_dirs(&s.out()));
    let shared = parse_feed("shared", &std::fs::read(s.out().join("tags/shared/feed.json")).expect("read"));
    assert_eq!(shared.entries.len(), 1, "the removed story left the shared tag's feed");

    // The last category goes: its folder and the empty `categories/` go.
    std::fs::write(s.a("b.md"), b.replace("categories = [\"要闻\"]\n", "")).expect("edit b.md");
    s.build().assert_code(0);
    let dirs: Vec<String> = read_dirs(&s.out())
        .into_iter()
        .filter(|d| ["tags", "categories", "authors"].iter().any(|t| d == t || d.starts_with(&format!("{t}/"))))
        .collect();
    assert_eq!(dirs, ["tags", "tags/shared"], "only live term folders remain");
}

#[test]
fn limit_keeps_the_newest_stories_ties_broken_by_id() {
    let s = Site::new("limit = 2");
    let story = |title: &str, date: &str| format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\n{title}.\n");
    s.write("old.md", story("Old", "2024-03-01"));
    s.write("zeta.md", story("Zeta", "2024-03-07T15:00:00+08:00"));
    s.write("alpha.md", story("Alpha", "2024-03-07T15:00:00+08:00"));
    s.build().assert_code(0);
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let feed = parse_feed(file, &std::fs::read(s.out().join(file)).expect("read"));
        let titles: Vec<_> = feed.entries.iter().map(|e| e.title.as_ref().map(|t| t.content.as_str())).collect();
        assert_eq!(titles, [Some("Alpha"), Some("Zeta")], "{file}: newest two, same date ordered by id");
    }
}

// ----------------------------------------------------------- link_pattern ---

/// `link_pattern` links each story where the paper publishes it (date
/// parts in the site's timezone, the slug, the file's path), in all three
/// formats; ids stay as they were, so subscribers see no duplicate when a
/// pattern is introduced, and content URLs resolve against the new link.
#[test]
fn link_pattern_links_where_the_paper_publishes_and_changes_no_id() {
    let s = Site::new("");
    // 01:30 on March 8th in Shanghai is still March 7th in UTC.
    s.write("2024/03/duibiao-fenjin.md", story("对标奋进", "2024-03-08T01:30:00+08:00", "见[图](pic.html)。"));
    s.write(
        "2024/03/own-link.md",
        "+++\ntitle = \"自带链接\"\ndate = 2024-03-01\nlink = \"https://elsewhere.example.org/x\"\n+++\n\n正文\n",
    );
    s.build().assert_code(0);
    let ids: Vec<String> = s.items().all().map(|i| i.id.clone()).collect();

    s.write_config("link_pattern = \"https://www.ykrb.cn/{yyyy}/{mm}/{dd}/{slug}.html?from={path}\"");
    s.build().assert_code(0);
    let items = s.items();
    assert_eq!(items.all().map(|i| i.id.clone()).collect::<Vec<_>>(), ids, "ids unchanged");
    for item in items.by_title("对标奋进") {
        assert_eq!(
            item.link, "https://www.ykrb.cn/2024/03/08/duibiao-fenjin.html?from=2024/03/duibiao-fenjin",
            "{}",
            item.format
        );
        assert!(item.content.contains("https://www.ykrb.cn/2024/03/08/pic.html"), "{}: {}", item.format, item.content);
    }
    for item in items.by_title("自带链接") {
        assert_eq!(item.link, "https://elsewhere.example.org/x", "a story's own link wins");
    }
    let rss = read_text(&s.out().join("rss.xml"));
    assert!(rss.contains("<guid isPermaLink=\"false\">https://news.example.com/duibiao-fenjin/</guid>"), "{rss}");
}

/// A pattern with an unknown placeholder, or one that makes no absolute
/// http(s) URL, stops the build before anything is written.
#[test]
fn a_link_pattern_that_cannot_work_is_a_configuration_error() {
    for (pattern, says) in [("https://e.com/{year}/{slug}", "{year}"), ("/{yyyy}/{slug}.html", "absolute")] {
        let s = Site::new(&format!("link_pattern = \"{pattern}\""));
        s.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文"));
        let run = s.build();
        run.assert_code(2);
        assert!(run.stderr.contains("link_pattern") && run.stderr.contains(says), "{pattern}: {}", run.stderr);
        assert!(!s.out().exists(), "{pattern}: nothing written");
    }
}

// ------------------------------------------------------------------- init ---

/// `feedsmith init DIR` writes a site that builds into valid feeds at
/// once; a second run overwrites nothing and says so (exit 1); a flag that
/// makes an invalid configuration writes nothing (exit 2).
#[test]
fn init_starts_a_site_that_builds_and_never_overwrites() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("ykrb");
    let init = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
        cmd.arg("init").arg(&dir).args(args).current_dir(root.path());
        run(cmd, HANG)
    };
    let first = init(&["--title", "永康日报", "--timezone", "Asia/Shanghai", "--language", "zh-CN"]);
    first.assert_code(0);
    assert!(first.stdout.contains("feedsmith.toml") && first.stdout.contains("welcome.md"), "{}", first.stdout);
    let site = Site::with_config(&dir.join("feedsmith.toml"));
    site.build().assert_code(0);
    assert_eq!(site.feed_title("rss.xml").as_deref(), Some("永康日报"));
    assert_eq!(site.titles(), ["Welcome to feedsmith"]);
    let config = read_text(&dir.join("feedsmith.toml"));
    assert!(config.contains("timezone = \"Asia/Shanghai\"") && config.contains("# link_pattern ="), "{config}");

    std::fs::write(dir.join("feedsmith.toml"), "title = \"改过的\"\n").expect("edit");
    let again = init(&[]);
    again.assert_code(1);
    assert!(again.stderr.contains("exists; left as it is"), "{}", again.stderr);
    assert_eq!(read_text(&dir.join("feedsmith.toml")), "title = \"改过的\"\n");

    let other = root.path().join("bad");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.arg("init").arg(&other).args(["--timezone", "Mars/Olympus"]).current_dir(root.path());
    let bad = run(cmd, HANG);
    bad.assert_code(2);
    assert!(bad.stderr.contains("timezone") && !other.exists(), "{}", bad.stderr);
}

/// Without a configuration file, feedsmith says once that it uses the
/// built-in defaults, so nobody publishes as "feedsmith" by accident.
#[test]
fn running_without_a_configuration_says_the_defaults_are_used() {
    let root = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(root.path().join("articles")).expect("mkdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.arg("check").current_dir(root.path()).env_remove("RUST_LOG");
    let run = run(cmd, HANG);
    run.assert_code(0);
    let notices: Vec<&str> = run.stderr.lines().filter(|l| l.contains("built-in defaults")).collect();
    assert_eq!(notices.len(), 1, "{}", run.stderr);
    assert!(notices[0].contains("feedsmith init"), "{}", notices[0]);
}

// ------------------------------------------------------------------- logs ---

/// `--log-format json` writes each log line as one JSON object (time,
/// level, message) for journald, Loki or ELK; `FEEDSMITH_LOG` filters in
/// the RUST_LOG syntax and overrides -v/-q; a filter that cannot be read
/// is said, and the default level is kept.
#[test]
fn logs_as_json_lines_and_filtered_by_feedsmith_log() {
    let s = Site::new("");
    s.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文"));
    let mut cmd = s.command("build");
    cmd.arg("--log-format").arg("json");
    let json = run(cmd, HANG);
    json.assert_code(0);
    let lines: Vec<serde_json::Value> = json
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let built = lines.iter().find(|v| v["message"].as_str().is_some_and(|m| m.starts_with("built 1 stories")));
    let built = built.unwrap_or_else(|| panic!("no build line in {}", json.stderr));
    assert_eq!(built["level"], "INFO");
    assert!(built["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{built}");

    let mut quiet = s.command("build");
    quiet.env("FEEDSMITH_LOG", "warn").arg("-v");
    let quiet = run(quiet, HANG);
    assert!(!quiet.stderr.contains("INFO") && !quiet.stderr.contains("DEBUG"), "{}", quiet.stderr);
    let mut bad = s.command("build");
    bad.env("FEEDSMITH_LOG", "[[");
    let bad = run(bad, HANG);
    assert!(bad.stderr.contains("FEEDSMITH_LOG") && bad.stderr.contains("built 1 stories"), "{}", bad.stderr);
}

/// Each command's help shows an example and its exit statuses.
#[test]
fn every_command_s_help_has_an_example_and_its_exit_statuses() {
    for command in ["build", "watch", "check", "new", "import", "init"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
        cmd.args([command, "--help"]);
        let run = run(cmd, HANG);
        run.assert_code(0);
        assert!(run.stdout.contains("Example") && run.stdout.contains("Exit status: 0"), "{command}:\n{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("feedsmith {command}")),
            "{command}: the example runs it:\n{}",
            run.stdout
        );
    }
}

// ------------------------------------------------------------- shortcodes ---

/// Content folders from Hugo and Zola: a Hugo figure is published as a
/// figure; any other shortcode is left out of the feeds — never as raw
/// template text — and warned about at its line and column.
#[test]
fn shortcodes_become_figures_or_are_left_out_with_a_warning() {
    let s = Site::new("");
    s.write(
        "hugo.md",
        "+++\ntitle = \"短代码\"\ndate = 2024-03-07\n+++\n\n现场：\n\n{{< figure src=\"https://img.example.com/a.jpg\" caption=\"会议现场\" >}}\n\n视频 {{< youtube w7Ft2ymGmfc >}} 与 {{ gist(id=\"1\") }}。\n\n```\n{{< youtube in-code >}}\n```\n",
    );
    let run = s.build();
    run.assert_code(0);
    let warnings = run.lines_naming("hugo.md");
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(warnings[0].starts_with("warning:") && warnings[0].contains("hugo.md:10:4:"), "{}", warnings[0]);
    assert!(warnings[0].contains("youtube") && warnings[1].contains("gist"), "{warnings:?}");
    let content = s.content_of("短代码").expect("content");
    assert!(
        content.contains("<figure><img src=\"https://img.example.com/a.jpg\" alt=\"会议现场\"><figcaption>会议现场</figcaption></figure>"),
        "{content}"
    );
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let text = read_text(&s.out().join(file));
        assert!(!text.contains("youtube w7Ft2") && !text.contains("gist("), "{file}: {text}");
    }
    assert!(content.contains("in-code"), "code blocks keep their text: {content}");

    // Nor in a summary made from the first paragraph.
    s.write("lead.md", "+++\ntitle = \"导语\"\ndate = 2024-03-08\n+++\n\n{{< youtube abc >}} 正文第一段。\n");
    s.build().assert_code(0);
    for item in s.items().by_title("导语") {
        assert!(
            !item.summary.contains("{{") && item.summary.contains("正文第一段"),
            "{}: {}",
            item.format,
            item.summary
        );
    }
}

/// Every RSS and Atom file names `feed.xsl` (relative, so a browser finds
/// it wherever the folder is served), which is written beside the main
/// feeds; JSON Feed has no such thing. `feed_stylesheet = false` takes
/// both away, and a stylesheet written before is removed.
#[test]
fn rss_and_atom_files_name_the_stylesheet_unless_it_is_turned_off() {
    let site = Site::new("language = \"zh-CN\"");
    site.write("a.md", tagged("标题", "2024-03-07", &["要闻"], "正文"));
    site.build().assert_code(0);
    let out = site.out();
    for (file, href) in [
        ("rss.xml", "feed.xsl"),
        ("atom.xml", "feed.xsl"),
        ("tags/yao-wen/rss.xml", "../../feed.xsl"),
        ("tags/yao-wen/atom.xml", "../../feed.xsl"),
        ("archive/2024-03/rss.xml", "../../feed.xsl"),
    ] {
        let xml = std::fs::read_to_string(out.join(file)).expect(file);
        let second = xml.lines().nth(1).unwrap_or_default();
        assert_eq!(second, format!("<?xml-stylesheet type=\"text/xsl\" href=\"{href}\"?>"), "{file}");
        assert!(out.join(file).parent().expect("folder").join(href).is_file(), "{file}: {href} resolves");
        parse_feed(file, xml.as_bytes());
    }
    let xsl = std::fs::read_to_string(out.join("feed.xsl")).expect("feed.xsl");
    assert!(xsl.contains("最新稿件") && xsl.contains("lang=\"zh-CN\""), "in the site's language");
    assert!(!std::fs::read_to_string(out.join("feed.json")).expect("json").contains("xsl"));

    site.write_config("language = \"zh-CN\"\nfeed_stylesheet = false");
    site.build().assert_code(0);
    assert!(!out.join("feed.xsl").exists(), "the stylesheet is removed once turned off");
    for file in ["rss.xml", "atom.xml", "tags/yao-wen/rss.xml"] {
        let xml = std::fs::read_to_string(out.join(file)).expect(file);
        assert!(!xml.contains("xml-stylesheet"), "{file}");
    }
}

/// The index page names each story's author as the feeds do: the site's
/// `author` where the story names none (it showed no byline at all).
#[test]
fn the_index_page_names_the_site_author_where_a_story_names_none() {
    let site = Site::new("author = \"永康日报社\"");
    site.write("a.md", story("无署名", DATE, "x"));
    site.write("b.md", "+++\ntitle = \"有署名\"\ndate = 2024-03-06\nauthor = \"陈晓苏\"\n+++\n\nx\n");
    site.build().assert_code(0);
    let page = read_text(&site.out().join("index.html"));
    let article = |title: &str| page.split("<article").find(|a| a.contains(title)).unwrap_or_default().to_owned();
    assert!(article("无署名").contains("永康日报社"), "{page}");
    assert!(article("有署名").contains("陈晓苏") && !article("有署名").contains("永康日报社"), "{page}");
    let bare = Site::new("");
    bare.write("a.md", story("无署名", DATE, "x"));
    bare.build().assert_code(0);
    assert!(!read_text(&bare.out().join("index.html")).contains("class=\"by\""), "no site author, no byline");
}
