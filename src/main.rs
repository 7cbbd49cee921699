//! The `feedsmith` binary: flags in, exit status out.

use std::process::ExitCode;

use clap::Parser;
use feedsmith::cli::{Cli, Command};
use feedsmith::commands::{self, EXIT_OK, EXIT_USAGE};
use feedsmith::config::{Config, Overrides};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, cli.global.quiet);
    let overrides = Overrides {
        articles_dir: cli.global.articles.clone(),
        output_dir: cli.global.output.clone(),
        state_file: cli.global.state.clone(),
    };
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

fn init_tracing(verbose: u8, quiet: u8) {
    let level = match i16::from(verbose) - i16::from(quiet) {
        i16::MIN..=-2 => tracing::Level::ERROR,
        -1 => tracing::Level::WARN,
        0 => tracing::Level::INFO,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
