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
