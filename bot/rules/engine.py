"""The rules-question engine: curated knowledge base in, one cited answer (or an honest "I don't know") out.

A wrong rule is worse than no answer, so every question is scored against every entry and the
engine only answers above a calibrated confidence; below it, it offers the closest topics.

Scoring reads the same canonical word sequence (see ``bot.text.tokens``) several ways:

* lexical: how much of the question's information (IDF-weighted words) an entry covers, and
  whether the words that separate entries from each other (多久 vs 几个人) agree;
* nearest variant: overlap with the entry's closest question variant, exact (IDF-weighted Dice)
  and fuzzy (rapidfuzz, which tolerates typos, word order and extra context);
* learned: Naive Bayes and a softmax classifier (``bot.rules.classifier``) trained on the entries' own
  variants, which learn which words decide between neighbouring entries.

A logistic model over that evidence (``calibrated``) turns it into the probability of being right.
"""

from __future__ import annotations

import json
import marshal
import math
import pickle
import sqlite3
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from scipy.sparse import csr_matrix

from bot import KNOWLEDGE
from bot.db import write
from bot.rules.classifier import SoftmaxClassifier
from bot.text import (
    DICT_DIR,
    QUESTION_WORDS,
    YAML_LOADER,
    cache_key,
    char_ngrams,
    domain_terms,
    has_cjk,
    normalize,
    read_cache,
    segmenter,
    text_cache_key,
    tokens,
    unique,
    write_cache,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

RULES_DIR = KNOWLEDGE / "rules"

#: Below this probability of being right (see ``calibrated``) the engine declines.
THRESHOLD = 0.5
#: Between THRESHOLD and this, the answer is shown but logged as low-confidence for review.
LOW_CONFIDENCE = 0.7
#: Closest topics offered when declining must at least share some vocabulary with the question.
SUGGEST_FLOOR = 0.22
CONFIDENCE_MODEL = KNOWLEDGE / "dict" / "confidence.json"
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
        doc = yaml.load(path.read_text("utf-8"), Loader=YAML_LOADER) or {}
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
    """One rule's vocabulary: word/bigram → weight (1.0 from questions, title and keywords;
    ``ANSWER_WEIGHT`` from the answer text, which adds the rule's own vocabulary)."""

    rule: Rule
    words: dict[str, float] = field(default_factory=dict)
    grams: dict[str, float] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    tf: Counter[str] = field(default_factory=Counter)

    def add(self, text: str, weight: float, *, words: list[str] | None = None) -> None:
        ws = words if words is not None else tokens(text)
        gs = char_ngrams(" ".join(ws))
        self.tf.update(ws)
        for w in ws:
            self.words[w] = max(self.words.get(w, 0.0), weight)
        for g in gs:
            self.grams[g] = max(self.grams.get(g, 0.0), weight)
        # Naive-Bayes counts: how typical each feature is of this entry's wording
        nb = NB_ANSWER_WEIGHT if weight < 1.0 else 1.0
        for f in (*ws, *("#" + g for g in gs)):
            self.counts[f] += nb  # type: ignore[assignment]


ANSWER_WEIGHT = 0.9
UNKNOWN_IDF_FACTOR = 1.0
QUESTION_WORD_WEIGHT = 1.0
NB_ANSWER_WEIGHT = 0.3
#: keyness: a word this many times more frequent in the KB than in general Chinese is fully a
#: topic word; everyday words keep ``KEYNESS_FLOOR`` of their weight; unseen words count as
#: ``KEYNESS_UNSEEN`` occurrences in the KB
KEYNESS_FULL = 20.0
KEYNESS_FLOOR = 0.2
KEYNESS_UNSEEN = 0.5
#: a common word the KB never uses may still be what the question is about (结婚, 电脑)
KEYNESS_UNSEEN_FLOOR = 0.7
NB_ALPHA = 0.05
W_NB = 0.5
W_WORDS, W_GRAMS, W_FUZZY, W_NEAR = 0.6, 0.2, 0.2, 0.8
W_CLF = 0.3
CLF_KEYWORD_WEIGHT = 0.5
CLF_ANSWER_WEIGHT = 0.3
CLF_L2 = 1e-4


class Evidence(NamedTuple):
    """The evidence about the top-ranked entry that the confidence model reads (``calibrated``).

    knowledge/dict/confidence.json stores these field names next to its coefficients, in this
    order, and is refused on load when they differ: adding, removing or reordering a field
    means refitting the model with ``python -m benchmarks.calibrate``.
    """

    #: the top entry's match score (lexical + nearest-variant blend, in [0, 1])
    score: float
    #: share of the question's word weight the top entry covers
    word_coverage: float
    #: share of the question's bigram weight the top entry covers
    gram_coverage: float
    #: best rapidfuzz ratio of one of its variants
    fuzzy: float
    #: IDF-weighted Dice overlap with its closest variant
    nearest_variant: float
    #: its score minus the best score of the next five entries
    score_lead: float
    #: Naive-Bayes log-likelihood gap between the two best entries, per feature
    nb_gap: float
    #: share of the question's word weight no entry knows
    unknown_words: float
    #: log of the number of distinct question words
    log_length: float
    #: the heaviest question word the top entry lacks, as a share of the word weight
    uncovered_word: float
    #: its rank minus the runner-up's
    rank_margin: float
    #: the classifier's probability for it
    clf_proba: float
    #: 1.0 when the classifier ranks it first too
    clf_agrees: float
    #: its classifier log-probability minus the best other entry's
    clf_margin: float
    #: 1.0 when Naive Bayes ranks it first too
    nb_agrees: float
    #: 1.0 when it also has the best match score (the learned signals did not reorder)
    score_is_best: float


@dataclass(frozen=True)
class _Question:
    """A question's canonical words and the weights every signal reads."""

    words: list[str]
    #: word → weight, and bigram → weight (see ``RuleBook._weigh_question``)
    wts: dict[str, float]
    gts: dict[str, float]
    w_total: float
    g_total: float
    #: words then "#"-marked bigrams with their weights, as in ``_features``
    feats: dict[str, float]


@dataclass(frozen=True)
class _NaiveBayes:
    loglik: list[float]
    best: float
    #: number of known features (at least 1), to compare questions of any length
    n: int


@dataclass(frozen=True)
class _Signals:
    """Every entry's scores from each way of reading the question."""

    w_cov: list[float]
    g_cov: list[float]
    fuzzy: dict[int, float]
    near: list[float]
    nb: _NaiveBayes
    lp: list[float]


def _features(words: Sequence[str]) -> list[str]:
    """Classifier features: the canonical words and their character bigrams."""
    return [*words, *("#" + g for g in char_ngrams(" ".join(words)))]


#: Serialises teaching (see ``RuleBook.teach``); module-level so the pickled cache stays plain.
_TEACH_LOCK = threading.Lock()


class RuleBook:
    """Matcher over a list of rules plus admin-taught question variants."""

    def __init__(self, rules: Sequence[Rule], extra_questions: Iterable[tuple[str, str]] = ()):
        self.rules = list(rules)
        self.by_id = {r.id: r for r in self.rules}
        self._entries = [_Entry(r) for r in self.rules]
        self._index = {r.id: i for i, r in enumerate(self.rules)}
        self._variants: list[str] = []
        self._variant_owner: list[int] = []
        self._variant_feats: list[set[str]] = []
        #: (entry, features, weight) training documents for the classifier
        self._docs: list[tuple[int, list[str], float]] = []
        for i, r in enumerate(self.rules):
            for text in (*r.questions, r.title):
                self._add_variant(i, text)
            for kw in r.keywords:
                kw_words = tokens(kw) or [normalize(kw)]
                self._entries[i].add(kw, 1.0, words=kw_words)
                self._docs.append((i, _features(kw_words), CLF_KEYWORD_WEIGHT))
            body = r.answer + " " + (r.detail or "")
            self._entries[i].add(body, ANSWER_WEIGHT)
            if CLF_ANSWER_WEIGHT:
                self._docs.append((i, _features(tokens(body)), CLF_ANSWER_WEIGHT))
        for rule_id, question in extra_questions:
            if rule_id in self._index:
                self._add_variant(self._index[rule_id], question)
        self._refresh_idf()

    # -- building ---------------------------------------------------------------------------

    def _add_variant(self, i: int, text: str) -> None:
        words = tokens(text)
        self._entries[i].add(text, 1.0, words=words)
        # tokens pre-sorted, so plain ``fuzz.ratio`` equals token_sort_ratio without re-sorting
        # every variant on every question
        self._variants.append(" ".join(sorted(words)))
        self._variant_owner.append(i)
        feats = _features(words)
        self._variant_feats.append(set(feats))
        self._docs.append((i, feats, 1.0))

    def _refresh_idf(self) -> None:
        previous = getattr(self, "_clf", None)
        self._clf = _fit(self._docs, len(self._entries), previous) if W_CLF else None
        n = max(len(self._entries), 1)
        df_w: Counter[str] = Counter()
        df_g: Counter[str] = Counter()
        for e in self._entries:
            df_w.update(e.words)
            df_g.update(e.grams)
        self._idf = {w: math.log(1 + n / c) for w, c in df_w.items()}
        vocab: set[str] = set()
        for e in self._entries:
            vocab.update(e.counts)
        self._nb_vocab = vocab
        size = len(vocab)
        self._nb_norm = [math.log(sum(e.counts.values()) + NB_ALPHA * size) for e in self._entries]
        self._gidf = {g: math.log(1 + n / c) for g, c in df_g.items()}
        # Words no entry knows (天气, 写诗) weigh like the rarest known word: a question made of
        # them is off-topic, not a weak match.
        self._unknown_idf = UNKNOWN_IDF_FACTOR * math.log(1 + n)
        tf: Counter[str] = Counter()
        for e in self._entries:
            tf.update(e.tf)
        self._kb_tf = tf
        self._kb_total = max(sum(tf.values()), 1)
        self._keyness: dict[str, float] = {}
        # inverted indexes so a question only touches the entries and variants sharing a feature
        self._word_post: dict[str, list[tuple[int, float]]] = {}
        self._gram_post: dict[str, list[tuple[int, float]]] = {}
        self._nb_post: dict[str, list[tuple[int, float]]] = {}
        self._nb_floor = math.log(NB_ALPHA)
        for i, e in enumerate(self._entries):
            for w, x in e.words.items():
                self._word_post.setdefault(w, []).append((i, x))
            for g, x in e.grams.items():
                self._gram_post.setdefault(g, []).append((i, x))
            for f, c in e.counts.items():
                self._nb_post.setdefault(f, []).append((i, math.log(c + NB_ALPHA) - self._nb_floor))
        # feature → variants incidence, so the nearest-variant overlap of a question with all
        # ~4,000 variants is one sparse product instead of a Python loop over postings
        self._feat_col: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        mass: list[float] = []
        for k, feats in enumerate(self._variant_feats):
            mass.append(sum(self._feat_idf(f) for f in feats))
            for f in feats:
                rows.append(self._feat_col.setdefault(f, len(self._feat_col)))
                cols.append(k)
        shape = (len(self._feat_col), len(self._variant_feats))
        self._feat_variants = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        self._variant_mass = np.asarray(mass)
        self._owner = np.asarray(self._variant_owner, dtype=np.int64)

    def keyness(self, word: str) -> float:
        """How much ``word`` is about party affairs rather than everyday language, in [floor, 1].

        The ratio of its frequency in the KB to its frequency in jieba's general dictionary
        (a "keyness" score): 表决 or 预备期 are far more common in the KB than in Chinese at
        large, while 今年, 同志 or 准备 are not, and carry the context of a question, not its
        topic. Words no entry uses count with half an occurrence, so a rare one (献血, 正装)
        keeps its full weight and an off-topic question stays off-topic.
        """
        k = self._keyness.get(word)
        if k is None:
            if word in domain_terms():
                k = 1.0
            else:
                freq, total = segmenter().frequency(word)
                kb = self._kb_tf.get(word, 0)
                floor = KEYNESS_FLOOR if kb else KEYNESS_UNSEEN_FLOOR
                ratio = (max(kb, KEYNESS_UNSEEN) / self._kb_total) / ((freq + 1) / total)
                k = min(1.0, max(floor, math.log(max(ratio, 1.0)) / math.log(KEYNESS_FULL)))
            self._keyness[word] = k
        return k

    def _feat_idf(self, f: str) -> float:
        if f.startswith("#"):
            return self._gidf.get(f[1:], self._unknown_idf)
        return self._idf.get(f, self._unknown_idf)

    def teach(self, rule_id: str, question: str) -> None:
        """Add a question variant in memory, effective for the next ``answer`` call. Two admins
        teaching at once refit one after the other (a refit rebuilds shared indexes)."""
        if rule_id not in self._index:
            raise KeyError(rule_id)
        with _TEACH_LOCK:
            self._add_variant(self._index[rule_id], question)
            self._refresh_idf()

    # -- matching ---------------------------------------------------------------------------

    def scores(self, question: str) -> list[tuple[float, int]]:
        """(match score, entry index) for every entry, best-ranked first."""
        ranked = self._rank(question)
        return ranked[0] if ranked else []

    def _rank(self, question: str) -> tuple[list[tuple[float, int]], Evidence] | None:
        """Every entry ranked, plus the evidence about the top one that the calibrated
        confidence model reads (see ``calibrated`` and benchmarks/calibrate.py).

        Ranking adds the Naive-Bayes and classifier log-likelihoods to the match score.
        """
        q_words = unique(tokens(question))
        if not q_words:
            return None
        q = self._weigh_question(q_words)
        signals = _Signals(
            w_cov=self._coverage(q.wts, self._word_post),
            g_cov=self._coverage(q.gts, self._gram_post),
            fuzzy=self._fuzzy_nearest(q_words),
            near=self._nearest_variant(q.feats),
            nb=self._naive_bayes(q.feats),
            lp=self._classifier_log_proba(q.feats),
        )
        out = self._order(q, signals)
        evidence = self._evidence(q, signals, out)
        return [(score, i) for _rank, score, i in out], evidence

    def _weigh_question(self, q_words: list[str]) -> _Question:
        """Weight the question's words and bigrams by how much each says about the topic.

        IDF alone would let everyday context (今年, 同志) outweigh the topic, so a word's IDF is
        scaled by its keyness; question words (多久, 几个人) decide between neighbouring entries
        and are capped instead. A bigram weighs as much as the most topical word it comes from.
        """
        q_grams = unique(char_ngrams(" ".join(q_words)))
        g_key: dict[str, float] = {}
        for w in q_words:
            kw = 1.0 if w in QUESTION_WORDS else self.keyness(w)
            for g in char_ngrams(w):
                g_key[g] = max(g_key.get(g, 0.0), kw)
        wts = {
            w: min(self._idf.get(w, self._unknown_idf), QUESTION_WORD_WEIGHT)
            if w in QUESTION_WORDS
            else self._idf.get(w, self._unknown_idf) * self.keyness(w)
            for w in q_words
        }
        gts = {g: self._gidf.get(g, self._unknown_idf) * g_key.get(g, 1.0) for g in q_grams}
        return _Question(
            words=q_words,
            wts=wts,
            gts=gts,
            w_total=sum(wts.values()) or 1.0,
            g_total=sum(gts.values()) or 1.0,
            # the words, then "#"-marked bigrams, as in ``_features``
            feats=dict(wts) | {"#" + g: gt for g, gt in gts.items()},
        )

    def _coverage(self, weights: dict[str, float], postings: dict[str, list[tuple[int, float]]]) -> list[float]:
        """Per entry, the question's weight that the entry's vocabulary covers (unnormalised).

        Lexical coverage says how much of what was asked an entry talks about at all; walking
        the inverted index only touches the entries that share a word or bigram.
        """
        cov = [0.0] * len(self._entries)
        for f, wt in weights.items():
            for i, x in postings.get(f, ()):
                cov[i] += wt * x
        return cov

    def _fuzzy_nearest(self, q_words: list[str]) -> dict[int, float]:
        """Per entry (only the close ones), the best rapidfuzz ratio of a variant, in [0, 1].

        Fuzzy matching tolerates typos, word order and extra context that exact overlap misses;
        both sides are sorted word sequences, so plain ``fuzz.ratio`` is a token-sort ratio.
        """
        fuzzy_best: dict[int, float] = {}
        q_string = " ".join(sorted(q_words))
        for _text, score, k in process.extract(q_string, self._variants, scorer=fuzz.ratio, limit=60):
            owner = self._variant_owner[k]
            fuzzy_best[owner] = max(fuzzy_best.get(owner, 0.0), score / 100.0)
        return fuzzy_best

    def _nearest_variant(self, q_feats: dict[str, float]) -> list[float]:
        """Per entry, the IDF-weighted Dice overlap with its closest question variant.

        Rewards matching one concrete phrasing rather than scattering over a long answer's
        vocabulary; one sparse product over the feature→variant incidence covers all variants.
        """
        q_mass = sum(q_feats.values())
        known = [(self._feat_col[f], wt) for f, wt in q_feats.items() if f in self._feat_col]
        near_of = np.zeros(len(self._entries))
        if known:
            rows, q_weights = zip(*known, strict=True)
            common = np.asarray(q_weights) @ self._feat_variants[list(rows)]
            np.maximum.at(near_of, self._owner, 2 * common / (q_mass + self._variant_mass))
        near: list[float] = near_of.tolist()
        return near

    def _naive_bayes(self, q_feats: dict[str, float]) -> _NaiveBayes:
        """Per entry, the Naive-Bayes log-likelihood of the question's known features.

        A ranking signal that sees how typical each word is of an entry's wording, not just
        whether it occurs; features no entry has are left out (they would shift all equally).
        """
        nb_feats = [f for f in q_feats if f in self._nb_vocab]
        base = len(nb_feats) * self._nb_floor
        nb = [base - len(nb_feats) * self._nb_norm[i] for i in range(len(self._entries))]
        for f in nb_feats:
            for i, x in self._nb_post[f]:
                nb[i] += x
        return _NaiveBayes(loglik=nb, best=max(nb) if nb else 0.0, n=max(len(nb_feats), 1))

    def _classifier_log_proba(self, q_feats: dict[str, float]) -> list[float]:
        """Per entry, the trained classifier's log-probability (see bot.rules.classifier),
        which learns which words decide between neighbouring entries; zeros when disabled."""
        if self._clf is None:
            return [0.0] * len(self._entries)
        lp: list[float] = self._clf.log_proba(list(q_feats)).tolist()
        return lp

    def _order(self, q: _Question, s: _Signals) -> list[tuple[float, float, int]]:
        """(rank, match score, entry index) for every entry, best rank first.

        The match score blends the lexical and nearest-variant signals into [0, 1] (it is what
        suggestions are cut on); the rank adds the learned log-likelihoods, which separate
        neighbouring entries better than overlap alone.
        """
        w_sum = W_WORDS + W_GRAMS + W_FUZZY + W_NEAR
        out: list[tuple[float, float, int]] = []
        for i in range(len(self._entries)):
            score = (
                W_WORDS * s.w_cov[i] / q.w_total
                + W_GRAMS * s.g_cov[i] / q.g_total
                + W_FUZZY * s.fuzzy.get(i, 0.0)
                + W_NEAR * s.near[i]
            ) / w_sum
            rank = score + W_NB * (s.nb.loglik[i] - s.nb.best) / s.nb.n + W_CLF * s.lp[i]
            out.append((rank, score, i))
        out.sort(reverse=True)
        return out

    def _evidence(self, q: _Question, s: _Signals, out: list[tuple[float, float, int]]) -> Evidence:
        """What the confidence model needs to know about the top-ranked entry.

        Not just how well it matches but whether the signals agree on it and how far it is
        ahead of the runner-up: a close race or a disagreeing classifier means a likely
        wrong answer even with a good score.
        """
        (r1, s1, i1), (r2, _s2, _i2) = out[0], out[1] if len(out) > 1 else out[0]
        others = max((sc for _r, sc, _i in out[1:6]), default=0.0)
        nb_sorted = sorted(s.nb.loglik, reverse=True)
        nb_gap = (nb_sorted[0] - nb_sorted[1]) / s.nb.n if len(nb_sorted) > 1 else 0.0
        unknown = sum(wt for w, wt in q.wts.items() if w not in self._idf) / q.w_total
        top_words = self._entries[i1].words
        uncovered = max((wt for w, wt in q.wts.items() if not top_words.get(w)), default=0.0)
        lp = s.lp
        lp_best = max(lp) if lp else 0.0
        return Evidence(
            score=s1,
            word_coverage=s.w_cov[i1] / q.w_total,
            gram_coverage=s.g_cov[i1] / q.g_total,
            fuzzy=s.fuzzy.get(i1, 0.0),
            nearest_variant=s.near[i1],
            score_lead=s1 - others,
            nb_gap=nb_gap,
            unknown_words=unknown,
            log_length=math.log(len(q.words)),
            uncovered_word=uncovered / q.w_total,
            rank_margin=r1 - r2,
            clf_proba=math.exp(lp[i1]),
            clf_agrees=float(lp[i1] >= lp_best),
            clf_margin=lp[i1] - max((x for i, x in enumerate(lp) if i != i1), default=lp[i1]),
            nb_agrees=float(s.nb.loglik[i1] >= s.nb.best),
            score_is_best=float(s1 >= max(sc for _r, sc, _i in out)),
        )

    def answer(self, question: str) -> Result:
        """Answer with the best entry if confident, else decline with the closest topics."""
        norm = normalize(question)
        if not norm or not (has_cjk(norm) or any(c.isalpha() for c in norm)):
            return NoAnswer(question, 0.0, (), "empty")
        found = self._rank(question)
        if found is None:
            return NoAnswer(question, 0.0, (), "empty")
        ranked, evidence = found
        _best_score, best = ranked[0]
        others = tuple(self._entries[i].rule for _, i in ranked[1 : 1 + MAX_SUGGESTIONS])
        confidence = round(calibrated(evidence), 3)
        if confidence < THRESHOLD:
            suggestions = tuple(
                self._entries[i].rule for s, i in ranked[:MAX_SUGGESTIONS] if s >= SUGGEST_FLOOR
            )
            reason = "out_of_scope" if not suggestions else "low_confidence"
            return NoAnswer(question, confidence, suggestions, reason)
        rule = self._entries[best].rule
        related = tuple(self.by_id[r] for r in rule.related if r in self.by_id)
        return Answer(rule, confidence, others, related)


class ConfidenceModelError(KnowledgeError):
    """knowledge/dict/confidence.json does not fit ``Evidence``: refit it with benchmarks/calibrate.py."""


def load_confidence_model(path: Path) -> tuple[list[float], list[float], list[float], float]:
    """(mean, scale, weights, bias) of the logistic model in ``path``.

    The model reads the evidence by position, so a model fitted on another evidence vector
    would silently mis-calibrate every answer; it is refused unless its stored ``names`` are
    exactly ``Evidence._fields``, in order, with one coefficient each.
    """
    doc = json.loads(path.read_text("utf-8"))
    names = doc.get("names")
    if names != list(Evidence._fields):
        raise ConfidenceModelError(
            f"{path}: the confidence model was fitted on evidence {names!r}, but the engine "
            f"builds {list(Evidence._fields)!r}; refit it with `python -m benchmarks.calibrate`"
        )
    for key in ("mean", "scale", "weights"):
        if len(doc[key]) != len(names):
            raise ConfidenceModelError(f"{path}: {key} has {len(doc[key])} values for {len(names)} names")
    return doc["mean"], doc["scale"], doc["weights"], float(doc["bias"])


@lru_cache(maxsize=1)
def _confidence_model() -> tuple[list[float], list[float], list[float], float]:
    return load_confidence_model(CONFIDENCE_MODEL)


def calibrated(evidence: Evidence) -> float:
    """Probability that the top-ranked entry is the right answer.

    A logistic model over the match evidence, fitted by benchmarks/calibrate.py on
    leave-one-variant-out knowledge-base questions and a written set of off-topic questions
    (never on the evaluation set), so the threshold means "answer when more likely right than
    not" instead of a raw score cut-off.
    """
    mean, scale, weights, bias = _confidence_model()
    z = bias + sum(w * (x - m) / s for w, x, m, s in zip(weights, evidence, mean, scale, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


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


def _bundled_book_cache_name() -> str:
    """Cache file name for the index of the bundled KB: a hash of the rules files, the
    dictionaries, the matcher, classifier and text code and the segmenter versions (see
    ``text_cache_key``)."""
    parts: list[bytes | str] = [
        Path(__file__).read_bytes(),
        Path(__file__).with_name("classifier.py").read_bytes(),
        text_cache_key(),
        sys.version,
    ]
    for directory in (RULES_DIR, DICT_DIR):
        for path in sorted(directory.iterdir()):
            if path.is_file():
                parts += [path.name, path.read_bytes()]
    return f"dangwu-rules-{cache_key(*parts)}.marshal"


def _bundled_book() -> RuleBook:
    """``RuleBook(load_rules())``, restored from the start-up cache when the KB is unchanged.

    Building the index tokenises every variant, keyword and answer and fits the classifier (a
    few seconds); the built state is pickled to the cache folder (``bot.text.CACHE_DIR``) and
    reused until any input file or the code changes.
    """
    name = _bundled_book_cache_name()
    blob = read_cache(name)
    if isinstance(blob, bytes):
        try:
            book = RuleBook.__new__(RuleBook)
            book.__dict__.update(pickle.loads(blob))
            return book
        except Exception:  # noqa: BLE001 — any unreadable cache is rebuilt below
            pass
    book = RuleBook(load_rules())
    state = {k: v for k, v in book.__dict__.items() if k != "_keyness"}
    state["_keyness"] = {}
    write_cache(name, marshal.dumps(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)))
    return book


#: Where a refit (a taught variant) runs; None: in this process. The Telegram front end sets a
#: one-process pool, so the fit's number crunching never holds this process's GIL while other
#: users' questions are answered.
_FIT_POOL: Executor | None = None


def use_fit_process(pool: Executor | None) -> None:
    """Run classifier refits in ``pool`` (a ``ProcessPoolExecutor``), or in-process with None."""
    global _FIT_POOL
    _FIT_POOL = pool


def _fit(docs: Sequence[tuple[int, Sequence[str], float]], n: int, previous: SoftmaxClassifier | None) -> SoftmaxClassifier:
    """The classifier over ``docs``, warm-started from ``previous`` when refitting; a refit goes
    to the fit pool when one is set."""
    if previous is not None and _FIT_POOL is not None:
        return _FIT_POOL.submit(SoftmaxClassifier.fit, docs, n, l2=CLF_L2, init=previous).result()
    return SoftmaxClassifier.fit(docs, n, l2=CLF_L2, init=previous)


def load_rulebook(db: Database | None = None, db_path: str | Path | None = None) -> RuleBook:
    """The bundled rules plus any admin-taught variants stored in the database."""
    extra: list[tuple[str, str]] = []
    if db is not None:
        extra = _overrides(db)
    elif db_path is not None and Path(db_path).is_file():
        from bot.db import open_db

        extra = _overrides(open_db(db_path))
    book = _bundled_book()
    if extra:
        # the same as building with ``extra``: variants are added, then the index refreshed
        for rule_id, question in extra:
            if rule_id in book._index:
                book._add_variant(book._index[rule_id], question)
        book._refresh_idf()
    return book


def teach(db: Database, book: RuleBook, rule_id: str, question: str, user_id: int | None = None) -> None:
    """Store an admin-taught variant and make it effective at once."""
    book.teach(rule_id, question)  # the refit runs outside the write lock
    with write(db):
        db.execute(
            "INSERT OR IGNORE INTO rule_overrides (rule_id, question, added_by) VALUES (?, ?, ?)",
            [rule_id, question.strip(), user_id],
        )


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
