//! Limits on front matter, checked before a TOML or YAML parser does any
//! work (pure). Front matter is a few lines of metadata; one story must not
//! make the parsers take quadratic time (deeply nested `[[[[…]]]]`) or
//! expand YAML aliases into gigabytes (`b: [*a, *a, …]`, nested). The
//! checks are a single linear pass over the text.

use super::front_matter::FrontMatterError;
use super::split::FrontMatterKind;

/// The most bytes front matter may hold (the body may be far larger).
pub const MAX_BYTES: usize = 64 * 1024;

/// The deepest nesting of `[` and `{` collections.
pub const MAX_DEPTH: usize = 32;

/// The most YAML alias references (`*name`); each may copy a whole anchor,
/// and anchors may hold aliases, so their number bounds the expansion:
/// with four, nesting two in two gives the most, so parsed front matter is
/// at most a few times `MAX_BYTES` (sixteen allowed 324 copies, a
/// gigabyte and seconds per story).
pub const MAX_ALIASES: usize = 4;

/// Checks the limits; the error points at where one is passed.
pub fn check(kind: FrontMatterKind, text: &str) -> Result<(), FrontMatterError> {
    if text.len() > MAX_BYTES {
        return Err(FrontMatterError {
            line: Some(1),
            column: Some(1),
            message: format!("front matter is {} bytes, more than the {MAX_BYTES} allowed", text.len()),
            hint: "keep metadata in the front matter and move long text into the body".into(),
        });
    }
    // Counted in every byte, strings and comments included: telling text
    // from structure is the parser's work, and a scanner that tried could
    // be fooled into skipping what follows (a stray quote, a `|` at a line's
    // end). Brackets nest at most 32 deep, text included; aliases matter
    // only where an anchor exists, so text such as `*emphasis*` costs
    // nothing in front matter that has none.
    let yaml = kind == FrontMatterKind::Yaml;
    let (mut depth, mut anchors, mut aliases) = (0usize, 0usize, 0usize);
    // Where the alias past the limit is, for the error.
    let mut past_limit = None;
    let (mut line, mut column) = (1usize, 0usize);
    let mut previous = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        let starts_node = previous.is_whitespace() || matches!(previous, '[' | '{' | ',' | ':');
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too(line, column, format!("brackets nested more than {MAX_DEPTH} deep")));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '&' if yaml && starts_node && chars.peek().is_some_and(|n| is_anchor_char(*n)) => anchors += 1,
            '*' if yaml && starts_node && chars.peek().is_some_and(|n| is_anchor_char(*n)) => {
                aliases += 1;
                if aliases == MAX_ALIASES + 1 {
                    past_limit = Some((line, column));
                }
            }
            _ => {}
        }
        previous = c;
    }
    if let (true, Some((line, column))) = (anchors > 0, past_limit) {
        return Err(too(line, column, format!("anchors and more than {MAX_ALIASES} YAML aliases (*name)")));
    }
    Ok(())
}

/// A character an anchor or alias name may hold.
fn is_anchor_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}' | '*' | '&')
}

fn too(line: usize, column: usize, what: String) -> FrontMatterError {
    FrontMatterError {
        line: Some(line),
        column: Some(column),
        message: format!("front matter has {what}"),
        hint: "front matter is flat metadata: write lists and values out plainly".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FrontMatterKind::{Toml, Yaml};

    #[test]
    fn ordinary_front_matter_passes() {
        let toml = "title = \"a [b] {c}\"\ntags = [\"x\", \"y\"]\n[extra]\nk = [[1, 2], [3]]\n";
        assert!(check(Toml, toml).is_ok());
        let yaml =
            "title: \"*not an alias* [ { \"\ntags: [a, b]\nlist:\n  - *\nurl: http://x/*y\n# [[[[ in a comment\n";
        assert!(check(Yaml, yaml).is_ok(), "{:?}", check(Yaml, yaml));
        let anchors = "base: &b {a: 1}\nx: *b\ny: [*b, *b]\n";
        assert!(check(Yaml, anchors).is_ok());
    }

    #[test]
    fn an_apostrophe_in_plain_text_hides_nothing() {
        let sneaky = format!("title: it's here\nx: {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Yaml, &sneaky).expect_err("deep").line, Some(2));
        let sneaky = format!("a: &a [1]\ntitle: it's\nx: [{}]\n", ["*a"; MAX_ALIASES + 1].join(", "));
        assert!(check(Yaml, &sneaky).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_where_it_passes_the_limit() {
        let deep = format!("x: {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = check(Yaml, &deep).expect_err("deep");
        assert_eq!((e.line, e.column), (Some(1), Some(3 + MAX_DEPTH + 1)));
        let toml = format!("title = \"t\"\nx = {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Toml, &toml).expect_err("deep").line, Some(2));
        let ok = format!("x = {}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(check(Toml, &ok).is_ok(), "exactly the limit");
    }

    #[test]
    fn alias_floods_are_refused() {
        let flood = format!("a: &a [1, 2, 3]\nb: [{}]\n", vec!["*a"; 1000].join(", "));
        let e = check(Yaml, &flood).expect_err("aliases");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("aliases"), "{}", e.message);
        // Doubling through nested anchors needs many aliases too.
        let laughs: String = (1..40).map(|i| format!("l{i}: &l{i} [*l{}, *l{}]\n", i - 1, i - 1)).collect::<String>();
        assert!(check(Yaml, &format!("l0: &l0 [x]\n{laughs}")).is_err());
        // Regression: sixteen aliases nested 4, 3, 3, 3, 3 deep copy a list
        // 324 times (a gigabyte from 58 KB): within the old limit of 16.
        let list = vec!["~"; 1000].join(",");
        let nested =
            format!("a0: &a0 [{list}]\na1: &a1 [*a0,*a0,*a0,*a0]\na2: &a2 [*a1,*a1,*a1]\na3: &a3 [*a2,*a2,*a2]\n");
        assert!(check(Yaml, &nested).is_err());
        // Merge keys, the common use, stay within it.
        let merges = "base: &base {author: 陈晓苏, lang: zh-CN}\nx: {<<: *base}\ny: {<<: *base}\n";
        assert!(check(Yaml, merges).is_ok());
    }

    /// A stray `"` in a plain scalar (`title: a "b`) used to open a
    /// "string" that hid the rest of the front matter from the count.
    #[test]
    fn a_quote_inside_plain_text_hides_nothing() {
        let flood = format!("title: a \"b\na: &a [1]\nb: [{}]\n", ["*a"; MAX_ALIASES + 1].join(", "));
        assert_eq!(check(Yaml, &flood).expect_err("aliases").line, Some(3));
        let deep = format!("title = a \"b\nx = {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(check(Toml, &deep).expect_err("deep").line, Some(2));
    }

    /// Text may look like aliases (`*emphasis*`, bullets): without an
    /// anchor, nothing can expand, and nothing is counted.
    #[test]
    fn stars_in_text_cost_nothing_without_anchors() {
        let bullets: String = (0..40).map(|i| format!("  * point {i} with *emphasis*\n")).collect();
        let yaml = format!("title: t\nsummary: |\n{bullets}tip: one - *two* three\n");
        assert!(check(Yaml, &yaml).is_ok(), "{:?}", check(Yaml, &yaml));
        // With an anchor, the same stars count (the parser would expand them).
        let anchored = format!("base: &b [x]\n{yaml}");
        assert!(check(Yaml, &anchored).is_err());
    }

    /// A stray quote (`q="z` in a flow list) or a line ending in ` |` that
    /// opens no block scalar used to hide an alias flood from a scanner
    /// that skipped strings and block scalars; nothing is skipped now.
    #[test]
    fn nothing_hides_an_alias_flood() {
        let list = vec!["*a"; 100].join(",");
        for text in [
            format!("title: t\na: &a [x]\nb: [q=\"z, {list}, q=\"z]\n"),
            format!("a: &a [x]\n- k: v |\n  m: [{list}]\n"),
            format!("a: &a [x]\n# note |\n  m: [{list}]\n"),
            format!("a: &a [x]\ns: \"unclosed\nb: [{list}]\n"),
        ] {
            let e = check(Yaml, &text).expect_err(&text);
            assert!(e.message.contains("aliases"), "{}", e.message);
        }
    }

    #[test]
    fn oversized_front_matter_is_refused() {
        let big = format!("title: t\nsummary: \"{}\"\n", "x".repeat(MAX_BYTES));
        assert!(check(Yaml, &big).expect_err("big").message.contains("bytes"));
    }
}
