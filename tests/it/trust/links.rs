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

/// Regression: a story symlink made while `watch` runs that points at a
/// hidden or private story — directly, through a chain of links, or by
/// retargeting an existing link — published that story, which a scan
/// refuses ("points at a hidden or private file").
#[test]
fn story_links_made_while_watching_never_publish_a_private_story() {
    let site = Site::new("");
    site.write("_p/secret.md", story("PRIVATE-SECRET", DATE, "x"));
    site.write(".h/hidden.md", story("HIDDEN-SECRET", DATE, "x"));
    site.write("pub/p.md", story("Public", DATE, "x"));
    symlink("pub/p.md", site.a("retarget.md"));
    let d = site.start(&[]);
    assert_eq!(site.titles(), ["Public", "Public"], "a link to a public story is a story of its own");

    symlink("_p/secret.md", site.a("mid.md"));
    symlink("../mid.md", site.a("pub/chain.md"));
    symlink(".h/hidden.md", site.a("leak.md"));
    std::fs::remove_file(site.a("retarget.md")).expect("unlink");
    symlink("_p/secret.md", site.a("retarget.md"));
    site.write("zz-marker.md", story("Marker", DATE, "x"));
    d.wait("the story saved after the links published", || site.titles().contains(&"Marker".to_owned()));
    d.wait("the retargeted link leaves the feeds", || {
        let mut titles = site.titles();
        titles.sort();
        titles == ["Marker", "Public"]
    });
    let titles = site.titles();
    assert!(titles.iter().all(|t| !t.contains("SECRET")), "{titles:?}");
    for link in ["mid.md", "chain.md", "leak.md", "retarget.md"] {
        d.wait(&format!("{link} reported"), || {
            d.log().lines().any(|l| l.contains(link) && l.contains("hidden or private"))
        });
    }
    let fresh = Site::with_config(site.config_path());
    fresh.build().assert_finished();
    let (mut a, mut b) = (fresh.titles(), site.titles());
    a.sort();
    b.sort();
    assert_eq!(a, b, "the daemon publishes what a fresh build does");
}

/// Regression: a story symlink leading through a folder symlink stayed
/// published when that folder link was retargeted into a private folder
/// while `watch` ran (until a restart), though a scan then refuses it.
#[test]
fn a_folder_link_retargeted_into_a_private_folder_takes_the_stories_linked_through_it() {
    let site = Site::new("");
    site.write("pub/s.md", story("Public", DATE, "x"));
    site.write("_p/s.md", story("PRIVATE-SECRET", DATE, "x"));
    symlink("pub", site.a("dl"));
    symlink("dl/s.md", site.a("viadl.md"));
    let d = site.start(&[]);
    assert_eq!(site.titles(), ["Public", "Public"], "the story and the one linked through dl");
    std::fs::remove_file(site.a("dl")).expect("unlink");
    symlink("_p", site.a("dl"));
    d.wait("the link through dl leaves the feeds", || site.titles() == ["Public"]);
    assert!(!all_output_text(&site.out()).contains("PRIVATE-SECRET"));
}
