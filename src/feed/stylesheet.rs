//! `feed.xsl`: the XSLT 1.0 stylesheet that `rss.xml` and `atom.xml` name
//! in an `<?xml-stylesheet?>` instruction, so a person who opens a feed in
//! a browser reads a page — what a feed is, how to subscribe, the newest
//! stories — instead of code. Feed readers ignore the instruction.
//! Written in the site's language; the feed itself supplies every title,
//! link and date, so one stylesheet serves every feed of the site (pure).

use crate::article::text::escape;

/// The stylesheet's file name, at the top of the output folder.
pub const FILE_NAME: &str = "feed.xsl";

/// The `href` a feed in `folder` (relative to the output folder, `""` or
/// ending in `/`) gives the stylesheet: relative, so it is fetched from
/// wherever the feed itself was (browsers apply only same-origin XSLT).
pub fn href(folder: &str) -> String {
    let depth = folder.split('/').filter(|s| !s.is_empty()).count();
    format!("{}{FILE_NAME}", "../".repeat(depth))
}

/// The processing instruction that names the stylesheet, for the line
/// after the XML declaration.
pub fn instruction(href: &str) -> String {
    format!("<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>", escape(href))
}

/// Puts [`instruction`] right after the XML declaration of `xml` (first,
/// when there is none).
pub fn insert_instruction(xml: &mut String, href: &str) {
    let instruction = instruction(href);
    match xml.starts_with("<?xml ").then(|| xml.find("?>")).flatten() {
        Some(end) => xml.insert_str(end + 2, &format!("\n{instruction}")),
        None => xml.insert_str(0, &format!("{instruction}\n")),
    }
}

/// The page's words: Chinese for `zh…`, English otherwise.
struct Words {
    lang: &'static str,
    badge: &'static str,
    what: &'static str,
    how: &'static str,
    address: &'static str,
    latest: &'static str,
    home: &'static str,
    none: &'static str,
}

const CHINESE: Words = Words {
    lang: "zh-CN",
    badge: "订阅源",
    what: "这是一个新闻订阅源（RSS / Atom）：阅读器用它自动收取新稿件，不必天天打开网站。",
    how: "订阅方法：把下面的网址复制到阅读器（如 NetNewsWire、Feedly、Inoreader）中，有新稿件时阅读器会自动收到。",
    address: "本订阅源的网址",
    latest: "最新稿件",
    home: "返回网站",
    none: "暂无稿件。",
};

const ENGLISH: Words = Words {
    lang: "en",
    badge: "Feed",
    what: "This is a news feed (RSS / Atom): feed readers use it to collect new stories as they are published.",
    how: "To subscribe, copy the address below into a feed reader (NetNewsWire, Feedly, Inoreader…); new stories will reach you there.",
    address: "This feed's address",
    latest: "Latest stories",
    home: "Go to the site",
    none: "No stories yet.",
};

const STYLE: &str = "body{font:16px/1.7 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222;background:#fff}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}\
.badge{display:inline-block;margin:0;padding:0 .5rem;border-radius:.3rem;background:#f60;color:#fff;font-size:.85rem}\
.about{background:#f4f6f8;border-radius:.4rem;padding:.6rem 1rem}.about p{margin:.4rem 0}\
code{display:block;overflow-wrap:anywhere;background:#fff;border:1px solid #ccd;border-radius:.3rem;padding:.3rem .5rem;user-select:all}\
article{margin:1.2rem 0}article h3{font-size:1.15rem;margin:.1rem 0}.kicker,.subtitle{margin:0;color:#555;font-size:.95rem}\
time{color:#777;font-size:.85rem}article p.summary{margin:.2rem 0}a{color:#0645ad}\
@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}.about{background:#1c1f24}code{background:#111;border-color:#444}.kicker,.subtitle{color:#aaa}a{color:#8ab4f8}}";

/// The stylesheet for a site whose `language` is this.
pub fn stylesheet(language: Option<&str>) -> String {
    let w = if super::index_page::is_chinese(language) { &CHINESE } else { &ENGLISH };
    let lang = escape(language.unwrap_or(w.lang));
    let (badge, what, how, address, latest, home, none) = (w.badge, w.what, w.how, w.address, w.latest, w.home, w.none);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by feedsmith: shows its RSS and Atom feeds as a page when they
     are opened in a browser. Feed readers ignore it. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    exclude-result-prefixes="atom content">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title">
    <xsl:call-template name="text">
      <xsl:with-param name="node" select="/rss/channel/title | /atom:feed/atom:title"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="about">
    <xsl:call-template name="text">
      <xsl:with-param name="node" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
    </xsl:call-template>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="{lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> · {badge}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <header>
          <p class="badge">{badge}</p>
          <h1><xsl:value-of select="$title"/></h1>
          <xsl:if test="string($about) and string($about) != string($title)">
            <p><xsl:value-of select="$about"/></p>
          </xsl:if>
        </header>
        <section class="about">
          <p>{what}</p>
          <p>{how}</p>
          <p><strong>{address}</strong></p>
          <code><xsl:value-of select="$self"/></code>
        </section>
        <main>
          <h2>{latest}</h2>
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          <xsl:if test="not(/rss/channel/item | /atom:feed/atom:entry)">
            <p>{none}</p>
          </xsl:if>
        </main>
        <footer>
          <p><a href="{{$home}}">{home}</a></p>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <xsl:call-template name="story">
      <xsl:with-param name="link" select="link"/>
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="html" select="content:encoded"/>
      <xsl:with-param name="summary">
        <!-- RSS descriptions are HTML: the summary arrives escaped once more. -->
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="description"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="when">
        <xsl:call-template name="rfc822">
          <xsl:with-param name="date" select="pubDate"/>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:call-template name="story">
      <xsl:with-param name="link" select="atom:link[@rel='alternate']/@href | atom:link[not(@rel)]/@href"/>
      <xsl:with-param name="title">
        <xsl:call-template name="text">
          <xsl:with-param name="node" select="atom:title"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="html" select="atom:content[@type='html']"/>
      <xsl:with-param name="summary">
        <xsl:call-template name="text">
          <xsl:with-param name="node" select="atom:summary"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="when" select="concat(substring(atom:published, 1, 10), ' ', substring(atom:published, 12, 8))"/>
    </xsl:call-template>
  </xsl:template>

  <!-- One story: kicker and subtitle come from the header block that starts
       its content (p.kicker, p.subtitle), when the feed carries content. -->
  <xsl:template name="story">
    <xsl:param name="link"/>
    <xsl:param name="title"/>
    <xsl:param name="html"/>
    <xsl:param name="summary"/>
    <xsl:param name="when"/>
    <xsl:variable name="head" select="substring-before($html, '&lt;/header&gt;')"/>
    <article>
      <xsl:call-template name="part">
        <xsl:with-param name="head" select="$head"/>
        <xsl:with-param name="class" select="'kicker'"/>
      </xsl:call-template>
      <h3><a href="{{$link}}"><xsl:value-of select="$title"/></a></h3>
      <xsl:call-template name="part">
        <xsl:with-param name="head" select="$head"/>
        <xsl:with-param name="class" select="'subtitle'"/>
      </xsl:call-template>
      <time>
        <xsl:choose>
          <!-- A story dated without a time is not shown at 00:00. -->
          <xsl:when test="substring($when, 12) = '00:00:00'"><xsl:value-of select="substring($when, 1, 10)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="substring($when, 1, 16)"/></xsl:otherwise>
        </xsl:choose>
      </time>
      <xsl:if test="string($summary)">
        <p class="summary"><xsl:value-of select="$summary"/></p>
      </xsl:if>
    </article>
  </xsl:template>

  <xsl:template name="part">
    <xsl:param name="head"/>
    <xsl:param name="class"/>
    <xsl:variable name="open" select="concat('&lt;p class=&quot;', $class, '&quot;&gt;')"/>
    <xsl:if test="contains($head, $open)">
      <p class="{{$class}}">
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="substring-before(substring-after($head, $open), '&lt;/p&gt;')"/>
        </xsl:call-template>
      </p>
    </xsl:if>
  </xsl:template>

  <!-- "Thu, 07 Mar 2024 15:00:00 +0800" as "2024-03-07 15:00:00". -->
  <xsl:template name="rfc822">
    <xsl:param name="date"/>
    <xsl:variable name="d" select="normalize-space(substring-after($date, ','))"/>
    <xsl:variable name="day" select="substring-before($d, ' ')"/>
    <xsl:variable name="rest" select="substring-after($d, ' ')"/>
    <xsl:variable name="month" select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', substring($rest, 1, 3))) div 3 + 1"/>
    <xsl:value-of select="concat(substring($rest, 5, 4), '-', format-number($month, '00'), '-', format-number($day, '00'), ' ', substring($rest, 10, 8))"/>
  </xsl:template>

  <!-- An Atom text construct as text: one holding < or & is sent as
       escaped HTML. -->
  <xsl:template name="text">
    <xsl:param name="node"/>
    <xsl:choose>
      <xsl:when test="$node/@type = 'html'">
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="string($node)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$node"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Text that was HTML-escaped, as the text itself. -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="after" select="substring-after($text, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="starts-with($after, 'amp;')">&amp;</xsl:when>
          <xsl:when test="starts-with($after, 'lt;')">&lt;</xsl:when>
          <xsl:when test="starts-with($after, 'gt;')">&gt;</xsl:when>
          <xsl:when test="starts-with($after, 'quot;')">"</xsl:when>
          <xsl:when test="starts-with($after, '#39;')">'</xsl:when>
          <xsl:when test="starts-with($after, '#x27;')">'</xsl:when>
          <xsl:otherwise>&amp;</xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="unescape">
          <xsl:with-param name="text">
            <xsl:choose>
              <xsl:when test="contains($after, ';') and string-length(substring-before($after, ';')) &lt;= 4">
                <xsl:value-of select="substring-after($after, ';')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="$after"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feed_finds_the_stylesheet_at_the_top_of_the_output_folder() {
        assert_eq!(href(""), "feed.xsl");
        assert_eq!(href("tags/ba-ba-zhan-lue/"), "../../feed.xsl");
        assert_eq!(href("archive/2024-03/"), "../../feed.xsl");
    }

    #[test]
    fn the_instruction_follows_the_xml_declaration() {
        let mut xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss/>\n".to_owned();
        insert_instruction(&mut xml, "../../feed.xsl");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"../../feed.xsl\"?>\n<rss/>\n"
        );
        let mut bare = "<rss/>".to_owned();
        insert_instruction(&mut bare, "feed.xsl");
        assert_eq!(bare, "<?xml-stylesheet type=\"text/xsl\" href=\"feed.xsl\"?>\n<rss/>");
    }

    #[test]
    fn the_stylesheet_is_well_formed_xml_in_the_site_language() {
        for (language, word) in [(Some("zh-CN"), "最新稿件"), (Some("en"), "Latest stories"), (None, "Latest stories")]
        {
            let xsl = stylesheet(language);
            assert!(xsl.contains(word), "{language:?}");
            let doc = roxmltree::Document::parse(&xsl).unwrap_or_else(|e| panic!("{language:?}: {e}"));
            assert_eq!(doc.root_element().tag_name().name(), "stylesheet");
        }
        assert!(stylesheet(Some("zh-TW")).contains("lang=\"zh-TW\""), "the site's own tag");
    }
}
