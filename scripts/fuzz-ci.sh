#!/usr/bin/env bash
# Runs every fuzz target for a short while (FUZZ_SECONDS, default 60) so the
# fuzzers keep looking on every CI run. cargo-fuzz is installed here if
# missing; its nightly flags are allowed on the stable toolchain with
# RUSTC_BOOTSTRAP. A crash fails the run and leaves its input in
# fuzz/artifacts/<target>/ (copy it to fuzz/regressions/<target>/ once fixed:
# the integration tests replay every file there).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
# A fixed seed makes a CI run repeatable (FUZZ_SEED=0 lets libFuzzer pick
# one: do that when hunting, locally, for longer).
seed="${FUZZ_SEED:-1}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list)
# Build once; without a sanitizer: the checks are assertions, and the build
# stays short on two cores.
cargo fuzz build --sanitizer none
for target in $targets; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    seeds=()
    [ -d "seeds/$target" ] && seeds+=("seeds/$target")
    [ -d "regressions/$target" ] && seeds+=("regressions/$target")
    echo "fuzzing $target for ${seconds}s"
    cargo fuzz run --sanitizer none "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
