//! Front matter mistakes: syntax errors point at the file's line and
//! column (whatever the BOM, line ends and encoding), wrong types say what
//! is expected, the documented coercions apply, and two files claiming one
//! id are both reported while the one whose path sorts first is published.

use super::utf16;
use crate::support::*;

/// The `path:line:col: message — hint` line naming `file`, as (line, col, message).
#[track_caller]
fn position(run: &Run, file: &str) -> (usize, usize, String) {
    let line = run.rejection(file);
    let re = regex::Regex::new(&format!(r"^.*articles/{}:(\d+):(\d+): (.+) — (.+)$", regex::escape(file))).expect("re");
    let c = re.captures(line).unwrap_or_else(|| panic!("{file}: want `path:line:col: message — hint`, got {line}"));
    (c[1].parse().expect("line"), c[2].parse().expect("col"), c[3].to_owned())
}

/// TOML and YAML syntax errors are reported as `path:line:col:` with the
/// line of the *file* (not of the front matter), whatever the BOM and line
/// endings; an unclosed fence points at the opening fence.
#[test]
fn front_matter_syntax_errors_point_at_the_file_line_and_column() {
    let t = Site::new("");
    t.write("good.md", story("Good", DATE, "x"));
    // Line 6 is `draft = tru`: the bad value starts at column 9.
    let toml = "+++\n# a comment\n\ntitle = \"t\"\ndate = 2024-03-07\ndraft = tru\n+++\nbody\n";
    t.write("toml.md", toml);
    t.write("toml-bom-crlf.md", format!("\u{FEFF}{}", toml.replace('\n', "\r\n")));
    t.write("toml-cr.md", toml.replace('\n', "\r"));
    t.write("toml-utf16.md", utf16(toml, true));
    // Line 5 is `summary: Hello: world` (a second `: ` in a plain scalar).
    let yaml = "---\n# a comment\ntitle: t\ndate: 2024-03-07\nsummary: Hello: world\n---\nbody\n";
    t.write("yaml.md", yaml);
    t.write("yaml-bom-crlf.md", format!("\u{FEFF}{}", yaml.replace('\n', "\r\n")));
    t.write("unclosed-toml.md", "+++\ntitle = \"t\"\ndate = 2024-03-07\n\nbody, no closing fence\n");
    t.write("unclosed-yaml.md", "---\ntitle: t\n");
    let run = t.build();
    run.assert_code(1);
    for file in ["toml.md", "toml-bom-crlf.md", "toml-cr.md", "toml-utf16.md"] {
        let (line, col, message) = position(&run, file);
        assert_eq!((line, col), (6, 9), "{file}: {message}");
        assert!(message.starts_with("TOML front matter"), "{file}: {message}");
    }
    for file in ["yaml.md", "yaml-bom-crlf.md"] {
        let (line, col, message) = position(&run, file);
        assert_eq!(line, 5, "{file}: {message}");
        assert!((14..=16).contains(&col), "{file}: column {col} is not at the second `:`: {message}");
        assert!(message.starts_with("YAML front matter"), "{file}: {message}");
        assert!(!message.contains("line 4"), "{file}: the message repeats a front-matter line number: {message}");
    }
    for file in ["unclosed-toml.md", "unclosed-yaml.md"] {
        let (line, col, message) = position(&run, file);
        assert_eq!((line, col), (1, 1), "{file}: {message}");
        assert!(message.contains("never closed"), "{file}: {message}");
    }
    assert_eq!(t.items().titles(), ["Good"]);
}

/// Values of the wrong type get a message saying what is expected, at the
/// key's file line; the documented coercions (a single string for a list,
/// a number for text) are applied silently.
#[test]
fn wrong_types_say_what_is_expected_and_documented_coercions_apply() {
    let t = Site::new("");
    let head = "+++\n# comment\ntitle = \"T\"\n"; // the key under test is on line 4
    let bad: &[(&str, &str, &str)] = &[
        ("date-int.md", "date = 12\n", "`date` must be a date"),
        ("date-bool.md", "date = true\n", "`date` must be a date"),
        ("draft-string.md", "draft = \"yes\"\n", "`draft` must be true or false"),
        ("title-list.md", "title = []\n", "`title` must be text"),
        ("tags-table.md", "tags = { a = 1 }\n", "`tags` must be a list of text"),
        ("tags-nested.md", "tags = [[\"a\"]]\n", "`tags` must be a list of text"),
        ("authors-nested.md", "authors = [[\"a\"]]\n", "`authors` must be a name"),
        ("date-words.md", "date = \"yesterday\"\n", "invalid date \"yesterday\""),
        ("date-impossible.md", "date = \"2024-02-30\"\n", "date \"2024-02-30\" does not exist: 2024-02 has 29 days"),
        ("date-impossible-bare.md", "date = 2026-13-01\n", "2026-13-01 does not exist: there is no month 13"),
        ("link-js.md", "link = \"javascript:alert(1)\"\n", "invalid link"),
        ("link-data.md", "link = \"data:text/html,x\"\n", "invalid link"),
    ];
    for (name, line, _) in bad {
        let text = if line.starts_with("title") {
            format!("+++\n# comment\n# no title yet\n{line}date = {DATE}\n+++\nx\n")
        } else if line.starts_with("date") {
            format!("{head}{line}+++\nx\n")
        } else {
            format!("{head}{line}date = {DATE}\n+++\nx\n")
        };
        t.write(name, text);
    }
    // YAML 1.2: `yes` is a string, not a boolean (the "Norway problem").
    t.write("yaml-draft-yes.md", "---\n# c\ntitle: T\ndraft: yes\n---\nx\n");
    t.write("yaml-date-int.md", "---\n# c\ntitle: T\ndate: 12\n---\nx\n");
    // Coercions.
    t.write("tags-string.md", format!("+++\ntitle = \"Tags string\"\ndate = {DATE}\ntags = \"solo\"\n+++\nx\n"));
    t.write("yaml-tags-string.md", "---\ntitle: Yaml tags string\ndate: 2024-03-07\ntags: solo\n---\nx\n");
    t.write("number-title.md", format!("+++\ntitle = 42\ndate = {DATE}\nauthor = 7\n+++\nx\n"));
    let run = t.build();
    run.assert_code(1);
    for (name, _, needle) in bad {
        let (line, _, message) = position(&run, name);
        assert!(message.contains(needle), "{name}: want {needle:?} in {message}");
        assert_eq!(line, 4, "{name}: the key is on file line 4: {message}");
    }
    for (name, needle) in [("yaml-draft-yes.md", "`draft` must be true or false"), ("yaml-date-int.md", "`date`")] {
        let (line, _, message) = position(&run, name);
        assert!(message.contains(needle), "{name}: {message}");
        assert_eq!(line, 4, "{name}: {message}");
    }
    for coerced in ["tags-string.md", "yaml-tags-string.md", "number-title.md"] {
        assert!(run.lines_naming(coerced).is_empty(), "{coerced} is fine:\n{}", run.stderr);
    }
    let items = t.items();
    assert_eq!(items.titles(), ["42", "Tags string", "Yaml tags string"]);
    for item in items.all().filter(|i| i.title.contains("ags string")) {
        assert_eq!(item.tags, ["solo"], "{}", item.format);
    }
    assert!(t.out().join("tags/solo/rss.xml").is_file());
}

/// Two files claiming one id (the same front matter `id`, or the same
/// slug): both are reported, and the one whose path sorts first is
/// published — whichever is newer, and the same on every run. In `watch`,
/// deleting the winner publishes the other.
#[test]
fn duplicate_ids_are_reported_and_the_path_that_sorts_first_wins() {
    let t = Site::new("");
    let story =
        |title: &str, date: &str, extra: &str| format!("+++\ntitle = \"{title}\"\ndate = {date}\n{extra}+++\n\nx\n");
    // Written in reverse order, so directory order is not sort order.
    t.write("z/same.md", story("Same z", "2024-03-09", ""));
    t.write("same.md", story("Same plain", "2024-03-08", ""));
    t.write("2024-03-01-same.md", story("Same dated", "2024-03-01", ""));
    t.write("b-newer.md", story("B newer", "2024-03-09", "id = \"urn:dup:1\"\n"));
    t.write("a-older.md", story("A older", "2024-03-01", "id = \"urn:dup:1\"\n"));
    for _ in 0..2 {
        let run = t.build();
        run.assert_code(1);
        let b = run.rejection("b-newer.md");
        assert!(b.contains("urn:dup:1") && b.contains("a-older.md"), "{b}");
        for loser in ["same.md", "z/same.md"] {
            let line = run.rejection(&format!("articles/{loser}"));
            assert!(line.contains("2024-03-01-same.md") && line.contains("is also used by"), "{line}");
        }
        assert_eq!(t.items().titles(), ["A older", "Same dated"]);
    }

    let site = Site::new("");
    site.write("b-newer.md", story("B newer", "2024-03-09", "id = \"urn:dup:1\"\n"));
    site.write("a-older.md", story("A older", "2024-03-01", "id = \"urn:dup:1\"\n"));
    let daemon = site.start(&[]);
    daemon.wait("the winner is published", || site.all_feeds_list(&["A older"]));
    std::fs::remove_file(site.a("a-older.md")).expect("rm");
    daemon.wait("the other takes its place", || site.all_feeds_list(&["B newer"]));
}
