#!/usr/bin/env bash
# The W3C Feed Validator on every rss.xml and atom.xml under each DIR
# (JSON Feed is not its business), strictly: see scripts/w3c-validate.py
# for the two warnings allowed, and when.
#
#   scripts/w3c-conformance.sh DIR...
#
# The validator is not part of this repository: it is looked for in
# W3C_FEEDVALIDATOR, else in ../shared/tools/w3c-feedvalidator beside the
# checkout; when it is in neither, a notice says so and the check is
# skipped (exit 0). Installs the Python packages it needs (html5lib,
# rdflib) with pip. Exit status: 0 all pass (or skipped); 1 a file fails;
# 2 usage or setup error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
[ "$#" -ge 1 ] || { echo "usage: scripts/w3c-conformance.sh DIR..." >&2; exit 2; }

validator="${W3C_FEEDVALIDATOR:-$here/../../shared/tools/w3c-feedvalidator}"
if [ ! -d "$validator/feedvalidator" ]; then
    echo "notice: the W3C Feed Validator is not at $validator (set W3C_FEEDVALIDATOR); skipped"
    exit 0
fi
if ! "$PYTHON" -c 'import html5lib, rdflib' >/dev/null 2>&1; then
    echo "w3c-conformance: installing html5lib and rdflib" >&2
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    "$PYTHON" -m pip install -q html5lib rdflib 2>/dev/null ||
        "$PYTHON" -m pip install -q --break-system-packages html5lib rdflib
fi

files=()
for dir in "$@"; do
    [ -d "$dir" ] || { echo "FAIL $dir: not a directory" >&2; exit 1; }
    while IFS= read -r -d '' f; do
        files+=("$f")
    done < <(find "$dir" -type f \( -name rss.xml -o -name atom.xml \) -print0 | LC_ALL=C sort -z)
done
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no rss.xml or atom.xml under $*" >&2; exit 1; }
exec "$PYTHON" "$here/w3c-validate.py" "$validator" "${files[@]}"
