"""Accuracy of the paragraph-kind classifier on the hand-labelled dev set.

The dev set (``tests/data/kind_devset.tsv``) names paragraphs of ``../shared/corpus`` by file
and text hash, never by text. Run: ``python -m benchmarks.classify [-v]``.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.fanwen.corpus import text_hash
from bot.fanwen.docparse import KINDS, parse_bytes

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DEVSET = ROOT / "tests" / "data" / "kind_devset.tsv"
HELDOUT = ROOT / "tests" / "data" / "kind_heldout.tsv"


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    missing: list[str] = field(default_factory=list)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def load_devset(path: Path = DEVSET) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            file, h, kind = line.split("\t")
            rows.append((file, h, kind))
    return rows


def evaluate(corpus: Path = CORPUS, devset: Path = DEVSET) -> Evaluation:
    """Parse every file named in the dev set and compare predicted with labelled kinds."""
    rows = load_devset(devset)
    predicted: dict[tuple[str, str], tuple[str, str]] = {}
    for file in sorted({r[0] for r in rows}):
        doc = parse_bytes(file, (corpus / file).read_bytes())
        for p in doc.paragraphs:
            predicted.setdefault((file, text_hash(p.text)[:10]), (p.kind, p.heading_text))
    ev = Evaluation()
    for file, h, kind in rows:
        got = predicted.get((file, h))
        if got is None:
            ev.missing.append(f"{file}:{h}")
            continue
        ev.total += 1
        ev.confusion[(kind, got[0])] += 1
        if got[0] == kind:
            ev.correct += 1
        else:
            ev.errors.append((file, h, kind, got[0]))
    return ev


def report(name: str, ev: Evaluation, verbose: bool) -> None:
    print(f"{name}: {ev.correct}/{ev.total} correct, accuracy {ev.accuracy:.1%}"
          f" ({len(ev.missing)} labelled paragraphs not found)")
    for kind in KINDS:
        n = sum(c for (k, _), c in ev.confusion.items() if k == kind)
        ok = ev.confusion[(kind, kind)]
        if n:
            print(f"  {kind:<6} recall {ok:>3}/{n:<3} {ok / n:.0%}")
    if verbose:
        for file, h, kind, got in ev.errors:
            print(f"  {file[:3]} {h} expected {kind} got {got}")
        for m in ev.missing:
            print(f"  missing {m}")


def main() -> int:
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; nothing to evaluate")
        return 0
    verbose = "-v" in sys.argv
    report("dev set (used while tuning)", evaluate(), verbose)
    report("held-out set", evaluate(devset=HELDOUT), verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
