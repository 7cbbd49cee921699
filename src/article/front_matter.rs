//! Front matter keys, read from TOML or YAML into one typed record (pure).
//!
//! Both dialects are first turned into a small [`Value`] tree so that one
//! set of rules decides the keys, their aliases and their types, and unknown
//! keys (other generators' `layout`, `weight`, `extra`…) are ignored.

use std::borrow::Cow;

use super::split::FrontMatterKind;
use crate::chars::one_line;

/// A front matter value, whichever dialect it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    /// A TOML date/time literal, in its RFC 3339 text form.
    Datetime(String),
    List(Vec<Value>),
    Table(Vec<(String, Value)>),
}

/// The keys feedsmith reads, with their types checked. Every text is one
/// line of XML-safe characters (see [`one_line`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// Date text, read later in the site's timezone.
    pub date: Option<String>,
    pub updated: Option<String>,
    pub authors: Vec<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub draft: bool,
    pub slug: Option<String>,
    pub id: Option<String>,
    pub link: Option<String>,
    pub image: Option<String>,
    pub lang: Option<String>,
    pub kicker: Option<String>,
    pub subtitle: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// A file that goes with a story (`attachments = [{url = …, type = …}]`):
/// a local path (relative to the story file) or an absolute URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    pub title: Option<String>,
    pub duration: Option<u64>,
}

/// A front matter problem, with the 1-based line and column inside the
/// front matter text when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl FrontMatter {
    pub fn parse(kind: FrontMatterKind, text: &str) -> Result<FrontMatter, FrontMatterError> {
        super::bounds::check(kind, text)?;
        let table = match kind {
            FrontMatterKind::Toml => parse_toml(text)?,
            FrontMatterKind::Yaml => parse_yaml(text)?,
        };
        Self::from_table(&table, text)
    }

    fn from_table(table: &[(String, Value)], text: &str) -> Result<FrontMatter, FrontMatterError> {
        let fields = Fields { table, text };
        let taxonomies = fields.get(&["taxonomies"]);
        let mut fm = FrontMatter {
            title: fields.string(&["title"])?,
            date: fields.date(&["date"])?,
            updated: fields.date(&["updated", "lastmod", "modified", "last_modified_at"])?,
            authors: fields.people()?,
            summary: fields.string(&["summary", "description"])?,
            tags: fields.list(&["tags"])?,
            categories: fields.list(&["categories", "category"])?,
            draft: fields.bool(&["draft"])?.unwrap_or(false),
            slug: fields.string(&["slug"])?,
            id: fields.string(&["id"])?,
            link: fields.string(&["link"])?,
            image: fields.string(&["image"])?,
            lang: fields.string(&["lang"])?,
            kicker: fields.string(&["kicker"])?,
            subtitle: fields.string(&["subtitle"])?,
            attachments: fields.attachments()?,
        };
        // Jekyll marks unpublished posts with `published: false`.
        if fields.bool(&["published"])? == Some(false) {
            fm.draft = true;
        }
        // Zola keeps taxonomies in a table of their own.
        if let Some(Value::Table(tax)) = taxonomies {
            let zola = Fields { table: tax, text };
            if fm.tags.is_empty() {
                fm.tags = zola.list(&["tags"])?;
            }
            if fm.categories.is_empty() {
                fm.categories = zola.list(&["categories"])?;
            }
        }
        Ok(fm)
    }
}

struct Fields<'a> {
    table: &'a [(String, Value)],
    text: &'a str,
}

impl Fields<'_> {
    fn get(&self, names: &[&str]) -> Option<&Value> {
        names
            .iter()
            .find_map(|n| self.table.iter().find(|(k, _)| k == n).map(|(_, v)| v))
            .filter(|v| **v != Value::Null)
    }

    fn key_of(&self, names: &[&str]) -> String {
        names.iter().find(|n| self.table.iter().any(|(k, _)| k == *n)).unwrap_or(&names[0]).to_string()
    }

    fn wrong(&self, names: &[&str], expected: &str) -> FrontMatterError {
        let key = self.key_of(names);
        let line = key_line(self.text, &key);
        FrontMatterError {
            line,
            column: line.map(|_| 1),
            message: format!("`{key}` must be {expected}"),
            hint: format!("fix the value of `{key}` in the front matter"),
        }
    }

    fn string(&self, names: &[&str]) -> Result<Option<String>, FrontMatterError> {
        match self.get(names) {
            None => Ok(None),
            Some(v) => scalar_text(v)
                .map(|s| Some(one_line(&s)).filter(|s| !s.is_empty()))
                .ok_or_else(|| self.wrong(names, "text")),
        }
    }

    fn date(&self, names: &[&str]) -> Result<Option<String>, FrontMatterError> {
        match self.get(names) {
            None => Ok(None),
            Some(Value::String(s) | Value::Datetime(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(names, "a date such as 2024-03-07 or 2024-03-07T15:00:00+08:00")),
        }
    }

    fn bool(&self, names: &[&str]) -> Result<Option<bool>, FrontMatterError> {
        match self.get(names) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(names, "true or false (without quotes)")),
        }
    }

    /// A list of strings; a single string is taken as a list of one.
    fn list(&self, names: &[&str]) -> Result<Vec<String>, FrontMatterError> {
        let items = match self.get(names) {
            None => return Ok(Vec::new()),
            Some(Value::List(items)) => items.iter().map(scalar_text).collect::<Option<Vec<_>>>(),
            Some(v) => scalar_text(v).map(|s| vec![s]),
        };
        let items = items.ok_or_else(|| self.wrong(names, "a list of text, such as [\"a\", \"b\"]"))?;
        Ok(clean_list(items))
    }

    /// `attachments`: a list of tables with `url` and optionally `type`,
    /// `size` (bytes), `title`, `duration` (seconds); a bare string is a url.
    fn attachments(&self) -> Result<Vec<Attachment>, FrontMatterError> {
        let names = ["attachments"];
        let items: Vec<&Value> = match self.get(&names) {
            None => return Ok(Vec::new()),
            Some(Value::List(items)) => items.iter().collect(),
            Some(v) => vec![v],
        };
        let expected = "a list of tables such as [{url = \"audio.mp3\", type = \"audio/mpeg\"}]";
        let mut out = Vec::new();
        for item in items {
            let attachment = match item {
                Value::String(url) => Attachment { url: one_line(url), ..Attachment::default() },
                Value::Table(t) => {
                    let inner = Fields { table: t, text: self.text };
                    let number = |key: &str| match inner.get(&[key]) {
                        None => Ok(None),
                        Some(Value::Integer(n)) if *n >= 0 => Ok(Some(*n as u64)),
                        Some(_) => Err(self.wrong(&names, &format!("{expected} (`{key}` a whole number)"))),
                    };
                    Attachment {
                        url: inner.string(&["url"])?.ok_or_else(|| self.wrong(&names, expected))?,
                        mime_type: inner.string(&["type", "mime_type"])?,
                        size: number("size")?,
                        title: inner.string(&["title"])?,
                        duration: number("duration")?,
                    }
                }
                _ => return Err(self.wrong(&names, expected)),
            };
            if !attachment.url.is_empty() {
                out.push(attachment);
            }
        }
        Ok(out)
    }

    /// `author` (text or a table with `name`) and `authors` (a list of those).
    fn people(&self) -> Result<Vec<String>, FrontMatterError> {
        let mut names = Vec::new();
        for key in ["authors", "author"] {
            let values: Vec<&Value> = match self.get(&[key]) {
                None => continue,
                Some(Value::List(items)) => items.iter().collect(),
                Some(v) => vec![v],
            };
            for v in values {
                let name = match v {
                    Value::Table(t) => t.iter().find(|(k, _)| k == "name").and_then(|(_, v)| scalar_text(v)),
                    v => scalar_text(v),
                };
                names.push(name.ok_or_else(|| self.wrong(&[key], "a name, or a list of names"))?);
            }
        }
        Ok(clean_list(names))
    }
}

/// A scalar as text (borrowed: it is made one line, a copy, anyway).
fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) | Value::Datetime(s) => Some(Cow::Borrowed(s)),
        Value::Integer(i) => Some(Cow::Owned(i.to_string())),
        Value::Float(f) => Some(Cow::Owned(f.to_string())),
        _ => None,
    }
}

/// One line each, drops empties and duplicates, keeps the first order.
fn clean_list(items: Vec<Cow<'_, str>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let item = one_line(&item);
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The line (1-based, within the front matter) where `key` is defined.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
        })
        .map(|i| i + 1)
}

fn parse_toml(text: &str) -> Result<Vec<(String, Value)>, FrontMatterError> {
    match super::plain_toml::read(text) {
        Some(table) => Ok(table),
        None => parse_full_toml(text),
    }
}

/// Any TOML, read by the toml crate (see [`super::plain_toml`] for the shortcut).
pub(super) fn parse_full_toml(text: &str) -> Result<Vec<(String, Value)>, FrontMatterError> {
    // The borrowed document, not `toml::Table`: no second, owned copy of
    // every key and value is built just to be converted again.
    let table = toml::de::DeTable::parse(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| crate::error::line_col(text, s.start));
        let detail = e.message().trim().replace('\n', " ");
        // A date that does not exist (`2026-13-01`, `2024-02-30`) is said
        // as such, not as a syntax error.
        if let Some(why) = detail.strip_prefix("invalid date, ") {
            let written = e.span().and_then(|s| text.get(s)).map(str::trim).filter(|w| !w.is_empty() && w.len() <= 40);
            let message = match written {
                Some(w) => match super::dates::impossible_day(w) {
                    Some(reason) => format!("{w} does not exist: {reason}"),
                    None => format!("{w} is not a date that exists ({why})"),
                },
                None => format!("a date that does not exist ({why})"),
            };
            return FrontMatterError {
                line: Some(line),
                column: Some(column),
                message,
                hint: super::dates::DAY_HINT.into(),
            };
        }
        FrontMatterError {
            line: Some(line),
            column: Some(column),
            message: format!("TOML front matter: {detail}"),
            hint: "fix the TOML syntax between the +++ lines (strings need double quotes)".into(),
        }
    })?;
    Ok(from_toml_table(table.into_inner()))
}

fn from_toml_table(table: toml::de::DeTable<'_>) -> Vec<(String, Value)> {
    table.into_iter().map(|(k, v)| (k.into_inner().into_owned(), from_toml(v.into_inner()))).collect()
}

fn from_toml(v: toml::de::DeValue<'_>) -> Value {
    use toml::de::DeValue as T;
    match v {
        T::String(s) => Value::String(s.into_owned()),
        T::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            // Out of range: kept as its text, as a number too large to be a size.
            Err(_) => Value::String(i.to_string()),
        },
        // The parser has already removed `_` separators, as `to_f64` relies on.
        T::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
        T::Boolean(b) => Value::Bool(b),
        T::Datetime(d) => Value::Datetime(d.to_string()),
        T::Array(a) => Value::List(a.into_iter().map(|v| from_toml(v.into_inner())).collect()),
        T::Table(t) => Value::Table(from_toml_table(t)),
    }
}

/// What to do about a YAML error: a limit of the parser's own is passed
/// by structure, not by a missing quote.
fn yaml_hint(error: &str) -> &'static str {
    if error.contains("recursion limit") || error.contains("repetition limit") {
        "front matter is flat metadata: write lists and values out plainly, without deep nesting or repeated aliases"
    } else {
        "fix the YAML syntax between the --- lines (quote text containing `: ` or `#`)"
    }
}

fn parse_yaml(text: &str) -> Result<Vec<(String, Value)>, FrontMatterError> {
    let value: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        let location = e.location();
        // Some errors (a limit of the parser's own) come without a place:
        // the front matter's first line is the best there is.
        FrontMatterError {
            line: Some(location.as_ref().map_or(1, |l| l.line())),
            column: Some(location.as_ref().map_or(1, |l| l.column())),
            // The position is reported as the file's line and column; the
            // parser's own "at line N" counts from the front matter.
            message: yaml_in_plain_words(e.to_string().split(" at line ").next().unwrap_or("")),
            hint: yaml_hint(&e.to_string()).into(),
        }
    })?;
    match from_yaml(value) {
        Value::Table(t) => Ok(t),
        Value::Null => Ok(Vec::new()),
        _ => Err(FrontMatterError {
            line: Some(1),
            column: Some(1),
            message: "YAML front matter must be a mapping of keys to values".into(),
            hint: "write one `key: value` per line between the --- lines".into(),
        }),
    }
}

/// The YAML parser's words for the mistakes people make, said as an
/// editor would understand them (the parser's own words kept after them).
fn yaml_in_plain_words(parser: &str) -> String {
    const PLAIN: &[(&str, &str)] = &[
        (
            "mapping values are not allowed",
            "a `: ` where no new key can start (an indented line, or text with `: ` in it)",
        ),
        ("did not find expected ',' or ']'", "a list in [ ] is not closed"),
        ("did not find expected ',' or '}'", "a mapping in { } is not closed"),
        ("found unexpected end of stream", "the front matter ends inside a quoted text or an open list"),
        ("did not find expected key", "a line is indented where a new `key:` was expected"),
        ("could not find expected ':'", "a line has a key but no `: ` after it"),
        (
            "found character that cannot start any token",
            "a value starts with a character YAML keeps for itself (`@`, `` ` ``, a tab)",
        ),
        ("found a tab character", "a tab where YAML wants spaces"),
        ("did not find expected alphabetic or numeric character", "an `&` or `*` not followed by a name"),
        ("found undefined alias", "a `*name` with no `&name` before it"),
        ("found duplicate anchor", "the same `&name` twice"),
        ("duplicate entry with key", "the same key twice"),
    ];
    match PLAIN.iter().find(|(words, _)| parser.contains(words)) {
        Some((_, plain)) => format!("YAML front matter: {plain} ({parser})"),
        None => format!("YAML front matter: {parser}"),
    }
}

fn from_yaml(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::List(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => Value::Table(
            m.into_iter()
                .filter_map(|(k, v)| match from_yaml(k) {
                    Value::String(k) => Some((k, from_yaml(v))),
                    Value::Integer(i) => Some((i.to_string(), from_yaml(v))),
                    _ => None,
                })
                .collect(),
        ),
        Y::Tagged(t) => from_yaml(t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FrontMatterKind::{Toml, Yaml};

    #[test]
    fn toml_every_key() {
        let fm = FrontMatter::parse(
            Toml,
            r#"
title = "对标奋进 对表攻坚"
date = 2024-03-07
lastmod = 2024-03-08T10:00:00+08:00
author = "陈晓苏"
description = "摘要"
tags = ["“八八战略”在身边", " ", "“八八战略”在身边"]
categories = ["要闻"]
draft = true
slug = "duibiao"
id = "urn:x"
link = "https://e.com/a"
image = "a.jpg"
lang = "zh-CN"
kicker = "引题"
subtitle = "副题"
weight = 3
[extra]
anything = 1
"#,
        )
        .expect("valid");
        assert_eq!(fm.title.as_deref(), Some("对标奋进 对表攻坚"));
        assert_eq!(fm.date.as_deref(), Some("2024-03-07"));
        assert_eq!(fm.updated.as_deref(), Some("2024-03-08T10:00:00+08:00"));
        assert_eq!(fm.authors, vec!["陈晓苏"]);
        assert_eq!(fm.summary.as_deref(), Some("摘要"));
        assert_eq!(fm.tags, vec!["“八八战略”在身边"], "blank and repeated tags dropped");
        assert_eq!(fm.categories, vec!["要闻"]);
        assert!(fm.draft);
        assert_eq!(fm.slug.as_deref(), Some("duibiao"));
        assert_eq!(fm.id.as_deref(), Some("urn:x"));
        assert_eq!(fm.link.as_deref(), Some("https://e.com/a"));
        assert_eq!(fm.image.as_deref(), Some("a.jpg"));
        assert_eq!(fm.lang.as_deref(), Some("zh-CN"));
        assert_eq!(fm.kicker.as_deref(), Some("引题"));
        assert_eq!(fm.subtitle.as_deref(), Some("副题"));
    }

    #[test]
    fn yaml_jekyll_and_hugo_shapes() {
        let fm = FrontMatter::parse(Yaml, "layout: post\ntitle: Hello: world\n");
        assert!(fm.is_err(), "unquoted colon is a YAML error");
        let fm = FrontMatter::parse(
            Yaml,
            "layout: post\ntitle: \"Hello\"\ndate: 2024-03-07 15:00:00 +0800\nauthor:\n  name: Ann\nauthors: [Bob]\ncategory: news\ntags: one\npublished: false\nmodified: 2024-03-09\n",
        )
        .expect("valid");
        assert_eq!(fm.date.as_deref(), Some("2024-03-07 15:00:00 +0800"));
        assert_eq!(fm.authors, vec!["Bob", "Ann"]);
        assert_eq!(fm.categories, vec!["news"]);
        assert_eq!(fm.tags, vec!["one"], "a single string is a list of one");
        assert!(fm.draft, "Jekyll's published: false is a draft");
        assert_eq!(fm.updated.as_deref(), Some("2024-03-09"));
    }

    #[test]
    fn attachments_tables_and_strings() {
        let fm = FrontMatter::parse(
            Toml,
            "attachments = [{url = \"a.mp3\", type = \"audio/mpeg\", size = 3, title = \"录音\", duration = 61}, \"b.pdf\"]\n",
        )
        .expect("valid");
        assert_eq!(
            fm.attachments,
            vec![
                Attachment {
                    url: "a.mp3".into(),
                    mime_type: Some("audio/mpeg".into()),
                    size: Some(3),
                    title: Some("录音".into()),
                    duration: Some(61)
                },
                Attachment { url: "b.pdf".into(), ..Attachment::default() },
            ]
        );
        let e = FrontMatter::parse(Yaml, "attachments:\n  - type: audio/mpeg\n").expect_err("no url");
        assert!(e.message.contains("`attachments` must be a list of tables"), "{e:?}");
        let e = FrontMatter::parse(Toml, "attachments = [{url = \"a\", size = \"big\"}]\n").expect_err("size");
        assert!(e.message.contains("whole number"), "{e:?}");
    }

    #[test]
    fn zola_taxonomies_table() {
        let fm = FrontMatter::parse(Toml, "title = \"t\"\n[taxonomies]\ntags = [\"a\"]\ncategories = [\"b\"]\n")
            .expect("valid");
        assert_eq!((fm.tags, fm.categories), (vec!["a".to_owned()], vec!["b".to_owned()]));
    }

    #[test]
    fn empty_front_matter_is_fine() {
        assert_eq!(FrontMatter::parse(Yaml, "").expect("empty"), FrontMatter::default());
        assert_eq!(FrontMatter::parse(Toml, "").expect("empty"), FrontMatter::default());
    }

    #[test]
    fn wrong_types_say_what_is_expected_and_where() {
        let cases = [
            (Toml, "title = \"t\"\ndraft = \"yes\"\n", 2, "`draft` must be true or false"),
            (Toml, "date = 12\n", 1, "`date` must be a date"),
            (Toml, "title = \"t\"\n\ntags = [1, [2]]\n", 3, "`tags` must be a list of text"),
            (Toml, "title = [\"a\"]\n", 1, "`title` must be text"),
            (Yaml, "draft: yes please\n", 1, "`draft` must be true or false"),
            (Yaml, "a: 1\nauthor: [[x]]\n", 2, "`author` must be a name"),
        ];
        for (kind, text, line, needle) in cases {
            let e = FrontMatter::parse(kind, text).expect_err(text);
            assert!(e.message.contains(needle), "{text}: {}", e.message);
            assert_eq!(e.line, Some(line), "{text}");
        }
    }

    #[test]
    fn yaml_mistakes_are_said_in_plain_words_at_their_line() {
        let cases = [
            ("title: x\n  bad: [1\n", 2, "indented line"),
            ("title: \"x\ndate: 2024-03-01\n", 3, "ends inside a quoted text"),
            ("title: x\ntags: [a, b\ndate: 2024-03-01\n", 3, "list in [ ] is not closed"),
            // (The parser places a repeated key at the mapping's start.)
            ("title: x\ntitle: y\n", 1, "the same key twice"),
        ];
        for (text, line, plain) in cases {
            let e = FrontMatter::parse(Yaml, text).expect_err("bad");
            assert!(e.message.contains(plain), "{text:?}: {}", e.message);
            assert_eq!(e.line, Some(line), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = FrontMatter::parse(Toml, "title = \"a\"\ndate = 2024-03-07\ntags = [\"a\"\n").expect_err("bad");
        assert_eq!(e.line, Some(3), "{e:?}");
        assert!(e.message.starts_with("TOML front matter"));
        let e = FrontMatter::parse(Yaml, "title: a\ntags: [a\n").expect_err("bad");
        assert!(e.line.is_some(), "{e:?}");
        assert!(e.message.starts_with("YAML front matter"));
    }
}
