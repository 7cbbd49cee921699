#!/usr/bin/env python3
"""feedsmith's benchmark harness. Not part of `cargo test`; bench/README.md
explains every figure.

Measures, in one run on this machine, medians over repeated runs of:
  - the main-feed table: cold `feedsmith build` (no state, no output; warm
    page cache): wall time and peak RSS, with the main feed only (like Hugo
    below) and with the default feeds (per-tag feeds and monthly archives
    too), on a corpus with 1,000 tags; the same corpus built by Hugo
    (Debian's package, installed here), configured to output the newest 50
    stories with full content; `cat` of every story file, as a floor;
  - the tags table: on a corpus with 40 tags, feedsmith with the main feed
    and one feed per tag, and with its default configuration, against Hugo
    writing the same main and per-tag RSS feeds (newest 50, full content),
    in paired runs (feedsmith and Hugo alternate, run by run); feedsmith's
    restart (the same build again, state and output kept) too;
  - in `watch` mode: edit-to-feed and add-to-feed latency (write -> rss.xml
    contains the change) and the daemon's RSS after the first build and
    after 1,000 edits.

usage: bench/run.py [--sizes 1000,10000,100000] [--runs 5] [--edits 1000]
                    [--tags-only] [--results FILE]
Writes Markdown tables to stdout and, for a full run, to bench/results.md
(a --tags-only run writes a file only when --results names one).
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
    """Runs cmd; returns (seconds, peak RSS in MiB) of that process alone.
    A failure ends the benchmark with the end of what cmd wrote to stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace")
            raise SystemExit(f"{cmd} failed with status {status}:\n{tail}")
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


def runs_at(n, runs):
    """Runs per figure at size n: fewer at 100,000 and above, where one
    Hugo build takes ~10 s and several GiB."""
    return runs if n < 100000 else max(3, runs // 2)


def corpus(n, terms=1000):
    """The corpus of n stories with `terms` distinct tags, generated once:
    corpus-N for the 1,000 tags of the main-feed table, corpus-tagsT-N otherwise."""
    name = f"corpus-{n}" if terms == 1000 else f"corpus-tags{terms}-{n}"
    path = os.path.join(WORK, name)
    if not os.path.isdir(path):
        shutil.rmtree(path + ".tmp", ignore_errors=True)
        sh([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(n), path + ".tmp", "--terms", str(terms)])
        os.rename(path + ".tmp", path)
    return path


FEEDSMITH_HEAD = """
title = "bench"
base_url = "https://news.example.com/"
timezone = "Asia/Shanghai"
language = "zh-CN"
limit = 50
"""

FEEDSMITH_MAIN_ONLY = FEEDSMITH_HEAD + """taxonomy_feeds = []
archives = false
"""

# The main feed and one feed per tag: what the Hugo tags site writes.
FEEDSMITH_TAGS = FEEDSMITH_HEAD + """taxonomy_feeds = ["tags"]
archives = false
"""

# No taxonomy_feeds or archives keys: src/config.rs defaults them to
# ["tags", "categories"] and true (monthly archives, summaries only).
FEEDSMITH_DEFAULT = FEEDSMITH_HEAD

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

# The home feed and one RSS feed per tag (term pages). Hugo 0.111 refuses
# to disable the taxonomy (list of terms) kind while a taxonomy is defined
# unless that error is ignored; nothing else is disabled or ignored.
HUGO_TAGS_CONFIG = """
baseURL = "https://news.example.com/"
title = "bench"
languageCode = "zh-CN"
timeZone = "Asia/Shanghai"
disableKinds = ["taxonomy", "sitemap", "robotsTXT", "404", "section"]
ignoreErrors = ["error-disable-taxonomy"]
[taxonomies]
tag = "tags"
[outputs]
home = ["RSS"]
term = ["RSS"]
page = []
[services.rss]
limit = 50
"""

# One template for the home feed (every story) and the term feeds (the
# term's stories): the newest 50, full content.
HUGO_TAGS_RSS = """<?xml version="1.0" encoding="utf-8"?>
{{- $pages := .Pages -}}{{- if .IsHome -}}{{- $pages = .Site.RegularPages -}}{{- end }}
<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>bench</description>
{{ range first 50 (where $pages.ByDate.Reverse "Draft" false) }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate><guid>{{ .Permalink }}</guid>
<description>{{ .Content | html }}</description></item>
{{ end }}</channel></rss>
"""


def hugo_site(name, config_text, template_path, template, content):
    """The Hugo site $BENCH_DIR/name: its configuration and one RSS template
    (rewritten every time, so an edit here takes effect), `content` a
    symlink to the corpus. Returns the site folder."""
    site = os.path.join(WORK, name)
    template_file = os.path.join(site, "layouts", template_path)
    os.makedirs(os.path.dirname(template_file), exist_ok=True)
    with open(os.path.join(site, "config.toml"), "w") as f:
        f.write(config_text)
    with open(template_file, "w") as f:
        f.write(template)
    link = os.path.join(site, "content")
    if os.path.islink(link) and os.readlink(link) != content:
        os.remove(link)
    if not os.path.islink(link):
        os.symlink(content, link)
    return site


class Build:
    """One program building one site. `cmd` runs it; a cold run first
    deletes the folders in `cold_removes`; its RSS feeds are the files
    named `rss_name` under `output`."""

    def __init__(self, name, cmd, cold_removes, output, rss_name):
        self.name = name
        self.cmd = cmd
        self.cold_removes = cold_removes
        self.output = output
        self.rss_name = rss_name

    def clean(self):
        """Deletes what a cold run starts without."""
        for path in self.cold_removes:
            shutil.rmtree(path, ignore_errors=True)

    def run(self, cold):
        """One timed run, cold or not; (seconds, peak RSS in MiB). The
        deletions before a cold run and a sync (so no run pays for writing
        back what the one before wrote) are not timed."""
        if cold:
            self.clean()
        os.sync()
        return timed(self.cmd)

    def output_summary(self):
        """What the last run wrote: RSS feed files and the <item>s in them
        (to check that the programs compared wrote the same feeds), and
        all files and their MiB (feedsmith writes Atom and JSON Feed too)."""
        feeds = items = files = size = 0
        for d, _, names in os.walk(self.output):
            for name in names:
                path = os.path.join(d, name)
                files += 1
                size += os.path.getsize(path)
                if name == self.rss_name:
                    feeds += 1
                    with open(path, "rb") as f:
                        items += f.read().count(b"<item>")
        return {"feeds": feeds, "items": items, "files": files, "mib": size / 2**20}


def feedsmith_site(label, n, config_text, articles):
    """A feedsmith Build of $BENCH_DIR/feedsmith-LABEL-N: the configuration
    (rewritten every time), the output in out/, the state file alone in
    state/ so that a cold run deletes whatever feedsmith keeps beside it."""
    site = os.path.join(WORK, f"feedsmith-{label}-{n}")
    os.makedirs(site, exist_ok=True)
    config = os.path.join(site, "feedsmith.toml")
    with open(config, "w") as f:
        f.write(config_text + f'articles_dir = "{articles}"\n')
    out = os.path.join(site, "out")
    state_dir = os.path.join(site, "state")
    cmd = [BIN, "build", "-q", "--config", config, "--output", out, "--state", os.path.join(state_dir, "state.json")]
    return Build(f"feedsmith {label}", cmd, [out, state_dir], out, "rss.xml")


def hugo_build_of(site):
    """A Hugo Build of `site`, writing into its public/ (deleted for a cold run)."""
    out = os.path.join(site, "public")
    return Build("Hugo", ["hugo", "--quiet", "-s", site, "-d", out], [out], out, "index.xml")


def feedsmith_build(n, runs, config_text, label):
    """Main-feed table: medians of cold feedsmith builds, then of restarts."""
    build = feedsmith_site(label, n, config_text, corpus(n))
    cold = median_of(runs, lambda: build.cmd, before=build.clean)
    # A restart: state file and output kept, nothing changed on disk.
    restart = median_of(runs, lambda: build.cmd)
    return cold, restart


def hugo_build(n, runs):
    """Main-feed table: medians of cold Hugo builds of the main feed."""
    build = hugo_build_of(hugo_site(f"hugo-{n}", HUGO_CONFIG, "index.rss.xml", HUGO_RSS, corpus(n)))
    return median_of(runs, lambda: build.cmd, before=build.clean)


def paired(runs, builds, restarts):
    """Paired medians: one untimed warm-up of each build (cold, then a
    restart for those in `restarts`), then `runs` rounds in which each
    build runs once cold in turn -- for those in `restarts`, followed at
    once by a restart (the same build again, state and output kept) --
    so that all see the same machine noise. Returns, by build name, a dict
    of the cold medians (`time` s, `rss` MiB), the restart median
    (`restart` s, when measured) and its `output` (Build.output_summary)."""
    for b in builds:
        b.run(cold=True)
        if b in restarts:
            b.run(cold=False)
    samples = {b.name: {"cold": [], "restart": []} for b in builds}
    for _ in range(runs):
        for b in builds:
            samples[b.name]["cold"].append(b.run(cold=True))
            if b in restarts:
                samples[b.name]["restart"].append(b.run(cold=False))
    out = {}
    for b in builds:
        s = samples[b.name]
        out[b.name] = {
            "time": statistics.median(t for t, _ in s["cold"]),
            "rss": statistics.median(m for _, m in s["cold"]),
            "restart": statistics.median(t for t, _ in s["restart"]) if s["restart"] else None,
            "output": b.output_summary(),
        }
    return out


TAGS_TERMS = 40


def tags_rows(n, runs, with_hugo):
    """Tags table rows for size n: feedsmith with per-tag feeds and with
    its defaults, paired with Hugo's home and per-tag feeds, on the corpus
    with 40 tags."""
    articles = corpus(n, TAGS_TERMS)
    tags = feedsmith_site(f"tags{TAGS_TERMS}-tags", n, FEEDSMITH_TAGS, articles)
    default = feedsmith_site(f"tags{TAGS_TERMS}-default", n, FEEDSMITH_DEFAULT, articles)
    builds = [tags, default]
    if with_hugo:
        hugo = hugo_build_of(hugo_site(f"hugo-tags{TAGS_TERMS}-{n}", HUGO_TAGS_CONFIG, "_default/rss.xml",
                                       HUGO_TAGS_RSS, articles))
        builds.insert(1, hugo)
    m = paired(runs, builds, restarts=[tags, default])
    hg = m.get("Hugo", {"time": None, "rss": None, "output": None})
    rows = []
    for label, build in (("tags", tags), ("default", default)):
        fs = m[build.name]
        feeds = " / ".join(f"{o['feeds']:,} ({o['items']:,})" for o in (fs["output"], hg["output"]) if o)
        files = " / ".join(f"{o['files']:,}, {o['mib']:,.0f} MiB" for o in (fs["output"], hg["output"]) if o)
        rows.append(
            f"| {n:,} | {label} | {feeds} | {files} | {ms(fs['time'])} | {ms(hg['time'])} | {ratio(hg['time'], fs['time'])} | "
            f"{fs['rss']:.0f} / {mib(hg['rss'])} | {percent(fs['rss'], hg['rss'])} | "
            f"{ms(fs['restart'])} ({fs['restart'] / fs['time']:.0%}) |"
        )
    return rows


def ms(seconds):
    """Seconds as milliseconds; None (not measured) as a dash."""
    return "—" if seconds is None else f"{seconds * 1000:,.0f} ms"


def mib(value):
    """MiB, no decimals; None (not measured) as a dash."""
    return "—" if value is None else f"{value:,.0f} MiB"


def ratio(a, b):
    """a ÷ b as a factor; a dash when a was not measured."""
    return "—" if a is None else f"{a / b:.1f}×"


def percent(a, b):
    """a as a percentage of b; a dash when b was not measured."""
    return "—" if b is None else f"{a / b:.0%}"


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


def main_table(sizes, args):
    """The main-feed table (corpus with 1,000 tags), each figure measured
    by itself (not paired): Markdown lines."""
    lines = [
        "main feed (1,000 tags; each figure measured by itself):",
        "",
        "| N | cat floor | feedsmith main feed | feedsmith default feeds | Hugo | Hugo / feedsmith | peak RSS feedsmith / default / Hugo | restart main / default |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        runs = runs_at(n, args.runs)
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
    return lines


def tags_table(sizes, args):
    """The tags table (corpus with 40 tags, paired runs): Markdown lines."""
    lines = [
        f"tags ({TAGS_TERMS} tags; paired: feedsmith and Hugo alternate run by run; "
        "\"tags\" = main feed + a feed per tag, \"default\" = feedsmith's defaults; Hugo writes the home and per-tag RSS feeds):",
        "",
        "| N | feedsmith config | RSS feeds (items) feedsmith / Hugo | files written, size feedsmith / Hugo "
        "| feedsmith cold | Hugo cold | Hugo ÷ feedsmith | peak RSS feedsmith / Hugo | feedsmith memory, % of Hugo "
        "| feedsmith restart (% of cold) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        for row in tags_rows(n, runs_at(n, args.runs), not args.no_hugo):
            lines.append(row)
            print(row, flush=True)
    return lines


def watch_table(sizes, args):
    """Watch-mode latency and memory at sizes of 10,000 and more: Markdown lines."""
    lines = [f"watch mode (default feeds, debounce {args.debounce_ms} ms, {args.edits} edits of the newest story):", "",
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
    return lines


def main():
    ap = argparse.ArgumentParser(description="feedsmith's benchmarks against Hugo (see bench/README.md)")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per figure (fewer at 100,000 and above)")
    ap.add_argument("--edits", type=int, default=1000)
    ap.add_argument("--debounce-ms", type=int, default=100)
    ap.add_argument("--default-max", type=int, default=10000,
                    help="largest N the main-feed table also builds with the default feeds "
                         "(per-tag and archive feeds write ~30 KiB per story)")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--no-watch", action="store_true")
    ap.add_argument("--tags-only", action="store_true", help="run only the tags table")
    ap.add_argument("--results", help="file the tables are written to "
                                      "(default: bench/results.md for a full run, none with --tags-only)")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    ensure_tools()
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [f"machine: {os.cpu_count()} cores, {cpu_model()}; runs per figure: {args.runs} "
             f"({runs_at(100000, args.runs)} at 100,000 and above), medians", ""]
    if not args.tags_only:
        lines += main_table(sizes, args) + [""]
    lines += tags_table(sizes, args)
    if not args.tags_only and not args.no_watch:
        lines += [""] + watch_table(sizes, args)
    text = "\n".join(lines) + "\n"
    results = args.results or (None if args.tags_only else os.path.join(HERE, "results.md"))
    if results:
        with open(results, "w") as f:
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
