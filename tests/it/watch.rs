//! `feedsmith watch` end to end: the real binary on temp folders, through
//! every way files change, editors' save dances, git, bursts, broken
//! stories, scheduled stories, a changing environment, signals, atomicity
//! and logging. Every assertion polls the outputs up to a generous
//! deadline; fixed sleeps appear only where a test asserts that something
//! does NOT happen, or to make a writer pause. The timings the contract
//! promises (stopping within a second of a signal, a scheduled story going
//! live on time) are checked strictly only in the `slow` tier, which wants
//! an idle machine.

use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::support::*;

fn s(list: &[&str]) -> Vec<String> {
    list.iter().map(|x| x.to_string()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

const BASE: &str = "https://news.example.com/";

// ---------------------------------------------------------------- 1. every way files change

#[test]
fn create_edit_truncate_and_delete() {
    let site = Site::new("");
    site.write("keep.md", story("Keeper", DATE, "Stays all along."));
    let d = site.start(&[]);
    assert_eq!(site.titles(), s(&["Keeper"]));

    // create
    site.write("x.md", story("Created", "2024-03-08T10:00:00+08:00", "New story."));
    d.wait("created story published in all three feeds", || site.all_feeds_list(&["Created", "Keeper"]));

    // in-place edit (same inode, truncate + write)
    write_in_place(&site.a("x.md"), &story("Edited in place", "2024-03-08T10:00:00+08:00", "Edited."));
    d.wait("in-place edit published", || site.all_feeds_list(&["Edited in place", "Keeper"]));

    // truncate, pause past the debounce, then rewrite
    fs::OpenOptions::new().write(true).truncate(true).open(site.a("x.md")).expect("truncate");
    std::thread::sleep(Duration::from_millis(200));
    append(&site.a("x.md"), &story("Rewritten", "2024-03-08T10:00:00+08:00", "Rewritten body."));
    d.wait("truncate-and-rewrite published", || site.all_feeds_list(&["Keeper", "Rewritten"]));
    assert_eq!(site.content_of("Rewritten").as_deref().map(str::trim), Some("<p>Rewritten body.</p>"));

    // delete
    fs::remove_file(site.a("x.md")).expect("rm");
    d.wait("deleted story gone from all feeds", || site.all_feeds_list(&["Keeper"]));
}

#[test]
fn renames_and_moves() {
    let site = Site::new("");
    let outside = site.root().join("elsewhere");
    fs::create_dir_all(&outside).expect("mkdir outside");
    site.write("old-name.md", story("Renamed", DATE, "Body."));
    site.write("a/travel.md", story("Traveller", "2024-03-06T10:00:00+08:00", "Body."));
    let d = site.start(&[]);
    assert_eq!(sorted(site.ids()), vec![format!("{BASE}old-name/"), format!("{BASE}travel/")]);

    // rename within the folder: the id follows the slug
    fs::rename(site.a("old-name.md"), site.a("new-name.md")).expect("rename");
    d.wait("id follows the new slug", || {
        let ids = site.ids();
        ids.contains(&format!("{BASE}new-name/")) && !ids.contains(&format!("{BASE}old-name/"))
    });
    assert_eq!(sorted(site.titles()), s(&["Renamed", "Traveller"]));

    // rename across subfolders: same slug, so same id; still exactly one item
    fs::create_dir_all(site.a("b/c")).expect("mkdir");
    fs::rename(site.a("a/travel.md"), site.a("b/c/travel.md")).expect("rename across");
    d.wait("story moved across subfolders still published once", || {
        sorted(site.titles()) == s(&["Renamed", "Traveller"]) && !site.a("a/travel.md").exists()
    });
    // ...and it is really the moved file that is indexed: edit it at its new place
    fs::write(site.a("b/c/travel.md"), story("Traveller moved", "2024-03-06T10:00:00+08:00", "Body.")).expect("w");
    d.wait("edit at the new place published", || sorted(site.titles()) == s(&["Renamed", "Traveller moved"]));

    // move in from outside the articles folder
    fs::write(outside.join("incoming.md"), story("Moved in", "2024-03-09T10:00:00+08:00", "Body.")).expect("w");
    fs::rename(outside.join("incoming.md"), site.a("incoming.md")).expect("move in");
    d.wait("moved-in story published", || site.all_feeds_list(&["Moved in", "Renamed", "Traveller moved"]));

    // move out to outside
    fs::rename(site.a("new-name.md"), outside.join("new-name.md")).expect("move out");
    d.wait("moved-out story gone", || site.all_feeds_list(&["Moved in", "Traveller moved"]));

    // renamed to a private name, to a non-story extension, and back
    fs::rename(site.a("incoming.md"), site.a("_incoming.md")).expect("rename private");
    d.wait("story renamed to _name leaves", || site.all_feeds_list(&["Traveller moved"]));
    fs::rename(site.a("_incoming.md"), site.a("incoming.html")).expect("rename html");
    fs::rename(site.a("incoming.html"), site.a("incoming.txt")).expect("rename txt");
    // a .txt file is plain text: its whole content (front matter included) is the story,
    // so only check that something is published under the new slug
    d.wait("story renamed to .txt comes back", || site.ids().contains(&format!("{BASE}incoming/")));
    fs::rename(site.a("incoming.txt"), site.a("incoming.md")).expect("rename md");
    d.wait("story renamed back to .md", || site.all_feeds_list(&["Moved in", "Traveller moved"]));

    // a draft leaves, and comes back when undrafted
    let travel = site.a("b/c/travel.md");
    let text = fs::read_to_string(&travel).expect("read");
    fs::write(&travel, text.replacen("+++\n", "+++\ndraft = true\n", 1)).expect("draft");
    d.wait("drafted story leaves", || site.all_feeds_list(&["Moved in"]));
    fs::write(&travel, text).expect("undraft");
    d.wait("undrafted story returns", || site.all_feeds_list(&["Moved in", "Traveller moved"]));
}

#[test]
fn folder_named_like_a_story_moves_in_and_out() {
    let site = Site::new("");
    site.write("root.md", story("Root", DATE, "Body."));
    let outside = site.root().join("2024.md");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("inner.md"), story("Inner", DATE, "Body.")).expect("w");
    let d = site.start(&[]);
    fs::rename(&outside, site.a("2024.md")).expect("move in");
    d.wait("stories of a moved-in folder named 2024.md published", || site.all_feeds_list(&["Inner", "Root"]));
    fs::rename(site.a("2024.md"), &outside).expect("move out");
    d.wait("stories of a moved-out folder named 2024.md gone", || site.all_feeds_list(&["Root"]));
}

#[test]
fn subfolders_appear_move_and_vanish() {
    let site = Site::new("");
    site.write("root.md", story("Root", DATE, "Body."));
    let outside = site.root().join("elsewhere");
    let d = site.start(&[]);

    // a new subfolder full of stories, written as fast as possible
    let mut want = vec!["Root".to_string()];
    fs::create_dir(site.a("batch")).expect("mkdir");
    for i in 0..20 {
        fs::write(site.a(&format!("batch/s{i:02}.md")), story(&format!("Batch {i:02}"), DATE, "Body.")).expect("w");
        want.push(format!("Batch {i:02}"));
    }
    let want_refs: Vec<&str> = want.iter().map(String::as_str).collect();
    d.wait("all 20 stories of the new subfolder published", || site.all_feeds_list(&want_refs));

    // a nested folder created in one go (mkdir -p, then files deep inside)
    fs::create_dir_all(site.a("deep/er/est")).expect("mkdir -p");
    fs::write(site.a("deep/er/est/d.md"), story("Deep", DATE, "Body.")).expect("w");
    d.wait("story in a freshly made nested folder published", || site.titles().contains(&"Deep".into()));

    // a folder renamed: its stories follow
    fs::rename(site.a("deep"), site.a("shallow")).expect("rename folder");
    fs::write(site.a("shallow/er/est/d.md"), story("Deep renamed", DATE, "Body.")).expect("w");
    want.push("Deep renamed".into());
    let want_refs: Vec<&str> = want.iter().map(String::as_str).collect();
    d.wait("renamed folder's story published once, with the edit", || site.all_feeds_list(&want_refs));

    // a folder moved out of the articles folder
    fs::rename(site.a("shallow"), &outside).expect("move folder out");
    d.wait("moved-out folder's story gone", || !site.titles().contains(&"Deep renamed".into()));

    // a folder moved in from outside
    fs::rename(&outside, site.a("back")).expect("move folder in");
    d.wait("moved-in folder's story published", || site.titles().contains(&"Deep renamed".into()));

    // a subfolder deleted
    run_ok(Command::new("rm").arg("-rf").arg(site.a("batch")));
    d.wait("deleted subfolder's stories gone", || site.all_feeds_list(&["Deep renamed", "Root"]));
}

#[test]
fn unrelated_feeds_are_not_rewritten() {
    let site = Site::new("");
    site.write("a.md", tagged("Alpha", DATE, &["alpha"], "Body."));
    site.write("b.md", tagged("Beta", "2024-03-06T10:00:00+08:00", &["beta"], "Body."));
    let d = site.start(&[]);
    let mtime = |rel: &str| fs::metadata(site.out().join(rel)).and_then(|m| m.modified()).expect("mtime");
    let beta = ["tags/beta/rss.xml", "tags/beta/atom.xml", "tags/beta/feed.json"].map(|f| (f, mtime(f)));
    std::thread::sleep(Duration::from_millis(20)); // let the clock move past the first writes

    fs::write(site.a("a.md"), tagged("Alpha edited", DATE, &["alpha"], "Body.")).expect("w");
    d.wait("edit published", || site.titles_in("tags/alpha/rss.xml") == s(&["Alpha edited"]));
    for (f, before) in beta {
        assert_eq!(mtime(f), before, "{f} was rewritten though its bytes did not change");
    }
}

// ---------------------------------------------------------------- 2. editors

#[test]
fn editor_save_dances() {
    let site = Site::new("");
    for name in ["vim", "emacs", "jb", "code"] {
        site.write(&format!("{name}.md"), story(&format!("{name} v1"), DATE, "Body."));
    }
    let d = site.start(&[]);
    assert_eq!(sorted(site.titles()), s(&["code v1", "emacs v1", "jb v1", "vim v1"]));

    // vim (backupcopy=no, writebackup): swap, 4913 probe, original -> x~, new x, delete x~
    fs::write(site.a(".vim.md.swp"), b"b0VIM 9.0 swap").expect("swap");
    fs::write(site.a("4913"), b"").expect("probe");
    fs::remove_file(site.a("4913")).expect("rm probe");
    fs::rename(site.a("vim.md"), site.a("vim.md~")).expect("backup");
    fs::write(site.a("vim.md"), story("vim v2", DATE, "Saved by vim.")).expect("new");
    fs::remove_file(site.a("vim.md~")).expect("rm backup");
    fs::remove_file(site.a(".vim.md.swp")).expect("rm swap");

    // emacs: lock symlink, autosave file, backup by rename, new file, lock and autosave removed
    symlink("reporter@desk.4242:1700000000", site.a(".#emacs.md")).expect("lock");
    fs::write(site.a("#emacs.md#"), story("emacs autosave", DATE, "Autosaved.")).expect("autosave");
    fs::rename(site.a("emacs.md"), site.a("emacs.md~")).expect("emacs backup");
    fs::write(site.a("emacs.md"), story("emacs v2", DATE, "Saved by emacs.")).expect("new");
    fs::remove_file(site.a("#emacs.md#")).expect("rm autosave");
    fs::remove_file(site.a(".#emacs.md")).expect("rm lock");

    // JetBrains "safe write": tmp written, original -> ___jb_old___, tmp -> original, old deleted
    fs::write(site.a("jb.md___jb_tmp___"), story("jb v2", DATE, "Saved by IntelliJ.")).expect("tmp");
    fs::rename(site.a("jb.md"), site.a("jb.md___jb_old___")).expect("old");
    fs::rename(site.a("jb.md___jb_tmp___"), site.a("jb.md")).expect("tmp over");
    fs::remove_file(site.a("jb.md___jb_old___")).expect("rm old");

    // VS Code: in place
    write_in_place(&site.a("code.md"), &story("code v2", DATE, "Saved by VS Code."));

    d.wait("every editor's save published", || site.all_feeds_list(&["code v2", "emacs v2", "jb v2", "vim v2"]));
    assert_eq!(site.content_of("vim v2").as_deref().map(str::trim), Some("<p>Saved by vim.</p>"));
    assert!(!site.titles().contains(&"emacs autosave".to_string()));
    // the emacs backup left on disk is not a story
    assert!(site.a("emacs.md~").exists());
}

#[test]
fn ignored_files_alone_cause_no_rebuild() {
    let site = Site::new("");
    site.write("x.md", story("Live", DATE, "Body."));
    let d = site.start(&[]);
    // prove the daemon reacts at all
    fs::write(site.a("x.md"), story("Live and well", DATE, "Body.")).expect("w");
    d.wait("a real edit is published", || site.titles() == s(&["Live and well"]));
    d.wait_rebuilds(1);
    let before = d.rebuilds();
    let rss_mtime = fs::metadata(site.out().join("rss.xml")).and_then(|m| m.modified()).expect("mtime");

    // a burst of editor and temp noise only, created, modified and deleted
    let noise = [
        ".x.md.swp",
        ".x.md.swx",
        "x.md~",
        "4913",
        "#x.md#",
        "x.md___jb_tmp___",
        "x.md___jb_old___",
        "x.md.tmp",
        "y.md.crdownload",
        "_draft.md",
        ".hidden.md",
        "notes.html",
    ];
    for round in 0..3 {
        for name in noise {
            fs::write(site.a(name), story(&format!("noise {round}"), DATE, "Noise.")).expect("w noise");
        }
        symlink("reporter@desk.1:1", site.a(".#x.md")).expect("lock");
        fs::remove_file(site.a(".#x.md")).expect("rm lock");
    }
    fs::create_dir_all(site.a(".git/objects/ab")).expect("mkdir .git");
    fs::write(site.a(".git/objects/ab/x.md"), "+++\ntitle = \"git\"\n+++\n").expect("w .git");
    fs::create_dir_all(site.a("_drafts")).expect("mkdir _drafts");
    fs::write(site.a("_drafts/draft.md"), story("private", DATE, "Body.")).expect("w _drafts");
    for name in noise {
        fs::remove_file(site.a(name)).expect("rm noise");
    }

    // absence: wait well past the debounce (50 ms) and the housekeeping tick
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(d.rebuilds(), before, "ignored files alone caused a rebuild:\n{}", d.log());
    assert_eq!(site.titles(), s(&["Live and well"]));
    let after = fs::metadata(site.out().join("rss.xml")).and_then(|m| m.modified()).expect("mtime");
    assert_eq!(after, rss_mtime, "rss.xml was rewritten");
}

#[test]
fn touching_a_story_changes_nothing() {
    let site = Site::new("");
    site.write("x.md", story("Touched", DATE, "Body."));
    let d = site.start(&[]);
    fs::write(site.a("x.md"), story("Touched twice", DATE, "Body.")).expect("w");
    d.wait("a real edit is published", || site.all_feeds_list(&["Touched twice"]));
    d.wait_rebuilds(1);
    let before = d.rebuilds();
    let mtimes = |site: &Site| -> Vec<_> {
        walk(&site.out()).into_iter().map(|p| fs::metadata(&p).and_then(|m| m.modified()).expect("mtime")).collect()
    };
    let files = mtimes(&site);
    std::thread::sleep(Duration::from_millis(20));
    for _ in 0..3 {
        run_ok(Command::new("touch").arg(site.a("x.md")));
        // same bytes written again (an editor saving an unchanged buffer)
        write_in_place(&site.a("x.md"), &story("Touched twice", DATE, "Body."));
    }
    std::thread::sleep(Duration::from_millis(1000)); // asserting absence
    assert_eq!(d.rebuilds(), before, "touching caused a rebuild:\n{}", d.log());
    assert_eq!(mtimes(&site), files, "a feed file was rewritten");
}

#[test]
fn an_edit_sets_updated_and_a_restart_keeps_it() {
    let site = Site::new("");
    site.write("x.md", story("Original", DATE, "Body."));
    let d = site.start(&[]);
    let updated = |site: &Site| site.feed("atom.xml").and_then(|f| f.entries.first().and_then(|e| e.updated));
    let published = chrono::DateTime::parse_from_rfc3339(DATE).expect("date");
    assert_eq!(updated(&site), Some(published.into()), "a story first seen is not a change");
    let before_edit = chrono::Utc::now() - chrono::Duration::seconds(1);
    fs::write(site.a("x.md"), story("Edited", DATE, "Body.")).expect("w");
    d.wait("edit published", || site.all_feeds_list(&["Edited"]));
    let after_edit = chrono::Utc::now() + chrono::Duration::seconds(1);
    let first = updated(&site).expect("updated");
    assert!(before_edit <= first && first <= after_edit, "updated {first} is not the time of the edit");
    drop(d);

    let d = site.start(&[]);
    assert_eq!(updated(&site), Some(first), "updated forgotten across a restart");
    // an unchanged story at restart keeps it too, and a new edit moves it on
    fs::write(site.a("x.md"), story("Edited again", DATE, "Body.")).expect("w");
    d.wait("second edit published", || site.all_feeds_list(&["Edited again"]));
    assert!(updated(&site).expect("updated") >= first);
}

#[test]
fn output_folder_inside_the_articles_folder_does_not_feed_back() {
    let site = Site::new("").with_output("articles/feeds");
    site.write("x.md", story("Story", DATE, "Body."));
    let out = site.a("feeds");
    let d = site.start(&[]);
    fs::write(site.a("x.md"), story("Story edited", DATE, "Body.")).expect("w");
    d.wait("edit published into articles/feeds", || {
        fs::read_to_string(out.join("rss.xml")).is_ok_and(|t| t.contains("Story edited"))
    });
    d.wait_rebuilds(1);
    let before = d.rebuilds();
    std::thread::sleep(Duration::from_millis(1000)); // asserting absence
    assert_eq!(d.rebuilds(), before, "writing the feeds triggered rebuilds:\n{}", d.log());
}

// ---------------------------------------------------------------- 3. git

#[test]
fn git_checkout_of_another_branch() {
    let site = Site::new("");
    let git = |args: &[&str]| {
        run_ok(
            Command::new("git")
                .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"])
                .args(args)
                .current_dir(site.articles()),
        );
    };
    git(&["init", "-q"]);
    site.write("shared.md", story("Shared on main", DATE, "Body."));
    site.write("only-main.md", story("Only on main", DATE, "Body."));
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "main"]);
    git(&["checkout", "-q", "-b", "other"]);
    fs::remove_file(site.a("only-main.md")).expect("rm");
    site.write("shared.md", story("Shared on other", DATE, "Body."));
    site.write("desk/only-other.md", story("Only on other", DATE, "Body."));
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "other"]);
    git(&["checkout", "-q", "main"]);

    let d = site.start(&[]);
    assert_eq!(sorted(site.titles()), s(&["Only on main", "Shared on main"]));
    git(&["checkout", "-q", "other"]);
    d.wait("feeds show the other branch", || site.all_feeds_list(&["Only on other", "Shared on other"]));
    git(&["checkout", "-q", "main"]);
    d.wait("feeds show main again", || site.all_feeds_list(&["Only on main", "Shared on main"]));
}

// ---------------------------------------------------------------- 4. burst

#[test]
fn burst_of_1000_files_coalesces() {
    let site = Site::new("limit = 50");
    site.write("seed.md", story("Seed", "2023-01-01T00:00:00+08:00", "Body."));
    let staging = site.root().join("staging");
    fs::create_dir_all(&staging).expect("mkdir");
    let base = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+08:00").expect("date");
    for i in 0..1000 {
        let date = (base + chrono::Duration::minutes(i)).to_rfc3339();
        fs::write(staging.join(format!("s{i:04}.md")), story(&format!("Story {i:04}"), &date, "Body.")).expect("w");
    }
    let d = site.start(&[]);
    let before = d.rebuilds();
    assert_eq!(before, 0);
    let started = Instant::now();
    for i in 0..1000 {
        let name = format!("s{i:04}.md");
        fs::copy(staging.join(&name), site.a(&name)).expect("copy");
    }
    let want: Vec<String> = (950..1000).rev().map(|i| format!("Story {i:04}")).collect();
    d.wait("the newest 50 of the burst published", || site.titles() == want);
    let took = started.elapsed();
    // let any trailing rebuild land before counting
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(site.titles(), want);
    assert_eq!(site.titles_in("feed.json"), want);
    let rebuilds = d.rebuilds();
    eprintln!("burst of 1000: {rebuilds} rebuilds, published after {took:?}");
    assert!(rebuilds < 50, "{rebuilds} rebuilds for one burst:\n{}", d.log());
}

// ---------------------------------------------------------------- 5. half-written and broken

#[test]
fn half_written_file_ends_complete() {
    let site = Site::new("");
    let d = site.start(&[]);
    let full = story("Slow writer", DATE, "First half of the body, and then the second half of it.");
    let (first, second) = full.split_at(full.find("and then").expect("split"));
    let mut file = fs::File::create(site.a("slow.md")).expect("create");
    use std::io::Write;
    file.write_all(first.as_bytes()).expect("w1");
    file.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300)); // longer than the 50 ms debounce
    file.write_all(second.as_bytes()).expect("w2");
    drop(file);
    d.wait("full content published", || {
        site.content_of("Slow writer")
            .is_some_and(|c| c.contains("First half of the body, and then the second half of it."))
    });

    // a writer that stops inside the front matter, then finishes
    let full = story("Paused in front matter", DATE, "Complete.");
    let (first, second) = full.split_at(8);
    let mut file = fs::File::create(site.a("paused.md")).expect("create");
    file.write_all(first.as_bytes()).expect("w1");
    std::thread::sleep(Duration::from_millis(300));
    file.write_all(second.as_bytes()).expect("w2");
    drop(file);
    d.wait("story paused in its front matter published whole", || {
        site.content_of("Paused in front matter").is_some_and(|c| c.contains("Complete."))
    });
}

/// A restart renders no body (nothing changed), yet the daemon holds the
/// main feed's bodies: a story that breaks after a restart keeps its full
/// content in the feeds, not just its summary.
#[test]
fn a_story_broken_after_a_restart_keeps_its_full_content() {
    let site = Site::new("");
    site.write("other.md", story("Other", "2024-03-01T10:00:00+08:00", "Body."));
    site.write("story.md", story("Good title", DATE, "Good body.\n\nOnly in the full content."));
    let mut first = site.start(&[]);
    let (status, _) = first.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", first.log());
    let d = site.start(&[]);
    assert!(d.log().contains(" 0 bodies rendered"), "the restart rendered bodies:\n{}", d.log());
    fs::write(site.a("story.md"), "+++\ntitle = \"Broken\ndate = 2024-03-07\n+++\n\nBroken.\n").expect("w");
    fs::write(site.a("other.md"), story("Other edited", "2024-03-01T10:00:00+08:00", "Body.")).expect("w");
    d.wait("other edit published, broken story kept", || site.all_feeds_list(&["Good title", "Other edited"]));
    let content = site.content_of("Good title").unwrap_or_default();
    assert!(content.contains("Only in the full content."), "full content lost: {content:?}");
}

/// Regression: a story that broke and was then restored byte for byte
/// kept "summary as content" in its archive — the stand-in published while
/// it was broken had been cached under the good version's hash, and the
/// restore changed nothing the feeds were planned from.
#[test]
fn a_story_restored_byte_for_byte_gets_its_full_content_back_in_every_feed() {
    let site = Site::new("archive_full_content = true\nlimit = 1");
    site.write("new.md", story("Newest", "2024-04-01T10:00:00+08:00", "In April."));
    let good = story("Good", "2024-03-01T10:00:00+08:00", "Summary line.\n\nOnly in the full content.");
    site.write("s.md", &good);
    site.write("t.md", story("T", "2024-03-02T10:00:00+08:00", "Body."));
    let mut first = site.start(&[]);
    let (status, _) = first.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", first.log());
    // After a restart no archive body is cached: the broken story's body
    // must be rendered while it is broken.
    let d = site.start(&[]);
    fs::write(site.a("s.md"), "+++\ntitle = \"Broken\ndate = 2024-03-01\n+++\n\nBroken.\n").expect("w");
    fs::write(site.a("t.md"), story("T edited", "2024-03-02T10:00:00+08:00", "Body.")).expect("w");
    let archive_content =
        || site.items_in("archive/2024-03/").rss.iter().find(|i| i.title == "Good").map(|i| i.content.clone());
    d.wait("the archive rendered again while the story is broken", || {
        sorted(site.titles_in("archive/2024-03/rss.xml")) == s(&["Good", "T edited"])
    });
    fs::write(site.a("s.md"), &good).expect("restore");
    d.wait("the restored story's full content back in its archive", || {
        archive_content().is_some_and(|c| c.contains("Only in the full content."))
    });
}

/// A publish that fails half way (here a tag's `atom.xml` cannot be
/// replaced) leaves the feeds it did not write to be written by the next
/// publish, even one caused by a story outside them: no feed stays behind
/// until its own stories change.
#[test]
fn feeds_a_failed_write_left_behind_are_written_at_the_next_change() {
    let site = Site::new("");
    site.write("a.md", tagged("A", DATE, &["t"], "Body."));
    site.write("b.md", tagged("B", "2024-03-01T10:00:00+08:00", &["u"], "Body."));
    let d = site.start(&[]);
    assert_eq!(site.titles_in("tags/t/atom.xml"), s(&["A"]));
    // The tag's atom.xml becomes a folder: renaming the new file over it fails.
    let atom = site.out().join("tags/t/atom.xml");
    let old_atom = fs::read(&atom).expect("atom.xml");
    fs::remove_file(&atom).expect("rm");
    fs::create_dir_all(atom.join("blocker")).expect("mkdir");
    fs::write(site.a("a.md"), tagged("A edited", DATE, &["t"], "Body.")).expect("w");
    d.wait("the failed write reported", || d.log().contains("publishing failed"));
    rm_rf(&atom);
    fs::write(&atom, old_atom).expect("the old atom.xml back");
    // A change to the other story only: its tag, not `t`.
    fs::write(site.a("b.md"), tagged("B edited", "2024-03-01T10:00:00+08:00", &["u"], "Body.")).expect("w");
    d.wait("the other tag's feed", || site.titles_in("tags/u/atom.xml") == s(&["B edited"]));
    d.wait("the tag feed left behind is written", || site.titles_in("tags/t/atom.xml") == s(&["A edited"]));
}

#[test]
fn broken_story_keeps_its_last_good_version() {
    let site = Site::new("");
    site.write("other.md", story("Other", "2024-03-01T10:00:00+08:00", "Body."));
    site.write("story.md", story("Good title", DATE, "Good body."));
    let d = site.start(&[]);
    assert_eq!(site.titles(), s(&["Good title", "Other"]));

    // becomes malformed (invalid TOML)
    fs::write(site.a("story.md"), "+++\ntitle = \"Broken\ndate = 2024-03-07\ntags = [\n+++\n\nBroken.\n").expect("w");
    d.wait("an error naming the broken file", || {
        d.log().lines().any(|l| l.contains("ERROR") && l.contains("story.md"))
    });
    // a rebuild for another reason still keeps the last good version
    fs::write(site.a("other.md"), story("Other edited", "2024-03-01T10:00:00+08:00", "Body.")).expect("w");
    d.wait("other edit published, broken story's last good version kept", || {
        site.all_feeds_list(&["Good title", "Other edited"])
    });
    assert!(site.content_of("Good title").is_some_and(|c| c.contains("Good body.")));

    // fixed again
    fs::write(site.a("story.md"), story("Fixed title", DATE, "Fixed body.")).expect("w");
    d.wait("fixed story published", || site.all_feeds_list(&["Fixed title", "Other edited"]));

    // broken again, then deleted: it leaves the feeds
    fs::write(site.a("story.md"), "+++\ntitle = \n+++\n").expect("w");
    let errors = d.log().lines().filter(|l| l.contains("ERROR") && l.contains("story.md")).count();
    d.wait("second error logged", || {
        d.log().lines().filter(|l| l.contains("ERROR") && l.contains("story.md")).count() > errors
    });
    fs::remove_file(site.a("story.md")).expect("rm");
    d.wait("deleted broken story leaves the feeds", || site.all_feeds_list(&["Other edited"]));
}

#[test]
fn broken_story_keeps_its_last_good_version_across_a_reload() {
    let site = Site::new("title = \"Before\"");
    site.write("story.md", story("Good title", DATE, "Good body."));
    site.write("other.md", story("Other", "2024-03-01T10:00:00+08:00", "Body."));
    let d = site.start(&[]);
    fs::write(site.a("story.md"), "+++\ntitle = \"Broken\n+++\n").expect("w");
    d.wait("error logged", || d.log().lines().any(|l| l.contains("ERROR") && l.contains("story.md")));
    site.write_config("title = \"After\"");
    d.signal("HUP");
    d.wait("reloaded", || site.feed_title("feed.json").as_deref() == Some("After"));
    assert!(
        site.all_feeds_list(&["Good title", "Other"]),
        "last good version dropped by the reload: {:?}",
        site.titles()
    );
}

#[test]
fn broken_story_keeps_its_full_content_after_leaving_the_feed_and_coming_back() {
    let site = Site::new("limit = 1\ntaxonomy_feeds = []");
    site.write("old.md", story("Old", DATE, "First paragraph.\n\nSecond paragraph."));
    let d = site.start(&[]);
    fs::write(site.a("old.md"), "+++\ntitle = \"Broken\n+++\n").expect("w");
    d.wait("error logged", || d.log().lines().any(|l| l.contains("ERROR") && l.contains("old.md")));
    // a newer story pushes it out of the feed (limit = 1) ...
    site.write("new.md", story("New", "2024-03-08T10:00:00+08:00", "Body."));
    d.wait("newer story alone in the feed", || site.all_feeds_list(&["New"]));
    // (a full re-render, here for a deleted output folder, trims the cache of
    // bodies to the stories in feeds)
    rm_rf(&site.out());
    d.wait("output rewritten", || site.all_feeds_list(&["New"]));
    // ... and is deleted again: the broken story is back, with its last good content
    fs::remove_file(site.a("new.md")).expect("rm");
    d.wait("old story back", || site.all_feeds_list(&["Old"]));
    let content = site.content_of("Old").unwrap_or_default();
    assert!(content.contains("Second paragraph."), "content is {content:?}");
}

#[test]
fn story_never_good_is_reported_and_left_out() {
    let site = Site::new("");
    site.write("fine.md", story("Fine", DATE, "Body."));
    site.write("born-bad.md", "+++\ntitle = \"Born bad\"\ndate = 2024-13-45\n+++\n\nBody.\n");
    let d = site.start(&[]);
    assert!(d.log().lines().any(|l| l.contains("born-bad.md")), "startup error does not name the file:\n{}", d.log());
    assert_eq!(site.titles(), s(&["Fine"]));

    fs::write(site.a("never.md"), "+++\ntitle = \"Never good\"\ntags = [\"unclosed\"\n+++\n\nBody.\n").expect("w");
    d.wait("error naming the never-good file", || {
        d.log().lines().any(|l| l.contains("ERROR") && l.contains("never.md"))
    });
    // a rebuild for another reason still leaves it out
    fs::write(site.a("fine.md"), story("Fine again", DATE, "Body.")).expect("w");
    d.wait("other edit published without the never-good story", || site.all_feeds_list(&["Fine again"]));
}

// ---------------------------------------------------------------- 6. scheduled

/// A date `secs` whole seconds from now (rounded up), as RFC 3339 in +08:00.
fn future(secs: u64) -> (String, SystemTime) {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock").as_secs();
    let at = now + 1 + secs;
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
    let date = chrono::DateTime::from_timestamp(at as i64, 0)
        .expect("ts")
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .to_rfc3339();
    (date, when)
}

/// Scheduled stories (dated in the future, one there at start, one written
/// while running) go live when their date comes, never before, with no
/// file event; `on_time` also holds them to going live within a second of
/// it (the slow tier: on a loaded machine the daemon may be scheduled late).
fn scheduled_stories_go_live(on_time: bool) {
    let site = Site::new("");
    site.write("now.md", story("Already out", DATE, "Body."));
    let (date1, due1) = future(2);
    site.write("later.md", tagged("Scheduled at start", &date1, &["soon"], "Body."));
    let d = site.start(&[]);
    // What was published is read before the clock: a story seen while its
    // date is still ahead went out early. (A slow start may reach the date
    // first; then there is nothing to check here.)
    let (titles, tag_feed) = (site.titles(), site.out().join("tags/soon/rss.xml").exists());
    // Stories seen waiting for their date, which must be announced going live.
    let mut waited = Vec::new();
    if SystemTime::now() < due1 {
        waited.push("later.md");
        assert_eq!(titles, s(&["Already out"]), "a future story was published early");
        assert!(!tag_feed, "a future story's tag feed was published early");
    }

    // one more scheduled while running, due a second after the first
    let (date2, due2) = future(3);
    site.write("later2.md", story("Scheduled while running", &date2, "Body."));
    d.wait_rebuilds(1); // its file event handled (nothing published yet)
    let titles = site.titles();
    if SystemTime::now() < due2 {
        waited.push("later2.md");
        assert!(!titles.contains(&"Scheduled while running".to_string()), "published before its date");
    }

    for (title, due) in [("Scheduled at start", due1), ("Scheduled while running", due2)] {
        let mut early = false;
        d.wait(&format!("{title} goes live"), || {
            let live = site.titles().contains(&title.to_string());
            if live && SystemTime::now() < due {
                early = true;
            }
            live
        });
        let late = SystemTime::now().duration_since(due).unwrap_or_default();
        assert!(!early, "{title} went live before its date");
        if on_time {
            assert!(late <= Duration::from_millis(1000), "{title} went live {late:?} after its date");
        }
    }
    d.wait("every feed has both scheduled stories", || {
        site.all_feeds_list(&["Already out", "Scheduled at start", "Scheduled while running"])
            && site.titles_in("tags/soon/feed.json") == s(&["Scheduled at start"])
    });
    // The operator sees each go live, named, at its time.
    for file in waited {
        d.wait_log(&format!("{file}: published now, at its scheduled time"));
    }
    assert!(!d.log().contains(" now.md: published now"), "a story out already is not announced:\n{}", d.log());
    let rebuilt: Vec<String> = d.log().lines().filter(|l| l.contains("rebuilt:")).map(str::to_owned).collect();
    assert!(rebuilt.iter().any(|l| l.contains("later2.md")), "a rebuild names the stories it was for:\n{rebuilt:?}");
}

#[test]
fn scheduled_stories_go_live_without_file_events() {
    scheduled_stories_go_live(false);
}

// ---------------------------------------------------------------- 7. environment

#[test]
fn articles_folder_removed_then_recreated() {
    let site = Site::new("");
    site.write("old.md", story("Old", DATE, "Body."));
    let d = site.start(&[]);
    run_ok(Command::new("rm").arg("-rf").arg(site.articles()));
    d.wait_log("articles folder is gone");
    site.write("new.md", story("New", DATE, "Body."));
    d.wait("feeds follow the recreated folder", || site.all_feeds_list(&["New"]));
    // and it is watched again
    site.write("newer.md", story("Newer", DATE, "Body."));
    d.wait("edit in the recreated folder published", || site.all_feeds_list(&["New", "Newer"]));
}

#[test]
fn articles_folder_replaced_in_one_go() {
    // rm -rf + mkdir at once, as `rsync --delete-after` or a deploy script might:
    // the new folder can get the old folder's inode number on ext4.
    let site = Site::new("");
    site.write("old.md", story("Old", DATE, "Body."));
    let d = site.start(&[]);
    for round in 0..3 {
        run_ok(Command::new("sh").arg("-c").arg(format!(
            "rm -rf articles && mkdir articles && printf '+++\\ntitle = \"Round {round}\"\\ndate = {DATE}\\n+++\\n\\nBody.\\n' > articles/r.md"
        )).current_dir(site.root()));
        let want = format!("Round {round}");
        d.wait(&format!("feeds follow replacement {round}"), || site.all_feeds_list(&[want.as_str()]));
        // still watched: an edit inside the new folder is seen
        site.write("edit.md", story(&format!("Edit {round}"), DATE, "Body."));
        let edit = format!("Edit {round}");
        d.wait(&format!("edit in replaced folder {round} published"), || {
            site.all_feeds_list(&[edit.as_str(), want.as_str()])
        });
    }
}

#[test]
fn output_folder_deleted_is_recreated() {
    let site = Site::new("");
    site.write("x.md", tagged("Story", DATE, &["t"], "Body."));
    let d = site.start(&[]);
    rm_rf(&site.out());
    d.wait("output folder recreated", || {
        site.all_feeds_list(&["Story"]) && site.titles_in("tags/t/atom.xml") == s(&["Story"])
    });
    // and the daemon still works
    fs::write(site.a("x.md"), tagged("Story 2", DATE, &["t"], "Body.")).expect("w");
    d.wait("edit after recreation published", || site.all_feeds_list(&["Story 2"]));
}

/// Sleeps until the wall clock has entered a new second (plus a margin):
/// notify's poller compares modification times in whole seconds.
fn next_second() {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock");
    std::thread::sleep(Duration::from_millis(1050) - Duration::from_nanos(u64::from(now.subsec_nanos())));
}

#[test]
fn poll_mode_create_edit_delete() {
    let site = Site::new("");
    site.write("keep.md", story("Keep", DATE, "Body."));
    let d = site.start(&["--poll", "100"]);
    site.write("p.md", story("Polled", DATE, "Body."));
    d.wait("created (polling)", || site.all_feeds_list(&["Keep", "Polled"]));
    next_second(); // see poll_mode_sees_two_saves_within_one_second
    write_in_place(&site.a("p.md"), &story("Polled edit", DATE, "Body."));
    d.wait("edited (polling)", || site.all_feeds_list(&["Keep", "Polled edit"]));
    fs::create_dir(site.a("sub")).expect("mkdir");
    site.write("sub/q.md", story("Polled sub", DATE, "Body."));
    d.wait("new subfolder (polling)", || site.all_feeds_list(&["Keep", "Polled edit", "Polled sub"]));
    fs::remove_file(site.a("p.md")).expect("rm");
    d.wait("deleted (polling)", || site.all_feeds_list(&["Keep", "Polled sub"]));
    run_ok(Command::new("rm").arg("-rf").arg(site.a("sub")));
    d.wait("subfolder deleted (polling)", || site.all_feeds_list(&["Keep"]));
}

#[test]
fn poll_mode_sees_two_saves_within_one_second() {
    let site = Site::new("");
    site.write("p.md", story("First", DATE, "Body."));
    let d = site.start(&["--poll", "100"]);
    next_second();
    site.write("p.md", story("Second", DATE, "Body."));
    d.wait("first save seen", || site.all_feeds_list(&["Second"]));
    // well within the same second as the save above (the poll interval is 100 ms)
    site.write("p.md", story("Third", DATE, "Body."));
    d.wait("second save within the same second seen", || site.all_feeds_list(&["Third"]));
}

#[test]
fn changes_during_the_initial_build_are_not_lost() {
    // A big enough site that the first build takes a while, and a reporter
    // who keeps saving one story while the daemon starts.
    let site = Site::new("limit = 600");
    let body = "Newsroom copy, paragraph after paragraph. ".repeat(50);
    for i in 0..600 {
        site.write(&format!("bulk/s{i:04}.md"), story(&format!("Bulk {i:04}"), DATE, &body));
    }
    let d = site.spawn(&[]);
    let mut version = 0;
    while !d.log().contains("watching ") {
        version += 1;
        fs::write(site.a("live.md"), story(&format!("Live v{version}"), DATE, "Body.")).expect("w");
        std::thread::sleep(Duration::from_millis(5));
        assert!(version < 10_000, "the daemon never started:\n{}", d.log());
    }
    // No change after this point: the last save happened while the daemon was starting.
    let want = format!("Live v{version}");
    d.wait(&format!("the last save made during startup ({want}) published"), || site.titles().contains(&want));
}

// ---------------------------------------------------------------- 8. signals

/// Stops a daemon with `signal`: exit status 0, no temp file left, the
/// feeds whole. Returns how long the exit took.
fn exits_cleanly_on(signal: &str) -> Duration {
    let site = Site::new("");
    site.write("x.md", tagged("Story", DATE, &["t"], "Body."));
    let mut d = site.start(&[]);
    let (status, took) = d.stop(signal);
    assert_eq!(status.code(), Some(0), "exit status after SIG{signal}:\n{}", d.log());
    assert_eq!(site.temp_files(), Vec::<std::path::PathBuf>::new());
    assert!(site.all_feeds_list(&["Story"]));
    took
}

#[test]
fn sigterm_exits_0() {
    exits_cleanly_on("TERM");
}

#[test]
fn sigint_exits_0() {
    exits_cleanly_on("INT");
}

/// SIGTERM while a burst of new stories is being rebuilt: exit status 0,
/// no temp file, every feed parses. Returns how long the exit took.
fn sigterm_during_a_burst() -> Duration {
    let site = Site::new("");
    site.write("x.md", story("Story", DATE, "Body."));
    let mut d = site.start(&[]);
    // Kept small: the daemon finishes the rebuild in hand before it stops, and
    // a rebuild of hundreds of new stories takes most of a second in a debug
    // build on a loaded machine (see sigterm_during_the_initial_build).
    let body = "Lorem ipsum dolor sit amet. ".repeat(10);
    for i in 0..150 {
        site.write(&format!("b{i:03}.md"), tagged(&format!("Burst {i}"), DATE, &[&format!("t{}", i % 10)], &body));
        if i == 75 {
            d.wait_rebuilds(1); // make sure the daemon is busy with the burst
        }
    }
    let (status, took) = d.stop("TERM");
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM mid-burst:\n{}", d.log());
    assert_eq!(site.temp_files(), Vec::<std::path::PathBuf>::new());
    assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new());
    took
}

#[test]
fn sigterm_during_a_burst_exits_0_without_temp_files() {
    sigterm_during_a_burst();
}

/// SIGTERM during the initial build of 1,500 stories abandons it: exit
/// status 0, no temp file. Returns how long the exit took.
fn sigterm_during_the_initial_build() -> Duration {
    let site = Site::new("limit = 2000");
    let body = "Newsroom copy, paragraph after paragraph. ".repeat(50);
    for i in 0..1500 {
        site.write(&format!("bulk/s{i:04}.md"), story(&format!("Bulk {i:04}"), DATE, &body));
    }
    let mut d = site.spawn(&[]);
    d.wait_signal_handlers();
    assert!(!d.log().contains("watching "), "the initial build was too quick to test this");
    let (status, took) = d.stop("TERM");
    eprintln!("exited after {took:?}");
    assert_eq!(status.code(), Some(0), "{}", d.log());
    assert_eq!(site.temp_files(), Vec::<std::path::PathBuf>::new());
    took
}

#[test]
fn sigterm_during_the_initial_build_exits_0_without_temp_files() {
    sigterm_during_the_initial_build();
}

#[test]
fn sighup_reloads_a_valid_configuration() {
    let site = Site::new("title = \"Old title\"");
    site.write("x.md", tagged("Story", DATE, &["t"], "Body."));
    let d = site.start(&[]);
    assert_eq!(site.feed_title("rss.xml").as_deref(), Some("Old title"));
    site.write_config("title = \"New title\"");
    d.signal("HUP");
    d.wait("new title in every feed", || {
        ["rss.xml", "atom.xml", "feed.json"].iter().all(|f| site.feed_title(f).as_deref() == Some("New title"))
            && site.feed_title("tags/t/rss.xml").as_deref() == Some("New title — t")
    });
    assert!(site.all_feeds_list(&["Story"]));
    // still watching after the reload
    fs::write(site.a("x.md"), tagged("Story after reload", DATE, &["t"], "Body.")).expect("w");
    d.wait("edit after reload published", || site.all_feeds_list(&["Story after reload"]));
}

#[test]
fn sighup_reloads_a_valid_configuration_with_no_stories() {
    let site = Site::new("title = \"Old title\"");
    let d = site.start(&[]);
    assert_eq!(site.feed_title("rss.xml").as_deref(), Some("Old title"));
    site.write_config("title = \"New title\"");
    d.signal("HUP");
    d.wait_log("configuration reloaded");
    d.wait("new title in the (empty) feeds", || site.feed_title("rss.xml").as_deref() == Some("New title"));
}

#[test]
fn sighup_with_an_invalid_configuration_keeps_the_old_one() {
    let site = Site::new("title = \"Old title\"");
    site.write("x.md", story("Story", DATE, "Body."));
    let d = site.start(&[]);
    site.write_config("title = \"Typo title\"\ntitel = \"oops\"");
    d.signal("HUP");
    d.wait("error naming the unknown key", || {
        d.log()
            .lines()
            .any(|l| l.contains("ERROR") && l.contains("titel") && l.contains("keeping the previous configuration"))
    });
    // still reacting, with the old configuration
    fs::write(site.a("x.md"), story("Story edited", DATE, "Body.")).expect("w");
    d.wait("edit published after the bad reload", || site.all_feeds_list(&["Story edited"]));
    assert_eq!(site.feed_title("rss.xml").as_deref(), Some("Old title"));
    // the config fixed: the next SIGHUP takes it
    site.write_config("title = \"Fixed title\"");
    d.signal("HUP");
    d.wait("fixed config applied", || site.feed_title("rss.xml").as_deref() == Some("Fixed title"));
}

// ---------------------------------------------------------------- 9. atomicity

#[test]
fn readers_never_see_a_partial_feed_during_200_edits() {
    let site = Site::new("debounce_ms = 2"); // a rebuild for nearly every edit
    let body = "Long paragraph of newsroom text to make the feed big. ".repeat(25);
    for i in 0..30 {
        site.write(&format!("s{i:02}.md"), tagged(&format!("Story {i:02}"), DATE, &["all"], &body));
    }
    let d = site.start(&[]);

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let stop = stop.clone();
        let reads = reads.clone();
        let out = site.out();
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            let files = ["rss.xml", "rss.xml", "atom.xml", "feed.json"];
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let file = files[n % files.len()];
                n += 1;
                match fs::read(out.join(file)) {
                    Ok(bytes) if bytes.is_empty() => failures.push(format!("{file}: empty")),
                    Ok(bytes) => match feed_rs::parser::parse(&bytes[..]) {
                        Ok(feed) => {
                            if feed.entries.len() != 30 {
                                failures.push(format!("{file}: {} entries", feed.entries.len()));
                            }
                            if let Some(t) = feed.entries.iter().find_map(|e| {
                                e.title.as_ref().map(|t| t.content.clone()).filter(|t| t.starts_with("Edit"))
                            }) {
                                seen.insert(t);
                            }
                        }
                        Err(e) => failures.push(format!("{file}: {e} ({} bytes)", bytes.len())),
                    },
                    Err(e) => failures.push(format!("{file}: {e}")),
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            (failures, seen.len())
        })
    };

    for i in 1..=200 {
        fs::write(site.a("s00.md"), tagged(&format!("Edit {i:03}"), DATE, &["all"], &body)).expect("edit");
        std::thread::sleep(Duration::from_millis(3));
    }
    d.wait("last edit published", || site.titles().contains(&"Edit 200".to_string()));
    stop.store(true, Ordering::Relaxed);
    let (failures, distinct) = reader.join().expect("reader");
    let reads = reads.load(Ordering::Relaxed);
    eprintln!("{reads} reads, {distinct} distinct versions seen, {} rebuilds", d.rebuilds());
    assert!(reads > 0);
    assert!(
        failures.is_empty(),
        "{} bad reads of {reads}, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(distinct > 1, "the reader saw only {distinct} versions: the test did not exercise rewrites");
}

#[test]
fn kill_9_mid_burst_leaves_every_feed_whole() {
    let site = Site::new("");
    let body = "Text. ".repeat(300);
    for i in 0..40 {
        site.write(&format!("s{i:02}.md"), tagged(&format!("Story {i:02}"), DATE, &[&format!("t{}", i % 8)], &body));
    }
    let mut d = site.start(&[]);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let articles = site.articles();
        let body = body.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let i = n % 40;
                let text = tagged(&format!("Story {i:02} v{n}"), DATE, &[&format!("t{}", n % 11)], &body);
                fs::write(articles.join(format!("s{i:02}.md")), text).expect("edit");
                n += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    d.wait_rebuilds(3);
    d.kill9();
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer");
    assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new());

    // a restart cleans up any temp file the kill left, and catches up
    let d = site.start(&[]);
    assert_eq!(site.temp_files(), Vec::<std::path::PathBuf>::new());
    assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new());
    fs::write(site.a("s00.md"), story("After restart", DATE, "Body.")).expect("w");
    d.wait("edit after restart published", || site.titles().contains(&"After restart".to_string()));
}

// ---------------------------------------------------------------- 10. -v

#[test]
fn verbose_logs_each_changed_file() {
    let site = Site::new("");
    site.write("x.md", story("X", DATE, "Body."));
    let d = site.start(&["-v"]);
    fs::write(site.a("x.md"), story("X edited", DATE, "Body.")).expect("w");
    site.write("desk/y.md", story("Y", DATE, "Body."));
    d.wait("per-file detail lines", || {
        let log = d.log();
        log.lines().any(|l| l.contains("changed: ") && l.trim_end().ends_with("x.md"))
            && log.lines().any(|l| l.contains("changed: ") && l.trim_end().ends_with("desk/y.md"))
    });
    // and the default level has no such lines
    let quiet = Site::new("");
    quiet.write("x.md", story("X", DATE, "Body."));
    let q = quiet.start(&[]);
    fs::write(quiet.a("x.md"), story("X edited", DATE, "Body.")).expect("w");
    q.wait_rebuilds(1);
    assert!(!q.log().contains("changed: "), "per-file lines without -v:\n{}", q.log());
}

// ---------------------------------------------------------------- slow tier

/// The timings the contract promises, held strictly. They hold on an idle
/// machine and are run one at a time (`.ci/run`); the default tier above
/// runs the same scenarios with only a hang guard.
mod slow {
    use std::time::Duration;

    /// "SIGTERM/SIGINT: finish or abandon the current rebuild cleanly and
    /// exit 0 within a second."
    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    #[ignore = "slow: a one-second bound, meaningful on an idle machine; run with cargo test -- --ignored"]
    fn sigterm_exits_0_within_a_second() {
        let took = super::exits_cleanly_on("TERM");
        assert!(took < SECOND, "took {took:?} to stop after SIGTERM");
    }

    #[test]
    #[ignore = "slow: a one-second bound, meaningful on an idle machine; run with cargo test -- --ignored"]
    fn sigint_exits_0_within_a_second() {
        let took = super::exits_cleanly_on("INT");
        assert!(took < SECOND, "took {took:?} to stop after SIGINT");
    }

    #[test]
    #[ignore = "slow: a one-second bound, meaningful on an idle machine; run with cargo test -- --ignored"]
    fn sigterm_during_a_burst_exits_within_a_second() {
        let took = super::sigterm_during_a_burst();
        assert!(took < SECOND, "took {took:?} to stop mid-burst");
    }

    #[test]
    #[ignore = "slow: a one-second bound, meaningful on an idle machine; run with cargo test -- --ignored"]
    fn sigterm_during_the_initial_build_exits_within_a_second() {
        let took = super::sigterm_during_the_initial_build();
        assert!(took < SECOND, "took {took:?} to stop during the initial build");
    }

    #[test]
    #[ignore = "slow: a one-second bound, meaningful on an idle machine; run with cargo test -- --ignored"]
    fn scheduled_stories_go_live_within_a_second_of_their_date() {
        super::scheduled_stories_go_live(true);
    }
}
