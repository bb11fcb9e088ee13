"""Rules engine accuracy and latency on questions written independently of the KB variants.

``python -m benchmarks.rules`` prints top-1 accuracy on in-scope questions, the refusal rate on
out-of-scope / non-existent-rule questions, answer latency p50/p95 and start-up time.
Each line of ``benchmarks/rules_eval.jsonl`` is ``{"q": question, "expect": rule id or null, "tag": ...}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

EVAL = Path(__file__).with_name("rules_eval.jsonl")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval", type=Path, default=EVAL)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from bot.rules import Answer, load_rulebook

    book = load_rulebook()
    book.answer("支委会多久开一次")  # first call pays the segmenter's lazy start
    startup = time.perf_counter() - t0

    cases = [json.loads(line) for line in args.eval.read_text("utf-8").splitlines() if line.strip()]
    hits = refusals = in_scope = out_scope = wrong_answers = 0
    latencies: list[float] = []
    by_tag: dict[str, list[int]] = {}
    for case in cases:
        t = time.perf_counter()
        result = book.answer(case["q"])
        latencies.append((time.perf_counter() - t) * 1000)
        got = result.rule.id if isinstance(result, Answer) else None
        ok = got == case["expect"]
        if case["expect"] is None:
            out_scope += 1
            refusals += ok
        else:
            in_scope += 1
            hits += ok
            wrong_answers += got is not None and not ok
        by_tag.setdefault(case.get("tag", "-"), [0, 0])
        by_tag[case.get("tag", "-")][0] += ok
        by_tag[case.get("tag", "-")][1] += 1
        if args.verbose and not ok:
            print(f"MISS {case['q']!r}: expected {case['expect']}, got {got} ({result.confidence:.2f})")

    print(f"entries            {len(book.rules)}")
    print(f"questions          {len(cases)} ({in_scope} in scope, {out_scope} out of scope)")
    print(f"top-1 accuracy     {hits / max(in_scope, 1):.1%}  ({hits}/{in_scope}; wrong answers {wrong_answers})")
    print(f"refusal rate       {refusals / max(out_scope, 1):.1%}  ({refusals}/{out_scope})")
    print(f"latency p50 / p95  {statistics.median(latencies):.2f} / {percentile(latencies, 95):.2f} ms")
    print(f"start-up           {startup:.2f} s (load KB + segmenter + first answer)")
    for tag, (ok, n) in sorted(by_tag.items()):
        print(f"  {tag:<14} {ok}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
