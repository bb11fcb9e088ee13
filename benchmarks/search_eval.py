"""Score one query file (``SEARCH_EVAL_FORMAT.md``) against the real corpus: the shared scorer.

The same numbers ``benchmarks/search_heldout.py`` reports (hit@1, hit@5, empty answers per kind
of query, over the top 5 of ``bot.fanwen.search.search``), for any file, so the dev sets are
scored exactly as the held-out set is. It also recounts each line's relevant set on the fresh
DB: a line whose set is empty is reported as unanswerable and not scored (see the format file),
and a drift from the stored ``n_rel`` is listed.

Run: ``python -m benchmarks.search_eval --file benchmarks/search_dev2.jsonl [--baseline]
[--misses]`` (``--baseline`` needs the ``bench`` extra: bm25s + numba).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.search import CORPUS, DevQuery

HERE = Path(__file__).resolve().parent
KINDS = ("keyword", "typo", "colloquial")


@dataclass(frozen=True)
class Line:
    """One query line: its id, kind of query, the query and its stored ``n_rel``."""

    id: str
    kind: str
    query: DevQuery
    n_rel: int


def load_file(path: Path) -> list[Line]:
    """The lines of a query file in ``SEARCH_EVAL_FORMAT.md``."""
    out = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            q = DevQuery(d["q"], tuple(d["all"]), tuple(d["any"]), tuple(d["kinds"]), d.get("filter"))
            out.append(Line(str(d.get("id", "")), d["kind"], q, int(d.get("n_rel", 0))))
    return out


@dataclass
class Tally:
    """hit@1, hit@5, empty answers and MRR@10 of one kind of query for one design."""

    n: int = 0
    hit1: int = 0
    hit5: int = 0
    empty: int = 0
    rr: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, label: str, hits: list[bool], got: int) -> None:
        self.n += 1
        self.hit1 += bool(hits[:1] and hits[0])
        self.hit5 += any(hits[:5])
        self.empty += not got
        first = next((i for i, h in enumerate(hits[:10], 1) if h), 0)
        self.rr += 1 / first if first else 0.0
        if not any(hits[:5]):
            self.misses.append(label)


Ranker = Callable[[DevQuery, int], list[tuple[str, str]]]


def shared_words(query: str, texts: list[str]) -> list[str]:
    """The query's words (jieba, two or more ideographs, no stopword) that some paragraph
    holds: a query with one must never come back empty."""
    from bot.text import QUESTION_WORDS, STOPWORDS, fold, segmenter

    words = {
        w for w in segmenter().cut(fold(query))
        if len(w) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w)
        and w not in STOPWORDS and w not in QUESTION_WORDS
    }
    return sorted(w for w in words if any(w in t for t in texts))


def relevant_count(rows: Iterable[tuple[str, str]], dq: DevQuery) -> int:
    """Paragraphs ``(text, kind)`` meeting the line's rule (the format file's ``n_rel``)."""
    return sum(dq.relevant(t, k) for t, k in rows)


def evaluate(
    lines: list[Line], designs: dict[str, Ranker], rows: list[tuple[str, str]], depth: int = 10
) -> tuple[dict[tuple[str, str], Tally], list[str], list[str]]:
    """Tallies per (kind of query, design); the unanswerable lines; the n_rel drifts."""
    stats: dict[tuple[str, str], Tally] = defaultdict(Tally)
    unanswerable: list[str] = []
    drift: list[str] = []
    for line in lines:
        n_rel = relevant_count(rows, line.query)
        if not n_rel:
            unanswerable.append(f"{line.id} {line.query.q}")
            continue
        if n_rel != line.n_rel:
            drift.append(f"{line.id} {line.n_rel}→{n_rel}")
        for design, run in designs.items():
            got = run(line.query, depth)
            hits = [line.query.relevant(t, k) for t, k in got]
            stats[(line.kind, design)].add(f"{line.id} {line.kind}: {line.query.q}", hits, len(got))
    return stats, unanswerable, drift


def report(stats: dict[tuple[str, str], Tally], designs: Iterable[str]) -> list[str]:
    """The table: one row per kind of query and design, and the overall row."""
    out = [f"{'kind':<11} {'design':<9} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'mrr10':>6} {'empty':>5}"]
    for design in designs:
        total = Tally()
        for kind in KINDS:
            t = stats.get((kind, design))
            if t is None or not t.n:
                continue
            out.append(
                f"{kind:<11} {design:<9} {t.n:>3} {t.hit1 / t.n:>6.2f} {t.hit5 / t.n:>6.2f} "
                f"{t.rr / t.n:>6.2f} {t.empty:>5}"
            )
            total.n += t.n
            total.hit1 += t.hit1
            total.hit5 += t.hit5
            total.empty += t.empty
            total.rr += t.rr
        if total.n:
            out.append(
                f"{'all':<11} {design:<9} {total.n:>3} {total.hit1 / total.n:>6.2f} "
                f"{total.hit5 / total.n:>6.2f} {total.rr / total.n:>6.2f} {total.empty:>5}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--file", type=Path, default=HERE / "search_dev.jsonl")
    ap.add_argument("--baseline", action="store_true", help="also score bm25s + rapidfuzz")
    ap.add_argument("--misses", action="store_true", help="list our misses with our top result")
    args = ap.parse_args(argv)
    if args.file.resolve().name == "search_heldout.jsonl":
        ap.error("the held-out set is measured by benchmarks/search_heldout.py only")
    from bot.db import open_db
    from bot.fanwen.corpus import ensure_bundled, ingest_paths
    from bot.fanwen.search import search
    from bot.text import fold

    lines = load_file(args.file)
    with tempfile.TemporaryDirectory(prefix="dangwu-search-eval-") as tmp:
        path = Path(tmp) / "s.db"
        db = open_db(path)
        ingest_paths(db, [CORPUS])
        ensure_bundled(db)
        rows = [(str(t), str(k)) for t, k in db.execute("SELECT text, kind FROM paragraphs")]

        def ours(dq: DevQuery, limit: int) -> list[tuple[str, str]]:
            return [(r.text, r.kind) for r in search(db, dq.q, kind=dq.kind, limit=limit).results]

        designs: dict[str, Ranker] = {"ours": ours}
        if args.baseline:
            from benchmarks.search import Bm25sBaseline, build_bm25s

            build_bm25s(str(path), str(path) + ".bm25s")
            base = Bm25sBaseline(str(path), str(path) + ".bm25s")
            designs["bm25s+rf"] = base.run
        stats, unanswerable, drift = evaluate(lines, designs, rows)
        texts = [fold(t) for t, _ in rows]
        empty_shared = [
            f"{ln.id} {ln.query.q} ({'、'.join(words)})"
            for ln in lines
            if not ours(ln.query, 1) and (words := shared_words(ln.query.q, texts))
        ]
        print(f"{args.file.name}, {len(lines)} queries, {len(rows)} paragraphs (real corpus + bundled)")
        print(*report(stats, designs), sep="\n")
        if unanswerable:
            print("unanswerable (relevant set empty, not scored):", *unanswerable, sep="\n  ")
        if drift:
            print("n_rel drift:", ", ".join(drift))
        print(f"empty although sharing a word with a paragraph: {len(empty_shared)}",
              *empty_shared, sep="\n  ")
        misses = [m for kind in KINDS for m in stats[(kind, "ours")].misses]
        print("misses (ours):", *misses, sep="\n  ")
        if args.misses:
            by_q = {f"{ln.id} {ln.kind}: {ln.query.q}": ln.query for ln in lines}
            for m in misses:
                dq = by_q[m]
                resp: Any = search(db, dq.q, kind=dq.kind, limit=3)
                top = resp.results[0].text[:60] if resp.results else "—"
                print(f"- {m} | {resp.message} | {resp.suggestion} | {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
