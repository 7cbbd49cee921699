//! Restarts: the story cache beside the state file lets `build` and
//! `watch` take every story whose file kept its identity from the cache
//! unread, and keeps the last good version of a story that broke while
//! feedsmith was stopped. A cache that is missing, corrupt or made under
//! another configuration is rebuilt without a word, and what is published
//! never depends on whether the cache was used.
//!
//! A record is trusted only when its file last changed two seconds or
//! more before it was read (a change in the same clock tick as the read
//! would not show in the file's times), so these tests let the files they
//! write settle before the first build.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// Longer than the cache's settle time (two seconds).
const SETTLE: Duration = Duration::from_millis(2300);

/// "N of M story files read", from a build's summary or the daemon's first line.
#[track_caller]
fn files_read(log: &str) -> (usize, usize) {
    let re = regex::Regex::new(r"(\d+) of (\d+) story files read").expect("regex");
    let caps = re.captures(log).unwrap_or_else(|| panic!("no 'N of M story files read' in:\n{log}"));
    (caps[1].parse().expect("number"), caps[2].parse().expect("number"))
}

fn cache_of(t: &Site) -> PathBuf {
    t.state().with_extension("cache")
}

/// A site of stories using every field a record keeps.
fn rich_site() -> Site {
    let t = Site::new("taxonomy_feeds = [\"tags\", \"categories\", \"authors\"]\narchives = true");
    for i in 0..6 {
        t.write(
            &format!("2024/03/s{i}.md"),
            tagged(
                &format!("稿件{i}"),
                &format!("2024-03-0{}T08:00:00+08:00", i + 1),
                &["要闻", "八八战略"],
                &format!("正文{i}，**加粗**。"),
            ),
        );
    }
    t.write(
        "2024/03/full.md",
        "+++\ntitle = \"全字段\"\nkicker = \"引题\"\nsubtitle = \"副题\"\ndate = 2024-03-09T08:00:00+08:00\nupdated = 2024-03-10T08:00:00+08:00\nauthors = [\"陈晓苏\", \"王海涛\"]\ncategories = [\"时政\"]\ntags = [\"要闻\"]\nsummary = \"摘要\"\nimage = \"p.png\"\nlang = \"zh-Hans\"\n[[attachments]]\nurl = \"a.mp3\"\ntitle = \"音频\"\nduration = 61\n+++\n\n正文 [链接](../x/)。\n",
    );
    t.write("2024/03/p.png", b"\x89PNG\r\n\x1a\nfake");
    t.write("2024/03/a.mp3", b"ID3fake audio");
    t.write("2024/03/notes.txt", "纯文本标题\n\n第一段。\n");
    t.write("draft.md", "+++\ntitle = \"草稿\"\ndate = 2024-03-01\ndraft = true\n+++\n\n草稿\n");
    let (gbk, _, _) =
        encoding_rs::GB18030.encode("+++\ntitle = \"国标\"\ndate = 2024-03-02\n+++\n\n国标编码的正文。\n");
    t.write("gbk.md", &gbk);
    t
}

/// A second build reads no story file that did not change, and publishes
/// byte for byte what a cold build publishes: from the cache alone, with
/// the output folder deleted, every field of every story comes back, and
/// the warnings too.
#[test]
fn a_restart_reads_nothing_unchanged_and_publishes_the_same_bytes() {
    let t = rich_site();
    std::thread::sleep(SETTLE);
    let cold = t.build();
    cold.assert_code(0);
    assert_eq!(files_read(&cold.stderr), (10, 10));
    assert!(cache_of(&t).is_file(), "the story cache is saved beside the state file");
    let published = read_tree(&t.out());

    let again = t.build();
    again.assert_code(0);
    assert_eq!(files_read(&again.stderr), (0, 10), "{}", again.stderr);
    assert_eq!(again.lines_naming("gbk.md").len(), 1, "a cached story's warning is said again:\n{}", again.stderr);

    std::fs::remove_dir_all(t.out()).expect("remove the output");
    let from_cache = t.build();
    from_cache.assert_code(0);
    assert_eq!(files_read(&from_cache.stderr), (0, 10));
    assert_eq!(read_tree(&t.out()), published, "feeds made from the cache differ from a cold build's");
}

/// Any change to a file's content changes its identity, even one that
/// keeps its length and puts its modification time back (`cp -p`, `touch
/// -d`): the change time moves. A file changed so recently that a change
/// in the same clock tick could hide is read again at the next start.
#[test]
fn a_change_that_keeps_length_and_mtime_is_read_and_a_fresh_file_is_read_again() {
    let t = Site::new("");
    t.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "原文一"));
    t.write("b.md", story("乙", "2024-03-02T08:00:00+08:00", "原文二"));
    std::thread::sleep(SETTLE);
    t.build().assert_code(0);

    let path = t.a("a.md");
    let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
    std::fs::write(&path, story("甲", "2024-03-01T08:00:00+08:00", "修改一")).expect("rewrite");
    std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(mtime)).expect("set mtime back");
    assert_eq!(
        std::fs::metadata(&path).expect("meta").len(),
        story("甲", "2024-03-01T08:00:00+08:00", "原文一").len() as u64
    );

    let run = t.build();
    run.assert_code(0);
    assert_eq!(files_read(&run.stderr), (1, 2), "{}", run.stderr);
    assert!(t.content_of("甲").is_some_and(|c| c.contains("修改一")), "the edit is published");
    // Changed moments ago: not trusted yet, read again.
    let run = t.build();
    assert_eq!(files_read(&run.stderr), (1, 2), "{}", run.stderr);
    std::thread::sleep(SETTLE);
    t.build().assert_code(0);
    let run = t.build();
    assert_eq!(files_read(&run.stderr), (0, 2), "{}", run.stderr);
}

/// A story that breaks while feedsmith is stopped keeps the version the
/// feeds held, full content included, even when its feeds are written
/// again; the error names the file and the exit status says it. Fixed,
/// the new version is published.
#[test]
fn a_story_broken_while_stopped_keeps_its_last_good_version() {
    let t = Site::new("");
    t.write("good.md", story("好稿", "2024-03-01T08:00:00+08:00", "完整的正文，含**要点**。"));
    t.write("other.md", story("另一篇", "2024-03-02T08:00:00+08:00", "别的正文。"));
    t.build().assert_code(0);
    let before = std::fs::read_to_string(t.out().join("rss.xml")).expect("rss");

    t.write("good.md", "+++\ntitle = \"好稿\ndate = 2024-03-01\n+++\n\n坏了\n");
    let run = t.build();
    run.assert_code(1);
    assert!(run.rejection("good.md").contains("good.md"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(t.out().join("rss.xml")).expect("rss"), before, "the feeds are untouched");

    // Another story arrives: the feeds are written again, the broken one
    // still in them with its full content.
    t.write("new.md", story("新稿", "2024-03-03T08:00:00+08:00", "新的正文。"));
    let run = t.build();
    run.assert_code(1);
    assert!(t.all_feeds_list(&["好稿", "另一篇", "新稿"]), "{:?}\n{}", t.titles(), run.stderr);
    let content = t.content_of("好稿").expect("content");
    assert!(content.contains("<strong>要点</strong>"), "the last good body, rendered: {content}");
    assert!(!content.contains("坏了"));

    t.write("good.md", story("好稿", "2024-03-01T08:00:00+08:00", "修好了。"));
    t.build().assert_code(0);
    assert!(t.content_of("好稿").is_some_and(|c| c.contains("修好了")));
}

/// The daemon, started on a site where a story broke while it was
/// stopped, keeps that story's last good version and says so.
#[test]
fn the_daemon_keeps_a_story_that_broke_while_it_was_stopped() {
    let t = Site::new("");
    t.write("good.md", story("好稿", "2024-03-01T08:00:00+08:00", "完整的正文。"));
    t.write("other.md", story("另一篇", "2024-03-02T08:00:00+08:00", "别的正文。"));
    t.build().assert_code(0);
    t.write("good.md", "+++\ntitle = 1 2\n+++\n");
    let mut d = t.start(&[]);
    assert!(t.all_feeds_list(&["好稿", "另一篇"]), "{:?}\n{}", t.titles(), d.log());
    let log = d.log();
    assert!(log.contains("good.md") && log.contains("keeping its last good version"), "{log}");
    t.write("third.md", story("第三篇", "2024-03-03T08:00:00+08:00", "正文三。"));
    d.wait("the third story", || t.all_feeds_list(&["好稿", "另一篇", "第三篇"]));
    assert!(t.content_of("好稿").is_some_and(|c| c.contains("完整的正文")), "full content kept");
    d.stop("TERM");
}

/// A cache that is cut short, has a byte changed, holds garbage, is a
/// folder, or was written under another configuration is not used and not
/// complained about: every story is read, and the feeds are right.
#[test]
fn a_cache_that_cannot_be_used_is_rebuilt_without_a_word() {
    let t = Site::new("");
    t.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文一"));
    t.write("b.md", story("乙", "2024-03-02T08:00:00+08:00", "正文二"));
    std::thread::sleep(SETTLE);
    t.build().assert_code(0);
    let published = read_tree(&t.out());
    let good = std::fs::read(cache_of(&t)).expect("cache");
    assert_eq!(files_read(&t.build().stderr), (0, 2));

    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 1;
    let damages: [(&str, Vec<u8>); 4] = [
        ("cut short", good[..good.len() - 9].to_vec()),
        ("a byte changed", flipped),
        ("garbage", b"{\"not\": 1}".to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in damages {
        std::fs::write(cache_of(&t), bytes).expect("damage the cache");
        let run = t.build();
        run.assert_code(0);
        assert_eq!(files_read(&run.stderr), (2, 2), "{what}: {}", run.stderr);
        assert!(
            !run.stderr.contains("WARN") && !run.stderr.contains("cache"),
            "{what}: a word was said:\n{}",
            run.stderr
        );
        assert_eq!(read_tree(&t.out()), published, "{what}");
        assert_eq!(files_read(&t.build().stderr), (0, 2), "{what}: the cache is written afresh");
    }

    std::fs::remove_file(cache_of(&t)).expect("remove");
    std::fs::create_dir(cache_of(&t)).expect("a folder where the cache goes");
    let run = t.build();
    run.assert_code(0);
    assert_eq!(files_read(&run.stderr), (2, 2));
    assert_eq!(read_tree(&t.out()), published, "a cache that cannot be written costs nothing but time");
    std::fs::remove_dir(cache_of(&t)).expect("remove the folder");
    t.build().assert_code(0);

    // Another base URL makes other links: no record of the old one is used.
    t.write_config("base_url = \"https://other.example.org/\"");
    let run = t.build();
    run.assert_code(0);
    assert_eq!(files_read(&run.stderr), (2, 2), "{}", run.stderr);
    let feed = t.feed("rss.xml").expect("rss");
    for entry in &feed.entries {
        assert!(entry.links.iter().all(|l| l.href.starts_with("https://other.example.org/")), "{:?}", entry.links);
    }
}

/// Stories deleted while stopped leave the feeds and the cache; a story
/// that is a symlink is read every time (its identity is its target's).
#[test]
fn stories_deleted_while_stopped_are_gone_and_links_are_always_read() {
    let t = Site::new("");
    t.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文一"));
    t.write("b.md", story("乙", "2024-03-02T08:00:00+08:00", "正文二"));
    t.write("real/c.md", story("丙", "2024-03-03T08:00:00+08:00", "正文三"));
    std::os::unix::fs::symlink("real/c.md", t.a("link.md")).expect("symlink");
    std::thread::sleep(SETTLE);
    // (The link and its target are one story told twice: a duplicate id,
    // exit status 1, which this test is not about.)
    t.build().assert_finished();
    let run = t.build();
    assert_eq!(files_read(&run.stderr), (1, 4), "only the link is read: {}", run.stderr);

    std::fs::remove_file(t.a("b.md")).expect("delete");
    let run = t.build();
    run.assert_finished();
    assert_eq!(files_read(&run.stderr), (1, 3));
    assert!(!t.titles().contains(&"乙".to_owned()), "{:?}", t.titles());
    let cache = std::fs::read(cache_of(&t)).expect("cache");
    assert!(!contains(&cache, "b.md".as_bytes()), "the deleted story's record is dropped from the cache");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The cache is written beside the state file, wherever that is, and
/// nowhere else; `check` reads it but writes nothing.
#[test]
fn the_cache_lives_beside_the_state_file_and_check_writes_none() {
    let t = Site::new("state_file = \"var/lib/state.json\"");
    t.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文一"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.args(["check", "--config"]).arg(t.config_path()).current_dir(t.root());
    run(cmd, HANG).assert_code(0);
    assert!(!t.root().join("var").exists(), "check wrote something");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.args(["build", "--config"]).arg(t.config_path()).current_dir(t.root());
    run(cmd, HANG).assert_code(0);
    let state = t.root().join("var/lib");
    let mut names: Vec<String> = std::fs::read_dir(&state)
        .expect("state folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["state.cache", "state.json"]);
}

/// A reload that changes how stories are parsed (here `base_url`, which
/// makes links and ids) keeps no story version parsed under the old
/// settings: neither in the feeds nor, through the story cache, after a
/// restart. A story broken at that moment is out until fixed, as a cold
/// build would have it.
#[test]
fn a_reload_with_other_settings_keeps_nothing_parsed_under_the_old_ones() {
    let t = Site::new("");
    let linked = story("乙", "2024-03-02T08:00:00+08:00", "见[附页](page.html)。");
    t.write("s1.md", story("甲", "2024-03-01T08:00:00+08:00", "正文一"));
    t.write("s2.md", &linked);
    let mut d = t.start(&[]);
    t.write("s2.md", "+++\ntitle = 1 2\n+++\n");
    d.wait_log("keeping its last good version");
    t.write_config("base_url = \"https://new.example.org/\"");
    d.signal("HUP");
    d.wait_log("configuration reloaded");
    d.wait("the broken story, parsed under the old base_url, leaves", || t.titles() == ["甲"]);
    t.write("s2.md", &linked);
    d.wait("the fixed story, under the new base_url", || {
        t.content_of("乙").is_some_and(|c| c.contains("https://new.example.org/"))
    });
    d.stop("TERM");
    let run = t.build();
    run.assert_code(0);
    let content = t.content_of("乙").expect("published");
    assert!(content.contains("https://new.example.org/") && !content.contains("news.example.com"), "{content}");
}

/// The state file (and so the story cache, which holds drafts and
/// scheduled stories) may not sit inside the output folder, where it
/// would be published: a configuration error, exit status 2, nothing
/// written.
#[test]
fn a_state_file_inside_the_output_folder_is_refused() {
    let t = Site::new("");
    t.write("a.md", story("甲", "2024-03-01T08:00:00+08:00", "正文一"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.args(["build", "--config"]).arg(t.config_path()).arg("--output").arg(t.out());
    cmd.arg("--state").arg(t.out().join("private/state.json")).current_dir(t.root());
    let run = run(cmd, HANG);
    run.assert_code(2);
    assert!(run.stderr.contains("state.json") && run.stderr.contains("output folder"), "{}", run.stderr);
    assert!(!t.out().exists(), "nothing is written");
}

/// The same class by other breakages while stopped: a file turned binary,
/// one grown past `max_article_bytes`. Each keeps its last good version;
/// each is reported, naming its file.
#[test]
fn a_story_made_binary_or_too_large_while_stopped_keeps_its_last_good_version() {
    let t = Site::new("max_article_bytes = 4096");
    t.write("binary.md", story("二进制", "2024-03-01T08:00:00+08:00", "原来的正文一。"));
    t.write("large.md", story("太大", "2024-03-02T08:00:00+08:00", "原来的正文二。"));
    t.build().assert_code(0);
    t.write("binary.md", b"+++\ntitle = \"x\"\n+++\n\0\0\0binary");
    t.write("large.md", story("太大", "2024-03-02T08:00:00+08:00", &"很长。".repeat(2000)));
    let run = t.build();
    run.assert_code(1);
    assert!(run.rejection("binary.md").contains("binary file"), "{}", run.stderr);
    assert!(run.rejection("large.md").contains("byte limit"), "{}", run.stderr);
    assert!(t.all_feeds_list(&["二进制", "太大"]), "{:?}", t.titles());
    assert!(t.content_of("二进制").is_some_and(|c| c.contains("原来的正文一")));
    assert!(t.content_of("太大").is_some_and(|c| c.contains("原来的正文二")));
}

/// Regression: the state file was read with a plain read: a FIFO there
/// hung `build` and `watch` forever, a link to `/dev/zero` allocated until
/// memory ran out, and a sparse 20 GB state or cache file was read whole.
/// Each is now passed over with a warning (the state) or silently (the
/// cache), and the build goes on.
#[test]
fn a_state_or_cache_file_that_is_a_fifo_a_device_or_huge_is_not_read() {
    let t = Site::new("");
    t.write("a.md", story("A", DATE, "x"));
    t.build().assert_code(0);
    let (state, cache) = (t.state(), cache_of(&t));
    type Plant = fn(&std::path::Path);
    let plants: [(&str, Plant); 3] = [
        ("a FIFO", |p| run_ok(Command::new("mkfifo").arg(p))),
        ("a link to /dev/zero", |p| std::os::unix::fs::symlink("/dev/zero", p).expect("symlink")),
        ("a sparse 20 GB file", |p| {
            std::fs::File::create(p).and_then(|f| f.set_len(20 << 30)).expect("sparse file");
        }),
    ];
    for (what, plant) in plants {
        for file in [&state, &cache] {
            let _ = std::fs::remove_file(file);
            plant(file);
            let run = t.run_for("build", &[], HANG);
            assert_eq!(run.code, Some(0), "{what} at {}: {}", file.display(), run.stderr);
            assert_eq!(t.titles(), ["A"]);
            let _ = std::fs::remove_file(file);
        }
    }
}

/// Regression: a state file kept elsewhere through a symlink was refused
/// ("too many levels of symbolic links") and replaced, losing when every
/// story last changed. A link to a regular file is followed.
#[test]
fn a_state_file_reached_through_a_symlink_is_read_and_kept() {
    let t = Site::new("");
    t.write("a.md", story("A", DATE, "x"));
    t.build().assert_code(0);
    let state = t.state();
    let real = state.with_file_name("elsewhere.json");
    std::fs::rename(&state, &real).expect("move");
    std::os::unix::fs::symlink(&real, &state).expect("symlink");
    let remembered = std::fs::read_to_string(&real).expect("read");
    let run = t.build();
    run.assert_code(0);
    assert!(!run.stderr.contains("state"), "nothing to say about the state: {}", run.stderr);
    let now = std::fs::read_to_string(&state).expect("read");
    assert_eq!(now, remembered, "the same stories, the same state");
}
