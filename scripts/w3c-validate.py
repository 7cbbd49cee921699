#!/usr/bin/env python3
"""The W3C Feed Validator on feedsmith's RSS and Atom files, strictly.

usage: scripts/w3c-validate.py VALIDATOR_DIR FILE...

VALIDATOR_DIR holds the validator's `feedvalidator` package (it is not part
of this repository). Every error fails a file, and so does every warning
except the two below, each allowed only in the case that is no defect:

  DuplicateUpdated   two entries with the same atom:updated: two stories
                     dated, or changed, at the same moment (two date-only
                     stories of one day, a tie the fixtures hold on
                     purpose). Every `updated` is the newsroom's date or
                     the moment an edit was seen; moving one to make them
                     differ would publish a time that is not true.
  ContainsRelRef     only for a link to a fragment (`#fn-…`): footnote
                     references, which must stay inside the item to work
                     in a reader; every other URL is made absolute.

Prints one line per file (OK, or FAIL with each message). Exit 0 when every
file passes, 1 when one does not, 2 on a usage or setup problem.
"""
import os
import re
import sys


def allowed(kind, event):
    if kind == "DuplicateUpdated":
        return True
    if kind == "ContainsRelRef":
        return str(event.params.get("value", "")).startswith("#")
    return False


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.abspath(argv[0]))
    try:
        import feedvalidator
        from feedvalidator import compatibility
        from feedvalidator.formatter.text_plain import Formatter
        from feedvalidator.logging import Error, ValidationFailure, Warning
    except ImportError as e:
        print(f"w3c-validate: cannot load the validator from {argv[0]}: {e}", file=sys.stderr)
        return 2
    failed = 0
    for path in argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        head = data[:2000]
        atom = b"http://www.w3.org/2005/Atom" in head and b"<rss" not in head
        content_type = "application/atom+xml" if atom else "application/rss+xml"
        # The document's location is its own self link, as a subscriber sees it.
        self_link = re.search(rb'<(?:atom:)?link[^>]*rel="self"[^>]*>', data)
        href = re.search(rb'href="([^"]+)"', self_link.group(0)) if self_link else None
        base = href.group(1).decode() if href else "file://" + os.path.abspath(path)
        with open(path, "rb") as f:
            try:
                events = feedvalidator.validateStream(f, firstOccurrenceOnly=0, contentType=content_type, base=base)[
                    "loggedEvents"
                ]
            except ValidationFailure as failure:
                events = [failure.event]
        events = compatibility.AA(events)
        formatter = Formatter(events)
        problems = []
        allowances = 0
        for event in events:
            kind = type(event).__name__
            if isinstance(event, Error):
                problems.append(f"error: {formatter.format(event)} ({kind})")
            elif isinstance(event, Warning):
                if allowed(kind, event):
                    allowances += 1
                else:
                    problems.append(f"warning: {formatter.format(event)} ({kind})")
        if problems:
            failed += 1
            print(f"FAIL {path}")
            for problem in problems:
                print(f"  - {problem}")
        else:
            note = f" ({allowances} allowed warning{'s' if allowances != 1 else ''})" if allowances else ""
            print(f"OK   {path}: W3C Feed Validator{note}")
    print(f"w3c-validate: {len(argv) - 1} files checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
