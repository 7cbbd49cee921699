//! The one-shot commands: `build`, `check`, `new`. Each returns its exit
//! status; problems with single stories are printed, never fatal.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};

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
            };
            Some(crate::serve::start(&addr, &config.output_dir, site)?)
        }
        None => None,
    };
    let (tx, rx) = crate::watch::channel();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    crate::watch::forward_signals(tx.clone(), cancel.clone())
        .map_err(|e| FatalError::Other(format!("cannot handle signals: {e}")))?;
    crate::watch::run(config, crate::watch::Options { poll_ms: args.poll }, reload, (tx, rx), cancel)?;
    if let Some(server) = server {
        server.stop();
    }
    Ok(EXIT_OK)
}

/// Parses everything and reports every problem; writes nothing.
pub fn check(config: Config, now: DateTime<Utc>) -> Result<u8, FatalError> {
    let mut engine = Engine::new(config);
    let report = engine.scan(now)?;
    print_report(&report);
    if report.errors.is_empty() {
        tracing::info!("{} stories, no problems", engine.index().len());
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
