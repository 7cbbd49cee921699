//! The one site builder of the integration tests. A [`Site`] is a temp
//! folder holding a site — `feedsmith.toml`, `articles/`, the output folder
//! `out/` and the state file `state.json` — that writes stories, runs the
//! real binary under a hang timeout ([`Site::run`]), starts the daemon
//! ([`Site::start`], in `daemon`) and reads back what was published (in
//! `read`). `tree` holds the helpers for files and folders on disk.
//!
//! Every site has its own `--state` file: the state file remembers when
//! stories changed, and a shared one would make `updated` (and so the golden
//! files) depend on earlier runs.
//!
//! No test here asserts how long something takes: the limits below only
//! catch a hang, and their failure messages say so.

mod daemon;
mod read;
mod tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) use daemon::*;
pub(crate) use read::*;
pub(crate) use tree::*;

/// How long a polled condition may take before the test fails as timed out.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// How long one run of the binary, or a daemon's exit after a signal, may
/// take before it is killed and the test fails as hung.
pub(crate) const HANG: Duration = Duration::from_secs(60);

/// A fixed publication date in the past, so always published.
pub(crate) const DATE: &str = "2024-03-07T10:00:00+08:00";

/// What every site's `feedsmith.toml` says unless the test's own lines set
/// the key.
const BASE_CONFIG: &[(&str, &str)] = &[
    ("title", "\"Test site\""),
    ("base_url", "\"https://news.example.com/\""),
    ("feeds_url", "\"https://news.example.com/feeds/\""),
    ("language", "\"zh-CN\""),
    ("timezone", "\"Asia/Shanghai\""),
    ("debounce_ms", "50"),
];

/// The text of a story with TOML front matter (the title escaped by the
/// toml crate).
pub(crate) fn story(title: &str, date: &str, body: &str) -> String {
    format!("+++\ntitle = {}\ndate = {date}\n+++\n\n{body}\n", toml_str(title))
}

/// Like [`story`], with tags.
pub(crate) fn tagged(title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let tags: Vec<String> = tags.iter().map(|t| toml_str(t)).collect();
    format!("+++\ntitle = {}\ndate = {date}\ntags = [{}]\n+++\n\n{body}\n", toml_str(title), tags.join(", "))
}

/// `text` as a TOML string (the toml crate escapes quotes, backslashes and
/// control characters).
pub(crate) fn toml_str(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A temp folder holding one site; removed when dropped.
pub(crate) struct Site {
    dir: tempfile::TempDir,
    /// The file passed with `--config`: `feedsmith.toml` in the folder, or
    /// a fixture's.
    config: PathBuf,
    /// The folder passed with `--output`.
    out: PathBuf,
}

impl Site {
    /// A site with `articles/` and a `feedsmith.toml` of the base settings
    /// (Asia/Shanghai, https://news.example.com/, `debounce_ms = 50`) plus
    /// `extra` TOML lines, which override the base keys they set.
    #[track_caller]
    pub(crate) fn new(extra: &str) -> Site {
        let site = Site::empty();
        std::fs::create_dir_all(site.articles()).expect("create articles/");
        site.write_config(extra);
        site
    }

    /// An empty site folder: nothing written yet, not even the
    /// configuration.
    #[track_caller]
    pub(crate) fn empty() -> Site {
        let dir = tempfile::Builder::new().prefix("feedsmith-test-").tempdir().expect("temp dir");
        let config = dir.path().join("feedsmith.toml");
        let out = dir.path().join("out");
        Site { dir, config, out }
    }

    /// A site whose configuration (and so its articles) lives elsewhere,
    /// such as a fixture: only the output and the state file are here.
    #[track_caller]
    pub(crate) fn with_config(config: &Path) -> Site {
        Site { config: config.to_owned(), ..Site::empty() }
    }

    /// Publishes into `rel` (relative to the site folder) instead of `out/`.
    pub(crate) fn with_output(mut self, rel: &str) -> Site {
        self.out = self.root().join(rel);
        self
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn config_path(&self) -> &Path {
        &self.config
    }

    pub(crate) fn articles(&self) -> PathBuf {
        self.root().join("articles")
    }

    /// A path under the articles folder.
    pub(crate) fn a(&self, rel: &str) -> PathBuf {
        self.articles().join(rel)
    }

    pub(crate) fn out(&self) -> PathBuf {
        self.out.clone()
    }

    pub(crate) fn state(&self) -> PathBuf {
        self.root().join("state.json")
    }

    /// (Re)writes `feedsmith.toml`: the base settings plus `extra` lines.
    #[track_caller]
    pub(crate) fn write_config(&self, extra: &str) {
        let sets = |key: &str| {
            extra.lines().any(|l| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        };
        let mut text = String::new();
        for (key, value) in BASE_CONFIG.iter().filter(|(key, _)| !sets(key)) {
            text.push_str(&format!("{key} = {value}\n"));
        }
        text.push_str(extra);
        text.push('\n');
        std::fs::write(&self.config, text).expect("write feedsmith.toml");
    }

    /// Writes a file under `articles/` (parents created).
    #[track_caller]
    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.a(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create the article's folder");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// `feedsmith <command>` on this site, as [`Site::run_for`] with the
    /// [`HANG`] limit.
    #[track_caller]
    pub(crate) fn run(&self, command: &str, args: &[&str]) -> Run {
        self.run_for(command, args, HANG)
    }

    /// `feedsmith <command> --config … --output … --state … <args…>` from
    /// the site folder, killed after `limit` (then the exit code is `None`).
    #[track_caller]
    pub(crate) fn run_for(&self, command: &str, args: &[&str], limit: Duration) -> Run {
        let mut cmd = self.command(command);
        cmd.args(args);
        run(cmd, limit)
    }

    /// `feedsmith build`.
    #[track_caller]
    pub(crate) fn build(&self) -> Run {
        self.run("build", &[])
    }

    /// The command line of every run on this site. The working directory is
    /// the site folder; `RUST_LOG` is removed so the log level is the
    /// binary's default. (Tests that run the binary through a wrapper, such
    /// as `setpriv` or a shell that lowers a limit, start from it.)
    pub(crate) fn command(&self, command: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsmith"));
        cmd.arg(command)
            .arg("--config")
            .arg(&self.config)
            .arg("--output")
            .arg(&self.out)
            .arg("--state")
            .arg(self.state())
            .current_dir(self.root())
            .env_remove("RUST_LOG");
        cmd
    }
}

/// The repository root (where `Cargo.toml` and `tests/` live).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests").join("fixtures").join(name)
}

/// Builds a fixture (`tests/fixtures/<name>/feedsmith.toml`) into a fresh
/// site folder, asserting the exit status.
#[track_caller]
pub(crate) fn build_fixture(name: &str, code: i32) -> (Site, Run) {
    let site = Site::with_config(&fixture(name).join("feedsmith.toml"));
    let run = site.build();
    run.assert_code(code);
    (site, run)
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    /// `None` when it was killed at its limit.
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) took: Duration,
    /// How long it was allowed before counting as hung.
    limit: Duration,
}

impl Run {
    /// Asserts the exit status, showing the output when it is wrong.
    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) {
        let what = match self.code {
            Some(c) => format!("exit status {c}"),
            None => format!("killed after {:?}: hung?", self.limit),
        };
        assert_eq!(self.code, Some(code), "{what}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.stdout, self.stderr);
    }

    /// Asserts that the run finished (with any status) instead of being
    /// killed as hung.
    #[track_caller]
    pub(crate) fn assert_finished(&self) {
        assert!(self.code.is_some(), "killed after {:?}: hung?\n--- stderr ---\n{}", self.limit, self.stderr);
    }

    /// The stderr lines that name `file` (a path ending, after a `/`) as the
    /// file they are about: `…/file:` or `…/file: `.
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

/// Runs a command with no input, collecting its output, and kills it after
/// `limit` (then `code` is `None`), so a hang fails the test instead of
/// stalling the suite.
#[track_caller]
pub(crate) fn run(mut cmd: Command, limit: Duration) -> Run {
    use std::io::Read;
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
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
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    Run { code, stdout, stderr, took, limit }
}

/// Runs a helper command (git, mkfifo, rm…), failing the test on a
/// non-zero status.
#[track_caller]
pub(crate) fn run_ok(cmd: &mut Command) {
    let output = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
