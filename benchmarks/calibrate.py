"""Fit the rules engine's confidence model (knowledge/dict/confidence.json).

``python -m benchmarks.calibrate`` holds out every question variant of every entry in turn
(the matcher is rebuilt without it), records the evidence about the top-ranked entry and
whether it was right, adds the off-topic questions in benchmarks/calibration_offtopic.txt
(all "wrong"), and fits a small L2-regularised logistic regression. benchmarks/rules_eval.jsonl
is never used here, so the evaluation stays independent. Run it after changing the KB or the
matcher; it takes a couple of minutes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from bot.rules import CONFIDENCE_MODEL, RuleBook, load_rules

OFFTOPIC = Path(__file__).with_name("calibration_offtopic.txt")
OFFTOPIC_WEIGHT = 3.0  # few, but they are the answers that must never be given
L2 = 0.01
STEPS = 3000
RATE = 0.1


def collect() -> tuple[list[list[float]], list[int], list[float]]:
    rules = load_rules()
    xs: list[list[float]] = []
    ys: list[int] = []
    ws: list[float] = []
    for held in rules:
        for j, question in enumerate(held.questions):
            rest = held.questions[:j] + held.questions[j + 1 :]
            book = RuleBook([dataclasses.replace(r, questions=rest) if r.id == held.id else r for r in rules])
            found = book._rank(question)
            if found is None:
                continue
            ranked, evidence = found
            xs.append(evidence)
            ys.append(int(book.rules[ranked[0][1]].id == held.id))
            ws.append(1.0)
    full = RuleBook(rules)
    for line in OFFTOPIC.read_text("utf-8").splitlines():
        found = full._rank(line) if line.strip() else None
        if found is not None:
            xs.append(found[1])
            ys.append(0)
            ws.append(OFFTOPIC_WEIGHT)
    return xs, ys, ws


def fit(xs: list[list[float]], ys: list[int], ws: list[float]) -> dict[str, object]:
    n = len(xs[0])
    mean = [sum(x[j] for x in xs) / len(xs) for j in range(n)]
    scale = [max(1e-6, math.sqrt(sum((x[j] - mean[j]) ** 2 for x in xs) / len(xs))) for j in range(n)]
    zs = [[(x[j] - mean[j]) / scale[j] for j in range(n)] for x in xs]
    weights = [0.0] * n
    bias = 0.0
    total = sum(ws)
    for _ in range(STEPS):
        grad = [0.0] * n
        grad_b = 0.0
        for z, y, w in zip(zs, ys, ws, strict=True):
            p = 1.0 / (1.0 + math.exp(-(bias + sum(a * b for a, b in zip(weights, z, strict=True)))))
            e = (p - y) * w
            for j in range(n):
                grad[j] += e * z[j]
            grad_b += e
        weights = [weights[j] - RATE * (grad[j] / total + L2 * weights[j]) for j in range(n)]
        bias -= RATE * grad_b / total
    return {"mean": mean, "scale": scale, "weights": weights, "bias": bias}


def main() -> int:
    xs, ys, ws = collect()
    model = fit(xs, ys, ws)
    CONFIDENCE_MODEL.write_text(json.dumps(model, indent=1) + "\n", "utf-8")
    print(f"{len(xs)} examples ({sum(ys)} right); model written to {CONFIDENCE_MODEL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
