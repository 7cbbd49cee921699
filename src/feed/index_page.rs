//! `index.html`: a page for people, listing the feeds (with autodiscovery
//! links) and the latest stories. Deterministic, no JavaScript (pure).

use super::Feed;
use crate::article::text::escape;
use crate::layout::{feed_url, Format};

/// A feed folder to list: its title and its path under the output folder
/// (`""` for the main feeds, `"tags/ba-ba/"` for a term).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub title: String,
    pub folder: String,
}

const STYLE: &str = "body{font:16px/1.7 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222;background:#fff}\
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}\
article{margin:1.2rem 0}article h3{font-size:1.15rem;margin:.1rem 0}.kicker,.subtitle{margin:0;color:#555;font-size:.95rem}\
time{color:#777;font-size:.85rem}ul{padding-left:1.2rem}a{color:#0645ad}\
@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}.kicker,.subtitle{color:#aaa}a{color:#8ab4f8}}";

/// Links in the page are relative, so it works wherever the folder is served.
pub fn index_html(main: &Feed, taxonomies: &[Listed]) -> String {
    let title = escape(&main.title);
    let mut out = String::with_capacity(4096 + main.items.len() * 512);
    out.push_str("<!DOCTYPE html>\n");
    match &main.language {
        Some(lang) => out.push_str(&format!("<html lang=\"{}\">\n", escape(lang))),
        None => out.push_str("<html>\n"),
    }
    out.push_str(
        "<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    out.push_str(&format!("<title>{title}</title>\n"));
    for format in Format::ALL {
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"{}\" title=\"{title} ({})\" href=\"{}\">\n",
            format.mime(),
            format.label(),
            format.file_name()
        ));
    }
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"));
    if main.description != main.title {
        out.push_str(&format!("<p>{}</p>\n", escape(&main.description)));
    }
    out.push_str("</header>\n<nav>\n<h2>订阅 Subscribe</h2>\n<ul>\n");
    out.push_str(&feed_item(&main.title, ""));
    for listed in taxonomies {
        out.push_str(&feed_item(&listed.title, &listed.folder));
    }
    out.push_str("</ul>\n</nav>\n<main>\n<h2>最新 Latest</h2>\n");
    for item in &main.items {
        match &item.lang {
            Some(lang) => out.push_str(&format!("<article lang=\"{}\">\n", escape(lang))),
            None => out.push_str("<article>\n"),
        }
        if let Some(kicker) = &item.kicker {
            out.push_str(&format!("<p class=\"kicker\">{}</p>\n", escape(kicker)));
        }
        out.push_str(&format!("<h3><a href=\"{}\">{}</a></h3>\n", escape(&item.link), escape(&item.title)));
        if let Some(subtitle) = &item.subtitle {
            out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape(subtitle)));
        }
        out.push_str(&format!(
            "<time datetime=\"{}\">{}</time>\n<p>{}</p>\n</article>\n",
            item.published.to_rfc3339(),
            shown_time(item.published),
            escape(&item.summary)
        ));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A moment as a person reads it: the date, and the time of day unless it
/// is midnight (a story dated without a time is not shown as "00:00").
fn shown_time(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::Timelike;
    if at.num_seconds_from_midnight() == 0 {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

fn feed_item(title: &str, folder: &str) -> String {
    let links: Vec<String> = Format::ALL
        .iter()
        .map(|f| format!("<a href=\"{}\">{}</a>", escape(&feed_url(folder, *f)), f.label()))
        .collect();
    format!("<li>{} — {}</li>\n", escape(title), links.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_without_a_time_is_shown_without_one() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("date");
        assert_eq!(shown_time(at("2024-03-07T00:00:00+08:00")), "2024-03-07");
        assert_eq!(shown_time(at("2024-03-07T15:30:00+08:00")), "2024-03-07 15:30");
        assert_eq!(shown_time(at("2024-03-07T00:00:01+08:00")), "2024-03-07 00:00", "a real time, shown");
    }
}
