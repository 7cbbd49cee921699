//! `index.html`: a page for people, listing the feeds (with autodiscovery
//! links) and the latest stories. Deterministic, no JavaScript (pure).

use super::Feed;
use crate::article::text::escape;
use crate::layout::{feed_url, Format};

/// A feed folder to list: what it is, its name as a reader knows it (the
/// term as written, the month) and its path under the output folder
/// (`"tags/ba-ba/"`, `"archive/2024-03/"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub kind: ListedKind,
    pub name: String,
    pub folder: String,
}

/// The kinds of feeds the page lists under headings of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ListedKind {
    Tag,
    Category,
    Author,
    Month,
}

/// The page's words, in the site's language: Chinese for `zh…`, English
/// otherwise.
struct Words {
    subscribe: &'static str,
    how: &'static str,
    all_stories: &'static str,
    latest: &'static str,
    by: &'static str,
    /// Between two names.
    and: &'static str,
    heading: fn(ListedKind) -> &'static str,
}

const CHINESE: Words = Words {
    subscribe: "订阅",
    how: "把订阅源的网址复制到阅读器（如 NetNewsWire、Feedly、Inoreader）中即可订阅，有新稿件时阅读器会自动收到。",
    all_stories: "全部稿件",
    latest: "最新稿件",
    by: "作者：",
    and: "、",
    heading: |kind| match kind {
        ListedKind::Tag => "按标签",
        ListedKind::Category => "按分类",
        ListedKind::Author => "按作者",
        ListedKind::Month => "往期（按月）",
    },
};

const ENGLISH: Words = Words {
    subscribe: "Subscribe",
    how: "Copy a feed's address into a feed reader (NetNewsWire, Feedly, Inoreader…) to get new stories as they are published.",
    all_stories: "All stories",
    latest: "Latest stories",
    by: "By ",
    and: ", ",
    heading: |kind| match kind {
        ListedKind::Tag => "By tag",
        ListedKind::Category => "By category",
        ListedKind::Author => "By author",
        ListedKind::Month => "Archives by month",
    },
};

fn words(language: Option<&str>) -> &'static Words {
    if is_chinese(language) {
        &CHINESE
    } else {
        &ENGLISH
    }
}

/// Whether pages for people are written in Chinese: the site's language is
/// `zh…` (Simplified Chinese words; English for every other language).
pub(super) fn is_chinese(language: Option<&str>) -> bool {
    language.is_some_and(|lang| lang.to_ascii_lowercase().starts_with("zh"))
}

const STYLE: &str = "body{font:16px/1.7 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222;background:#fff}\
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}\
article{margin:1.2rem 0}article h3{font-size:1.15rem;margin:.1rem 0}.kicker,.subtitle{margin:0;color:#555;font-size:.95rem}\
time,.by{color:#777;font-size:.85rem}img.lead{display:block;max-width:100%;height:auto;max-height:18rem;margin:.4rem 0;border-radius:.3rem}ul{padding-left:1.2rem}a{color:#0645ad}.links{white-space:nowrap}\
@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}.kicker,.subtitle{color:#aaa}a{color:#8ab4f8}}";

/// Links in the page are relative, so it works wherever the folder is served.
pub fn index_html(main: &Feed, taxonomies: &[Listed]) -> String {
    let title = escape(&main.title);
    let mut out = String::with_capacity(4096 + main.items.len() * 512);
    out.push_str("<!DOCTYPE html>\n");
    match &main.language {
        Some(lang) => out.push_str(&format!("<html lang=\"{}\">\n", escape(lang))),
        None => out.push_str("<html>\n"),
    }
    out.push_str(
        "<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    out.push_str(&format!("<title>{title}</title>\n"));
    if let Some(icon) = &main.icon {
        out.push_str(&format!("<link rel=\"icon\" href=\"{}\">\n", escape(icon)));
    }
    for format in Format::ALL {
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"{}\" title=\"{title} ({})\" href=\"{}\">\n",
            format.mime(),
            format.label(),
            format.file_name()
        ));
    }
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"));
    if main.description != main.title {
        out.push_str(&format!("<p>{}</p>\n", escape(&main.description)));
    }
    let words = words(main.language.as_deref());
    out.push_str(&format!("</header>\n<nav>\n<h2>{}</h2>\n<p>{}</p>\n<ul>\n", words.subscribe, words.how));
    out.push_str(&feed_item(words.all_stories, ""));
    out.push_str("</ul>\n");
    let mut kinds: Vec<ListedKind> = taxonomies.iter().map(|l| l.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        out.push_str(&format!("<h3>{}</h3>\n<ul>\n", (words.heading)(kind)));
        for listed in taxonomies.iter().filter(|l| l.kind == kind) {
            out.push_str(&feed_item(&listed.name, &listed.folder));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!("</nav>\n<main>\n<h2>{}</h2>\n", words.latest));
    for item in &main.items {
        match &item.lang {
            Some(lang) => out.push_str(&format!("<article lang=\"{}\">\n", escape(lang))),
            None => out.push_str("<article>\n"),
        }
        if let Some(kicker) = &item.kicker {
            out.push_str(&format!("<p class=\"kicker\">{}</p>\n", escape(kicker)));
        }
        out.push_str(&format!("<h3><a href=\"{}\">{}</a></h3>\n", escape(&item.link), escape(&item.title)));
        if let Some(subtitle) = &item.subtitle {
            out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape(subtitle)));
        }
        // The story's own lead image: the page is made with or without the
        // bodies, and must not change with that.
        let lead = item.image.as_ref().filter(|i| item.image_given && i.mime_type.starts_with("image/"));
        if let Some(image) = lead {
            out.push_str(&format!(
                "<img class=\"lead\" src=\"{}\" alt=\"{}\" loading=\"lazy\">\n",
                escape(&image.url),
                escape(image.title.as_deref().unwrap_or_default())
            ));
        }
        // As the feeds say it: the site's author where the story names none
        // (the site's title stands in for a missing one there; not here).
        let site_author = (main.author != main.title).then(|| std::slice::from_ref(&main.author));
        let authors = if item.authors.is_empty() { site_author.unwrap_or_default() } else { &item.authors[..] };
        if !authors.is_empty() {
            out.push_str(&format!("<span class=\"by\">{}{}</span>\n", words.by, escape(&authors.join(words.and))));
        }
        out.push_str(&format!(
            "<time datetime=\"{}\">{}</time>\n<p>{}</p>\n</article>\n",
            item.published.to_rfc3339(),
            shown_time(item.published),
            escape(&item.summary)
        ));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A moment as a person reads it: the date, and the time of day unless it
/// is midnight (a story dated without a time is not shown as "00:00").
fn shown_time(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::Timelike;
    if at.num_seconds_from_midnight() == 0 {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// One feed: its name, then its three formats kept together on one line
/// (no separator is left at the start of a wrapped line on a phone).
fn feed_item(name: &str, folder: &str) -> String {
    let links: Vec<String> = Format::ALL
        .iter()
        .map(|f| format!("<a href=\"{}\">{}</a>", escape(&feed_url(folder, *f)), f.label()))
        .collect();
    format!("<li>{}&nbsp;— <span class=\"links\">{}</span></li>\n", escape(name), links.join("&nbsp;· "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_the_site_language() {
        assert_eq!(words(Some("zh-CN")).subscribe, "订阅");
        assert_eq!(words(Some("ZH-hans")).latest, "最新稿件");
        assert_eq!(words(Some("en")).subscribe, "Subscribe");
        assert_eq!(words(None).all_stories, "All stories", "English when the language is not known");
        assert_eq!(words(Some("fr")).all_stories, "All stories");
    }

    #[test]
    fn feed_links_stay_together_and_no_separator_starts_a_line() {
        let li = feed_item("八八战略", "tags/ba-ba/");
        assert!(li.contains("八八战略&nbsp;— <span class=\"links\">"), "{li}");
        assert!(!li.contains(" · ") && li.contains("&nbsp;· "), "{li}");
        assert!(li.contains("href=\"tags/ba-ba/feed.json\""), "{li}");
    }

    #[test]
    fn a_date_without_a_time_is_shown_without_one() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("date");
        assert_eq!(shown_time(at("2024-03-07T00:00:00+08:00")), "2024-03-07");
        assert_eq!(shown_time(at("2024-03-07T15:30:00+08:00")), "2024-03-07 15:30");
        assert_eq!(shown_time(at("2024-03-07T00:00:01+08:00")), "2024-03-07 00:00", "a real time, shown");
    }
}
