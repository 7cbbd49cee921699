//! The one-shot commands: `build`, `check`, `new`, `import`. Each returns
//! its exit status; problems with single stories are printed, never fatal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

use crate::config::Config;
use crate::engine::{Engine, Report};
use crate::error::FatalError;
use crate::slug::safe_name;

/// Exit statuses, as the README's exit-status table documents them.
pub const EXIT_OK: u8 = 0;
pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Where `watch --serve` listens when neither the flag nor the file says.
pub const DEFAULT_SERVE: &str = "127.0.0.1:8080";

/// Reads every story and writes the feeds; 1 when some story was rejected.
pub fn build(config: Config, now: DateTime<Utc>) -> Result<u8, FatalError> {
    crate::publish::remove_orphaned_temp_files(&config.output_dir);
    crate::publish::remove_orphaned_temp_files_beside(&config.state_file);
    let mut engine = Engine::new(config);
    let report = engine.scan(now)?;
    print_report(&report);
    let started = std::time::Instant::now();
    let published = engine.publish(now)?;
    engine.save_state();
    tracing::debug!("published and saved the state in {} ms", started.elapsed().as_millis());
    tracing::info!(
        "built {} stories into {} ({} files changed, {} removed, {} rejected, {} bodies rendered; {})",
        published.stories,
        engine.config().output_dir.display(),
        published.replaced.len(),
        published.removed.len(),
        report.errors.len(),
        published.bodies,
        engine.read_summary()
    );
    exit_without_freeing(engine);
    Ok(if report.errors.is_empty() { EXIT_OK } else { EXIT_REJECTED })
}

/// The process is about to exit: freeing a 100,000-story index piece by
/// piece would take longer than the build's render, and the OS takes the
/// memory back at once anyway. (Everything on disk is already written.)
fn exit_without_freeing(engine: Engine) {
    std::mem::forget(engine);
}

/// Builds, then keeps the feeds current until SIGINT/SIGTERM.
pub fn watch(
    config: Config,
    args: &crate::cli::WatchArgs,
    reload: impl Fn() -> Result<Config, FatalError>,
) -> Result<u8, FatalError> {
    // A configuration error stops us before anything is served.
    crate::load::check_articles_dir(&config.articles_dir)?;
    let monitor = std::sync::Arc::new(crate::health::Monitor::default());
    let server = match &args.serve {
        Some(addr) => {
            let addr = match addr.as_str() {
                "" => config.serve.clone().unwrap_or_else(|| DEFAULT_SERVE.to_owned()),
                addr => addr.to_owned(),
            };
            let site = crate::serve::Site {
                max_age: config.cache_max_age,
                feeds_url: Some(config.feeds_url.clone()),
                hubs: config.websub_hubs.iter().map(ToString::to_string).collect(),
                // `/healthz` and `/metrics` beside the files, unless an
                // admin address answers them.
                monitor: config.admin.is_none().then(|| monitor.clone()),
            };
            Some(crate::serve::start(&addr, &config.output_dir, site)?)
        }
        None => None,
    };
    let admin = match &config.admin {
        Some(addr) => Some(crate::serve::start_admin(&crate::serve::admin_address(addr), monitor.clone())?),
        None => None,
    };
    let (tx, rx) = crate::watch::channel();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    crate::watch::forward_signals(tx.clone(), cancel.clone())
        .map_err(|e| FatalError::Other(format!("cannot handle signals: {e}")))?;
    crate::watch::run(config, crate::watch::Options { poll_ms: args.poll }, reload, (tx, rx), cancel, monitor)?;
    for server in [server, admin].into_iter().flatten() {
        server.stop();
    }
    Ok(EXIT_OK)
}

/// Parses everything and reports every problem; writes nothing.
pub fn check(config: Config, now: DateTime<Utc>) -> Result<u8, FatalError> {
    let mut engine = Engine::new(config);
    let report = engine.scan(now)?;
    print_report(&report);
    match (report.errors.is_empty(), report.warnings.len()) {
        (true, 0) => tracing::info!("{} stories, no problems", engine.index().len()),
        (true, 1) => tracing::info!("{} stories, no errors, 1 warning", engine.index().len()),
        (true, n) => tracing::info!("{} stories, no errors, {n} warnings", engine.index().len()),
        (false, _) => {}
    }
    let clean = report.errors.is_empty();
    exit_without_freeing(engine);
    Ok(if clean { EXIT_OK } else { EXIT_REJECTED })
}

/// Creates a draft story named by a slug of its title and returns its path.
pub fn new_story(config: &Config, title: &str, now: DateTime<Utc>) -> Result<PathBuf, FatalError> {
    if title.trim().is_empty() {
        return Err(FatalError::Usage("the title is empty — give the story a headline: feedsmith new \"标题\"".into()));
    }
    let dir = &config.articles_dir;
    std::fs::create_dir_all(dir).map_err(|source| FatalError::Io { path: dir.clone(), source })?;
    let slug = safe_name(title);
    let date = now.with_timezone(&config.timezone).to_rfc3339_opts(SecondsFormat::Secs, true);
    let text = format!("+++\ntitle = {}\ndate = {date}\ndraft = true\n+++\n\n", toml_string(title));
    for n in 1.. {
        let name = if n == 1 { format!("{slug}.md") } else { format!("{slug}-{n}.md") };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(text.as_bytes()).map_err(|source| FatalError::Io { path: path.clone(), source })?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(FatalError::Io { path, source }),
        }
    }
    unreachable!("some numbered name is free")
}

/// Turns newspaper pages into story files under
/// `articles_dir/YYYY/MM/YYYY-MM-DD-<slug>.md` (drafts unless `--publish`)
/// and prints each written path. Never overwrites: a file that already
/// holds what the page gives is left silently, one that differs (an editor
/// changed it, or the page did) is left and reported. 1 when anything was
/// guessed, left out or left as it was; 2 when a page cannot be read or
/// `--date` is not a date, before anything is written.
pub fn import(config: &Config, args: &crate::cli::ImportArgs, now: DateTime<Utc>) -> Result<u8, FatalError> {
    let date = match &args.date {
        Some(text) => parse_issue_date(text)?,
        None => now.with_timezone(&config.timezone).date_naive(),
    };
    let pages =
        args.pages.iter().map(|path| read_page(path).map(|text| (path, text))).collect::<Result<Vec<_>, _>>()?;
    let mut clean = true;
    let mut placed: HashMap<PathBuf, String> = HashMap::new();
    let mut out = Output { stdout: std::io::stdout().lock(), closed: false };
    for (page_path, text) in &pages {
        let page = crate::import::parse_page(text);
        for note in &page.notes {
            eprintln!("{}:{}: {}", page_path.display(), note.line, note.message);
            clean &= !note.unsure;
        }
        if page.stories.is_empty() && !page.notes.iter().any(|n| n.unsure) {
            eprintln!("no story found on {}", page_path.display());
            clean = false;
        }
        for story in &page.stories {
            let text = crate::import::render(story, date, !args.publish);
            let dir = config.articles_dir.join(date.format("%Y").to_string()).join(date.format("%m").to_string());
            let Some(path) = story_path(&dir, story, date, &text, &placed) else {
                continue; // the same story twice in this run
            };
            placed.insert(path.clone(), text.clone());
            match place(&path, &text, args.dry_run)? {
                Placed::Written => out.line(&path.display().to_string()),
                Placed::WouldWrite => out.line(&format!("{}\n{text}", path.display())),
                Placed::Same => {}
                Placed::Differs => {
                    eprintln!(
                        "{}: changed since it was imported; left as it is — the page at {}:{} gives other text; \
                         delete or rename the file to import it again",
                        path.display(),
                        page_path.display(),
                        story.line
                    );
                    clean = false;
                }
            }
        }
    }
    Ok(if clean { EXIT_OK } else { EXIT_REJECTED })
}

/// Standard output that stops quietly when the reader goes away
/// (`feedsmith import --dry-run PAGE | head`): the import goes on, its
/// exit status as usual.
struct Output<W: std::io::Write> {
    stdout: W,
    closed: bool,
}

impl<W: std::io::Write> Output<W> {
    fn line(&mut self, text: &str) {
        if self.closed {
            return;
        }
        if let Err(e) = writeln!(self.stdout, "{text}").and_then(|()| self.stdout.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("cannot write to standard output: {e}");
            }
            self.closed = true;
        }
    }
}

/// `YYYY-MM-DD` exactly: four-digit year, two-digit month and day (chrono
/// alone also takes `24-3-1` and `+2024-03-08`).
pub(crate) fn parse_issue_date(text: &str) -> Result<NaiveDate, FatalError> {
    let text = text.trim();
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| d.year() >= 1)
        .ok_or_else(|| {
            FatalError::Usage(format!(
                "--date {text:?} is not a date as YYYY-MM-DD — give the issue date with a four-digit year and two-digit month and day, such as 2024-03-09"
            ))
        })
}

/// A page's text: UTF-8, or GB18030 with a warning (as story files).
fn read_page(path: &Path) -> Result<String, FatalError> {
    use crate::article::decode::{decode, Decoded, NotText};
    let fail = |message: String, hint: &str| FatalError::Config { path: path.to_owned(), message, hint: hint.into() };
    let bytes = std::fs::read(path)
        .map_err(|e| fail(format!("cannot read the page: {e}"), "give the path of a page's text file"))?;
    let (text, how) = decode(&bytes).map_err(|e| match e {
        NotText::Binary { offset } => fail(
            format!("not a text file (NUL byte at offset {offset})"),
            "give the text extracted from the page's PDF, not the PDF itself",
        ),
        NotText::Utf32 => fail("UTF-32 text".into(), "save the page as UTF-8"),
        NotText::Undecodable { offset } => {
            fail(format!("not UTF-8, UTF-16 or GB18030 text (bad byte at offset {offset})"), "save the page as UTF-8")
        }
    })?;
    if how == Decoded::Gb18030 {
        eprintln!("warning: {}: read as GB18030 (not valid UTF-8)", path.display());
    }
    Ok(text.into_owned())
}

/// Where a story goes in `dir`: named by its headline, unless a different
/// story (one that opens otherwise, see [`crate::import::is_same_story`])
/// has that name, on disk or in this run; then by headline and a hash of
/// its body ([`crate::import::distinct_file_name`]), whatever the order the
/// stories come in. `None` when this run already placed the same text.
fn story_path(
    dir: &Path,
    story: &crate::import::Story,
    date: NaiveDate,
    text: &str,
    placed: &HashMap<PathBuf, String>,
) -> Option<PathBuf> {
    let plain = dir.join(crate::import::file_name(story, date));
    let distinct = dir.join(crate::import::distinct_file_name(story, date));
    let path = match placed.get(&plain) {
        Some(same) if same == text => return None,
        Some(_) => distinct,
        None => match std::fs::read_to_string(&plain) {
            Ok(existing) if existing != text && !crate::import::is_same_story(&existing, story) => distinct,
            _ => plain,
        },
    };
    match placed.get(&path) {
        Some(same) if same == text => None,
        _ => Some(path),
    }
}

enum Placed {
    Written,
    WouldWrite,
    /// The file holds exactly this text already.
    Same,
    /// The file holds something else: left as it is.
    Differs,
}

/// Writes `text` to `path` unless a file is there: through a hidden temp
/// file in the same folder, linked into place only if the name is still
/// free, so a running daemon never reads half a story and nothing is ever
/// overwritten.
fn place(path: &Path, text: &str, dry_run: bool) -> Result<Placed, FatalError> {
    use std::io::Write;
    let io = |source| FatalError::Io { path: path.to_owned(), source };
    match std::fs::read(path) {
        Ok(existing) if existing == text.as_bytes() => return Ok(Placed::Same),
        Ok(_) => return Ok(Placed::Differs),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    if dry_run {
        return Ok(Placed::WouldWrite);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::Builder::new().prefix(".import-").suffix(".tmp").tempfile_in(dir).map_err(io)?;
    temp.write_all(text.as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(Placed::Written),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Placed::Differs),
        Err(e) => Err(io(e.error)),
    }
}

/// `text` as a TOML string, escaped by the toml crate.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// One line per problem on stderr, as `path:line:col: what — what to do`.
pub fn print_report(report: &Report) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for error in &report.errors {
        eprintln!("{error}");
    }
}
