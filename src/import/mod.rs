//! Newspaper pages to stories (pure). A page is the text the layout system
//! extracts from a printed page's PDF: every physical line followed by an
//! empty line, cut at the column width; each story's body first, opened by
//! a byline (`本报讯（融媒首席记者 陈晓苏）`), then its headline block
//! (column, kicker, headline, subtitle); teasers of other pages' stories
//! last. [`parse_page`] turns that text into [`Story`] values and
//! [`Note`]s about what it found or guessed; [`render`] makes a story file
//! of a story. Reading pages and writing files is the `import` command's
//! (`commands::import`), so other sources of page text can feed the same
//! parser.
//!
//! Thresholds come from the page itself: the typical width of a body line
//! is measured on each story's lines (on the page's for a short story), and
//! a line is "short" or "indented" relative to that width, in characters
//! (the print indent is two). Nothing depends on a particular paper's
//! column width or wording beyond the byline's shape.

mod byline;
mod headline;
mod lines;
mod render;

pub use render::{distinct_file_name, file_name, is_same_story, render};

use lines::{closing_note, ends_closing, ends_sentence, inner_width, join, page_lines, typical_width, Line};

/// The fewest body lines a story's own width is measured on.
const MIN_MEASURED_LINES: usize = 3;

/// One story found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// The page line of its byline.
    pub line: usize,
    pub title: String,
    pub kicker: Option<String>,
    pub subtitle: Option<String>,
    /// The column the story ran under (`“八八战略”在身边`): its tag.
    pub column: Option<String>,
    /// The names in the byline, without their titles.
    pub authors: Vec<String>,
    /// The body, re-flowed: one string per paragraph, the byline opening
    /// the first.
    pub paragraphs: Vec<String>,
}

/// A kicker and headline of a story printed on another page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teaser {
    pub line: usize,
    pub kicker: Option<String>,
    pub headline: String,
}

/// Something the parser wants a person to know, at a page line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: usize,
    pub message: String,
    /// A guess or something left out: the import is not clean.
    pub unsure: bool,
}

impl Note {
    pub(crate) fn unsure(line: usize, message: impl Into<String>) -> Note {
        Note { line, message: message.into(), unsure: true }
    }

    fn teaser(teaser: &Teaser) -> Note {
        let message = match &teaser.kicker {
            Some(kicker) => format!("teaser without body: {kicker} / {}", teaser.headline),
            None => format!("teaser without body: {}", teaser.headline),
        };
        Note { line: teaser.line, message, unsure: false }
    }
}

/// What a page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub stories: Vec<Story>,
    pub teasers: Vec<Teaser>,
    /// In page order: teasers, guesses and what was left out.
    pub notes: Vec<Note>,
}

/// Parses one page's text.
pub fn parse_page(text: &str) -> Page {
    let lines = page_lines(text);
    let bylines = find_bylines(&lines);
    let mut page = Page::default();
    let Some(&(first, _)) = bylines.first() else {
        if let Some(line) = lines.first() {
            page.notes.push(Note::unsure(
                line.no,
                "no byline (such as 本报讯（记者 张三）) on this page, so no story was found — is it a page of stories?",
            ));
        }
        // Only headlines, no body: a page of teasers, each a kicker and a
        // headline. They are listed, as at the end of a page of stories.
        if lines.len() <= 2 * headline::MAX_TEASERS && !lines.iter().any(|l| ends_sentence(&l.text)) {
            let refs: Vec<&Line> = lines.iter().collect();
            page.teasers = headline::teasers(&refs);
            page.notes.extend(page.teasers.iter().map(Note::teaser));
        }
        return page;
    };
    if let Some(line) = lines.get(..first).and_then(<[Line]>::first) {
        page.notes.push(Note::unsure(
            line.no,
            format!("text before the first byline was not attributed to a story: “{}” — check the page", line.text),
        ));
    }
    // Each story's lines, split where its body ends: at its last line that
    // ends a sentence (headlines do not) or closes the story in brackets
    // (`（完）`); the rest is its headline block. When the page sets body
    // lines alone, as it does, a line set under another with no empty
    // line between is a headline even if it ends in `？` or `！`.
    let alone_is_body = lines.iter().filter(|l| l.alone).count() * 2 >= lines.len();
    let ends_body =
        |l: &Line| (ends_sentence(&l.text) || closing_note(&l.text)) && (!(l.follows || l.runs_on) || !alone_is_body);
    // Body lines are most of the page: their width, measured on all of it,
    // is good enough to tell a body line from a headline line.
    let rough_width = typical_width(lines.iter().filter(|l| l.alone || !alone_is_body));
    let segments: Vec<&[Line]> = (0..bylines.len())
        .map(|k| {
            let start = bylines.get(k).map_or(0, |b| b.0);
            let end = bylines.get(k + 1).map_or(lines.len(), |b| b.0);
            lines.get(start..end).unwrap_or_default()
        })
        .collect();
    let stories: Vec<(&[Line], &[Line])> = segments
        .iter()
        .map(|segment| {
            let mut body_end = body_end(segment, &ends_body, rough_width).map_or(segment.len(), |i| i + 1);
            // A dashed subtitle needs its headline above it: a line ending
            // in `？` or `！` just before one is that headline, not the body's end.
            let subtitle_next = segment.get(body_end).is_some_and(|l| headline::is_dashed(&l.text));
            let asks = |l: &Line| l.text.trim_end_matches(['”', '’']).ends_with(['？', '！', '?', '!']);
            if subtitle_next && body_end > 2 && segment.get(body_end - 1).is_some_and(asks) {
                body_end -= 1;
            }
            segment.split_at(body_end.max(1).min(segment.len()))
        })
        .collect();
    // Stories on one page may be set in columns of different widths: each
    // long enough story is measured on its own lines, a short one on the
    // page's.
    // Lines set together are headline lines (when body lines are set
    // alone), not measured.
    let measure = |l: &&Line| l.alone || !alone_is_body;
    let page_width = typical_width(stories.iter().flat_map(|(body, _)| body.iter().skip(1).filter(measure)));
    for (k, ((body, block), (_, authors))) in stories.iter().zip(&bylines).enumerate() {
        let last = k + 1 == bylines.len();
        let measured = body.iter().skip(1).filter(measure).filter(|l| !ends_sentence(&l.text)).count();
        let width = if measured >= MIN_MEASURED_LINES {
            typical_width(body.iter().skip(1).filter(measure))
        } else {
            page_width
        };
        // A body that seems to end at its headline: nothing after it, or
        // (on the last story) only the teaser box.
        let teasers_only = last && block.first().is_some_and(|l| l.frame_start);
        let (body, block) = match headline_ending_the_body(body, width, alone_is_body) {
            Some(at) if block.is_empty() || teasers_only => segments[k].split_at(at),
            _ => (*body, *block),
        };
        let block: Vec<&Line> = block.iter().collect();
        let mut notes = Vec::new();
        let headline = if last {
            let (headline, teasers) = headline::last_block(&block, width, &mut notes);
            page.teasers.extend(teasers);
            headline
        } else {
            headline::story_block(&block, width, &mut notes)
        };
        let set_under = |(l, prev): &(&Line, &Line)| alone_is_body && l.follows && byline::parse(&prev.text).is_none();
        // A width of 0 (every line ends a sentence: one-line briefs) tells nothing.
        let too_wide = |(l, _): &(&Line, &Line)| width > 0 && l.width > width + 6;
        let odd = body.iter().skip(1).zip(body.iter()).find(|pair| set_under(pair) || too_wide(pair));
        // Lines set together are reported at the first of them.
        if let Some(odd) = odd.map(|pair| if set_under(&pair) { pair.1 } else { pair.0 }) {
            notes.push(Note::unsure(
                odd.no,
                format!(
                    "“{}” looks like a headline inside a story's body (a story without a byline?); kept in the body — check the story",
                    odd.text
                ),
            ));
        }
        let paragraphs = paragraphs(body, width, &mut notes);
        let byline_no = body.first().map_or(0, |l| l.no);
        match headline {
            Some(h) => page.stories.push(Story {
                line: byline_no,
                title: h.title,
                kicker: h.kicker,
                subtitle: h.subtitle,
                column: h.column,
                authors: authors.clone(),
                paragraphs,
            }),
            None => notes.push(Note::unsure(
                byline_no,
                "story without a headline (nothing is set after its body): skipped — import it by hand",
            )),
        }
        page.notes.append(&mut notes);
    }
    page.notes.extend(page.teasers.iter().map(Note::teaser));
    page.notes.sort_by_key(|n| n.line);
    page
}

/// The index of the last line of a story's body in `segment` (its byline
/// first): the last line that ends a sentence and can be a paragraph's last
/// line. Headlines may end in `？` or `！`, never in `。`; a paragraph's last
/// line follows a line that fills the column (or
/// is indented two characters), one that ends a clause or a paragraph, or
/// one left short because the word that opens this line did not fit on
/// it. A line ending in `？` or `！` after a short line that does none of
/// these (a kicker, a column name, a teaser's kicker) is a headline.
fn body_end(segment: &[Line], ends_body: &impl Fn(&Line) -> bool, width: u32) -> Option<usize> {
    let mut candidates = segment.iter().enumerate().rev().filter(|(_, l)| ends_body(l));
    let first = candidates.next()?;
    if width == 0 {
        return Some(first.0);
    }
    let can_end = |i: usize| {
        let (Some(line), Some(before)) = (segment.get(i), i.checked_sub(1).and_then(|b| segment.get(b))) else {
            return true;
        };
        i == 1
            || !line.text.trim_end_matches(['”', '’']).ends_with(['？', '！', '?', '!'])
            || (before.width + 5 >= width && before.width <= width + 4)
            || ends_sentence(&before.text)
            || closing_note(&before.text)
            || ends_closing(&before.text)
            || before.text.ends_with(['，', '、', '：', '；', ',', ';', ':', '—'])
            || squeezed(before, &line.text, width)
    };
    std::iter::once(first).chain(candidates).map(|(i, _)| i).find(|&i| can_end(i)).or(Some(first.0))
}

/// Whether `line` was left short only because the Latin word or number
/// that opens the next line did not fit on it.
fn squeezed(line: &Line, next: &str, width: u32) -> bool {
    let word = lines::leading_word_width(next);
    word > 0 && line.width <= width && line.width + word + 2 > width
}

/// A story whose last line ends a sentence has no headline block by the
/// punctuation, but a headline may end in `？` or `！`. When the lines after
/// the body's last earlier sentence end are all clearly narrower (or much
/// wider) than the column or set together as headline lines are, the last one ends in `？` or `！` and none
/// of the others ends a clause, they are its headline block: where the
/// body ends instead.
fn headline_ending_the_body(body: &[Line], width: u32, alone_is_body: bool) -> Option<usize> {
    let (last, before) = body.split_last()?;
    if !last.text.ends_with(['？', '！', '?', '!']) || width == 0 {
        return None;
    }
    let end = before.iter().rposition(|l| ends_sentence(&l.text) || closing_note(&l.text))?;
    let block = &body[end + 1..];
    let set_together = |l: &Line| alone_is_body && !l.alone;
    let headline_like = |l: &Line| inner_width(l) + 4 < width || l.width > width + 6 || set_together(l);
    let clause_end =
        |l: &Line| ends_sentence(&l.text) || l.text.ends_with(['，', '、', '：', '；', ',', ':', ';', '—']);
    let (_, rest) = block.split_last().unwrap_or((last, &[]));
    let fits = end > 0 && block.len() <= 2 * 4 && block.iter().all(headline_like) && !rest.iter().any(clause_end);
    fits.then_some(end + 1)
}

/// The names of a byline whose bracket closes on one of the `rest` lines.
/// The column may cut it anywhere: inside a name (`陈晓` / `苏`) or a role
/// (`通讯` / `员`), where the lines join as the body's do (nothing between
/// CJK characters), or between two names, where they need the space the
/// break took (and before a role: `李四` / `通讯员`). Joined tight unless
/// that makes a name longer than a Chinese name is.
fn wrapped_byline_names(first: &str, rest: &[&str]) -> Option<Vec<String>> {
    const LONGEST_NAME: usize = 4;
    let (mut tight, mut spaced) = (first.to_owned(), first.to_owned());
    for next in rest {
        if byline::starts_with_role(next) {
            tight.push(' ');
            tight.push_str(next);
        } else {
            join(&mut tight, next);
        }
        spaced.push(' ');
        spaced.push_str(next);
        let Some((Some(_), names)) = byline::parse(&tight) else { continue };
        let plausible = names.iter().all(|n| n.is_ascii() || n.chars().count() <= LONGEST_NAME);
        if plausible {
            return Some(names);
        }
        return match byline::parse(&spaced) {
            Some((Some(_), names)) => Some(names),
            _ => Some(names),
        };
    }
    None
}

/// The indices of the lines that open a story with a byline, and the
/// names in it. A byline whose bracket closes on a later line is joined
/// with it (the line numbers stay those of its first line).
fn find_bylines(lines: &[Line]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match byline::parse(&line.text) {
            Some((Some(_), names)) => out.push((i, names)),
            Some((None, _)) => {
                let rest: Vec<&str> = lines.iter().skip(i + 1).take(2).map(|l| l.text.as_str()).collect();
                if let Some(names) = wrapped_byline_names(&line.text, &rest) {
                    out.push((i, names));
                }
            }
            None => {}
        }
    }
    out
}

/// The body's lines re-joined into paragraphs. The byline always runs on
/// into the dateline; after that a paragraph ends at a line that ends a
/// sentence and is short, or that is full but followed by an indented
/// line. Where the widths do not tell, the break is guessed and noted.
fn paragraphs(body: &[Line], width: u32, notes: &mut Vec<Note>) -> Vec<String> {
    // Widths in half-characters: the print indent is two characters, and a
    // full line varies by about one with punctuation and Latin text.
    let short = width.saturating_sub(5);
    let full = width.saturating_sub(2);
    let indented = width.saturating_sub(4);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut byline_open = false;
    for (i, line) in body.iter().enumerate() {
        let starts_paragraph = current.is_empty();
        join(&mut current, &line.text);
        if i == 0 || byline_open {
            // A byline set alone (or over two lines) runs on into the dateline.
            match byline::parse(&current) {
                Some((None, _)) => {
                    byline_open = true;
                    continue;
                }
                Some((Some(end), _)) if end == current.len() => {
                    byline_open = false;
                    continue;
                }
                _ => byline_open = false,
            }
        }
        let Some(next) = body.get(i + 1) else { break };
        let next_width = inner_width(next);
        // Short only because the Latin word or number opening the next line
        // did not fit: as good as full.
        let squeezed = line.width + lines::leading_word_width(&next.text) + 2 > width;
        let sentence = ends_sentence(&line.text) || closing_note(&line.text);
        let line_width = if squeezed { line.width.max(full) } else { line.width };
        let closing = ends_closing(&line.text) && line_width <= short;
        // A short line alone as a paragraph, ending in no punctuation, and
        // a paragraph's first line after it: a subheading (小标题).
        let subheading = starts_paragraph
            && !squeezed
            && line.width + 8 <= width
            && !line.text.ends_with(['，', '、', '：', '；', ',', ';', ':', '—'])
            && next_width <= indented;
        let ends = if next.indented || subheading {
            true
        } else if !sentence && !closing {
            false
        } else if line_width <= short {
            true
        } else if next_width >= full {
            false
        } else if next.width > next_width && next_width + 1 >= indented && next_width <= indented {
            // Filled to the column's edge, its last mark hanging: an
            // indented paragraph of one line.
            true
        } else if ends_sentence(&next.text) {
            notes.push(Note::unsure(
                line.no,
                "guessed no paragraph break after this line (the next line is short: it may be a one-line paragraph) — check the story",
            ));
            false
        } else {
            if next_width > indented {
                notes.push(Note::unsure(
                    line.no,
                    "guessed a paragraph break after this line (the next line is only a little short) — check the story",
                ));
            }
            true
        };
        if ends {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests;
