#!/usr/bin/env python3
"""Made-up newspaper pages in the layout `feedsmith import` reads, with the
stories they hold, to measure the importer on pages it was not written for.

A page imitates the text a layout system extracts from a printed page's PDF:
every body line followed by an empty line and cut at the column width (15-20
CJK characters, varied per page; punctuation set half wide, as printers
compress it; no line starting with a closing mark nor ending with an opening
one; Latin words never cut, numbers sometimes); the extractor's stray spaces
between digits and CJK (`3 月 7 日`); each story's body first, opened by a
byline on a line of its own, then its headline block (column name, perhaps
with the page letter glued on; kicker over one or two lines; headline, which
may end in ？ or ！ or run over two lines; subtitle, often after ——), lines of
one element set together, elements mostly apart; teasers of other pages at
the end, mostly in a box of their own (a leading space).

    scripts/import-pages.py page SEED              # print page SEED
    scripts/import-pages.py truth SEED             # its stories as JSON
    scripts/import-pages.py score [--seeds N] [--bin PATH] [-v]
    scripts/import-pages.py fixture SEED DIR       # DIR/page.txt, DIR/expected.toml

`score` imports pages 1..N (default 50) with the binary (default
target/debug/feedsmith, or $CARGO_TARGET_DIR/debug/feedsmith) and counts the
pages whose every story (title, kicker, subtitle, authors, tags, body) and
teaser came out right with exit 0 ("right"), those where the importer said it
was unsure (exit 1), and those it got wrong without a word ("silently
wrong": the class that matters most).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import tomllib

# ---------------------------------------------------------------- vocabulary

SURNAMES = "陈王李张刘周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "晓苏明敏燕涛峰佳华蒙宇芳静丽君磊军勇强伟杰婷倩颖浩然欣怡子轩梓涵一鸣海波红梅建国志刚晨曦雨桐思远嘉琪慧"
ROLES_ONE = ["记者", "融媒记者", "融媒首席记者", "首席记者", "见习记者", "实习生"]
ROLE_OTHER = "通讯员"

PLACES = ["东城街道", "西城街道", "江南街道", "古山镇", "方岩镇", "石柱镇", "经济开发区", "花街镇", "龙山镇", "芝英镇"]
BODIES = ["市人力社保局", "市发改局", "市教育局", "市卫健局", "市公安局", "市文旅局", "市市场监管局", "市经信局", "市农业农村局", "市住建局"]
PEOPLE = ["市委书记胡勇春", "市长郑云涛", "市委副书记王海涛", "副市长杨兵", "该局负责人", "该公司总经理", "镇党委书记", "社区书记", "村党支部书记"]
THINGS = [
    "创新深化改革攻坚", "“五战双强”行动", "数字化示范车间", "城市书房", "老年食堂", "共同富裕示范区", "未来社区",
    "“最多跑一次”改革", "高标准农田", "五金产业集群", "营商环境", "县域医共体", "乡村振兴", "公共服务",
    "“两手硬”要求", "基层治理", "安全生产", "消防隐患排查", "文明城市创建", "“一件事”集成改革",
]
VERBS = ["深入推进", "加快建设", "全面提升", "持续优化", "扎实开展", "统筹谋划", "着力打造", "不断完善", "稳步推进", "全力抓好"]
LATIN = [
    "Siemens", "PLC", "AI", "5G", "GDP", "Zhejiang University", "New Zealand", "App", "Wi-Fi", "CEO", "PET-CT",
    "internationalization", "ChatGPT", "Made in China", "ISO 9001", "LED", "VR", "B2B", "Bosch", "IPO",
]
DATELINES = ["{m}月{d}日下午，", "{m}月{d}日上午，", "{m}月{d}日，", "近日，", "日前，", "昨天，", "{m}月{d}日晚，", "今年以来，"]

KICKERS = [
    "{p}在全市{t}工作推进会上强调", "我市召开{t}工作会议", "{place}全力推进{t}", "聚焦{t}", "连线全国人大代表{n}",
    "{b}出台新举措", "{t}跑出加速度", "以{t}为抓手", "记者走基层", "{place}探索{t}新路径", "每年免费为群众维修家电",
]
HEADLINES = [
    "对标奋进 对表攻坚", "{t}再提速", "{n2}家企业提供{n3}余个岗位", "{place}{t}见实效", "春风送岗位 就业暖人心",
    "这句承诺 他坚持了{n1}年", "{t}按下快进键", "提升新质公安战斗力 护航“五战双强”主战场", "让{t}更有温度",
    "{place}：小切口解决大问题", "{t}交出亮眼成绩单", "开发区牵手世界{n2}强", "家门口多了个“文化客厅”",
]
ASKING = ["{t}难在哪里？", "老人吃饭还难吗？", "{place}的路为何越走越宽？", "一元钱能做什么？", "谁来守护{t}？"]
EXCLAIMING = ["{t}，我们来了！", "点赞！{place}的好邻居", "干就完了！", "这个春天不一般！"]
SUBTITLES = ["以工作主动性赢得发展主动权", "我市第{n1}家城市书房开放", "{n2}家企业提供{n3}余个岗位", "{place}{t}工作侧记", "记{place}{p2}{n}"]
COLUMNS = ["“八八战略”在身边", "民生直通车", "一线见闻", "“两会”时间", "基层治理新实践", "百姓身边事", "奋进新征程", "【走基层】"]
LONG_HEADLINES = [
    "{place}全力推进{t}工作 确保各项任务落到实处见到实效",
    "坚持目标导向问题导向效果导向 全力抓重点攻难点创亮点",
]


def name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


def fill(rng, pattern):
    return pattern.format(
        p=rng.choice(PEOPLE).replace("该局负责人", "胡勇春").replace("该公司总经理", "郑云涛"),
        p2="社区书记",
        t=rng.choice(THINGS),
        place=rng.choice(PLACES),
        b=rng.choice(BODIES),
        n=name(rng),
        n1=rng.randint(2, 30),
        n2=rng.randint(12, 600),
        n3=rng.randint(800, 9000),
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
    )


def number(rng):
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(2, 999))
    if kind < 0.5:
        return str(rng.randint(1000, 99999))
    if kind < 0.7:
        return f"{rng.randint(1, 99)}.{rng.randint(1, 99)}"
    if kind < 0.85:
        return str(rng.choice([2022, 2023, 2024]))
    return str(rng.randint(100000, 99999999))


def clause(rng):
    k = rng.random()
    if k < 0.25:
        return rng.choice(VERBS) + rng.choice(THINGS)
    if k < 0.4:
        return f"累计完成投资{number(rng)}亿元"
    if k < 0.5:
        return f"同比增长{number(rng)}%"
    if k < 0.6:
        return f"共有{number(rng)}家企业参加"
    if k < 0.7:
        return f"引进{rng.choice(LATIN)}等先进技术"
    if k < 0.78:
        return f"{rng.choice(PLACES)}、{rng.choice(PLACES)}和{rng.choice(PLACES)}率先试点"
    if k < 0.86:
        return f"在{rng.choice(THINGS)}中彰显担当"
    if k < 0.93:
        return f"与{rng.choice(LATIN)}签订合作协议"
    return f"{number(rng)}年来服务群众{number(rng)}人次"


def sentence(rng):
    k = rng.random()
    if k < 0.12:
        inner = "，".join(clause(rng) for _ in range(rng.randint(1, 2)))
        mark = rng.choice(["。", "。", "！", "？"])
        return f"“{inner}{mark}”{rng.choice(PEOPLE)}说。" if rng.random() < 0.5 else f"{rng.choice(PEOPLE)}说：“{inner}{mark}”"
    subject = rng.choice(PEOPLE + BODIES + ["我市", "据了解，今年以来我市", "记者从" + rng.choice(BODIES) + "获悉，"])
    body = "，".join(clause(rng) for _ in range(rng.randint(2, 5)))
    end = rng.choices(["。", "！", "？"], [20, 1, 1])[0]
    if rng.random() < 0.06:
        return f"{subject}{body}（{rng.choice(BODIES)}供图）。"
    return f"{subject}{body}{end}"


def paragraph(rng):
    return "".join(sentence(rng) for _ in range(rng.choice([1, 2, 2, 3, 3, 4, 5])))


# ---------------------------------------------------------------- setting

CLOSING = set("，。、；：！？”’）》」』…%")
OPENING = set("“‘（《「『")
PUNCT = CLOSING | OPENING


def tokens(text, split_numbers):
    """Units the setter never cuts: a CJK character; a Latin word (with the
    digits, hyphens and dots it holds); a digit when numbers may be cut."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isascii() and c != " ":
            j = i
            while j < len(text) and text[j].isascii() and text[j] != " ":
                j += 1
            word = text[i:j]
            if split_numbers and all(ch.isdigit() or ch in ".%" for ch in word):
                out.extend(word)
            else:
                out.append(word)
            i = j
        else:
            out.append(c)
            i += 1
    return out


def units(token):
    if token == " ":
        return 1
    if len(token) == 1 and token in PUNCT:
        return 1
    return sum(1 if ch.isascii() else 2 for ch in token)


def set_lines(text, cols, indent, split_numbers, rng):
    """Lines `cols` characters wide (in half units: CJK 2, punctuation and
    ASCII 1), the first `indent` characters in. Now and then a line holds a
    little less: the printer's justification, and digits or Latin letters a
    little wider than half, as in the seed."""
    lines, line, used = [], [], 2 * indent
    room = 2 * cols - (1 if rng.random() < 0.25 else 0)
    for tok in tokens(text, split_numbers):
        w = units(tok)
        fits = used + w <= room
        hangs = tok in CLOSING and len(tok) == 1 and used + w <= room + 1
        if fits or hangs or not line:
            if tok == " " and not line:
                continue
            line.append(tok)
            used += w
            continue
        # An opening mark never ends a line: it moves down with what follows.
        carry = []
        while line and line[-1] in OPENING:
            carry.insert(0, line.pop())
        lines.append("".join(line).rstrip(" "))
        room = 2 * cols - (1 if rng.random() < 0.25 else 0)
        line = [t for t in carry + [tok] if not (t == " " and not carry)]
        used = sum(units(t) for t in line)
    if line:
        lines.append("".join(line).rstrip(" "))
    return lines


def stray_spaces(rng, line, p):
    """The extractor's spaces between a digit and a CJK character, per number."""
    if rng.random() > p:
        return line
    out = []
    for i, c in enumerate(line):
        if i > 0:
            a = line[i - 1]
            if (a.isdigit() and not c.isascii() and c not in PUNCT) or (not a.isascii() and a not in PUNCT and c.isdigit()):
                out.append(" ")
        out.append(c)
    return "".join(out)


def wrap_headline(rng, text, narrow):
    """An element of a headline block over two lines, cut between CJK
    characters (never at a space nor inside a Latin word or number: the
    join could not tell), at `narrow` characters if given."""
    if len(text) < 8:
        return [text]

    spots = [i for i in range(3, len(text) - 2) if not text[i - 1].isascii() and not text[i].isascii() and text[i] not in CLOSING and text[i - 1] not in OPENING]
    if not spots:
        return [text]
    at = narrow if narrow and narrow in spots else rng.choice(spots)
    return [text[:at], text[at:]]


# ---------------------------------------------------------------- a page

def byline(rng):
    k = rng.random()
    if k < 0.45:
        names = [name(rng)]
        inner = f"{rng.choice(ROLES_ONE)} {names[0]}"
    elif k < 0.65:
        names = [name(rng), name(rng)]
        inner = f"{rng.choice(ROLES_ONE)} {names[0]} {ROLE_OTHER} {names[1]}"
    elif k < 0.8:
        names = [name(rng) for _ in range(rng.randint(2, 3))]
        inner = f"{rng.choice(ROLES_ONE)} " + "、".join(names)
    elif k < 0.9:
        names = [name(rng)]
        inner = f"{ROLE_OTHER} {names[0]}"
    else:
        names = [name(rng), name(rng)]
        inner = f"{ROLE_OTHER} {names[0]} {rng.choice(ROLES_ONE)} {names[1]}"
    return f"本报讯（{inner}）", names


def story(rng):
    text, authors = byline(rng)
    paras = [fill(rng, rng.choice(DATELINES)) + paragraph(rng)]
    for _ in range(rng.randint(0, 7)):
        paras.append(paragraph(rng))
    column = None
    if rng.random() < 0.3:
        column = rng.choice(COLUMNS)
    kicker = fill(rng, rng.choice(KICKERS)) if rng.random() < 0.65 else None
    k = rng.random()
    if k < 0.1:
        title = fill(rng, rng.choice(ASKING))
    elif k < 0.15:
        title = fill(rng, rng.choice(EXCLAIMING))
    elif k < 0.27:
        title = fill(rng, rng.choice(LONG_HEADLINES))
    else:
        title = fill(rng, rng.choice(HEADLINES))
    subtitle = fill(rng, rng.choice(SUBTITLES)) if rng.random() < 0.3 else None
    return {
        "byline": text,
        "authors": authors,
        "paragraphs": [text + paras[0]] + paras[1:],
        "column": column.strip("【】") if column else None,
        "column_printed": column,
        "kicker": kicker,
        "title": title,
        "subtitle": subtitle,
        "dashed": subtitle is not None and rng.random() < 0.6,
    }


def make(seed):
    rng = random.Random(seed)
    cols = rng.randint(15, 20)
    split_numbers = rng.random() < 0.7
    spaces = rng.uniform(0.2, 0.6)
    stories = [story(rng) for _ in range(rng.choices([1, 2, 3, 4, 5], [2, 4, 3, 2, 1])[0])]
    teasers = []
    if rng.random() < 0.6:
        for _ in range(rng.randint(1, 3)):
            teasers.append((fill(rng, rng.choice(KICKERS)), fill(rng, rng.choice(HEADLINES + ASKING))))

    out = []  # (text, run_on): run_on = no empty line after it

    def put(text, run_on=False):
        out.append([text, run_on])

    for n, s in enumerate(stories):
        lead = " " if n == 0 or rng.random() < 0.3 else ""
        put(lead + s["byline"])
        first = s["paragraphs"][0][len(s["byline"]):]
        for i, p in enumerate([first] + s["paragraphs"][1:]):
            for line in set_lines(p, cols, 0 if i == 0 else 2, split_numbers, rng):
                put(stray_spaces(rng, line, spaces))
        if s["column_printed"]:
            letter = rng.choice("ABCDEFGH") if rng.random() < 0.5 and not s["column_printed"].startswith("【") else ""
            put(s["column_printed"] + letter)
        elements = []
        if s["kicker"]:
            narrow = None
            two = rng.random() < 0.35
            if two and rng.random() < 0.5:
                narrow = cols  # cut near the body's column width
            elements.append(wrap_headline(rng, s["kicker"], narrow) if two else [s["kicker"]])
        title_lines = wrap_headline(rng, s["title"], cols if rng.random() < 0.5 else None) if len(s["title"]) > 18 and rng.random() < 0.5 else [s["title"]]
        elements.append(title_lines)
        if s["subtitle"]:
            elements.append([("——" if s["dashed"] else "") + s["subtitle"]])
        for e, lines in enumerate(elements):
            for line in lines[:-1]:
                put(line, True)
            together = e + 1 < len(elements) and rng.random() < (0.45 if e + 2 == len(elements) and s["subtitle"] else 0.1)
            put(lines[-1], together)
    if teasers:
        # The teaser box follows the last headline directly (as on the seed)
        # only when the extractor marks the box's start.
        box = rng.random() < 0.8
        out[-1][1] = box and rng.random() < 0.5
        for t, (kick, head) in enumerate(teasers):
            put((" " if box and (t == 0 or rng.random() < 0.3) else "") + kick, rng.random() < 0.3)
            put(head)
    text = "".join(line + ("\n" if run_on else "\n\n") for line, run_on in out)
    truth = {
        "stories": [
            {k: s[k] for k in ["title", "kicker", "subtitle", "authors", "column", "paragraphs"]} for s in stories
        ],
        "teasers": [{"kicker": k, "headline": h} for k, h in teasers],
    }
    return text, truth


# ---------------------------------------------------------------- scoring

def read_story(path):
    text = open(path, encoding="utf-8").read()
    _, front, body = text.split("+++\n", 2)
    meta = tomllib.loads(front)
    paras = [p.replace("\\", "") for p in body.strip().split("\n\n")]
    authors = meta.get("authors") or ([meta["author"]] if "author" in meta else [])
    tags = meta.get("tags") or []
    return {
        "title": meta.get("title"),
        "kicker": meta.get("kicker"),
        "subtitle": meta.get("subtitle"),
        "authors": authors,
        "column": tags[0] if tags else None,
        "paragraphs": paras,
    }


def run_import(binary, page_text):
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "feedsmith.toml"), "w").write('articles_dir = "articles"\n')
        page = os.path.join(tmp, "page.txt")
        open(page, "w", encoding="utf-8").write(page_text)
        run = subprocess.run(
            [binary, "--config", os.path.join(tmp, "feedsmith.toml"), "import", page, "--date", "2024-03-09"],
            capture_output=True, text=True, cwd=tmp,
        )
        stories = [read_story(os.path.join(tmp, p)) for p in run.stdout.splitlines() if p.strip()]
        return run.returncode, stories, run.stderr


def teasers_of(stderr):
    got = []
    for line in stderr.splitlines():
        _, _, msg = line.partition(": teaser without body: ")
        if msg:
            kicker, _, head = msg.partition(" / ")
            got.append({"kicker": kicker, "headline": head} if head else {"kicker": None, "headline": kicker})
    return got


def score(argv):
    seeds = 50
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(repo, "target"), "debug", "feedsmith")
    verbose = "-v" in argv
    if "--seeds" in argv:
        seeds = int(argv[argv.index("--seeds") + 1])
    if "--bin" in argv:
        binary = argv[argv.index("--bin") + 1]
    tally = {"right": 0, "unsure, all right": 0, "unsure, something wrong": 0, "silently wrong": 0}
    fields = {}
    total_stories = 0
    for seed in range(1, seeds + 1):
        text, truth = make(seed)
        code, got, stderr = run_import(binary, text)
        want = truth["stories"]
        total_stories += len(want)
        problems = []
        for i, w in enumerate(want):
            g = got[i] if i < len(got) and got[i]["paragraphs"][:1] == w["paragraphs"][:1] else next((s for s in got if s["paragraphs"][:1] == w["paragraphs"][:1]), None)
            if g is None:
                problems.append(f"story {i + 1} «{w['title']}» missing")
                fields["missing"] = fields.get("missing", 0) + 1
                continue
            for k in ["title", "kicker", "subtitle", "authors", "column", "paragraphs"]:
                if g[k] != w[k]:
                    fields[k] = fields.get(k, 0) + 1
                    problems.append(f"story {i + 1} {k}: got {g[k]!r}, want {w[k]!r}" if k != "paragraphs" else f"story {i + 1} paragraphs differ: got {len(g[k])}, want {len(w[k])}" + diff_paras(g[k], w[k]))
        if len(got) > len(want):
            problems.append(f"{len(got) - len(want)} stories too many")
            fields["extra"] = fields.get("extra", 0) + 1
        if teasers_of(stderr) != truth["teasers"]:
            fields["teasers"] = fields.get("teasers", 0) + 1
            problems.append(f"teasers: got {teasers_of(stderr)}, want {truth['teasers']}")
        if code == 0 and not problems:
            tally["right"] += 1
        elif code == 1:
            tally["unsure, all right" if not problems else "unsure, something wrong"] += 1
        else:
            tally["silently wrong"] += 1
        if verbose and (problems or code != 0):
            print(f"--- seed {seed}: exit {code}")
            for p in problems:
                print("   ", p)
            for line in stderr.splitlines():
                if "teaser without body" not in line:
                    print("    stderr:", line)
    print(f"{seeds} pages, {total_stories} stories: " + ", ".join(f"{v} {k}" for k, v in tally.items()))
    print("fields wrong (stories): " + (", ".join(f"{k} {v}" for k, v in sorted(fields.items())) or "none"))


def diff_paras(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f" (first difference in paragraph {i + 1}: got …{g[-30:]!r} / want …{w[-30:]!r})"
    return ""


def toml_str(value):
    return json.dumps(value, ensure_ascii=False)


def fixture(seed, folder):
    text, truth = make(seed)
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, "page.txt"), "w", encoding="utf-8").write(text)
    lines = [f"# Made by scripts/import-pages.py fixture {seed}: the stories page.txt holds.", ""]
    for s in truth["stories"]:
        lines.append("[[story]]")
        lines.append(f"title = {toml_str(s['title'])}")
        for k in ["kicker", "subtitle", "column"]:
            if s[k] is not None:
                lines.append(f"{k} = {toml_str(s[k])}")
        lines.append("authors = [" + ", ".join(toml_str(a) for a in s["authors"]) + "]")
        lines.append("paragraphs = [")
        lines.extend(f"    {toml_str(p)}," for p in s["paragraphs"])
        lines.append("]")
        lines.append("")
    for t in truth["teasers"]:
        lines.append("[[teaser]]")
        lines.append(f"kicker = {toml_str(t['kicker'])}")
        lines.append(f"headline = {toml_str(t['headline'])}")
        lines.append("")
    open(os.path.join(folder, "expected.toml"), "w", encoding="utf-8").write("\n".join(lines))


def main(argv):
    if len(argv) >= 2 and argv[0] == "page":
        sys.stdout.write(make(int(argv[1]))[0])
    elif len(argv) >= 2 and argv[0] == "truth":
        print(json.dumps(make(int(argv[1]))[1], ensure_ascii=False, indent=1))
    elif len(argv) >= 3 and argv[0] == "fixture":
        fixture(int(argv[1]), argv[2])
    elif argv and argv[0] == "score":
        score(argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
