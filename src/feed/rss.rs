//! RSS 2.0 with the `content`, `dc` and `atom` namespaces (pure).

use std::collections::BTreeMap;

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::DublinCoreExtension;
use ::rss::extension::{Extension, ExtensionMap};
use ::rss::{Category, Channel, Enclosure, Guid, Item as RssItem};

use crate::article::text::escape;

use super::{Feed, GENERATOR, HISTORY_NS, MEDIA_NS, VERSION};
use crate::layout::{feed_url, Format};

pub fn to_rss(feed: &Feed) -> String {
    let mut links = vec![Link {
        href: feed.rss_url.clone(),
        rel: "self".into(),
        mime_type: Some(Format::Rss.mime().into()),
        ..Link::default()
    }];
    links.extend(feed.hubs.iter().map(|hub| Link { href: hub.clone(), rel: "hub".into(), ..Link::default() }));
    for (rel, folder) in super::history_links(feed) {
        links.push(Link {
            href: feed_url(folder, Format::Rss),
            rel: rel.into(),
            mime_type: Some(Format::Rss.mime().into()),
            ..Link::default()
        });
    }
    let mut namespaces = BTreeMap::from([
        ("atom".to_owned(), "http://www.w3.org/2005/Atom".to_owned()),
        ("content".to_owned(), "http://purl.org/rss/1.0/modules/content/".to_owned()),
        ("dc".to_owned(), "http://purl.org/dc/elements/1.1/".to_owned()),
    ]);
    if feed.items.iter().any(|i| i.image.is_some() || !i.attachments.is_empty()) {
        namespaces.insert("media".into(), MEDIA_NS.into());
    }
    let mut extensions = ExtensionMap::default();
    if feed.archive {
        namespaces.insert("fh".into(), HISTORY_NS.into());
        let marker =
            |name: &str| (name.to_owned(), vec![Extension { name: format!("fh:{name}"), ..Extension::default() }]);
        let mut markers = BTreeMap::from([marker("archive")]);
        if feed.complete {
            markers.extend([marker("complete")]);
        }
        extensions.insert("fh".into(), markers);
    }
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        description: feed.description.clone(),
        language: feed.language.clone(),
        last_build_date: Some(super::rfc2822(&feed.updated)),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        items: feed.items.iter().map(|item| to_item(feed, item)).collect(),
        atom_ext: Some(AtomExtension { links }),
        extensions,
        namespaces,
        ..Channel::default()
    };
    let bytes = channel.pretty_write_to(Vec::new(), b' ', 2).expect("writing to a Vec cannot fail");
    let mut xml = hex_references(&super::utf8_string(bytes));
    xml.push('\n');
    if let Some(href) = &feed.stylesheet {
        super::stylesheet::insert_instruction(&mut xml, href);
    }
    xml
}

/// `&` and `<` in text written as `&#x26;` and `&#x3C;` outside CDATA
/// sections: the same XML, but a title such as `Rust & <XML>` is then not
/// mistaken for markup by readers that look for it (the RSS Advisory
/// Board's profile asks for hexadecimal references).
fn hex_references(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + 64);
    let mut rest = xml;
    while let Some(start) = memchr::memmem::find(rest.as_bytes(), b"<![CDATA[") {
        let end = memchr::memmem::find(&rest.as_bytes()[start..], b"]]>").map_or(rest.len(), |e| start + e + 3);
        push_hex_references(&mut out, &rest[..start]);
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    push_hex_references(&mut out, rest);
    out
}

/// `text` with `&amp;` and `&lt;` written as `&#x26;` and `&#x3C;`, in one pass.
fn push_hex_references(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        if let Some(after) = from.strip_prefix("&amp;") {
            out.push_str("&#x26;");
            rest = after;
        } else if let Some(after) = from.strip_prefix("&lt;") {
            out.push_str("&#x3C;");
            rest = after;
        } else {
            out.push('&');
            rest = &from[1..];
        }
    }
    out.push_str(rest);
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
        pub_date: Some(super::rfc2822(&item.published)),
        content: item.content_html.clone(),
        dublin_core_ext: Some(DublinCoreExtension { creators, ..DublinCoreExtension::default() }),
        // RSS allows one enclosure, which needs a length: the first
        // attachment, else the lead image, whose length is known.
        enclosure: item.attachments.iter().chain(&item.image).find_map(|m| {
            Some(Enclosure { url: m.url.clone(), length: m.length?.to_string(), mime_type: m.mime_type.clone() })
        }),
        extensions: media_rss(item),
        ..RssItem::default()
    }
}

/// Media RSS: `media:content` for every file, `media:thumbnail` for the image.
fn media_rss(item: &super::Item) -> ExtensionMap {
    let mut elements = BTreeMap::new();
    let contents: Vec<Extension> = item
        .image
        .iter()
        .chain(&item.attachments)
        .map(|m| {
            let mut attrs =
                BTreeMap::from([("url".to_owned(), m.url.clone()), ("type".to_owned(), m.mime_type.clone())]);
            let medium = m
                .mime_type
                .split('/')
                .next()
                .filter(|k| matches!(*k, "image" | "audio" | "video"))
                .unwrap_or("document");
            attrs.insert("medium".into(), medium.into());
            if let Some(length) = m.length {
                attrs.insert("fileSize".into(), length.to_string());
            }
            if let Some(duration) = m.duration {
                attrs.insert("duration".into(), duration.to_string());
            }
            Extension { name: "media:content".into(), attrs, ..Extension::default() }
        })
        .collect();
    if !contents.is_empty() {
        elements.insert("content".to_owned(), contents);
    }
    if let Some(image) = &item.image {
        let attrs = BTreeMap::from([("url".to_owned(), image.url.clone())]);
        elements.insert(
            "thumbnail".to_owned(),
            vec![Extension { name: "media:thumbnail".into(), attrs, ..Extension::default() }],
        );
    }
    let mut map = ExtensionMap::default();
    if !elements.is_empty() {
        map.insert("media".into(), elements);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::hex_references;

    #[test]
    fn text_uses_hexadecimal_references_and_cdata_is_left_alone() {
        let xml = "<title>Rust &amp; &lt;XML&gt;</title><a x=\"a&amp;b\"/><c><![CDATA[<p>5 &lt; 6 &amp;&amp; ]]]]><![CDATA[></p>]]></c><d>&lt;</d>";
        assert_eq!(
            hex_references(xml),
            "<title>Rust &#x26; &#x3C;XML&gt;</title><a x=\"a&#x26;b\"/><c><![CDATA[<p>5 &lt; 6 &amp;&amp; ]]]]><![CDATA[></p>]]></c><d>&#x3C;</d>"
        );
        let doc = roxmltree::Document::parse("<r><t>Rust &#x26; &#x3C;XML&gt;</t></r>").expect("XML");
        assert_eq!(doc.root_element().first_child().and_then(|t| t.text()), Some("Rust & <XML>"), "the same text");
    }
}
