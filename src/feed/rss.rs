//! RSS 2.0 with the `content`, `dc` and `atom` namespaces (pure).

use std::collections::BTreeMap;

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::DublinCoreExtension;
use ::rss::extension::{Extension, ExtensionMap};
use ::rss::{Category, Channel, Guid, Item as RssItem};

use crate::article::text::escape;

use super::{Feed, GENERATOR, HISTORY_NS, VERSION};

pub fn to_rss(feed: &Feed) -> String {
    let mut links = vec![Link {
        href: feed.rss_url.clone(),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    }];
    links.extend(feed.hubs.iter().map(|hub| Link { href: hub.clone(), rel: "hub".into(), ..Link::default() }));
    for (rel, folder) in super::history_links(feed) {
        links.push(Link {
            href: format!("{folder}rss.xml"),
            rel: rel.into(),
            mime_type: Some("application/rss+xml".into()),
            ..Link::default()
        });
    }
    let mut namespaces = BTreeMap::from([
        ("atom".to_owned(), "http://www.w3.org/2005/Atom".to_owned()),
        ("content".to_owned(), "http://purl.org/rss/1.0/modules/content/".to_owned()),
        ("dc".to_owned(), "http://purl.org/dc/elements/1.1/".to_owned()),
    ]);
    let mut extensions = ExtensionMap::default();
    if feed.archive {
        namespaces.insert("fh".into(), HISTORY_NS.into());
        let archive = Extension { name: "fh:archive".into(), ..Extension::default() };
        extensions.insert("fh".into(), BTreeMap::from([("archive".to_owned(), vec![archive])]));
    }
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        description: feed.description.clone(),
        language: feed.language.clone(),
        last_build_date: Some(feed.updated.to_rfc2822()),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        items: feed.items.iter().map(|item| to_item(feed, item)).collect(),
        atom_ext: Some(AtomExtension { links }),
        extensions,
        namespaces,
        ..Channel::default()
    };
    let bytes = channel.pretty_write_to(Vec::new(), b' ', 2).expect("writing to a Vec cannot fail");
    String::from_utf8(bytes).expect("the rss crate writes UTF-8") + "\n"
}

fn to_item(feed: &Feed, item: &super::Item) -> RssItem {
    let categories = item
        .categories
        .iter()
        .map(|c| Category { name: c.clone(), domain: Some(feed.category_scheme.clone()) })
        .chain(item.tags.iter().map(|t| Category { name: t.clone(), domain: Some(feed.tag_scheme.clone()) }))
        .collect();
    let creators = if item.authors.is_empty() { vec![feed.author.clone()] } else { item.authors.clone() };
    RssItem {
        title: Some(item.title.clone()),
        link: Some(item.link.clone()),
        // RSS descriptions are HTML: the plain-text summary is escaped.
        description: Some(escape(&item.summary)),
        categories,
        guid: Some(Guid { value: item.id.clone(), permalink: item.is_permalink() }),
        pub_date: Some(item.published.to_rfc2822()),
        content: item.content_html.clone(),
        dublin_core_ext: Some(DublinCoreExtension { creators, ..DublinCoreExtension::default() }),
        ..RssItem::default()
    }
}
