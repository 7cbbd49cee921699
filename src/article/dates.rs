//! Reading the date forms a story may use (RFC 3339, TOML datetimes, local
//! date-times and bare dates), in the site's timezone (pure).

use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// What to tell a user whose date could not be read.
pub const DATE_HINT: &str =
    "write it as 2024-03-07, 2024-03-07 15:00, 2024-03-07T15:00:00 or 2024-03-07T15:00:00+08:00";

/// What to tell a user whose date does not exist on the calendar.
pub const DAY_HINT: &str = "give a day that exists, such as 2024-03-07";

/// Why a date written `YYYY-MM-DD…` names no day on the calendar
/// (`2024-02-30`: "2024-02 has 29 days"; `2026-13-01`: "there is no month
/// 13"), or `None` when it is not of that form or the day exists.
pub fn impossible_day(text: &str) -> Option<String> {
    let text = text.trim();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if text.get(4..5) != Some("-") || text.get(7..8) != Some("-") {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    if NaiveDate::from_ymd_opt(year, month, day).is_some() {
        return None;
    }
    if !(1..=12).contains(&month) {
        return Some(format!("there is no month {month:02}"));
    }
    let next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) };
    let days = next?.pred_opt()?.format("%d").to_string();
    Some(format!("{year:04}-{month:02} has {days} days"))
}

/// Parses a date or date-time. Forms with an offset are taken as they are;
/// local forms and bare dates (midnight) are read in `tz`.
pub fn parse_date(text: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"] {
        if let Ok(d) = DateTime::<FixedOffset>::parse_from_str(text, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Some(in_zone(local, tz));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(in_zone(date.and_hms_opt(0, 0, 0)?, tz))
}

/// The years a feed can carry: RFC 3339 and RFC 822 dates have four-digit
/// years, and year 0 is refused by many readers.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// What to tell a user whose date is outside [`YEARS`].
pub const RANGE_HINT: &str = "use a year from 0001 to 9999 (in UTC and in the site's timezone)";

/// Whether a moment can be written in every feed format: its year is in
/// [`YEARS`] both in UTC and shifted into the site's timezone.
pub fn writable(date: DateTime<Utc>, tz: Tz) -> bool {
    use chrono::Datelike;
    YEARS.contains(&date.year()) && YEARS.contains(&date.with_timezone(&tz).year())
}

/// Reads a wall-clock time in `tz`. In the repeated hour when clocks go back
/// the earlier instant wins; a time inside the gap when clocks go forward is
/// read as the same wall time one hour later (what the clock on the wall
/// showed a moment after).
pub fn in_zone(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.with_timezone(&Utc),
        LocalResult::None => match tz.from_local_datetime(&(local + Duration::hours(1))) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.with_timezone(&Utc),
            LocalResult::None => Utc.from_utc_datetime(&local),
        },
    }
}

/// A `YYYY-MM-DD-` prefix of a file name, as midnight in `tz`, and the rest of the name.
pub fn filename_date(stem: &str, tz: Tz) -> Option<(DateTime<Utc>, &str)> {
    let prefix = stem.get(..10)?;
    let rest = stem.get(10..)?;
    let rest = rest.strip_prefix('-')?;
    let date = NaiveDate::parse_from_str(prefix, "%Y-%m-%d").ok()?;
    Some((in_zone(date.and_hms_opt(0, 0, 0)?, tz), rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test date").with_timezone(&Utc)
    }

    #[test]
    fn only_moments_every_format_can_write_are_writable() {
        let (sh, ny) = (Asia::Shanghai, America::New_York);
        assert!(writable(utc("2024-03-07T07:00:00Z"), sh));
        assert!(writable(utc("9999-12-31T15:59:59Z"), sh), "23:59:59 in Shanghai");
        assert!(!writable(utc("9999-12-31T23:59:00Z"), sh), "already year 10000 in Shanghai");
        assert!(writable(utc("9999-12-31T23:59:00Z"), ny));
        assert!(!writable(utc("0001-01-01T00:00:00Z"), ny), "year 0 in New York");
        assert!(writable(utc("0001-01-01T00:00:00Z"), sh));
        let year_zero = parse_date("0000-06-01", sh).expect("chrono reads year 0");
        assert!(!writable(year_zero, sh));
    }

    #[test]
    fn days_that_do_not_exist_are_told_why() {
        assert_eq!(impossible_day("2024-02-30").as_deref(), Some("2024-02 has 29 days"));
        assert_eq!(impossible_day("2023-02-29").as_deref(), Some("2023-02 has 28 days"));
        assert_eq!(impossible_day("2026-13-01T08:00:00").as_deref(), Some("there is no month 13"));
        assert_eq!(impossible_day("2024-04-31 15:00").as_deref(), Some("2024-04 has 30 days"));
        assert_eq!(impossible_day("2024-00-10").as_deref(), Some("there is no month 00"));
        assert_eq!(impossible_day("2024-02-29"), None, "a leap day exists");
        assert_eq!(impossible_day("yesterday"), None);
        assert_eq!(impossible_day("2024-2-30"), None, "not of the form: the general message says the forms");
        assert_eq!(impossible_day("二〇二四-02-30"), None);
    }

    #[test]
    fn every_documented_form() {
        let sh = Asia::Shanghai;
        let cases = [
            ("2024-03-07T15:00:00+08:00", "2024-03-07T07:00:00Z"),
            ("2024-03-07T15:00:00Z", "2024-03-07T15:00:00Z"),
            ("2024-03-07T15:00:00.5-05:00", "2024-03-07T20:00:00.5Z"),
            ("2024-03-07 15:00:00+08:00", "2024-03-07T07:00:00Z"),
            ("2024-03-07 15:00:00 +0800", "2024-03-07T07:00:00Z"),
            ("2024-03-07 15:00", "2024-03-07T07:00:00Z"),
            ("2024-03-07T15:00:00", "2024-03-07T07:00:00Z"),
            ("2024-03-07T15:00", "2024-03-07T07:00:00Z"),
            ("2024-03-07 15:00:30", "2024-03-07T07:00:30Z"),
            ("2024-03-07", "2024-03-06T16:00:00Z"),
            ("  2024-03-07  ", "2024-03-06T16:00:00Z"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_date(input, sh), Some(utc(want)), "{input}");
        }
    }

    #[test]
    fn nonsense_is_refused() {
        for input in ["", "2024-13-01", "2024-02-30", "07/03/2024", "yesterday", "2024-03-07 25:00", "12"] {
            assert_eq!(parse_date(input, Tz::UTC), None, "{input}");
        }
    }

    #[test]
    fn daylight_saving_edges_are_deterministic() {
        let ny = America::New_York;
        // 2024-03-10 02:30 does not exist in New York: read as 03:30 EDT.
        assert_eq!(parse_date("2024-03-10 02:30", ny), Some(utc("2024-03-10T07:30:00Z")));
        // 2024-11-03 01:30 happens twice: the first (EDT) wins.
        assert_eq!(parse_date("2024-11-03 01:30", ny), Some(utc("2024-11-03T05:30:00Z")));
    }

    #[test]
    fn filename_prefix() {
        let (d, rest) = filename_date("2024-03-08-police-work", Asia::Shanghai).expect("prefix");
        assert_eq!(d, utc("2024-03-07T16:00:00Z"));
        assert_eq!(rest, "police-work");
        assert!(filename_date("2024-03-08", Tz::UTC).is_none(), "a bare date is a name, not a prefix");
        assert!(filename_date("2024-99-08-x", Tz::UTC).is_none());
        assert!(filename_date("news-2024", Tz::UTC).is_none());
        assert!(filename_date("对标奋进对标奋进", Tz::UTC).is_none(), "never slices inside a character");
    }
}
