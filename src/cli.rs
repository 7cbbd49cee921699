//! Command-line flags (clap derive structs only; no behaviour).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "feedsmith",
    version,
    about = "Keeps RSS 2.0, Atom 1.0 and JSON Feed 1.1 files current from a folder of stories"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file [default: ./feedsmith.toml when present, else built-in defaults]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder of stories (overrides `articles_dir`)
    #[arg(long, global = true, value_name = "DIR")]
    pub articles: Option<PathBuf>,
    /// Folder the feeds are written to (overrides `output_dir`)
    #[arg(long, global = true, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// File remembering when stories changed (overrides `state_file`)
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// More log detail (-v debug, with a line per changed file; -vv trace)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Less log output (-q warnings and errors only, -qq errors only)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub quiet: u8,
    /// Log lines as text, or as one JSON object each (journald, Loki, ELK);
    /// FEEDSMITH_LOG (RUST_LOG syntax, such as "debug" or "feedsmith=debug")
    /// overrides -v/-q
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every story once and write the feeds
    #[command(
        after_help = "Example:\n  feedsmith build --config site/feedsmith.toml\n\nExit status: 0 every story accepted; 1 some story rejected (each printed as path:line:col: what — what to do; the rest is published); 2 configuration or usage error, nothing written; 3 the output folder cannot be written (every feed keeps its last good version)."
    )]
    Build,
    /// Build, then keep the feeds current until SIGINT/SIGTERM
    #[command(
        after_help = "Examples:\n  feedsmith watch\n  feedsmith watch --serve 127.0.0.1:8080\n  feedsmith watch --poll 2000      # network file systems\n\nSIGHUP re-reads the configuration; SIGINT/SIGTERM stop after the rebuild in progress.\nExit status: 0 on a signal; 2 configuration or usage error (an address that cannot be bound too); 3 the first build cannot be written. Once running, errors are logged and retried, never fatal."
    )]
    Watch(WatchArgs),
    /// Parse everything and report every problem; write nothing
    #[command(
        after_help = "Example:\n  feedsmith check && feedsmith build\n\nExit status: 0 no problem; 1 some story rejected (each printed); 2 configuration or usage error."
    )]
    Check,
    /// Create a draft story named after TITLE and print its path
    #[command(
        after_help = "Example:\n  feedsmith new \"对标奋进 对表攻坚\"\n\nExit status: 0 created (the path is printed); 2 an empty title or a configuration error; 3 the articles folder cannot be written."
    )]
    New {
        /// The headline
        title: String,
    },
    /// Turn newspaper pages (text extracted from the page PDF) into story files
    #[command(
        after_help = "Example:\n  feedsmith import --date 2024-03-08 pages/*.txt\n\nExit status: 0 every story imported, nothing guessed; 1 something guessed or left out, a page with no story, or a story an editor changed left as it is (the rest is written); 2 usage error (--date not YYYY-MM-DD, a page that cannot be read), nothing written."
    )]
    Import(ImportArgs),
    /// Start a new site in DIR: a commented feedsmith.toml and an example story
    #[command(
        after_help = "Example:\n  feedsmith init ykrb --title 永康日报 --base-url https://www.ykrb.cn/ --timezone Asia/Shanghai --language zh-CN\n\nExit status: 0 written; 1 a file existed and was left as it is; 2 a flag makes an invalid configuration, nothing written."
    )]
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder of the new site (created if missing)
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The feed's title [default: the folder's name]
    #[arg(long)]
    pub title: Option<String>,
    /// The site's root URL: story links and ids are made from it
    #[arg(long, value_name = "URL", default_value = "http://localhost:8080/")]
    pub base_url: String,
    /// IANA timezone of dates written without an offset
    #[arg(long, value_name = "NAME", default_value = "UTC")]
    pub timezone: String,
    /// Language of the stories (BCP 47, such as zh-CN)
    #[arg(long, value_name = "TAG", default_value = "en")]
    pub language: String,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Page text files (UTF-8, or GB18030)
    #[arg(required = true, value_name = "PAGE")]
    pub pages: Vec<PathBuf>,
    /// Issue date, YYYY-MM-DD [default: today in the site's timezone]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Write the stories published, not as drafts
    #[arg(long)]
    pub publish: bool,
    /// Print what would be written; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Also serve the output folder over HTTP [default address: `serve` in the config]
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    pub serve: Option<String>,
    /// Poll every MS milliseconds (50 to 60000) instead of using OS notifications (network file systems)
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub poll: Option<u64>,
}
