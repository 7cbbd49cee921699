//! Names made to escape: every term (tag, category, author), slug and id
//! becomes one safe path component and URL segment, nothing is written
//! outside the output folder, a story file with a name that is not UTF-8
//! is not lost silently, and `new` names its file safely.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::*;

/// Terms and names made to escape: path separators, dot names, Windows
/// device names, NUL, very long, emoji-only, CJK, RTL overrides, names of
/// the output's own files.
const HOSTILE_TERMS: &[&str] = &[
    "../../etc",
    "..",
    ".",
    ".hidden",
    "a/b",
    "a\\b",
    "/",
    "\\",
    "CON",
    "nul",
    "Com1",
    "LPT9.txt",
    "con.xml",
    "x\0y",
    "😀🎉",
    "八八战略",
    "对标奋进 对表攻坚",
    "   ",
    "-",
    "~",
    "%2e%2e",
    "..%2f..%2fx",
    "\u{202E}gnp.exe",
    "<script>alert(1)</script>",
    "tags",
    "index.html",
    "rss.xml",
    ".git",
    "*?:|\"<>",
    "C:\\Windows",
    "\\\\server\\share",
];

/// Every term (tag, category, author) and every slug becomes one safe path
/// component: after a build, the whole temp tree is walked to prove nothing
/// was created or changed outside the output folder (and the state file),
/// and that everything inside it has the expected layout with safe names.
#[test]
fn hostile_terms_and_names_never_leave_the_output_folder_and_every_component_is_safe() {
    let t = Site::new("taxonomy_feeds = [\"tags\", \"categories\", \"authors\"]");
    let long = "t".repeat(300);
    let mut terms: Vec<String> = HOSTILE_TERMS.iter().map(|s| s.to_string()).collect();
    terms.push(long.clone());
    let list = terms.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", ");
    let with_terms = |title: &str, extra: &str| {
        format!(
            "+++\ntitle = {}\ndate = {DATE}\ntags = [{list}]\ncategories = [{list}]\nauthors = [{list}]\n{extra}+++\n\nbody\n",
            toml_str(title)
        )
    };
    let files: &[(&str, &str, &str)] = &[
        ("my story.md", "Spaces", ""),
        ("对标 奋进.md", "CJK", ""),
        ("CON.md", "Con", ""),
        ("nul.txt", "Nul", ""),
        ("a%2fb.md", "Percent", ""),
        ("x?y#z.md", "Query", ""),
        ("a\\b.md", "Backslash", ""),
        ("line\nbreak.md", "Newline", ""),
        ("2024-03-07-%2e%2e.md", "Dots after date", ""),
        ("slug-escape.md", "Slug escape", "slug = \"../../escape\"\n"),
        ("slug-abs.md", "Slug absolute", "slug = \"/etc/passwd\"\n"),
        ("slug-dots.md", "Slug dots", "slug = \"..\"\n"),
        ("slug-backslash.md", "Slug backslash", "slug = \"..\\\\..\\\\x\"\n"),
        ("id-escape.md", "Id escape", "id = \"../../x\"\n"),
        ("emoji.md", "😀", ""),
    ];
    for (name, title, extra) in files {
        t.write(name, with_terms(title, extra));
    }
    let before = snapshot(t.root());
    let run = t.build();
    run.assert_code(0);
    let after = snapshot(t.root());

    // Nothing outside out/, the state file and the story cache beside it changed or appeared.
    for (path, kind) in &after {
        if path.starts_with("out") || path == Path::new("state.json") || path == Path::new("state.cache") {
            continue;
        }
        assert_eq!(before.get(path), Some(kind), "{} was created or changed outside the output folder", path.display());
    }
    for path in before.keys() {
        assert!(after.contains_key(path), "{} was removed", path.display());
    }

    // Inside out/: the expected layout, every component safe.
    let segment = regex::Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("regex");
    let month = regex::Regex::new(r"^\d{4}-\d{2}$").expect("regex");
    let reserved = regex::Regex::new(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$").expect("regex");
    let feed_files = ["rss.xml", "atom.xml", "feed.json"];
    let mut term_folders: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, kind) in after.iter().filter(|(p, _)| p.starts_with("out")) {
        let rel = path.strip_prefix("out").expect("under out");
        let parts: Vec<&str> = rel.iter().map(|c| c.to_str().expect("UTF-8 output names")).collect();
        assert!(!matches!(kind, Kind::Link(_) | Kind::Other), "{}: not a file or folder", path.display());
        let ok = match (parts.as_slice(), kind) {
            ([], Kind::Dir) => true,
            ([f], Kind::File(_)) => feed_files.contains(f) || ["index.html", "feed.xsl"].contains(f),
            (["tags" | "categories" | "authors" | "archive"], Kind::Dir) => true,
            ([tax @ ("tags" | "categories" | "authors"), term], Kind::Dir) => {
                assert!(segment.is_match(term), "unsafe term folder {tax}/{term:?}");
                assert!(term.len() <= 100, "term folder of {} bytes", term.len());
                assert!(!reserved.is_match(term), "a Windows device name: {term}");
                term_folders.insert((tax.to_string(), term.to_string()));
                true
            }
            (["tags" | "categories" | "authors", _, f], Kind::File(_)) => feed_files.contains(f),
            (["archive", m], Kind::Dir) => month.is_match(m),
            (["archive", m, f], Kind::File(_)) => month.is_match(m) && feed_files.contains(f),
            _ => false,
        };
        assert!(ok, "unexpected output path {}", path.display());
    }
    // Every taxonomy got the same term folders: the distinct safe names.
    let names = |tax: &str| -> BTreeSet<String> {
        term_folders.iter().filter(|(t, _)| t == tax).map(|(_, n)| n.clone()).collect()
    };
    assert!(names("tags").len() >= 20, "too few term feeds: {:?}", names("tags"));
    assert_eq!(names("tags"), names("categories"));
    assert_eq!(names("tags"), names("authors"));

    // Every URL in every feed stays under the site, with no dot segments.
    for (tax, term) in &term_folders {
        let items = t.items_in(&format!("{tax}/{term}/"));
        assert_eq!(items.rss.len(), files.len(), "{tax}/{term} lists every story");
    }
    let items = t.items();
    assert_eq!(items.rss.len(), files.len(), "{}", run.stderr);
    for item in items.all() {
        for u in [&item.link, &item.id] {
            let url = url::Url::parse(u).unwrap_or_else(|e| panic!("{}: {u:?} is not a URL: {e}", item.format));
            assert_eq!(url.host_str(), Some("news.example.com"), "{u}");
            assert!(url.path_segments().is_some_and(|mut s| s.all(|s| s != ".." && s != ".")), "{u}");
            assert!(!u.contains(' ') && !u.contains('\\') && !u.contains('\n'), "{u}");
        }
    }
    let rss = std::fs::read_to_string(t.out().join("rss.xml")).expect("rss");
    assert!(!rss.contains("news.example.com/etc/") && !rss.contains("news.example.com/escape/"), "a slug escaped");
}

/// Regression: a story file whose name is not valid UTF-8 (what unzipping
/// a Windows archive with GBK names gives) was skipped without a word: the
/// story silently never appeared. It must be read (named lossily) or at
/// least reported.
#[test]
fn a_story_file_with_a_non_utf8_name_is_not_skipped_silently() {
    use std::os::unix::ffi::OsStrExt;
    let t = Site::new("");
    t.write("good.md", story("Good", DATE, "x"));
    // 对标.md in GBK bytes.
    let name = std::ffi::OsStr::from_bytes(b"\xB6\xD4\xB1\xEA.md");
    std::fs::write(t.articles().join(name), story("GBK name", DATE, "x")).expect("write");
    let run = t.build();
    let published = t.items().titles().contains(&"GBK name".to_owned());
    let reported = run.stderr.lines().any(|l| l.contains(".md") && !l.contains("good.md") && !l.contains(" INFO "));
    assert!(published || reported, "the story is neither published nor reported:\n{}", run.stderr);
}

/// `feedsmith new` with a title made to escape writes one file directly
/// in the articles folder, named safely.
#[test]
fn new_with_a_hostile_title_creates_one_safely_named_file_in_the_articles_folder() {
    let t = Site::new("");
    for title in ["../../etc/passwd", "..", "CON", "a\\b", ".hidden", "😀", "/abs/path"] {
        let before = snapshot(t.root());
        let run = t.run("new", &[title]);
        run.assert_code(0);
        let after = snapshot(t.root());
        let created: Vec<&PathBuf> = after.keys().filter(|p| !before.contains_key(*p)).collect();
        assert_eq!(created.len(), 1, "{title:?}: created {created:?}");
        let rel = created[0].strip_prefix("articles").unwrap_or_else(|_| panic!("{title:?}: {created:?} is outside"));
        let name = rel.to_str().expect("UTF-8");
        assert!(!name.contains('/') && !name.starts_with('.') && name.ends_with(".md"), "{title:?} -> {name:?}");
        assert!(run.stdout.trim().ends_with(name), "{title:?}: printed {}", run.stdout);
        assert!(!name.to_ascii_lowercase().starts_with("con."), "{title:?} -> {name}");
    }
}
