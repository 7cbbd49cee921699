//! A story as a file (pure): TOML front matter and a Markdown body, and
//! the file's name.

use chrono::NaiveDate;

use super::Story;
use crate::slug::safe_name;

/// The story file's text: `title`, `kicker`, `subtitle`, `date` (the issue
/// date), `author` (or `authors` when the byline names several), `tags`
/// (the column) and `draft = true` unless published; then the paragraphs,
/// Markdown-escaped so they read exactly as printed.
pub fn render(story: &Story, date: NaiveDate, draft: bool) -> String {
    let mut out = String::from("+++\n");
    out.push_str(&format!("title = {}\n", toml_string(&story.title)));
    if let Some(kicker) = &story.kicker {
        out.push_str(&format!("kicker = {}\n", toml_string(kicker)));
    }
    if let Some(subtitle) = &story.subtitle {
        out.push_str(&format!("subtitle = {}\n", toml_string(subtitle)));
    }
    out.push_str(&format!("date = {}\n", date.format("%Y-%m-%d")));
    match story.authors.as_slice() {
        [] => {}
        [one] => out.push_str(&format!("author = {}\n", toml_string(one))),
        several => {
            let list: Vec<String> = several.iter().map(|a| toml_string(a)).collect();
            out.push_str(&format!("authors = [{}]\n", list.join(", ")));
        }
    }
    if let Some(column) = &story.column {
        out.push_str(&format!("tags = [{}]\n", toml_string(column)));
    }
    if draft {
        out.push_str("draft = true\n");
    }
    out.push_str("+++\n");
    for paragraph in &story.paragraphs {
        out.push('\n');
        out.push_str(&markdown_escape(paragraph));
        out.push('\n');
    }
    out
}

/// `YYYY-MM-DD-<slug>.md`, the slug made from the headline.
pub fn file_name(story: &Story, date: NaiveDate) -> String {
    format!("{}-{}.md", date.format("%Y-%m-%d"), safe_name(&story.title))
}

/// The name of a story whose headline another story of the same issue has:
/// `YYYY-MM-DD-<slug>-<hash>.md`, the hash (8 hex digits, XXH3) of its
/// body, so the name depends on the story alone, not on which was imported
/// first.
pub fn distinct_file_name(story: &Story, date: NaiveDate) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(story.paragraphs.join("\n\n").as_bytes());
    format!("{}-{}-{:08x}.md", date.format("%Y-%m-%d"), safe_name(&story.title), hash >> 32)
}

/// How many characters of the opening paragraph (byline and the start of
/// the lead) tell one story from another with the same headline.
const OPENING_CHARS: usize = 30;

/// Whether the story file `file` (as written, perhaps edited since) is this
/// story: its body opens as the story's does. Editors fix a story's text;
/// they seldom rewrite the byline and the lead's first words, and two
/// different stories hardly ever share them.
pub fn is_same_story(file: &str, story: &Story) -> bool {
    let opening = |text: &str| -> String {
        text.chars().filter(|c| !c.is_whitespace() && *c != '\\').take(OPENING_CHARS).collect()
    };
    let body = file.strip_prefix("+++").and_then(|rest| rest.split_once("\n+++")).map_or("", |(_, body)| body);
    let first = body.trim_start_matches('\n').split("\n\n").next().unwrap_or_default();
    let ours = story.paragraphs.first().map_or(String::new(), |p| opening(p));
    opening(first) == ours
}

/// `text` as a TOML string, escaped by the toml crate.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A paragraph of plain text as Markdown that renders as the same text:
/// ASCII punctuation that Markdown would read as markup gets a backslash,
/// and so does a line start that would make a heading, list or quote.
pub(crate) fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    let after_digits = out[digits..].chars().next();
    if out.starts_with(['#', '-', '+', '=']) {
        out.insert(0, '\\');
    } else if digits > 0 && matches!(after_digits, Some('.' | ')')) {
        out.insert(digits, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story() -> Story {
        Story {
            line: 1,
            title: "对标奋进 对表攻坚".into(),
            kicker: Some("胡勇春在全市深入实施“八八战略”强力推进创新深化改革攻坚开放提升工作推进会上强调".into()),
            subtitle: Some("以工作主动性赢得发展主动权".into()),
            column: Some("“八八战略”在身边".into()),
            authors: vec!["陈晓苏".into()],
            paragraphs: vec!["本报讯（融媒首席记者 陈晓苏）3月7日下午。".into(), "第二段。".into()],
        }
    }

    #[test]
    fn a_story_file() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 7).expect("a date");
        assert_eq!(
            render(&story(), date, true),
            "+++\ntitle = \"对标奋进 对表攻坚\"\nkicker = \"胡勇春在全市深入实施“八八战略”强力推进创新深化改革攻坚开放提升工作推进会上强调\"\n\
             subtitle = \"以工作主动性赢得发展主动权\"\ndate = 2024-03-07\nauthor = \"陈晓苏\"\n\
             tags = [\"“八八战略”在身边\"]\ndraft = true\n+++\n\n本报讯（融媒首席记者 陈晓苏）3月7日下午。\n\n第二段。\n"
        );
        let plain = Story {
            kicker: None,
            subtitle: None,
            column: None,
            authors: vec!["张三".into(), "李四".into()],
            ..story()
        };
        let text = render(&plain, date, false);
        assert!(
            text.starts_with(
                "+++\ntitle = \"对标奋进 对表攻坚\"\ndate = 2024-03-07\nauthors = [\"张三\", \"李四\"]\n+++\n"
            ),
            "{text}"
        );
        assert_eq!(file_name(&plain, date), "2024-03-07-dui-biao-fen-jin-dui-biao-gong-jian.md");
        let other =
            Story { paragraphs: vec!["本报讯（记者 李四）另一篇稿件。".into()], ..plain.clone() };
        let (a, b) = (distinct_file_name(&plain, date), distinct_file_name(&other, date));
        assert!(
            a.starts_with("2024-03-07-dui-biao-fen-jin-dui-biao-gong-jian-") && a.len() == b.len() && a != b,
            "{a} {b}"
        );
        assert_eq!(distinct_file_name(&plain, date), a, "the same story, the same name");
        let file = render(&plain, date, true);
        assert!(is_same_story(&file, &plain));
        assert!(is_same_story(&file.replace("第二段。", "改过的第二段。"), &plain), "edited further on");
        assert!(!is_same_story(&file, &other));
        let quoted = Story { title: "他说\"好\"\\".into(), ..story() };
        assert!(
            render(&quoted, date, true).contains(r#"title = '他说"好"\'"#)
                || render(&quoted, date, true).contains(r#"title = "他说\"好\"\\""#)
        );
    }

    #[test]
    fn markdown_that_reads_as_printed() {
        let cases = [
            ("普通的一段。", "普通的一段。"),
            ("1. 第一", "1\\. 第一"),
            ("2024年是", "2024年是"),
            ("# 号", "\\# 号"),
            ("- 项", "\\- 项"),
            ("a*b*c_d_<e>&f~g", "a\\*b\\*c\\_d\\_\\<e\\>\\&f\\~g"),
            ("[链接](x)", "\\[链接\\](x)"),
            ("Hello! a|b", "Hello! a|b"),
        ];
        for (text, want) in cases {
            assert_eq!(markdown_escape(text), want, "{text}");
        }
    }

    proptest::proptest! {
        /// The escaped paragraph reads back as the same text.
        #[test]
        fn escaped_text_reads_back_as_itself(text in "[a-z0-9 中文。*_`#>+=\\-\\[\\]()<&~!|.:\\\\{}]{1,30}") {
            let text = text.trim();
            proptest::prop_assume!(!text.is_empty());
            proptest::prop_assert_eq!(crate::article::markdown::first_paragraph(&markdown_escape(text)), text);
        }
    }
}
