//! Files that vanish between the event, the listing and the read: never
//! a rejection, never a stopped daemon, and never left in the feeds. The
//! churns of files under a running `watch` (stress loops of two seconds
//! each) are in the slow tier.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::*;

/// Regression: a story removed in one of these ways within one debounce
/// window stayed in the feeds until the next rescan (SIGHUP, restart):
///
/// - renamed (`b.md` → `b2.md`), then the new name deleted: the debouncer
///   (notify-debouncer-full) turns `rename b→b2` + `remove b2` into a lone
///   `remove b2`, so `b.md` is never re-checked;
/// - replaced by a rename (`c.md` → `r.md` over an indexed `r.md`), then
///   deleted: the debouncer can drop the pair as "created and removed" (no
///   event at all: reproduced every time from a shell with
///   `printf … > c.md; mv c.md r.md; rm r.md`), so `r.md` is never
///   re-checked;
/// - read by the daemon because of a folder event (a new folder is listed)
///   while its own `create` still waits in the debouncer, then deleted: the
///   debouncer drops create+remove as a no-op, though the daemon has
///   published the file.
///
/// The engine re-checks every path it is told about against the disk, so
/// raw (unmerged) event paths are enough: the loop now debounces them itself.
#[test]
fn stories_removed_within_one_debounce_window_leave_the_feeds() {
    let site = Site::new("debounce_ms = 1000");
    site.write("stable.md", story("Stable", DATE, "x"));
    site.write("b.md", story("B", DATE, "x"));
    site.write("r.md", story("Old r", DATE, "x"));
    let daemon = site.start(&[]);
    daemon.wait("the first build", || site.all_feeds_list(&["B", "Old r", "Stable"]));
    // Rename an indexed story, then delete the new name.
    std::fs::rename(site.a("b.md"), site.a("b2.md")).expect("rename");
    std::fs::remove_file(site.a("b2.md")).expect("rm");
    // Replace an indexed story by a rename, then delete it.
    site.write("c.md", story("New c", DATE, "x"));
    std::fs::rename(site.a("c.md"), site.a("r.md")).expect("rename");
    std::fs::remove_file(site.a("r.md")).expect("rm");
    // A new folder (listed when its event comes, about 1 s on) whose story
    // is written half-way through the window and deleted before its own
    // event is due.
    let t0 = Instant::now();
    std::fs::create_dir(site.a("sub")).expect("mkdir");
    std::thread::sleep(Duration::from_millis(500));
    site.write("sub/n.md", story("New n", DATE, "x"));
    std::thread::sleep(Duration::from_millis(1400).saturating_sub(t0.elapsed()));
    std::fs::remove_file(site.a("sub/n.md")).expect("rm");
    let settled = Instant::now();
    while !site.all_feeds_list(&["Stable"]) && settled.elapsed() < DEADLINE {
        std::thread::sleep(Duration::from_millis(20));
    }
    let on_disk = walk(&site.articles());
    assert_eq!(
        site.titles(),
        ["Stable"],
        "deleted stories are still published; on disk: {on_disk:?}\n{}",
        daemon.log()
    );
}

/// Files deleted while `build` lists and reads the folder are simply gone:
/// not rejections (exit 0), and the feeds are whole. Names are never
/// reused and files appear by rename, so every file read is complete.
#[test]
fn files_deleted_during_a_build_are_not_rejections() {
    let t = Site::new("");
    // Newer than the churned stories, so always among the newest `limit`.
    t.write("stable.md", "+++\ntitle = \"Stable\"\ndate = 2025-01-01\n+++\nx\n");
    let dir = t.a("many");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let stop = Arc::new(AtomicBool::new(false));
    let made = Arc::new(AtomicUsize::new(0));
    let churn = {
        let (dir, stop, made) = (dir.clone(), stop.clone(), made.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let tmp = dir.join(format!(".tmp-{n}"));
                std::fs::write(&tmp, story(&format!("Many {n}"), DATE, "x")).expect("write");
                std::fs::rename(&tmp, dir.join(format!("m{n:07}.md"))).expect("rename");
                if n >= 300 {
                    std::fs::remove_file(dir.join(format!("m{:07}.md", n - 300))).expect("remove");
                }
                n += 1;
                made.store(n, Ordering::Relaxed);
            }
            n
        })
    };
    // The builds start once files are being deleted, however slow the machine.
    let started = Instant::now();
    while made.load(Ordering::Relaxed) <= 300 {
        assert!(started.elapsed() < DEADLINE, "timed out after {DEADLINE:?}: the churn made too few files");
        std::thread::sleep(Duration::from_millis(10));
    }
    for round in 0..4 {
        let run = t.build();
        assert_eq!(run.code, Some(0), "round {round}: a vanished file was treated as a problem:\n{}", run.stderr);
        let items = t.items();
        assert!(items.titles().contains(&"Stable".to_owned()));
    }
    stop.store(true, Ordering::Relaxed);
    let made = churn.join().expect("churn thread");
    assert!(made > 300, "the churn made only {made} files");
}

// ---------------------------------------------------------------- slow tier

mod slow {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use crate::support::*;

    /// Creates and deletes story files as fast as it can for two seconds
    /// under a running `watch` (so some vanish between the event, the listing
    /// and the read, and some are read half-written), makes whole folders of
    /// them appear and disappear, then removes what is left and writes
    /// `final.md`. Returns the number of rounds.
    fn churn(site: &Site) -> usize {
        std::fs::create_dir_all(site.a("churn")).expect("mkdir");
        let until = Instant::now() + Duration::from_secs(2);
        let mut i = 0usize;
        while Instant::now() < until {
            let p = site.a(&format!("churn/c{}.md", i % 16));
            let _ = std::fs::write(&p, story(&format!("Churn {i}"), DATE, "x"));
            if i % 3 == 0 {
                // Left for a moment, so the daemon may list it and then find it gone.
                let _ = std::fs::write(site.a(&format!("churn/k{}.md", i % 5)), story("Kept", DATE, "x"));
            }
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_file(site.a(&format!("churn/k{}.md", (i + 2) % 5)));
            if i % 25 == 0 {
                let dir = site.a(&format!("burst{}", i % 3));
                for k in 0..10 {
                    site.write(&format!("burst{}/{k}.md", i % 3), story("Burst", DATE, "x"));
                }
                let _ = std::fs::remove_dir_all(&dir);
            }
            i += 1;
        }
        for entry in std::fs::read_dir(site.a("churn")).expect("read churn").flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        site.write("final.md", story("Final", DATE, "y"));
        i
    }

    /// Waits up to the deadline for the feeds to list `want`, then asserts it,
    /// showing what is listed and what is on disk.
    #[track_caller]
    fn assert_feeds_settle_on(site: &Site, daemon: &Daemon, want: &[&str], context: &str) {
        let settled = Instant::now();
        while !site.all_feeds_list(want) && settled.elapsed() < DEADLINE {
            std::thread::sleep(Duration::from_millis(20));
        }
        let on_disk: Vec<PathBuf> = walk(&site.articles());
        assert!(
            site.all_feeds_list(want),
            "{context}: the feeds list {:?} (atom {:?}); on disk: {on_disk:?}\n--- daemon log ---\n{}",
            site.titles(),
            site.titles_in("atom.xml"),
            daemon.log()
        );
    }

    /// Files vanishing between the event, the listing and the read never stop
    /// `watch`: after the churn the daemon is alive, has logged no panic, its
    /// feeds parse, and a rescan (SIGHUP) leaves exactly what is on disk.
    #[test]
    #[ignore = "slow: two seconds of churn under a running daemon; run with cargo test -- --ignored"]
    fn files_deleted_between_listing_and_reading_never_stop_watch() {
        let site = Site::new("debounce_ms = 5");
        site.write("stable.md", story("Stable", DATE, "x"));
        let mut daemon = site.start(&[]);
        daemon.wait("the first build", || site.all_feeds_list(&["Stable"]));
        let rounds = churn(&site);
        daemon.wait("the last story is published", || site.titles().contains(&"Final".to_owned()));
        assert!(daemon.alive(), "the daemon died after {rounds} churn rounds:\n{}", daemon.log());
        assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new());
        daemon.signal("HUP");
        daemon.wait_log("configuration reloaded");
        assert_feeds_settle_on(&site, &daemon, &["Final", "Stable"], "after a reload");
        assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
        let (status, _) = daemon.stop("TERM");
        assert!(status.success(), "{status}\n{}", daemon.log());
    }

    /// Regression: after the same churn, without a rescan, a story whose file
    /// was gone was sometimes still published, for good (about half the runs
    /// on two busy cores; the mechanism is shown deterministically by
    /// `stories_removed_within_one_debounce_window_leave_the_feeds`). The
    /// daemon read the file because of an older event for its path while
    /// notify-debouncer-full still held the file's own `create`; the file was
    /// then deleted within the debounce window, and the debouncer dropped the
    /// create+remove pair as if nothing had happened.
    #[test]
    #[ignore = "slow: two seconds of churn under a running daemon; run with cargo test -- --ignored"]
    fn files_deleted_between_listing_and_reading_leave_the_feeds_without_a_rescan() {
        let site = Site::new("debounce_ms = 5");
        site.write("stable.md", story("Stable", DATE, "x"));
        let daemon = site.start(&[]);
        daemon.wait("the first build", || site.all_feeds_list(&["Stable"]));
        let rounds = churn(&site);
        assert_feeds_settle_on(&site, &daemon, &["Final", "Stable"], &format!("after {rounds} churn rounds"));
    }
}
