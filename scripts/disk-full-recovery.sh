#!/usr/bin/env bash
# Measures how soon a running daemon publishes again once a full output disk
# has room: a story is edited while the output (a 512 KiB tmpfs) is full,
# the filler is removed, and the time until the edit is in rss.xml is
# printed — no other edit is made. Needs root (mount); BIN defaults to the
# release binary.
set -euo pipefail
bin="$(realpath "${BIN:-target/release/feedsmith}")"
site=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null || true; umount "$site/feeds" 2>/dev/null || true; rm -rf "$site"' EXIT
mkdir -p "$site/articles" "$site/feeds"
mount -t tmpfs -o size=512k tmpfs "$site/feeds"
printf 'debounce_ms = 50\nstate_file = "state.json"\n' > "$site/feedsmith.toml"
story() { printf '+++\ntitle = "%s"\ndate = 2024-03-07T10:00:00+08:00\n+++\n\nBody.\n' "$1"; }
story "Before" > "$site/articles/a.md"
(cd "$site" && exec "$bin" watch 2> "$site/log") & daemon=$!
until grep -q Before "$site/feeds/rss.xml" 2>/dev/null; do sleep 0.05; done
head -c 600000 /dev/zero > "$site/feeds/filler" 2>/dev/null || true
story "After" > "$site/articles/a.md"
until grep -q "publishing failed" "$site/log"; do sleep 0.05; done
sleep "${FULL_SECONDS:-20}"   # a long outage: the retries have backed off
rm "$site/feeds/filler"
start=$(date +%s%N)
until grep -q After "$site/feeds/rss.xml"; do sleep 0.01; done
echo "published $(( ($(date +%s%N) - start) / 1000000 )) ms after the disk had room (full for ${FULL_SECONDS:-20} s)"
