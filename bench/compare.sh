#!/usr/bin/env bash
# Paired comparison of two feedsmith binaries on one corpus: cold builds
# (no state, empty output), alternating A and B so that both see the same
# machine noise; prints median wall time, CPU time (user + sys) and peak RSS,
# and the ratio of the medians.
#
# usage: [CONFIG=main|tags|default] bench/compare.sh OLD_BINARY NEW_BINARY [N=10000] [RUNS=9]
#   CONFIG=main     the main feed only (taxonomy_feeds = [], archives = false)
#                   on corpus-N (1,000 tags) -- the default
#   CONFIG=tags     the main feed and a feed per tag (taxonomy_feeds = ["tags"],
#                   archives = false) on corpus-tags40-N (40 tags)
#   CONFIG=default  feedsmith's default feeds (no taxonomy_feeds or archives
#                   keys) on corpus-tags40-N
# The configurations are bench/run.py's. Run bench/run.py once first: it
# generates the corpora under $BENCH_DIR (bench/run.py --tags-only --sizes N
# for the 40-tag corpus).
set -euo pipefail
a=$1; b=$2; n=${3:-10000}; runs=${4:-9}
config=${CONFIG:-main}
work=${BENCH_DIR:-/tmp/feedsmith-bench}
case $config in
  main)    corpus=$work/corpus-$n;        run_py="bench/run.py --sizes $n"
           keys=$'taxonomy_feeds = []\narchives = false' ;;
  tags)    corpus=$work/corpus-tags40-$n; run_py="bench/run.py --tags-only --sizes $n"
           keys=$'taxonomy_feeds = ["tags"]\narchives = false' ;;
  default) corpus=$work/corpus-tags40-$n; run_py="bench/run.py --tags-only --sizes $n"
           keys="" ;;
  *) echo "CONFIG must be main, tags or default, not '$config'" >&2; exit 2 ;;
esac
[ -d "$corpus" ] || { echo "no corpus at $corpus: run $run_py first" >&2; exit 2; }
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
cat > "$site/feedsmith.toml" <<TOML
title = "bench"
base_url = "https://news.example.com/"
timezone = "Asia/Shanghai"
language = "zh-CN"
limit = 50
$keys
articles_dir = "$corpus"
TOML
echo "CONFIG=$config, corpus $corpus, $runs runs each"
python3 - "$a" "$b" "$site" "$runs" <<'PY'
import os, shutil, statistics, subprocess, sys, time
a, b, site, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out, state_dir = os.path.join(site, "out"), os.path.join(site, "state")

def once(binary):
    # Cold: no output, and no state folder (the state file and anything
    # feedsmith keeps beside it); the deletions and a sync are not timed.
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "build", "-q", "--config", os.path.join(site, "feedsmith.toml"),
                             "--output", out, "--state", os.path.join(state_dir, "state.json")])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{binary} failed with status {status}")
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024

once(a)  # warms the page cache
# By label, not by path: A and B may be the same binary (a noise check).
results = {"A": [], "B": []}
for _ in range(runs):
    for label, binary in (("A", a), ("B", b)):
        results[label].append(once(binary))
medians = {}
for label, binary in (("A", a), ("B", b)):
    wall, cpu, rss = (statistics.median(r[i] for r in results[label]) for i in range(3))
    medians[label] = (wall, cpu, rss)
    print(f"{label} {binary}: wall {wall:.1f} ms, cpu {cpu:.1f} ms, peak RSS {rss:.1f} MiB")
(wa, ca, ra), (wb, cb, rb) = medians["A"], medians["B"]
print(f"B/A: wall {wb / wa:.3f}, cpu {cb / ca:.3f}, peak RSS {rb / ra:.3f}")
PY
