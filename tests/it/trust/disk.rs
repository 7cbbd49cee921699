//! A full or read-only output disk: the daemon keeps the last good feeds,
//! leaves no temp file, logs the error once (naming the feed file, not a
//! random temp name) while it retries, and publishes by itself once there
//! is room again; `build` exits 3, a runtime failure.

use super::*;

/// The main feeds' bytes.
fn main_feeds(site: &Site) -> Vec<(&'static str, Vec<u8>)> {
    ["rss.xml", "atom.xml", "feed.json"]
        .into_iter()
        .map(|f| (f, std::fs::read(site.out().join(f)).unwrap_or_else(|e| panic!("read {f}: {e}"))))
        .collect()
}

/// Temp files that stay: those present in two looks 200 ms apart (a retry
/// in flight has one for a moment, under a new random name each time).
fn lingering_temp_files(site: &Site) -> Vec<PathBuf> {
    let first = site.temp_files();
    std::thread::sleep(Duration::from_millis(200));
    site.temp_files().into_iter().filter(|p| first.contains(p)).collect()
}

/// How a publish failure is made and ended.
enum Failure {
    /// A filler file takes every byte of the tmpfs; deleting it ends it.
    Full,
    /// `mount -o remount,ro`; `remount,rw` ends it.
    ReadOnly,
}

/// While publishing fails, a new story waits: the feeds keep their last
/// good bytes, no temp file stays, the error is logged once, naming a
/// feed file, though the daemon retries (`-v` shows each retry); once the
/// failure ends, the story is published with no edit.
fn a_failing_publish_keeps_the_feeds_logs_once_and_recovers(failure: Failure, test: &str) {
    let site = Site::new("");
    site.write("a.md", story("First", DATE, "Published before the disk fills."));
    let Some(mount) = Mount::tmpfs(&site.out(), "512k", test) else { return };
    let mut d = site.start(&["-v"]);
    assert_eq!(site.items().titles(), ["First"]);
    let before = main_feeds(&site);

    let filler = match failure {
        Failure::Full => Some(fill(&site.out(), ".filler")),
        Failure::ReadOnly => {
            if !mount.remount("ro") {
                eprintln!("note: {test} skipped: cannot remount the tmpfs read-only");
                return;
            }
            None
        }
    };
    site.write("b.md", story("Second", "2024-03-08T10:00:00+08:00", "Saved while the disk cannot take it."));
    d.wait_log("publishing failed");
    d.wait("two retries that failed again", || log_lines(&d, "publishing failed again").len() >= 2);

    let errors: Vec<String> = log_lines(&d, "publishing failed").into_iter().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "the publish error is logged once:\n{}", d.log());
    let feed_named = ["rss.xml", "atom.xml", "feed.json", "index.html"]
        .iter()
        .any(|f| errors[0].contains(&format!("{}/{f}", site.out().display())));
    assert!(feed_named, "the error names the feed file: {}", errors[0]);
    assert!(!errors[0].contains(".feedsmith-") && !errors[0].contains(".tmp"), "no temp name: {}", errors[0]);
    assert_eq!(main_feeds(&site), before, "the last good feeds stay, byte for byte");
    assert_eq!(lingering_temp_files(&site), Vec::<PathBuf>::new(), "temp files left in the output");
    assert!(d.alive(), "{}", d.log());

    match filler {
        Some(filler) => std::fs::remove_file(filler).expect("delete the filler"),
        None => assert!(mount.remount("rw"), "remount read-write"),
    }
    wait_up_to(&d, Duration::from_secs(90), "the new story published without an edit", || {
        site.all_feeds_list(&["First", "Second"])
    });
    d.wait_log("publishing: working again");
    assert_eq!(lingering_temp_files(&site), Vec::<PathBuf>::new(), "temp files left in the output");
    let (status, _) = d.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", d.log());
}

#[test]
fn a_full_output_disk_keeps_the_last_good_feeds_logs_once_and_recovers_when_space_returns() {
    a_failing_publish_keeps_the_feeds_logs_once_and_recovers(Failure::Full, "a_full_output_disk_…");
}

#[test]
fn a_read_only_output_keeps_the_last_good_feeds_logs_once_and_recovers_when_writable() {
    a_failing_publish_keeps_the_feeds_logs_once_and_recovers(Failure::ReadOnly, "a_read_only_output_…");
}

/// `build` onto an output that cannot take the feeds is a runtime failure
/// (3), not a usage error (2); it names the output and leaves no temp file.
#[test]
fn build_onto_a_full_or_read_only_output_exits_3() {
    let test = "build_onto_a_full_or_read_only_output_exits_3";
    let site = Site::new("");
    site.write("a.md", story("First", DATE, "x"));
    let Some(mount) = Mount::tmpfs(&site.out(), "512k", test) else { return };
    let filler = fill(&site.out(), ".filler");
    let run = site.build();
    run.assert_code(3);
    assert!(run.stderr.contains(&site.out().display().to_string()), "names the output: {}", run.stderr);
    assert!(run.stderr.to_lowercase().contains("space"), "says what is wrong: {}", run.stderr);
    assert_eq!(site.temp_files(), Vec::<PathBuf>::new());

    std::fs::remove_file(filler).expect("delete the filler");
    if !mount.remount("ro") {
        eprintln!("note: {test}: cannot remount read-only; that case is skipped");
        return;
    }
    let run = site.build();
    run.assert_code(3);
    assert!(run.stderr.to_lowercase().contains("read-only"), "says what is wrong: {}", run.stderr);
    assert_eq!(site.temp_files(), Vec::<PathBuf>::new());
}
