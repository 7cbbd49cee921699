//! The parser on whole pages: the sample page, and pages made in the same
//! layout.

use super::*;

const SAMPLE_PAGE: &str = include_str!("../../tests/fixtures/import/page.txt");
const SAMPLE_STORIES: [&str; 2] = [
    include_str!("../../articles/2024/03/duibiao-fenjin.md"),
    include_str!("../../articles/2024/03/xinzhi-gongan-zhandouli.md"),
];

/// The body of a story file: what follows its front matter.
fn body_of(file: &str) -> &str {
    file.splitn(3, "+++\n").nth(2).unwrap_or_default().trim()
}

#[test]
fn sample_page() {
    let page = parse_page(SAMPLE_PAGE);
    let notes: Vec<String> = page.notes.iter().map(|n| format!("{}: {}", n.line, n.message)).collect();
    assert_eq!(
        notes,
        [
            "296: teaser without body: 连线全国人大代表黄美媚 / 聚焦“东迁西归”延伸技能人才培育链",
            "300: teaser without body: 每年免费为群众维修家电 / 这句承诺 他坚持了20年",
        ]
    );
    assert_eq!(page.stories.len(), 2);
    let first = &page.stories[0];
    assert_eq!(first.title, "对标奋进 对表攻坚");
    assert_eq!(
        first.kicker.as_deref(),
        Some("胡勇春在全市深入实施“八八战略”强力推进创新深化改革攻坚开放提升工作推进会上强调")
    );
    assert_eq!(first.subtitle.as_deref(), Some("以工作主动性赢得发展主动权"));
    assert_eq!(first.column.as_deref(), Some("“八八战略”在身边"));
    assert_eq!(first.authors, ["陈晓苏"]);
    let second = &page.stories[1];
    assert_eq!(second.title, "提升新质公安战斗力 护航“五战双强”主战场");
    assert_eq!(second.kicker.as_deref(), Some("胡勇春在全市公安工作会议上强调"));
    assert_eq!((second.subtitle.as_deref(), second.column.as_deref()), (None, None));
    assert_eq!(second.authors, ["陈晓苏"]);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 9).expect("a date");
    for (story, sample) in page.stories.iter().zip(SAMPLE_STORIES) {
        assert_eq!(body_of(&render(story, date, true)), body_of(sample), "{}", story.title);
    }
}

/// A story as it goes onto a made-up page.
struct Set<'a> {
    byline: &'a str,
    /// The body as it should come back; the first paragraph follows the byline.
    paragraphs: &'a [&'a str],
    /// The headline block as the extractor gives it, lines and empty lines.
    block: &'a str,
}

/// Sets stories as the layout system prints them: lines `cols` characters
/// wide (Latin letters and digits half as wide, never split: a word that
/// does not fit moves to the next line, the space before it dropped), a
/// paragraph's first line two characters in, every line followed by an
/// empty line, and the extractor's spaces between digits and CJK.
fn set_page(stories: &[Set<'_>], cols: u32, tail: &str) -> String {
    let mut page = String::new();
    for story in stories {
        page.push_str(story.byline);
        page.push_str("\n\n");
        for (i, paragraph) in story.paragraphs.iter().enumerate() {
            let text =
                if i == 0 { paragraph.strip_prefix(story.byline.trim()).unwrap_or(paragraph) } else { paragraph };
            for line in set_lines(text, cols * 2, if i == 0 { 0 } else { 4 }) {
                page.push_str(&extractor_spaces(&line));
                page.push_str("\n\n");
            }
        }
        page.push_str(story.block);
    }
    page.push_str(tail);
    page
}

fn set_lines(text: &str, width: u32, indent: u32) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        match tokens.last_mut() {
            Some(last) if c.is_ascii_graphic() && last.chars().all(|l| l.is_ascii_graphic()) => last.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let mut lines = vec![String::new()];
    let mut room = width - indent;
    for token in tokens {
        let w = lines::width(&token);
        let line = lines.last_mut().expect("a line");
        if w > room && !line.is_empty() {
            let full = line.trim_end().to_owned();
            *line = full;
            lines.push(String::new());
            room = width;
        }
        let line = lines.last_mut().expect("a line");
        if token == " " && line.is_empty() {
            continue;
        }
        line.push_str(&token);
        room = room.saturating_sub(w);
    }
    lines
}

fn extractor_spaces(line: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in line.chars() {
        if let Some(p) = prev {
            if (p.is_ascii_digit() && lines::is_cjk(c)) || (lines::is_cjk(p) && c.is_ascii_digit()) {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

const P1: &str = "本报讯（记者 李明 通讯员 王芳）3月12日上午，市人民医院新院区正式启用，首批12个科室完成搬迁，日均接诊能力提升到5000人次。";
const P2: &str = "新院区总投资18.6亿元，占地约210亩，设置床位1200张。院长介绍，新院区引进了达芬奇手术机器人和PET-CT等设备，并与Zhejiang University合作建设远程会诊中心。";
const P3: &str = "“看病不用再跑杭州了。”前来复诊的市民张女士说。";
const P4: &str = "本报讯（融媒记者 赵敏）今年以来，我市持续推进“最多跑一次”改革向纵深发展，全市1386个政务服务事项实现“一网通办”，办件量同比增长37%。";
const P5: &str = "下一步，我市将围绕企业和群众办事的堵点难点，推出更多“一件事”集成改革，让数据多跑路、群众少跑腿。";
const P6: &str = "本报讯（通讯员 陈静）近日，我市举办首届internationalization主题论坛，来自Germany、Japan和New Zealand的12位专家参加。";

fn three_stories() -> [Set<'static>; 3] {
    [
        Set {
            byline: " 本报讯（记者 李明 通讯员 王芳）",
            paragraphs: &[P1, P2, P3],
            block: "民生实事C\n\n群众就医更便捷\n\n市人民医院新院区启用\n——首批12个科室完成搬迁\n\n",
        },
        Set {
            byline: "本报讯（融媒记者 赵敏）",
            paragraphs: &[P4, P5],
            block: "深化“最多跑一次”改革\n\n1386个事项实现“一网通办”\n\n",
        },
        Set {
            byline: "本报讯（通讯员 陈静）", paragraphs: &[P6], block: "首届国际化主题论坛举办\n"
        },
    ]
}

const TEASERS: &str = " 走进乡村振兴一线\n\n古村落里的新生活\n\n";

/// Title, kicker, subtitle, column and authors.
type Fields<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>, Vec<&'a str>);

#[test]
fn made_up_pages_at_several_column_widths() {
    for cols in [12, 18, 24] {
        let page = parse_page(&set_page(&three_stories(), cols, TEASERS));
        let got: Vec<Fields<'_>> = page
            .stories
            .iter()
            .map(|s| {
                (
                    s.title.as_str(),
                    s.kicker.as_deref(),
                    s.subtitle.as_deref(),
                    s.column.as_deref(),
                    s.authors.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "市人民医院新院区启用",
                    Some("群众就医更便捷"),
                    Some("首批12个科室完成搬迁"),
                    Some("民生实事"),
                    vec!["李明", "王芳"]
                ),
                ("1386个事项实现“一网通办”", Some("深化“最多跑一次”改革"), None, None, vec!["赵敏"]),
                ("首届国际化主题论坛举办", None, None, None, vec!["陈静"]),
            ],
            "{cols} columns"
        );
        let bodies: Vec<Vec<&str>> =
            page.stories.iter().map(|s| s.paragraphs.iter().map(String::as_str).collect()).collect();
        assert_eq!(bodies, [vec![P1, P2, P3], vec![P4, P5], vec![P6]], "{cols} columns");
        let notes: Vec<&str> = page.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(notes, ["teaser without body: 走进乡村振兴一线 / 古村落里的新生活"], "{cols} columns");
    }
}

/// A full line of a ten-character column.
const FULL: &str = "甲乙丙丁戊己庚辛壬癸";

/// A one-story page in a ten-character column: the byline, three full
/// lines, then `lines`, each followed by an empty line; the headline last.
fn one_story(lines: &[&str]) -> Page {
    let mut page = String::from("本报讯（记者 张三）\n\n");
    for line in [FULL, FULL, FULL].iter().chain(lines) {
        page.push_str(line);
        page.push_str("\n\n");
    }
    page.push_str("标题\n");
    parse_page(&page)
}

#[test]
fn paragraph_breaks() {
    let opening = format!("本报讯（记者 张三）{FULL}{FULL}{FULL}");
    // (lines after the opening ones, the paragraphs after the first, guesses)
    let cases: &[(&[&str], &[&str], usize, &str)] = &[
        (
            &["一二三。", "四五六七八九十一", "结束。"],
            &["四五六七八九十一结束。"],
            0,
            "a short line that ends a sentence ends its paragraph",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三四五六七八九十", "结束。"],
            &[],
            0,
            "a full line that ends a sentence, then a full line: one paragraph",
        ),
        (
            &["一二三", "四五六七八九十一二三", "结束。"],
            &[],
            0,
            "a short line that ends no sentence is no paragraph end",
        ),
        (&["一二三，", "四五六七八九十一二三", "结束。"], &[], 0, "nor is one that ends in a comma"),
        (
            &["Internationalization", "is hard。", "四五六七八九十一", "完。"],
            &["四五六七八九十一完。"],
            0,
            "Latin text is half as wide",
        ),
        (
            &["一二三“四五”", "六七八九十一二三", "完。"],
            &["六七八九十一二三完。"],
            0,
            "a short line that closes a quote ends its paragraph",
        ),
        (&["一二三四五六七八“九”", "十一二三四五六七八九", "完。"], &[], 0, "a full one does not"),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三四五六七", "完。"],
            &["一二三四五六七完。"],
            0,
            "a full line, then a clearly indented one: a break",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三四五六七八", "完。"],
            &["一二三四五六七八完。"],
            0,
            "a full line, then one two characters in: a break",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三。"],
            &[],
            1,
            "a full line, then a short one that ends a sentence: a guessed run-on",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "\u{3000}\u{3000}一二三四五六七八", "完。"],
            &["一二三四五六七八完。"],
            0,
            "an indent the extractor kept: a sure break",
        ),
        (&["一二三。", "（完）"], &["（完）"], 0, "a closing note in brackets is the body's end"),
        (
            &["一二三。", "■聚焦项目", "四五六七八九十一", "完。"],
            &["■聚焦项目", "四五六七八九十一完。"],
            0,
            "a short line alone, then a paragraph's first line: a subheading",
        ),
        (
            &["一二三。", "四五六七", "Internationalisation", "完。"],
            &["四五六七Internationalisation完。"],
            0,
            "a short first line before a full one is no subheading",
        ),
        (
            &["一二三。", "四五六七，", "八九十一二三四五", "完。"],
            &["四五六七，八九十一二三四五完。"],
            0,
            "nor is one that ends in a comma",
        ),
        (
            &["甲乙丙丁戊己庚辛壬癸。", "一二三四五六七八，", "完。"],
            &["一二三四五六七八，完。"],
            0,
            "a comma hanging in the margin does not make an indented line full",
        ),
        (
            &["甲乙丙丁戊己庚辛壬癸。", "一二三四五六七八九十，", "完。"],
            &[],
            0,
            "a line full before its hanging comma is still full",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三四五六七八。"],
            &["一二三四五六七八。"],
            0,
            "an indented line filled to the edge, its stop hanging: a paragraph of one line",
        ),
        (
            &["甲乙丙丁戊己庚辛壬。", "一二三四五六七八a", "完。"],
            &["一二三四五六七八a完。"],
            1,
            "a full line, then one only a little short: a guessed break",
        ),
    ];
    for (lines, rest, guesses, why) in cases {
        let page = one_story(lines);
        let story = page.stories.first().unwrap_or_else(|| panic!("{why}: no story"));
        assert_eq!(story.paragraphs.len(), 1 + rest.len(), "{why}: {:?}", story.paragraphs);
        assert!(story.paragraphs[0].starts_with(&opening), "{why}: {:?}", story.paragraphs);
        assert_eq!(&story.paragraphs[1..], *rest, "{why}");
        let all: String = story.paragraphs.concat();
        let want = lines.concat().replace("Internationalization", "Internationalization ").replace('\u{3000}', "");
        let want = format!("{opening}{want}");
        assert_eq!(all, want, "{why}: nothing lost");
        assert_eq!(page.notes.iter().filter(|n| n.unsure).count(), *guesses, "{why}: {:?}", page.notes);
    }
}

#[test]
fn page_level_notes() {
    let page = parse_page("某版\n\n没有署名的一行。\n");
    assert!(page.stories.is_empty());
    assert_eq!(page.notes.len(), 1);
    assert!(page.notes[0].unsure && page.notes[0].message.contains("no byline"), "{:?}", page.notes);

    let page = parse_page("上接第一版\n\n本报讯（记者 张三）\n\n今天下雨。\n\n标题\n");
    assert_eq!(page.stories.len(), 1);
    assert_eq!((page.notes[0].line, page.notes[0].unsure), (1, true), "{:?}", page.notes);

    let page = parse_page("本报讯（记者 张三）\n\n今天下雨。\n");
    assert!(page.stories.is_empty());
    assert!(page.notes[0].message.contains("without a headline"), "{:?}", page.notes);

    assert_eq!(parse_page(""), Page::default());
    assert_eq!(parse_page("\n\n  \n\u{c}\n"), Page::default());
}

#[test]
fn a_byline_over_two_lines() {
    let page = parse_page("本报讯（融媒记者 张三 李四\n\n通讯员 王五）\n\n3 月 8 日，今天下雨。\n\n引题\n\n标题\n");
    let story = page.stories.first().expect("a story");
    assert_eq!(story.authors, ["张三", "李四", "王五"]);
    assert_eq!(story.paragraphs, ["本报讯（融媒记者 张三 李四通讯员 王五）3月8日，今天下雨。"]);
    assert_eq!((story.kicker.as_deref(), story.title.as_str()), (Some("引题"), "标题"));
}

#[test]
fn crlf_and_odd_input_never_panic() {
    let page = parse_page("本报讯（记者 张三）\r\n\r\n今天下雨。\r\n\r\n标题\r\n");
    assert_eq!(page.stories.len(), 1);
    for text in [
        "（",
        "讯（",
        "本报讯（",
        "本报讯（）",
        "）。",
        "本报讯（记者）\n\n。\n\nB",
        "\u{feff} 本报讯（记者 甲）\n\nx。\n\nA\n",
    ] {
        let _ = parse_page(text);
    }
}

#[test]
fn a_headline_set_with_its_kicker_may_end_in_a_question_mark() {
    let page = parse_page("本报讯（记者 张三）\n\n今天下雨。\n\n下雨天\n怎么出行？\n");
    let story = page.stories.first().expect("a story");
    assert_eq!(story.paragraphs, ["本报讯（记者 张三）今天下雨。"]);
    // Two lines set together with nothing else: which is which is a guess, said so.
    assert!(page.notes.iter().any(|n| n.unsure && n.line == 5), "{:?}", page.notes);
}

#[test]
fn a_story_without_a_byline_is_not_merged_silently() {
    let body = format!("{FULL}\n\n{FULL}\n\n完。\n\n");
    let text = format!("本报讯（记者 张三）\n\n{body}甲的引题\n\n甲的标题\n\n短评\n标题乙\n\n{body}乙的标题\n");
    let page = parse_page(&text);
    assert_eq!(page.stories.len(), 1);
    let guesses: Vec<&Note> = page.notes.iter().filter(|n| n.unsure).collect();
    assert_eq!(guesses.len(), 1, "{:?}", page.notes);
    assert_eq!(guesses[0].line, 13, "{:?}", page.notes);
}

#[test]
fn a_body_may_run_on_into_its_headline_block() {
    let page = parse_page(&format!(
        "本报讯（记者 张三）\n3 月 8 日，{FULL}\n\n{FULL}\n\n完。\n区里召开助餐点建设会\n\n标题\n"
    ));
    let story = page.stories.first().expect("a story");
    assert_eq!(story.paragraphs, [format!("本报讯（记者 张三）3月8日，{FULL}{FULL}完。")]);
    assert_eq!((story.kicker.as_deref(), story.title.as_str()), (Some("区里召开助餐点建设会"), "标题"));
    assert!(page.notes.is_empty(), "{:?}", page.notes);
}

#[test]
fn the_sample_stories_the_other_way_round() {
    // The second story first; the first (column, kicker over two lines,
    // headline and subtitle) last, before the teasers.
    let lines: Vec<&str> = SAMPLE_PAGE.split('\n').collect();
    let swapped = [&lines[180..295], &[""], &lines[..180], &lines[295..]].concat().join("\n");
    let page = parse_page(&swapped);
    let titles: Vec<(&str, Option<&str>, Option<&str>)> =
        page.stories.iter().map(|s| (s.title.as_str(), s.subtitle.as_deref(), s.column.as_deref())).collect();
    assert_eq!(
        titles,
        [
            ("提升新质公安战斗力 护航“五战双强”主战场", None, None),
            ("对标奋进 对表攻坚", Some("以工作主动性赢得发展主动权"), Some("“八八战略”在身边")),
        ]
    );
    assert_eq!(page.teasers.len(), 2);
    assert!(page.notes.iter().all(|n| !n.unsure), "{:?}", page.notes);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 9).expect("a date");
    for (story, sample) in page.stories.iter().zip(SAMPLE_STORIES.iter().rev()) {
        assert_eq!(body_of(&render(story, date, true)), body_of(sample), "{}", story.title);
    }
}

proptest::proptest! {
    /// Any text: no panic, and a story's text holds only characters of the
    /// page (whitespace aside).
    #[test]
    fn any_page_parses_without_adding_text(
        text in proptest::string::string_regex("([本报讯（）记者 张三。，！？“”A-Za-z0-9\u{3000}\n—B【】]{0,12}\n{0,2}){0,40}").expect("regex")
    ) {
        let page = parse_page(&text);
        for story in &page.stories {
            for c in story.paragraphs.concat().chars().chain(story.title.chars()).filter(|c| !c.is_whitespace()) {
                proptest::prop_assert!(text.contains(c), "{c:?} is not on the page");
            }
        }
        for note in &page.notes {
            proptest::prop_assert!(note.line >= 1 && note.line <= text.split('\n').count(), "{note:?}");
        }
    }
}

#[test]
fn stories_set_in_different_column_widths_on_one_page() {
    let [wide, narrow, last] = three_stories();
    let page = format!("{}{}", set_page(&[wide], 24, ""), set_page(&[narrow, last], 11, TEASERS));
    let page = parse_page(&page);
    let bodies: Vec<Vec<&str>> =
        page.stories.iter().map(|s| s.paragraphs.iter().map(String::as_str).collect()).collect();
    assert_eq!(bodies, [vec![P1, P2, P3], vec![P4, P5], vec![P6]]);
    assert!(page.notes.iter().all(|n| !n.unsure), "{:?}", page.notes);
}

#[test]
fn a_long_run_of_lines_without_a_sentence_end_stays_quick() {
    let mut text = String::from("本报讯（记者 张三）\n\n今天下雨。\n\n");
    for _ in 0..50_000 {
        text.push_str("没有句号的一行\n\n");
    }
    let page = parse_page(&text);
    assert_eq!(page.stories.len(), 1);
    assert!(page.notes.len() < 20, "the lines left over are reported once: {}", page.notes.len());
    assert!(page.notes.iter().any(|n| n.unsure && n.message.contains("not attributed")), "{:?}", page.notes);
}

/// A story in a ten-character column: byline, three full lines, a short
/// last line, then `block` (its headline block as the extractor gives it).
fn story_with(block: &str) -> String {
    format!("本报讯（记者 张三）\n\n{FULL}\n\n{FULL}\n\n{FULL}\n\n完了。\n\n{block}")
}

/// Column, kicker, title and subtitle.
type Head<'a> = (Option<&'a str>, Option<&'a str>, &'a str, Option<&'a str>);

/// Each story's [`Head`].
fn heads(page: &Page) -> Vec<Head<'_>> {
    page.stories
        .iter()
        .map(|s| (s.column.as_deref(), s.kicker.as_deref(), s.title.as_str(), s.subtitle.as_deref()))
        .collect()
}

#[test]
fn a_kicker_over_two_lines_with_no_subtitle() {
    let block = "区里召开老年食堂建设现场推进会议\n全区新增助餐点四十个\n\n老人吃饭不再难\n";
    let want = (None, Some("区里召开老年食堂建设现场推进会议全区新增助餐点四十个"), "老人吃饭不再难", None);
    // Followed by another story, and last on a page without teasers.
    let page = parse_page(&format!("{}{}", story_with(&format!("{block}\n")), story_with("另一个标题\n")));
    assert_eq!(heads(&page)[0], want);
    let page = parse_page(&story_with(block));
    assert_eq!(heads(&page), [want]);
    assert!(page.notes.is_empty(), "{:?}", page.notes);
}

#[test]
fn the_last_block_ends_where_the_teaser_box_begins() {
    let block = "百姓身边事\n\n区里召开老年食堂建设现场推进会议\n\n老人吃饭不再难\n\n全区新增助餐点四十个\n\n 他版的引题\n他版的标题\n";
    let page = parse_page(&story_with(block));
    assert_eq!(
        heads(&page),
        [(
            Some("百姓身边事"),
            Some("区里召开老年食堂建设现场推进会议"),
            "老人吃饭不再难",
            Some("全区新增助餐点四十个")
        )]
    );
    assert_eq!(page.teasers.len(), 1);
    // The column is a bare name: a guess, said at its line.
    let guesses: Vec<usize> = page.notes.iter().filter(|n| n.unsure).map(|n| n.line).collect();
    assert_eq!(guesses, [11], "{:?}", page.notes);

    // A story with only a headline, then teasers each in a box of its own.
    let page = parse_page(&story_with("老人吃饭不再难\n\n 他版的引题\n他版的标题\n\n 又一个引题\n又一个标题\n"));
    assert_eq!(heads(&page), [(None, None, "老人吃饭不再难", None)]);
    assert_eq!(page.teasers.len(), 2);
    assert!(page.notes.iter().all(|n| !n.unsure), "{:?}", page.notes);
}

#[test]
fn a_column_without_a_page_letter_is_told_by_widths() {
    let want = |column| vec![(Some(column), Some("区里召开老年食堂建设现场推进会议"), "老人吃饭不再难", None)];
    // In quotes: sure.
    let page = parse_page(&story_with("“银发生活”进行时\n\n区里召开老年食堂建设现场推进会议\n\n老人吃饭不再难\n"));
    assert_eq!(heads(&page), want("“银发生活”进行时"));
    assert!(page.notes.is_empty(), "{:?}", page.notes);
    // Not in quotes: the same, as a guess.
    let page = parse_page(&story_with("银发生活进行时\n\n区里召开老年食堂建设现场推进会议\n\n老人吃饭不再难\n"));
    assert_eq!(heads(&page), want("银发生活进行时"));
    assert_eq!(page.notes.iter().filter(|n| n.unsure).count(), 1, "{:?}", page.notes);
    // A kicker, a narrower headline and a subtitle stay so.
    let page = parse_page(&story_with("区里召开老年食堂建设推进会议\n\n老人吃饭不再难\n\n全区新增助餐点四十个\n"));
    assert_eq!(
        heads(&page),
        [(None, Some("区里召开老年食堂建设推进会议"), "老人吃饭不再难", Some("全区新增助餐点四十个"))]
    );
}

#[test]
fn a_headline_may_end_in_a_question_or_exclamation_mark() {
    let asks = "市民怎么看\n\n老人吃饭还难吗？\n";
    let exclaims = "区里召开老年食堂建设现场推进会议\n全区新增助餐点四十个\n\n老人吃饭不再难！\n";
    let page = parse_page(&format!("{}\n{}\n{}", story_with(asks), story_with(exclaims), story_with("另一个标题\n")));
    assert_eq!(
        heads(&page),
        [
            (None, Some("市民怎么看"), "老人吃饭还难吗？", None),
            (None, Some("区里召开老年食堂建设现场推进会议全区新增助餐点四十个"), "老人吃饭不再难！", None),
            (None, None, "另一个标题", None),
        ]
    );
    for story in &page.stories {
        assert_eq!(story.paragraphs, [format!("本报讯（记者 张三）{FULL}{FULL}{FULL}完了。")], "{}", story.title);
    }
    // A kicker as short as a column name may be one: the only guess.
    let guesses: Vec<usize> = page.notes.iter().filter(|n| n.unsure).map(|n| n.line).collect();
    assert_eq!(guesses, [11], "{:?}", page.notes);
    // Last on the page, with teasers after it.
    let page = parse_page(&story_with(&format!("{asks}\n 他版的引题\n他版的标题\n")));
    assert_eq!(heads(&page), [(None, Some("市民怎么看"), "老人吃饭还难吗？", None)]);

    // A body's last paragraph of one short line that asks is no headline
    // when what comes before it ends in a colon: still no headline found.
    let page = parse_page(&story_with("他问道：\n\n真的吗？\n"));
    assert!(page.stories.is_empty(), "{:?}", page.stories);
}

#[test]
fn one_line_briefs_are_not_taken_for_headlines() {
    let page = parse_page(
        "本报讯（记者 张三）\n\n今天全市普降小雨，请注意出行安全。\n\n雨天出行注意安全\n\n本报讯（记者 李四）\n\n今天全市刮起大风，请注意防范。\n\n大风天气注意防范\n",
    );
    assert_eq!(page.stories.len(), 2);
    assert!(page.notes.is_empty(), "{:?}", page.notes);
}

#[test]
fn a_page_of_teasers_lists_them() {
    let page = parse_page(" 他版的引题\n他版的标题\n\n 又一个引题\n又一个标题\n");
    assert!(page.stories.is_empty());
    let notes: Vec<(usize, &str)> = page.notes.iter().map(|n| (n.line, n.message.as_str())).collect();
    assert_eq!(
        notes,
        [
            (1, "no byline (such as 本报讯（记者 张三）) on this page, so no story was found — is it a page of stories?"),
            (1, "teaser without body: 他版的引题 / 他版的标题"),
            (4, "teaser without body: 又一个引题 / 又一个标题"),
        ]
    );
}

/// A byline the column cuts: inside a name or a role the lines join with
/// nothing between; between two names they keep them apart.
#[test]
fn a_wrapped_byline_keeps_its_names_whole() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("本报讯（记者 吴丽君 王晓燕 通讯", &["员 李明）4月2日，"], &["吴丽君", "王晓燕", "李明"]),
        ("本报讯（融媒记者 陈晓", &["苏 通讯员 赵敏）昨天，"], &["陈晓苏", "赵敏"]),
        ("本报讯（记者 吴丽君", &["王晓燕）昨天，"], &["吴丽君", "王晓燕"]),
        ("本报讯（记者 Li", &["Wei）昨天，"], &["Li Wei"]),
    ];
    for (first, rest, want) in cases {
        let want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
        assert_eq!(super::wrapped_byline_names(first, rest), Some(want), "{first} / {rest:?}");
    }
    assert_eq!(super::wrapped_byline_names("本报讯（记者 张三", &["今天下雨"]), None, "never closed");
}

/// Where a story's body ends and its headline block begins when a
/// headline ends as a sentence does: `？` or `！` after a line that no
/// paragraph's last line follows (a kicker, a column, a teaser's kicker) is
/// a headline; after a full line or a paragraph's end it is the body's.
#[test]
fn a_question_after_a_short_line_is_a_headline() {
    // (what follows the body's last line, the story's title, its kicker, teasers)
    let cases: &[(&str, &str, Option<&str>, usize, &str)] = &[
        (
            "市民怎么看\n\n老人吃饭还难吗？\n\n——我市新增助餐点\n",
            "老人吃饭还难吗？",
            Some("市民怎么看"),
            0,
            "a subtitle after it",
        ),
        ("老人吃饭不再难\n\n 免费修家电\n\n谁来守护老手艺？\n", "老人吃饭不再难", None, 1, "a teaser's headline asks"),
        ("新风B\n\n“双强”\n\n干就完了！\n", "干就完了！", Some("“双强”"), 0, "a column, a kicker, then it"),
    ];
    for (block, title, kicker, teasers, why) in cases {
        let page = parse_page(&story_with(block));
        let story = page.stories.first().unwrap_or_else(|| panic!("{why}: no story: {:?}", page.notes));
        assert_eq!((story.title.as_str(), story.kicker.as_deref()), (*title, *kicker), "{why}");
        assert_eq!(story.paragraphs, [format!("本报讯（记者 张三）{FULL}{FULL}{FULL}完了。")], "{why}");
        assert_eq!(page.teasers.len(), *teasers, "{why}: {:?}", page.teasers);
    }
    // With no box marked (a headline and a teaser, or a kicker, headline
    // and subtitle), the body still ends before them.
    let page = parse_page(&story_with("老人吃饭不再难\n\n免费修家电\n\n谁来守护老手艺？\n"));
    let story = page.stories.first().expect("a story");
    assert_eq!(story.paragraphs, [format!("本报讯（记者 张三）{FULL}{FULL}{FULL}完了。")]);
    // A one-line paragraph that asks, after a paragraph's end, stays in the body.
    let page = parse_page(&story_with("“真的吗？”\n\n引题\n\n标题\n"));
    let story = page.stories.first().expect("a story");
    assert_eq!(story.title, "标题");
    assert_eq!(story.paragraphs.last().map(String::as_str), Some("“真的吗？”"));
}

/// Headline lines that leave a quote open run on into the next, whether
/// or not the extractor set them together; a short column name in quotes
/// is a column even without a page letter.
#[test]
fn open_quotes_and_quoted_columns() {
    let cases: &[(&str, Head<'_>)] = &[
        ("提升新质公安战斗力 护航“五战双\n强”主战场\n", (None, None, "提升新质公安战斗力 护航“五战双强”主战场", None)),
        (
            "胡勇春在全市公安工作会议上强调\n\n提升战斗力 护航“五战\n\n双强”主战场\n",
            (None, Some("胡勇春在全市公安工作会议上强调"), "提升战斗力 护航“五战双强”主战场", None),
        ),
        ("“两会”时间\n\n代表委员热议新质生产力\n", (Some("“两会”时间"), None, "代表委员热议新质生产力", None)),
        (
            "“两会”时间\n\n连线全国人大代表黄美媚\n\n聚焦技能人才培育链\n",
            (Some("“两会”时间"), Some("连线全国人大代表黄美媚"), "聚焦技能人才培育链", None),
        ),
        (
            "“八八战略”引领下的山区县共同富裕之路\n\n老人吃饭不再难\n",
            (None, Some("“八八战略”引领下的山区县共同富裕之路"), "老人吃饭不再难", None),
        ),
    ];
    for (block, want) in cases {
        let page = parse_page(&format!("{}{}", story_with(&format!("{block}\n")), story_with("另一个标题\n")));
        assert_eq!(heads(&page).first(), Some(want), "{block}");
    }
}

/// A line left short because the Latin word or number opening the next
/// line did not fit on it ends no paragraph, even after a closing quote,
/// and is no subheading.
#[test]
fn a_line_left_short_by_a_long_word() {
    let cases: &[(&[&str], usize, &str)] = &[
        (&["甲乙“丙丁”", "Internationalization", "完。"], 1, "after a closing quote"),
        (&["一二三。", "甲乙丙丁戊", "13957912345", "完。"], 2, "a paragraph's first line, then a long number"),
        (
            &["甲乙“丙丁”", "乙丙丁戊己庚辛壬", "完。"],
            2,
            "a short line after a quote that the next word would have fit",
        ),
    ];
    for (lines, paragraphs, why) in cases {
        let page = one_story(lines);
        let story = page.stories.first().unwrap_or_else(|| panic!("{why}: no story"));
        assert_eq!(story.paragraphs.len(), *paragraphs, "{why}: {:?}", story.paragraphs);
    }
}
