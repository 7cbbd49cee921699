//! Media follows its story: `media/` holds exactly the media of the
//! stories published now; attachments naming hidden, private or story
//! files, or leading outside the articles folder, are reported and never
//! read; a changed media file is copied again, however it changed.

use std::time::SystemTime;

use super::*;

/// Regression: the media of drafts and of stories scheduled for later was
/// copied into the output (public before its story), and a deleted story's
/// media stayed there.
#[test]
fn media_is_published_with_its_story_only_and_leaves_with_it() {
    let site = Site::new("");
    site.write("draft.md", story_with("Draft", DATE, "draft = true\nimage = \"draft.jpg\"\n"));
    site.write("future.md", story_with("Future", "2999-01-01T00:00:00+08:00", "attachments = [\"future.mp3\"]\n"));
    site.write("pub.md", story_with("Published", DATE, "image = \"pub.jpg\"\nattachments = [\"pics/pub.mp3\"]\n"));
    for (name, bytes) in [
        ("draft.jpg", "DRAFT-PHOTO"),
        ("future.mp3", "FUTURE-AUDIO"),
        ("pub.jpg", "PUB-PHOTO"),
        ("pics/pub.mp3", "PUB-AUDIO"),
    ] {
        site.write(name, bytes);
    }
    site.build().assert_code(0);
    assert_eq!(media_files(&site), ["pics/pub.mp3", "pub.jpg"]);
    assert_eq!(read_text(&site.out().join("media/pub.jpg")), "PUB-PHOTO");
    let everything = all_output_text(&site.out());
    assert!(!everything.contains("DRAFT-PHOTO") && !everything.contains("FUTURE-AUDIO"), "unpublished media leaked");
    let rss = read_text(&site.out().join("rss.xml"));
    assert!(rss.contains("media/pub.jpg") || rss.contains("media/pics/pub.mp3"), "the enclosure: {rss}");

    std::fs::remove_file(site.a("pub.md")).expect("delete the story");
    site.build().assert_code(0);
    assert_eq!(media_files(&site), Vec::<String>::new(), "the deleted story's media is gone");
}

/// Attachments that name a hidden file, a private file, another story's
/// file or a path outside the articles folder are reported on stderr
/// (a warning naming the story) and never copied or read.
#[test]
fn attachments_naming_hidden_private_story_or_outside_files_are_reported_and_never_copied() {
    let site = Site::new("");
    site.write(".git/config", "SECRET-GIT-CONFIG");
    site.write("_private/x.jpg", "SECRET-PRIVATE");
    site.write("draft.md", story_with("Draft", DATE, "draft = true\n").replace("Body of", "SECRET-DRAFT"));
    std::fs::write(site.root().join("outside.jpg"), "SECRET-OUTSIDE").expect("write");
    let refs = [".git/config", "_private/x.jpg", "draft.md", "../outside.jpg"];
    let list: Vec<String> = refs.iter().map(|r| toml_str(r)).collect();
    site.write("greedy.md", story_with("Greedy", DATE, &format!("attachments = [{}]\n", list.join(", "))));
    let run = site.build();
    run.assert_finished();
    let warnings: Vec<&str> = run.lines_naming("greedy.md");
    for reference in refs {
        let hit = warnings.iter().find(|l| l.contains(&format!("{reference:?}")));
        let line = hit.unwrap_or_else(|| panic!("no warning about {reference}:\n{}", run.stderr));
        assert!(line.starts_with("warning:"), "{line}");
    }
    assert_eq!(site.items().titles(), ["Greedy"]);
    assert_eq!(media_files(&site), Vec::<String>::new());
    assert!(!all_output_text(&site.out()).contains("SECRET"), "a refused file reached the output");
}

/// Regression: a media file replaced by other bytes of the same length
/// with an older modification time (as `cp -p` leaves it) was taken as
/// unchanged, and the old picture stayed published.
#[test]
fn a_media_file_replaced_with_the_same_length_and_an_older_mtime_is_copied_again() {
    let site = Site::new("");
    site.write("pub.md", story_with("Published", DATE, "image = \"photo.jpg\"\n"));
    site.write("photo.jpg", "A".repeat(1000));
    site.build().assert_code(0);
    assert_eq!(read_text(&site.out().join("media/photo.jpg")), "A".repeat(1000));

    site.write("photo.jpg", "B".repeat(1000));
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let file = std::fs::File::options().write(true).open(site.a("photo.jpg")).expect("open");
    file.set_modified(old).expect("set mtime");
    drop(file);
    site.build().assert_code(0);
    assert_eq!(read_text(&site.out().join("media/photo.jpg")), "B".repeat(1000));
}

/// Under `watch`, media follows its story: a draft's photo is copied when
/// the draft is published, and taken away when the story is deleted.
#[test]
fn under_watch_media_is_copied_when_its_story_goes_live_and_removed_with_it() {
    let site = Site::new("");
    site.write("other.md", story("Other", DATE, "x"));
    let draft = story_with("Story", DATE, "draft = true\nimage = \"photo.jpg\"\n");
    site.write("story.md", &draft);
    site.write("photo.jpg", "the photo");
    let d = site.start(&[]);
    let copy = site.out().join("media/photo.jpg");
    assert!(!copy.exists(), "a draft's photo is not public");
    site.write("story.md", draft.replace("draft = true\n", ""));
    d.wait("the photo copied with its story", || {
        std::fs::read_to_string(&copy).is_ok_and(|t| t == "the photo") && site.titles().contains(&"Story".to_owned())
    });
    std::fs::remove_file(site.a("story.md")).expect("delete the story");
    d.wait("the photo gone with its story", || !copy.exists() && site.all_feeds_list(&["Other"]));
}

/// Under `watch`, a media file's new bytes are copied with no edit of the
/// story, and deleting the file takes away its enclosure and its copy.
///
/// Reproduction: a story with `image = "photo.jpg"` under `watch`; write
/// other bytes to `articles/photo.jpg` (or delete it): nothing is logged,
/// `out/media/photo.jpg` keeps the old bytes and rss.xml its enclosure
/// until the story itself is edited. The event for a file that is neither
/// a story nor a folder becomes a folder re-read (`Message::Tree`), and a
/// re-read of a folder lists only the stories under it, so the media
/// path never reaches `Engine::update`, which would look up its users.
#[test]
fn under_watch_media_changes_are_copied_and_a_deleted_media_file_leaves_the_feeds() {
    let site = Site::new("");
    site.write("pub.md", story_with("Published", DATE, "image = \"photo.jpg\"\n"));
    site.write("photo.jpg", "first photo");
    let d = site.start(&[]);
    let copy = site.out().join("media/photo.jpg");
    assert_eq!(read_text(&copy), "first photo");
    assert!(read_text(&site.out().join("rss.xml")).contains("media/photo.jpg"));

    site.write("photo.jpg", "second photo, longer");
    d.wait("the new bytes copied", || std::fs::read_to_string(&copy).is_ok_and(|t| t == "second photo, longer"));
    write_in_place(&site.a("photo.jpg"), "third photo, longer");
    d.wait("bytes rewritten in place copied", || {
        std::fs::read_to_string(&copy).is_ok_and(|t| t == "third photo, longer")
    });

    std::fs::remove_file(site.a("photo.jpg")).expect("delete the photo");
    d.wait("the enclosure and the copy gone", || {
        !copy.exists() && std::fs::read_to_string(site.out().join("rss.xml")).is_ok_and(|t| !t.contains("photo.jpg"))
    });
    assert_eq!(site.items().titles(), ["Published"]);
}

/// Regression: media reached through a folder symlink into a hidden or
/// private folder was published (`pub -> .git` with `attachments =
/// ["pub/config"]` put `.git/config` in `media/`), though the scan refuses
/// the link; and a media symlink to a visible picture inside the articles
/// folder was announced but never copied (a 404 for every subscriber).
#[test]
fn media_is_judged_by_where_its_links_lead() {
    let site = Site::new("");
    site.write(".git/config", "SECRET-GIT-CONFIG");
    site.write("_drafts/p.jpg", "SECRET-DRAFT-PHOTO");
    site.write("sub/ok.jpg", "OK-PHOTO");
    std::os::unix::fs::symlink(".git", site.a("pub")).expect("symlink");
    std::os::unix::fs::symlink("../_drafts", site.a("sub/d")).expect("symlink");
    std::os::unix::fs::symlink("sub/ok.jpg", site.a("alias.jpg")).expect("symlink");
    site.write(
        "m.md",
        story_with("Media", DATE, "attachments = [\"pub/config\", \"sub/d/p.jpg\"]\nimage = \"alias.jpg\"\n")
            .replace("Body of Media.", "![x](pub/config) ![y](sub/d/p.jpg) ![z](alias.jpg)"),
    );
    let run = site.build();
    run.assert_finished();
    assert!(!all_output_text(&site.out()).contains("SECRET"), "a private file reached the output");
    let warnings = run.lines_naming("m.md");
    for reference in ["pub/config", "sub/d/p.jpg"] {
        assert!(
            warnings.iter().any(|l| l.contains(reference) && l.contains("not published")),
            "{reference}: {}",
            run.stderr
        );
    }
    assert_eq!(media_files(&site), ["sub/ok.jpg"], "the linked picture is published where it really is");
    let feed = read_text(&site.out().join("feed.json"));
    assert!(feed.contains("media/sub/ok.jpg") && !feed.contains("media/alias.jpg"), "{feed}");
    assert!(!feed.contains("media/pub/") && !feed.contains("media/sub/d/"), "{feed}");
}
