//! Any bytes as a story file: decoding, front matter, dates, Markdown and
//! sanitising must never panic or hang; decoded text has no CR and no
//! U+FFFD the input did not hold; one-line fields are one line of XML-safe
//! text; the content HTML carries nothing a reader could run. The checks
//! are `check_story_bytes`, shared with the integration tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The properties file is shared with `tests/it`; this target uses one of
// its checks, so the other is dead code here.
#[allow(dead_code)]
#[path = "../../tests/it/properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| properties::check_story_bytes(data));
