//! Atom 1.0 (RFC 4287) (pure).

use std::collections::BTreeMap;

use atom_syndication::{Category, Content, Entry, Generator, Link, Person, Text, WriteConfig};

use super::{Feed, GENERATOR, HISTORY_NS, VERSION};
use crate::article::text::escape;
use crate::layout::{feed_url, Format};

pub fn to_atom(feed: &Feed) -> String {
    let mut links = vec![
        link(&feed.atom_url, "self", Some(Format::Atom.mime())),
        link(&feed.home_url, "alternate", Some("text/html")),
    ];
    links.extend(feed.hubs.iter().map(|hub| link(hub, "hub", None)));
    for (rel, folder) in super::history_links(feed) {
        links.push(link(&feed_url(folder, Format::Atom), rel, Some(Format::Atom.mime())));
    }
    let mut namespaces = BTreeMap::new();
    if feed.archive {
        namespaces.insert("fh".to_owned(), HISTORY_NS.to_owned());
    }
    let atom = atom_syndication::Feed {
        title: text(&feed.title, None),
        id: feed.atom_url.clone(),
        updated: feed.updated,
        authors: vec![person(&feed.author)],
        generator: Some(Generator { value: GENERATOR.into(), uri: None, version: Some(VERSION.into()) }),
        links,
        subtitle: (feed.description != feed.title).then(|| text(&feed.description, None)),
        entries: feed.items.iter().map(|item| to_entry(feed, item)).collect(),
        lang: feed.language.clone(),
        icon: feed.icon.clone(),
        namespaces,
        ..atom_syndication::Feed::default()
    };
    let config = WriteConfig { write_document_declaration: true, indent_size: Some(2) };
    let bytes = atom.write_with_config(Vec::new(), config).expect("writing to a Vec cannot fail");
    let mut xml = super::utf8_string(bytes);
    xml.push('\n');
    if feed.archive {
        // atom_syndication writes feed extensions after the entries, which
        // RFC 4287's schema forbids (atom:entry* comes last): put
        // `fh:archive` (and `fh:complete`) before the first entry ourselves.
        let at = xml.find("\n  <entry>").or_else(|| xml.rfind("\n</feed>")).unwrap_or(xml.len());
        xml.insert_str(at, if feed.complete { "\n  <fh:archive/>\n  <fh:complete/>" } else { "\n  <fh:archive/>" });
    }
    if let Some(href) = &feed.stylesheet {
        super::stylesheet::insert_instruction(&mut xml, href);
    }
    xml
}

/// Plain text (a title, a summary) as an Atom text construct: text that
/// holds what looks like markup (`<b>`, `&amp;`) is sent as HTML, escaped,
/// so that no reader takes the text for tags.
fn text(value: &str, lang: Option<&String>) -> Text {
    let text = if value.contains(['<', '&']) { Text::html(escape(value)) } else { Text::plain(value.to_owned()) };
    Text { lang: lang.cloned(), ..text }
}

fn to_entry(feed: &Feed, item: &super::Item) -> Entry {
    let categories = item
        .categories
        .iter()
        .map(|c| Category { term: c.clone(), scheme: Some(feed.category_scheme.clone()), label: None })
        .chain(item.tags.iter().map(|t| Category {
            term: t.clone(),
            scheme: Some(feed.tag_scheme.clone()),
            label: None,
        }))
        .collect();
    Entry {
        title: text(&item.title, item.lang.as_ref()),
        id: item.id.clone(),
        updated: item.updated,
        published: Some(item.published),
        // Every entry names its authors: many readers ignore the feed's.
        authors: if item.authors.is_empty() {
            vec![person(&feed.author)]
        } else {
            item.authors.iter().map(|a| person(a)).collect()
        },
        categories,
        links: std::iter::once(link(&item.link, "alternate", Some("text/html")))
            .chain(item.image.iter().chain(&item.attachments).map(|m| Link {
                href: m.url.clone(),
                rel: "enclosure".into(),
                mime_type: Some(m.mime_type.clone()),
                title: m.title.clone(),
                length: m.length.map(|l| l.to_string()),
                ..Link::default()
            }))
            .collect(),
        summary: Some(text(&item.summary, item.lang.as_ref())),
        content: item.content_html.as_ref().map(|html| Content {
            base: Some(item.link.clone()),
            lang: item.lang.clone(),
            value: Some(html.clone()),
            src: None,
            content_type: Some("html".into()),
        }),
        ..Entry::default()
    }
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    Link { href: href.into(), rel: rel.into(), mime_type: mime_type.map(Into::into), ..Link::default() }
}

fn person(name: &str) -> Person {
    Person { name: name.into(), ..Person::default() }
}
