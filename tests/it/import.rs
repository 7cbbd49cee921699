//! `feedsmith import` run as the web desk runs it (docs/STORIES.md, *Importing
//! newspaper pages*): the sample page gives the sample stories, a second
//! import changes nothing, a dry run writes nothing, a story an editor
//! changed is left alone, exit statuses, a GB18030 page, and the imported
//! stories build into valid feeds.

use std::path::{Path, PathBuf};

use crate::support::*;

/// The sample page (`tests/fixtures/import/page.txt`) and the stories
/// converted from it by hand (`articles/2024/03/`).
fn sample_page() -> PathBuf {
    fixture("import").join("page.txt")
}

const SAMPLES: [&str; 2] = ["duibiao-fenjin.md", "xinzhi-gongan-zhandouli.md"];

const NAMES: [&str; 2] = [
    "2024/03/2024-03-09-dui-biao-fen-jin-dui-biao-gong-jian.md",
    "2024/03/2024-03-09-ti-sheng-xin-zhi-gong-an-zhan-dou-li-hu-hang-wu-zhan-shuang-qiang-zhu-zhan-chang.md",
];

/// A story file's front matter as a TOML table, and its body.
#[track_caller]
fn split_story(path: &Path) -> (toml::Table, String) {
    let text = read_text(path);
    let (front, body) = text
        .strip_prefix("+++\n")
        .and_then(|t| t.split_once("\n+++\n"))
        .unwrap_or_else(|| panic!("{}: no TOML front matter:\n{text}", path.display()));
    let table: toml::Table = front.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (table, body.trim().to_owned())
}

/// `import <args>` on the site with the sample page, for the issue of 9 March 2024.
#[track_caller]
fn import(site: &Site, args: &[&str]) -> Run {
    let page = sample_page();
    let page = page.to_str().expect("a UTF-8 path");
    let mut all = vec![page, "--date", "2024-03-09"];
    all.extend_from_slice(args);
    site.run("import", &all)
}

#[test]
fn the_sample_page_gives_the_sample_stories_and_reports_its_teasers() {
    let site = Site::new("");
    let run = import(&site, &[]);
    run.assert_code(0);
    let written: Vec<&str> = run.stdout.lines().collect();
    let want: Vec<String> = NAMES.iter().map(|n| site.a(n).display().to_string()).collect();
    assert_eq!(written, want, "each written path on stdout");
    let problems = run.problem_lines();
    assert_eq!(problems.len(), 2, "{}", run.stderr);
    assert!(problems[0]
        .ends_with("page.txt:296: teaser without body: 连线全国人大代表黄美媚 / 聚焦“东迁西归”延伸技能人才培育链"));
    assert!(problems[1].ends_with("page.txt:300: teaser without body: 每年免费为群众维修家电 / 这句承诺 他坚持了20年"));

    for (name, sample) in NAMES.iter().zip(SAMPLES) {
        let (got, got_body) = split_story(&site.a(name));
        let (want, want_body) = split_story(&repo_root().join("articles/2024/03").join(sample));
        for key in ["title", "kicker", "subtitle", "author", "tags"] {
            assert_eq!(got.get(key), want.get(key), "{name}: {key}");
        }
        assert_eq!(got_body, want_body, "{name}: body");
        assert_eq!(got.get("date").map(ToString::to_string).as_deref(), Some("2024-03-09"), "{name}: the issue date");
        assert_eq!(got.get("draft").and_then(toml::Value::as_bool), Some(true), "{name}: a draft");
    }
    site.build().assert_code(0);
    assert!(site.titles().is_empty(), "drafts are not published");
}

#[test]
fn published_stories_build_into_valid_feeds() {
    let site = Site::new("");
    import(&site, &["--publish"]).assert_code(0);
    let (table, _) = split_story(&site.a(NAMES[0]));
    assert_eq!(table.get("draft"), None);
    site.build().assert_code(0);
    assert_eq!(site.titles(), ["对标奋进 对表攻坚", "提升新质公安战斗力 护航“五战双强”主战场"]);
    let content = site.content_of("对标奋进 对表攻坚").expect("content");
    assert!(content.contains("以工作主动性赢得发展主动权") && content.contains("3月7日下午"), "{content}");
    assert!(site.feed("tags/ba-ba-zhan-lue-zai-shen-bian/rss.xml").is_some(), "the column is a tag with its feed");
}

#[test]
fn importing_again_writes_nothing_and_changes_nothing() {
    let site = Site::new("");
    import(&site, &[]).assert_code(0);
    let before = read_tree(&site.articles());
    let times = mtimes(&site.articles());
    let again = import(&site, &[]);
    again.assert_code(0);
    assert_eq!(again.stdout, "", "nothing new written");
    assert_eq!(read_tree(&site.articles()), before);
    assert_eq!(mtimes(&site.articles()), times, "no file touched");
}

#[test]
fn a_dry_run_prints_what_it_would_write_and_writes_nothing() {
    let site = Site::new("");
    let run = import(&site, &["--dry-run"]);
    run.assert_code(0);
    assert!(walk(&site.articles()).is_empty(), "a dry run wrote files");
    for name in NAMES {
        assert!(run.stdout.contains(&site.a(name).display().to_string()), "{name}:\n{}", run.stdout);
    }
    assert!(
        run.stdout.contains("title = \"对标奋进 对表攻坚\"")
            && run.stdout.contains("本报讯（融媒首席记者 陈晓苏）3月8日下午")
    );
}

#[test]
fn a_story_an_editor_changed_is_left_as_it_is() {
    let site = Site::new("");
    import(&site, &[]).assert_code(0);
    let edited = site.a(NAMES[0]);
    let text = read_text(&edited).replace("draft = true\n", "");
    std::fs::write(&edited, &text).expect("edit");
    let run = import(&site, &[]);
    run.assert_code(1);
    assert_eq!(run.stdout, "", "nothing written");
    let lines = run.lines_naming(NAMES[0].rsplit('/').next().unwrap_or_default());
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("changed since it was imported; left as it is"), "{}", lines[0]);
    assert_eq!(read_text(&edited), text, "the editor's version kept");
    // The dry run says the same and also leaves it.
    import(&site, &["--dry-run"]).assert_code(1);
    assert_eq!(read_text(&edited), text);
}

#[test]
fn a_gb18030_page_is_read_like_a_utf8_one() {
    let utf8 = Site::new("");
    import(&utf8, &[]).assert_code(0);
    let gb = Site::new("");
    let text = read_text(&sample_page());
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let page = gb.root().join("page-gb18030.txt");
    std::fs::write(&page, &bytes).expect("write the page");
    let run = gb.run("import", &[page.to_str().expect("UTF-8 path"), "--date", "2024-03-09"]);
    run.assert_code(0);
    assert!(run.stderr.contains("GB18030"), "a warning says how it was read: {}", run.stderr);
    assert_eq!(read_tree(&gb.articles()), read_tree(&utf8.articles()));
}

#[test]
fn the_date_defaults_to_today_in_the_sites_timezone() {
    let site = Site::new("");
    let today = || chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d").to_string();
    let before = today();
    let run = site.run("import", &[sample_page().to_str().expect("UTF-8 path")]);
    let after = today();
    run.assert_code(0);
    let first = run.stdout.lines().next().unwrap_or_default();
    let name = Path::new(first).file_name().and_then(|n| n.to_str()).unwrap_or_default();
    assert!(name.starts_with(&before) || name.starts_with(&after), "{name} is not dated {before}");
}

#[test]
fn exit_statuses() {
    let site = Site::new("");
    // Usage errors: nothing written, the file or flag named, what to do said.
    let run = site.run("import", &["missing.txt"]);
    run.assert_code(2);
    assert!(run.stderr.contains("missing.txt: cannot read the page"), "{}", run.stderr);
    let run = site.run("import", &[sample_page().to_str().expect("UTF-8 path"), "--date", "9 March"]);
    run.assert_code(2);
    assert!(run.stderr.contains("YYYY-MM-DD"), "{}", run.stderr);
    site.run("import", &[]).assert_code(2);
    let binary = site.root().join("page.pdf");
    std::fs::write(&binary, b"%PDF-1.7\0\0binary").expect("write");
    let run = site.run("import", &[binary.to_str().expect("UTF-8 path"), sample_page().to_str().expect("UTF-8 path")]);
    run.assert_code(2);
    assert!(run.stderr.contains("page.pdf: not a text file"), "{}", run.stderr);
    assert!(walk(&site.articles()).is_empty(), "a usage error writes nothing");

    // Something unsure: 1, and what was sure is still written.
    let page = site.root().join("unsure.txt");
    std::fs::write(
        &page,
        "上接第一版的一行\n\n本报讯（记者 张三）\n\n3 月 9 日，今天下雨。\n\n下雨了\n\n本报讯（记者 李四）\n\n今天刮风。\n",
    )
    .expect("write");
    let run = site.run("import", &[page.to_str().expect("UTF-8 path"), "--date", "2024-03-09"]);
    run.assert_code(1);
    assert!(run.stderr.contains("unsure.txt:1: text before the first byline"), "{}", run.stderr);
    assert!(run.stderr.contains("unsure.txt:9: story without a headline"), "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "the sure story is written: {}", run.stdout);
    let (table, body) = split_story(&site.a("2024/03/2024-03-09-xia-yu-liao.md"));
    assert_eq!(table.get("title").and_then(toml::Value::as_str), Some("下雨了"));
    assert_eq!(body, "本报讯（记者 张三）3月9日，今天下雨。");
}

#[test]
fn a_page_of_three_stories_made_in_the_same_layout() {
    // `made-up.txt`: a column with its page letter, a kicker over two lines
    // and a subtitle; a story with Latin words and numbers cut across lines;
    // a headline with a dashed subtitle and no kicker, then two teasers.
    let site = Site::new("");
    let page = fixture("import").join("made-up.txt");
    let run = site.run("import", &[page.to_str().expect("UTF-8 path"), "--date", "2024-03-10", "--publish"]);
    run.assert_code(0);
    assert_eq!(run.problem_lines().len(), 2, "two teasers, nothing unsure:\n{}", run.stderr);
    let dir = site.a("2024/03");
    let read = |slug: &str| split_story(&dir.join(format!("2024-03-10-{slug}.md")));

    let (front, body) = read("wo-shi-ju-ban-chun-feng-xing-dong-zhao-pin-hui");
    assert_eq!(front.get("tags").map(ToString::to_string).as_deref(), Some("[\"“稳就业”在行动\"]"));
    assert_eq!(front.get("kicker").and_then(toml::Value::as_str), Some("春风送岗位就业暖人心"));
    assert_eq!(front.get("subtitle").and_then(toml::Value::as_str), Some("236家企业提供8900余个岗位"));
    assert_eq!(front.get("authors").map(ToString::to_string).as_deref(), Some("[\"吴晓燕\", \"林涛\"]"));
    assert_eq!(body.split("\n\n").count(), 3, "{body}");
    assert!(body.contains("“今年我们想招20名数控技术员，月薪8000元起。”"), "a short line is no paragraph end: {body}");

    let (front, body) = read("gong-jian-5ge-shu-zi-hua-shi-fan-che-jian");
    assert_eq!(front.get("kicker").and_then(toml::Value::as_str), Some("开发区牵手世界500强"));
    assert_eq!((front.get("subtitle"), front.get("tags")), (None, None));
    assert!(body.contains("与Siemens AG签订合作协议") && body.contains("共建5个数字化示范车间。"), "{body}");

    let (front, _) = read("jia-men-kou-duo-liao-ge-wen-hua-ke-ting");
    assert_eq!(front.get("title").and_then(toml::Value::as_str), Some("家门口多了个“文化客厅”"));
    assert_eq!(front.get("subtitle").and_then(toml::Value::as_str), Some("我市第12家城市书房开放"));
    assert_eq!(front.get("kicker"), None);

    site.build().assert_code(0);
    assert_eq!(site.titles().len(), 3);
}

#[test]
fn the_same_page_twice_in_one_run_writes_each_story_once() {
    let site = Site::new("");
    let page = sample_page();
    let page = page.to_str().expect("UTF-8 path");
    let run = site.run("import", &[page, page, "--date", "2024-03-09"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert_eq!(walk(&site.articles()).len(), 2);
}

#[test]
fn the_issue_date_must_be_written_in_full() {
    let site = Site::new("");
    let page = sample_page();
    let page = page.to_str().expect("UTF-8 path");
    for bad in ["24-3-1", "2024-3-8", "+2024-03-08", "2024-03-8", "0000-01-01", "2024-02-30", "12024-03-08"] {
        let run = site.run("import", &[page, "--date", bad]);
        run.assert_code(2);
        assert!(run.stderr.contains("YYYY-MM-DD"), "{bad}: {}", run.stderr);
    }
    assert!(walk(&site.articles()).is_empty(), "a usage error writes nothing");
    site.run("import", &[page, "--date", "2024-03-08"]).assert_code(0);
}

#[test]
fn an_empty_page_says_no_story_was_found() {
    let site = Site::new("");
    for (name, text) in [("empty.txt", ""), ("blank.txt", "\n\n   \n\u{3000}\n")] {
        let page = site.root().join(name);
        std::fs::write(&page, text).expect("write");
        let run = site.run("import", &[page.to_str().expect("UTF-8 path"), "--date", "2024-03-09"]);
        run.assert_code(1);
        assert!(run.stderr.contains(&format!("no story found on {}", page.display())), "{}", run.stderr);
    }
}

#[test]
fn a_reader_that_stops_early_is_no_panic() {
    use std::io::Read;
    let site = Site::new("");
    let mut cmd = site.command("import");
    cmd.args([sample_page().to_str().expect("UTF-8 path"), "--date", "2024-03-09", "--dry-run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("start feedsmith");
    // Hang up before reading anything, as `| head -c 0` would.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn two_stories_with_one_headline_are_both_written_whatever_the_order() {
    let write = |site: &Site, name: &str, text: &str| {
        let page = site.root().join(name);
        std::fs::write(&page, text).expect("write the page");
        page.to_str().expect("UTF-8 path").to_owned()
    };
    let rain = "本报讯（记者 张三）\n\n今天全市普降小雨，请注意出行安全。\n\n天气提醒\n";
    let wind = "本报讯（记者 李四）\n\n今天全市刮起大风，请注意防范。\n\n天气提醒\n";
    // In separate runs.
    let apart = Site::new("");
    let (a, b) = (write(&apart, "a.txt", rain), write(&apart, "b.txt", wind));
    apart.run("import", &[&a, "--date", "2024-03-09"]).assert_code(0);
    let run = apart.run("import", &[&b, "--date", "2024-03-09"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stderr);
    // In one run, the other way round: both written.
    let together = Site::new("");
    let (a, b) = (write(&together, "a.txt", rain), write(&together, "b.txt", wind));
    together.run("import", &[&b, &a, "--date", "2024-03-09"]).assert_code(0);
    let names = |site: &Site| -> Vec<String> {
        let mut names: Vec<String> = walk(&site.articles())
            .iter()
            .map(|p| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&apart).len(), 2);
    assert!(names(&apart).contains(&"2024-03-09-tian-qi-ti-xing.md".to_owned()), "{:?}", names(&apart));
    // The one imported first keeps the plain name; the other's suffix is a
    // hash of its body (8 hex digits), not a count.
    let together_names = names(&together);
    assert_eq!(together_names.len(), 2, "{together_names:?}");
    for names in [names(&apart), together_names] {
        let hashed: Vec<&String> = names.iter().filter(|n| n.as_str() != "2024-03-09-tian-qi-ti-xing.md").collect();
        assert_eq!(hashed.len(), 1, "{names:?}");
        let suffix = hashed[0].trim_start_matches("2024-03-09-tian-qi-ti-xing-").trim_end_matches(".md");
        assert!(suffix.len() == 8 && suffix.chars().all(|c| c.is_ascii_hexdigit()), "{names:?}");
    }
    // Importing both again changes nothing.
    let again =
        apart.run("import", &[&write(&apart, "a.txt", rain), &write(&apart, "b.txt", wind), "--date", "2024-03-09"]);
    again.assert_code(0);
    assert_eq!(again.stdout, "");
}

/// Pages made by `scripts/import-pages.py fixture SEED DIR` in the seed's
/// layout at other column widths (`made-<seed>/page.txt`), and the stories
/// each holds (`expected.toml`): every story comes out whole — headline
/// block, authors, each paragraph — and every teaser is reported, with
/// nothing unsure.
#[test]
fn made_pages_give_exactly_their_stories() {
    for seed in ["made-26", "made-34", "made-41"] {
        let dir = fixture("import").join(seed);
        let expected: toml::Table = read_text(&dir.join("expected.toml")).parse().expect("expected.toml");
        let site = Site::new("");
        let run = site.run("import", &[dir.join("page.txt").to_str().expect("UTF-8 path"), "--date", "2024-03-09"]);
        run.assert_code(0);
        let empty = Vec::new();
        let list = |key: &str| expected.get(key).and_then(toml::Value::as_array).unwrap_or(&empty).clone();
        let want_stories = list("story");
        let written: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(written.len(), want_stories.len(), "{seed}: {}\n{}", run.stdout, run.stderr);
        for (path, want) in written.iter().zip(&want_stories) {
            let (got, body) = split_story(Path::new(path));
            let text = |table: &toml::Table, key: &str| table.get(key).and_then(toml::Value::as_str).map(str::to_owned);
            let want = want.as_table().expect("a story table");
            for key in ["title", "kicker", "subtitle"] {
                assert_eq!(text(&got, key), text(want, key), "{seed} {path}: {key}");
            }
            let tags: Vec<String> = text(want, "column").into_iter().collect();
            let got_tags: Vec<String> = got
                .get("tags")
                .and_then(toml::Value::as_array)
                .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            assert_eq!(got_tags, tags, "{seed} {path}: tags");
            let strings = |value: Option<&toml::Value>| -> Vec<String> {
                value
                    .and_then(toml::Value::as_array)
                    .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let got_authors = match text(&got, "author") {
                Some(one) => vec![one],
                None => strings(got.get("authors")),
            };
            assert_eq!(got_authors, strings(want.get("authors")), "{seed} {path}: authors");
            let paragraphs: Vec<String> = body.split("\n\n").map(|p| p.replace('\\', "")).collect();
            assert_eq!(paragraphs, strings(want.get("paragraphs")), "{seed} {path}: body");
        }
        let teasers: Vec<String> = list("teaser")
            .iter()
            .filter_map(toml::Value::as_table)
            .map(|t| {
                let field = |k: &str| t.get(k).and_then(toml::Value::as_str).unwrap_or_default().to_owned();
                format!("teaser without body: {} / {}", field("kicker"), field("headline"))
            })
            .collect();
        let reported: Vec<String> = run
            .problem_lines()
            .iter()
            .filter_map(|l| l.split_once(": teaser without body: ").map(|(_, t)| format!("teaser without body: {t}")))
            .collect();
        assert_eq!(reported, teasers, "{seed}: {}", run.stderr);
        assert_eq!(run.problem_lines().len(), teasers.len(), "{seed}: only teasers reported:\n{}", run.stderr);
    }
}
