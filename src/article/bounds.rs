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
/// and anchors may hold aliases, so their number bounds the expansion.
pub const MAX_ALIASES: usize = 16;

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
    let yaml = kind == FrontMatterKind::Yaml;
    let (mut depth, mut aliases) = (0usize, 0usize);
    let (mut line, mut column) = (1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            line += 1;
            column = 0;
            comment = false;
            // TOML basic strings end at the line; YAML quoted scalars may
            // span lines, but a stray quote must not hide the rest.
            if !yaml {
                quote = None;
            }
        }
        if comment {
            previous = c;
            continue;
        }
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                // A quote opens a string only where a value starts: an
                // apostrophe inside plain text (`it's`) opens nothing.
                '"' | '\'' if previous.is_whitespace() || matches!(previous, '[' | '{' | ',' | ':' | '=') => {
                    quote = Some(c);
                }
                '#' if previous.is_whitespace() || column == 1 => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(too(line, column, format!("collections nested more than {MAX_DEPTH} deep")));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                '*' if yaml && (previous.is_whitespace() || matches!(previous, '[' | '{' | ',' | ':' | '-')) => {
                    aliases += 1;
                    if aliases > MAX_ALIASES {
                        return Err(too(line, column, format!("more than {MAX_ALIASES} YAML aliases (*name)")));
                    }
                }
                _ => {}
            },
        }
        previous = c;
    }
    Ok(())
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
        let sneaky = format!(
            "title: it's here
x: {}",
            "[".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(check(Yaml, &sneaky).expect_err("deep").line, Some(2));
        let sneaky = format!(
            "title: it's
x: [{}]
",
            vec!["*a"; MAX_ALIASES + 1].join(", ")
        );
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
    }

    #[test]
    fn oversized_front_matter_is_refused() {
        let big = format!("title: t\nsummary: \"{}\"\n", "x".repeat(MAX_BYTES));
        assert!(check(Yaml, &big).expect_err("big").message.contains("bytes"));
    }
}
