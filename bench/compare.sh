#!/usr/bin/env bash
# Paired comparison of two feedsmith binaries on one corpus: cold
# main-feed builds, alternating A and B so that both see the same machine
# noise; prints median wall time, CPU time (user + sys) and peak RSS.
#
# usage: bench/compare.sh OLD_BINARY NEW_BINARY [N=10000] [RUNS=9]
# (run bench/run.py once first: it generates the corpora under $BENCH_DIR)
set -euo pipefail
a=$1; b=$2; n=${3:-10000}; runs=${4:-9}
work=${BENCH_DIR:-/tmp/feedsmith-bench}
corpus=$work/corpus-$n
[ -d "$corpus" ] || { echo "no corpus at $corpus: run bench/run.py --sizes $n first" >&2; exit 2; }
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
cat > "$site/feedsmith.toml" <<TOML
title = "bench"
base_url = "https://news.example.com/"
timezone = "Asia/Shanghai"
limit = 50
taxonomy_feeds = []
archives = false
articles_dir = "$corpus"
TOML
once() { # label binary
    rm -rf "$site/out" "$site/state.json"
    /usr/bin/time -f "$1 %e %U %S %M" "$2" build -q --config "$site/feedsmith.toml" \
        --output "$site/out" --state "$site/state.json" 2>&1 >/dev/null | tail -1
}
once warm "$a" >/dev/null
for _ in $(seq "$runs"); do once A "$a"; once B "$b"; done | python3 -c '
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in sys.stdin:
    label, wall, user, sys_, rss = line.split()
    runs[label].append((float(wall) * 1000, (float(user) + float(sys_)) * 1000, int(rss) / 1024))
for label, name in (("A", sys.argv[1]), ("B", sys.argv[2])):
    wall, cpu, rss = (statistics.median(r[i] for r in runs[label]) for i in range(3))
    print(f"{label} {name}: wall {wall:.0f} ms, cpu {cpu:.0f} ms, peak RSS {rss:.0f} MiB")
' "$a" "$b"
