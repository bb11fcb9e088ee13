"""Rules engine accuracy and latency on questions written independently of the KB variants.

``python -m benchmarks.rules`` prints top-1 accuracy on in-scope questions, the refusal rate on
out-of-scope / non-existent-rule questions, answer latency p50/p95 and start-up time.
Each line of ``benchmarks/rules_eval.jsonl`` is ``{"q": question, "expect": rule id or null, "tag": ...}``.

``python -m benchmarks.rules --situational [FILE]`` grades whole answers (``bot.rules.case.answer_case``)
on a situational set (default the dev set) as benchmarks/SITUATIONAL_FORMAT.md says, per kind.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

EVAL = Path(__file__).with_name("rules_eval.jsonl")
SITUATIONAL_DEV = Path(__file__).with_name("rules_situational_dev.jsonl")

_NEG_OPEN = ("不", "未", "没", "无", "否")
_POS_OPEN = ("能", "可以", "是", "算", "够", "通过", "当选", "有效", "对", "应当", "要", "需要")


def grade_norm(text: str) -> str:
    """What the grader compares: half-width, Chinese numerals as digits, dates as ISO, no spaces."""
    import contextlib
    import re
    import unicodedata

    import cn2an

    t = unicodedata.normalize("NFKC", text)
    with contextlib.suppress(Exception):  # cn2an gives up on a few odd strings: keep them
        t = cn2an.transform(t, "cn2an")

    def iso(m: re.Match[str]) -> str:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"

    t = re.sub(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?", iso, t)
    return re.sub(r"\s+", "", t)


def _has_all(text: str, groups: list[list[str]]) -> bool:
    return all(any(grade_norm(alt) in text for alt in group) for group in groups)


def _opening_verdict(text: str) -> str | None:
    head = text.lstrip("：:，,。 ")[:6]
    if head.startswith(("不对", "对，")):
        head = head[2:].lstrip("：:，,。 ")
    if head.startswith(_NEG_OPEN):
        return "no"
    if head.startswith(_POS_OPEN):
        return "yes"
    return None


def grade_case(row: dict[str, object], case: object) -> tuple[bool, str]:
    """(correct, why) for one situational line and the bot's CaseAnswer."""
    from bot.rules.case import CaseAnswer

    assert isinstance(case, CaseAnswer)
    text = grade_norm(case.text())
    must = row.get("must") or []
    assert isinstance(must, list)
    if row.get("decline"):
        answered = not case.declined and not case.no_rule
        return (not answered, "answered instead of declining" if answered else "")
    if row.get("parts"):
        return _grade_parts(row["parts"], case)
    why = (
        _missing(text, must)
        or _asserts_forbidden(text, row.get("must_not") or [])
        or _flag_miss(row, case, text)
        or _figure_miss(row.get("figure"), text)
    )
    return not why, why


def _grade_parts(parts: object, case: Any) -> tuple[bool, str]:
    """A multi-question line: every expected part must be found in a different answer part
    (taken in order, first fit), so one answer part cannot count for two questions."""
    assert isinstance(parts, list)
    texts = [grade_norm(p.text()) for p in case.parts]
    used: set[int] = set()
    for i, want in enumerate(parts):
        hit = next(
            (k for k, t in enumerate(texts) if k not in used and _has_all(t, want["must"])),
            None,
        )
        if hit is None:
            return False, f"part {i + 1} missing {want['must']}"
        used.add(hit)
    return True, ""


def _missing(text: str, must: list[list[str]]) -> str:
    """Why the answer fails its ``must`` groups (each names the groups with no alternative
    present), or ''."""
    if not _has_all(text, must):
        return f"missing {[g for g in must if not _has_all(text, [g])]}"
    return ""


def _asserts_forbidden(text: str, must_not: object) -> str:
    """The first ``must_not`` phrase the answer contains (a wrong figure or claim), or ''."""
    assert isinstance(must_not, list)
    for bad in must_not:
        if grade_norm(str(bad)) in text:
            return f"asserts {bad}"
    return ""


def _flag_miss(row: dict[str, object], case: Any, text: str) -> str:
    """The line expects 'no national rule' flagged, or a false premise corrected first."""
    if row.get("no_rule") and not case.no_rule:
        return "no_rule not flagged"
    if row.get("correct_first") and not text.startswith(("不对", "不是", "不")):
        return "does not open with the correction"
    return ""


def _figure_miss(figure: object, text: str) -> str:
    """The expected ``figure``: a yes/no verdict must open the answer (the reader sees it
    first), any other figure must appear somewhere in it."""
    if figure is None:
        return ""
    if figure in ("yes", "no"):
        got = _opening_verdict(text)
        return f"verdict {got}, expected {figure}" if got != figure else ""
    return f"figure {figure} absent" if grade_norm(str(figure)) not in text else ""


def situational(path: Path, verbose: bool) -> int:
    from datetime import date

    from bot.rules.case import answer_case
    from bot.rules.engine import load_rulebook

    book = load_rulebook()
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    by_kind: dict[str, list[int]] = {}
    latencies: list[float] = []
    for row in rows:
        t = time.perf_counter()
        case = answer_case(book, str(row["q"]), date.fromisoformat(str(row["today"])))
        latencies.append((time.perf_counter() - t) * 1000)
        right, why = grade_case(row, case)
        tally = by_kind.setdefault(str(row["kind"]), [0, 0])
        tally[0] += right
        tally[1] += 1
        if verbose and not right:
            print(f"MISS {row['id']} {row['kind']}: {row['q']}\n  {why}\n  -> {case.text()[:160]!r}")
    total = sum(n for _ok, n in by_kind.values())
    good = sum(ok for ok, _n in by_kind.values())
    print(f"{'kind':<14} {'right':>6} {'of':>4}   share")
    for kind, (ok, n) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
        print(f"{kind:<14} {ok:>6} {n:>4}   {ok / n:.0%}")
    print(f"{'total':<14} {good:>6} {total:>4}   {good / max(total, 1):.1%}")
    print(f"latency p50 / p95  {statistics.median(latencies):.1f} / {percentile(latencies, 95):.1f} ms")
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval", type=Path, default=EVAL)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    ap.add_argument(
        "--situational",
        type=Path,
        nargs="?",
        const=SITUATIONAL_DEV,
        metavar="FILE",
        help="grade whole answers on a situational set (default: the dev set)",
    )
    args = ap.parse_args(argv)
    if args.situational is not None:
        return situational(args.situational, args.verbose)

    t0 = time.perf_counter()
    from bot.rules.engine import Answer, load_rulebook

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
