#!/usr/bin/env python3
"""Small helpers for scripts/serve-conformance.sh and bench/http.sh (stdlib only).

    helpers.py freeport                   a free TCP port on 127.0.0.1
    helpers.py links DOM.html             <link rel="alternate"> as TYPE<TAB>HREF lines
    helpers.py anchors DOM.html           every <a href> that is relative (one per line)
    helpers.py rss-titles RSS.xml         the <item><title>s of an RSS 2.0 file, one per line
    helpers.py atom-titles ATOM.xml       the <entry><title>s of an Atom file, one per line
    helpers.py newsboat-titles DB URL     the titles newsboat's cache holds for feed URL
    helpers.py png-size FILE.png          WIDTHxHEIGHT of a PNG
    helpers.py head-body-bytes URL        bytes a server sends after the headers of a HEAD
"""

import html.parser
import socket
import sqlite3
import struct
import sys
import urllib.parse
import xml.etree.ElementTree as ET


def freeport():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


class Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.anchors = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "alternate" in (a.get("rel") or "").lower().split():
            self.links.append((a.get("type") or "", a.get("href") or ""))
        if tag == "a" and a.get("href"):
            href = a["href"]
            if "://" not in href and not href.startswith(("//", "#", "mailto:")):
                self.anchors.append(href)


def parse_dom(path):
    c = Collect()
    with open(path, encoding="utf-8") as f:
        c.feed(f.read())
    return c


def head_body_bytes(url):
    """HEAD over a raw socket (Connection: close): curl never reads a HEAD body."""
    u = urllib.parse.urlsplit(url)
    with socket.create_connection((u.hostname, u.port or 80), timeout=10) as s:
        s.sendall(f"HEAD {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        sys.exit(f"no end of headers in the answer to HEAD {url}")
    print(len(rest))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "freeport":
        freeport()
    elif cmd == "links":
        for kind, href in parse_dom(argv[2]).links:
            print(f"{kind}\t{href}")
    elif cmd == "anchors":
        for href in parse_dom(argv[2]).anchors:
            print(href)
    elif cmd == "rss-titles":
        for item in ET.parse(argv[2]).getroot().iter("item"):
            print((item.findtext("title") or "").strip())
    elif cmd == "atom-titles":
        ns = "{http://www.w3.org/2005/Atom}"
        for entry in ET.parse(argv[2]).getroot().iter(ns + "entry"):
            print((entry.findtext(ns + "title") or "").strip())
    elif cmd == "newsboat-titles":
        db = sqlite3.connect(argv[2])
        for (title,) in db.execute("SELECT title FROM rss_item WHERE feedurl = ? ORDER BY id", (argv[3],)):
            print(title.strip())
    elif cmd == "png-size":
        with open(argv[2], "rb") as f:
            head = f.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            sys.exit(f"{argv[2]}: not a PNG")
        w, h = struct.unpack(">II", head[16:24])
        print(f"{w}x{h}")
    elif cmd == "head-body-bytes":
        head_body_bytes(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
