//! Configuration mistakes: syntax, type and value errors are usage errors
//! (exit 2, nothing written) naming `feedsmith.toml:line:col`, for `build`,
//! `check` and `watch` alike; a BOM and CRLF line ends are fine.

use crate::support::*;

/// Configuration syntax and type errors: exit 2, `feedsmith.toml:line:col:`
/// on stderr, nothing written (no output folder, no state file).
#[test]
fn config_syntax_and_type_errors_are_usage_errors_with_file_line_and_column() {
    let cases: &[(&str, usize, &str)] = &[
        ("title = \"x\"\nlimit = \"ten\"\n", 2, ""),
        ("title = \"x\"\n\nmax_article_bytes = -5\n", 3, ""),
        ("taxonomy_feeds = \"tags\"\n", 1, ""),
        ("# c\ntaxonomy_feeds = [\"tags\", \"colours\"]\n", 2, "colours"),
        ("archives = \"yes\"\n", 1, ""),
        ("title = \"unclosed\n", 1, ""),
        ("title = \"a\"\n[extra]\nx = 1\n", 2, "extra"),
        ("timezone = 8\n", 1, ""),
        ("title = \"a\"\ntitle = \"b\"\n", 2, "duplicate key"),
        ("debounce_ms = 1.5\n", 1, ""),
        ("\u{FEFF}title = \"x\"\r\nlimt = 5\r\n", 2, "limt"),
    ];
    for (text, line, needle) in cases {
        let t = Site::new("");
        t.write("a.md", story("A", DATE, "x"));
        std::fs::write(t.config_path(), text).expect("write config");
        let run = t.build();
        run.assert_code(2);
        let want = format!("feedsmith.toml:{line}:");
        assert!(run.stderr.contains(&want), "{text:?}: want {want} in {}", run.stderr);
        assert!(run.stderr.contains(needle), "{text:?}: want {needle:?} in {}", run.stderr);
        assert!(!t.out().exists() && !t.state().exists(), "{text:?}: something was written");
        // `check` and `watch` refuse the same file the same way.
        for command in ["check", "watch"] {
            let run = t.run(command, &[]);
            assert_eq!(run.code, Some(2), "{command} {text:?}: {}", run.stderr);
            assert!(run.stderr.contains(&want), "{command} {text:?}: {}", run.stderr);
        }
    }
}

/// A configuration saved with a BOM and CRLF line endings (Windows
/// Notepad) is read like any other.
#[test]
fn a_config_file_with_bom_and_crlf_works() {
    let t = Site::new("");
    std::fs::write(
        t.config_path(),
        "\u{FEFF}title = \"永康日报\"\r\nbase_url = \"https://news.example.com/\"\r\ntimezone = \"Asia/Shanghai\"\r\n",
    )
    .expect("write");
    t.write("a.md", story("A", DATE, "x"));
    t.build().assert_code(0);
    assert_eq!(t.items().titles(), ["A"]);
}

/// Regression: values that parse but are invalid (an unknown timezone, a
/// base_url that is not a URL, `limit = 0`, a bad hub URL) were reported
/// as `feedsmith.toml: invalid …` without the line and column that story
/// front matter errors and config syntax errors carry.
#[test]
fn invalid_config_values_carry_file_line_and_column() {
    for (text, line) in [
        ("title = \"x\"\ntimezone = \"CST\"\n", 2),
        ("# c\nbase_url = \"news.example.com\"\n", 2),
        ("\n\nlimit = 0\n", 3),
        ("websub_hubs = [\"ftp://hub\"]\n", 1),
    ] {
        let t = Site::new("");
        std::fs::write(t.config_path(), text).expect("write config");
        let run = t.build();
        run.assert_code(2);
        assert!(run.stderr.contains(&format!("feedsmith.toml:{line}:")), "{text:?}: {}", run.stderr);
    }
}
