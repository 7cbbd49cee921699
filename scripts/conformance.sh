#!/usr/bin/env bash
# Conformance check of feedsmith's output folders.
#
#   scripts/conformance.sh DIR...
#
# Finds every rss.xml, atom.xml and feed.json under each DIR (recursively:
# tags/<term>/, categories/<term>/, archive/YYYY-MM/, ...) and checks each
# against its specification (see scripts/conformance.py for the rules):
#   atom.xml   xmllint --relaxng schemas/atom.rng (RFC 4287) + RFC rules
#   rss.xml    xmllint well-formedness + RSS 2.0 rules
#   feed.json  schemas/jsonfeed-1.1.schema.json (JSON Schema) + version
#   all        Python feedparser: bozo == 0, entries > 0, each with id+title
# Prints one OK line per good file, FAIL and the problems per bad one.
# Exit status: 0 all good; 1 some file failed (or a DIR has no feeds);
# 2 usage or setup error.
#
# Installs what it lacks: xmllint (Debian libxml2-utils) and the Python
# packages feedparser and jsonschema (pip; Debian's python3-* as fallback).
# Set PYTHON to use another interpreter than python3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"

usage() {
    echo "usage: scripts/conformance.sh DIR..." >&2
    echo "checks every rss.xml, atom.xml and feed.json under each DIR" >&2
    exit 2
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "conformance: need root for: $*" >&2
        return 1
    fi
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y -q "$@" >/dev/null; then
        echo "conformance: apt-get install failed; running apt-get update and retrying" >&2
        as_root apt-get update -q >/dev/null
        as_root apt-get install -y -q "$@" >/dev/null
    fi
}

ensure_tools() {
    if ! command -v xmllint >/dev/null 2>&1; then
        echo "conformance: installing xmllint (libxml2-utils)" >&2
        apt_install libxml2-utils
    fi
    if ! "$PYTHON" -c 'import feedparser, jsonschema' >/dev/null 2>&1; then
        echo "conformance: installing feedparser and jsonschema" >&2
        export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
        "$PYTHON" -m pip install -q feedparser jsonschema 2>/dev/null \
            || "$PYTHON" -m pip install -q --break-system-packages feedparser jsonschema \
            || apt_install python3-feedparser python3-jsonschema \
            || true
        if ! "$PYTHON" -c 'import feedparser, jsonschema' >/dev/null 2>&1; then
            echo "conformance: could not install feedparser and jsonschema for $PYTHON" >&2
            exit 2
        fi
    fi
}

[ "$#" -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac

ensure_tools

files=()
missing=0
for dir in "$@"; do
    if [ ! -d "$dir" ]; then
        echo "FAIL $dir: not a directory" >&2
        missing=1
        continue
    fi
    found=()
    while IFS= read -r -d '' f; do
        found+=("$f")
    done < <(find "$dir" -type f \( -name rss.xml -o -name atom.xml -o -name feed.json \) -print0 | LC_ALL=C sort -z)
    if [ "${#found[@]}" -eq 0 ]; then
        echo "FAIL $dir: no rss.xml, atom.xml or feed.json found in it" >&2
        missing=1
        continue
    fi
    files+=("${found[@]}")
done

status=0
if [ "${#files[@]}" -gt 0 ]; then
    "$PYTHON" "$here/conformance.py" "${files[@]}" || status=$?
fi
if [ "$status" -eq 0 ] && [ "$missing" -ne 0 ]; then
    status=1
fi
exit "$status"
