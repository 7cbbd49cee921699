# shellcheck shell=bash
# shellcheck disable=SC2034  # FEEDSMITH_URL, NGINX_URL, STOP_RC, STOP_MS are for the callers
# Shared by scripts/serve-conformance.sh and bench/http.sh (sourced, not run);
# scripts/deb-conformance.sh uses its ok/fail and ensure_packages.
# Starts feedsmith's server and nginx (contrib/nginx.conf) on loopback and
# stops exactly the processes it started.

SERVE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVE_DIR/../.." && pwd)
FEEDSMITH=${FEEDSMITH:-$REPO_ROOT/target/release/feedsmith}
HELPERS="$SERVE_DIR/helpers.py"

ok() { printf 'OK   %s\n' "$*"; }
warn() { printf 'WARN %s\n' "$*"; }
fail() {
    printf 'FAIL %s\n' "$*" >&2
    exit 1
}

# ensure_packages PKG... — apt-get install the Debian packages not yet installed.
ensure_packages() {
    local missing=() pkg log
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || fail "missing packages ${missing[*]} and no apt-get to install them"
    [[ $EUID -eq 0 ]] || fail "missing packages ${missing[*]}: run as root, or apt-get install them first"
    log=$(mktemp)
    echo "installing ${missing[*]} (apt-get) ..."
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${missing[@]}" >"$log" 2>&1; then
        if ! { apt-get update -q && apt-get install -y -q "${missing[@]}"; } >>"$log" 2>&1; then
            tail -n 30 "$log" >&2
            fail "apt-get install ${missing[*]} failed (log above)"
        fi
    fi
    rm -f "$log"
}

# ensure_feedsmith — the release binary, built once if it is missing.
ensure_feedsmith() {
    if [[ ! -x $FEEDSMITH ]]; then
        echo "building $FEEDSMITH (cargo build --release) ..."
        (cd "$REPO_ROOT" && cargo build --release --quiet) || fail "cargo build --release failed"
    fi
    [[ -x $FEEDSMITH ]] || fail "no binary at $FEEDSMITH"
}

free_port() { python3 "$HELPERS" freeport; }

# wait_http URL PID — until URL answers 200 (up to ~10 s) while PID lives.
wait_http() {
    local url=$1 pid=$2 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# stop_pid PID [SECONDS] — SIGTERM, wait; sets STOP_RC (exit status) and
# STOP_MS (time to exit). SIGKILL after SECONDS (default 5).
stop_pid() {
    local pid=$1 limit=${2:-5} t0 i
    STOP_RC=
    STOP_MS=0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null && STOP_RC=0 || STOP_RC=$?
        return 0
    }
    t0=$(date +%s%N)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null && STOP_RC=0 || STOP_RC=$?
    STOP_MS=$((($(date +%s%N) - t0) / 1000000))
}

# start_feedsmith OUT STATE LOG — `feedsmith build` of the sample config into
# OUT, then `feedsmith watch --serve 127.0.0.1:<free port>` on it (its own
# first build then finds nothing to write, so the folder is complete and
# still when this returns); sets FEEDSMITH_PID and FEEDSMITH_URL (ends in /).
start_feedsmith() {
    local out=$1 state=$2 log=$3 port
    "$FEEDSMITH" build --config "$REPO_ROOT/feedsmith.toml" --output "$out" --state "$state" >"$log" 2>&1 || {
        cat "$log" >&2
        fail "feedsmith build --config feedsmith.toml --output $out failed (log above)"
    }
    for _ in 1 2 3; do
        port=$(free_port)
        "$FEEDSMITH" watch --config "$REPO_ROOT/feedsmith.toml" --output "$out" --state "$state" \
            --serve "127.0.0.1:$port" >>"$log" 2>&1 &
        FEEDSMITH_PID=$!
        if wait_http "http://127.0.0.1:$port/rss.xml" "$FEEDSMITH_PID"; then
            FEEDSMITH_URL="http://127.0.0.1:$port/"
            return 0
        fi
        stop_pid "$FEEDSMITH_PID" 2
        FEEDSMITH_PID=
    done
    cat "$log" >&2
    fail "feedsmith watch --serve did not answer on 127.0.0.1 (log above)"
}

# start_nginx DOCROOT PREFIX — Debian's nginx with contrib/nginx.conf on
# 127.0.0.1:<free port>; DOCROOT is the folder that contains feeds/.
# Sets NGINX_PID and NGINX_URL (the /feeds/ URL). Workers run as
# $NGINX_USER (default www-data when root), like a packaged nginx.
start_nginx() {
    local docroot=$1 prefix=$2 port global
    mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/temp"
    cp "$SERVE_DIR/nginx-main.conf" "$prefix/conf/nginx.conf"
    global='daemon off;'
    if [[ $EUID -eq 0 ]]; then
        global+=" user ${NGINX_USER:-www-data};"
    fi
    for _ in 1 2 3; do
        port=$(free_port)
        # contrib/nginx.conf with its `listen` lines replaced by one loopback
        # listen and its `root` pointed at DOCROOT; nothing else changes.
        awk -v listen="    listen 127.0.0.1:$port;" -v root="    root $docroot;" '
            /^[ \t]*listen[ \t]/ { if (!l++) print listen; next }
            /^[ \t]*root[ \t]/   { r++; print root; next }
            { print }
            END { if (l < 1 || r != 1) exit 3 }
        ' "$REPO_ROOT/contrib/nginx.conf" >"$prefix/conf/feedsmith.conf" ||
            fail "contrib/nginx.conf: expected listen lines and exactly one root line to rewrite"
        nginx -p "$prefix/" -c conf/nginx.conf -e logs/error.log -g "$global" -t >"$prefix/logs/t.log" 2>&1 || {
            cat "$prefix/logs/t.log" >&2
            fail "nginx -t rejects contrib/nginx.conf (above)"
        }
        nginx -p "$prefix/" -c conf/nginx.conf -e logs/error.log -g "$global" >"$prefix/logs/stdout.log" 2>&1 &
        NGINX_PID=$!
        if wait_http "http://127.0.0.1:$port/feeds/rss.xml" "$NGINX_PID"; then
            NGINX_URL="http://127.0.0.1:$port/feeds/"
            return 0
        fi
        stop_pid "$NGINX_PID" 2
        NGINX_PID=
    done
    cat "$prefix/logs/error.log" >&2 || true
    fail "nginx with contrib/nginx.conf did not serve /feeds/rss.xml (error log above)"
}
