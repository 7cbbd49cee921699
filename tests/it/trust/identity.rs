//! Which story owns an id: only stories published at the moment compete,
//! so a draft or a story scheduled for later never hides a published one;
//! a scheduled story that goes live with a taken id is reported then.

use super::*;

/// The id both stories claim, `id = "shared"`, as the feeds give it
/// (made absolute against `base_url`).
const SHARED: &str = "https://news.example.com/shared";

/// Regression: a draft (or a story scheduled for later) whose path sorts
/// first took the id from the published story with the same `id`: the
/// published story was reported as the duplicate and left out, so the
/// feeds lost it.
#[test]
fn a_draft_or_a_future_story_never_hides_a_published_story_with_its_id() {
    for (name, extra) in [("a-draft.md", "draft = true\n"), ("a-future.md", "")] {
        let site = Site::new("");
        let date = if extra.is_empty() { "2999-01-01T00:00:00+08:00" } else { DATE };
        site.write(name, story_with("Waiting", date, &format!("id = \"shared\"\n{extra}")));
        site.write("b-published.md", story_with("Published", DATE, "id = \"shared\"\n"));
        let run = site.build();
        run.assert_code(0);
        assert!(!run.stderr.contains("is also used by"), "{name}: {}", run.stderr);
        let items = site.items();
        assert_eq!(items.titles(), ["Published"], "{name}");
        assert!(items.all().all(|i| i.id == SHARED), "{name}: {items:?}");
        let check = site.run("check", &[]);
        check.assert_code(0);
    }
}

/// Under `watch`, a story scheduled a few seconds ahead with a published
/// story's id is not a duplicate before its moment; when the moment comes
/// it is reported as one, and the feeds keep one story for the id.
#[test]
fn a_scheduled_story_with_a_taken_id_is_reported_when_it_goes_live() {
    let site = Site::new("");
    site.write("a-published.md", story_with("Published", DATE, "id = \"shared\"\n"));
    let moment = chrono::Utc::now() + chrono::Duration::seconds(4);
    let at = moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    site.write("z-scheduled.md", story_with("Scheduled", &at, "id = \"shared\"\n"));
    let d = site.start(&[]);
    if chrono::Utc::now() < moment {
        assert!(!d.log().contains("is also used by"), "reported before its moment:\n{}", d.log());
    }
    d.wait_log("is also used by");
    let lines = log_lines(&d, "is also used by");
    assert_eq!(lines.len(), 1, "{}", d.log());
    assert!(lines[0].contains("z-scheduled.md") && lines[0].contains("a-published.md"), "{}", lines[0]);
    let items = site.items();
    assert_eq!(items.titles(), ["Published"]);
    assert_eq!(items.rss.iter().filter(|i| i.id == SHARED).count(), 1);
}
