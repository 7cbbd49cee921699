//! `feedsmith init`: a new site a person can build at once — a
//! `feedsmith.toml` with every key present and explained, and an
//! `articles/` folder with one short example story. Nothing existing is
//! ever overwritten.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::config::{Config, DEFAULT_CONFIG_FILE};
use crate::error::FatalError;

/// What the new site is called and where it lives on the web.
#[derive(Debug, Clone)]
pub struct NewSite {
    pub title: String,
    pub base_url: String,
    pub timezone: String,
    pub language: String,
}

/// What `init` did with each file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Written(PathBuf),
    /// Already there: left as it is.
    Kept(PathBuf),
}

/// The text of a new `feedsmith.toml`: every key, the chosen ones set, the
/// others commented out at their defaults, each with a line on what it does.
pub fn config_text(site: &NewSite) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_owned()).to_string();
    format!(
        r#"# feedsmith's configuration. Every key is optional; a commented-out key
# shows its default. Relative paths are relative to this file's folder.
# Check it with `feedsmith check`, build with `feedsmith build`, keep the
# feeds current with `feedsmith watch` (add --serve to serve them).

# The feed's title and description.
title = {title}
# description = {title}

# The site's root: story links and ids are made from it. Set it before
# the first subscriber arrives: ids must never change afterwards.
base_url = {base_url}
# Where the output folder is published (self links); base_url by default.
# feeds_url = {base_url}
# Story links where the site really publishes them, when not at
# base_url/<slug>/: {{yyyy}} {{mm}} {{dd}} (the story's date), {{slug}}, {{path}}.
# Ids keep base_url/<slug>/ either way.
# link_pattern = "https://news.example.com/{{yyyy}}/{{mm}}/{{dd}}/{{slug}}.html"

# Language of the stories, and the timezone of dates written without an
# offset (also the offset every date is published with).
language = {language}
timezone = {timezone}
# Author of stories that name none (and of the feed); the title by default.
# author = "The newsroom"

# Where the stories are, where the feeds go, where feedsmith remembers
# what it saw (outside the output folder: it is not for publishing).
# articles_dir = "articles"
# output_dir = "feeds"
# state_file = ".feedsmith/state.json"

# Newest stories per feed.
# limit = 50
# Feeds per term: "tags", "categories", "authors".
# taxonomy_feeds = ["tags", "categories"]
# Monthly archive documents (RFC 5005), with summaries or full content.
# archives = true
# archive_full_content = false
# feed.xsl, so that a feed opened in a browser reads as a page.
# feed_stylesheet = true
# The site's icon (.ico, .png, .svg…), for browsers and feed readers.
# icon = "favicon.png"

# Limits on what one story may bring.
# max_article_bytes = 10485760
# max_media_bytes = 1073741824
# max_terms = 50
# max_content_bytes = 262144

# `feedsmith watch`: quiet period before a rebuild, the address --serve
# listens on, how long readers may cache served files, WebSub hubs, and
# where /healthz and /metrics are answered instead of the serve address
# (a bare port such as "9180" listens on loopback only).
# debounce_ms = 100
# serve = "127.0.0.1:8080"
# admin = "127.0.0.1:9180"
# cache_max_age = 60
# websub_hubs = []
"#,
        title = quoted(&site.title),
        base_url = quoted(&site.base_url),
        language = quoted(&site.language),
        timezone = quoted(&site.timezone),
    )
}

/// The example story: what a story file looks like, dated `now`.
pub fn example_story(now: DateTime<Utc>, timezone: Tz) -> String {
    let date = now.with_timezone(&timezone).to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        r#"+++
title = "Welcome to feedsmith"
date = {date}
tags = ["feedsmith"]
# kicker = "The line above the headline"
# subtitle = "The line below it"
# draft = true        # kept out of the feeds until removed
+++

This is a story. Write the body in Markdown below the front matter: the
feeds are rewritten within moments of every save while `feedsmith watch`
runs. Delete this file once your own stories are in.
"#
    )
}

/// Writes a new site into `dir` (created if missing): its configuration,
/// checked as feedsmith will read it, and the example story. Files that
/// exist are kept and reported so; where a configuration exists already,
/// no example story is added (it would be published in that site).
pub fn init(dir: &Path, site: &NewSite, now: DateTime<Utc>) -> Result<Vec<Outcome>, FatalError> {
    // One line each: a line break would end the comment the title also
    // appears in, and nothing on one line needs a control character.
    for (flag, value) in [
        ("--title", &site.title),
        ("--base-url", &site.base_url),
        ("--timezone", &site.timezone),
        ("--language", &site.language),
    ] {
        if value.chars().any(char::is_control) {
            return Err(FatalError::Usage(format!(
                "{flag} holds a line break or control character — give it on one line"
            )));
        }
    }
    let config_path = dir.join(DEFAULT_CONFIG_FILE);
    let text = config_text(site);
    let config = Config::parse(&text, &config_path, dir)
        .map_err(|e| FatalError::Usage(format!("{e} (from the flags given to `feedsmith init`)")))?;
    let written = write_new(&config_path, &text)?;
    if matches!(written, Outcome::Kept(_)) {
        // A site is here already: an example story would be published in it.
        return Ok(vec![written]);
    }
    let story_path = config.articles_dir.join("welcome.md");
    let story = write_new(&story_path, &example_story(now, config.timezone))?;
    Ok(vec![written, story])
}

/// Creates `path` with `text` unless something is there already.
fn write_new(path: &Path, text: &str) -> Result<Outcome, FatalError> {
    use std::io::Write;
    let io = |source| FatalError::Io { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| FatalError::Io { path: parent.to_owned(), source })?;
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes()).map_err(io)?;
            Ok(Outcome::Written(path.to_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Outcome::Kept(path.to_owned())),
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> NewSite {
        NewSite {
            title: "永康日报 \"晨报\"".into(),
            base_url: "https://news.example.com/".into(),
            timezone: "Asia/Shanghai".into(),
            language: "zh-CN".into(),
        }
    }

    /// Every key the configuration knows is in the file, set or commented
    /// out: a key added to feedsmith and forgotten here fails this test.
    #[test]
    fn the_config_names_every_key_and_parses_as_written() {
        let text = config_text(&site());
        let config = Config::parse(&text, Path::new("feedsmith.toml"), Path::new("/site")).expect("valid");
        assert_eq!(config.title, "永康日报 \"晨报\"");
        assert_eq!(config.timezone, chrono_tz::Asia::Shanghai);
        let uncommented: String =
            text.lines().map(|l| l.strip_prefix("# ").unwrap_or(l)).collect::<Vec<_>>().join("\n");
        let keys_error = Config::parse("no_such_key = 1\n", Path::new("f"), Path::new("/")).expect_err("unknown key");
        let message = keys_error.to_string();
        let known: Vec<&str> =
            message.split("expected one of").nth(1).expect("key list").split('`').skip(1).step_by(2).collect();
        assert!(known.len() > 15, "{message}");
        for key in known {
            assert!(
                uncommented.lines().any(|l| l.starts_with(&format!("{key} ="))),
                "{key} is missing from the template"
            );
        }
    }

    #[test]
    fn nothing_existing_is_overwritten_and_bad_flags_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let now = DateTime::parse_from_rfc3339("2024-03-07T07:00:00Z").expect("date").with_timezone(&Utc);
        let first = init(dir.path(), &site(), now).expect("init");
        assert!(first.iter().all(|o| matches!(o, Outcome::Written(_))), "{first:?}");
        let story = std::fs::read_to_string(dir.path().join("articles/welcome.md")).expect("story");
        assert!(story.contains("date = 2024-03-07T15:00:00+08:00"), "{story}");
        std::fs::write(dir.path().join("feedsmith.toml"), "title = \"mine\"\n").expect("edit");
        std::fs::remove_file(dir.path().join("articles/welcome.md")).expect("the editor deleted the example");
        let again = init(dir.path(), &site(), now).expect("init again");
        assert_eq!(again, [Outcome::Kept(dir.path().join("feedsmith.toml"))]);
        assert!(!dir.path().join("articles/welcome.md").exists(), "no example story added to an existing site");
        assert_eq!(std::fs::read_to_string(dir.path().join("feedsmith.toml")).expect("read"), "title = \"mine\"\n");
        let injected = NewSite { title: "\noutput_dir = \"/etc\"\n#".into(), ..site() };
        let e = init(tempfile::tempdir().expect("tmp").path(), &injected, now).expect_err("a line break");
        assert!(e.to_string().contains("--title"), "{e}");
        let bad = NewSite { timezone: "Mars/Olympus".into(), ..site() };
        let other = tempfile::tempdir().expect("tmp");
        let e = init(other.path(), &bad, now).expect_err("bad timezone");
        assert!(e.to_string().contains("timezone"), "{e}");
        assert!(std::fs::read_dir(other.path()).expect("dir").next().is_none(), "nothing written");
    }
}
