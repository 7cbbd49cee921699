//! feedsmith keeps RSS 2.0, Atom 1.0 and JSON Feed 1.1 files current from a
//! folder of stories. Story files are found and read at the edge (`load`),
//! parsed by pure functions (`article`) into small records kept in an
//! in-memory index ordered by date (`index`); the newest are rendered into
//! one feed model (`feed`) that three pure serializers turn into text, and
//! `publish` writes each file atomically when its bytes change. `engine`
//! ties these together for the one-shot commands and the watcher.

pub mod article;
pub mod cache;
pub mod chars;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod feed;
pub mod health;
pub mod import;
pub mod index;
pub mod init;
pub mod layout;
pub mod load;
pub mod metrics;
pub mod paths;
pub mod publish;
pub mod serve;
pub mod slug;
pub mod state;
pub mod watch;
pub mod websub;
