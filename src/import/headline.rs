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

/// How much wider (half-characters) a kicker is than the column name above
/// it and the headline below it, when nothing else marks the column.
const COLUMN_MARGIN: u32 = 4;

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
pub(crate) fn story_block(lines: &[&Line], notes: &mut Vec<Note>) -> Option<Headline> {
    let (headline, _, mut found) = assign(items(lines))?;
    notes.append(&mut found);
    Some(headline)
}

/// The block after the page's last story: its headline block, then the
/// teasers, each a kicker and a headline. Every split that leaves the
/// teasers in pairs is tried; the one whose reading strains least wins
/// (see [`strain`]), and a tie is a guess.
pub(crate) fn last_block(lines: &[&Line], notes: &mut Vec<Note>) -> (Option<Headline>, Vec<Teaser>) {
    let all = items(lines);
    let n = all.len();
    let least = if all.first().is_some_and(|i| page_letter_column(&i.text).is_some()) { 2 } else { 1 };
    let mut best: Option<(u32, usize)> = None;
    let mut tied = false;
    for k in (least.min(n)..=n.min(MAX_LINES)).filter(|k| (n - k) % 2 == 0) {
        let Some(strain) = strain(&all, k) else { continue };
        match best {
            Some((b, _)) if strain > b => {}
            Some((b, _)) if strain == b => tied = true,
            _ => {
                best = Some((strain, k));
                tied = false;
            }
        }
    }
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
    match assign(own.to_vec()) {
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
/// costs what [`assign`] says, and a headline with no kicker 2 more.
fn strain(all: &[Item], k: usize) -> Option<u32> {
    let (own, rest) = all.split_at(k);
    let (headline, own_strain, _) = assign(own.to_vec())?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX / 4);
    let parted = rest.chunks(2).filter(|pair| pair.first().is_some_and(|i| i.with_previous)).count();
    let framed = own.iter().skip(1).filter(|i| i.frame).count();
    let misframed = rest.first().is_some_and(|first| !first.frame && rest.iter().any(|i| i.frame));
    let bare = if headline.kicker.is_none() { 2 } else { 0 };
    Some(own_strain + bare + 2 * count(parted) + 3 * count(framed) + if misframed { 3 } else { 0 })
}

/// Gives each item its role: a column only with evidence (a page letter,
/// brackets, one item too many, or three items whose middle one is
/// clearly the widest); a kicker that runs over two lines joined (the
/// earliest pair of lines set together, or two lines set together before
/// one set apart); then kicker, headline, subtitle. Also says how much the reading strains (a column
/// taken for want of room, two lines joined, a guess: 1 each; a headline
/// set under its kicker: 2; lines left over: 3) and what it noted.
fn assign(mut rest: Vec<Item>) -> Option<(Headline, u32, Vec<Note>)> {
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
    strain += join_wrapped(&mut rest, MAX_ITEMS - 1);
    // Two lines set together and one apart: a kicker over two lines and
    // the headline (rather than a headline set under its kicker and a
    // subtitle set apart from the headline).
    if let [_, second, third] = rest.as_slice() {
        if second.with_previous && !third.with_previous {
            strain += join_wrapped(&mut rest, MAX_ITEMS - 2);
        }
    }
    // Three items apart, the middle one clearly the widest: a short column
    // name, a long kicker and a short headline, as set (a kicker, a
    // headline and a subtitle set the other way round are told apart
    // below). Sure when the name is in quotes, as column names often are.
    if let [first, second, third] = rest.as_slice() {
        let widest = second.width >= first.width + COLUMN_MARGIN && second.width >= third.width + COLUMN_MARGIN;
        if column.is_none() && widest && !third.with_previous && !second.with_previous && !is_dashed(&third.text) {
            if !first.text.starts_with(['“', '「', '《', '"']) {
                notes.push(Note::unsure(
                    first.no,
                    format!(
                        "guessed “{}” is a column name (it is set above a wider kicker and a narrower headline) — check the story",
                        first.text
                    ),
                ));
                strain += 1;
            }
            column = Some(rest.remove(0).text);
        }
    }
    if rest.len() > MAX_ITEMS - 1 && column.is_none() {
        column = Some(rest.remove(0).text);
        strain += 1 + join_wrapped(&mut rest, MAX_ITEMS - 1);
    }
    if rest.len() > MAX_ITEMS - 1 {
        let extra: Vec<String> = rest.iter().skip(MAX_ITEMS - 1).map(|i| format!("{} “{}”", i.no, i.text)).collect();
        notes.push(Note::unsure(
            block_line,
            format!(
                "headline block has more lines than a column, kicker, headline and subtitle; lines {} were not attributed — check the story above",
                extra.join(", ")
            ),
        ));
        strain += 3;
        rest.truncate(MAX_ITEMS - 1);
    }
    let mut it = rest.into_iter();
    let (kicker, title, subtitle) = match (it.next(), it.next(), it.next()) {
        (None, _, _) => return None,
        (Some(title), None, _) => (None, title, None),
        (Some(title), Some(subtitle), None) if is_dashed(&subtitle.text) => (None, title, Some(subtitle)),
        (Some(kicker), Some(title), None) => (Some(kicker), title, None),
        (Some(a), Some(b), Some(c)) => {
            let subtitle_signs = c.with_previous || is_dashed(&c.text);
            if column.is_none() && !subtitle_signs {
                notes.push(Note::unsure(
                    a.no,
                    format!(
                        "guessed “{}” is the kicker and “{}” the subtitle (it could be a column name and a kicker) — check the story",
                        a.text, c.text
                    ),
                ));
                strain += 1;
            }
            (Some(a), b, Some(c))
        }
    };
    if kicker.is_some() && title.with_previous {
        strain += 2;
    }
    let headline = Headline {
        column,
        kicker: kicker.map(|k| k.text),
        title: title.text,
        subtitle: subtitle.map(|s| s.text.trim_start_matches(['—', '-', '－']).trim_start().to_owned()),
    };
    Some((headline, strain, notes))
}

/// A subtitle marked as one: `——我市第12家城市书房开放`.
fn is_dashed(text: &str) -> bool {
    text.starts_with(['—', '－']) || text.starts_with("--")
}

/// Joins the earliest pairs of items set together until at most `max`
/// remain (a kicker running over two lines is the usual reason); how many
/// it joined.
fn join_wrapped(items: &mut Vec<Item>, max: usize) -> u32 {
    let mut joined = 0;
    while items.len() > max {
        let Some(at) = items.iter().skip(1).position(|i| i.with_previous).map(|p| p + 1) else {
            return joined;
        };
        joined += 1;
        let next = items.remove(at);
        if let Some(prev) = items.get_mut(at - 1) {
            join(&mut prev.text, &next.text);
            prev.width += next.width;
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::super::lines::page_lines;
    use super::*;

    fn block(text: &str) -> (Option<Headline>, Vec<Note>) {
        let lines = page_lines(text);
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        (story_block(&refs, &mut notes), notes)
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
            ("身边事A\n\n引题\n\n标题\n", h(Some("身边事"), Some("引题"), "标题", None), 0),
            ("【民生】\n\n引题\n\n标题\n", h(Some("民生"), Some("引题"), "标题", None), 0),
            ("引题\n\n标题\n——副题\n", h(None, Some("引题"), "标题", Some("副题")), 0),
            ("标题\n——副题\n", h(None, None, "标题", Some("副题")), 0),
            ("栏目\n\n引题\n\n标题\n\n副题\n", h(Some("栏目"), Some("引题"), "标题", Some("副题")), 0),
            ("引题\n\n标题\n\n副题\n", h(None, Some("引题"), "标题", Some("副题")), 1),
            ("甲\n\n乙\n\n丙\n\n丁\n\n戊\n", h(Some("甲"), Some("乙"), "丙", Some("丁")), 1),
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
        let (own, teasers) = last_block(&refs, &mut notes);
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
        for (text, guesses) in [("引题\n\n标题\n\n他引\n\n他题\n", 0), ("引题\n\n标题\n他引\n\n他题\n", 1)]
        {
            let lines = page_lines(text);
            let refs: Vec<&Line> = lines.iter().collect();
            let mut notes = Vec::new();
            let (own, teasers) = last_block(&refs, &mut notes);
            assert_eq!(own, Some(h(None, Some("引题"), "标题", None)), "{text}");
            assert_eq!(teasers.len(), 1, "{text}");
            assert_eq!(notes.len(), guesses, "{text}: {notes:?}");
        }

        // A column, a kicker over two lines, headline and subtitle, then teasers with no frame mark.
        let lines = page_lines("栏目B\n\n引题上\n引题下\n\n标题\n副题\n\n他引\n\n他题\n");
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let (own, teasers) = last_block(&refs, &mut notes);
        assert_eq!(own, Some(h(Some("栏目"), Some("引题上引题下"), "标题", Some("副题"))));
        assert_eq!(teasers.len(), 1);
        assert!(notes.is_empty(), "{notes:?}");

        let lines = page_lines("引题\n\n标题\n\n副题\n");
        let refs: Vec<&Line> = lines.iter().collect();
        let mut notes = Vec::new();
        let (own, teasers) = last_block(&refs, &mut notes);
        assert_eq!(own, Some(h(None, Some("引题"), "标题", Some("副题"))));
        assert!(teasers.is_empty());
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
