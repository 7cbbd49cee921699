//! Text encodings: UTF-8 with or without a BOM, UTF-16 with a BOM and
//! clean GB18030 are published (GB18030 with a warning); anything else is
//! rejected, and no U+FFFD is ever published; CRLF and lone CR line ends
//! work everywhere, front matter fences included.

use super::utf16;
use crate::support::*;

/// UTF-8 with a BOM, UTF-16 LE and BE with a BOM, and GB18030 (what
/// Chinese newsroom tools on Windows still save) are all published with the
/// right text; only the GB18030 file gets a warning, naming it.
#[test]
fn bom_utf16_and_gb18030_files_are_published_and_gb18030_is_warned() {
    let t = Site::new("");
    let story = |title: &str| {
        format!("+++\ntitle = \"{title}\"\ndate = {DATE}\ntags = [\"八八战略\"]\n+++\n\n本报讯 {title}的正文。\r\n")
    };
    t.write("bom.md", [b"\xEF\xBB\xBF".as_slice(), story("永康日报 BOM").as_bytes()].concat());
    t.write("le.md", utf16(&story("永康日报 UTF-16LE"), false));
    t.write("be.md", utf16(&story("永康日报 UTF-16BE"), true));
    let gbk_text = story("永康日报 GB18030");
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&gbk_text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "the GB18030 test file must not be valid UTF-8");
    t.write("gbk.md", &gbk);
    // Latin-1 "Élève" happens to be valid GB18030: read as such, with the warning.
    t.write(
        "eleve.md",
        [format!("+++\ntitle = \"Eleve\"\ndate = {DATE}\n+++\n\n").as_bytes(), b"\xC9l\xE8ve\n"].concat(),
    );
    let run = t.build();
    run.assert_code(0);
    let items = t.items();
    assert_eq!(
        items.titles(),
        ["Eleve", "永康日报 BOM", "永康日报 GB18030", "永康日报 UTF-16BE", "永康日报 UTF-16LE"],
        "{}",
        run.stderr
    );
    for item in items.all().filter(|i| i.title != "Eleve") {
        assert!(item.content.contains("本报讯"), "{}: {}", item.format, item.content);
        assert!(!item.content.contains('\u{FEFF}') && !item.title.contains('\u{FEFF}'), "a BOM leaked: {item:?}");
    }
    for name in ["gbk.md", "eleve.md"] {
        let warnings = run.lines_naming(name);
        assert_eq!(warnings.len(), 1, "one warning naming {name}:\n{}", run.stderr);
        assert!(warnings[0].starts_with("warning:"), "{}", warnings[0]);
        assert!(warnings[0].contains("GB18030"), "the warning says how the file was read: {}", warnings[0]);
    }
    for quiet in ["bom.md", "le.md", "be.md"] {
        assert!(run.lines_naming(quiet).is_empty(), "{quiet} is fine and must not be mentioned:\n{}", run.stderr);
    }
    let all = all_output_text(&t.out());
    assert!(!all.contains('\u{FFFD}'), "a replacement character reached the output");
    assert!(t.out().join("tags/ba-ba-zhan-lue/rss.xml").is_file(), "the GB18030 tag makes the same term feed");
}

/// Bytes that are neither UTF-8 (with or without BOM), UTF-16 nor clean
/// GB18030 are rejected, naming the file; nothing with U+FFFD is published.
#[test]
fn undecodable_files_are_rejected_naming_the_file_and_no_replacement_character_is_published() {
    let t = Site::new("");
    t.write("good.md", story("Good", DATE, "正文"));
    let front = format!("+++\ntitle = \"Bad\"\ndate = {DATE}\n+++\n\n");
    let bad: &[(&str, Vec<u8>)] = &[
        // 0xFF is not a GB18030 lead byte; 0x80 0xFF neither.
        ("ff.md", [front.as_bytes(), b"text \xFF\xFF end\n"].concat()),
        // Windows-1252 "Café résumé": É9 followed by a space is not GB18030.
        ("latin1.md", [front.as_bytes(), b"Caf\xE9 r\xE9sum\xE9\n"].concat()),
        // A BOM promises UTF-8: no fallback to GB18030 after it.
        ("bom-bad.md", [b"\xEF\xBB\xBF".as_slice(), front.as_bytes(), b"\xC4\xE3\xBA\xC3 \xFF\n"].concat()),
        // UTF-16 with a lone surrogate.
        ("lone-surrogate.md", {
            let mut b = utf16(&front, false);
            b.extend([0x00, 0xD8, 0x41, 0x00]);
            b
        }),
        // UTF-16 cut in the middle of a code unit.
        ("odd-utf16.md", {
            let mut b = utf16(&front, true);
            b.push(0x41);
            b
        }),
        // Truncated GB18030 four-byte sequence at the end.
        ("truncated-gb.md", [front.as_bytes(), b"\xC4\xE3\x81\x30"].concat()),
    ];
    for (name, bytes) in bad {
        t.write(name, bytes);
    }
    let run = t.build();
    run.assert_code(1);
    for (name, _) in bad {
        let line = run.rejection(name);
        assert!(
            line.contains("UTF-8") || line.contains("UTF-16") || line.contains("GB18030"),
            "{name}: the message says what encodings are accepted: {line}"
        );
        assert!(line.contains(" — "), "{name}: a hint follows: {line}");
    }
    assert_eq!(t.items().titles(), ["Good"]);
    assert!(!all_output_text(&t.out()).contains('\u{FFFD}'), "a replacement character reached the output");
}

/// CRLF and lone-CR line endings work everywhere: front matter fences
/// (TOML and YAML), keys, the title line of a text story, paragraphs.
#[test]
fn crlf_and_lone_cr_files_work_including_front_matter_fences() {
    let t = Site::new("");
    let toml =
        "+++\ntitle = \"TOML NL\"\ndate = 2024-03-07\ntags = [\"a\", \"b\"]\n+++\n\nFirst para.\n\nSecond para.\n";
    let yaml = "---\ntitle: YAML NL\ndate: 2024-03-07\ntags:\n  - a\n  - b\n---\n\nFirst para.\n\nSecond para.\n";
    let text = "Text NL\n\nFirst para\nwrapped.\n\nSecond para.\n";
    for (ending, label) in [("\r\n", "CRLF"), ("\r", "CR")] {
        let convert = |s: &str, title: &str, new: &str| s.replace(title, new).replace('\n', ending);
        t.write(&format!("toml-{label}.md"), convert(toml, "TOML NL", &format!("TOML {label}")));
        t.write(&format!("yaml-{label}.md"), convert(yaml, "YAML NL", &format!("YAML {label}")));
        t.write(&format!("text-{label}.txt"), convert(text, "Text NL", &format!("Text {label}")));
        // UTF-16 with CRLF too.
        t.write(&format!("utf16-{label}.md"), utf16(&convert(toml, "TOML NL", &format!("UTF-16 {label}")), false));
    }
    let run = t.build();
    run.assert_code(0);
    let items = t.items();
    assert_eq!(
        items.titles(),
        ["TOML CR", "TOML CRLF", "Text CR", "Text CRLF", "UTF-16 CR", "UTF-16 CRLF", "YAML CR", "YAML CRLF"],
        "{}",
        run.stderr
    );
    for item in items.all() {
        let c = &item.content;
        assert!(!c.contains('\r') && !item.title.contains('\r'), "{}: a CR survived: {c:?}", item.format);
        assert!(!c.contains("+++") && !c.contains("---") && !c.contains("title"), "front matter leaked: {c}");
        assert!(c.contains("<p>First para") && c.contains("<p>Second para.</p>"), "{}: {c}", item.format);
        if !item.title.starts_with("Text") {
            let mut tags = item.tags.clone();
            tags.sort();
            assert_eq!(tags, ["a", "b"], "{}: {item:?}", item.format);
        } else {
            assert!(!c.contains(&item.title), "the title line is not repeated: {c}");
        }
    }
}
