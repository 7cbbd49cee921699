#!/usr/bin/env python3
"""Deterministic benchmark corpus: N Chinese news stories built from the
sentences of the seed page (the sample articles), in year/month folders,
with TOML front matter (title, date, tags, author, summary) that both
feedsmith and Hugo read.

usage: gen_corpus.py N OUT_DIR [--terms 1000]
Same N and --terms give the same files, byte for byte.
"""
import argparse
import os
import random
import re
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = [
    os.path.join(HERE, "..", "articles", "2024", "03", "duibiao-fenjin.md"),
    os.path.join(HERE, "..", "articles", "2024", "03", "xinzhi-gongan-zhandouli.md"),
]


def sentences():
    out = []
    for path in SAMPLES:
        text = open(path, encoding="utf-8").read().split("+++", 2)[2]
        for s in re.split(r"(?<=[。！？])", text.replace("\n", "")):
            s = s.strip()
            if len(s) >= 8:
                out.append(s)
    return out


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--terms", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(20240307)
    pool = sentences()
    words = sorted({w for s in pool for w in re.findall(r"[\u4e00-\u9fff]{2,4}", s)})
    terms = [f"{rng.choice(words)}{i}" for i in range(args.terms)]
    authors = ["陈晓苏", "王海涛", "杨兵", "蒋华蒙", "王向宇", "郑云涛"]
    start = datetime(2015, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    step = timedelta(days=10 * 365) / max(args.n, 1)
    for i in range(args.n):
        date = start + step * i
        n_chars = rng.randint(800, 6000)
        paras, para, size = [], [], 0
        while size < n_chars:
            s = rng.choice(pool)
            para.append(s)
            size += len(s)
            if len(para) >= rng.randint(3, 6):
                paras.append("".join(para))
                para = []
        if para:
            paras.append("".join(para))
        title = rng.choice(pool)[:rng.randint(8, 20)].rstrip("，、；：")
        tags = sorted(set(rng.sample(terms, rng.randint(1, 3))))
        summary = paras[0][:80]
        folder = os.path.join(args.out, f"{date.year:04d}", f"{date.month:02d}")
        os.makedirs(folder, exist_ok=True)
        front = [
            "+++",
            f"title = {toml_str(title)}",
            f"date = {date.isoformat()}",
            f"author = {toml_str(rng.choice(authors))}",
            "tags = [" + ", ".join(toml_str(t) for t in tags) + "]",
            f"summary = {toml_str(summary)}",
            "+++",
            "",
        ]
        with open(os.path.join(folder, f"story-{i:06d}.md"), "w", encoding="utf-8") as f:
            f.write("\n".join(front) + "\n\n".join(paras) + "\n")


if __name__ == "__main__":
    main()
