//! Any story text all the way to the three feeds: the content HTML must be
//! harmless, the XML well formed (roxmltree, strict: XML 1.0 characters
//! only) and the JSON valid, and both must parse back (feed-rs). The
//! checks are `check_story_to_feeds`, shared with the integration tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The properties file is shared with `tests/it`; this target uses one of
// its checks, so the other is dead code here.
#[allow(dead_code)]
#[path = "../../tests/it/properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| properties::check_story_to_feeds(data));
