//! A story file's text to a [`Story`] record (pure): front matter, dates,
//! title fallbacks, identity, summary; and, on demand, its content HTML.
//!
//! Parsing never renders the body: the index keeps one small record per
//! story, and only stories that make it into a feed are rendered.

pub mod bounds;
pub mod dates;
pub mod decode;
pub mod front_matter;
pub mod html;
pub mod link_pattern;
pub mod markdown;
mod plain_toml;
pub mod refs;
pub mod shortcodes;
pub mod split;
pub mod text;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use crate::chars::one_line;
use crate::error::StoryError;
use crate::slug::url_segment;
use front_matter::FrontMatter;
use split::Split;

/// How a body is written, told by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Markdown,
    Text,
}

impl Format {
    /// The format of a story file, or `None` when the file is not a story.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }
}

/// One story's metadata: everything a feed needs except the rendered body.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Path relative to the articles folder.
    pub path: PathBuf,
    pub format: Format,
    /// Hash of the decoded text: a change to anything in the file changes it.
    pub hash: u64,
    pub id: String,
    pub link: String,
    pub title: String,
    /// The title was taken from the body, which must then not repeat it.
    pub title_from_body: bool,
    pub kicker: Option<String>,
    pub subtitle: Option<String>,
    pub date: DateTime<Utc>,
    /// `updated` as the front matter gives it.
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub summary: String,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub draft: bool,
    /// The lead image and attachments as written (paths or URLs).
    pub image: Option<String>,
    pub attachments: Vec<front_matter::Attachment>,
    /// The same, resolved when the story is loaded: published URL, type, length.
    pub enclosures: Enclosures,
    pub lang: Option<String>,
    /// The local files its body refers to (Markdown only), as written:
    /// resolved into `enclosures.inline` with the media.
    pub refs: Vec<refs::BodyRef>,
}

impl Story {
    /// What its rendered body is known by: its text, and the link its
    /// relative URLs were resolved against (which `link_pattern` may make
    /// from the date, and a date may come from the file's time).
    pub fn body_key(&self) -> u64 {
        let key = xxhash_rust::xxh3::xxh3_64_with_seed(self.link.as_bytes(), self.hash);
        if self.enclosures.inline.is_empty() {
            return key;
        }
        // And where the files its body refers to are published now.
        let mut where_ = Vec::new();
        for inline in &self.enclosures.inline {
            where_.extend_from_slice(inline.target.as_os_str().as_encoded_bytes());
            where_.push(0);
            where_.extend_from_slice(inline.url.as_bytes());
            where_.push(0);
        }
        xxhash_rust::xxh3::xxh3_64_with_seed(&where_, key)
    }
}

/// A story's media as published. (The image is boxed: most stories have
/// none, and every story's record stays 120 bytes smaller for it.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enclosures {
    pub image: Option<Box<Enclosure>>,
    pub attachments: Vec<Enclosure>,
    /// The local files the body refers to that are published: pictures
    /// and documents under `media/`, other stories at their links.
    pub inline: Vec<Inline>,
}

/// A local file a story's body refers to, as readers find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    /// Relative to the articles folder.
    pub target: PathBuf,
    /// Absolute URL: under `feeds_url/media/` for a media file, the link
    /// of the story for a story file (empty while that story is not
    /// published: a draft's or a scheduled story's link is not given).
    pub url: String,
    /// For a media file, the file copied to `media/` while the story is
    /// published: `target` itself, or the file a symlink there leads to
    /// (relative to the articles folder). `None` for a story.
    pub source: Option<PathBuf>,
}

/// A file that goes with a story, as feeds announce it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enclosure {
    /// Absolute URL: as given, or under `feeds_url/media/` for a local file.
    pub url: String,
    pub mime_type: String,
    /// Bytes: the real length of a local file, else as given.
    pub length: Option<u64>,
    pub title: Option<String>,
    pub duration: Option<u64>,
    /// A local file (relative to the articles folder) to copy to `media/`.
    pub source: Option<PathBuf>,
}

/// What parsing needs to know about the site.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub base_url: &'a Url,
    pub timezone: Tz,
    /// Links made from the date, slug and path (`link_pattern`), checked.
    pub link_pattern: Option<&'a str>,
}

/// A story file as read from disk.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Relative to the articles folder; becomes [`Story::path`].
    pub rel_path: &'a Path,
    /// How the file is named in messages.
    pub shown_path: &'a Path,
    /// Decoded, BOM removed, line endings normalised.
    pub text: &'a str,
    /// The file's modification time, the date of last resort.
    pub modified: Option<DateTime<Utc>>,
}

/// A parsed story and what is worth a warning about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub story: Story,
    pub warnings: Vec<StoryError>,
}

/// The number of characters a derived summary keeps before `…`.
pub const SUMMARY_CHARS: usize = 200;

/// Parses a story file's text into its record, in named steps: the front
/// matter, the title (and the body without it), the dates, the identity
/// (slug, link, id) and the summary. Every error names the file and, where
/// known, the line and column.
pub fn parse(source: Source<'_>, site: Site<'_>) -> Result<Parsed, StoryError> {
    let path = source.shown_path;
    let format = Format::of(source.rel_path)
        .ok_or_else(|| StoryError::new(path, "not a story file", "use the .md, .markdown or .txt extension"))?;
    let (fm, body, at) = front_matter_of(source)?;
    let mut warnings = Vec::new();
    let mut body_refs = Vec::new();
    if format == Format::Markdown {
        warnings.extend(unsupported_shortcodes(body, &at));
        body_refs = refs::find(body, at.body_first_line);
    }
    let (title, title_from_body, body) = title_of(fm.title.clone(), format, body, path)?;
    let stem = source.rel_path.file_stem().and_then(|s| s.to_str()).unwrap_or("story");
    let name_date = dates::filename_date(stem, site.timezone);
    let date = date_of(&fm, name_date.map(|(d, _)| d), source.modified, site, &at, &mut warnings)?;
    let updated = updated_of(&fm, site, &at)?;
    let slug = fm.slug.clone().unwrap_or_else(|| name_date.map_or(stem, |(_, rest)| rest).to_owned());
    let Identity { id, link } = identity_of(&fm, &slug, (date, source.rel_path), site, &at)?;
    let summary = match &fm.summary {
        Some(s) => s.clone(),
        // Shortcodes never reach a summary.
        None if format == Format::Markdown => derived_summary(format, &shortcodes::expand(&body)),
        None => derived_summary(format, &body),
    };
    let mut authors = fm.authors;
    authors.retain(|a| !a.trim().is_empty());
    Ok(Parsed {
        story: Story {
            path: source.rel_path.to_owned(),
            format,
            hash: xxhash_rust::xxh3::xxh3_64(source.text.as_bytes()),
            id,
            link,
            title,
            title_from_body,
            kicker: fm.kicker,
            subtitle: fm.subtitle,
            date,
            updated,
            authors,
            summary,
            tags: fm.tags,
            categories: fm.categories,
            draft: fm.draft,
            image: fm.image,
            attachments: fm.attachments,
            enclosures: Enclosures::default(),
            lang: fm.lang,
            refs: body_refs,
        },
        warnings,
    })
}

/// Where a story's front matter is, to point errors about a key at its line.
struct Locator<'a> {
    path: &'a Path,
    /// The front matter's text (empty without one) and its first line in the file.
    fm_text: &'a str,
    fm_first_line: usize,
    /// The file line the body starts on.
    body_first_line: usize,
}

impl Locator<'_> {
    fn err(&self, message: String, hint: &str) -> StoryError {
        StoryError::new(self.path, message, hint)
    }

    /// `error`, at the line of `key` in the front matter when it is there.
    fn at_key(&self, key: &str, error: StoryError) -> StoryError {
        match front_matter::key_line(self.fm_text, key) {
            Some(line) => error.at(self.fm_first_line + line - 1, Some(1)),
            None => error,
        }
    }
}

/// Step 1: the front matter, parsed (default without one), and the body after it.
fn front_matter_of(source: Source<'_>) -> Result<(FrontMatter, &str, Locator<'_>), StoryError> {
    let path = source.shown_path;
    let Split { front_matter, body, body_line } = split::split(source.text).map_err(|u| {
        let fence = if u.kind == split::FrontMatterKind::Toml { "+++" } else { "---" };
        StoryError::new(
            path,
            format!("front matter opened with {fence} is never closed"),
            format!("add a line with {fence} after the front matter"),
        )
        .at(1, Some(1))
    })?;
    let Some(f) = front_matter else {
        if let Some(hidden) = hidden_before_fence(source.text) {
            return Err(StoryError::new(
                path,
                format!("the front matter is not read: the file starts with {hidden} before its first `+++` or `---`"),
                "delete what comes before the fence (an invisible character your editor does not show)",
            )
            .at(1, Some(1)));
        }
        let at = Locator { path, fm_text: "", fm_first_line: 1, body_first_line: body_line };
        return Ok((FrontMatter::default(), body, at));
    };
    let fm = FrontMatter::parse(f.kind, f.text).map_err(|e| {
        let error = StoryError::new(path, e.message, &e.hint);
        match e.line {
            Some(line) => error.at(f.first_line + line - 1, e.column),
            None => error,
        }
    })?;
    Ok((fm, body, Locator { path, fm_text: f.text, fm_first_line: f.first_line, body_first_line: body_line }))
}

/// The shortcodes of a body that feedsmith does not publish, each a
/// warning at its line and column (they are left out of the HTML).
fn unsupported_shortcodes(body: &str, at: &Locator<'_>) -> Vec<StoryError> {
    shortcodes::find(body)
        .into_iter()
        .filter(|f| !f.closing && !f.supported())
        .map(|f| {
            at.err(
                format!("shortcode {} ({}) is not supported: it is left out of the feeds", f.written, f.name),
                "write it as Markdown or HTML; of the shortcodes only Hugo's figure (with src) is published",
            )
            .at(at.body_first_line + f.line, Some(f.column))
        })
        .collect()
}

/// What keeps the file's first lines from opening front matter when that
/// is all that does: invisible or blank characters before the fence
/// (`U+200B`, a direction mark, a soft hyphen), blank lines before it, or
/// a fence written in full-width characters (`＋＋＋`).
fn hidden_before_fence(text: &str) -> Option<String> {
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    };
    let (blank_lines, first) = text.lines().enumerate().find(|(_, l)| !l.trim_matches(invisible).is_empty())?;
    let fence = first.trim_start_matches(invisible).trim_end();
    let full_width = matches!(fence, "＋＋＋" | "－－－");
    if fence != "+++" && fence != "---" && !full_width {
        return None;
    }
    // Only what reads as front matter: a closing fence after lines of
    // `key = …` or `key: …` (a body may open with a `---` rule).
    let mut after = text.lines().skip(blank_lines + 1);
    let block: Vec<&str> = after.by_ref().take_while(|l| l.trim_matches(invisible) != fence).collect();
    let keyed = |line: &&str| {
        let key: String = line.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        !key.is_empty() && line.trim_start()[key.len()..].trim_start().starts_with([':', '='])
    };
    if block.len() == text.lines().count().saturating_sub(blank_lines + 1) || !block.iter().any(keyed) {
        return None;
    }
    let before: Vec<String> = first
        .chars()
        .take_while(|c| invisible(*c))
        .map(|c| if c == ' ' { "a space".to_owned() } else { format!("U+{:04X}", c as u32) })
        .collect();
    let mut what = Vec::new();
    if blank_lines > 0 {
        what.push(format!("{blank_lines} blank line{}", if blank_lines == 1 { "" } else { "s" }));
    }
    if !before.is_empty() {
        what.push(before.join(", "));
    }
    if full_width {
        what.push(format!("a fence of full-width characters ({fence}; write +++ or ---)"));
    }
    (!what.is_empty()).then(|| what.join(" and "))
}

/// Step 2: the title — front matter, else the first `# heading` (Markdown)
/// or line (text), which then leaves the body — and whether it came from
/// the body.
fn title_of<'b>(
    given: Option<String>,
    format: Format,
    body: &'b str,
    path: &Path,
) -> Result<(String, bool, Cow<'b, str>), StoryError> {
    let (title, from_body, body) = match (given, format) {
        (Some(t), _) => (t, false, Cow::Borrowed(body)),
        (None, Format::Markdown) => match markdown::first_heading(body) {
            Some((t, range)) => {
                let rest = format!("{}{}", body.get(..range.start).unwrap_or(""), body.get(range.end..).unwrap_or(""));
                (one_line(&t), true, Cow::Owned(rest))
            }
            None => return Err(no_title(path)),
        },
        (None, Format::Text) => match text::first_line(body) {
            Some((t, rest)) => (one_line(t), true, Cow::Borrowed(rest)),
            None => return Err(no_title(path)),
        },
    };
    if title.is_empty() {
        return Err(no_title(path));
    }
    Ok((title, from_body, body))
}

/// Step 3: first publication — front matter `date`, else the file name's
/// `YYYY-MM-DD-` prefix, else the file's modification time (warned).
fn date_of(
    fm: &FrontMatter,
    name_date: Option<DateTime<Utc>>,
    modified: Option<DateTime<Utc>>,
    site: Site<'_>,
    at: &Locator<'_>,
    warnings: &mut Vec<StoryError>,
) -> Result<DateTime<Utc>, StoryError> {
    if let Some(text) = &fm.date {
        return read_date(text, "date", site, at);
    }
    let date = match (name_date, modified) {
        (Some(date), _) => date,
        (None, Some(modified)) => {
            warnings.push(at.err(
                "no date: using the file's modification time".into(),
                "add `date = 2024-03-07T15:00:00+08:00` to the front matter so the date survives copies",
            ));
            modified
        }
        (None, None) => return Err(at.err("no date".into(), "add `date = 2024-03-07` to the front matter")),
    };
    if !dates::writable(date, site.timezone) {
        let message =
            format!("the date {} from the file's name or time cannot be written in a feed", date.to_rfc3339());
        return Err(at.err(message, "add a `date` with a year from 0001 to 9999 to the front matter"));
    }
    Ok(date)
}

/// A front matter date under `key`: readable, and writable in every format
/// once shifted into the site's timezone; else an error at the key's line.
fn read_date(text: &str, key: &str, site: Site<'_>, at: &Locator<'_>) -> Result<DateTime<Utc>, StoryError> {
    let what = if key == "date" { "date".to_owned() } else { format!("`{key}` date") };
    let date = dates::parse_date(text, site.timezone).ok_or_else(|| {
        let error = match dates::impossible_day(text) {
            Some(why) => at.err(format!("{what} {text:?} does not exist: {why}"), dates::DAY_HINT),
            None => at.err(format!("invalid {what} {text:?}"), dates::DATE_HINT),
        };
        at.at_key(key, error)
    })?;
    if !dates::writable(date, site.timezone) {
        let message = format!("{what} {text:?} is out of the range a feed can carry");
        return Err(at.at_key(key, at.err(message, dates::RANGE_HINT)));
    }
    // chrono keeps `:60` as a leap second, which no feed format can write
    // (RFC 3339 allows it only where one happened, and readers refuse it).
    if chrono::Timelike::nanosecond(&date) >= 1_000_000_000 {
        let message = format!("{what} {text:?} falls on a leap second (:60), which feeds cannot carry");
        return Err(at.at_key(key, at.err(message, "use :59, or the next minute's :00")));
    }
    Ok(date)
}

/// Step 4: front matter `updated` (or one of its aliases), when given.
fn updated_of(fm: &FrontMatter, site: Site<'_>, at: &Locator<'_>) -> Result<Option<DateTime<Utc>>, StoryError> {
    let Some(text) = &fm.updated else { return Ok(None) };
    let key = ["updated", "lastmod", "modified", "last_modified_at"]
        .into_iter()
        .find(|k| front_matter::key_line(at.fm_text, k).is_some())
        .unwrap_or("updated");
    read_date(text, key, site, at).map(Some)
}

/// A story's identity: its id, which never changes with an edit, and its link.
struct Identity {
    id: String,
    link: String,
}

/// Step 5: id and link — front matter `id`/`link`, else derived from the
/// slug and `base_url` (the link from `link_pattern` when one is set,
/// with the story's date and path; the id never: it must not change when
/// a pattern is introduced).
fn identity_of(
    fm: &FrontMatter,
    slug: &str,
    (date, path): (DateTime<Utc>, &Path),
    site: Site<'_>,
    at: &Locator<'_>,
) -> Result<Identity, StoryError> {
    // `./` first: a slug such as `mailto:x` or `a+b:c` is a path under
    // base_url, never a scheme of its own.
    let home = site.base_url.join(&format!("./{}/", url_segment(slug))).map_err(|e| {
        at.err(format!("slug {slug:?} does not make a URL: {e}"), "set `slug` to letters, digits and dashes")
    })?;
    let link = match &fm.link {
        Some(l) => absolute(site.base_url, l).ok_or_else(|| {
            at.at_key("link", at.err(format!("invalid link {l:?}"), "use an absolute URL or a path under base_url"))
        })?,
        None => match site.link_pattern {
            Some(pattern) => {
                let parts = link_pattern::Parts { date, timezone: site.timezone, slug, path };
                link_pattern::expand(pattern, parts)
            }
            None => home.to_string(),
        },
    };
    let id = match &fm.id {
        Some(id) if has_scheme(id) => {
            // Readers show and sometimes follow an id (RSS `guid` as a
            // permalink): never one that runs or reads something.
            let scheme = id.split(':').next().unwrap_or_default().to_ascii_lowercase();
            if matches!(scheme.as_str(), "javascript" | "vbscript" | "data" | "file" | "blob" | "about") {
                let message = format!("id {id:?} uses the {scheme}: scheme, which a reader could run or open");
                return Err(at.at_key("id", at.err(message, "use a URI such as tag:example.com,2024:1 or https://…")));
            }
            id.clone()
        }
        Some(id) => site.base_url.join(&url_segment(id)).map(String::from).map_err(|e| {
            let message = format!("id {id:?} does not make a URI: {e}");
            at.at_key("id", at.err(message, "use a URI such as tag:example.com,2024:1"))
        })?,
        None => home.to_string(),
    };
    Ok(Identity { id, link })
}

/// Step 6, without a front matter `summary`: the first paragraph's text,
/// cut on a character boundary. Only the summary needs the body, and it is
/// not rendered here.
fn derived_summary(format: Format, body: &str) -> String {
    let first = match format {
        Format::Markdown => markdown::first_paragraph(body),
        Format::Text => text::paragraphs(body).next().unwrap_or_default(),
    };
    cut(&one_line(&first), SUMMARY_CHARS)
}

fn no_title(path: &Path) -> StoryError {
    StoryError::new(
        path,
        "no title",
        "add `title = \"…\"` to the front matter, or start the story with a `# heading` (Markdown) or a title line (text)",
    )
}

/// `scheme:` at the start, as in an absolute URI or a `urn:`/`tag:` id.
fn has_scheme(text: &str) -> bool {
    match text.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn absolute(base: &Url, link: &str) -> Option<String> {
    base.join(link.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https")).map(String::from)
}

/// The story's content HTML: its body rendered, sanitised, with relative
/// URLs resolved against its link, framed by kicker and subtitle. `text`
/// must be the text the story was parsed from.
pub fn content_html(story: &Story, text: &str) -> String {
    let body = match split::split(text) {
        Ok(s) => s.body,
        Err(_) => text,
    };
    let base = Url::parse(&story.link).ok();
    let notes = html::footnote_prefix(base.as_ref().map_or(story.link.as_str(), Url::as_str));
    let raw = match (story.format, story.title_from_body) {
        (Format::Markdown, true) => {
            let body = match markdown::first_heading(body) {
                Some((_, range)) => format!("{}{}", &body[..range.start], &body[range.end..]),
                None => body.to_owned(),
            };
            markdown::to_html(&shortcodes::expand(&body), &notes)
        }
        (Format::Markdown, false) => {
            // A body that opens with the headline again (`# 标题` under a
            // front matter `title`): readers show it above the content.
            let repeated = body.trim_start().starts_with('#').then(|| markdown::first_heading(body)).flatten();
            let body = match repeated {
                Some((heading, range))
                    if one_line(&heading) == story.title && body[..range.start].trim().is_empty() =>
                {
                    body.get(range.end..).unwrap_or("")
                }
                _ => body,
            };
            markdown::to_html(&shortcodes::expand(body), &notes)
        }
        (Format::Text, true) => text::to_html(text::first_line(body).map_or("", |(_, rest)| rest)),
        (Format::Text, false) => text::to_html(body),
    };
    // Pathologically deep nesting would stall the sanitiser: publish the
    // text itself, escaped, instead.
    let raw = if html::nesting_depth(&raw) > html::MAX_DEPTH {
        tracing::warn!(
            "{}: elements nest more than {} deep; published as plain text — simplify its Markdown/HTML",
            story.path.display(),
            html::MAX_DEPTH
        );
        text::to_html(body)
    } else {
        raw
    };
    let clean = match &base {
        Some(base) => html::sanitize(&raw, base, &local_files(story)),
        None => ammonia::clean(&raw),
    };
    html::frame(story.kicker.as_deref(), story.subtitle.as_deref(), &clean)
}

/// Where the local files the story's body refers to are published.
fn local_files(story: &Story) -> html::LocalFiles {
    let inline = &story.enclosures.inline;
    html::LocalFiles {
        story_dir: story.path.parent().map(Path::to_path_buf).unwrap_or_default(),
        urls: inline.iter().map(|i| (i.target.clone(), Some(i.url.clone()).filter(|u| !u.is_empty()))).collect(),
    }
}

/// Cuts `text` to at most `max` characters (never inside a character),
/// preferring a word or sentence boundary near the end, and adds `…`.
pub fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.to_owned();
    };
    let head = &text[..end];
    // Back up to a space or CJK punctuation if one is near, so words stay whole.
    let near = head
        .char_indices()
        .rev()
        .take(max / 5)
        .find(|(_, c)| c.is_whitespace() || matches!(c, '，' | '。' | '；' | '、' | '：' | ',' | ';'));
    let head = match near {
        Some((i, c)) if c.is_whitespace() => &head[..i],
        Some((i, c)) => &head[..i + c.len_utf8()],
        None => head,
    };
    // Never leave a joiner or variation selector dangling at the cut.
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}'));
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn site_url() -> Url {
        Url::parse("https://news.example.com/").expect("url")
    }

    /// Regression: an invisible character before the fence hid the front
    /// matter, and the story was reported as having "no title".
    #[test]
    fn an_invisible_character_before_the_front_matter_is_named() {
        for (text, named) in [
            ("\u{200B}+++\ntitle = \"T\"\n+++\nbody\n", "U+200B"),
            ("\u{2060}---\ntitle: T\n---\nbody\n", "U+2060"),
            (" +++\ntitle = \"T\"\n+++\nbody\n", "a space"),
            ("\u{200E}+++\ntitle = \"T\"\n+++\nbody\n", "U+200E"),
            ("\u{00AD}---\ntitle: T\n---\nbody\n", "U+00AD"),
            ("\n\n+++\ntitle = \"T\"\n+++\nbody\n", "2 blank lines"),
            ("＋＋＋\ntitle = \"T\"\n＋＋＋\nbody\n", "full-width"),
        ] {
            let e = parse_at("a.md", text).expect_err(text);
            assert_eq!((e.line, e.column), (Some(1), Some(1)));
            assert!(e.message.contains(named) && e.message.contains("front matter"), "{e}");
        }
        assert!(parse_at("a.md", "# Title\n\nbody +++\n").is_ok());
        assert!(parse_at("a.md", "\n---\n\n# Title\n\nA rule, then a story.\n").is_ok(), "a body may open with a rule");
    }

    fn parse_at(rel: &str, text: &str) -> Result<Parsed, StoryError> {
        let base = site_url();
        parse(
            Source {
                rel_path: Path::new(rel),
                shown_path: &Path::new("articles").join(rel),
                text,
                modified: Some(DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").expect("d").with_timezone(&Utc)),
            },
            Site { base_url: &base, timezone: Shanghai, link_pattern: None },
        )
    }

    fn story(rel: &str, text: &str) -> Story {
        parse_at(rel, text).expect("valid story").story
    }

    #[test]
    fn ids_and_links_derive_from_slug_and_base_url() {
        let cases = [
            (
                "2024/a.md",
                "+++\ntitle=\"t\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/a/",
                "https://news.example.com/a/",
            ),
            (
                "2024-03-08-police.txt",
                "Title\n",
                "https://news.example.com/police/",
                "https://news.example.com/police/",
            ),
            (
                "x.md",
                "+++\ntitle=\"t\"\nslug=\"my story\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/my-story/",
                "https://news.example.com/my-story/",
            ),
            (
                "x.md",
                "+++\ntitle=\"t\"\nid=\"urn:uuid:1\"\ndate=2024-01-01\n+++\n",
                "urn:uuid:1",
                "https://news.example.com/x/",
            ),
            (
                "x.md",
                "+++\ntitle=\"t\"\nid=\"42\"\nlink=\"/p/42.html\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/42",
                "https://news.example.com/p/42.html",
            ),
            (
                "对标.md",
                "+++\ntitle=\"t\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/%E5%AF%B9%E6%A0%87/",
                "https://news.example.com/%E5%AF%B9%E6%A0%87/",
            ),
            // A slug or file name that reads as `scheme:` stays a path
            // under base_url; it must never become a URL of its own.
            (
                "x.md",
                "+++\ntitle=\"t\"\nslug=\"custom0+08:00\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/custom0+08:00/",
                "https://news.example.com/custom0+08:00/",
            ),
            (
                "x.md",
                "+++\ntitle=\"t\"\nslug=\"javascript:alert(1)\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/javascript:alert(1)/",
                "https://news.example.com/javascript:alert(1)/",
            ),
            (
                "mailto:x.md",
                "+++\ntitle=\"t\"\ndate=2024-01-01\n+++\n",
                "https://news.example.com/mailto:x/",
                "https://news.example.com/mailto:x/",
            ),
        ];
        for (rel, text, id, link) in cases {
            let s = story(rel, text);
            assert_eq!((s.id.as_str(), s.link.as_str()), (id, link), "{rel}");
        }
    }

    #[test]
    fn an_id_that_would_run_or_open_something_is_refused() {
        for id in ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd"]
        {
            let text = format!("+++\ntitle=\"t\"\nid={id:?}\ndate=2024-01-01\n+++\n");
            let e = parse_at("x.md", &text).expect_err(id).to_string();
            assert!(e.contains("articles/x.md:3:1") && e.contains("scheme"), "{e}");
        }
        assert_eq!(
            story("x.md", "+++\ntitle=\"t\"\nid=\"tag:ykrb.cn,2024:1\"\ndate=2024-01-01\n+++\n").id,
            "tag:ykrb.cn,2024:1"
        );
    }

    #[test]
    fn id_survives_edits_to_title_body_date_and_tags() {
        let a = story("s.md", "+++\ntitle=\"一\"\ndate=2024-01-01\ntags=[\"a\"]\n+++\n正文");
        let b = story("s.md", "+++\ntitle=\"二\"\ndate=2024-02-02\ntags=[\"b\"]\n+++\n改过的正文");
        assert_eq!(a.id, b.id);
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn title_fallbacks() {
        let s = story("2024-01-01-a.md", "intro\n\n# 标题\n\n正文");
        assert_eq!((s.title.as_str(), s.title_from_body), ("标题", true));
        assert_eq!(s.summary, "intro");
        let html = content_html(&s, "intro\n\n# 标题\n\n正文");
        assert!(!html.contains("标题"), "the heading is not repeated: {html}");
        let s = story("2024-01-01-a.txt", "\n  第一行 \n\n正文\n");
        assert_eq!(s.title, "第一行");
        assert_eq!(content_html(&s, "\n  第一行 \n\n正文\n"), "<p>正文</p>\n");
        // A front matter title and the same headline opening the body: once.
        let text = "+++\ntitle = \"标题\"\n+++\n\n# 标题\n\n正文\n";
        let s = story("2024-01-01-a.md", text);
        assert_eq!(content_html(&s, text), "<p>正文</p>\n");
        let other = "+++\ntitle = \"标题\"\n+++\n\n# 小标题\n\n正文\n";
        assert!(
            content_html(&story("2024-01-01-a.md", other), other).contains("<h1>小标题</h1>"),
            "another heading stays"
        );
        let e = parse_at("2024-01-01-a.md", "## not h1\n\ntext").expect_err("no title");
        assert!(e.to_string().starts_with("articles/2024-01-01-a.md: no title — add `title"), "{e}");
        assert!(parse_at("2024-01-01-a.txt", "\n \n").is_err());
    }

    #[test]
    fn dates_from_front_matter_filename_or_mtime() {
        let d = |s: &str| DateTime::parse_from_rfc3339(s).expect("d").with_timezone(&Utc);
        assert_eq!(
            story("2020-01-01-a.md", "+++\ntitle=\"t\"\ndate=2024-03-07T15:00:00\n+++\n").date,
            d("2024-03-07T07:00:00Z")
        );
        assert_eq!(story("2020-01-01-a.md", "# t\n").date, d("2019-12-31T16:00:00Z"));
        let p = parse_at("a.md", "# t\n").expect("valid");
        assert_eq!(p.story.date, d("2024-05-01T00:00:00Z"));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].to_string().contains("modification time"));
        let s = story("a.md", "---\ntitle: t\ndate: 2024-03-07\nlastmod: 2024-03-09 08:00\n---\n");
        assert_eq!(s.updated, Some(d("2024-03-09T00:00:00Z")));
    }

    #[test]
    fn bad_front_matter_errors_point_at_the_file_line() {
        let e = parse_at("a.md", "+++\ntitle = \"t\"\ndate = \"2024-13-01\"\n+++\n").expect_err("bad date");
        let want = format!(
            "articles/a.md:3:1: date \"2024-13-01\" does not exist: there is no month 13 — {}",
            dates::DAY_HINT
        );
        assert_eq!(e.to_string(), want);
        let e = parse_at("a.md", "+++\ntitle = \"t\"\ndate = 2024-02-30\n+++\n").expect_err("unquoted");
        assert_eq!(
            e.to_string(),
            format!("articles/a.md:3:8: 2024-02-30 does not exist: 2024-02 has 29 days — {}", dates::DAY_HINT),
            "not a syntax error"
        );
        let e = parse_at("a.md", "+++\ntitle = \"t\"\ndate = \"soon\"\n+++\n").expect_err("bad date");
        assert_eq!(e.to_string(), format!("articles/a.md:3:1: invalid date \"soon\" — {}", dates::DATE_HINT));
        let e = parse_at("a.md", "+++\ntitle = \"t\"\ntags = [\n+++\n").expect_err("toml");
        assert_eq!((e.line, e.column), (Some(3), Some(9)), "{e}");
        let e = parse_at("a.md", "---\ntitle: t\ndraft: maybe\n---\n").expect_err("type");
        assert_eq!(e.line, Some(3), "{e}");
        let e = parse_at("a.md", "+++\ntitle = \"t\"\n").expect_err("unclosed");
        assert!(e.to_string().contains("never closed"), "{e}");
    }

    /// A date that parses but cannot be written once shifted into the site's
    /// timezone used to reach the RSS serializer and panic the whole build.
    #[test]
    fn dates_no_feed_can_carry_are_rejected_at_their_line() {
        let cases = [
            ("+++\ntitle = \"t\"\ndate = 9999-12-31T23:59:00Z\n+++\n", 3, "date"),
            ("+++\ntitle = \"t\"\ndate = 2024-01-01\nupdated = 9999-12-31T23:00:00Z\n+++\n", 4, "`updated` date"),
            ("---\ntitle: t\ndate: 2024-01-01\nlastmod: \"0000-12-31\"\n---\n", 4, "`lastmod` date"),
            ("---\ntitle: t\ndate: \"-0001-06-01\"\n---\n", 3, "date"),
        ];
        for (text, line, what) in cases {
            let e = parse_at("a.md", text).expect_err(text);
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.to_string().contains(&format!("{what} ")), "{e}");
            assert!(e.to_string().contains("out of the range"), "{e}");
        }
        // A file date of last resort is checked too.
        let e = parse_at("0000-01-01-x.md", "+++\ntitle = \"t\"\n+++\n").expect_err("year 0 file name");
        assert!(e.to_string().contains("cannot be written in a feed"), "{e}");
        assert!(parse_at("0001-01-02-x.md", "+++\ntitle = \"t\"\n+++\n").is_ok());
    }

    #[test]
    fn summary_from_first_paragraph_cut_on_characters() {
        let long = "永".repeat(300);
        let s = story("a.md", &format!("# t\n\n{long}\n\nsecond"));
        assert_eq!(s.summary.chars().count(), SUMMARY_CHARS + 1);
        assert!(s.summary.ends_with('…'));
        let s = story("a.md", "+++\ntitle=\"t\"\nsummary=\" given \"\n+++\nbody");
        assert_eq!(s.summary, "given");
        let s = story("a.md", "+++\ntitle=\"t\"\nkicker=\"引题\"\nsubtitle=\"副题\"\n+++\n正文第一段");
        assert_eq!(s.summary, "正文第一段", "kicker and subtitle never enter the summary");
    }

    #[test]
    fn cut_prefers_boundaries_and_never_splits_characters() {
        assert_eq!(cut("short", 200), "short");
        let words = "word ".repeat(60);
        let c = cut(&words, 200);
        assert!(c.ends_with("word…"), "{c}");
        let cjk = format!("{}，{}", "甲".repeat(190), "乙".repeat(50));
        assert_eq!(cut(&cjk, 200), format!("{}，…", "甲".repeat(190)));
        let emoji = "👩‍👩‍👧".repeat(100);
        let c = cut(&emoji, 200);
        assert!(!c.trim_end_matches('…').ends_with('\u{200D}'));
    }

    #[test]
    fn content_is_framed_sanitised_and_absolute() {
        let text = "+++\ntitle=\"标题\"\nkicker=\"引题\"\nsubtitle=\"副题\"\ndate=2024-01-01\n+++\n正文 [链接](../b/) <script>x()</script>\n";
        let s = story("a.md", text);
        let html = content_html(&s, text);
        assert!(
            html.starts_with("<header><p class=\"kicker\">引题</p><p class=\"subtitle\">副题</p></header>"),
            "{html}"
        );
        assert!(html.contains("href=\"https://news.example.com/b/\""), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("标题"), "the headline is not repeated in the content: {html}");
        assert_eq!(s.title, "标题", "kicker and subtitle never enter the title");
    }

    #[test]
    fn story_files_by_extension() {
        assert_eq!(Format::of(Path::new("a.md")), Some(Format::Markdown));
        assert_eq!(Format::of(Path::new("a.markdown")), Some(Format::Markdown));
        assert_eq!(Format::of(Path::new("a.txt")), Some(Format::Text));
        assert_eq!(Format::of(Path::new("a.html")), None);
        assert_eq!(Format::of(Path::new("md")), None);
    }
}
