"""Template search benchmark: latency, start-up, memory and quality at 1k / 10k / 100k paragraphs.

Corpora are built at run time from ../shared/corpus (never stored in the repository): the real
paragraphs as imported by ``bot.fanwen.corpus`` plus synthetic ones made by recombining sentences of
real paragraphs of the same kind. Quality uses the dev queries below (our own words); a result
is relevant when it satisfies the query's automatic rule (keywords it must contain, kinds).

Compared designs:
  ours      in-memory numpy BM25 over char bigrams (snapshot next to the DB) + word coverage and
            rapidfuzz re-rank of the top 50 (bot.fanwen.search)
  bm25s     the baseline: bm25s (numba backend) over the same char bigrams + rapidfuzz
            ``cdist`` re-rank of its top 50 (optional ``bench`` extra: pip install bm25s numba);
            its latency is measured interleaved with ours in one process
  rf-scan   rapidfuzz partial_ratio over every paragraph (no index)
  fts5-tri  SQLite FTS5 with the trigram tokenizer, ORDER BY rank

Run: ``python -m benchmarks.search [--sizes 1000,10000,100000] [--no-baselines]``.
Targets at 100k on a 2-core machine: p95 ≤ 20 ms, open + first query ≤ 2 s, RSS ≤ 400 MB,
hit@5 ≥ 0.95 on the real corpus.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("DANGWU_CORPUS") or ROOT.parent / "shared" / "corpus")
OUT = ROOT / "benchmarks" / "out"


@dataclass(frozen=True)
class DevQuery:
    """A query and its relevance rule: text contains every ``all`` word and one ``any`` word
    (when given), and the paragraph's kind is in ``kinds`` (when given)."""

    q: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    kind: str | None = None  # passed to search() as a filter

    def relevant(self, text: str, kind: str) -> bool:
        if any(w not in text for w in self.all):
            return False
        if self.any and not any(w in text for w in self.any):
            return False
        return not self.kinds or kind in self.kinds


def Q(q: str, all: str = "", any: str = "", kinds: str = "", kind: str | None = None) -> DevQuery:
    return DevQuery(q, tuple(all.split()), tuple(any.split()), tuple(kinds.split()), kind)


#: Dev queries written by reading the collection: what a branch secretary would type.
DEV_QUERIES: tuple[DevQuery, ...] = (
    Q("党费收缴", all="党费", any="收缴 交纳 缴纳 收交"),
    Q("三会一课 落实不到位", all="三会一课", any="不到位 不规范 不严 不够 不经常"),
    Q("发展党员质量", all="发展党员", any="质量"),
    Q("软弱涣散 整顿", all="软弱涣散", any="整顿"),
    Q("党员老龄化", any="老龄化 年龄偏大 年龄结构老化 老化"),
    Q("学习强国", all="学习强国"),
    Q("流动党员管理", all="流动党员"),
    Q("谈心谈话", all="谈心谈话"),
    Q("主题党日", all="主题党日"),
    Q("党建业务两张皮", all="两张皮"),
    Q("重业务轻党建", all="轻党建"),
    Q("村集体经济薄弱", all="集体经济", any="薄弱 不强 单一 缓慢 狭窄"),
    Q("村两委换届", all="换届"),
    Q("党风廉政建设", all="党风廉政"),
    Q("意识形态工作", all="意识形态"),
    Q("阵地建设", all="阵地"),
    Q("党务公开", all="党务公开"),
    Q("远程教育", all="远程教育"),
    Q("入党积极分子培养", all="积极分子", any="培养 培训 考察"),
    Q("后备干部", all="后备干部"),
    Q("党建经费不足", all="经费", any="不足 不够 紧张 困难 保障"),
    Q("两新组织党建", all="两新"),
    Q("书记第一责任人", all="第一责任人"),
    Q("组织生活会", all="组织生活会"),
    Q("民主评议", all="民主评议"),
    Q("党员先锋岗", all="先锋岗"),
    Q("设岗定责", all="设岗定责"),
    Q("无职党员", all="无职党员"),
    Q("党小组活动", all="党小组"),
    Q("学校党支部", all="学校"),
    Q("高校学生党员", all="学生 党员"),
    Q("非公企业党建", all="非公"),
    Q("社区党建", all="社区"),
    Q("四风问题", all="四风"),
    Q("问责机制不健全", all="问责", any="不健全 缺失 不够 不严 不完善"),
    Q("党员教育形式单一", all="党员", any="单一 单调"),
    Q("第一书记驻村", all="第一书记"),
    Q("脱贫攻坚", all="脱贫"),
    Q("标准化规范化建设", any="标准化 规范化"),
    Q("积分制管理", all="积分"),
    Q("微信群", all="微信"),
    Q("批评指正", all="批评指正"),
    # filters, short, typo, traditional, stray words
    Q("党费", all="党费", kinds="整改措施", kind="整改措施"),
    Q("党员教育", all="党员教育", kinds="存在问题", kind="问题"),
    Q("理论学习", all="学习", kinds="下一步打算", kind="打算"),
    Q("党费", all="党费"),
    Q("支部", all="支部"),
    Q("三会一可", all="三会一课"),
    Q("發展黨員", all="发展党员"),
    Q("组织生活会 问题", all="组织生活会"),
    Q("换届 纪律", all="换届", any="纪律"),
)


# --- corpus construction -------------------------------------------------------------------

_SENT = re.compile(r"[^。！？；]+[。！？；]")


def real_paragraphs(db_path: Path) -> list[tuple[str, str, str]]:
    """Import ../shared/corpus with the real pipeline; (text, kind, heading) of what was kept."""
    from bot.db import open_db
    from bot.fanwen.corpus import ingest_paths

    db = open_db(db_path)
    ingest_paths(db, [CORPUS])
    rows = db.conn.execute("SELECT text, kind, heading FROM paragraphs ORDER BY id").fetchall()
    db.conn.close()
    return [(str(t), str(k), str(h)) for t, k, h in rows]


def synthetic(real: list[tuple[str, str, str]], n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Paragraphs of 2–6 sentences drawn from real paragraphs of one kind (realistic wording,
    realistic length, shared vocabulary — the hard case for an inverted index)."""
    rng = random.Random(seed)
    by_kind: dict[str, list[str]] = {}
    for text, kind, _ in real:
        by_kind.setdefault(kind, []).extend(s for s in _SENT.findall(text) if len(s) >= 8)
    kinds = [k for k, v in by_kind.items() if len(v) >= 6]
    out: list[tuple[str, str, str]] = []
    seen = {text for text, _, _ in real}
    while len(out) < n:
        kind = rng.choice(kinds)
        text = "".join(rng.sample(by_kind[kind], rng.randint(2, 6)))
        if text in seen:
            continue
        seen.add(text)
        out.append((text, kind, f"合成 › {kind} › {len(out)}"))
    return out


def build(path: Path, paragraphs: list[tuple[str, str, str]]) -> dict[str, float]:
    """Write paragraphs with plain SQL, then time building the index (bot.fanwen.search)."""
    from bot.db import open_db
    from bot.fanwen.corpus import text_hash
    from bot.fanwen.search import index_stats, rebuild_index

    db = open_db(path)
    with db.conn:
        sid = db.conn.execute(
            "INSERT INTO sources (name, path, sha256, origin) VALUES ('bench', 'bench', ?, 'import')",
            (f"bench-{len(paragraphs)}",),
        ).lastrowid
        db.conn.executemany(
            "INSERT OR IGNORE INTO paragraphs (source_id, position, heading, kind, text, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(sid, i, h, k, t, text_hash(t)) for i, (t, k, h) in enumerate(paragraphs)],
        )
    t0 = time.perf_counter()
    rebuild_index(db)
    build_s = time.perf_counter() - t0
    stats = index_stats(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    snap = Path(f"{path}.search")
    index_bytes = _index_bytes(path) + sum(
        f.stat().st_size for f in snap.rglob("*") if f.is_file()
    )
    return {"build_s": build_s, "paragraphs": stats["paragraphs"], "terms": stats["terms"],
            "postings": stats["postings"], "index_mb": index_bytes / 2**20,
            "db_mb": path.stat().st_size / 2**20, "build_rss_mb": _rss_mb()}


def _index_bytes(path: Path) -> int:
    """Bytes of the search_* tables (dbstat when compiled in, else the file size delta)."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        row = conn.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%' OR name LIKE 'sqlite_autoindex_search_%'"
        ).fetchone()
        return int(row[0] or 0)
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _rss_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss it is not inherited
    from the parent across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- measuring -----------------------------------------------------------------------------


def _quality(ranked: list[list[tuple[str, str]]]) -> dict[str, float]:
    hit1 = hit5 = mrr = 0.0
    for dq, results in zip(DEV_QUERIES, ranked, strict=True):
        ranks = [i for i, (t, k) in enumerate(results[:10], 1) if dq.relevant(t, k)]
        if ranks:
            hit1 += ranks[0] == 1
            hit5 += ranks[0] <= 5
            mrr += 1 / ranks[0]
    n = len(DEV_QUERIES)
    return {"hit1": hit1 / n, "hit5": hit5 / n, "mrr10": mrr / n}


def query_ours(path: str, rounds: int) -> dict[str, Any]:
    """Run in a fresh process: open + first query, then timed rounds of every dev query."""
    t_start = time.perf_counter()
    from bot.db import open_db
    from bot.fanwen.search import search

    t_import = time.perf_counter()
    db = open_db(path)
    first = search(db, DEV_QUERIES[0].q, limit=10)
    t_first = time.perf_counter()
    ranked: list[list[tuple[str, str]]] = []
    for dq in DEV_QUERIES:
        resp = search(db, dq.q, kind=dq.kind, limit=10)
        ranked.append([(r.text, r.kind) for r in resp.results])
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for dq in DEV_QUERIES:
            t0, c0 = time.perf_counter(), time.process_time()
            search(db, dq.q, kind=dq.kind, limit=5)
            timings.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return {
        "cpu": cpu,
        "import_s": t_import - t_start,
        "open_first_s": t_first - t_import,
        "first_results": len(first.results),
        "timings": timings,
        "quality": _quality(ranked),
        "rss_mb": _rss_mb(),
    }


def query_rfscan(path: str, rounds: int) -> dict[str, Any]:
    """Baseline: rapidfuzz over every paragraph (texts held in memory, as a naive bot would)."""
    import sqlite3

    from rapidfuzz import fuzz, process

    from bot.fanwen.docparse import resolve_kind
    from bot.text import fold

    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT text, kind FROM paragraphs").fetchall()
    texts = [fold(t) for t, _ in rows]

    def run(dq: DevQuery, limit: int) -> list[tuple[str, str]]:
        q = fold(dq.q)
        want = resolve_kind(dq.kind) if dq.kind else None
        hits = process.extract(q, texts, scorer=fuzz.partial_ratio, limit=limit * 4 if want else limit)
        out = [(rows[i][0], rows[i][1]) for _, _, i in hits]
        return [r for r in out if not want or r[1] == want][:limit]

    ranked = [run(dq, 10) for dq in DEV_QUERIES]
    timings = []
    for _ in range(rounds):
        for dq in DEV_QUERIES:
            t0 = time.perf_counter()
            run(dq, 5)
            timings.append(time.perf_counter() - t0)
    return {"timings": timings, "quality": _quality(ranked), "rss_mb": _rss_mb()}


def query_fts(path: str, rounds: int) -> dict[str, Any]:
    """Baseline: FTS5 trigram index (built here, timed), phrase query per word, bm25 rank."""
    import sqlite3

    from bot.fanwen.docparse import resolve_kind
    from bot.text import fold

    conn = sqlite3.connect(path)
    t0 = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS bench_fts")
    conn.execute("CREATE VIRTUAL TABLE bench_fts USING fts5(text, kind UNINDEXED, tokenize='trigram')")
    conn.execute("INSERT INTO bench_fts (rowid, text, kind) SELECT id, text, kind FROM paragraphs")
    conn.commit()
    build_s = time.perf_counter() - t0

    def run(dq: DevQuery, limit: int) -> list[tuple[str, str]]:
        words = re.findall(r"[^\W_]+", fold(dq.q))
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words if len(w) >= 3)
        if not match:
            return []  # the trigram tokenizer cannot match one- or two-character terms
        want = resolve_kind(dq.kind) if dq.kind else None
        sql = "SELECT text, kind FROM bench_fts WHERE bench_fts MATCH ?"
        params: list[Any] = [match]
        if want:
            sql += " AND kind = ?"
            params.append(want)
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        return [(str(t), str(k)) for t, k in conn.execute(sql, params)]

    ranked = [run(dq, 10) for dq in DEV_QUERIES]
    timings = []
    for _ in range(rounds):
        for dq in DEV_QUERIES:
            t0 = time.perf_counter()
            run(dq, 5)
            timings.append(time.perf_counter() - t0)
    conn.execute("DROP TABLE bench_fts")
    conn.commit()
    return {"timings": timings, "quality": _quality(ranked), "rss_mb": _rss_mb(),
            "build_s": build_s}


def _bigrams(text: str) -> list[str]:
    from bot.fanwen.search import index_terms

    return list(index_terms(text).elements())


def build_bm25s(path: str, out: str) -> dict[str, float]:
    """Baseline index over the same paragraphs (text + heading bigrams), saved to ``out``."""
    import sqlite3

    import bm25s

    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT text, COALESCE(heading, '') FROM paragraphs ORDER BY id").fetchall()
    t0 = time.perf_counter()
    tokens = [_bigrams(f"{t}\n{h}") for t, h in rows]
    retriever = bm25s.BM25(backend="numba")
    retriever.index(tokens, show_progress=False)
    retriever.save(out)
    build_s = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in Path(out).iterdir())
    return {"build_s": build_s, "index_mb": size / 2**20, "build_rss_mb": _rss_mb()}


class Bm25sBaseline:
    """bm25s top 50 (kind filter as a weight mask), re-ranked by rapidfuzz partial_ratio."""

    def __init__(self, path: str, index_dir: str) -> None:
        import sqlite3

        import bm25s
        import numpy as np

        from bot.text import fold

        self.np, self.fold = np, fold
        self.retriever = bm25s.BM25.load(index_dir, mmap=True)
        self.retriever.backend = "numba"
        self.conn = sqlite3.connect(path)
        rows = self.conn.execute("SELECT id, kind FROM paragraphs ORDER BY id").fetchall()
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        kinds = [r[1] for r in rows]
        self.masks = {k: np.array([x == k for x in kinds], dtype=np.float32) for k in set(kinds)}

    def run(self, dq: DevQuery, limit: int) -> list[tuple[str, str]]:
        from rapidfuzz import fuzz, process

        from bot.fanwen.docparse import resolve_kind

        q = self.fold(dq.q)
        tokens = [t for t in _bigrams(q) if t in self.retriever.vocab_dict]
        if not tokens:
            return []
        want = resolve_kind(dq.kind) if dq.kind else None
        mask = self.masks.get(want) if want else None
        if want and mask is None:
            return []
        docs, scores = self.retriever.retrieve(
            [tokens], k=min(50, len(self.ids)), show_progress=False, n_threads=1,
            weight_mask=mask,
        )
        keep = [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        if not keep:
            return []
        pids = [int(self.ids[d]) for d, _ in keep]
        marks = ",".join("?" * len(pids))
        by_id = {r[0]: (r[1], r[2]) for r in self.conn.execute(
            f"SELECT id, text, kind FROM paragraphs WHERE id IN ({marks})", pids)}
        texts = [self.fold(by_id[p][0]) for p in pids]
        words = re.findall(r"[^\W_]+", q)
        fuzzy = process.cdist(words, texts, scorer=fuzz.partial_ratio).mean(axis=0) / 100
        best = max(s for _, s in keep)
        final = sorted(
            range(len(pids)), key=lambda i: -(0.6 * keep[i][1] / best + 0.4 * fuzzy[i])
        )
        return [by_id[pids[i]] for i in final[:limit]]


def query_bm25s(path: str, rounds: int) -> dict[str, Any]:
    """Baseline in a fresh process: cold open + first query, RSS, quality."""
    t0 = time.perf_counter()
    base = Bm25sBaseline(path, path + ".bm25s")
    base.run(DEV_QUERIES[0], 10)
    open_first = time.perf_counter() - t0
    ranked = [base.run(dq, 10) for dq in DEV_QUERIES]
    timings = []
    for _ in range(rounds):
        for dq in DEV_QUERIES:
            t1 = time.perf_counter()
            base.run(dq, 5)
            timings.append(time.perf_counter() - t1)
    return {"timings": timings, "quality": _quality(ranked), "rss_mb": _rss_mb(),
            "open_first_s": open_first}


def query_interleaved(path: str, rounds: int) -> dict[str, Any]:
    """Ours and the baseline on the same queries, alternating, in one process."""
    from bot.db import open_db
    from bot.fanwen.search import search

    db = open_db(path)
    base = Bm25sBaseline(path, path + ".bm25s")
    search(db, DEV_QUERIES[0].q)
    base.run(DEV_QUERIES[0], 5)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        for dq in DEV_QUERIES:
            t0 = time.perf_counter()
            search(db, dq.q, kind=dq.kind, limit=5)
            t1 = time.perf_counter()
            base.run(dq, 5)
            t2 = time.perf_counter()
            ours.append(t1 - t0)
            theirs.append(t2 - t1)
    return {"ours": ours, "bm25s": theirs}


def _in_process(func: str, path: str, rounds: int) -> dict[str, Any]:
    """Each measurement in a fresh interpreter, so start-up and RSS are the bot's own."""
    code = (
        "import json, sys; from benchmarks import search as b; "
        f"r = b.{func}({path!r}, {rounds}); sys.stdout.write(json.dumps(r))"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out)
    result["wall_s"] = time.perf_counter() - t0
    return result


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


@dataclass
class Row:
    corpus: str
    design: str
    paragraphs: int
    build_s: float | None = None
    index_mb: float | None = None
    open_first_s: float | None = None
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    cpu_p95_ms: float | None = None
    rss_mb: float = 0.0
    quality: dict[str, float] = field(default_factory=dict)


def _row(corpus: str, design: str, n: int, r: dict[str, Any], **extra: Any) -> Row:
    return Row(
        corpus, design, n,
        p50_ms=_pct(r["timings"], 50), p95_ms=_pct(r["timings"], 95), rss_mb=r["rss_mb"],
        cpu_p95_ms=_pct(r["cpu"], 95) if "cpu" in r else None,
        quality=r["quality"], **extra,
    )


def print_table(rows: list[Row]) -> None:
    head = ("corpus", "design", "paragraphs", "build s", "index MB", "open+1st s", "p50 ms",
            "p95 ms", "cpu p95 ms", "peak RSS MB", "hit@1", "hit@5", "MRR@10")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))

    def f(v: float | None, fmt: str) -> str:
        return "–" if v is None else format(v, fmt)

    for r in rows:
        cells = (r.corpus, r.design, str(r.paragraphs), f(r.build_s, ".1f"), f(r.index_mb, ".1f"),
                 f(r.open_first_s, ".2f"), f(r.p50_ms, ".1f"), f(r.p95_ms, ".1f"),
                 f(r.cpu_p95_ms, ".1f"),
                 f(r.rss_mb, ".0f"), f(r.quality.get("hit1"), ".2f"),
                 f(r.quality.get("hit5"), ".2f"), f(r.quality.get("mrr10"), ".2f"))
        print("| " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--rounds", type=int, default=5, help="timed passes over the dev queries")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--bm25s", action="store_true",
                    help="compare with bm25s (numba) + rapidfuzz, interleaved (bench extra)")
    ap.add_argument("--baseline-max", type=int, default=10000,
                    help="largest corpus the rapidfuzz scan baseline runs on (it is linear)")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; the benchmark needs ../shared/corpus")
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="dangwu-bench-"))
    rows: list[Row] = []
    try:
        real_db = work / "real.db"
        real = real_paragraphs(real_db)
        print(f"real corpus: {len(real)} paragraphs after cleaning and de-duplication; "
              f"{len(DEV_QUERIES)} dev queries")
        missing = [dq.q for dq in DEV_QUERIES if not any(dq.relevant(t, k) for t, k, _ in real)]
        if missing:
            print("dev queries with no relevant paragraph in the real corpus:", missing)
        r = _in_process("query_ours", str(real_db), args.rounds)
        rows.append(_row("real", "ours", len(real), r, open_first_s=r["open_first_s"]))
        if not args.no_baselines:
            rows.append(_row("real", "rf-scan", len(real), _in_process("query_rfscan", str(real_db), args.rounds)))
            fts = _in_process("query_fts", str(real_db), args.rounds)
            rows.append(_row("real", "fts5-tri", len(real), fts, build_s=fts["build_s"]))
        for n in sizes:
            path = work / f"syn{n}.db"
            paragraphs = real + synthetic(real, max(0, n - len(real)), seed=n)
            ctx = mp.get_context("spawn")
            with ctx.Pool(1) as pool:
                built = pool.apply(build, (path, paragraphs))
            r = _in_process("query_ours", str(path), args.rounds)
            ours_row = _row(f"{n // 1000}k", "ours", int(built["paragraphs"]), r,
                            build_s=built["build_s"], index_mb=built["index_mb"] or None,
                            open_first_s=r["open_first_s"])
            rows.append(ours_row)
            if args.bm25s:
                with ctx.Pool(1) as pool:
                    bb = pool.apply(build_bm25s, (str(path), str(path) + ".bm25s"))
                rb = _in_process("query_bm25s", str(path), args.rounds)
                base_row = _row(f"{n // 1000}k", "bm25s+rf", n, rb, build_s=bb["build_s"],
                                index_mb=bb["index_mb"], open_first_s=rb["open_first_s"])
                rows.append(base_row)
                inter = _in_process("query_interleaved", str(path), args.rounds)
                for row, key in ((ours_row, "ours"), (base_row, "bm25s")):
                    row.p50_ms = _pct(inter[key], 50)
                    row.p95_ms = _pct(inter[key], 95)
                shutil.rmtree(str(path) + ".bm25s", ignore_errors=True)
            print(f"  built {n}: {built['paragraphs']:.0f} paragraphs, {built['terms']:.0f} terms, "
                  f"{built['postings']:.0f} postings, db {built['db_mb']:.0f} MB, "
                  f"build peak RSS {built['build_rss_mb']:.0f} MB; fresh process: imports "
                  f"{r['import_s']:.2f} s + open & first query {r['open_first_s']:.2f} s")
            if not args.no_baselines:
                if n <= args.baseline_max:
                    rows.append(_row(f"{n // 1000}k", "rf-scan", n, _in_process("query_rfscan", str(path), 1)))
                fts = _in_process("query_fts", str(path), args.rounds)
                rows.append(_row(f"{n // 1000}k", "fts5-tri", n, fts, build_s=fts["build_s"]))
            os.remove(path)
            shutil.rmtree(f"{path}.search", ignore_errors=True)
        print()
        print_table(rows)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "search.json").write_text(
            json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1), "utf-8"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
