//! The daemon never stops silently: a folder it cannot read is logged,
//! the rest is published, and once the folder is readable its stories
//! come without any other edit; a problem that persists is logged once.

use super::*;

/// Spawns `watch` on `site` through `wrapper` and waits for its first
/// build. (With a folder it cannot read, OS notifications cannot be set up
/// at all: the daemon polls, from before its first build, until they can.)
fn start_through(site: &Site, wrapper: &[&str]) -> Daemon {
    let command = site.command("watch");
    let daemon = if wrapper.is_empty() { Daemon::spawn(command) } else { Daemon::spawn(wrapped(wrapper, &command)) };
    // (Not just "watching ": the error of a watch that failed says "watching … again".)
    daemon.wait_log("INFO watching ");
    if !wrapper.is_empty() {
        let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.pid())).unwrap_or_default();
        let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap_or("").split_whitespace().next();
        assert_eq!(uid, Some("65534"), "the daemon runs unprivileged");
    }
    daemon
}

/// Makes a folder unreadable (`chmod 000`) until dropped, so a failing
/// test leaves nothing its user cannot delete.
struct Locked(PathBuf);

impl Locked {
    fn new(folder: PathBuf) -> Locked {
        chmod(&folder, 0o000);
        Locked(folder)
    }

    fn unlock(&self) {
        chmod(&self.0, 0o755);
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// Once the folder is readable again the daemon must find it by itself:
/// an event, or the retry of its watch, whose backoff grows to 30 s.
const RETRY_GUARD: Duration = Duration::from_secs(90);

/// A subfolder the daemon's user cannot read when it starts: the daemon
/// starts all the same (never exits), logs an error naming the folder,
/// publishes the rest, takes in a story saved elsewhere meanwhile, and
/// publishes the locked story once the folder is opened, with no other
/// edit; SIGTERM still ends it with 0.
#[test]
fn an_unreadable_folder_at_start_is_logged_and_its_stories_come_once_it_is_readable() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "Published."));
    site.write("open/other.md", story("Other", DATE, "Published."));
    site.write("locked/inside.md", story("Inside", DATE, "Behind a locked door."));
    let Some(wrapper) = unprivileged(&site, "an_unreadable_folder_at_start_…") else { return };
    let locked = Locked::new(site.a("locked"));
    let mut d = start_through(&site, &wrapper);
    let errors = log_lines(&d, "/articles/locked: cannot read folder");
    assert_eq!(errors.len(), 1, "one error names the folder:\n{}", d.log());
    assert!(errors[0].contains("ERROR"), "{}", errors[0]);
    assert_eq!(site.items().titles(), ["Good", "Other"]);

    site.write("open/new.md", story("New", DATE, "Saved meanwhile."));
    d.wait("the story saved meanwhile published", || site.all_feeds_list(&["Good", "New", "Other"]));
    assert!(d.alive(), "{}", d.log());

    locked.unlock();
    wait_up_to(&d, RETRY_GUARD, "the story of the opened folder published", || {
        site.all_feeds_list(&["Good", "Inside", "New", "Other"])
    });
    assert_eq!(log_lines(&d, "/articles/locked: cannot read folder").len(), 1, "logged once:\n{}", d.log());
    d.wait_signal_handlers();
    let (status, _) = d.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", d.log());
}

/// A folder made unreadable while the daemon runs stops nothing: a story
/// saved elsewhere is published, and once the folder is readable again
/// its story is in the feeds, with no other edit.
#[test]
fn a_folder_made_unreadable_while_watching_stops_nothing_and_comes_back() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "Published."));
    site.write("later/inside.md", story("Inside", DATE, "Behind a door locked later."));
    let Some(wrapper) = unprivileged(&site, "a_folder_made_unreadable_while_watching_…") else { return };
    let mut d = start_through(&site, &wrapper);
    assert_eq!(site.items().titles(), ["Good", "Inside"]);
    let folder = Locked::new(site.a("later"));
    site.write("new.md", story("New", DATE, "Saved while the folder is locked."));
    d.wait("the story saved meanwhile published", || site.titles().contains(&"New".to_owned()));
    assert!(d.alive(), "{}", d.log());
    folder.unlock();
    wait_up_to(&d, RETRY_GUARD, "the story of the reopened folder in the feeds", || {
        site.all_feeds_list(&["Good", "Inside", "New"])
    });
    d.wait_signal_handlers();
    let (status, _) = d.stop("TERM");
    assert_eq!(status.code(), Some(0), "{}", d.log());
}

/// A folder made unreadable while the daemon runs must be logged as an
/// error naming it, and its stories, unreadable like a file that became
/// unreadable, keep their last good version in the feeds.
#[test]
fn a_folder_made_unreadable_while_watching_is_logged_and_its_stories_stay() {
    let site = Site::new("");
    site.write("good.md", story("Good", DATE, "Published."));
    site.write("later/inside.md", story("Inside", DATE, "Behind a door locked later."));
    let Some(wrapper) = unprivileged(&site, "a_folder_made_unreadable_while_watching_is_logged_…") else { return };
    let d = start_through(&site, &wrapper);
    let _folder = Locked::new(site.a("later"));
    d.wait("an error naming the folder", || {
        log_lines(&d, "/articles/later").iter().any(|l| l.contains("ERROR") || l.contains("WARN"))
    });
    site.write("new.md", story("New", DATE, "Saved while the folder is locked."));
    d.wait("the story saved meanwhile published", || site.titles().contains(&"New".to_owned()));
    // The three formats are renamed into place one after the other.
    d.wait("all three formats list the same stories", || site.all_feeds_list(&["Good", "Inside", "New"]));
    assert_eq!(site.items().titles(), ["Good", "Inside", "New"], "the locked story keeps its last good version");
}

/// A problem that persists (two stories claiming one id) is logged once,
/// not at every rebuild the daemon does for other stories' edits.
#[test]
fn a_duplicate_id_is_logged_once_while_other_stories_are_edited() {
    let site = Site::new("");
    site.write("dup-a.md", story_with("First claim", DATE, "id = \"same\"\n"));
    site.write("dup-b.md", story_with("Second claim", DATE, "id = \"same\"\n"));
    site.write("other.md", story("Other 0", DATE, "x"));
    let d = site.start(&[]);
    d.wait_log("is also used by");
    for i in 1..=5 {
        site.write("other.md", story(&format!("Other {i}"), DATE, "x"));
        d.wait(&format!("edit {i} published"), || site.titles().contains(&format!("Other {i}")));
    }
    site.write("another.md", story("Another", DATE, "x"));
    d.wait("a new story published", || site.titles().contains(&"Another".to_owned()));
    let lines = log_lines(&d, "is also used by");
    assert_eq!(lines.len(), 1, "the duplicate id is logged once:\n{}", d.log());
    assert!(lines[0].contains("dup-b.md") && lines[0].contains("dup-a.md"), "{}", lines[0]);
    // The three formats are renamed into place one after the other: wait
    // until all of them show the last rebuild.
    d.wait("all three formats list the same stories", || site.all_feeds_list(&["Another", "First claim", "Other 5"]));
    assert_eq!(site.items().titles(), ["Another", "First claim", "Other 5"]);
}

/// A locked folder is one problem for as long as it lasts, the articles
/// folder itself as much as one inside it: each retry's rescan cannot read
/// its stories, and must not take their problems for settled only to log
/// them again when the stories are re-read (that made "no problem any
/// more" and the error alternate at every retry).
#[test]
fn a_locked_folder_is_logged_once_not_at_every_retry() {
    for locked in ["later", ""] {
        let site = Site::new("");
        site.write("good.md", story("Good", DATE, "Published."));
        site.write("later/inside.md", story("Inside", DATE, "Behind a door locked later."));
        let Some(wrapper) = unprivileged(&site, "a_locked_folder_is_logged_once_…") else { return };
        let d = start_through(&site, &wrapper);
        let folder = site.articles().join(locked);
        let _folder = Locked::new(folder.clone());
        d.wait("an error naming the folder", || d.log().contains("ERROR") || d.log().contains("WARN"));
        // Several retries (they back off from a second).
        std::thread::sleep(Duration::from_secs(4));
        let settled = log_lines(&d, "no problem any more");
        assert!(settled.is_empty(), "{locked:?}: nothing was settled while the folder stays locked:\n{}", d.log());
        // Without its time stamp, no problem line comes twice.
        let log = d.log();
        let problems: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("WARN"))
            .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest))
            .collect();
        let distinct: std::collections::BTreeSet<&str> = problems.iter().copied().collect();
        assert_eq!(
            problems.len(),
            distinct.len(),
            "{locked:?}: each problem is logged once, not at every retry:\n{log}"
        );
    }
}
