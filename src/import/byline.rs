//! Bylines (pure): `本报讯（融媒首席记者 陈晓苏）`, `新华社北京3月8日电（记者 张三）`
//! — a short source ending in 讯 or 电, then the reporters in brackets.

/// Words that say what a person in a byline does, not who they are.
const ROLES: &[&str] = &["记者", "通讯员", "实习生", "摄影", "摄像", "编辑", "撰稿", "特约", "见习"];

/// Endings of an organisation named in a byline (`市公安局 张三`).
const BODIES: &[&str] = &["中心", "局", "委", "办", "部", "院", "所", "站", "社", "台", "队", "处", "厅", "科", "公司"];

/// The longest source before the bracket (`新华社北京3月8日电` is 10).
const MAX_SOURCE_CHARS: usize = 16;

/// If `text` starts with a byline, the byte offset just past its closing
/// bracket (`None` when the bracket is not closed in `text`) and the names
/// in it; `None` when it is no byline.
pub(crate) fn parse(text: &str) -> Option<(Option<usize>, Vec<String>)> {
    if let Some(names) = unbracketed(text) {
        return Some((Some(text.len()), names));
    }
    let open = text.find(['（', '('])?;
    let source = &text[..open];
    let chars = source.chars().count();
    let ends_as_source = source.ends_with(['讯', '电']);
    if !(2..=MAX_SOURCE_CHARS).contains(&chars) || !ends_as_source || source.contains(['，', '。', '、', ' ']) {
        return None;
    }
    let inner_start = open + text[open..].chars().next().map_or(1, char::len_utf8);
    match text[inner_start..].find(['）', ')']) {
        Some(close) => {
            let inner = &text[inner_start..inner_start + close];
            let end = inner_start + close + text[inner_start + close..].chars().next().map_or(1, char::len_utf8);
            Some((Some(end), names(inner)))
        }
        None => Some((None, Vec::new())),
    }
}

/// A byline without brackets, alone on its line: `本报讯 记者 张三 通讯员 李四`.
fn unbracketed(text: &str) -> Option<Vec<String>> {
    let (source, rest) = text.split_once([' ', '\u{3000}'])?;
    let chars = source.chars().count();
    let plain = !rest.contains(['，', '。', '、', '（', '(', '：']);
    if (2..=MAX_SOURCE_CHARS).contains(&chars)
        && source.ends_with(['讯', '电'])
        && plain
        && ROLES.iter().any(|r| rest.contains(r))
    {
        Some(names(rest))
    } else {
        None
    }
}

/// The people named inside a byline's brackets, without their titles:
/// `融媒首席记者 陈晓苏` → `陈晓苏`; `记者 张三 李四 通讯员 王五` → all three.
/// Whether `text` starts with a role (记者, 通讯员…): a byline cut just
/// before one was cut between a name and the role that follows it.
pub(crate) fn starts_with_role(text: &str) -> bool {
    ROLES.iter().any(|r| text.trim_start().starts_with(r))
}

pub(crate) fn names(inner: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut latin_run = false;
    for token in inner.split(|c: char| c.is_whitespace() || matches!(c, '、' | '，' | ',' | '/' | '／')) {
        if token.is_empty() {
            continue;
        }
        let name = match ROLES.iter().filter_map(|r| token.rfind(r).map(|at| at + r.len())).max() {
            Some(end) => &token[end..],
            None => token,
        };
        if name.is_empty() || BODIES.iter().any(|b| name.ends_with(b)) || name == "摄" {
            latin_run = false;
            continue;
        }
        // A Latin name is several words: `Li Wei`.
        match out.last_mut() {
            Some(last) if latin_run && name.is_ascii() && name.len() == token.len() => {
                last.push(' ');
                last.push_str(name);
            }
            _ => out.push(name.to_owned()),
        }
        latin_run = name.is_ascii();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_and_their_names() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("本报讯（融媒首席记者 陈晓苏）", true, &["陈晓苏"]),
            ("本报讯（记者 张三 李四 通讯员 王五）3月7日", true, &["张三", "李四", "王五"]),
            ("本报讯（记者陈晓苏）", true, &["陈晓苏"]),
            ("本报讯（市公安局 张三）", true, &["张三"]),
            ("新华社北京3月8日电（记者 张三）", true, &["张三"]),
            ("本报讯(记者 Li Wei 通讯员 Wang Fang)", true, &["Li Wei", "Wang Fang"]),
            ("本报讯（融媒记者 张三", false, &[]),
            ("本报讯 记者 张三 通讯员 李四", true, &["张三", "李四"]),
        ];
        for (text, closed, want) in cases {
            let (end, names) = parse(text).unwrap_or_else(|| panic!("{text} is a byline"));
            assert_eq!(end.is_some(), *closed, "{text}");
            assert_eq!(names, *want, "{text}");
        }
        let text = "本报讯（记者 张三）3月7日";
        assert_eq!(parse(text).and_then(|(end, _)| end).map(|e| &text[e..]), Some("3月7日"));
        for not in [
            "本报讯 今天下雨，记者 张三说",
            "本报讯 张三",
            "胡勇春强调（节选）",
            "会议通报了创新深化改革攻坚开放",
            "要强化队伍锤炼，（同上讯）",
            "讯（）",
            "",
        ] {
            assert_eq!(parse(not), None, "{not}");
        }
    }
}
