//! Headline blocks (pure): the lines set after a story's body — an
//! optional column name, the kicker (引题), the headline, an optional
//! subtitle (副题) — and, after the page's last story, the teasers of other
//! pages' stories (kicker and headline, no body).

use super::lines::{join, Line};
use super::{Note, Teaser};

/// The most items a headline block holds: column, kicker, headline, subtitle.
const MAX_ITEMS: usize = 4;

/// The most lines those items take (each may run over two); lines beyond
/// are not a headline.
const MAX_LINES: usize = 2 * MAX_ITEMS;

/// What teasers with no new text frame marked before any of them cost a
/// split (see [`strain`]).
const UNMARKED_TEASERS: u32 = 3;

/// The most teasers a page ends with; lines beyond are not teasers.
pub(crate) const MAX_TEASERS: usize = 10;

/// What a headline block says about its story.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Headline {
    pub(crate) column: Option<String>,
    pub(crate) kicker: Option<String>,
    pub(crate) title: String,
    pub(crate) subtitle: Option<String>,
}

/// One element of a block: its first line's number, its text, and whether
/// it was set together with the element before it (no empty line and no
/// new text frame between them).
#[derive(Debug, Clone)]
struct Item {
    no: usize,
    text: String,
    with_previous: bool,
    /// The extractor started a new text frame here.
    frame: bool,
    /// Printed width in half-characters (of its lines together once joined).
    width: u32,
}

fn items(lines: &[&Line]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut previous: Option<&Line> = None;
    for &line in lines {
        let with_previous = !line.frame_start && previous.is_some_and(|p| p.runs_on && p.no + 1 == line.no);
        out.push(Item {
            no: line.no,
            text: line.text.clone(),
            with_previous,
            frame: line.frame_start,
            width: line.width,
        });
        previous = Some(line);
    }
    out
}

/// A column name with the page letter the extractor glued to it
/// (`“八八战略”在身边B`): the name without the letter.
pub(crate) fn page_letter_column(text: &str) -> Option<String> {
    let mut chars = text.chars().rev();
    let letter = chars.next()?;
    let before = chars.next()?;
    if letter.is_ascii_uppercase() && !before.is_ascii() && chars.next().is_some() {
        Some(text[..text.len() - 1].trim_end().to_owned())
    } else {
        None
    }
}

/// Whether an item reads as a column name without a page letter:
/// `【八八战略在身边】`, `■身边事`.
fn bracketed_column(text: &str) -> bool {
    (text.starts_with('【') && text.ends_with('】')) || text.starts_with(['■', '□', '◆', '●', '▲'])
}

/// The most characters of a column name that opens with a quoted word
/// (`“两会”时间`, `“八八战略”在身边`); a longer line is a kicker quoting.
const QUOTED_COLUMN_CHARS: usize = 10;

/// Whether an item reads as a column name that opens with a word in
/// quotes and is short: `“两会”时间`. Kickers seldom open with a quote and
/// run longer.
fn quoted_column(text: &str) -> bool {
    let chars = text.chars().count();
    text.starts_with('“') && text[3..].contains('”') && chars <= QUOTED_COLUMN_CHARS && !text.ends_with('”')
}

/// Joins an item to the one before when that one leaves a quote or bracket
/// open (`护航“五战双` / `强”主战场`): a headline cut over two lines, set
/// together or not.
fn join_open_quotes(items: &mut Vec<Item>) {
    let mut at = 1;
    while at < items.len() {
        let open = items.get(at - 1).is_some_and(|prev| unbalanced(&prev.text));
        if open {
            let next = items.remove(at);
            if let Some(prev) = items.get_mut(at - 1) {
                join(&mut prev.text, &next.text);
                prev.width += next.width;
            }
        } else {
            at += 1;
        }
    }
}

/// More opening quotes or brackets than closing ones.
fn unbalanced(text: &str) -> bool {
    let count = |set: &[char]| text.chars().filter(|c| set.contains(c)).count();
    count(&['“', '（', '《', '(']) > count(&['”', '）', '》', ')'])
}

/// The headline block of a story that another story follows.
pub(crate) fn story_block(lines: &[&Line], column_width: u32, notes: &mut Vec<Note>) -> Option<Headline> {
    let (headline, _, mut found) = assign(items(lines), column_width)?;
    notes.append(&mut found);
    Some(headline)
}

/// The block after the page's last story: its headline block, then the
/// teasers, each a kicker and a headline. Every split that leaves the
/// teasers in pairs is tried; the one whose reading strains least wins
/// (see [`strain`]), and one that another split nearly matches is a guess.
pub(crate) fn last_block(lines: &[&Line], column_width: u32, notes: &mut Vec<Note>) -> (Option<Headline>, Vec<Teaser>) {
    let all = items(lines);
    let n = all.len();
    let marked = |t: &str| page_letter_column(t).is_some() || bracketed_column(t) || quoted_column(t);
    let least = if all.first().is_some_and(|i| marked(&i.text)) { 2 } else { 1 };
    let splits: Vec<(u32, usize)> = (least.min(n)..=n.min(MAX_LINES))
        .filter(|k| (n - k) % 2 == 0)
        .filter_map(|k| strain(&all, k, column_width).map(|s| (s, k)))
        .collect();
    let best = splits.iter().min_by_key(|(s, _)| *s).copied();
    // Another split that strains nearly as little is as good a reading.
    let tied = best.is_some_and(|(b, k)| splits.iter().any(|&(s, j)| j != k && s < b + SURE_MARGIN));
    let split = best.map_or(n, |(_, k)| k);
    let (own, rest) = all.split_at(split);
    if tied {
        notes.push(Note::unsure(
            rest.first().map_or(0, |i| i.no),
            "guessed that the teasers of other pages begin here; the lines before may belong to the story above, or these to it — check it",
        ));
    }
    if let Some(beyond) = rest.get(2 * MAX_TEASERS) {
        notes.push(Note::unsure(
            beyond.no,
            format!(
                "{} lines from here were not attributed to any story (more than {MAX_TEASERS} teasers?) — check the page",
                rest.len() - 2 * MAX_TEASERS
            ),
        ));
    }
    let teasers = pairs(rest);
    match assign(own.to_vec(), column_width) {
        Some((headline, _, mut found)) => {
            notes.append(&mut found);
            (Some(headline), teasers)
        }
        None => (None, teasers),
    }
}

/// Lines that are all teasers (a page of them): a kicker and a headline
/// each, at most [`MAX_TEASERS`].
pub(crate) fn teasers(lines: &[&Line]) -> Vec<Teaser> {
    pairs(&items(lines))
}

fn pairs(items: &[Item]) -> Vec<Teaser> {
    let mut teasers = Vec::new();
    for pair in items.chunks(2).take(MAX_TEASERS) {
        match pair {
            [kicker, headline] => teasers.push(Teaser {
                line: kicker.no,
                kicker: Some(kicker.text.clone()),
                headline: headline.text.clone(),
            }),
            [headline] => teasers.push(Teaser { line: headline.no, kicker: None, headline: headline.text.clone() }),
            _ => {}
        }
    }
    teasers
}

/// How badly reading the first `k` items as the story's headline block and
/// the rest as teasers strains the layout (`None`: impossible, no
/// headline). Lines set together that the split or a teaser boundary
/// would part cost 2 each; a new text frame (the teaser box) kept in the
/// story's block costs 3, and so do teasers that begin other than where
/// the extractor marked a new frame further on; the story's own reading
/// costs what [`assign`] says, and a headline with no kicker 2 more;
/// teasers with no frame mark at all cost [`UNMARKED_TEASERS`].
fn strain(all: &[Item], k: usize, column_width: u32) -> Option<u32> {
    let (own, rest) = all.split_at(k);
    let (headline, own_strain, _) = assign(own.to_vec(), column_width)?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX / 4);
    let parted = rest.chunks(2).filter(|pair| pair.first().is_some_and(|i| i.with_previous)).count();
    let framed = own.iter().skip(1).filter(|i| i.frame).count();
    let misframed = rest.first().is_some_and(|first| !first.frame && rest.iter().any(|i| i.frame));
    let bare = if headline.kicker.is_none() { 2 } else { 0 };
    // Teasers are set in a box of their own, which the extractor marks.
    let unmarked = if !rest.is_empty() && !rest.iter().any(|i| i.frame) { UNMARKED_TEASERS } else { 0 };
    Some(
        own_strain
            + bare
            + unmarked
            + 2 * count(parted)
            + cost::IMPOSSIBLE * count(framed)
            + if misframed { cost::IMPOSSIBLE } else { 0 },
    )
}

/// What an element of a headline block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Column,
    Kicker,
    Title,
    Subtitle,
}

/// The orders the elements of a block come in, by how many there are;
/// of two readings that strain the layout equally, the earlier is taken.
const PATTERNS: &[&[Role]] = &[
    &[Role::Title],
    &[Role::Kicker, Role::Title],
    &[Role::Title, Role::Subtitle],
    &[Role::Column, Role::Title],
    &[Role::Kicker, Role::Title, Role::Subtitle],
    &[Role::Column, Role::Kicker, Role::Title],
    &[Role::Column, Role::Title, Role::Subtitle],
    &[Role::Column, Role::Kicker, Role::Title, Role::Subtitle],
];

/// The most lines one element runs over.
const MAX_ELEMENT_LINES: usize = 3;

/// How much less the best reading of a block must strain the layout than
/// any other reading that gives the story another headline, kicker,
/// subtitle or column, for the importer to be sure of it.
const SURE_MARGIN: u32 = 2;

/// The most characters of a line that may be a column name (`一线见闻`,
/// `基层治理新实践`): longer ones are kickers or headlines.
const COLUMN_NAME_CHARS: usize = 8;

/// What each piece of evidence costs a reading (see [`reading_strain`]).
mod cost {
    /// A column name nothing marks (no page letter, quotes or brackets).
    pub(super) const COLUMN: u32 = 3;
    /// … and longer than column names are.
    pub(super) const LONG_COLUMN: u32 = 2;
    /// A column name set together with the next line.
    pub(super) const COLUMN_SET_WITH_NEXT: u32 = 3;
    /// A kicker as short as a column name, first in a block with no column.
    pub(super) const SHORT_KICKER: u32 = 2;
    /// A headline set together with its kicker (the headline's larger type
    /// is usually set apart from the kicker).
    pub(super) const TITLE_SET_UNDER_KICKER: u32 = 3;
    /// A subtitle with no dash set together under its headline.
    pub(super) const BARE_SUBTITLE_SET_WITH_TITLE: u32 = 2;
    /// A subtitle with no dash set apart from its headline.
    pub(super) const BARE_SUBTITLE: u32 = 3;
    /// A headline or subtitle over two lines (a kicker, a sentence in small
    /// type, wraps more often than either: nothing).
    pub(super) const WRAPPED: u32 = 2;
    /// An element over three lines.
    pub(super) const THREE_LINES: u32 = 4;
    /// A headline's second line wider than its first: neither the frame
    /// nor the usual headline shape (the top line the longer) cut it there.
    pub(super) const TITLE_WIDER_BELOW: u32 = 3;
    /// The same of a kicker or subtitle, whose breaks are freer.
    pub(super) const WIDER_BELOW: u32 = 1;
    /// A kicker or subtitle made of phrases parted by a space
    /// (`对标奋进 对表攻坚`): the form of a main headline, where the space
    /// stands for the comma headlines leave out.
    pub(super) const SPACED_NOT_TITLE: u32 = 2;
    /// Two elements where the first ends on a line as wide as the body's
    /// column and the second is set under it with no space: more likely
    /// one element the column's width cut.
    pub(super) const CUT_AT_COLUMN: u32 = 2;
    /// An element running on after a line that ends in `？` or `！`.
    pub(super) const RUNS_ON_AFTER_MARK: u32 = 1;
    /// An element ending in a comma, an enumeration comma, a colon or a
    /// semicolon, or a dashed line read as anything but a subtitle: as
    /// good as impossible.
    pub(super) const IMPOSSIBLE: u32 = 8;
}

/// One way of reading a block: its elements (ranges of items) and their roles.
#[derive(Debug, Clone)]
struct Reading {
    groups: Vec<(usize, usize)>,
    roles: &'static [Role],
    strain: u32,
}

/// Every way of cutting `n` items into elements of consecutive items, each
/// element's later lines set together with the line before them.
fn partitions(items: &[Item]) -> Vec<Vec<(usize, usize)>> {
    fn walk(items: &[Item], from: usize, current: &mut Vec<(usize, usize)>, out: &mut Vec<Vec<(usize, usize)>>) {
        if from == items.len() {
            out.push(current.clone());
            return;
        }
        for len in (1..=MAX_ELEMENT_LINES.min(items.len() - from)).rev() {
            let together = (from + 1..from + len).all(|i| items.get(i).is_some_and(|it| it.with_previous));
            if !together {
                continue;
            }
            current.push((from, from + len));
            walk(items, from + len, current, out);
            current.pop();
        }
    }
    let mut out = Vec::new();
    walk(items, 0, &mut Vec::new(), &mut out);
    out
}

/// Whether a line may be a column name by its length and punctuation.
fn short_name(text: &str) -> bool {
    text.chars().count() <= COLUMN_NAME_CHARS
        && !text.contains(['，', '。', '、', '：', '；', '！', '？', ' ', '!', '?'])
}

/// Whether a line holds phrases parted by a space between two CJK
/// characters (`春风送岗位 就业暖人心`; not `ISO 9001`).
fn spaced_phrases(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(3).any(|w| matches!(w, [a, ' ' | '\u{3000}', b] if !a.is_ascii() && !b.is_ascii()))
}

/// Whether an element can end with this line (not on a comma, colon…).
fn open_ended(text: &str) -> bool {
    text.ends_with(['，', '、', '：', '；', ',', ':', ';', '—'])
}

/// How badly a reading strains what the layout shows: the sum of the
/// costs in [`cost`] that apply. `column_found`: a marked column was
/// already taken off the block.
fn reading_strain(
    items: &[Item],
    groups: &[(usize, usize)],
    roles: &[Role],
    column_found: bool,
    column_width: u32,
) -> Option<u32> {
    let mut strain = 0;
    for (g, (&(start, end), &role)) in groups.iter().zip(roles).enumerate() {
        let lines = items.get(start..end)?;
        let first = lines.first()?;
        let next = groups.get(g + 1).and_then(|&(s, _)| items.get(s));
        let set_with_next = next.is_some_and(|n| n.with_previous);
        if set_with_next && lines.last().is_some_and(|l| open_ended(&l.text)) {
            strain += cost::IMPOSSIBLE;
        }
        // A line as wide as the body's column, the next set under it: the
        // column's width cut it (a headline over one column).
        if set_with_next && column_width > 0 && lines.last().is_some_and(|l| l.width.abs_diff(column_width) <= 2) {
            strain += cost::CUT_AT_COLUMN;
        }
        if role != Role::Subtitle && is_dashed(&first.text) {
            strain += cost::IMPOSSIBLE;
        }
        if lines.iter().skip(1).any(|l| is_dashed(&l.text)) {
            return None;
        }
        if lines.len() > 1 {
            strain += match role {
                Role::Column => return None,
                Role::Kicker => 0,
                Role::Title | Role::Subtitle => cost::WRAPPED,
            };
            if lines.len() > 2 {
                strain += cost::THREE_LINES;
            }
            for pair in lines.windows(2) {
                if let [above, below] = pair {
                    if below.width > above.width + 2 {
                        strain += if role == Role::Title { cost::TITLE_WIDER_BELOW } else { cost::WIDER_BELOW };
                    }
                    if above.text.trim_end_matches(['”', '’']).ends_with(['？', '！', '?', '!']) {
                        strain += cost::RUNS_ON_AFTER_MARK;
                    }
                }
            }
        }
        if matches!(role, Role::Kicker | Role::Subtitle) && lines.iter().any(|l| spaced_phrases(&l.text)) {
            strain += cost::SPACED_NOT_TITLE;
        }
        match role {
            Role::Column => {
                strain += cost::COLUMN;
                if !short_name(&first.text) {
                    strain += cost::LONG_COLUMN;
                }
                if set_with_next {
                    strain += cost::COLUMN_SET_WITH_NEXT;
                }
            }
            Role::Kicker => {
                if g == 0 && !column_found && lines.len() == 1 && !set_with_next && short_name(&first.text) {
                    strain += cost::SHORT_KICKER;
                }
                if set_with_next {
                    strain += cost::TITLE_SET_UNDER_KICKER;
                }
            }
            Role::Title => {}
            Role::Subtitle => {
                if !is_dashed(&first.text) {
                    strain +=
                        if first.with_previous { cost::BARE_SUBTITLE_SET_WITH_TITLE } else { cost::BARE_SUBTITLE };
                }
            }
        }
    }
    Some(strain)
}

/// The text of the items `start..end`, joined as lines of one element.
fn joined(items: &[Item], (start, end): (usize, usize)) -> String {
    let mut text = String::new();
    for item in items.get(start..end).unwrap_or_default() {
        join(&mut text, &item.text);
    }
    text
}

/// The headline a reading gives.
fn headline_of(items: &[Item], reading: &Reading, column: Option<String>) -> Headline {
    let mut headline = Headline { column, ..Headline::default() };
    for (&group, &role) in reading.groups.iter().zip(reading.roles) {
        let text = joined(items, group);
        match role {
            Role::Column => headline.column = Some(text),
            Role::Kicker => headline.kicker = Some(text),
            Role::Title => headline.title = text,
            Role::Subtitle => {
                headline.subtitle = Some(text.trim_start_matches(['—', '-', '－']).trim_start().to_owned());
            }
        }
    }
    headline
}

/// How a headline reads, for a note: `kicker “…” / headline “…”`.
fn describe(headline: &Headline) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &headline.column {
        parts.push(format!("column “{c}”"));
    }
    if let Some(k) = &headline.kicker {
        parts.push(format!("kicker “{k}”"));
    }
    parts.push(format!("headline “{}”", headline.title));
    if let Some(s) = &headline.subtitle {
        parts.push(format!("subtitle “{s}”"));
    }
    parts.join(" / ")
}

/// Gives each item its role. A column marked as one (a page letter,
/// brackets, a short name in quotes) is taken first, and lines that leave
/// a quote open are joined with the next; then every reading of the rest
/// (which lines set together are one element over two lines, which are
/// two elements; which element is a column name, kicker, headline or
/// subtitle) is weighed by what it leaves unexplained (see [`cost`]). The
/// reading that strains least is taken; when another reading with a
/// different outcome strains nearly as little, or the column is a bare
/// name, it is a guess and noted. Also says how much the reading strains
/// (lines left over: 3 more) and what it noted.
fn assign(mut rest: Vec<Item>, column_width: u32) -> Option<(Headline, u32, Vec<Note>)> {
    let mut notes = Vec::new();
    let mut strain = 0;
    let block_line = rest.first().map_or(0, |i| i.no);
    if rest.len() > MAX_LINES {
        notes.push(Note::unsure(
            rest.get(MAX_LINES).map_or(0, |i| i.no),
            format!("{} lines from here were not attributed to any story — check the page", rest.len() - MAX_LINES),
        ));
        strain += 3;
        rest.truncate(MAX_LINES);
    }
    let mut column = None;
    if let Some(first) = rest.first() {
        if let Some(name) = page_letter_column(&first.text) {
            column = Some(name);
            rest.remove(0);
        } else if (bracketed_column(&first.text) || quoted_column(&first.text)) && rest.len() >= 2 {
            column = Some(first.text.trim_matches(['【', '】', '■', '□', '◆', '●', '▲']).trim().to_owned());
            rest.remove(0);
        }
    }
    join_open_quotes(&mut rest);
    let column_found = column.is_some();
    let mut readings: Vec<Reading> = Vec::new();
    let mut dropped = 0;
    while readings.is_empty() && !rest.is_empty() {
        for groups in partitions(&rest) {
            for &roles in PATTERNS.iter().filter(|p| p.len() == groups.len()) {
                if column_found && roles.contains(&Role::Column) {
                    continue;
                }
                if let Some(strain) = reading_strain(&rest, &groups, roles, column_found, column_width) {
                    readings.push(Reading { groups: groups.clone(), roles, strain });
                }
            }
        }
        if readings.is_empty() {
            rest.pop();
            dropped += 1;
        }
    }
    if dropped > 0 {
        notes.push(Note::unsure(
            block_line,
            format!(
                "headline block has more lines than a column, kicker, headline and subtitle; its last {dropped} lines were not attributed — check the story above"
            ),
        ));
        strain += 3;
    }
    // Stable: of equal strains, the earlier reading (fewer, longer elements; the usual order).
    readings.sort_by_key(|r| r.strain);
    let best = readings.first()?;
    let headline = headline_of(&rest, best, column.clone());
    let rival = readings
        .iter()
        .skip(1)
        .map(|r| (r, headline_of(&rest, r, column.clone())))
        .find(|(_, h)| *h != headline)
        .filter(|(r, _)| r.strain < best.strain + SURE_MARGIN);
    let bare_column = best.roles.contains(&Role::Column);
    if let Some((other, alternative)) = rival {
        // Where the two readings part: the first item they give another element or role.
        let role_at = |r: &Reading, i: usize| {
            r.groups.iter().zip(r.roles).find(|((s, e), _)| (*s..*e).contains(&i)).map(|(g, role)| (*g, *role))
        };
        let at = (0..rest.len())
            .find(|&i| role_at(best, i) != role_at(other, i))
            .and_then(|i| rest.get(i))
            .map_or(block_line, |i| i.no);
        notes.push(Note::unsure(
            at,
            format!(
                "guessed the headline block reads {}; it may also read {} — check the story",
                describe(&headline),
                describe(&alternative)
            ),
        ));
    } else if bare_column {
        let name = headline.column.clone().unwrap_or_default();
        notes.push(Note::unsure(
            block_line,
            format!("guessed “{name}” is a column name (nothing marks it as one: no page letter, quotes or brackets) — check the story"),
        ));
    }
    Some((headline, strain + best.strain, notes))
}

/// A subtitle marked as one: `——我市第12家城市书房开放`.
pub(crate) fn is_dashed(text: &str) -> bool {
    text.starts_with(['—', '－']) || text.starts_with("--")
}

#[cfg(test)]
mod tests {
    use super::super::lines::page_lines;
    use super::*;

    fn block(text: &str) -> (Option<Headline>, Vec<Note>) {
        let lines = page_lines(text);
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        (story_block(&refs, 0, &mut notes), notes)
    }

    fn h(column: Option<&str>, kicker: Option<&str>, title: &str, subtitle: Option<&str>) -> Headline {
        Headline {
            column: column.map(str::to_owned),
            kicker: kicker.map(str::to_owned),
            title: title.to_owned(),
            subtitle: subtitle.map(str::to_owned),
        }
    }

    #[test]
    fn story_blocks() {
        let cases: &[(&str, Headline, usize)] = &[
            (
                "“八八战略”在身边B\n\n胡勇春在全市深入实施“八八战略”\n强力推进创新深化改革攻坚开放提升工作推进会上强调\n\n对标奋进 对表攻坚\n以工作主动性赢得发展主动权\n",
                h(
                    Some("“八八战略”在身边"),
                    Some("胡勇春在全市深入实施“八八战略”强力推进创新深化改革攻坚开放提升工作推进会上强调"),
                    "对标奋进 对表攻坚",
                    Some("以工作主动性赢得发展主动权"),
                ),
                0,
            ),
            ("胡勇春在全市公安工作会议上强调\n\n提升新质公安战斗力 护航“五战双强”主战场\n", h(None, Some("胡勇春在全市公安工作会议上强调"), "提升新质公安战斗力 护航“五战双强”主战场", None), 0),
            ("只有标题\n", h(None, None, "只有标题", None), 0),
            ("身边事A\n\n区里召开助餐点建设会\n\n老人吃饭不再难\n", h(Some("身边事"), Some("区里召开助餐点建设会"), "老人吃饭不再难", None), 0),
            ("【民生】\n\n区里召开助餐点建设会\n\n老人吃饭不再难\n", h(Some("民生"), Some("区里召开助餐点建设会"), "老人吃饭不再难", None), 0),
            ("区里召开助餐点建设会\n\n老人吃饭不再难\n——全区新增助餐点四十个\n", h(None, Some("区里召开助餐点建设会"), "老人吃饭不再难", Some("全区新增助餐点四十个")), 0),
            ("标题\n——副题\n", h(None, None, "标题", Some("副题")), 0),
            // A bare name over three more elements: a column, said to be a guess.
            ("栏目\n\n区里召开助餐点建设会\n\n老人吃饭不再难\n\n全区新增助餐点四十个\n", h(Some("栏目"), Some("区里召开助餐点建设会"), "老人吃饭不再难", Some("全区新增助餐点四十个")), 1),
            // Lines left over and a bare column: two notes.
            ("甲\n\n乙\n\n丙\n\n丁\n\n戊\n", h(Some("甲"), Some("乙"), "丙", Some("丁")), 2),
        ];
        for (text, want, note_count) in cases {
            let (got, notes) = block(text);
            assert_eq!(got.as_ref(), Some(want), "{text}");
            assert_eq!(notes.len(), *note_count, "{text}: {notes:?}");
        }
        assert_eq!(block("").0, None);
    }

    #[test]
    fn last_blocks_split_off_the_teasers() {
        let text = "胡勇春在全市公安工作会议上强调\n\n提升新质公安战斗力 护航“五战双强”主战场\n 连线全国人大代表黄美媚\n\n聚焦“东迁西归”延伸技能人才培育链\n\n每年免费为群众维修家电\n\n这句承诺 他坚持了20年\n";
        let lines = page_lines(text);
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let (own, teasers) = last_block(&refs, 0, &mut notes);
        assert_eq!(
            own,
            Some(h(None, Some("胡勇春在全市公安工作会议上强调"), "提升新质公安战斗力 护航“五战双强”主战场", None))
        );
        let got: Vec<(usize, Option<&str>, &str)> =
            teasers.iter().map(|t| (t.line, t.kicker.as_deref(), t.headline.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, Some("连线全国人大代表黄美媚"), "聚焦“东迁西归”延伸技能人才培育链"),
                (8, Some("每年免费为群众维修家电"), "这句承诺 他坚持了20年")
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");

        // Without a frame mark, the fewest lines the story can have; a guess
        // when a subtitle would also fit and is set with the headline.
        for (text, guesses) in [
            ("区里召开助餐点建设会\n\n老人吃饭不再难\n\n他版的引题\n\n他版的标题\n", 0),
            ("区里召开助餐点建设会\n\n老人吃饭不再难\n他版的引题\n\n他版的标题\n", 1),
        ] {
            let lines = page_lines(text);
            let refs: Vec<&Line> = lines.iter().collect();
            let mut notes = Vec::new();
            let (own, teasers) = last_block(&refs, 0, &mut notes);
            assert_eq!(own, Some(h(None, Some("区里召开助餐点建设会"), "老人吃饭不再难", None)), "{text}");
            assert_eq!(teasers.len(), 1, "{text}");
            assert_eq!(notes.iter().filter(|n| n.unsure).count(), guesses, "{text}: {notes:?}");
        }

        // A column, a kicker over two lines, headline and subtitle, then teasers in a box.
        let lines = page_lines("栏目B\n\n区里召开助餐点\n建设推进会\n\n老人吃饭不再难\n全区新增助餐点四十个\n\n 他版的引题\n\n他版的标题\n");
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let (own, teasers) = last_block(&refs, 0, &mut notes);
        assert_eq!(
            own,
            Some(h(Some("栏目"), Some("区里召开助餐点建设推进会"), "老人吃饭不再难", Some("全区新增助餐点四十个")))
        );
        assert_eq!(teasers.len(), 1);
        assert!(notes.is_empty(), "{notes:?}");

        let lines = page_lines("区里召开助餐点建设会\n\n老人吃饭不再难\n\n——全区新增助餐点四十个\n");
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let (own, teasers) = last_block(&refs, 0, &mut notes);
        assert_eq!(own, Some(h(None, Some("区里召开助餐点建设会"), "老人吃饭不再难", Some("全区新增助餐点四十个"))));
        assert!(teasers.is_empty());
    }

    /// Each piece of evidence, in blocks that differ only by it: what the
    /// block reads as, and whether that is sure (no unsure note).
    #[test]
    fn readings_weighed_by_evidence() {
        let k = "区里召开助餐点建设会";
        let cases: &[(&str, Headline, bool, &str)] = &[
            (
                "区里召开助餐点建设会\n\n老人吃饭不再难\n",
                h(None, Some(k), "老人吃饭不再难", None),
                true,
                "two elements apart: a kicker and its headline",
            ),
            (
                "一线见闻\n\n老人吃饭不再难\n",
                h(None, Some("一线见闻"), "老人吃饭不再难", None),
                false,
                "a first line as short as a column name may be one",
            ),
            (
                "一线见闻\n\n区里召开助餐点建设会\n\n老人吃饭不再难\n",
                h(Some("一线见闻"), Some(k), "老人吃饭不再难", None),
                false,
                "a bare column name is always a guess",
            ),
            (
                "区里召开助餐点建设会\n老人吃饭不再难\n",
                h(None, None, "区里召开助餐点建设会老人吃饭不再难", None),
                false,
                "two lines set together: one headline, a kicker and headline, or headline and subtitle",
            ),
            (
                "老人吃饭不再难\n——全区新增助餐点四十个\n",
                h(None, None, "老人吃饭不再难", Some("全区新增助餐点四十个")),
                true,
                "a dash marks the subtitle",
            ),
            (
                "区里召开助餐点建设会，\n老人吃饭不再难\n",
                h(None, None, "区里召开助餐点建设会，老人吃饭不再难", None),
                true,
                "no element ends on a comma",
            ),
            (
                "区里召开助餐点\n建设会\n\n老人吃饭不再难\n",
                h(None, Some("区里召开助餐点建设会"), "老人吃饭不再难", None),
                true,
                "two lines set together before one apart: a kicker over two lines",
            ),
            (
                "春风送岗位 就业暖人心\n\n全区新增助餐点四十个\n",
                h(None, Some("春风送岗位 就业暖人心"), "全区新增助餐点四十个", None),
                false,
                "phrases parted by a space are a headline's form: kicker or headline and subtitle",
            ),
            (
                "区里召开助餐点\n建设会\n\n老人吃饭\n不再难了吗全区新增助餐点\n",
                h(None, Some("区里召开助餐点建设会"), "老人吃饭", Some("不再难了吗全区新增助餐点")),
                true,
                "a headline's second line much wider than its first: a subtitle under it",
            ),
        ];
        for (text, want, sure, why) in cases {
            let (got, notes) = block(text);
            assert_eq!(got.as_ref(), Some(want), "{why}");
            assert_eq!(notes.iter().all(|n| !n.unsure), *sure, "{why}: {notes:?}");
        }
        // Cut at the body's column width: one element, the column cut it.
        let lines = page_lines("区里召开助餐点建设会老\n人吃饭\n");
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let got = story_block(&refs, 22, &mut notes);
        assert_eq!(got, Some(h(None, None, "区里召开助餐点建设会老人吃饭", None)));
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn page_letters() {
        assert_eq!(page_letter_column("“八八战略”在身边B").as_deref(), Some("“八八战略”在身边"));
        assert_eq!(page_letter_column("身边事A").as_deref(), Some("身边事"));
        for no in ["迎接5G", "拥抱AI", "B", "维C", "标题"] {
            assert_eq!(page_letter_column(no), None, "{no}");
        }
    }
}
