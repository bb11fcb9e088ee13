"""Fit the rules engine's confidence model (knowledge/dict/confidence.json).

``python -m benchmarks.calibrate`` cross-validates over the knowledge base's own question
variants: fold *j* of 10 rebuilds the matcher without every variant whose position is *j* mod 10
and asks those variants, recording the evidence about the top-ranked entry and whether it was right.
It adds the off-topic and non-existent-rule questions in benchmarks/calibration_offtopic.txt
(all "wrong") and fits a small L2-regularised logistic regression.
benchmarks/rules_eval.jsonl is never used here, so the evaluation stays independent. Run it
after changing the KB or the matcher; it takes about a minute.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from bot.rules.engine import CONFIDENCE_MODEL, Evidence, Rule, RuleBook, load_rules

OFFTOPIC = Path(__file__).with_name("calibration_offtopic.txt")
FOLDS = 10
OFFTOPIC_WEIGHT = 3.0  # few, but they are the answers that must never be given
L2 = 0.01
STEPS = 3000
RATE = 0.1


def collect(rules: list[Rule] | None = None) -> tuple[list[Evidence], list[int], list[float]]:
    """Evidence vectors, right/wrong labels and sample weights for ``fit``."""
    rules = rules if rules is not None else load_rules()
    xs: list[Evidence] = []
    ys: list[int] = []
    ws: list[float] = []
    for j in range(FOLDS):
        book = RuleBook(
            [dataclasses.replace(r, questions=tuple(q for k, q in enumerate(r.questions) if k % FOLDS != j)) for r in rules]
        )
        for held in rules:
            for question in held.questions[j::FOLDS]:
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


def fit(xs: list[Evidence], ys: list[int], ws: list[float]) -> dict[str, object]:
    """Weighted logistic regression on standardised evidence, by plain gradient descent.

    The model stores the evidence's field names with its coefficients, in the same order, so
    the engine can refuse it once ``Evidence`` changes (see ``load_confidence_model``).
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    w = np.asarray(ws, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), 1e-6)
    z = (x - mean) / scale
    weights = np.zeros(x.shape[1])
    bias = 0.0
    total = w.sum()
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ weights + bias)))
        e = (p - y) * w
        weights -= RATE * (z.T @ e / total + L2 * weights)
        bias -= RATE * float(e.sum()) / total
    return {
        "names": list(Evidence._fields),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "weights": weights.tolist(),
        "bias": bias,
    }


def main() -> int:
    xs, ys, ws = collect()
    model = fit(xs, ys, ws)
    CONFIDENCE_MODEL.write_text(json.dumps(model, indent=1) + "\n", "utf-8")
    print(f"{len(xs)} examples ({sum(ys)} right); model written to {CONFIDENCE_MODEL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
