#!/usr/bin/env bash
# Runs the default test tier (`cargo test --locked`) N times in a row and
# reports each run's wall time and the median; stops at the first failing
# run and shows its log. The test binaries are built first, so the times
# are those of the tests, not of the build.
#
#   scripts/test-repeat.sh [-n N] [--busy] [-- ARGS FOR cargo test]
#
# -n N     runs (default 10)
# --busy   keeps both cores busy meanwhile with two `yes > /dev/null`, as
#          another build beside it would (they are stopped at the end)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10
busy=0
while [ $# -gt 0 ]; do
    case "$1" in
        -n) runs=$2; shift 2 ;;
        --busy) busy=1; shift ;;
        --) shift; break ;;
        *) echo "usage: $0 [-n N] [--busy] [-- ARGS FOR cargo test]" >&2; exit 2 ;;
    esac
done

cargo test --locked --no-run --quiet "$@"

log=$(mktemp)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -f "$log"
}
trap cleanup EXIT
if [ "$busy" = 1 ]; then
    for _ in 1 2; do
        yes > /dev/null &
        pids+=("$!")
    done
    echo "busy: two 'yes > /dev/null' running beside the tests"
fi

times=()
for i in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    if ! cargo test --locked --quiet "$@" > "$log" 2>&1; then
        echo "run $i FAILED; its log:"
        cat "$log"
        exit 1
    fi
    end=$(date +%s.%N)
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    times+=("$took")
    echo "run $i: ${took} s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { if (NR % 2) print t[(NR + 1) / 2]; else printf "%.1f\n", (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
echo "$runs runs passed; median ${median} s (min $(printf '%s\n' "${times[@]}" | sort -n | head -1) s, max $(printf '%s\n' "${times[@]}" | sort -n | tail -1) s)"
