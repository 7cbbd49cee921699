//! `link_pattern`: story links where the newsroom really publishes them,
//! made from the story's date (in the site's timezone), slug and path
//! (pure). Ids do not use it, so a pattern introduced later changes no id.

use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::slug::url_segment;

/// The placeholders a pattern may hold, and what each becomes.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("{yyyy}", "the year of the story's date, four digits"),
    ("{mm}", "its month, two digits"),
    ("{dd}", "its day, two digits"),
    ("{slug}", "the story's slug, percent-encoded"),
    ("{path}", "the file's path under articles_dir without its extension, each folder percent-encoded"),
];

/// What a link is made of.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    pub date: DateTime<Utc>,
    pub timezone: Tz,
    pub slug: &'a str,
    /// Relative to the articles folder.
    pub path: &'a Path,
}

/// `pattern` with every placeholder replaced. A pattern must first pass
/// [`check`]; anything in braces that is not a placeholder is kept as is.
pub fn expand(pattern: &str, parts: Parts<'_>) -> String {
    let local = parts.date.with_timezone(&parts.timezone);
    let path: Vec<String> =
        parts.path.with_extension("").components().map(|c| url_segment(&c.as_os_str().to_string_lossy())).collect();
    pattern
        .replace("{yyyy}", &format!("{:04}", local.year()))
        .replace("{mm}", &format!("{:02}", local.month()))
        .replace("{dd}", &format!("{:02}", local.day()))
        .replace("{slug}", &url_segment(parts.slug))
        .replace("{path}", &path.join("/"))
}

/// Why a pattern cannot be used, if it cannot: an unknown placeholder, or
/// no absolute http(s) URL once expanded.
pub fn check(pattern: &str) -> Result<(), String> {
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c + 1).unwrap_or(rest.len());
        let name = &rest[open..close];
        if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            let known: Vec<&str> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
            return Err(format!("unknown placeholder {name:?} (known: {})", known.join(", ")));
        }
        rest = &rest[close..];
    }
    let sample = Parts {
        date: DateTime::<Utc>::UNIX_EPOCH,
        timezone: Tz::UTC,
        slug: "slug",
        path: Path::new("2024/03/story.md"),
    };
    match url::Url::parse(&expand(pattern, sample)) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err("it does not make an absolute http(s) URL".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(date: &str, slug: &'a str, path: &'a str) -> Parts<'a> {
        let date = DateTime::parse_from_rfc3339(date).expect("date").with_timezone(&Utc);
        Parts { date, timezone: chrono_tz::Asia::Shanghai, slug, path: Path::new(path) }
    }

    #[test]
    fn dates_are_the_site_timezone_s_and_names_are_encoded() {
        let p = parts("2024-03-06T17:30:00Z", "对标 奋进", "2024/03/对标 奋进.md");
        assert_eq!(
            expand("https://www.ykrb.cn/{yyyy}/{mm}/{dd}/{slug}.html", p),
            "https://www.ykrb.cn/2024/03/07/%E5%AF%B9%E6%A0%87-%E5%A5%8B%E8%BF%9B.html",
            "01:30 on the 7th in Shanghai"
        );
        assert_eq!(expand("https://e.com/{path}/", p), "https://e.com/2024/03/%E5%AF%B9%E6%A0%87-%E5%A5%8B%E8%BF%9B/");
    }

    #[test]
    fn unknown_placeholders_and_non_urls_are_refused() {
        assert!(check("https://e.com/{yyyy}/{slug}.html").is_ok());
        assert!(check("https://e.com/{year}/{slug}").is_err_and(|e| e.contains("\"{year}\"")));
        assert!(check("https://e.com/{slug").is_err_and(|e| e.contains("{slug")));
        assert!(check("/{yyyy}/{slug}.html").is_err_and(|e| e.contains("absolute")));
        assert!(check("javascript:{slug}").is_err());
    }
}
