//! Exit statuses as the contract's table gives them: 2 for a usage or
//! configuration error (nothing written), 3 for a runtime failure that
//! stops a command; `watch` exits at once with them instead of running.

use super::*;

/// `build`, `check` and `watch` on `site` each exit `code`, naming `what`
/// on stderr, and write no output.
#[track_caller]
fn every_command_exits(site: &Site, code: i32, what: &str) {
    for command in ["build", "check", "watch"] {
        let run = site.run(command, &[]);
        run.assert_code(code);
        assert!(run.stderr.contains(what), "{command}: the message names {what}:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{command}: {}", run.stderr);
    }
}

#[test]
fn a_missing_articles_folder_is_a_usage_error_naming_it() {
    let site = Site::new("articles_dir = \"no-such-folder\"");
    every_command_exits(&site, 2, "no-such-folder");
    assert!(!site.out().exists(), "nothing is written");
}

#[test]
fn an_output_folder_that_cannot_be_created_is_a_runtime_failure() {
    let site = Site::new("").with_output("a-file/out");
    site.write("a.md", story("A", DATE, "x"));
    std::fs::write(site.root().join("a-file"), "a regular file, not a folder").expect("write");
    for command in ["build", "watch"] {
        let run = site.run(command, &[]);
        run.assert_code(3);
        assert!(run.stderr.contains("a-file"), "{command}: the message names the output:\n{}", run.stderr);
    }
    // `check` writes nothing, so the output does not matter to it.
    site.run("check", &[]).assert_code(0);
}

#[test]
fn a_debounce_of_ten_minutes_is_a_configuration_error_naming_debounce_ms() {
    let site = Site::new("debounce_ms = 600000");
    site.write("a.md", story("A", DATE, "x"));
    every_command_exits(&site, 2, "debounce_ms");
    assert!(!site.out().exists(), "nothing is written");
}

/// Regression: `watch --poll` took any number: with 99999999999999 no new
/// story was ever published, and nothing said why. Like `debounce_ms`, it
/// is at most a minute (and at least 50 ms), else a usage error.
#[test]
fn a_poll_interval_beyond_a_minute_is_a_usage_error() {
    let site = Site::new("");
    site.write("a.md", story("A", DATE, "x"));
    for poll in ["99999999999999", "60001", "0", "10"] {
        let run = site.run_for("watch", &["--poll", poll], HANG);
        run.assert_code(2);
        assert!(run.stderr.contains("--poll") && run.stderr.contains("60000"), "{poll}: {}", run.stderr);
    }
    assert!(!site.out().exists(), "nothing is written");
}
