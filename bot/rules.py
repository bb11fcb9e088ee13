"""The rules-question engine: curated knowledge base in, one cited answer (or an honest "I don't know") out.

A wrong rule is worse than no answer, so every question is scored against every entry and the
engine only answers above a calibrated confidence; below it, it offers the closest topics.

Scoring combines two views of the same canonical word sequence (see ``bot.text.tokens``):

* lexical: how much of the question's information (IDF-weighted words) an entry covers, and
  whether the words that separate entries from each other (多久 vs 几个人) agree;
* fuzzy: rapidfuzz similarity to the entry's closest question variant, which tolerates typos,
  word order and extra context.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process
from sqlite_utils import Database

from bot import KNOWLEDGE
from bot.text import char_ngrams, has_cjk, normalize, tokens, unique

RULES_DIR = KNOWLEDGE / "rules"

#: Below this the engine declines. Calibrated on benchmarks/rules_eval.jsonl (see README).
THRESHOLD = 0.5
#: Between THRESHOLD and this, the answer is shown but logged as low-confidence for review.
LOW_CONFIDENCE = 0.62
MAX_SUGGESTIONS = 3

REQUIRED_FIELDS = ("id", "title", "questions", "keywords", "answer", "source")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    topic: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str
    article: str | None = None
    detail: str | None = None
    related: tuple[str, ...] = ()
    reminder_hint: str | None = None

    @property
    def citation(self) -> str:
        """《Document》第N条 — the article only where it was confirmed."""
        return f"《{self.source}》{self.article}" if self.article else f"《{self.source}》"


@dataclass(frozen=True)
class Answer:
    rule: Rule
    confidence: float
    alternatives: tuple[Rule, ...] = ()
    related: tuple[Rule, ...] = ()

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class NoAnswer:
    """No reliable answer: ``suggestions`` are the closest topics (may be empty when off-topic)."""

    question: str
    confidence: float
    suggestions: tuple[Rule, ...] = ()
    reason: str = "low_confidence"  # low_confidence / out_of_scope / empty


Result = Answer | NoAnswer


class KnowledgeError(ValueError):
    """A rules file breaks the schema; the message names the file and entry."""


def load_rules(directory: Path = RULES_DIR) -> list[Rule]:
    """Read and validate every ``*.yaml`` in ``directory`` (schema in knowledge/rules/FORMAT.md)."""
    rules: list[Rule] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("overrides"):
            continue
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        topic = str(doc.get("topic", path.stem))
        for i, raw in enumerate(doc.get("rules") or []):
            missing = [f for f in REQUIRED_FIELDS if not raw.get(f)]
            if missing:
                raise KnowledgeError(f"{path.name} 第{i + 1}条缺少字段: {', '.join(missing)}")
            rules.append(
                Rule(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    topic=topic,
                    questions=tuple(str(q) for q in raw["questions"]),
                    keywords=tuple(str(k) for k in raw["keywords"]),
                    answer=str(raw["answer"]).strip(),
                    source=str(raw["source"]).strip(),
                    article=str(raw["article"]).strip() if raw.get("article") else None,
                    detail=str(raw["detail"]).strip() if raw.get("detail") else None,
                    related=tuple(str(r) for r in raw.get("related") or ()),
                    reminder_hint=raw.get("reminder_hint"),
                )
            )
    ids = Counter(r.id for r in rules)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        raise KnowledgeError(f"重复的 id: {', '.join(dup)}")
    return rules


@dataclass
class _Entry:
    rule: Rule
    words: set[str] = field(default_factory=set)
    grams: set[str] = field(default_factory=set)


class RuleBook:
    """Matcher over a list of rules plus admin-taught question variants."""

    def __init__(self, rules: Sequence[Rule], extra_questions: Iterable[tuple[str, str]] = ()):
        self.rules = list(rules)
        self.by_id = {r.id: r for r in self.rules}
        self._entries = [_Entry(r) for r in self.rules]
        self._index = {r.id: i for i, r in enumerate(self.rules)}
        self._variants: list[str] = []
        self._variant_owner: list[int] = []
        for i, r in enumerate(self.rules):
            for text in (*r.questions, r.title):
                self._add_variant(i, text)
            for kw in r.keywords:
                self._entries[i].words.update(tokens(kw) or [normalize(kw)])
        for rule_id, question in extra_questions:
            if rule_id in self._index:
                self._add_variant(self._index[rule_id], question)
        self._refresh_idf()

    # -- building ---------------------------------------------------------------------------

    def _add_variant(self, i: int, text: str) -> None:
        words = tokens(text)
        self._entries[i].words.update(words)
        self._entries[i].grams.update(char_ngrams(normalize(text)))
        self._variants.append(" ".join(words))
        self._variant_owner.append(i)

    def _refresh_idf(self) -> None:
        df: Counter[str] = Counter()
        for e in self._entries:
            df.update(e.words)
        n = max(len(self._entries), 1)
        self._idf = {w: math.log(1 + n / c) for w, c in df.items()}
        # Words no entry knows (天气, 写诗) weigh like the rarest known word: a question made of
        # them is off-topic, not a weak match.
        self._unknown_idf = math.log(1 + n)

    def teach(self, rule_id: str, question: str) -> None:
        """Add a question variant in memory, effective for the next ``answer`` call."""
        if rule_id not in self._index:
            raise KeyError(rule_id)
        self._add_variant(self._index[rule_id], question)
        self._refresh_idf()

    # -- matching ---------------------------------------------------------------------------

    def scores(self, question: str) -> list[tuple[float, int]]:
        """(score, entry index) for every entry, best first."""
        q_words = unique(tokens(question))
        if not q_words:
            return []
        q_grams = set(char_ngrams(normalize(question)))
        weights = {w: self._idf.get(w, self._unknown_idf) for w in q_words}
        total = sum(weights.values()) or 1.0
        q_string = " ".join(q_words)
        fuzzy_best: dict[int, float] = {}
        for _text, score, k in process.extract(
            q_string, self._variants, scorer=fuzz.token_sort_ratio, limit=60
        ):
            owner = self._variant_owner[k]
            fuzzy_best[owner] = max(fuzzy_best.get(owner, 0.0), score / 100.0)
        out: list[tuple[float, int]] = []
        for i, e in enumerate(self._entries):
            covered = sum(weights[w] for w in q_words if w in e.words)
            coverage = covered / total
            gram_overlap = len(q_grams & e.grams) / len(q_grams) if q_grams else 0.0
            fz = fuzzy_best.get(i, 0.0)
            score = 0.55 * coverage + 0.25 * fz + 0.20 * gram_overlap
            out.append((score, i))
        out.sort(reverse=True)
        return out

    def answer(self, question: str) -> Result:
        """Answer with the best entry if confident, else decline with the closest topics."""
        norm = normalize(question)
        if not norm or not (has_cjk(norm) or any(c.isalpha() for c in norm)):
            return NoAnswer(question, 0.0, (), "empty")
        ranked = self.scores(question)
        if not ranked:
            return NoAnswer(question, 0.0, (), "empty")
        best_score, best = ranked[0]
        others = tuple(self._entries[i].rule for _, i in ranked[1 : 1 + MAX_SUGGESTIONS])
        confidence = round(min(best_score, 1.0), 3)
        if confidence < THRESHOLD:
            suggestions = tuple(
                self._entries[i].rule for s, i in ranked[:MAX_SUGGESTIONS] if s >= THRESHOLD * 0.5
            )
            reason = "out_of_scope" if not suggestions else "low_confidence"
            return NoAnswer(question, confidence, suggestions, reason)
        rule = self._entries[best].rule
        related = tuple(self.by_id[r] for r in rule.related if r in self.by_id)
        return Answer(rule, confidence, others, related)


def answer_dict(result: Result) -> dict[str, Any]:
    """The JSON shape of ``dangwu ask --json`` (one object per question)."""
    if isinstance(result, Answer):
        return {
            "answered": True,
            "rule_id": result.rule.id,
            "answer": result.rule.answer,
            "source": result.rule.citation,
            "confidence": result.confidence,
            "suggestions": [{"rule_id": r.id, "title": r.title} for r in result.alternatives],
        }
    return {
        "answered": False,
        "rule_id": None,
        "answer": "",
        "source": "",
        "confidence": result.confidence,
        "suggestions": [{"rule_id": r.id, "title": r.title} for r in result.suggestions],
    }


def _overrides(db: Database) -> list[tuple[str, str]]:
    try:
        return [(r["rule_id"], r["question"]) for r in db["rule_overrides"].rows]
    except sqlite3.OperationalError:
        return []


def load_rulebook(db: Database | None = None, db_path: str | Path | None = None) -> RuleBook:
    """The bundled rules plus any admin-taught variants stored in the database."""
    extra: list[tuple[str, str]] = []
    if db is not None:
        extra = _overrides(db)
    elif db_path is not None and Path(db_path).is_file():
        from bot.db import open_db

        extra = _overrides(open_db(db_path))
    return RuleBook(load_rules(), extra)


def teach(db: Database, book: RuleBook, rule_id: str, question: str, user_id: int | None = None) -> None:
    """Store an admin-taught variant and make it effective at once."""
    book.teach(rule_id, question)
    db.execute(
        "INSERT OR IGNORE INTO rule_overrides (rule_id, question, added_by) VALUES (?, ?, ?)",
        [rule_id, question.strip(), user_id],
    )
    db.conn.commit()


def export_overrides(db: Database, out: str | Path) -> int:
    """Write taught variants as YAML ``{rule_id: [questions]}`` for review and merging."""
    grouped: dict[str, list[str]] = {}
    for rule_id, q in _overrides(db):
        grouped.setdefault(rule_id, []).append(q)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        "# 管理员补充的问法，审核后并入对应规则的 questions\n"
        + yaml.safe_dump(grouped, allow_unicode=True, sort_keys=True),
        "utf-8",
    )
    return sum(len(v) for v in grouped.values())
