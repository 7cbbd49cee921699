#!/usr/bin/env python3
"""WebSub end to end with a real hub: Flask-WebSub's hub and subscriber.

A subscriber subscribes to the feed `feedsmith watch --serve` publishes, at a
hub that `websub_hubs` lists second, after a dead one. A story is then
edited: the daemon pings the hubs, the live hub fetches the feed and pushes
it to the subscriber, which must receive the edited headline. Prints the time
from the edit to the subscriber's notification.

Usage: websub-conformance.py FEEDSMITH_BINARY
(scripts/websub-conformance.sh installs what it needs and runs it.)
"""

import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from celery import Celery
from flask import Flask
from flask_websub.hub import Hub, SQLite3HubStorage
from flask_websub.subscriber import (SQLite3SubscriberStorage,
                                     SQLite3TempSubscriberStorage, Subscriber)
from werkzeug.serving import make_server
import flask_websub.utils

# Flask-WebSub's hub forwards the topic's response headers with the body
# `requests` already decoded: a gzipped answer would reach the subscriber
# labelled gzip but plain. The hub asks for the feed uncompressed.
_request_url = flask_websub.utils.request_url


def _plain_request_url(config, method, url, **kwargs):
    if method == "GET":
        kwargs.setdefault("headers", {})["Accept-Encoding"] = "identity"
    return _request_url(config, method, url, **kwargs)


flask_websub.utils.request_url = _plain_request_url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app, port):
    app.config["SERVER_NAME"] = f"127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_for(what, cond, seconds=30):
    until = time.time() + seconds
    while time.time() < until:
        if cond():
            return
        time.sleep(0.05)
    sys.exit(f"FAIL: timed out waiting for {what}")


def story(title):
    return f'+++\ntitle = "{title}"\ndate = 2024-03-07T10:00:00+08:00\n+++\n\nBody.\n'


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="websub-")
    hub_port, sub_port, feed_port = free_port(), free_port(), free_port()
    dead_port = free_port()  # nothing listens: connections are refused

    # The hub: tasks run at once, in the request that asks for them.
    celery = Celery("hub", broker="memory://", backend="cache+memory://")
    celery.conf.task_always_eager = True
    hub_app = Flask("hub")
    hub_app.config["PUBLISH_SUPPORTED"] = True
    hub = Hub(SQLite3HubStorage(os.path.join(work, "hub.db")), celery, **hub_app.config)
    hub_app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    serve(hub_app, hub_port)

    # The subscriber, recording what the hub pushes.
    received = []
    subscriber = Subscriber(SQLite3SubscriberStorage(os.path.join(work, "sub.db")),
                            SQLite3TempSubscriberStorage(os.path.join(work, "sub.db")))
    subscriber.add_listener(lambda topic, callback, body: received.append((time.time(), topic, body)))
    confirmed = []
    subscriber.add_success_handler(lambda topic, callback, mode: confirmed.append(mode))
    sub_app = Flask("subscriber")
    sub_app.register_blueprint(subscriber.build_blueprint(url_prefix="/callbacks"))
    serve(sub_app, sub_port)

    # feedsmith, with the dead hub listed first.
    site = os.path.join(work, "site")
    os.makedirs(os.path.join(site, "articles"))
    feeds = f"http://127.0.0.1:{feed_port}/"
    with open(os.path.join(site, "feedsmith.toml"), "w") as f:
        f.write(f'base_url = "{feeds}"\nfeeds_url = "{feeds}"\ndebounce_ms = 50\n'
                f'websub_hubs = ["http://127.0.0.1:{dead_port}/hub", "http://127.0.0.1:{hub_port}/hub"]\n')
    with open(os.path.join(site, "articles", "a.md"), "w") as f:
        f.write(story("First headline"))
    daemon = subprocess.Popen([binary, "watch", "--serve", f"127.0.0.1:{feed_port}"], cwd=site,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        topic = feeds + "rss.xml"

        def feed_served():
            try:
                with socket.create_connection(("127.0.0.1", feed_port), timeout=1):
                    return True
            except OSError:
                return False
        wait_for("feedsmith to serve", feed_served)

        with sub_app.app_context():
            subscriber.subscribe(topic_url=topic, hub_url=f"http://127.0.0.1:{hub_port}/hub")
        wait_for("the hub to confirm the subscription", lambda: "subscribe" in confirmed)

        edited = time.time()
        with open(os.path.join(site, "articles", "a.md"), "w") as f:
            f.write(story("Edited headline"))
        wait_for("the edited feed pushed to the subscriber",
                 lambda: any(b"Edited headline" in body for _, _, body in received))
        at = next(t for t, _, body in received if b"Edited headline" in body)
        print(f"ok: the edit reached the subscriber through the hub in {(at - edited) * 1000:.0f} ms "
              f"(a dead hub listed first; debounce 50 ms)")
    finally:
        daemon.terminate()
        try:
            _, err = daemon.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            _, err = daemon.communicate()
        if daemon.returncode != 0:
            print(err, file=sys.stderr)
            sys.exit(f"FAIL: feedsmith exited with {daemon.returncode}")


if __name__ == "__main__":
    main()
