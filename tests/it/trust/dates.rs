//! Dates no feed can carry: a year outside 0001-9999 once the date is
//! shifted into the site's timezone. Such a story is a rejection at its
//! line, not a panic of a serializer that stopped the build or the daemon.

use super::*;

/// The stories of a site whose dates, in `timezone`, fall outside the
/// years a feed can carry, with the line each one's bad key is on; and
/// one good story.
fn site_with_dates_out_of_range(timezone: &str, when: &str) -> (Site, Vec<(&'static str, usize)>) {
    let site = Site::new(&format!("timezone = \"{timezone}\""));
    site.write("good.md", story("Good", DATE, "Published."));
    site.write("toml-date.md", format!("+++\ntitle = \"TOML date\"\ndate = {when}\n+++\n\nx\n"));
    site.write("yaml-date.md", format!("---\ntitle: YAML date\ndate: {when}\n---\n\nx\n"));
    site.write(
        "toml-updated.md",
        format!("+++\ntitle = \"TOML updated\"\ndate = {DATE}\nupdated = {when}\n+++\n\nx\n"),
    );
    site.write("yaml-lastmod.md", format!("---\ntitle: YAML lastmod\ndate: 2024-03-07\nlastmod: {when}\n---\n\nx\n"));
    let bad = vec![("toml-date.md", 3), ("yaml-date.md", 3), ("toml-updated.md", 4), ("yaml-lastmod.md", 4)];
    (site, bad)
}

/// Asserts one rejection per bad story, at `path:LINE:1`, saying the date
/// is out of range.
#[track_caller]
fn assert_rejected_at_their_lines(run: &Run, bad: &[(&str, usize)]) {
    for (name, line) in bad {
        let rejection = run.rejection(name);
        assert!(rejection.contains(&format!("articles/{name}:{line}:1: ")), "{name} at line {line}: {rejection}");
        assert!(rejection.contains("out of the range"), "{name}: {rejection}");
    }
}

/// Regression: a date whose year leaves 0001-9999 once shifted into the
/// site's timezone (9999-12-31T23:59Z is year 10000 in Asia/Shanghai,
/// 0001-01-01T00:00Z is year 0 in America/New_York) made the RSS
/// serializer panic: `build` died with status 101 and wrote nothing.
#[test]
fn build_and_check_reject_dates_no_feed_can_carry_at_their_line_and_publish_the_rest() {
    for (timezone, when) in [("Asia/Shanghai", "9999-12-31T23:59:00Z"), ("America/New_York", "0001-01-01T00:00:00Z")] {
        let (site, bad) = site_with_dates_out_of_range(timezone, when);
        let check = site.run("check", &[]);
        check.assert_code(1);
        assert_rejected_at_their_lines(&check, &bad);
        assert!(!site.out().exists(), "check wrote something");

        let build = site.build();
        build.assert_code(1);
        assert_rejected_at_their_lines(&build, &bad);
        assert!(!build.stderr.contains("panicked"), "{timezone}: {}", build.stderr);
        assert_eq!(site.items().titles(), ["Good"], "{timezone}");
        assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new(), "{timezone}: every feed parses");
        assert!(site.feed("archive/2024-03/atom.xml").is_some(), "{timezone}: the archive of the good story parses");
    }
}

/// Regression (as above, in the daemon): the panic stopped `watch` when
/// such a story was saved, so nothing was published any more.
#[test]
fn a_running_watch_rejects_a_date_out_of_range_and_keeps_publishing() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "Published."));
    let mut d = site.start(&[]);
    site.write("far.md", format!("+++\ntitle = \"Far\"\ndate = {DATE}\nlastmod = 9999-12-31T23:59:00Z\n+++\n\nx\n"));
    d.wait_log("far.md:4:1: ");
    assert!(log_lines(&d, "far.md:4:1: ").iter().all(|l| l.contains("out of the range")), "{}", d.log());
    site.write("later.md", story("Later", "2024-03-08T10:00:00+08:00", "Published after."));
    d.wait("the next story published", || site.all_feeds_list(&["Good", "Later"]));
    assert!(d.alive(), "the daemon stopped:\n{}", d.log());
    assert_eq!(unparsable_feeds(&site.out()), Vec::<String>::new());
    let (status, _) = d.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", d.log());
}

/// Regression: a story file whose modification time lies beyond any year
/// a date can hold (`touch -d @9000000000000`, which tmpfs, btrfs, ZFS and
/// NFS keep) made `build`, `check` and `watch` panic with status 101, even
/// for a story with a `date` of its own. Such a time is as good as none.
#[test]
fn a_modification_time_beyond_any_calendar_is_no_date_and_no_panic() {
    // ext4 clamps times to 2446: only a file system that keeps them shows it.
    let Ok(shm) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("skipped: no /dev/shm to keep a time beyond 2446");
        return;
    };
    let site = Site::new(&format!("articles_dir = {}", toml_str(&shm.path().display().to_string())));
    std::fs::write(shm.path().join("dated.md"), story("Dated", DATE, "x")).expect("write");
    std::fs::write(shm.path().join("undated.md"), "+++\ntitle = \"Undated\"\n+++\n\nx\n").expect("write");
    let far = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(9_000_000_000_000);
    for name in ["dated.md", "undated.md"] {
        let file = std::fs::File::options().write(true).open(shm.path().join(name)).expect("open");
        file.set_modified(far).expect("set the time");
    }
    if std::fs::metadata(shm.path().join("dated.md")).and_then(|m| m.modified()).ok() != Some(far) {
        eprintln!("skipped: /dev/shm did not keep the time");
        return;
    }
    for command in ["check", "build"] {
        let run = site.run(command, &[]);
        assert!(!run.stderr.contains("panicked"), "{command}: {}", run.stderr);
        assert!(matches!(run.code, Some(0 | 1)), "{command}: {:?}\n{}", run.code, run.stderr);
    }
    assert!(site.items().titles().contains(&"Dated".to_owned()));
    let d = site.spawn(&[]);
    d.wait_log("watching");
    std::fs::write(shm.path().join("new.md"), story("New", DATE, "x")).expect("write");
    let file = std::fs::File::options().write(true).open(shm.path().join("new.md")).expect("open");
    file.set_modified(far).expect("set the time");
    d.wait("the daemon publishes it and lives", || site.all_feeds_list(&["Dated", "New"]));
}

/// A leap second (`…:60`), which TOML and YAML accept at any minute, is
/// no moment feeds can carry (RFC 4287's schema and feedparser refuse it):
/// the story is rejected at its line.
#[test]
fn a_leap_second_is_rejected_at_its_line() {
    let site = Site::new("timezone = \"UTC\"");
    site.write("good.md", story("Good", DATE, "x"));
    site.write("toml.md", "+++\ntitle = \"Leap\"\ndate = 2024-03-07T15:00:60Z\n+++\n\nx\n");
    site.write("yaml.md", "---\ntitle: Leap\ndate: 2016-12-31T23:59:60Z\n---\n\nx\n");
    site.write("string.md", "+++\ntitle = \"Leap\"\ndate = 2024-03-07\nupdated = \"2024-03-08 10:00:60\"\n+++\n\nx\n");
    let run = site.build();
    run.assert_code(1);
    for (name, line) in [("toml.md", 3), ("yaml.md", 3), ("string.md", 4)] {
        let rejection = run.rejection(name);
        assert!(rejection.contains(&format!("{name}:{line}:1:")) && rejection.contains("leap second"), "{rejection}");
    }
    assert_eq!(site.items().titles(), ["Good"]);
}
