//! Helpers shared by the integration tests: run the real `feedsmith` binary
//! on a fixture with a throwaway output folder and state file, read back
//! what it wrote, parse it with `feed-rs`, and compare folders byte for byte.
//!
//! Every run gets its own `--state` file in a temp folder: the state file
//! remembers when stories changed, and a shared one would make `updated`
//! (and so the golden files) depend on earlier runs.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::Command;

/// The repository root (where `Cargo.toml`, `articles/` and `feeds/` live).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests").join("fixtures").join(name)
}

/// What one run of the binary did; `code` is `None` when it was killed
/// (by a timeout).
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) took: Duration,
}

impl Run {
    /// Asserts the exit status, showing the output when it is wrong.
    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit status (None = killed by a timeout) after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.took,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The stderr lines that name `file` (a path ending, after a `/`) as
    /// the file they are about: `…/file:` or `…/file: `.
    pub(crate) fn lines_naming(&self, file: &str) -> Vec<&str> {
        let needle = format!("/{file}:");
        self.stderr.lines().filter(|l| l.contains(&needle)).collect()
    }

    /// The one stderr line naming `file` as a rejection (not a warning).
    #[track_caller]
    pub(crate) fn rejection(&self, file: &str) -> &str {
        let lines: Vec<&str> = self.lines_naming(file).into_iter().filter(|l| !l.starts_with("warning:")).collect();
        assert_eq!(lines.len(), 1, "want exactly one rejection naming {file}:\n{}", self.stderr);
        lines[0]
    }

    /// The stderr lines that are not log lines from `tracing`.
    pub(crate) fn problem_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| !is_log_line(l)).collect()
    }
}

/// `tracing`'s default format: `2024-03-07T07:00:00.000000Z  INFO message`.
fn is_log_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let stamp = words.next().unwrap_or("");
    let level = words.next().unwrap_or("");
    stamp.len() >= 20
        && stamp.as_bytes()[4] == b'-'
        && stamp.ends_with('Z')
        && matches!(level, "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR")
}

/// A `feedsmith` command for the binary cargo built for these tests, run
/// from a neutral working directory (so no stray `./feedsmith.toml` counts).
#[track_caller]
pub(crate) fn feedsmith() -> Command {
    let mut cmd = Command::cargo_bin("feedsmith").expect("cargo builds the feedsmith binary for integration tests");
    cmd.current_dir(std::env::temp_dir());
    cmd.env_remove("RUST_LOG");
    cmd
}

/// Runs a prepared command and collects its status and output.
#[track_caller]
pub(crate) fn run(cmd: &mut Command) -> Run {
    let started = Instant::now();
    let output = cmd.output().expect("feedsmith runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// Runs a command, killing it after `timeout` (then `code` is `None`), so
/// a hang fails the test instead of stalling the suite.
pub(crate) fn run_with_timeout(mut cmd: std::process::Command, timeout: Duration) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn feedsmith");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let code = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status.code();
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    Run { code, stdout, stderr, took }
}

/// Runs `feedsmith <command> --config <config> --output <out> --state <state> <extra…>`.
#[track_caller]
pub(crate) fn run_with(command: &str, config: &Path, out: &Path, state: &Path, extra: &[&str]) -> Run {
    let mut cmd = feedsmith();
    cmd.arg(command).arg("--config").arg(config).arg("--output").arg(out).arg("--state").arg(state).args(extra);
    run(&mut cmd)
}

/// `feedsmith build` of a configuration into `out`, remembering in `state`.
#[track_caller]
pub(crate) fn build(config: &Path, out: &Path, state: &Path) -> Run {
    run_with("build", config, out, state, &[])
}

/// A temp folder with `out/` and `state.json` paths inside it.
pub(crate) struct Scratch {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) out: PathBuf,
    pub(crate) state: PathBuf,
}

#[track_caller]
pub(crate) fn scratch() -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let state = dir.path().join("state.json");
    Scratch { dir, out, state }
}

impl Scratch {
    /// Builds `config` into this scratch folder's `out/` with its own state file.
    #[track_caller]
    pub(crate) fn build(&self, config: &Path) -> Run {
        build(config, &self.out, &self.state)
    }
}

/// Builds a fixture (`tests/fixtures/<name>/feedsmith.toml`) into a fresh
/// scratch folder, asserting the exit status.
#[track_caller]
pub(crate) fn build_fixture(name: &str, code: i32) -> (Scratch, Run) {
    let s = scratch();
    let run = s.build(&fixture(name).join("feedsmith.toml"));
    run.assert_code(code);
    (s, run)
}

/// Every file under `dir`, by path relative to it (with `/` separators), with its bytes.
#[track_caller]
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = std::fs::read_dir(dir.join(&rel)).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("dir entry");
            let rel = rel.join(entry.file_name());
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(rel);
            } else {
                let bytes = std::fs::read(dir.join(&rel)).expect("read output file");
                files.insert(slash(&rel), bytes);
            }
        }
    }
    files
}

/// A relative path with `/` separators, as the tests name files.
pub(crate) fn slash(rel: &Path) -> String {
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every folder under `dir` (relative, `/`-separated), including empty ones.
#[track_caller]
pub(crate) fn read_dirs(dir: &Path) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel)).expect("read dir") {
            let entry = entry.expect("dir entry");
            if entry.file_type().expect("file type").is_dir() {
                let rel = rel.join(entry.file_name());
                dirs.push(slash(&rel));
                stack.push(rel);
            }
        }
    }
    dirs.sort();
    dirs
}

/// The modification time of every file under `dir`.
#[track_caller]
pub(crate) fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    read_tree(dir)
        .into_keys()
        .map(|rel| {
            let t = std::fs::metadata(dir.join(&rel)).and_then(|m| m.modified()).expect("mtime");
            (rel, t)
        })
        .collect()
}

/// Sets the modification time of every file under `dir` (to tell a rewrite from a skip).
#[track_caller]
pub(crate) fn set_mtimes(dir: &Path, when: SystemTime) {
    for rel in read_tree(dir).into_keys() {
        let file = std::fs::File::options().write(true).open(dir.join(&rel)).expect("open for set_modified");
        file.set_modified(when).expect("set mtime");
    }
}

/// Asserts that two folders hold the same files with the same bytes,
/// naming missing, extra and differing files (with the first differing line).
#[track_caller]
pub(crate) fn assert_same_tree(actual: &Path, expected: &Path) {
    let got = read_tree(actual);
    let want = read_tree(expected);
    let mut problems = Vec::new();
    for name in want.keys().filter(|k| !got.contains_key(*k)) {
        problems.push(format!("missing: {name}"));
    }
    for name in got.keys().filter(|k| !want.contains_key(*k)) {
        problems.push(format!("extra (not in {}): {name}", expected.display()));
    }
    for (name, bytes) in &want {
        if let Some(g) = got.get(name) {
            if g != bytes {
                problems.push(format!("differs: {name}\n{}", first_difference(g, bytes)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} does not match {}:\n{}\n(if the change is intended, rerun with FEEDSMITH_BLESS=1 and review the diff)",
        actual.display(),
        expected.display(),
        problems.join("\n")
    );
}

fn first_difference(got: &[u8], want: &[u8]) -> String {
    let got = String::from_utf8_lossy(got);
    let want = String::from_utf8_lossy(want);
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("  line {}:\n    got:  {g:?}\n    want: {w:?}", i + 1);
        }
    }
    format!("  lengths differ: got {} lines, want {} lines", got.lines().count(), want.lines().count())
}

/// Copies a folder recursively (files and folders only).
#[track_caller]
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy target");
    for entry in std::fs::read_dir(from).expect("read copy source") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Parses one feed document with `feed-rs`, naming the file on failure.
#[track_caller]
pub(crate) fn parse_feed(name: &str, bytes: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("feed-rs cannot parse {name}: {e}"))
}

/// Parses an XML document strictly (well-formedness, XML 1.0 characters,
/// line-end normalisation as every conformant parser does it).
#[track_caller]
pub(crate) fn parse_xml<'a>(name: &str, text: &'a str) -> roxmltree::Document<'a> {
    let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}"))
}

/// Reads a file under `dir` as UTF-8 text.
#[track_caller]
pub(crate) fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Writes a small site into `dir`: `feedsmith.toml` (with the given extra
/// lines) and `articles/` with the given files. Returns the config path.
#[track_caller]
pub(crate) fn write_site(dir: &Path, extra_config: &str, articles: &[(&str, &str)]) -> PathBuf {
    let config = dir.join("feedsmith.toml");
    let text = format!(
        "title = \"Scratch site\"\nbase_url = \"https://news.example.com/\"\nfeeds_url = \"https://news.example.com/feeds/\"\nlanguage = \"zh-CN\"\ntimezone = \"Asia/Shanghai\"\n{extra_config}"
    );
    std::fs::write(&config, text).expect("write config");
    for (rel, body) in articles {
        let path = dir.join("articles").join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create article folder");
        std::fs::write(&path, body).expect("write article");
    }
    config
}
