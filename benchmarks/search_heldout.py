"""Template search on the independent query sets, side by side with the library baseline.

``benchmarks/search_heldout.jsonl`` was written from the corpus's topics by a helper who never
saw the ranker, and committed before any tuning; ``search_dev.jsonl`` is the tuning set. Each
line's relevance rule (words a paragraph must contain, kinds) is applied to the top 5 results
after importing ``../shared/corpus`` (plus the bundled paragraphs) with the real pipeline.
Reported per kind of query (keyword / typo / colloquial): hit@1, hit@5, empty answers —
ours (``bot.fanwen.search.search``) and the baseline (bm25s numba over the same char bigrams +
rapidfuzz re-rank of its top 50, no cut-off).

Run: ``python -m benchmarks.search_heldout [--set heldout|dev]`` (needs the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.search import CORPUS, Bm25sBaseline, DevQuery, build_bm25s

HERE = Path(__file__).resolve().parent


def load(name: str) -> list[tuple[str, DevQuery]]:
    out = []
    for line in (HERE / f"search_{name}.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            q = DevQuery(d["q"], tuple(d["all"]), tuple(d["any"]), tuple(d["kinds"]), d.get("filter"))
            out.append((d["kind"], q))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", choices=("heldout", "dev"), default="heldout")
    args = ap.parse_args(argv)
    from bot.db import open_db
    from bot.fanwen.corpus import ensure_bundled, ingest_paths
    from bot.fanwen.search import search

    queries = load(args.set)
    with tempfile.TemporaryDirectory(prefix="dangwu-search-eval-") as tmp:
        path = Path(tmp) / "s.db"
        db = open_db(path)
        ingest_paths(db, [CORPUS])
        ensure_bundled(db)
        n = db.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
        build_bm25s(str(path), str(path) + ".bm25s")
        base = Bm25sBaseline(str(path), str(path) + ".bm25s")
        stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        misses: list[str] = []
        for kind, dq in queries:
            ours = [(r.text, r.kind) for r in search(db, dq.q, kind=dq.kind, limit=5).results]
            theirs = base.run(dq, 5)
            for design, got in (("ours", ours), ("bm25s+rf", theirs)):
                s = stats[(kind, design)]
                s[0] += 1
                hits = [dq.relevant(t, k) for t, k in got]
                s[1] += bool(hits[:1] and hits[0])
                s[2] += any(hits)
                s[3] += not got
                if design == "ours" and not any(hits):
                    misses.append(f"{kind}: {dq.q}")
    print(f"{args.set} set, {len(queries)} queries, {n} paragraphs (real corpus + bundled)")
    print(f"{'kind':<11} {'design':<9} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'empty':>5}")
    for kind in ("keyword", "typo", "colloquial"):
        for design in ("ours", "bm25s+rf"):
            c, h1, h5, e = stats[(kind, design)]
            if c:
                print(f"{kind:<11} {design:<9} {c:>3} {h1 / c:>6.2f} {h5 / c:>6.2f} {e:>5}")
    print("misses (ours):", *misses, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
