//! JSON Feed 1.1 (https://jsonfeed.org/version/1.1) (pure).

use serde::Serialize;

use super::Feed;
use crate::layout::{feed_url, Format};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    summary: &'a str,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_in_seconds: Option<u64>,
}

pub fn to_json_feed(feed: &Feed) -> String {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed.json_url,
        description: &feed.description,
        favicon: feed.icon.as_deref(),
        language: feed.language.as_deref(),
        authors: vec![Author { name: &feed.author }],
        // Paging back through history: the next older archive page.
        next_url: feed.prev_archive.as_ref().map(|folder| feed_url(folder, Format::Json)),
        hubs: feed.hubs.iter().map(|url| Hub { kind: "WebSub", url }).collect(),
        items: feed
            .items
            .iter()
            .map(|item| {
                let mut tags: Vec<&str> = item.categories.iter().chain(&item.tags).map(String::as_str).collect();
                let mut seen = std::collections::HashSet::new();
                tags.retain(|t| seen.insert(*t));
                JsonItem {
                    id: &item.id,
                    url: &item.link,
                    title: &item.title,
                    content_html: item.content_html.as_deref(),
                    // JSON Feed needs content: a summary-only entry carries its summary.
                    content_text: item.content_html.is_none().then_some(item.summary.as_str()),
                    summary: &item.summary,
                    date_published: item.published.to_rfc3339(),
                    date_modified: item.updated.to_rfc3339(),
                    // Every item names its authors: many readers ignore the feed's.
                    authors: match item.authors.is_empty() {
                        true => vec![Author { name: &feed.author }],
                        false => item.authors.iter().map(|name| Author { name }).collect(),
                    },
                    tags,
                    language: item.lang.as_deref(),
                    image: item.image.as_ref().map(|i| i.url.as_str()),
                    attachments: item
                        .attachments
                        .iter()
                        .map(|a| Attachment {
                            url: &a.url,
                            mime_type: &a.mime_type,
                            title: a.title.as_deref(),
                            size_in_bytes: a.length,
                            duration_in_seconds: a.duration,
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("serializing plain structs cannot fail") + "\n"
}
