//! The plain shape of TOML front matter, read without the full parser (pure).
//!
//! Nearly every story opens with a few `key = "text"` lines, a date and a
//! list of tags. Reading that shape directly takes a fraction of the time
//! of the toml crate's document parser, which is a large share of a cold
//! build. Anything else (a comment, an escape, a
//! number, a table, a dotted or quoted key, a repeated key, a syntax error)
//! is not read here: [`read`] gives `None` and the toml crate reads the
//! text, with its own error messages. The tests hold the two readings equal
//! on generated front matter, so this is a shortcut, not a second dialect.

use super::front_matter::Value;

/// The table of a front matter made only of blank lines and
/// `bare-key = value` lines, where a value is a string with nothing to
/// unescape, a list of such strings on one line, `true`, `false`, or a
/// date or date-time written without spaces. Keys sorted, as the toml
/// crate's table gives them.
pub(super) fn read(text: &str) -> Option<Vec<(String, Value)>> {
    let mut table: Vec<(String, Value)> = Vec::with_capacity(8);
    for line in text.split('\n') {
        let line = line.trim_matches(WHITESPACE);
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=')?;
        let key = key.trim_end_matches(WHITESPACE);
        let bare = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if key.is_empty() || !key.bytes().all(bare) {
            return None;
        }
        table.push((key.to_owned(), value_of(value.trim_start_matches(WHITESPACE))?));
    }
    table.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // A key given twice is an error the toml crate reports. (Checked once
    // sorted: a check per line would be quadratic in a hostile file.)
    if table.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    Some(table)
}

/// TOML's whitespace: space and tab, nothing else.
const WHITESPACE: [char; 2] = [' ', '\t'];

/// A whole value (the rest of its line, trimmed).
fn value_of(text: &str) -> Option<Value> {
    match text.as_bytes().first()? {
        b'"' => match string(text)? {
            (s, "") => Some(Value::String(s)),
            _ => None,
        },
        b'[' => list(&text[1..]),
        b'0'..=b'9' => datetime(text),
        _ => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
    }
}

/// A basic string (`"…"`) holding no escape and no character TOML forbids
/// in one, and what follows it.
fn string(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let end = memchr::memchr2(b'"', b'\\', body.as_bytes())?;
    let (content, rest) = body.as_bytes().split_at(end);
    // Byte by byte, every byte looked at (so the loop runs on wide
    // registers): every byte of a multi-byte character is 0x80 or more,
    // and TOML allows any character from U+0080 on.
    let refused = content.iter().fold(false, |refused, &b| refused | ((b < 0x20) & (b != b'\t')) | (b == 0x7f));
    (rest[0] == b'"' && !refused).then(|| (body[..end].to_owned(), &body[end + 1..]))
}

/// The rest of a one-line list of strings, after its `[`.
fn list(mut text: &str) -> Option<Value> {
    let mut items = Vec::new();
    loop {
        text = text.trim_start_matches(WHITESPACE);
        if let Some(rest) = text.strip_prefix(']') {
            return rest.is_empty().then_some(Value::List(items));
        }
        let (item, rest) = string(text)?;
        items.push(Value::String(item));
        let rest = rest.trim_start_matches(WHITESPACE);
        // A comma goes before the next item or the `]`; no comma, the `]`.
        text = match rest.strip_prefix(',') {
            Some(rest) => rest,
            None if rest.starts_with(']') => rest,
            None => return None,
        };
    }
}

/// A date or date-time such as `2024-03-07T15:00:00+08:00`, read and
/// written back by the toml crate's own date type, as its parser does.
fn datetime(text: &str) -> Option<Value> {
    let looks_like_date = text.len() >= 10
        && text.as_bytes()[4] == b'-'
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'+' | b'-' | b'.'));
    if !looks_like_date {
        return None;
    }
    let date: toml::value::Datetime = text.parse().ok()?;
    // Written as the date type writes itself (nearly always): kept as it
    // is, without formatting it again.
    Some(Value::Datetime(if is_written_as_shown(text) { text.to_owned() } else { date.to_string() }))
}

/// Whether a valid date or date-time is in the form the toml crate's date
/// type writes: `2024-03-07`, `2024-03-07T15:00:00`, then nothing, `Z` or
/// an offset `±hh:mm` other than `-00:00` (written `+00:00`).
fn is_written_as_shown(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let time = || {
        b.len() >= 19
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19)
    };
    let offset = |o: &[u8]| match o {
        [] | [b'Z'] => true,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) && !(*sign == b'-' && o[1..] == *b"00:00")
        }
        _ => false,
    };
    date && (b.len() == 10 || (time() && offset(&b[19..])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the toml crate makes of the same text.
    fn by_toml(text: &str) -> Option<Vec<(String, Value)>> {
        super::super::front_matter::parse_full_toml(text).ok()
    }

    #[test]
    fn the_usual_front_matter_is_read_here_and_as_toml_reads_it() {
        let text = "title = \"对标奋进 对表攻坚\"\ndate = 2024-03-07T15:00:00+08:00\nauthor = \"陈晓苏\"\n\
                    tags = [\"“八八战略”在身边\", \"要闻\",]\nsummary = \"a = b, [c] #d\"\n\
                    draft = false\n\nupdated=2024-03-08\nkicker = \"\"\ncategories = []\n";
        let table = read(text).expect("plain");
        assert_eq!(Some(table.clone()), by_toml(text));
        let keys: Vec<&str> = table.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["author", "categories", "date", "draft", "kicker", "summary", "tags", "title", "updated"]);
        assert_eq!(table[2].1, Value::Datetime("2024-03-07T15:00:00+08:00".into()));
        assert_eq!(table[5].1, Value::String("a = b, [c] #d".into()));
    }

    #[test]
    fn anything_else_is_left_to_the_toml_crate() {
        for text in [
            "title = \"a\" # note\n",
            "# note\ntitle = \"a\"\n",
            "title = \"a\\\"b\"\n",
            "weight = 3\n",
            "title = \"a\"\ntitle = \"b\"\n",
            "[extra]\na = \"b\"\n",
            "a.b = \"c\"\n",
            "\"a\" = \"b\"\n",
            "title = 'literal'\n",
            "tags = [\"a\", 1]\n",
            "tags = [\"a\",\n  \"b\"]\n",
            "date = 2024-03-07 15:00:00\n",
            "date = 2024-13-07\n",
            "title = \"tab\u{1}\"\n",
            "title = \"unclosed\n",
            "title\n",
            "draft = True\n",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }

    /// One of `good` most of the time, else one of `bad`.
    fn mostly(good: Vec<&'static str>, bad: Vec<&'static str>) -> impl Strategy<Value = String> + Clone {
        prop_oneof![12 => proptest::sample::select(good), 1 => proptest::sample::select(bad)].prop_map(str::to_owned)
    }

    /// Front matter lines, right and wrong, plain and not: mostly plain, so
    /// that whole documents often are.
    fn line() -> impl Strategy<Value = String> {
        let text = proptest::collection::vec(
            mostly(
                vec!["a", "中文", " ", "\t", "#", "=", ",", "[", "]", "'", "\u{85}", "\u{feff}", "é", "“"],
                vec!["\"", "\\", "\\n", "\u{1}", "\u{7f}", "\r", "\n"],
            ),
            0..6,
        )
        .prop_map(|v| v.concat());
        let quoted = text.clone().prop_map(|t| format!("\"{t}\""));
        let date = (
            mostly(vec!["2024", "0000"], vec!["99999", "24"]),
            mostly(vec!["-03-07", "-12-31", "-02-29"], vec!["-13-07", "-02-30", "-3-7", "-0307"]),
            mostly(
                vec!["", "T15:00:00", "t15:00", "T15:00", "T15:00:00.123", "T15:00:00.120", "T23:59:60"],
                vec!["T25:00:00", " 15:00:00", "T1:2:3", "_15:00:00"],
            ),
            mostly(
                vec!["", "Z", "z", "+08:00", "-05:30", "-00:00", "+00:00"],
                vec!["-0800", "+8:00", "+08:00x", "+24:00"],
            ),
        )
            .prop_map(|(y, md, t, z)| format!("{y}{md}{t}{z}"));
        let list = (proptest::collection::vec(quoted.clone(), 0..4), mostly(vec![",", ", ", " ,"], vec![",,", " "]))
            .prop_map(|(items, sep)| format!("[{}]", items.join(&sep)));
        let value = prop_oneof![
            4 => quoted,
            3 => date,
            3 => list,
            1 => mostly(vec!["true", "false", "[]", "[ ]", "[\"a\",]"], vec!["True", "3", "1.5", "[,]", "{a = 1}", "''"]),
            1 => text,
        ];
        let key = mostly(vec!["title", "tags", "date", "a-b_9", "summary", "9"], vec!["", "a.b", "\"q\"", "中", "t t"]);
        let sep = mostly(vec![" = ", "=", "\t=\t", "  =  "], vec![" ", "==", ":"]);
        let tail = mostly(vec!["", " ", "\t"], vec![" # c", ",", "\r", "]"]);
        prop_oneof![
            12 => (key, sep, value, tail).prop_map(|(k, s, v, t)| format!("{k}{s}{v}{t}")),
            1 => proptest::sample::select(vec!["", "  ", "# c", "[t]", "\r", "[[t]]"]).prop_map(str::to_owned),
        ]
    }

    proptest! {
        /// Whatever is read here, the toml crate reads the same.
        #[test]
        fn a_plain_reading_is_the_toml_reading(lines in proptest::collection::vec(line(), 0..5)) {
            let text = lines.join("\n");
            if let Some(table) = read(&text) {
                prop_assert_eq!(Some(table), by_toml(&text), "{:?}", text);
            }
        }
    }
}
