//! The integration tests, one crate (one link step, one place to look):
//! the real `feedsmith` binary run on temp sites and fixture folders, and
//! the library's parsers and serializers fenced by properties.
//!
//! - `support`: the one site builder, [`support::Site`], and what reads
//!   the outputs back;
//! - `properties`: the checks shared with the fuzz targets in `fuzz/`;
//! - `agree`: the daemon's feeds equal a fresh build after random file
//!   operations (seeded; failing seeds are kept);
//! - one module per area of the contract: `body_media` (the files a body
//!   refers to), `build` (build, check, new, the
//!   committed sample), `import` (newspaper pages to stories), `history` (archived feeds), `restart` (the story
//!   cache: restarts that read nothing unchanged, last good versions kept
//!   across them), `roundtrip` (what a reader gets back), `proptest_feeds` (any text through the
//!   serializers), `watch`, `serve`, `service` (systemd), and `hostile`
//!   (hostile and broken input, one module per kind);
//! - `trust`: what the program promises when the world misbehaves (dates
//!   out of range, unreadable folders, a full or read-only output disk,
//!   exit statuses, id ownership, media, planted output files, folder
//!   links while watching, bounded input, ranges and idle connections);
//!   its tests that need root (setpriv, mount) skip with a notice without.
//!
//! `cargo test` runs the default tier: deterministic, no wall-clock bound
//! (limits only catch hangs and say so). Tests that are slow, or that hold
//! a timing the contract promises (stopping within a second), are
//! `#[ignore = "slow: …"]` in modules named `slow`; run them with
//! `cargo test --test it -- --ignored slow::`.

mod agree;
mod body_media;
mod build;
mod history;
mod hostile;
mod import;
mod properties;
mod proptest_feeds;
mod restart;
mod roundtrip;
mod serve;
mod service;
mod support;
mod trust;
mod watch;
