#!/usr/bin/env bash
# HTTP load benchmark on loopback: full and conditional GETs of the sample's
# rss.xml against `feedsmith watch --serve`, and, for reference in the same
# run, Debian's nginx with contrib/nginx.conf serving the same folder.
#
#   bash bench/http.sh                 # 10 s per case, 2 threads, 64 connections
#   DURATION=30s CONNS=128 bash bench/http.sh
#
# Load generator: wrk (Debian package, installed with apt-get when missing and
# run as root), with --latency for the p99. Cases, each against each server:
#   full  GET /rss.xml                                 -> 200, whole feed
#   304   GET /rss.xml, If-None-Match: <its ETag>      -> 304, no body
#   gzip  GET /rss.xml, Accept-Encoding: gzip          -> 200, gzipped feed
# Every case is checked with curl first (status, encoding) and a wrk run with
# any non-2xx/3xx answer or socket error fails the benchmark.
#
# The server and wrk share this machine, so by default (PIN=1, at least 2
# CPUs) the server is pinned to CPU 0 and wrk to the other CPUs with taskset:
# each server gets one core (nginx runs worker_processes 1). PIN=0 disables.
# Prints a Markdown table and the machine it ran on (also written to $RESULTS,
# default /tmp/feedsmith-bench-http.md). Takes about 6 x (DURATION + 2 s).

set -euo pipefail

# shellcheck source=scripts/serve/lib.sh
source "$(dirname "$0")/../scripts/serve/lib.sh"
cd "$REPO_ROOT"

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
PIN=${PIN:-1}

ensure_packages wrk nginx curl python3
ensure_feedsmith

tmp=$(mktemp -d /tmp/feedsmith-bench.XXXXXX)
chmod 755 "$tmp"
RESULTS=${RESULTS:-/tmp/feedsmith-bench-http.md}
FEEDSMITH_PID=
NGINX_PID=
cleanup() {
    [[ -n $NGINX_PID ]] && stop_pid "$NGINX_PID" 3
    [[ -n $FEEDSMITH_PID ]] && stop_pid "$FEEDSMITH_PID" 3
    rm -rf "$tmp"
}
trap cleanup EXIT

ncpu=$(nproc)
server_cpu=() load_cpu=()
if [[ $PIN == 1 ]] && ((ncpu >= 2)); then
    server_cpu=(taskset -c 0)
    load_cpu=(taskset -c "1-$((ncpu - 1))")
fi

# feedsmith's server on the sample; nginx on the same folder.
start_feedsmith "$tmp/feeds" "$tmp/state" "$tmp/feedsmith.log"
# feedsmith writes its feeds 0600 (see the conformance script); a www-data
# nginx needs them readable.
find "$tmp/feeds" -type f ! -name '.*' -exec chmod a+r {} +
start_nginx "$tmp" "$tmp/nginx"
if ((${#server_cpu[@]})); then
    # every thread of feedsmith, nginx's master and worker, on CPU 0 (threads
    # started later inherit it)
    for pid in "$FEEDSMITH_PID" "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); do
        taskset -apc 0 "$pid" >/dev/null || fail "taskset -apc 0 $pid failed (PIN=0 to run unpinned)"
    done
fi

size=$(stat -c %s "$tmp/feeds/rss.xml")
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
    echo "Machine: $ncpu CPUs ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "Load: wrk $(wrk -v 2>&1 | head -n1 | awk '{print $2}'), -t$THREADS -c$CONNS -d$DURATION --latency; $( ((${#server_cpu[@]})) && echo "server pinned to CPU 0, wrk to CPUs 1-$((ncpu - 1))" || echo "no pinning")"
    echo "Servers: feedsmith $("$FEEDSMITH" --version | awk '{print $2}') (watch --serve), $(nginx -v 2>&1 | sed 's/.*: //') (contrib/nginx.conf, worker_processes 1)"
    echo "Document: /rss.xml of the sample, $size bytes ($(gzip -9c "$tmp/feeds/rss.xml" | wc -c) gzipped at -9)"
    echo
    echo "| server | case | requests/s | p50 | p99 | transfer/s |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
} >"$RESULTS"
cat "$RESULTS"

# bench SERVER CASE URL [HEADER...] — one wrk run; appends a table row.
bench() {
    local server=$1 case=$2 url=$3 out rps p50 p99 tps bad
    shift 3
    local hargs=() h
    for h in "$@"; do hargs+=(-H "$h"); done
    # a short warm-up, then the measured run
    "${load_cpu[@]}" wrk -t"$THREADS" -c"$CONNS" -d2s "${hargs[@]}" "$url" >/dev/null
    out=$("${load_cpu[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hargs[@]}" "$url")
    echo "$out" >"$tmp/wrk-$server-$case.txt"
    bad=$(grep -E 'Non-2xx or 3xx responses|Socket errors' <<<"$out" || true)
    [[ -z $bad ]] || fail "$server $case: $bad"
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    tps=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' <<<"$out")
    p99=$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' <<<"$out")
    [[ -n $rps && -n $p99 ]] || fail "$server $case: could not read wrk's output: $out"
    echo "| $server | $case | $rps | $p50 | $p99 | $tps |" | tee -a "$RESULTS"
}

# check URL STATUS ENCODING [HEADER...] — the case answers as intended.
check() {
    local url=$1 want=$2 enc=$3 got
    shift 3
    local hargs=() h
    for h in "$@"; do hargs+=(-H "$h"); done
    got=$(curl -sS -o /dev/null -D - "${hargs[@]}" "$url" | tr -d '\r' |
        awk 'NR==1 {s=$2} tolower($1)=="content-encoding:" {e=$2} END {print s" "(e==""?"identity":e)}')
    [[ $got == "$want $enc" ]] || fail "$url ${*}: got '$got', expected '$want $enc'"
}

for server in feedsmith nginx; do
    if [[ $server == feedsmith ]]; then base=$FEEDSMITH_URL; else base=$NGINX_URL; fi
    url="${base}rss.xml"
    etag=$(curl -sS -o /dev/null -D - "$url" | tr -d '\r' | awk 'tolower($1)=="etag:" {print $2}')
    [[ -n $etag ]] || fail "$server: no ETag on $url"
    check "$url" 200 identity
    check "$url" 304 identity "If-None-Match: $etag"
    check "$url" 200 gzip "Accept-Encoding: gzip"
    bench "$server" "full GET" "$url"
    bench "$server" "If-None-Match → 304" "$url" "If-None-Match: $etag"
    bench "$server" "gzip GET" "$url" "Accept-Encoding: gzip"
done

echo
echo "results: $RESULTS"
