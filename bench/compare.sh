#!/usr/bin/env bash
# Paired comparison of two feedsmith binaries on one corpus: cold
# main-feed builds, alternating A and B so that both see the same machine
# noise; prints median wall time, CPU time (user + sys) and peak RSS, and
# the ratio of the medians.
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
python3 - "$a" "$b" "$site" "$runs" <<'PY'
import os, shutil, statistics, subprocess, sys, time
a, b, site, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def once(binary):
    shutil.rmtree(os.path.join(site, "out"), ignore_errors=True)
    state = os.path.join(site, "state.json")
    if os.path.exists(state):
        os.remove(state)
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "build", "-q", "--config", os.path.join(site, "feedsmith.toml"),
                             "--output", os.path.join(site, "out"), "--state", state])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{binary} failed with status {status}")
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024

once(a)  # warms the page cache
results = {a: [], b: []}
for _ in range(runs):
    for binary in (a, b):
        results[binary].append(once(binary))
medians = {}
for label, binary in (("A", a), ("B", b)):
    wall, cpu, rss = (statistics.median(r[i] for r in results[binary]) for i in range(3))
    medians[label] = (wall, cpu, rss)
    print(f"{label} {binary}: wall {wall:.1f} ms, cpu {cpu:.1f} ms, peak RSS {rss:.1f} MiB")
(wa, ca, ra), (wb, cb, rb) = medians["A"], medians["B"]
print(f"B/A: wall {wb / wa:.3f}, cpu {cb / ca:.3f}, peak RSS {rb / ra:.3f}")
PY
