#!/usr/bin/env bash
# WebSub with a real hub: installs Flask-WebSub (hub and subscriber) in a
# virtual environment of its own and runs scripts/websub-conformance.py
# against the release binary (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${WEBSUB_VENV:-target/websub-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet \
        Flask-WebSub==0.4.1 Flask==3.1.3 Werkzeug==3.1.9 celery==5.7.0 requests==2.34.2 cachelib==0.17.0
fi
[ -x target/release/feedsmith ] || cargo build --release --locked
"$venv/bin/python" scripts/websub-conformance.py target/release/feedsmith
