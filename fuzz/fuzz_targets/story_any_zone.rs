//! Whole stories — front matter included, every date form — in every IANA
//! timezone (told by the first two bytes) through the three serializers:
//! a date no feed can carry must be rejected where it is parsed, never
//! reach a serializer and panic there. The checks are shared with the
//! integration tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/it/properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| properties::check_story_in_any_zone(data));
