//! Folder symlinks made while `watch` runs: the daemon publishes what a
//! fresh `build` of the same folder publishes, no more.

use super::*;

/// Regression: a folder re-read on an event was taken as it was, not as a
/// scan lists it, so a link made while watching to a folder outside
/// published the outside story, and a link to the articles folder itself
/// published every story a second time.
#[test]
fn folder_links_made_while_watching_publish_what_a_fresh_build_publishes() {
    let site = Site::new("");
    site.write("a.md", story("A", DATE, "x"));
    site.write("sub/b.md", story("B", DATE, "x"));
    let outside = site.root().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("o.md"), story("Outside", DATE, "must not be published")).expect("write");
    let d = site.start(&[]);

    symlink(&outside, site.a("to-outside"));
    symlink(site.articles(), site.a("to-articles"));
    symlink("sub", site.a("to-sub"));
    // A story saved after the links: once it is published, their events were taken in.
    site.write("zz-marker.md", story("Marker", DATE, "x"));
    d.wait("the story saved after the links published", || site.titles().contains(&"Marker".to_owned()));

    let fresh = Site::with_config(site.config_path());
    fresh.build().assert_finished();
    let mut want = fresh.ids();
    want.sort();
    assert!(!fresh.titles().contains(&"Outside".to_owned()), "the fresh build publishes the outside story");
    let ids = || {
        let mut ids = site.ids();
        ids.sort();
        ids
    };
    d.wait("the daemon's feeds list what a fresh build lists", || ids() == want);
    let titles = site.titles();
    assert!(!titles.contains(&"Outside".to_owned()), "{titles:?}");
    let mut unique = ids();
    unique.dedup();
    assert_eq!(unique, ids(), "an id appears twice");
}
