#!/usr/bin/env python3
"""Conformance checks for the feeds feedsmith writes.

Usage: conformance.py FILE...   (normally run through scripts/conformance.sh)

Each FILE is named rss.xml, atom.xml or feed.json and is checked against its
format's specification:

  every file   Python feedparser reads it without error (bozo == 0), finds
               at least one entry, and every entry has an id and a title.
  atom.xml     xmllint against schemas/atom.rng (RFC 4287, Appendix B), plus
               the rules that schema cannot express: the RFC's two Schematron
               rules (authors; alternate link or content), RFC 3339 dates
               with an offset, absolute atom:id, summary where required,
               no duplicate alternate links.
  rss.xml      xmllint well-formedness, plus the RSS 2.0 rules: channel
               title/link/description, item title or description, RFC 822
               dates with a numeric zone offset, guid/isPermaLink, e-mail in
               author/managingEditor/webMaster, enclosure attributes.
  feed.json    schemas/jsonfeed-1.1.schema.json (JSON Schema 2020-12), the
               1.1 version URL, unique item ids, next_url != feed_url.

Prints "OK   FILE (...)" per good file and "FAIL FILE" followed by one
"  - problem" line per problem; exits 1 if any file failed, 2 on a usage or
setup error.
"""

import calendar
import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

try:
    import feedparser
    import jsonschema
except ImportError as err:  # conformance.sh installs them
    sys.exit(f"conformance: {err}; run scripts/conformance.sh, which installs it")

ROOT = Path(__file__).resolve().parent.parent
ATOM_RNG = ROOT / "schemas" / "atom.rng"
JSONFEED_SCHEMA = ROOT / "schemas" / "jsonfeed-1.1.schema.json"

ATOM = "{http://www.w3.org/2005/Atom}"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"

# Released feedparser (6.0.x) reads RSS and Atom only; JSON Feed support
# exists in its development line. Use it when the installed one has it.
FEEDPARSER_READS_JSON = importlib.util.find_spec("feedparser.parsers.json") is not None


class Problems(list):
    """The problems found in one file."""

    def add(self, message):
        self.append(message)


# --------------------------------------------------------------- helpers


def short(text, limit=60):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_of(elem):
    return "" if elem is None else "".join(elem.itertext())


# An absolute URI/IRI: scheme, then no whitespace, controls or characters
# RFC 3986/3987 never allow, and well-formed %-escapes.
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
BAD_URI_CHAR_RE = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')
BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_absolute_uri(value):
    if not isinstance(value, str) or not SCHEME_RE.match(value):
        return False
    if BAD_URI_CHAR_RE.search(value) or BAD_PERCENT_RE.search(value):
        return False
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return False
    return True


def is_http_url(value):
    return (
        is_absolute_uri(value)
        and urlsplit(value).scheme.lower() in ("http", "https")
        and bool(urlsplit(value).hostname)
    )


# RFC 3339 date-time. Atom (RFC 4287 section 3.3) also demands an uppercase
# "T" and "Z"; RFC 3339 itself allows lowercase.
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})([Tt])(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"([Zz]|([+-])(\d{2}):(\d{2}))$"
)


def rfc3339_problem(value, uppercase=False):
    """None if value is an RFC 3339 date-time with a zone, else the reason."""
    m = RFC3339_RE.match(value or "")
    if not m:
        return "is not an RFC 3339 date-time with a zone offset (like 2024-03-07T15:00:00+08:00)"
    year, month, day, t, hour, minute, second = m.group(1, 2, 3, 4, 5, 6, 7)
    try:
        # Second 60 is a leap second, which datetime cannot hold.
        dt.datetime(int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59))
    except ValueError as err:
        return f"is not a real date-time ({err})"
    if m.group(10) and (int(m.group(11)) > 23 or int(m.group(12)) > 59):
        return "has an impossible zone offset"
    if uppercase and (t != "T" or m.group(9) == "z"):
        return "must use an uppercase 'T' and 'Z' (RFC 4287 section 3.3)"
    return None


# RFC 822 date-time as RSS 2.0 uses it (the year may have 2 or 4 digits),
# restricted to a numeric zone: zone names such as GMT, EST or CST are
# ambiguous or wrong for most of the world and are rejected.
MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RFC822_RE = re.compile(
    r"^(?:(?P<dow>[A-Za-z]{3}), )?(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3}) (?P<year>\d{4}|\d{2}) "
    r"(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))? (?P<zone>\S+)$"
)


def rfc822_problem(value):
    """None if value is an RFC 822 date-time with a numeric offset, else the reason."""
    m = RFC822_RE.match(value or "")
    if not m:
        return "is not an RFC 822 date-time (like 'Thu, 07 Mar 2024 15:00:00 +0800')"
    zone = m.group("zone")
    if not re.fullmatch(r"[+-]\d{4}", zone):
        if re.fullmatch(r"[A-Za-z]{1,5}", zone):
            return f"uses the zone abbreviation '{zone}'; write a numeric offset like +0800"
        return f"has an invalid zone '{zone}'; write a numeric offset like +0800"
    if int(zone[1:3]) > 23 or int(zone[3:5]) > 59:
        return f"has an impossible zone offset '{zone}'"
    if m.group("mon") not in MONTHS:
        return f"has an unknown month '{m.group('mon')}' (Jan, Feb, ... Dec)"
    year = int(m.group("year"))
    if year < 100:
        year += 1900 if year >= 50 else 2000
    try:
        when = dt.datetime(
            year, MONTHS[m.group("mon")], int(m.group("day")),
            int(m.group("h")), int(m.group("m")), min(int(m.group("s") or 0), 59),
        )
    except ValueError as err:
        return f"is not a real date-time ({err})"
    dow = m.group("dow")
    if dow is not None:
        if dow not in DAYS:
            return f"has an unknown day of week '{dow}' (Mon, Tue, ... Sun)"
        if DAYS[when.weekday()] != dow:
            return f"says {dow} but that date is a {DAYS[when.weekday()]}"
    return None


# "someone@example.com" or "someone@example.com (Some One)", as RSS wants.
EMAIL_RE = re.compile(r"^[^@\s()<>]+@[^@\s()<>]+\.[^@\s()<>]+(\s+\(.*\))?$")


def run_xmllint(args, path, problems):
    try:
        result = subprocess.run(
            ["xmllint", "--noout", *args, str(path)],
            capture_output=True, text=True, errors="replace",
        )
    except FileNotFoundError:
        sys.exit("conformance: xmllint not found; run scripts/conformance.sh, which installs it")
    if result.returncode != 0:
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        if len(lines) > 15:
            lines = lines[:15] + [f"... ({len(lines) - 15} more lines)"]
        what = "RELAX NG (RFC 4287) validation" if args else "well-formedness"
        problems.add(f"xmllint {what} failed:\n      " + "\n      ".join(lines))
        return False
    return True


# ------------------------------------------------------------ feedparser


def check_feedparser(path, data, problems, kind):
    """bozo must be 0; at least one entry; every entry has id and title."""
    if kind == "json" and not FEEDPARSER_READS_JSON:
        # Same rules, read directly (feedparser 6.0.x has no JSON Feed reader).
        try:
            doc = json.loads(data)
        except ValueError:
            return 0  # reported by check_json
        items = doc.get("items") if isinstance(doc, dict) else None
        entries = [
            {"id": i.get("id"), "title": i.get("title")} if isinstance(i, dict) else {}
            for i in (items if isinstance(items, list) else [])
        ]
    else:
        headers = {"content-type": "application/feed+json"} if kind == "json" else {}
        parsed = feedparser.parse(data, response_headers=headers)
        if parsed.bozo:
            exc = parsed.get("bozo_exception")
            problems.add(f"feedparser: bozo=1: {type(exc).__name__}: {exc}")
        entries = parsed.entries
    if not entries:
        problems.add("feedparser: the feed has no entries")
    for n, entry in enumerate(entries, 1):
        label = f"entry {n}" + (f" ({short(entry.get('title'))!r})" if entry.get("title") else "")
        if not entry.get("id"):
            problems.add(f"feedparser: {label} has no id")
        if not entry.get("title"):
            problems.add(f"feedparser: {label} has no title")
    return len(entries)


# --------------------------------------------------- RFC 5005 (history)

FH = "{http://purl.org/syndication/history/1.0}"


def check_history(container, link_tag, problems):
    """RFC 5005, as the W3C validator checks it: an archive document
    (fh:archive) must not also be fh:incomplete, must link its neighbours
    (prev-archive or next-archive) or be marked fh:complete
    (ArchiveIncomplete), and must link its subscription feed with
    rel="current" unless complete (MissingCurrentInArchive); a complete
    document links no other document of the feed (FeedRelInCompleteFeed);
    archive links must be absolute http(s) URLs."""
    links = {l.get("rel"): l.get("href") for l in container.findall(link_tag)}
    complete = container.find(FH + "complete") is not None
    if container.find(FH + "archive") is not None:
        if container.find(FH + "incomplete") is not None:
            problems.add("fh:archive together with fh:incomplete (ArchiveIncomplete)")
        if not complete and not (links.get("prev-archive") or links.get("next-archive")):
            problems.add("archive document with no prev-archive or next-archive link, not fh:complete (ArchiveIncomplete)")
        if not complete and not links.get("current"):
            problems.add("archive document without a rel=\"current\" link (MissingCurrentInArchive)")
    if complete:
        for rel in ("current", "prev-archive", "next-archive"):
            if rel in links:
                problems.add(f"fh:complete document with a rel=\"{rel}\" link (FeedRelInCompleteFeed)")
    for rel in ("current", "prev-archive", "next-archive"):
        if rel in links and not is_http_url(links[rel] or ""):
            problems.add(f"rel=\"{rel}\" link {links[rel]!r} is not an absolute http(s) URL")


# ------------------------------------------------------------------ Atom


def check_atom(path, problems):
    run_xmllint(["--relaxng", str(ATOM_RNG)], path, problems)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return  # xmllint has reported it
    if root.tag == ATOM + "feed":
        feed_has_author = root.find(ATOM + "author") is not None
        check_atom_container(root, "feed", problems)
        check_history(root, ATOM + "link", problems)
        for n, entry in enumerate(root.findall(ATOM + "entry"), 1):
            check_atom_entry(entry, n, feed_has_author, problems)
    elif root.tag == ATOM + "entry":
        check_atom_entry(root, 1, False, problems)
    else:
        problems.add(f"root element is {root.tag}, not an Atom feed or entry")


def check_atom_container(elem, label, problems):
    """Rules shared by feed, entry and source."""
    for tag in ("updated", "published"):
        for date in elem.findall(ATOM + tag):
            # xsd:dateTime collapses surrounding whitespace; RFC 3339 has none.
            why = rfc3339_problem(text_of(date).strip(), uppercase=True)
            if why:
                problems.add(f"{label}: atom:{tag} {text_of(date)!r} {why}")
    for ident in elem.findall(ATOM + "id"):
        value = text_of(ident).strip()
        if not is_absolute_uri(value):
            problems.add(f"{label}: atom:id {value!r} is not an absolute IRI (RFC 4287 section 4.2.6)")
    alternates = set()
    for link in elem.findall(ATOM + "link"):
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in alternates:
                problems.add(
                    f"{label}: more than one alternate link with type={key[0]!r} "
                    f"hreflang={key[1]!r} (RFC 4287 section 4.1.1)"
                )
            alternates.add(key)


def is_xml_media_type(media_type):
    base = media_type.split(";")[0].strip().lower()
    return base in ("text/xml", "application/xml") or base.endswith("+xml") or base.endswith("/xml")


def check_atom_entry(entry, n, feed_has_author, problems):
    title = text_of(entry.find(ATOM + "title"))
    label = f"entry {n}" + (f" ({short(title)!r})" if title.strip() else "")
    check_atom_container(entry, label, problems)
    source = entry.find(ATOM + "source")
    if source is not None:
        check_atom_container(source, f"{label} atom:source", problems)

    # Schematron rule 1 of RFC 4287 Appendix B.
    has_alternate = any(l.get("rel", "alternate") == "alternate" for l in entry.findall(ATOM + "link"))
    content = entry.find(ATOM + "content")
    if not has_alternate and content is None:
        problems.add(f"{label}: needs an alternate atom:link or an atom:content (RFC 4287 section 4.1.2)")
    # Schematron rule 2 (also the feed-level one).
    has_author = entry.find(ATOM + "author") is not None or (
        source is not None and source.find(ATOM + "author") is not None
    )
    if not (has_author or feed_has_author):
        problems.add(f"{label}: has no atom:author and neither has the feed (RFC 4287 sections 4.1.1, 4.1.2)")
    # Section 4.1.1.1: out-of-line or Base64 content needs a summary.
    if content is not None and entry.find(ATOM + "summary") is None:
        ctype = content.get("type", "text")
        if content.get("src") is not None:
            problems.add(f"{label}: atom:content has src, so atom:summary is required (RFC 4287 section 4.1.2)")
        elif ctype not in ("text", "html", "xhtml") and not (
            is_xml_media_type(ctype) or ctype.lower().startswith("text/")
        ):
            problems.add(f"{label}: Base64 atom:content ({ctype}) requires atom:summary (RFC 4287 section 4.1.2)")


# ------------------------------------------------------------------- RSS

ATOM_LINK = ATOM + "link"

REQUIRED_CHILDREN = {
    "image": ("url", "title", "link"),
    "textInput": ("title", "description", "name", "link"),
}


def check_rss(path, problems):
    if not run_xmllint([], path, problems):
        return
    root = ET.parse(path).getroot()
    if root.tag != "rss":
        problems.add(f"root element is <{root.tag}>, not <rss>")
        return
    if root.get("version") != "2.0":
        problems.add(f"<rss version={root.get('version')!r}>: must be \"2.0\"")
    channels = root.findall("channel")
    if len(channels) != 1:
        problems.add(f"<rss> must contain exactly one <channel>, found {len(channels)}")
        return
    channel = channels[0]
    check_history(channel, ATOM + "link", problems)

    for tag in ("title", "link", "description"):
        found = channel.findall(tag)
        if not found:
            problems.add(f"channel: required <{tag}> is missing")
        elif len(found) > 1:
            problems.add(f"channel: <{tag}> appears {len(found)} times")
    if channel.find("title") is not None and not text_of(channel.find("title")).strip():
        problems.add("channel: <title> is empty")
    link = channel.find("link")
    if link is not None and not is_http_url(text_of(link).strip()):
        problems.add(f"channel: <link> {text_of(link)!r} is not an absolute http(s) URL")
    check_rss_common(channel, "channel", problems)
    for tag in ("managingEditor", "webMaster"):
        check_email(channel.find(tag), "channel", problems)
    ttl = channel.find("ttl")
    if ttl is not None and not text_of(ttl).strip().isdigit():
        problems.add(f"channel: <ttl> {text_of(ttl)!r} is not a number of minutes")
    for tag, required in REQUIRED_CHILDREN.items():
        for elem in channel.findall(tag):
            for child in required:
                if not text_of(elem.find(child)).strip():
                    problems.add(f"channel: <{tag}> lacks a <{child}>")
    selfs = [l for l in channel.findall(ATOM_LINK) if l.get("rel") == "self"]
    if len(selfs) > 1:
        problems.add("channel: more than one atom:link rel=\"self\"")
    for l in channel.findall(ATOM_LINK):
        if not is_absolute_uri(l.get("href", "")):
            problems.add(f"channel: atom:link rel={l.get('rel')!r} href {l.get('href')!r} is not an absolute URL")

    for n, item in enumerate(channel.findall("item"), 1):
        title = text_of(item.find("title"))
        label = f"item {n}" + (f" ({short(title)!r})" if title.strip() else "")
        if not title.strip() and not text_of(item.find("description")).strip():
            problems.add(f"{label}: needs a <title> or a <description>")
        check_rss_common(item, label, problems)
        link = item.find("link")
        if link is not None and not is_absolute_uri(text_of(link).strip()):
            problems.add(f"{label}: <link> {text_of(link)!r} is not an absolute URL")
        check_guid(item, label, problems)
        for author in item.findall("author"):
            check_email(author, label, problems)
        for enclosure in item.findall("enclosure"):
            check_enclosure(enclosure, label, problems)
        for source in item.findall("source"):
            if not is_http_url(source.get("url", "")):
                problems.add(f"{label}: <source> needs a url attribute with an http(s) URL")
        comments = item.find("comments")
        if comments is not None and not is_absolute_uri(text_of(comments).strip()):
            problems.add(f"{label}: <comments> {text_of(comments)!r} is not an absolute URL")


def check_rss_common(elem, label, problems):
    for tag in ("pubDate", "lastBuildDate"):
        for date in elem.findall(tag):
            why = rfc822_problem(text_of(date))
            if why:
                problems.add(f"{label}: <{tag}> {text_of(date)!r} {why}")
    for category in elem.findall("category"):
        if not text_of(category).strip():
            problems.add(f"{label}: empty <category>")


def check_email(elem, label, problems):
    if elem is not None and not EMAIL_RE.match(text_of(elem).strip()):
        problems.add(
            f"{label}: <{elem.tag}> {text_of(elem)!r} must be an e-mail address "
            "('name@example.com (Name)'); use dc:creator for a plain name"
        )


def check_guid(item, label, problems):
    guids = item.findall("guid")
    if len(guids) > 1:
        problems.add(f"{label}: more than one <guid>")
    for guid in guids:
        value = text_of(guid).strip()
        permalink = guid.get("isPermaLink", "true")
        if permalink not in ("true", "false"):
            problems.add(f"{label}: <guid isPermaLink={permalink!r}> must be \"true\" or \"false\"")
        elif not value:
            problems.add(f"{label}: empty <guid>")
        elif permalink == "true" and not is_http_url(value):
            problems.add(
                f"{label}: <guid> {value!r} is a permalink (isPermaLink absent or true) "
                "but not an absolute http(s) URL; add isPermaLink=\"false\" or use a URL"
            )


def check_enclosure(enclosure, label, problems):
    url, length, mime = (enclosure.get(a) for a in ("url", "length", "type"))
    if not is_http_url(url or ""):
        problems.add(f"{label}: <enclosure url={url!r}> must be an absolute http(s) URL")
    if length is None:
        problems.add(f"{label}: <enclosure> lacks the required length attribute (bytes)")
    elif not length.isdigit():
        problems.add(f"{label}: <enclosure length={length!r}> must be a number of bytes")
    if mime is None:
        problems.add(f"{label}: <enclosure> lacks the required type attribute (a MIME type)")
    elif "/" not in mime:
        problems.add(f"{label}: <enclosure type={mime!r}> must be a MIME type")


# ------------------------------------------------------------- JSON Feed

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("uri")
def _uri(value):
    return not isinstance(value, str) or is_absolute_uri(value)


@FORMATS.checks("date-time")
def _date_time(value):
    return not isinstance(value, str) or rfc3339_problem(value) is None


def load_json_strictly(data):
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dups = sorted({k for k in keys if keys.count(k) > 1})
        if dups:
            raise ValueError(f"duplicate keys {dups}")
        return dict(pairs)

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError("starts with a byte-order mark (RFC 8259 forbids it)")
    return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants)


def schema_message(error):
    """jsonschema's message, made plainer for unknown keys."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        unknown = [k for k in error.instance if k not in known and not any(p.search(k) for p in patterns)]
        return (
            f"unknown key(s) {', '.join(map(repr, unknown))}: not a JSON Feed 1.1 key here, "
            "and extension keys must start with '_' and a letter, without '.'"
        )
    if error.validator == "anyOf" and all(
        set(sub) == {"required"} for sub in error.validator_value
    ):
        names = [name for sub in error.validator_value for name in sub["required"]]
        return f"needs at least one of {', '.join(names)}"
    return error.message


def check_json(path, data, problems):
    try:
        doc = load_json_strictly(data)
    except (ValueError, UnicodeDecodeError) as err:
        problems.add(f"not valid UTF-8 JSON: {err}")
        return
    schema = json.loads(JSONFEED_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(top level)"
        problems.add(f"JSON Feed schema: {where}: {schema_message(error)}")
    if not isinstance(doc, dict):
        return
    if doc.get("version") != JSONFEED_VERSION:
        problems.add(f"version is {doc.get('version')!r}, must be {JSONFEED_VERSION!r}")
    if doc.get("next_url") is not None and doc.get("next_url") == doc.get("feed_url"):
        problems.add("next_url must not equal feed_url (JSON Feed 1.1)")
    seen = set()
    for n, item in enumerate(doc.get("items") or [], 1):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                problems.add(f"items[{n - 1}]: id {item['id']!r} is used by an earlier item")
            seen.add(item["id"])


# ------------------------------------------------------------------ main

KINDS = {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json"}


def check_file(path):
    kind = KINDS[path.name]
    problems = Problems()
    data = path.read_bytes()
    if kind == "atom":
        check_atom(path, problems)
    elif kind == "rss":
        check_rss(path, problems)
    else:
        check_json(path, data, problems)
    count = check_feedparser(path, data, problems, kind)
    return kind, count, problems


def main(argv):
    if not argv or any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for schema in (ATOM_RNG, JSONFEED_SCHEMA):
        if not schema.is_file():
            print(f"conformance: schema {schema} is missing", file=sys.stderr)
            return 2
    failed = 0
    for arg in argv:
        path = Path(arg)
        if path.name not in KINDS or not path.is_file():
            print(f"FAIL {arg}\n  - not a file named rss.xml, atom.xml or feed.json")
            failed += 1
            continue
        kind, count, problems = check_file(path)
        if problems:
            failed += 1
            print(f"FAIL {arg}")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"OK   {arg} ({kind}, {count} entries)")
    print(f"conformance: {len(argv)} files checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
