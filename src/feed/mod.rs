//! The one feed model the three serializers share, built from selected
//! stories (pure). Every text enters through [`xml_safe`], so what XML 1.0
//! cannot carry never reaches any of the formats.

pub mod atom;
pub mod index_page;
pub mod json_feed;
pub mod rss;
pub mod stylesheet;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::article::{Enclosure, Story};
use crate::config::Taxonomy;
use crate::layout::{feed_url, taxonomy_url, Format};

/// RFC 5005's namespace.
pub const HISTORY_NS: &str = "http://purl.org/syndication/history/1.0";

/// Media RSS's namespace.
pub const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

pub const GENERATOR: &str = "feedsmith";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One feed, ready to serialize.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub title: String,
    pub description: String,
    pub home_url: String,
    pub rss_url: String,
    pub atom_url: String,
    pub json_url: String,
    pub language: Option<String>,
    /// Feed-level author: covers entries that name none (Atom requires one).
    pub author: String,
    pub hubs: Vec<String>,
    /// Scheme URIs for tag and category terms.
    pub tag_scheme: String,
    pub category_scheme: String,
    /// The newest `updated` among the items: never the wall clock.
    pub updated: DateTime<FixedOffset>,
    pub items: Vec<Item>,
    /// RFC 5005: this document is an archive (`fh:archive`).
    pub archive: bool,
    /// RFC 5005: this document holds every entry of the feed
    /// (`fh:complete`): the archive of the only month there is.
    pub complete: bool,
    /// RFC 5005 links, as folder URLs ending in `/`: each format appends
    /// its own file name. `current` is the subscription feed's folder.
    pub current: Option<String>,
    pub prev_archive: Option<String>,
    pub next_archive: Option<String>,
    /// The `href` of the XSLT stylesheet the RSS and Atom files name, if any.
    pub stylesheet: Option<String>,
    /// The site icon's URL (Atom `icon`, JSON Feed `favicon`), if any.
    pub icon: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub link: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub summary: String,
    /// `None` in summary-only archives.
    pub content_html: Option<String>,
    pub lang: Option<String>,
    /// Shown on the index page; the feeds carry them inside `content_html`.
    pub kicker: Option<String>,
    pub subtitle: Option<String>,
    /// The lead image: front matter `image`, else the body's first image.
    pub image: Option<Enclosure>,
    /// `image` is the story's own (front matter), not the first picture
    /// of its body: only that one is known without rendering the body.
    pub image_given: bool,
    pub attachments: Vec<Enclosure>,
}

impl Item {
    /// RSS `isPermaLink`: the id is the story's own http(s) address.
    pub fn is_permalink(&self) -> bool {
        self.id == self.link && (self.id.starts_with("http://") || self.id.starts_with("https://"))
    }
}

/// What a feed says about itself, independent of its stories.
#[derive(Debug, Clone)]
pub struct Head {
    pub title: String,
    pub description: String,
    pub home_url: String,
    /// The folder URL the feed files are published under, ending in `/`.
    pub folder_url: String,
    pub feeds_url: String,
    pub language: Option<String>,
    pub author: Option<String>,
    pub hubs: Vec<String>,
    pub timezone: Tz,
    pub archive: bool,
    /// See [`Feed::complete`].
    pub complete: bool,
    pub current: Option<String>,
    pub prev_archive: Option<String>,
    pub next_archive: Option<String>,
    /// See [`Feed::stylesheet`].
    pub stylesheet: Option<String>,
    /// See [`Feed::icon`].
    pub icon: Option<String>,
}

/// A selected story with its `updated` moment and rendered content.
#[derive(Debug, Clone)]
pub struct Selected<'a> {
    pub story: &'a Story,
    pub updated: DateTime<Utc>,
    /// `None` for a summary-only entry.
    pub content_html: Option<Arc<str>>,
}

/// Builds the feed model. Dates are shown with the site timezone's offset.
pub fn build(head: &Head, selected: &[Selected<'_>]) -> Feed {
    let tz = head.timezone;
    let local = |d: DateTime<Utc>| in_zone(d, tz);
    let items: Vec<Item> = selected
        .iter()
        .map(|s| Item {
            id: xml_safe(&s.story.id),
            link: xml_safe(&s.story.link),
            title: xml_safe(&s.story.title),
            published: local(s.story.date),
            updated: local(s.updated),
            authors: s.story.authors.iter().map(|a| xml_safe(a)).collect(),
            tags: s.story.tags.iter().map(|t| xml_safe(t)).collect(),
            categories: s.story.categories.iter().map(|t| xml_safe(t)).collect(),
            summary: xml_safe(&s.story.summary),
            content_html: s.content_html.as_deref().map(xml_safe),
            lang: s.story.lang.as_deref().map(xml_safe),
            kicker: s.story.kicker.as_deref().map(xml_safe),
            subtitle: s.story.subtitle.as_deref().map(xml_safe),
            image: s
                .story
                .enclosures
                .image
                .as_deref()
                .cloned()
                .or_else(|| s.content_html.as_deref().and_then(|html| first_image(html, &missing_images(s.story)))),
            image_given: s.story.enclosures.image.is_some(),
            attachments: s.story.enclosures.attachments.clone(),
        })
        .collect();
    let updated = selected
        .iter()
        .map(|s| s.updated)
        .max()
        .map_or_else(|| Utc.timestamp_opt(0, 0).single().unwrap_or_default().with_timezone(&tz).fixed_offset(), local);
    Feed {
        title: xml_safe(&head.title),
        description: xml_safe(&head.description),
        home_url: head.home_url.clone(),
        rss_url: feed_url(&head.folder_url, Format::Rss),
        atom_url: feed_url(&head.folder_url, Format::Atom),
        json_url: feed_url(&head.folder_url, Format::Json),
        language: head.language.as_deref().map(xml_safe),
        author: xml_safe(head.author.as_deref().unwrap_or(&head.title)),
        hubs: head.hubs.clone(),
        tag_scheme: taxonomy_url(&head.feeds_url, Taxonomy::Tags),
        category_scheme: taxonomy_url(&head.feeds_url, Taxonomy::Categories),
        updated,
        items,
        archive: head.archive,
        complete: head.complete,
        current: head.current.clone(),
        prev_archive: head.prev_archive.clone(),
        next_archive: head.next_archive.clone(),
        stylesheet: head.stylesheet.clone(),
        icon: head.icon.clone(),
    }
}

/// `date` with the offset `tz` has at that moment; in UTC where that
/// offset has seconds (local mean time, before 1900 or so), which no feed
/// format can write: rounded to the minute, the moment would move.
pub fn in_zone(date: DateTime<Utc>, tz: Tz) -> DateTime<FixedOffset> {
    let local = date.with_timezone(&tz).fixed_offset();
    match local.offset().local_minus_utc() % 60 {
        0 => local,
        _ => date.fixed_offset(),
    }
}

/// The text a serializer wrote, checked as UTF-8 by the vectorised
/// validator (the standard one was a tenth of a build's time, over every
/// byte of every feed); a byte that is not UTF-8, which the serializers
/// never write, becomes U+FFFD rather than a panic.
pub fn utf8_string(bytes: Vec<u8>) -> String {
    match simdutf8::basic::from_utf8(&bytes) {
        // SAFETY: simdutf8 has just validated every byte as UTF-8.
        Ok(_) => unsafe { String::from_utf8_unchecked(bytes) },
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// An RFC 822 date as RSS writes it (`Thu, 7 Mar 2024 15:00:00 +0800`).
/// Dates are checked to be writable where they are parsed; a moment that
/// is not (a year beyond 9999) is still written, never a panic.
pub fn rfc2822(date: &DateTime<FixedOffset>) -> String {
    use chrono::Datelike;
    if (0..=9999).contains(&date.year()) {
        date.to_rfc2822()
    } else {
        date.format("%a, %-d %b %Y %H:%M:%S %z").to_string()
    }
}

/// The first `<img src="…">` of sanitised HTML (whose URLs are absolute and
/// whose attributes are double-quoted), as an image of a guessed type.
/// The first picture whose URL is not in `missing` (local files the body
/// names that are not there: announcing one would announce a 404).
pub fn first_image(html: &str, missing: &[String]) -> Option<Enclosure> {
    let mut rest = html;
    while let Some(at) = rest.find("<img ") {
        let tag = rest.get(at..)?;
        let end = tag.find('>')?;
        rest = tag.get(end..)?;
        let Some(src) = tag[..end].split(" src=\"").nth(1).and_then(|s| s.split('"').next()) else { continue };
        let url = src.replace("&amp;", "&");
        if !(url.starts_with("http://") || url.starts_with("https://")) || missing.contains(&url) {
            continue;
        }
        let path = url.split(['?', '#']).next().unwrap_or("");
        let mime_type = crate::layout::media_type(Path::new(path)).unwrap_or_else(|| "image/jpeg".to_owned());
        return Some(Enclosure { url, mime_type, ..Enclosure::default() });
    }
    None
}

/// The URLs the story's pictures that are not there were given (resolved
/// against its link, as the sanitiser resolves a reference it cannot
/// publish).
fn missing_images(story: &Story) -> Vec<String> {
    if story.refs.is_empty() {
        return Vec::new();
    }
    let Ok(base) = url::Url::parse(&story.link) else { return Vec::new() };
    let dir = story.path.parent().unwrap_or(Path::new(""));
    let targets: std::collections::HashSet<&Path> =
        story.enclosures.inline.iter().map(|i| i.target.as_path()).collect();
    let published = |r: &crate::article::refs::BodyRef| {
        r.file()
            .and_then(|f| crate::article::refs::normalize(&dir.join(f)))
            .is_some_and(|target| targets.contains(target.as_path()))
    };
    story
        .refs
        .iter()
        .filter(|r| r.kind == crate::article::refs::RefKind::Image && !published(r))
        .filter_map(|r| base.join(&r.reference).ok().map(String::from))
        .collect()
}

/// The RFC 5005 links a feed carries, as (rel, folder URL).
pub fn history_links(feed: &Feed) -> Vec<(&'static str, &str)> {
    [("current", &feed.current), ("prev-archive", &feed.prev_archive), ("next-archive", &feed.next_archive)]
        .into_iter()
        .filter_map(|(rel, folder)| folder.as_deref().map(|f| (rel, f)))
        .collect()
}

pub use crate::chars::{is_xml_char, xml_safe};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_writes_every_moment_without_panicking() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("date");
        assert_eq!(rfc2822(&at("2024-03-07T15:00:00+08:00")), "Thu, 7 Mar 2024 15:00:00 +0800");
        // chrono's own formatter panics outside 0..=9999; ours must not.
        let far = at("9999-12-31T23:59:00+00:00").with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset"));
        assert!(rfc2822(&far).contains("10000"), "{}", rfc2822(&far));
    }

    /// Regression: local mean time offsets (+08:05:43 in Shanghai before
    /// 1901) were written rounded to the minute, moving the moment 17 s.
    #[test]
    fn offsets_with_seconds_are_written_in_utc() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("date");
        let old = at("1900-01-01T00:00:00+00:00").with_timezone(&Utc);
        let written = in_zone(old, chrono_tz::Asia::Shanghai);
        assert_eq!((written.offset().local_minus_utc(), written.with_timezone(&Utc)), (0, old));
        let now = at("2024-03-07T07:00:00+00:00").with_timezone(&Utc);
        assert_eq!(in_zone(now, chrono_tz::Asia::Shanghai).to_rfc3339(), "2024-03-07T15:00:00+08:00");
    }
}
