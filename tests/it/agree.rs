//! The daemon and a fresh build agree: after any sequence of file
//! operations on a watched folder — create, edit, truncate, rename within
//! and across folders, delete, folders made, removed and renamed, folder
//! symlinks, moves in and out, media files — the daemon's feeds equal what
//! `feedsmith build` makes of the same folder (apart from `updated` times).
//!
//! Sequences come from a small deterministic generator, one per seed. The
//! seeds in [`SEEDS`] run in every `cargo test`; a seed that ever fails is
//! added there, so it stays fixed. `FEEDSMITH_AGREE_SEEDS=a,b,c` runs others
//! (`FEEDSMITH_AGREE_SEEDS=random:N` runs N seeds from the clock, printing them).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::*;

/// Seeds run every time: failures found (each with what it found) and a
/// spread of others.
const SEEDS: [u64; 7] = [
    1,
    2,
    3,
    // A removed winner of a shared id left its successor out of its tag feed.
    0x5eed_f00d,
    // A change reported through a folder symlink (inotify watches a folder
    // once, under whichever name came last) was dropped.
    10_113_375_760_683_719_527,
    // A story symlink made before its target never published the story.
    6_786_694_004_886_077_648,
    0x00c0_ffee,
];

/// Operations per round, and rounds (each ends with a quiet period and a
/// comparison) per seed.
const OPS: usize = 10;
const ROUNDS: usize = 3;

/// xorshift64*: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FOLDERS: [&str; 5] = ["", "a", "b", "a/c", "_p"];
const NAMES: [&str; 5] = ["s0.md", "s1.md", "s2.md", "s3.txt", "2024-03-05-s4.md"];

fn story_text(rng: &mut Rng, name: &str) -> String {
    let tags = ["八八战略", "sport", "要闻"];
    let day = 1 + rng.below(27);
    let title = format!("{name} v{}", rng.below(1000));
    match rng.below(5) {
        // A broken story: its last good version stays (in the daemon) or it
        // is rejected (in a fresh build) — both agree only if it never had
        // one, so the generator breaks only stories it then fixes or
        // deletes within the round (see `settle`).
        0 => format!("+++\ntitle = \"{title}\ndate = 2024-03-{day:02}\n+++\nbroken\n"),
        1 => format!("+++\ntitle = \"{title}\"\ndate = 2024-03-{day:02}\nimage = \"m.jpg\"\n+++\nWith a picture.\n"),
        _ => tagged(&title, &format!("2024-03-{day:02}T10:00:00+08:00"), &[rng.pick(&tags)], "Body text."),
    }
}

/// One random operation on the folder; returns what it did, for the log.
fn operate(rng: &mut Rng, site: &Site, outside: &Path) -> String {
    let folder = rng.pick(&FOLDERS);
    let name = rng.pick(&NAMES);
    let rel = if folder.is_empty() { name.to_owned() } else { format!("{folder}/{name}") };
    let path = site.a(&rel);
    match rng.below(12) {
        0..=2 => {
            let text = story_text(rng, name);
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = fs::write(&path, text);
            format!("write {rel}")
        }
        3 => {
            let _ = fs::OpenOptions::new().write(true).truncate(true).open(&path);
            format!("truncate {rel}")
        }
        4 => {
            let _ = fs::remove_file(&path);
            format!("delete {rel}")
        }
        5 => {
            let to_folder = rng.pick(&FOLDERS);
            let to = if to_folder.is_empty() { name.to_owned() } else { format!("{to_folder}/{name}") };
            let other = rng.pick(&NAMES);
            let to = if rng.below(2) == 0 { to } else { to.replace(name, other) };
            if let Some(parent) = site.a(&to).parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = fs::rename(&path, site.a(&to));
            format!("rename {rel} -> {to}")
        }
        6 => {
            let from = rng.pick(&["a", "b", "a/c"]);
            let to = rng.pick(&["a", "b", "d", "a/e"]);
            let _ = fs::rename(site.a(from), site.a(to));
            format!("rename folder {from} -> {to}")
        }
        7 => {
            let dir = rng.pick(&["a", "b", "a/c", "d"]);
            rm_rf(&site.a(dir));
            format!("remove folder {dir}")
        }
        8 => {
            // A folder symlink: to a folder inside, to the articles folder
            // itself, or to a folder outside holding a story.
            // Or a story file linked to another story, or links into a
            // private (`_`) folder.
            if rng.below(3) == 0 {
                let link = site.a(rng.pick(&["lnk.md", "b/lnk.md"]));
                let target = site.a(rng.pick(&["s0.md", "a/s1.md", "_p/s.md"]));
                let _ = fs::remove_file(&link);
                if let Some(parent) = link.parent() {
                    let _ = fs::create_dir_all(parent);
                }
                let _ = std::os::unix::fs::symlink(&target, &link);
                return format!("symlink {} -> {}", link.display(), target.display());
            }
            let link = site.a(rng.pick(&["l1", "a/l2"]));
            let target = match rng.below(4) {
                0 => site.a("b"),
                1 => site.articles(),
                2 => site.a("_p"),
                _ => outside.to_owned(),
            };
            let _ = fs::remove_file(&link);
            if let Some(parent) = link.parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = std::os::unix::fs::symlink(&target, &link);
            format!("symlink {} -> {}", link.display(), target.display())
        }
        9 => {
            // Moved in from outside the articles folder, or out to it.
            let staged = outside.join("staged.md");
            if rng.below(2) == 0 {
                let _ = fs::write(&staged, story_text(rng, "staged"));
                let _ = fs::rename(&staged, &path);
                format!("move in {rel}")
            } else {
                let _ = fs::rename(&path, &staged);
                format!("move out {rel}")
            }
        }
        10 => {
            let media =
                site.a(&format!("{}m.jpg", if folder.is_empty() { String::new() } else { format!("{folder}/") }));
            if rng.below(3) == 0 {
                let _ = fs::remove_file(&media);
                format!("delete media {}", media.display())
            } else {
                let bytes = vec![b'j'; 10 + rng.below(50)];
                let _ = fs::write(&media, bytes);
                format!("write media {}", media.display())
            }
        }
        _ => {
            let dir = rng.pick(&["a", "b", "a/c", "d"]);
            let _ = fs::create_dir_all(site.a(dir));
            format!("mkdir {dir}")
        }
    }
}

/// A story left broken would be kept by the daemon (its last good
/// version) and left out by a fresh build, by design: before comparing,
/// every story the generator broke (an empty file, an unclosed title) is
/// made whole again.
fn settle(rng: &mut Rng, site: &Site) {
    for path in walk(&site.articles()) {
        let is_story = path.extension().is_some_and(|e| e == "md" || e == "txt");
        let Ok(text) = fs::read_to_string(&path) else { continue };
        let title_line = text.lines().nth(1).unwrap_or("");
        let broken = text.trim().is_empty() || (title_line.starts_with("title = \"") && !title_line.ends_with('"'));
        if is_story && broken {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x.md").to_owned();
            let _ = fs::write(&path, tagged(&format!("{name} fixed {}", rng.below(100)), DATE, &["sport"], "Fixed."));
        }
    }
}

/// Polls `cond` until it holds or the deadline passes; whether it held.
fn poll_until(mut cond: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + DEADLINE;
    while std::time::Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    cond()
}

/// The feeds of a folder with their `updated` times taken out, and the
/// set of every file published (media and term feeds included).
fn published(out: &Path) -> BTreeMap<String, String> {
    let updated = regex::Regex::new(
        r#"(?s)<updated>[^<]*</updated>|<lastBuildDate>[^<]*</lastBuildDate>|"date_modified": "[^"]*",?|<atom:updated>[^<]*</atom:updated>"#,
    )
    .expect("regex");
    read_tree(out)
        .into_iter()
        .filter(|(rel, _)| !rel.ends_with(".tmp"))
        .map(|(rel, bytes)| {
            let text = if rel.ends_with(".xml") || rel.ends_with(".json") {
                updated.replace_all(&String::from_utf8_lossy(&bytes), "").into_owned()
            } else if rel.ends_with(".html") {
                String::new() // the page shows the same stories; its bytes are checked by the golden tests
            } else {
                format!("{} bytes", bytes.len())
            };
            (rel, text)
        })
        .collect()
}

fn fresh_build(site: &Site, into: &Path) -> BTreeMap<String, String> {
    rm_rf(into);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
    cmd.arg("build")
        .arg("--config")
        .arg(site.config_path())
        .arg("--output")
        .arg(into)
        .arg("--state")
        .arg(into.with_extension("state.json"))
        .current_dir(site.root());
    let run = run(cmd, HANG);
    assert!(matches!(run.code, Some(0 | 1)), "fresh build failed:\n{}", run.stderr);
    published(into)
}

fn run_seed(seed: u64) {
    let site = Site::new("");
    let outside = site.root().join("elsewhere");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("out.md"), story("Outside", DATE, "Never published.")).expect("write");
    let fresh_dir = site.root().join("fresh");
    let mut rng = Rng(seed.max(1));
    site.write("keep.md", story("Keeper", DATE, "Stays."));
    let daemon = site.start(&[]);
    let mut log = Vec::new();
    for round in 0..ROUNDS {
        for _ in 0..OPS {
            log.push(operate(&mut rng, &site, &outside));
        }
        settle(&mut rng, &site);
        log.push(format!("-- end of round {round}"));
        let want = fresh_build(&site, &fresh_dir);
        let mut got = BTreeMap::new();
        let agreed = poll_until(|| {
            got = published(&site.out());
            got == want
        });
        if !agreed {
            let mut differ: Vec<&String> =
                want.keys().chain(got.keys()).filter(|k| want.get(*k) != got.get(*k)).collect();
            differ.dedup();
            let first = differ.first().map(|k| k.as_str()).unwrap_or("");
            let lines = |m: &BTreeMap<String, String>| -> Vec<String> {
                m.get(first).map(|t| t.lines().map(str::to_owned).collect()).unwrap_or_default()
            };
            let (w, g) = (lines(&want), lines(&got));
            let only_build: Vec<&String> = w.iter().filter(|l| !g.contains(l)).collect();
            let only_daemon: Vec<&String> = g.iter().filter(|l| !w.contains(l)).collect();
            panic!(
                "seed {seed}: the daemon and a fresh build differ after round {round} in {differ:?}\n\
                 in {first}, only the build has {only_build:#?}\nonly the daemon has {only_daemon:#?}\n\
                 operations:\n{}\ndaemon log:\n{}",
                log.join("\n"),
                daemon.log()
            );
        }
    }
}

/// Regressions: the daemon once published stories under folder symlinks
/// that a scan refuses, left the new winner of a shared id out of its
/// feeds, and lost changes reported through a folder symlink; this holds
/// the general property.
#[test]
fn the_daemon_agrees_with_a_fresh_build_after_random_file_operations() {
    let seeds: Vec<u64> = match std::env::var("FEEDSMITH_AGREE_SEEDS") {
        Ok(list) if list.starts_with("random:") => {
            let n: usize = list["random:".len()..].parse().unwrap_or(10);
            let clock =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
            (0..n as u64).map(|i| clock.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))).collect()
        }
        Ok(list) => list.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        Err(_) => SEEDS.to_vec(),
    };
    for seed in seeds {
        eprintln!("agree: seed {seed}");
        run_seed(seed);
    }
}
