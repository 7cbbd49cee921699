//! The output folder is the daemon's own: whatever is planted at a feed's
//! path is replaced, never read or waited on, and only the temp files of
//! writers that are gone are cleaned up.

use super::*;

/// Regression: the old feed was read to compare it with the new one, by a
/// plain open that followed a link and waited on a FIFO: `out/rss.xml` as
/// a link to /dev/zero read without end, and as a FIFO `build` hung.
#[test]
fn a_link_to_dev_zero_or_a_fifo_at_a_feeds_path_is_replaced_by_the_feed() {
    for planted in ["link to /dev/zero", "FIFO"] {
        let site = Site::new("");
        site.write("a.md", story("A", DATE, "x"));
        let rss = site.out().join("rss.xml");
        std::fs::create_dir_all(site.out()).expect("mkdir out");
        match planted {
            "FIFO" => mkfifo(&rss),
            _ => symlink("/dev/zero", &rss),
        }
        let run = site.build();
        run.assert_code(0);
        let meta = std::fs::symlink_metadata(&rss).expect("rss.xml");
        assert!(meta.file_type().is_file(), "{planted}: rss.xml is now a regular file");
        assert_eq!(site.items().titles(), ["A"], "{planted}");
    }
}

/// A temp file of a writer that is gone (`.feedsmith-<dead pid>-….tmp`),
/// anywhere in the output, is removed by `build` and by `watch`; one of a
/// running process (pid 1) is left alone: it may be in flight.
#[test]
fn temp_files_of_dead_writers_are_removed_and_those_of_live_ones_kept() {
    // Process ids stop below 4,194,304 (the largest pid_max), so this one is never running.
    let dead = ".feedsmith-4194999-x.tmp";
    let live = ".feedsmith-1-x.tmp";
    let site = Site::new("");
    site.write("a.md", tagged("A", DATE, &["t"], "x"));
    let plant = |site: &Site| {
        for folder in ["", "tags/t/", "deep/er/"] {
            let dir = site.out().join(folder);
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(dir.join(dead), "left by a killed writer").expect("write");
            std::fs::write(dir.join(live), "in flight").expect("write");
        }
    };
    let names = |site: &Site| -> Vec<String> {
        let mut names: Vec<String> = site
            .temp_files()
            .iter()
            .map(|p| p.strip_prefix(site.out()).expect("under out").display().to_string())
            .collect();
        names.sort();
        names
    };
    let mut kept = vec![format!("deep/er/{live}"), live.to_owned(), format!("tags/t/{live}")];
    kept.sort();
    plant(&site);
    site.build().assert_code(0);
    assert_eq!(names(&site), kept, "build");

    plant(&site);
    let d = site.start(&[]);
    assert_eq!(names(&site), kept, "watch");
    drop(d);
}
