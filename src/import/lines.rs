//! The physical lines of a page and the text rules that apply to them
//! (pure): stray extractor spaces, widths in half-characters, re-joining
//! lines that the column width cut, and what ends a sentence.

/// One non-empty line of the page, cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// 1-based line number in the page text.
    pub(crate) no: usize,
    /// Trimmed, with stray spaces between digits and CJK removed.
    pub(crate) text: String,
    /// The raw line began with whitespace: the extractor starts a new text
    /// frame that way (a teaser box, the first line of a story).
    pub(crate) frame_start: bool,
    /// The next raw line is not empty: this line and the next were set
    /// together (headline lines; body lines are each followed by an empty
    /// line).
    pub(crate) runs_on: bool,
    /// The line before runs on into this one.
    pub(crate) follows: bool,
    /// Neither this line nor the one before runs on: set alone, as body
    /// lines are.
    pub(crate) alone: bool,
    /// The raw line begins with an ideographic space or two spaces: an
    /// extractor that keeps the print indent marks a paragraph's first line.
    pub(crate) indented: bool,
    /// Printed width in half-characters (see [`width`]).
    pub(crate) width: u32,
}

/// The non-empty lines of `text`, numbered from 1.
pub(crate) fn page_lines(text: &str) -> Vec<Line> {
    let raw: Vec<&str> = text.split('\n').collect();
    let mut lines = Vec::new();
    for (i, line) in raw.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let text = clean(trimmed);
        let runs_on = raw.get(i + 1).is_some_and(|next| !next.trim().is_empty());
        let follows = i > 0 && raw.get(i - 1).is_some_and(|prev| !prev.trim().is_empty());
        let start = line.trim_start_matches(['\u{feff}', '\u{c}']);
        let frame_start = start.starts_with(char::is_whitespace);
        let indented = start.starts_with(['\u{3000}', '\t']) || start.starts_with("  ");
        lines.push(Line {
            no: i + 1,
            width: width(&text),
            text,
            frame_start,
            runs_on,
            follows,
            alone: !runs_on && !follows,
            indented,
        });
    }
    lines
}

/// Whether `c` is CJK for the spacing rules: ideographs, CJK punctuation
/// and full-width forms.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{303F}' | '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Full-width punctuation: the CJK marks (`，。、“”` aside) and the
/// full-width forms of ASCII punctuation (`，！？：；（）％`).
pub(crate) fn is_fullwidth_punct(c: char) -> bool {
    matches!(c, '\u{3001}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
}

/// A trimmed line with the spaces the extractor puts between a digit and a
/// CJK character removed (`3 月 7 日` → `3月7日`, `3310 专班` → `3310专班`),
/// and those before or after full-width punctuation (`6.5% ，` → `6.5%，`).
/// Other spaces stay (`世界五金之都 品质活力永康`, `New York`, `5G 基站`).
pub(crate) fn clean(line: &str) -> String {
    let chars: Vec<char> = line.trim().chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == ' ' || c == '\u{3000}' || c == '\t' {
            let end =
                chars[i..].iter().position(|&s| !matches!(s, ' ' | '\u{3000}' | '\t')).map_or(chars.len(), |n| i + n);
            let before = out.chars().next_back();
            let after = chars.get(end).copied();
            let stray = match (before, after) {
                (Some(b), Some(a)) => {
                    (b.is_ascii_digit() && is_cjk(a))
                        || (is_cjk(b) && a.is_ascii_digit())
                        || is_fullwidth_punct(a)
                        || is_fullwidth_punct(b)
                }
                _ => false,
            };
            if !stray {
                out.extend(&chars[i..end]);
            }
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Printed width in half-characters: ASCII (Latin letters, digits, spaces)
/// and punctuation are half as wide as a CJK character.
pub(crate) fn width(text: &str) -> u32 {
    text.chars().map(|c| if c.is_ascii() || is_half_set(c) { 1 } else { 2 }).sum()
}

/// Punctuation the printer sets half wide (`，。、“”：；？！（）`): a column
/// holds as many of them as of Latin letters.
fn is_half_set(c: char) -> bool {
    is_fullwidth_punct(c) || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…')
}

/// The width a line takes inside the column: a full-width comma or stop
/// at its end may hang in the margin (a line full only because of it is
/// no fuller than the indented line it is), so it counts as nothing.
pub(crate) fn inner_width(line: &Line) -> u32 {
    if line.text.ends_with(['，', '。', '、', '；', '：', '！', '？']) {
        line.width.saturating_sub(1)
    } else {
        line.width
    }
}

/// The width of the Latin word or number that opens `text` (0 when it
/// opens with CJK): a column never cuts a word, so a line before it may be
/// left short without ending a paragraph.
pub(crate) fn leading_word_width(text: &str) -> u32 {
    let word: String = text.chars().take_while(|c| c.is_ascii_graphic()).collect();
    width(&word)
}

/// Appends the next physical line of the same paragraph: CJK joins with
/// no space; where the break fell between two Latin words, or a word and a
/// number, one space goes back; between two digits none (the column cut a
/// number: `230` / `0余处`); after a hyphen, none.
pub(crate) fn join(text: &mut String, next: &str) {
    let last = text.chars().next_back();
    let first = next.chars().next();
    if let (Some(a), Some(b)) = (last, first) {
        let before_mark = text.chars().rev().nth(1);
        let words = a.is_ascii_alphanumeric()
            && b.is_ascii_alphanumeric()
            && !(a.is_ascii_digit() && b.is_ascii_digit())
            && !cut_acronym(text, next);
        let after_mark = b.is_ascii_alphabetic()
            && (matches!(a, ',' | ';' | ':' | '!' | '?')
                || a == '.' && before_mark.is_some_and(|c| c.is_ascii_alphabetic()));
        if words || after_mark {
            text.push(' ');
        }
    }
    text.push_str(next);
}

/// Whether the break fell inside capitals set between CJK characters with
/// no space (`全市GD` / `P增长`): one acronym the column cut, not two words.
fn cut_acronym(text: &str, next: &str) -> bool {
    let tail = text.chars().rev().take_while(char::is_ascii_alphanumeric).count();
    let head = next.chars().take_while(char::is_ascii_alphanumeric).count();
    text.chars().rev().take(tail).all(|c| c.is_ascii_uppercase())
        && next.chars().take(head).all(|c| c.is_ascii_uppercase())
        && text.chars().rev().nth(tail).is_some_and(is_cjk)
        && next.chars().nth(head).is_some_and(is_cjk)
}

/// Ends with a sentence mark (。！？…), closing quotes or brackets allowed
/// after it (`奔腾”。`, `……”`).
pub(crate) fn ends_sentence(text: &str) -> bool {
    let core = text.trim_end_matches(['”', '’', '」', '』', '）', ')', '》', '"', '\'']);
    core.ends_with(['。', '！', '？', '…', '!', '?'])
}

/// A line in brackets that closes a story: `（完）`, `（本报记者 张三）`.
pub(crate) fn closing_note(text: &str) -> bool {
    (text.starts_with('（') && text.ends_with('）')) || (text.starts_with('(') && text.ends_with(')'))
}

/// Ends with a closing quote or bracket: a paragraph end only when the
/// line is also short.
pub(crate) fn ends_closing(text: &str) -> bool {
    text.ends_with(['”', '）', ')', '」', '』'])
}

/// The typical width of a full body line on this page: the width two
/// thirds up the body lines that do not end a sentence — nearly all of them
/// full, some a little short (justified a character less), a few the
/// indented first lines of paragraphs.
pub(crate) fn typical_width<'a>(body: impl Iterator<Item = &'a Line>) -> u32 {
    let mut widths: Vec<u32> = body.filter(|l| !ends_sentence(&l.text)).map(|l| l.width).collect();
    widths.sort_unstable();
    widths.get(widths.len() * 2 / 3).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_spaces_between_digits_and_cjk_go() {
        let cases = [
            ("3 月 7 日下午，我市召开", "3月7日下午，我市召开"),
            ("管领导牵头、3310 专班统筹、各工程专", "管领导牵头、3310专班统筹、各工程专"),
            (" 本报讯（融媒首席记者 陈晓苏）", "本报讯（融媒首席记者 陈晓苏）"),
            ("交出“世界五金之都 品质活力永康”建", "交出“世界五金之都 品质活力永康”建"),
            ("这句承诺 他坚持了20年", "这句承诺 他坚持了20年"),
            ("增长 5.2% ，达到 120 亿元", "增长5.2%，达到120亿元"),
            ("同比增长 6.5% 。", "同比增长6.5%。"),
            ("他说 ：好 ， 就这样", "他说：好，就这样"),
            ("全市 GDP 总量", "全市 GDP 总量"),
            ("建成 5G 基站", "建成5G 基站"),
            ("New York 和 Paris", "New York 和 Paris"),
            ("3  月", "3月"),
            ("第 1 名", "第1名"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn joining_lines() {
        let cases = [
            ("深入实施“八八", "战略”强力推进", "深入实施“八八战略”强力推进"),
            ("本报讯（融媒首席记者 陈晓苏）", "3月7日下午", "本报讯（融媒首席记者 陈晓苏）3月7日下午"),
            ("开放", "提升2023年", "开放提升2023年"),
            ("来自 New", "York 的客人", "来自 New York 的客人"),
            ("增长了 12", "percent", "增长了 12 percent"),
            ("排查隐患230", "0余处", "排查隐患2300余处"),
            ("去年全市GD", "P增长", "去年全市GDP增长"),
            ("使用 AI", "VR技术", "使用 AI VR技术"),
            ("去年全市Gd", "P增长", "去年全市Gd P增长"),
            ("增长12.", "35%", "增长12.35%"),
            ("e-", "mail", "e-mail"),
            ("“五战双强”", "主战场", "“五战双强”主战场"),
            ("He said,", "and left", "He said, and left"),
            ("增长了3.", "5%", "增长了3.5%"),
        ];
        for (a, b, want) in cases {
            let mut text = a.to_owned();
            join(&mut text, b);
            assert_eq!(text, want, "{a:?} + {b:?}");
        }
    }

    #[test]
    fn sentence_ends() {
        for yes in ["领导出席会议。", "奔腾”。", "真的吗？", "好！", "他说：“走吧……”", "（完。）"]
        {
            assert!(ends_sentence(yes), "{yes}");
        }
        for no in ["层层抓落实”", "上强调，要深入贯彻落实省市有关精神，", "“八八战略”在身边B", "对标奋进 对表攻坚", ""]
        {
            assert!(!ends_sentence(no), "{no}");
        }
        assert!(ends_closing("层层抓落实”") && ends_closing("（完）") && !ends_closing("主战场"));
    }

    #[test]
    fn widths_count_ascii_and_punctuation_as_half() {
        assert_eq!(width("中文"), 4);
        assert_eq!(width("2024年"), 6);
        // Punctuation is set half wide, as the printer compresses it.
        assert_eq!(width("“八八”"), 6);
        assert_eq!(width("好，走吧。"), 8);
    }

    #[test]
    fn lines_know_their_number_frame_and_neighbour() {
        let lines = page_lines(" 本报讯（记者 张三）\n\n3 月 7 日\n强调\n\n尾");
        let got: Vec<(usize, &str, bool, bool)> =
            lines.iter().map(|l| (l.no, l.text.as_str(), l.frame_start, l.runs_on)).collect();
        assert_eq!(
            got,
            [
                (1, "本报讯（记者 张三）", true, false),
                (3, "3月7日", false, true),
                (4, "强调", false, false),
                (6, "尾", false, false)
            ]
        );
    }

    #[test]
    fn typical_width_is_the_median_of_body_lines_that_do_not_end_a_sentence() {
        let text = "一二三四五\n\n一二三四五\n\n一二三\n\n一二三四五六\n\n一二三四五\n\n好。\n";
        assert_eq!(typical_width(page_lines(text).iter()), 10);
        assert_eq!(typical_width(page_lines("").iter()), 0);
    }
}
