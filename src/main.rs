//! The `feedsmith` binary: flags in, exit status out.

use std::process::ExitCode;

use clap::Parser;
use feedsmith::cli::{Cli, Command, LogFormat};
use feedsmith::commands::{self, EXIT_OK, EXIT_USAGE};
use feedsmith::config::{Config, Overrides};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, cli.global.quiet, cli.global.log_format);
    let overrides = Overrides {
        articles_dir: cli.global.articles.clone(),
        output_dir: cli.global.output.clone(),
        state_file: cli.global.state.clone(),
    };
    if let Command::Init(args) = &cli.command {
        return init(args);
    }
    if cli.global.config.is_none() && !std::path::Path::new(feedsmith::config::DEFAULT_CONFIG_FILE).is_file() {
        tracing::warn!(
            "no feedsmith.toml here and no --config: using the built-in defaults (title \"feedsmith\", base_url http://localhost:8080/) — `feedsmith init` starts a site of your own"
        );
    }
    let config = match Config::load(cli.global.config.as_deref(), &overrides) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let now = chrono::Utc::now();
    let result = match cli.command {
        Command::Build => commands::build(config, now),
        Command::Check => commands::check(config, now),
        Command::New { title } => commands::new_story(&config, &title, now).map(|path| {
            println!("{}", path.display());
            EXIT_OK
        }),
        Command::Import(args) => commands::import(&config, &args, now),
        Command::Init(_) => unreachable!("handled before the configuration is read"),
        Command::Watch(args) => {
            let explicit = cli.global.config.clone();
            let reload = move || Config::load(explicit.as_deref(), &overrides);
            commands::watch(config, &args, reload)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `feedsmith init`: needs no configuration (it writes one).
fn init(args: &feedsmith::cli::InitArgs) -> ExitCode {
    use feedsmith::init::{NewSite, Outcome};
    let title = args.title.clone().unwrap_or_else(|| {
        let dir = std::path::absolute(&args.dir).unwrap_or_else(|_| args.dir.clone());
        dir.file_name().map_or_else(|| "My site".to_owned(), |n| n.to_string_lossy().into_owned())
    });
    let site = NewSite {
        title,
        base_url: args.base_url.clone(),
        timezone: args.timezone.clone(),
        language: args.language.clone(),
    };
    match feedsmith::init::init(&args.dir, &site, chrono::Utc::now()) {
        Ok(outcomes) => {
            let mut kept = false;
            for outcome in outcomes {
                match outcome {
                    Outcome::Written(path) => println!("{}", path.display()),
                    Outcome::Kept(path) => {
                        kept = true;
                        eprintln!("{}: exists; left as it is", path.display());
                    }
                }
            }
            let config = args.dir.join(feedsmith::config::DEFAULT_CONFIG_FILE);
            eprintln!("next: feedsmith build --config {}", config.display());
            ExitCode::from(if kept { commands::EXIT_REJECTED } else { EXIT_OK })
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Logging to stderr: the level from -v/-q, or the filter in
/// `FEEDSMITH_LOG` (RUST_LOG syntax); text, or one JSON object a line.
fn init_tracing(verbose: u8, quiet: u8, format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let level = match i16::from(verbose) - i16::from(quiet) {
        i16::MIN..=-2 => "error",
        -1 => "warn",
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let mut bad_filter = None;
    let filter = match std::env::var("FEEDSMITH_LOG") {
        Ok(text) if !text.trim().is_empty() => EnvFilter::try_new(&text).unwrap_or_else(|e| {
            bad_filter = Some(format!("FEEDSMITH_LOG={text:?} is not a log filter ({e}); logging at {level}"));
            EnvFilter::new(level)
        }),
        _ => EnvFilter::new(level),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
    if let Some(message) = bad_filter {
        tracing::warn!("{message}");
    }
}
