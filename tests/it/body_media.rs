//! Pictures, sound, video and documents a story's body refers to are
//! published with it: every local file a body names (`img src` and each
//! `srcset` candidate, `video`/`audio`/`source` `src`, `poster`, `a href`,
//! a Hugo figure's `src`) that exists in the articles folder is copied to
//! `media/` (its path kept) and linked under `feeds_url`; a link to
//! another story's file becomes that story's link; a missing file is a
//! warning at its line and column; what leads outside the articles
//! folder, or to a hidden or private file, is refused and never read.

use crate::support::*;

const FEEDS: &str = "https://news.example.com/feeds/";

/// The content HTML of the item titled `title`, the same in the three formats.
#[track_caller]
fn content(site: &Site, title: &str) -> String {
    let items = site.items();
    let found = items.by_title(title);
    for item in &found[1..] {
        assert_eq!(item.content, found[0].content, "{} and {} disagree", found[0].format, item.format);
    }
    found[0].content.clone()
}

fn json_item(site: &Site, title: &str) -> serde_json::Value {
    let feed: serde_json::Value =
        serde_json::from_str(&read_text(&site.out().join("feed.json"))).expect("feed.json is JSON");
    let items = feed["items"].as_array().expect("items").clone();
    items.into_iter().find(|i| i["title"] == title).unwrap_or_else(|| panic!("no item {title:?}"))
}

const PICTURES: &str = r#"第一段。

![现场照片](photo.jpg "现场")

<img src="pics/a.jpg" srcset="pics/a-2x.jpg 2x, https://cdn.example/a-3x.jpg 3x">

<video src="clip.mp4" poster="pics/poster.png" controls><source src="clip.webm" type="video/webm"></video>

<audio src="sound/interview%20one.mp3" controls></audio>

全文见[报告](../files/report.pdf#page=2)。

{{< figure src="pics/fig.jpg" caption="图说" >}}
"#;

/// Every kind of reference, in Markdown and in raw HTML, at any depth
/// below or above the story's folder.
#[test]
fn every_local_file_a_body_names_is_published_and_linked_under_feeds_url() {
    let site = Site::new("");
    site.write("2024/pictures.md", story("Pictures", DATE, PICTURES));
    for file in [
        "2024/photo.jpg",
        "2024/pics/a.jpg",
        "2024/pics/a-2x.jpg",
        "2024/clip.mp4",
        "2024/pics/poster.png",
        "2024/clip.webm",
        "2024/sound/interview one.mp3",
        "files/report.pdf",
        "2024/pics/fig.jpg",
        "2024/pics/unused.jpg",
    ] {
        site.write(file, format!("bytes of {file}"));
    }
    let run = site.build();
    run.assert_code(0);
    assert!(run.problem_lines().is_empty(), "nothing to warn about: {}", run.stderr);
    assert_eq!(
        media_files(&site),
        [
            "2024/clip.mp4",
            "2024/clip.webm",
            "2024/photo.jpg",
            "2024/pics/a-2x.jpg",
            "2024/pics/a.jpg",
            "2024/pics/fig.jpg",
            "2024/pics/poster.png",
            "2024/sound/interview one.mp3",
            "files/report.pdf",
        ],
        "exactly the files the body names, paths kept"
    );
    assert_eq!(read_text(&site.out().join("media/2024/pics/a.jpg")), "bytes of 2024/pics/a.jpg");
    let html = content(&site, "Pictures");
    for url in [
        "media/2024/photo.jpg\"",
        "media/2024/pics/a.jpg\"",
        "media/2024/pics/a-2x.jpg 2x",
        "media/2024/clip.mp4\"",
        "media/2024/pics/poster.png\"",
        "media/2024/clip.webm\"",
        "media/2024/sound/interview%20one.mp3\"",
        "media/files/report.pdf#page=2\"",
        "media/2024/pics/fig.jpg\"",
    ] {
        assert!(html.contains(&format!("{FEEDS}{url}")), "{FEEDS}{url} missing from:\n{html}");
    }
    assert!(html.contains("https://cdn.example/a-3x.jpg 3x"), "a web address stays: {html}");
    assert!(!html.contains("news.example.com/pictures/"), "nothing left relative to the story's page: {html}");
    // The first body picture is the item's image.
    assert_eq!(json_item(&site, "Pictures")["image"], format!("{FEEDS}media/2024/photo.jpg"));
}

/// A link to another story's file, beside it or in another folder, with
/// or without a fragment, is that story's link (its slug, not its path).
#[test]
fn a_link_to_another_story_file_becomes_that_story_link() {
    let site = Site::new("");
    site.write(
        "2024/03/a.md",
        // (a picture naming the same story file first does not hide the link)
        story("A", DATE, "![图](b.md) 见[同目录](b.md)、[别处](../../2023/12/c.md#part)和[页面](../../about/)。"),
    );
    site.write("2024/03/b.md", "+++\ntitle = \"B\"\ndate = 2024-03-01\nslug = \"bee\"\n+++\n\nB.\n");
    site.write("2023/12/c.md", story("C", "2023-12-01T08:00:00+08:00", "C."));
    let run = site.build();
    run.assert_code(0);
    assert!(run.problem_lines().is_empty(), "a link to a site page is no problem: {}", run.stderr);
    let html = content(&site, "A");
    assert!(html.contains("href=\"https://news.example.com/bee/\""), "{html}");
    assert!(html.contains("href=\"https://news.example.com/c/#part\""), "{html}");
    assert!(html.contains("href=\"https://news.example.com/about/\""), "a page of the site stays a page: {html}");
    assert!(!html.contains(".md"), "no story file path is published: {html}");
}

/// A missing picture, a missing document and a missing story are each a
/// warning naming the file, line and column, from `build` and `check`;
/// the story is still published.
#[test]
fn a_missing_local_file_is_a_warning_at_its_line_and_column() {
    let site = Site::new("");
    let body = "第一段。\n\n![缺图](gone.png)\n\n<p>见 <a href=\"lost.pdf\">文件</a></p>\n\n和[另一篇](nope.md)。\n";
    site.write("s.md", story("S", DATE, body));
    // The body starts on line 6: three lines of front matter, two fences, a blank.
    for command in ["build", "check"] {
        let run = site.run(command, &[]);
        run.assert_code(0);
        let lines = run.lines_naming("s.md");
        for (at, what) in [(":8:7:", "image \"gone.png\" not found"), (":10:15:", "linked file \"lost.pdf\" not found")]
        {
            assert!(
                lines.iter().any(|l| l.starts_with("warning:") && l.contains(at) && l.contains(what)),
                "{command}: no warning {at} {what}:\n{}",
                run.stderr
            );
        }
        assert!(
            lines.iter().any(|l| l.contains(":12:8:") && l.contains("story \"nope.md\" not found")),
            "{}",
            run.stderr
        );
        if command == "check" {
            assert!(run.stderr.contains("1 stories, no errors, 3 warnings"), "check counts them: {}", run.stderr);
        }
    }
    assert_eq!(site.items().titles(), ["S"]);
    assert_eq!(media_files(&site), Vec::<String>::new());
}

/// References to hidden or private files, to story sources, to files
/// outside the articles folder (by `..` or a symlink) are reported and
/// never read.
#[test]
fn body_references_to_private_or_outside_files_are_refused_and_never_read() {
    let site = Site::new("");
    site.write(".git/config.png", "SECRET-GIT");
    site.write("_private/x.jpg", "SECRET-PRIVATE");
    site.write(".hidden.jpg", "SECRET-HIDDEN");
    std::fs::write(site.root().join("outside.jpg"), "SECRET-OUTSIDE").expect("write");
    std::os::unix::fs::symlink(site.root().join("outside.jpg"), site.a("linked.jpg")).expect("symlink");
    let body = "![a](.git/config.png) ![b](_private/x.jpg) ![c](.hidden.jpg) ![d](../outside.jpg) ![e](linked.jpg) <img src=\"../../../../etc/passwd\">";
    site.write("greedy.md", story("Greedy", DATE, body));
    let run = site.build();
    run.assert_code(0);
    let lines = run.lines_naming("greedy.md");
    for reference in [".git/config.png", "_private/x.jpg", ".hidden.jpg", "../outside.jpg", "linked.jpg", "passwd"] {
        assert!(
            lines.iter().any(|l| l.starts_with("warning:") && l.contains(reference) && l.contains("not published")),
            "no warning about {reference}:\n{}",
            run.stderr
        );
    }
    assert_eq!(site.items().titles(), ["Greedy"]);
    assert_eq!(media_files(&site), Vec::<String>::new());
    assert!(!all_output_text(&site.out()).contains("SECRET"), "a refused file reached the output");
}

/// The body media of a draft or a story scheduled for later is not public
/// before its story; a story taken down takes them with it, and a picture
/// no story names any more leaves `media/`.
#[test]
fn body_media_follows_its_story() {
    let site = Site::new("");
    site.write("draft.md", "+++\ntitle = \"D\"\ndate = 2024-03-01\ndraft = true\n+++\n\n![x](draft.jpg)\n");
    site.write("later.md", story("L", "2999-01-01T00:00:00+08:00", "![x](later.jpg)"));
    site.write("pub.md", story("P", DATE, "![x](pub.jpg) ![y](second.jpg)"));
    for name in ["draft.jpg", "later.jpg", "pub.jpg", "second.jpg"] {
        site.write(name, format!("PHOTO {name}"));
    }
    site.build().assert_code(0);
    assert_eq!(media_files(&site), ["pub.jpg", "second.jpg"]);

    site.write("pub.md", story("P", DATE, "![x](pub.jpg)"));
    site.build().assert_code(0);
    assert_eq!(media_files(&site), ["pub.jpg"], "a picture no story names any more is removed");

    std::fs::remove_file(site.a("pub.md")).expect("delete");
    site.build().assert_code(0);
    assert_eq!(media_files(&site), Vec::<String>::new());
}

/// Under `watch`, a picture that appears, is replaced or is deleted is
/// published, copied again or removed, and the story's content follows.
#[test]
fn under_watch_a_body_picture_added_replaced_or_deleted_is_republished() {
    let site = Site::new("");
    site.write("s.md", story("S", DATE, "![现场](pics/photo.jpg)"));
    let d = site.start(&[]);
    let copy = site.out().join("media/pics/photo.jpg");
    let media_url = format!("{FEEDS}media/pics/photo.jpg");
    assert!(d.log().contains("image \"pics/photo.jpg\" not found"), "{}", d.log());
    assert!(!content(&site, "S").contains(&media_url));

    site.write("pics/photo.jpg", "first photo");
    d.wait("the picture copied and linked", || {
        std::fs::read_to_string(&copy).is_ok_and(|t| t == "first photo")
            && read_text(&site.out().join("feed.json")).contains(&media_url)
    });
    assert!(content(&site, "S").contains(&format!("src=\"{media_url}\"")));
    d.wait_log("s.md: no problem any more");

    site.write("pics/photo.jpg", "second photo, longer");
    d.wait("the new bytes copied", || std::fs::read_to_string(&copy).is_ok_and(|t| t == "second photo, longer"));

    std::fs::remove_file(site.a("pics/photo.jpg")).expect("delete the photo");
    d.wait("the copy gone and the link with it", || {
        !copy.exists() && !read_text(&site.out().join("feed.json")).contains(&media_url)
    });
    assert_eq!(site.items().titles(), ["S"]);
    // Missing again: said again (it was said once per process).
    d.wait("the missing picture reported again", || d.log().matches("image \"pics/photo.jpg\" not found").count() == 2);
}

/// Under `watch`, a story whose link changes (a new slug) changes the
/// links to it in other stories' bodies; one that is deleted leaves a
/// warning in the stories linking it.
#[test]
fn under_watch_links_to_a_story_follow_its_link() {
    let site = Site::new("");
    site.write("a.md", story("A", DATE, "见[另一篇](b.md)。"));
    site.write("b.md", "+++\ntitle = \"B\"\ndate = 2024-03-01\nslug = \"first\"\n+++\n\nB.\n");
    let d = site.start(&[]);
    assert!(content(&site, "A").contains("https://news.example.com/first/"));

    site.write("b.md", "+++\ntitle = \"B\"\ndate = 2024-03-01\nslug = \"second\"\n+++\n\nB.\n");
    d.wait("A links B's new link", || {
        read_text(&site.out().join("feed.json")).contains("href=\\\"https://news.example.com/second/\\\"")
    });
    assert!(!content(&site, "A").contains("/first/"));

    std::fs::remove_file(site.a("b.md")).expect("delete B");
    d.wait_log("story \"b.md\" not found");
}

/// A story with pictures that broke while feedsmith was stopped keeps its
/// last good content, pictures linked where they are published.
#[test]
fn a_story_with_pictures_broken_while_stopped_keeps_its_content() {
    let site = Site::new("");
    site.write("s.md", story("S", DATE, "正文。\n\n![现场](photo.jpg)"));
    site.write("other.md", story("O", "2024-03-02T08:00:00+08:00", "别的。"));
    site.write("photo.jpg", "photo");
    site.build().assert_code(0);
    site.write("s.md", "+++\ntitle = \"S\ndate = 2024-03-07\n+++\n\n坏了\n");
    site.write("new.md", story("N", "2024-03-03T08:00:00+08:00", "新的。"));
    site.build().assert_code(1);
    let html = site.content_of("S").expect("S is still published");
    assert!(html.contains(&format!("src=\"{FEEDS}media/photo.jpg\"")), "{html}");
    assert_eq!(media_files(&site), ["photo.jpg"]);
}

/// A link to a draft or to a story scheduled for later would give away
/// its slug before it is out: the link is left without its address until
/// the story is published, and given then (the daemon at the scheduled
/// moment, with no file event).
#[test]
fn a_link_to_a_story_not_yet_out_gives_nothing_away_until_it_is() {
    let site = Site::new("");
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    site.write("a.md", story("A", DATE, "见[草稿](draft.md)和[预告](soon.md)。"));
    site.write(
        "draft.md",
        "+++\ntitle = \"D\"\ndate = 2024-03-01\nslug = \"layoffs-secret\"\ndraft = true\n+++\n\nD.\n",
    );
    site.write("soon.md", format!("+++\ntitle = \"S\"\ndate = {soon}\nslug = \"embargoed-news\"\n+++\n\nS.\n"));
    let d = site.start(&[]);
    let everything = all_output_text(&site.out());
    for secret in ["layoffs-secret", "embargoed-news", "draft.md", "soon.md"] {
        assert!(!everything.contains(secret), "{secret} given away before it is out");
    }
    assert!(content(&site, "A").contains("草稿"), "the link's text stays");
    d.wait("the scheduled story's link given when it goes live", || {
        read_text(&site.out().join("feed.json")).contains("https://news.example.com/embargoed-news/")
            && site.titles().contains(&"S".to_owned())
    });
    assert!(content(&site, "A").contains("href=\"https://news.example.com/embargoed-news/\""));
    assert!(!all_output_text(&site.out()).contains("layoffs-secret"));
}

/// The item's image is the first picture of the body that is published: a
/// missing one, reported as missing, is not announced as the image.
#[test]
fn a_missing_first_picture_is_not_the_item_image() {
    let site = Site::new("");
    site.write("s.md", story("S", DATE, "![缺](gone.jpg)\n\n![在](there.jpg)"));
    site.write("there.jpg", "photo");
    site.build().assert_code(0);
    assert_eq!(json_item(&site, "S")["image"], format!("{FEEDS}media/there.jpg"));
    site.write("t.md", story("T", DATE, "![缺](gone.jpg)"));
    site.build().assert_code(0);
    assert!(json_item(&site, "T").get("image").is_none(), "{}", json_item(&site, "T"));
    assert!(!read_text(&site.out().join("rss.xml")).contains("gone.jpg\" medium"), "no media:content for it");
}

/// Regression: a link to a story file that is private (`_embargo/…`,
/// `.h/…`) or missing published the file's path in its `href`: it keeps
/// its text and loses its address, with a warning saying which.
#[test]
fn a_link_to_a_private_or_missing_story_file_never_publishes_its_path() {
    let site = Site::new("");
    site.write("_embargo/acme-merger-2025.md", story("Secret", DATE, "x"));
    site.write(".h/hidden-plan.md", story("Hidden", DATE, "x"));
    site.write("a.md", story("A", DATE, "[e](_embargo/acme-merger-2025.md) [h](.h/hidden-plan.md) [m](gone-plan.md)"));
    let run = site.build();
    run.assert_code(0);
    let everything = all_output_text(&site.out());
    for secret in ["acme-merger", "hidden-plan", "gone-plan"] {
        assert!(!everything.contains(secret), "{secret} published");
    }
    let lines = run.lines_naming("a.md");
    assert!(lines.iter().any(|l| l.contains("hidden or private story") && l.contains("_embargo")), "{}", run.stderr);
    assert!(lines.iter().any(|l| l.contains("\"gone-plan.md\" not found")), "{}", run.stderr);
}

/// Regression: a path written with backslashes (Windows habit) was a false
/// "not found" (and, in front matter, called a hidden file): browsers read
/// a backslash in a URL's path as `/`, and so does feedsmith.
#[test]
fn a_path_written_with_backslashes_names_the_file() {
    let site = Site::new("");
    site.write("pics/a.jpg", "A");
    site.write("pics/b.jpg", "B");
    site.write("s.md", "+++\ntitle = \"S\"\ndate = 2024-03-07\nimage = 'pics\\b.jpg'\n+++\n\n![a](pics\\a.jpg)\n");
    let run = site.build();
    run.assert_code(0);
    assert!(run.problem_lines().is_empty(), "{}", run.stderr);
    assert_eq!(media_files(&site), ["pics/a.jpg", "pics/b.jpg"]);
    assert!(content(&site, "S").contains(&format!("src=\"{FEEDS}media/pics/a.jpg\"")));
}
