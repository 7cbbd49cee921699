#!/usr/bin/env python3
"""feedsmith's benchmark harness. Not part of `cargo test`.

Measures, in one run on this machine, medians over repeated runs of:
  - cold `feedsmith build` (no state, no output; warm page cache): wall time
    and peak RSS, with the main feed only (like Hugo below) and with the
    default feeds (per-tag feeds and monthly archives too);
  - the same corpus built by Hugo (Debian's package, installed here),
    configured to output the newest 50 stories with full content;
  - `cat` of every story file, as a floor;
  - in `watch` mode: edit-to-feed and add-to-feed latency (write → rss.xml
    contains the change) and the daemon's RSS after the first build and
    after 1,000 edits.

usage: bench/run.py [--sizes 1000,10000,100000] [--runs 5] [--edits 1000]
Writes a Markdown table to stdout (and bench/results.md).
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.environ.get("FEEDSMITH_BIN", os.path.join(ROOT, "target", "release", "feedsmith"))
WORK = os.environ.get("BENCH_DIR", "/tmp/feedsmith-bench")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_tools():
    if not os.path.exists(BIN):
        sh(["cargo", "build", "--release"], cwd=ROOT)
    if shutil.which("hugo") is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "-q", "hugo"], env=env).returncode != 0:
            sh(["apt-get", "update", "-q"], env=env)
            sh(["apt-get", "install", "-y", "-q", "hugo"], env=env)


def timed(cmd, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{cmd} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def median_of(runs, cmd_factory, cwd=None, before=None):
    """Medians of `runs` timed runs, after one untimed run that warms the
    page cache (the machine may have dropped the corpus since it was last read)."""
    if before:
        before()
    timed(cmd_factory(), cwd)
    times, mems = [], []
    for _ in range(runs):
        if before:
            before()
        t, m = timed(cmd_factory(), cwd)
        times.append(t)
        mems.append(m)
    return statistics.median(times), statistics.median(mems)


def corpus(n):
    path = os.path.join(WORK, f"corpus-{n}")
    if not os.path.isdir(path):
        sh([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(n), path + ".tmp"])
        os.rename(path + ".tmp", path)
    return path


FEEDSMITH_MAIN_ONLY = """
title = "bench"
base_url = "https://news.example.com/"
timezone = "Asia/Shanghai"
language = "zh-CN"
limit = 50
taxonomy_feeds = []
archives = false
"""

FEEDSMITH_DEFAULT = """
title = "bench"
base_url = "https://news.example.com/"
timezone = "Asia/Shanghai"
language = "zh-CN"
limit = 50
"""

HUGO_CONFIG = """
baseURL = "https://news.example.com/"
title = "bench"
languageCode = "zh-CN"
timeZone = "Asia/Shanghai"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404", "section"]
[outputs]
home = ["RSS"]
page = []
[services.rss]
limit = 50
"""

# Full content, like feedsmith's content:encoded (Hugo's default holds summaries only).
HUGO_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>bench</description>
{{ range first 50 (where .Site.RegularPages.ByDate.Reverse "Draft" false) }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate><guid>{{ .Permalink }}</guid>
<description>{{ .Content | html }}</description></item>
{{ end }}</channel></rss>
"""


def hugo_site(n):
    site = os.path.join(WORK, f"hugo-{n}")
    if not os.path.isdir(site):
        os.makedirs(os.path.join(site, "layouts"))
        with open(os.path.join(site, "config.toml"), "w") as f:
            f.write(HUGO_CONFIG)
        with open(os.path.join(site, "layouts", "index.rss.xml"), "w") as f:
            f.write(HUGO_RSS)
        os.symlink(corpus(n), os.path.join(site, "content"))
    return site


def feedsmith_build(n, runs, config_text, label):
    site = os.path.join(WORK, f"feedsmith-{label}-{n}")
    os.makedirs(site, exist_ok=True)
    config = os.path.join(site, "feedsmith.toml")
    with open(config, "w") as f:
        f.write(config_text + f'articles_dir = "{corpus(n)}"\n')
    out = os.path.join(site, "out")
    state = os.path.join(site, "state.json")

    def clean():
        shutil.rmtree(out, ignore_errors=True)
        if os.path.exists(state):
            os.remove(state)

    cmd = [BIN, "build", "-q", "--config", config, "--output", out, "--state", state]
    cold = median_of(runs, lambda: cmd, before=clean)
    # A restart: state file and output kept, nothing changed on disk.
    restart = median_of(runs, lambda: cmd)
    return cold, restart


def hugo_build(n, runs):
    site = hugo_site(n)
    out = os.path.join(site, "public")
    return median_of(runs, lambda: ["hugo", "--quiet", "-s", site, "-d", out], before=lambda: shutil.rmtree(out, ignore_errors=True))


def cat_floor(n, runs):
    files = os.path.join(WORK, f"files-{n}.txt")
    if not os.path.exists(files):
        with open(files, "w") as f:
            for d, _, names in os.walk(corpus(n)):
                for name in names:
                    f.write(os.path.join(d, name) + "\n")
    return median_of(runs, lambda: ["sh", "-c", f"xargs cat < {files} > /dev/null"])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_for(path, needle, deadline=30.0):
    end = time.perf_counter() + deadline
    while time.perf_counter() < end:
        try:
            with open(path, "rb") as f:
                if needle in f.read():
                    return time.perf_counter()
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    raise SystemExit(f"timed out waiting for {needle!r} in {path}")


def watch_latency(n, edits, debounce_ms):
    """Edit/add latency and memory of `feedsmith watch` on a copy of the corpus."""
    site = tempfile.mkdtemp(prefix=f"watch-{n}-", dir=WORK)
    articles = os.path.join(site, "articles")
    shutil.copytree(corpus(n), articles)
    # Write the copy back to disk now: otherwise a gigabyte of dirty pages is
    # written back during the first edits and their fsyncs wait behind it.
    os.sync()
    config = os.path.join(site, "feedsmith.toml")
    with open(config, "w") as f:
        f.write(FEEDSMITH_DEFAULT + f"debounce_ms = {debounce_ms}\narticles_dir = \"articles\"\n")
    out = os.path.join(site, "out")
    rss = os.path.join(out, "rss.xml")
    log_path = os.path.join(site, "daemon.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [BIN, "watch", "--config", config, "--output", out, "--state", os.path.join(site, "state.json")], stderr=log
    )
    try:
        wait_for(log_path, b"watching ", deadline=600)
        time.sleep(0.5)
        mem_start = rss_kib(proc.pid)
        newest = sorted(
            (os.path.join(d, name) for d, _, names in os.walk(articles) for name in names), reverse=True
        )[0]
        text = open(newest, encoding="utf-8").read()
        edit_lat, add_lat = [], []
        for i in range(edits):
            marker = f"标记{i:05d}"
            t0 = time.perf_counter()
            with open(newest, "w", encoding="utf-8") as f:
                f.write(text + f"\n{marker}\n")
            t1 = wait_for(rss, marker.encode())
            edit_lat.append((t1 - t0) * 1000)
        mem_end = rss_kib(proc.pid)
        for i in range(min(20, edits)):
            marker = f"新稿{i:03d}"
            path = os.path.join(articles, "new", f"add-{i}.md")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(f'+++\ntitle = "{marker}"\ndate = 2026-01-01T00:00:{i:02d}+08:00\n+++\n正文\n')
            t1 = wait_for(rss, marker.encode())
            add_lat.append((t1 - t0) * 1000)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        log.close()
        written = [int(line.split(" feed files written")[0].rsplit(" ", 1)[1])
                   for line in open(log_path, encoding="utf-8") if "feed files written" in line]
        shutil.rmtree(site, ignore_errors=True)
    return {
        "files_per_edit": statistics.median(written) if written else float("nan"),
        "edit_median": statistics.median(edit_lat),
        "edit_max": max(edit_lat),
        "add_median": statistics.median(add_lat),
        "add_max": max(add_lat),
        "mem_start": mem_start,
        "mem_end": mem_end,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=1000)
    ap.add_argument("--debounce-ms", type=int, default=100)
    ap.add_argument("--default-max", type=int, default=10000,
                    help="largest N also built with the default feeds (per-tag and archive feeds write ~30 KiB per story)")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--no-watch", action="store_true")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    ensure_tools()
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [
        f"machine: {os.cpu_count()} cores, {cpu_model()}; runs per figure: {args.runs} (median)",
        "",
        "| N | cat floor | feedsmith main feed | feedsmith default feeds | Hugo | Hugo / feedsmith | peak RSS feedsmith / default / Hugo | restart main / default |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        runs = args.runs if n < 100000 else max(3, args.runs // 2)
        floor, _ = cat_floor(n, runs)
        (fs_t, fs_m), (rs_t, _) = feedsmith_build(n, runs, FEEDSMITH_MAIN_ONLY, "main")
        if n <= args.default_max:
            (fd_t, fd_m), (rd_t, _) = feedsmith_build(n, runs, FEEDSMITH_DEFAULT, "default")
        else:
            fd_t = fd_m = rd_t = float("nan")
        if args.no_hugo:
            hg_t = hg_m = float("nan")
        else:
            hg_t, hg_m = hugo_build(n, runs)
        lines.append(
            f"| {n:,} | {floor*1000:.0f} ms | {fs_t*1000:.0f} ms | {fd_t*1000:.0f} ms | {hg_t*1000:.0f} ms | "
            f"{hg_t/fs_t:.1f}× | {fs_m:.0f} / {fd_m:.0f} / {hg_m:.0f} MiB ({fs_m/hg_m:.0%}) | {rs_t*1000:.0f} / {rd_t*1000:.0f} ms |"
        )
        print(lines[-1], flush=True)
    if not args.no_watch:
        lines += ["", f"watch mode (default feeds, debounce {args.debounce_ms} ms, {args.edits} edits of the newest story):", "",
                  "| N | edit→feed median / max | add→feed median / max | files written per rebuild (median) | RSS after first build → after edits |", "|---|---|---|---|---|"]
        for n in sizes:
            if n < 10000:
                continue
            w = watch_latency(n, args.edits, args.debounce_ms)
            lines.append(
                f"| {n:,} | {w['edit_median']:.0f} / {w['edit_max']:.0f} ms | {w['add_median']:.0f} / {w['add_max']:.0f} ms | "
                f"{w['files_per_edit']:.0f} | {w['mem_start']:.0f} → {w['mem_end']:.0f} MiB |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write(text)
    print(text)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
