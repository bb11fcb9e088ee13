"""Find template paragraphs from a few words typed on a phone.

Design (measured in ``benchmarks/search.py``):

1. **Inverted index of character bigrams in SQLite.** Chinese has no spaces and users type
   fragments (党费, 三会一课 不到位), so every paragraph is indexed by its overlapping
   two-character terms; a one-character run is indexed as itself. Postings are packed
   ``uint32`` paragraph ids in chunks of :data:`CHUNK` per term, so a query reads a few blobs
   instead of thousands of rows and start-up never re-indexes.
2. **Candidates from the rarest terms.** Query terms are taken rarest first until
   :data:`BUDGET` postings have been read; each hit adds the term's idf. Very common terms
   (工作, 党建) add almost nothing to BM25 and would dominate the cost, so they are only
   scored on the candidates.
3. **Exact BM25 + rapidfuzz re-rank on the top candidates.** Term frequencies come from the
   candidates' own text; the best 50 are re-ranked with ``rapidfuzz`` partial ratios of the
   query words (typos, word order) and idf-weighted coverage of the query.

Consistency: triggers on ``paragraphs`` queue inserted, edited and deleted rows
(``search_pending``/``search_dead``) and bump a generation counter; :func:`sync` applies the
queues and is called by the importer inside the same transaction as its inserts, and by
:func:`search` whenever it sees a queue left by some other writer. Deleting a source cascades
to its paragraphs and the trigger records them, so the index cannot point at removed text.
"""

from __future__ import annotations

import json
import math
import re
import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from sqlite_utils import Database

from bot.db import write
from bot.fanwen import search_index
from bot.fanwen.docparse import KINDS, kind_book, resolve_kind
from bot.fanwen.search_index import KIND_CODE, Index, term_key
from bot.text import (
    DICT_DIR,
    QUESTION_WORDS,
    RARE_WORD,
    STOPWORDS,
    YAML_LOADER,
    domain_terms,
    fold,
    is_slip,
    repair_typos,
    repair_word,
    segmenter,
    synonyms,
)

#: Bump when the term extraction changes: the index is rebuilt on next use.
INDEX_VERSION = "3"
#: Paragraph ids per postings row.
CHUNK = 4096
#: Postings read in the candidate phase before common terms are left to the re-scoring.
BUDGET = 10_000
#: Candidates re-scored with exact BM25 from their text; the best RERANK get rapidfuzz.
CANDIDATES = 100
RERANK = 50
#: Fewer paragraphs than this passing the relevance cut-off are followed by the best ones
#: below it, flagged ``maybe`` ("可能相关"), so a short list still fills a page.
TOP_UP = 5
#: Shown above best-effort results that missed the relevance cut-off.
FALLBACK_MESSAGE = "可能相关：没有完全符合的段落，以下是最接近的结果"
#: weight of a kind word's own terms (党费 问题: 问题 in the text counts a little)
KIND_WORD_WEIGHT = 0.3
#: Longest query considered (characters); longer input is cut.
MAX_QUERY = 120
K1, B = 1.2, 0.75

_RUN = re.compile(r"[^\W_]+")
_OPERATORS = frozenset({"and", "or", "not", "near"})


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    """One paragraph found: what the bot shows and what the draft basket stores.

    ``placeholders`` are ``(start, end, text)`` spans to fill in (XX镇, 某某, blanks; an empty
    span marks a removed number); ``spans`` are ``(start, end)`` of the query's matches in
    ``text`` for highlighting.
    """

    id: int
    text: str
    kind: str
    heading: str
    source: str
    score: float
    placeholders: list[tuple[int, int, str]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    theme: str = ""
    source_id: int = 0
    #: below the relevance cut-off: a best-effort result ("可能相关")
    maybe: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "heading": self.heading,
            "source": self.source,
            "source_id": self.source_id,
            "theme": self.theme,
            "score": round(self.score, 4),
            "placeholders": [list(p) for p in self.placeholders],
            "spans": [list(s) for s in self.spans],
            "maybe": self.maybe,
        }


@dataclass
class SearchResponse:
    """Results of one query; ``message`` (Chinese) explains an empty or doubtful answer."""

    query: str
    results: list[SearchResult]
    total: int
    message: str = ""
    kind: str | None = None
    offset: int = 0
    #: True when nothing passed the relevance cut-off and these are best-effort BM25 results
    #: (shown as "可能相关"): never an empty answer while some paragraph shares a query term.
    fallback: bool = False
    #: "did you mean": the query with a likely typo repaired ("" when none)
    suggestion: str = ""
    #: True when the kind asked for (filter or a kind word in the query) had nothing and these
    #: are other kinds' results ("没有「X」类段落，以下是其他类别")
    other_kinds: bool = False

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.results]


# --- schema helpers ------------------------------------------------------------------------

def transaction(db: Database) -> AbstractContextManager[None]:
    """Kept for callers: :func:`bot.db.write`, the one write discipline."""
    return write(db)


# --- terms ---------------------------------------------------------------------------------


def runs(folded: str) -> list[str]:
    """Maximal runs of letters/digits/ideographs; punctuation and spaces separate them."""
    return _RUN.findall(folded)


def terms_of_runs(parts: Iterable[str]) -> list[str]:
    """Index terms: overlapping bigrams of each run, a one-character run as itself."""
    out: list[str] = []
    for run in parts:
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def index_terms(text: str) -> Counter[str]:
    """Term counts of a paragraph (the same folding as queries: 繁→简, full-width→ASCII)."""
    return Counter(terms_of_runs(runs(fold(text))))


def _doc_row(
    pid: int, text: str, kind: str, source_id: int, heading: str = ""
) -> tuple[tuple[Any, ...], Counter[str]]:
    """The ``search_docs`` row of a paragraph and its term counts.

    The heading's terms are indexed with the text's (a paragraph under 党风廉政 is about it even
    when it never says so), the same terms as ``index_terms(text + "\n" + heading)`` that
    removal uses. The folded text is kept only when folding changed a letter, digit or
    ideograph (traditional characters, full-width or upper-case letters), not just
    punctuation (，→ ,), so matching never folds at query time and most rows store one copy.
    """
    folded = fold(text)
    counts = Counter(terms_of_runs(runs(folded)))
    if heading:
        counts.update(index_terms(heading))
    changed = folded != text and runs(folded) != _RUN.findall(text)  # not punctuation only
    row = (pid, source_id, kind, sum(counts.values()), folded if changed else None)
    return row, counts


# --- writing the index ---------------------------------------------------------------------


_INSERT_DOC = (
    "INSERT OR REPLACE INTO search_docs (para_id, source_id, kind, length, folded) "
    "VALUES (?, ?, ?, ?, ?)"
)


def _pack(ids: Sequence[int]) -> bytes:
    return array("I", ids).tobytes()


def _unpack(blob: bytes) -> array[int]:
    a = array("I")
    a.frombytes(blob)
    return a


def _append_postings(db: Database, postings: dict[str, list[int]]) -> None:
    """Add ids to each term's last chunk (or new chunks) and raise its df."""
    conn = db.conn
    for term, ids in postings.items():
        row = conn.execute(
            "SELECT chunk, n, ids FROM search_postings WHERE term = ? ORDER BY chunk DESC LIMIT 1",
            (term,),
        ).fetchone()
        pending = list(ids)
        chunk = -1
        if row is not None:
            chunk, n, blob = row
            if n < CHUNK:
                merged = _unpack(blob)
                take = pending[: CHUNK - n]
                merged.extend(take)
                pending = pending[len(take) :]
                conn.execute(
                    "UPDATE search_postings SET n = ?, ids = ?, first_id = ?, last_id = ? "
                    "WHERE term = ? AND chunk = ?",
                    (len(merged), merged.tobytes(), min(merged), max(merged), term, chunk),
                )
        while pending:
            chunk += 1
            part, pending = pending[:CHUNK], pending[CHUNK:]
            conn.execute(
                "INSERT INTO search_postings (term, chunk, first_id, last_id, n, ids) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (term, chunk, min(part), max(part), len(part), _pack(part)),
            )
    conn.executemany(
        "INSERT INTO search_terms (term, df) VALUES (?, ?) "
        "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        [(t, len(ids)) for t, ids in postings.items()],
    )


#: the paragraph columns the index reads, in the order ``_doc_row`` takes them
_ROW_COLUMNS = "id, text, kind, source_id, COALESCE(heading, '')"
Row = tuple[int, str, str, int, str]


def _doc_rows(rows: Iterable[Row]) -> tuple[list[tuple[Any, ...]], dict[str, list[int]]]:
    """Document rows and term → paragraph ids for ``(id, text, kind, source_id, heading)`` rows."""
    postings: dict[str, list[int]] = {}
    docs: list[tuple[Any, ...]] = []
    for pid, text, kind, source_id, heading in rows:
        row, counts = _doc_row(pid, text, kind, source_id, heading)
        docs.append(row)
        for term in counts:
            postings.setdefault(term, []).append(pid)
    return docs, postings


def _index_rows(db: Database, rows: Iterable[Row]) -> int:
    """Index ``(id, text, kind, source_id, heading)`` rows; returns how many."""
    docs, postings = _doc_rows(rows)
    if not docs:
        return 0
    db.conn.executemany(_INSERT_DOC, docs)
    _append_postings(db, postings)
    return len(docs)


def _purge(db: Database, dead: list[tuple[int, str]]) -> None:
    """Remove the postings of deleted/edited paragraphs, found from their old text and heading."""
    conn = db.conn
    by_term: dict[str, set[int]] = {}
    for pid, text in dead:
        for term in index_terms(text):
            by_term.setdefault(term, set()).add(pid)
    df_drop: list[tuple[int, str]] = []
    for term, pids in by_term.items():
        lo, hi = min(pids), max(pids)
        rows = conn.execute(
            "SELECT chunk, ids FROM search_postings "
            "WHERE term = ? AND first_id <= ? AND last_id >= ?",
            (term, hi, lo),
        ).fetchall()
        removed = 0
        for chunk, blob in rows:
            ids = _unpack(blob)
            kept = [i for i in ids if i not in pids]
            if len(kept) == len(ids):
                continue
            removed += len(ids) - len(kept)
            if kept:
                conn.execute(
                    "UPDATE search_postings SET n = ?, ids = ?, first_id = ?, last_id = ? "
                    "WHERE term = ? AND chunk = ?",
                    (len(kept), _pack(kept), min(kept), max(kept), term, chunk),
                )
            else:
                conn.execute(
                    "DELETE FROM search_postings WHERE term = ? AND chunk = ?", (term, chunk)
                )
        if removed:
            df_drop.append((removed, term))
    conn.executemany("UPDATE search_terms SET df = df - ? WHERE term = ?", df_drop)
    conn.execute("DELETE FROM search_terms WHERE df <= 0")
    conn.executemany(
        "DELETE FROM search_docs WHERE para_id = ?", [(pid,) for pid, _ in dead]
    )


def sync(db: Database) -> int:
    """Apply the trigger queues: purge removed/edited paragraphs, index new ones.

    Runs inside the caller's transaction when there is one (the importer's), otherwise in its
    own. Rebuilds everything when the index was made by another :data:`INDEX_VERSION`.
    Returns the number of paragraphs (re)indexed.
    """
    with write(db):
        version = db.conn.execute("SELECT value FROM search_meta WHERE key = 'version'").fetchone()
        if version is None or version[0] != INDEX_VERSION:
            return rebuild_index(db)
        dead = db.conn.execute("SELECT para_id, text FROM search_dead ORDER BY seq").fetchall()
        if dead:
            _purge(db, [(int(p), str(t)) for p, t in dead])
            db.conn.execute("DELETE FROM search_dead")
        pending = [r[0] for r in db.conn.execute("SELECT para_id FROM search_pending")]
        done = 0
        for start in range(0, len(pending), 5000):
            batch = pending[start : start + 5000]
            marks = ",".join("?" * len(batch))
            rows = db.conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM paragraphs WHERE id IN ({marks})", batch
            ).fetchall()
            done += _index_rows(db, rows)
        if pending:
            db.conn.execute("DELETE FROM search_pending")
        if dead or pending:
            db.conn.executemany(
                "INSERT INTO search_log (para_id) VALUES (?)",
                [(int(p),) for p, _ in dead] + [(int(p),) for p in pending],
            )
            _snapshot_if_due(db)
            _bump(db)
        return done


#: a snapshot is written once this many paragraphs changed since the last one (or 10%)
SNAPSHOT_EVERY = 5000


def _snapshot_if_due(db: Database) -> None:
    """Save a new snapshot of the in-memory index when the change log has grown large."""
    if search_index.snapshot_dir(db) is None:
        return
    row = db.conn.execute(
        "SELECT (SELECT COUNT(*) FROM search_log), (SELECT COUNT(*) FROM search_docs)"
    ).fetchone()
    if row[0] >= max(SNAPSHOT_EVERY, row[1] // 10):
        search_index.save(db, search_index.build_all(db))


def rebuild_index(db: Database, batch: int = 20_000) -> int:
    """Drop and rebuild the whole index from ``paragraphs`` (version change, repair, bench)."""
    with write(db):
        conn = db.conn
        for table in ("search_docs", "search_terms", "search_postings", "search_pending",
                      "search_dead"):
            conn.execute(f"DELETE FROM {table}")
        last = 0
        total = 0
        while True:
            rows = conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM paragraphs WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                break
            total += _bulk_rows(db, rows)
            last = rows[-1][0]
        conn.execute(
            "INSERT OR REPLACE INTO search_meta (key, value) VALUES ('version', ?)",
            (INDEX_VERSION,),
        )
        conn.execute("DELETE FROM search_log")
        search_index.drop_snapshot(db)
        if total >= SNAPSHOT_EVERY:
            search_index.save(db, search_index.build_all(db))
        _bump(db)
        return total


def _bulk_rows(db: Database, rows: list[Row]) -> int:
    """Like :func:`_index_rows` but writes fresh chunks without reading old ones."""
    docs, postings = _doc_rows(rows)
    conn = db.conn
    conn.executemany(_INSERT_DOC, docs)
    next_chunk = dict(
        conn.execute("SELECT term, MAX(chunk) + 1 FROM search_postings GROUP BY term").fetchall()
    ) if conn.execute("SELECT 1 FROM search_postings LIMIT 1").fetchone() else {}
    out: list[tuple[str, int, int, int, int, bytes]] = []
    for term, ids in postings.items():
        c = next_chunk.get(term, 0)
        for s in range(0, len(ids), CHUNK):
            part = ids[s : s + CHUNK]
            out.append((term, c, part[0], part[-1], len(part), _pack(part)))
            c += 1
    conn.executemany(
        "INSERT INTO search_postings (term, chunk, first_id, last_id, n, ids) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        out,
    )
    conn.executemany(
        "INSERT INTO search_terms (term, df) VALUES (?, ?) "
        "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        [(t, len(ids)) for t, ids in postings.items()],
    )
    return len(docs)


def _bump(db: Database) -> None:
    db.conn.execute(
        "UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
    )


# --- in-memory document table --------------------------------------------------------------


@dataclass
class _Served:
    """The in-memory index of one database connection and the generation it reflects."""

    generation: str = ""
    index: Index | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_SERVED: weakref.WeakKeyDictionary[Database, _Served] = weakref.WeakKeyDictionary()
_KIND_CODE = KIND_CODE


def _index(db: Database) -> Index:
    """The served index for ``db``: reloaded (snapshot + changes) when the generation moved.

    Queues left by a writer that bypassed :func:`sync` (direct SQL) are applied first, as
    before; reading never rebuilds or saves anything.
    """
    served = _SERVED.get(db)
    if served is None:
        served = _SERVED.setdefault(db, _Served())
    with served.lock:
        gen = _generation(db)
        if served.index is not None and gen == served.generation:
            return served.index
        queued = db.conn.execute(
            "SELECT (SELECT COUNT(*) FROM search_pending) + (SELECT COUNT(*) FROM search_dead), "
            "(SELECT value FROM search_meta WHERE key = 'version')"
        ).fetchone()
        if queued[0] or queued[1] != INDEX_VERSION:
            sync(db)
            gen = _generation(db)
        served.index = Index.open(db)
        served.generation = gen
        return served.index


def _generation(db: Database) -> str:
    row = db.conn.execute("SELECT value FROM search_meta WHERE key = 'generation'").fetchone()
    return str(row[0]) if row else ""


# --- queries -------------------------------------------------------------------------------


@dataclass
class _Query:
    """A query reduced to index terms, with what the ranking needs to know about them."""

    words: list[str]  # folded runs as typed (for rapidfuzz and highlighting)
    terms: dict[str, float]  # term → weight (1.0 typed, 0.6 from a synonym)
    typed: list[str]  # the typed terms, for coverage
    segments: list[str]  # jieba words of ``words``: coverage is counted by word
    expansions: list[tuple[str, str]]  # (variant typed, canonical form) pairs
    kind_hint: str | None = None
    single_char: bool = False
    #: colloquial phrases found in the query: (the typed words they cover, formal phrases)
    groups: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    #: kinds a colloquial phrase points at (a soft preference, unlike ``kind_hint``)
    prefer_kinds: frozenset[str] = frozenset()
    #: the kind word typed in the query (问题 in 党费 问题): a filter, and matched a little
    kind_word: str = ""
    #: (as typed, as spelled) when the kind word had an IME slip (原因分吸 → 原因分析)
    kind_fix: tuple[str, str] | None = None
    #: typed word → the factor its weight is taken by, for a word no paragraph holds whole
    #: (一拖再拖: only 一拖, in another sense) or an everyday word reports hardly use (一下,
    #: 知道): see _discount_words
    discount: dict[str, float] = field(default_factory=dict)


# --- colloquial words ------------------------------------------------------------------------

#: everyday wording → formal phrases found in paragraphs (optional; written by hand)
COLLOQUIAL = DICT_DIR / "colloquial.yaml"
#: weight of the formal phrases' terms (the second query side); typed terms weigh 1
COLLOQUIAL_WEIGHT = 0.5


@dataclass(frozen=True)
class Colloquial:
    """One row of ``colloquial.yaml``: ``say`` phrases mean the ``means`` phrases."""

    say: tuple[str, ...]
    means: tuple[str, ...]
    kinds: tuple[str, ...] = ()


def colloquial_table() -> tuple[Colloquial, ...]:
    """The rows of :data:`COLLOQUIAL` (empty when the file is missing or unreadable)."""
    stamp = _colloquial_stamp()
    return _load_colloquial(*stamp) if stamp else ()


def _colloquial_stamp() -> tuple[str, int] | None:
    """(path, modification time) of :data:`COLLOQUIAL`: the key its parsed forms are cached by."""
    try:
        return str(COLLOQUIAL), COLLOQUIAL.stat().st_mtime_ns
    except OSError:
        return None


@lru_cache(maxsize=4)
def _load_colloquial(path: str, stamp: int) -> tuple[Colloquial, ...]:
    try:
        raw = yaml.load(Path(path).read_text("utf-8"), Loader=YAML_LOADER) or []
    except (OSError, yaml.YAMLError):
        return ()
    rows: list[Colloquial] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        say = tuple(fold(str(x)).strip() for x in item.get("say") or [] if str(x).strip())
        means = tuple(fold(str(x)).strip() for x in item.get("means") or [] if str(x).strip())
        kinds = tuple(k for k in (resolve_kind(str(x)) for x in item.get("kinds") or []) if k)
        if say and means:
            rows.append(Colloquial(say, means, kinds))
    return tuple(rows)


@lru_cache(maxsize=4)
def _say_list(path: str, stamp: int) -> tuple[list[str], list[int]]:
    rows = _load_colloquial(path, stamp)
    says: list[str] = []
    owner: list[int] = []
    for i, row in enumerate(rows):
        for say in row.say:
            says.append(say)
            owner.append(i)
    return says, owner


def _colloquial_matches(text: str, segments: list[str]) -> list[tuple[str, Colloquial]]:
    """Rows whose ``say`` phrase occurs in ``text`` or nearly: one wrong, missing or extra
    character inside it (:func:`_near`), or its words in any order with others between
    (开会没人来 in 开会老是没人来, 开会人凑不齐 in 开会老是凑不齐人; see :func:`_has_words`),
    where an everyday word may be said another way (:data:`COLLOQUIAL_WORDS`: 老百姓 for 群众,
    拍板 for 说了算)."""
    return [(says[0], row) for says, row in _colloquial_rows(text, segments)]


def _colloquial_rows(text: str, segments: list[str]) -> list[tuple[tuple[str, ...], Colloquial]]:
    """The rows :func:`_colloquial_matches` finds, each with every ``say`` phrase that matched
    (first found first): the query words they stand for together are what the row covers."""
    stamp = _colloquial_stamp()
    if stamp is None or not text:
        return []
    rows = _load_colloquial(*stamp)
    if not rows:
        return []
    virtual = _everyday_variants(text, tuple(segments))
    out: dict[int, list[str]] = {}
    for say, i in _colloquial_hits(text, tuple(segments), virtual, *stamp):
        out.setdefault(i, []).append(say)
    return [(tuple(says), rows[i]) for i, says in out.items()]


@lru_cache(maxsize=2048)
def _colloquial_hits(
    text: str, segments: tuple[str, ...], virtual: tuple[str, ...], path: str, stamp: int
) -> tuple[tuple[str, int], ...]:
    """(say phrase, row number) of every phrase matching ``text`` (cached by query and table).

    ``virtual`` are other ways of saying the query's everyday words: a phrase may match by
    its words (:func:`_has_words`) through them, never literally or :func:`_near`-ly.
    """
    says, owner = _say_list(path, stamp)
    by_ends, by_needles = _say_prefilter(path, stamp)
    chars = set(text)
    close: set[int] = {j for j, _ in by_ends.get("", ())}
    for c in chars:
        close.update(j for j, last in by_ends.get(c, ()) if last in chars)
    wide = chars | set("".join(virtual))
    worded: set[int] = {j for j, _ in by_needles.get("", ())}
    for c in wide:
        worded.update(j for j, need in by_needles.get(c, ()) if need <= wide)
    found: dict[int, None] = {}  # say numbers, literal and near matches first
    if close:
        cands = sorted(close)
        scores = process.cdist(
            [text], [says[j] for j in cands], scorer=fuzz.partial_ratio, dtype=np.uint8
        )[0]
        for j in (cands[i] for i in np.flatnonzero(scores >= 60)):
            if says[j] in text or _near(says[j], text):
                found[j] = None
    words = set(segments) | set(virtual)
    for j in sorted(worded):
        if j in found:
            continue
        needles = _say_words(says[j])
        if _has_words(needles, words) or (
            needles == (says[j],) and len(says[j]) > 1 and says[j] in virtual
        ):  # a phrase that is one word, said another way (忙不过来 for 顾不过来)
            found[j] = None
    matched = [says[j] for j in found]
    return tuple((says[j], owner[j]) for j in found if not _outdone(says[j], matched))


def _outdone(say: str, others: Iterable[str]) -> bool:
    """Another matched phrase holds every word of ``say`` and more: the more specific reading
    wins (学了不知道咋干, about applying what was learnt, over 不知道咋干, about ideas)."""
    mine = set(_say_words(say))
    return bool(mine) and any(o != say and mine < set(_say_words(o)) for o in others)


#: interchangeable everyday words (老百姓/群众/村民, 说了算/拍板): a ``say`` phrase written
#: with one of them matches a query that uses another (optional; written by hand)
COLLOQUIAL_WORDS = DICT_DIR / "colloquial_words.yaml"


def _everyday_variants(text: str, segments: tuple[str, ...]) -> tuple[str, ...]:
    """The other members of every :data:`COLLOQUIAL_WORDS` group the query uses: a word of
    two or more characters anywhere in ``text``, a one-character word as a query word."""
    try:
        stamp = COLLOQUIAL_WORDS.stat().st_mtime_ns
    except OSError:
        return ()
    return _variants_of(text, segments, str(COLLOQUIAL_WORDS), stamp)


@lru_cache(maxsize=2048)
def _variants_of(
    text: str, segments: tuple[str, ...], path: str, stamp: int
) -> tuple[str, ...]:
    groups = _word_groups(path, stamp)
    singles, longer = _group_members(path, stamp)
    hit = {g for s in segments for g in singles.get(s, ())}
    hit.update(g for w, gs in longer.items() if w in text for g in gs)
    out: dict[str, None] = {}
    for g in sorted(hit):
        out.update(dict.fromkeys(w for w in groups[g] if w not in text))
    return tuple(out)


@lru_cache(maxsize=4)
def _group_members(
    path: str, stamp: int
) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """Group numbers of each one-character member and of each longer member."""
    singles: dict[str, list[int]] = {}
    longer: dict[str, list[int]] = {}
    for g, group in enumerate(_word_groups(path, stamp)):
        for w in group:
            (singles if len(w) == 1 else longer).setdefault(w, []).append(g)
    return (
        {w: tuple(gs) for w, gs in singles.items()},
        {w: tuple(gs) for w, gs in longer.items()},
    )


@lru_cache(maxsize=4)
def _word_groups(path: str, stamp: int) -> tuple[tuple[str, ...], ...]:
    try:
        raw = yaml.load(Path(path).read_text("utf-8"), Loader=YAML_LOADER) or []
    except (OSError, yaml.YAMLError):
        return ()
    groups = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list):
            group = tuple(dict.fromkeys(fold(str(x)).strip() for x in item if str(x).strip()))
            if len(group) > 1:
                groups.append(group)
    return tuple(groups)


@lru_cache(maxsize=4)
def _say_prefilter(
    path: str, stamp: int
) -> tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, frozenset[str]]]]]:
    """What a query must contain for a ``say`` phrase to possibly match, by character.

    A phrase matches exactly or :func:`_near`-ly only when the query has its first and last
    characters (``by_ends``: first → (phrase, last)), and by :func:`_has_words` only when the
    query has every character of its words, so every character no filler word has
    (``by_needles``: one of them → (phrase, all of them)). The phrases neither admits are
    skipped before the rapidfuzz scores: the same matches, cheaper. No phrase is segmented here
    (that would load jieba's dictionary for all their characters at the first query).
    """
    says, _ = _say_list(path, stamp)
    by_ends: dict[str, list[tuple[int, str]]] = {}
    by_needles: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for j, say in enumerate(says):
        if not say:  # folded to nothing: in every text (never in a real table)
            by_ends.setdefault("", []).append((j, ""))
            continue
        by_ends.setdefault(say[0], []).append((j, say[-1]))
        need = frozenset(c for c in say if not c.isspace()) - _FILLER_CHARS
        by_needles.setdefault(min(need) if need else "", []).append((j, need))
    return by_ends, by_needles


def _near(say: str, text: str) -> bool:
    """``text`` holds ``say`` with one slip inside it (a wrong, missing or extra character), or
    two in a phrase of seven or more characters (干好干坏都一样 ~ 干好干坏一个样).

    Its first and last characters must be there as typed: a phrase cut short at the end of the
    query (村干部 for 村干部贪) or a query that is only part of a phrase (主题教育 for
    主题教育一阵风) is not the phrase, nor is one that lost its negation. Phrases of fewer than
    four characters must be exact.
    """
    n = len(say)
    if n < 4:
        return False
    slips = 2 if n >= 7 else 1
    sizes = range(n - slips, n + slips + 1) if n >= 5 else (n, n + 1)
    for size in sizes:
        for i in range(len(text) - size + 1):
            window = text[i : i + size]
            if (
                window[0] == say[0]
                and window[-1] == say[-1]
                and Levenshtein.distance(window, say, score_cutoff=slips) <= slips
                and all(window.count(c) >= say.count(c) for c in _NEGATIONS if c in say)
            ):
                return True
    return False


#: a slip never drops or replaces one of these (开会人来 is not 开会没人来)
_NEGATIONS = "不没无未非别莫"


#: words of a ``say`` phrase that need not be typed for it to match (particles, 老是 …);
#: negations (不, 没) always count
SAY_FILLERS = frozenset(
    "的 了 是 就 就是 都 也 还 和 跟 与 在 个 把 被 给 着 过 又 很 太 老 老是 总 总是 一直 "
    "吗 呢 啊 吧 呀 嘛 这 那 这些 那些 连 啥 什么 怎么 咋".split()
)


#: characters of the filler words: the only ones a phrase may lack and still match by words
_FILLER_CHARS = frozenset("".join(SAY_FILLERS))


@lru_cache(maxsize=4096)
def _say_words(say: str) -> tuple[str, ...]:
    """The words of a ``say`` phrase that must be typed for it to match."""
    return tuple(w for w in segmenter().cut(say) if w not in SAY_FILLERS)


def _has_words(needles: tuple[str, ...], words: set[str]) -> bool:
    """All of ``needles`` are query words, in any order, other words allowed between them.

    A needle of two or more characters may also be part of a longer query word (群众 in
    普通群众, 一起 in 合在一起), and a one-character needle start a two-character one that
    jieba glued to a particle or a place word (坐 in 坐在, 家 in 家里), or to anything when it is
    a negation (没 in 没入). A phrase needs two or more such words of three characters in all,
    so a phrase reduced to one word, or to two single characters, never matches this way.
    """
    return (
        len(needles) > 1
        and sum(len(n) for n in needles) >= 3
        and all(n in words or any(_holds(w, n) for w in words) for n in needles)
    )


#: second characters that leave a two-character query word's first one its own word
_LIGHT = frozenset("在了着过里上下到的得地")


def _holds(word: str, needle: str) -> bool:
    """``needle`` is in query word ``word`` as :func:`_has_words` allows."""
    if len(needle) > 1:
        return needle in word
    return len(word) == 2 and word[0] == needle and (needle in _NEGATIONS or word[1] in _LIGHT)


def _add_colloquial(q: _Query) -> None:
    """Add the formal phrases of colloquial wording as a second, lower-weighted query side, and
    the kinds it points at as a soft preference (the rows' kinds; a plan or a complaint cue)."""
    joined = "".join(q.words)
    kinds: set[str] = set()
    for says, row in _colloquial_rows(joined, q.segments):
        covered = {s for say in says for s in _covered(say, q.segments)}
        q.groups.append((tuple(s for s in dict.fromkeys(q.segments) if s in covered), row.means))
        kinds.update(row.kinds)
        for phrase in row.means:
            for t in terms_of_runs(runs(phrase)):
                q.terms.setdefault(t, COLLOQUIAL_WEIGHT)
    if any(cue in joined for cue in PLAN_CUES):
        kinds.update(("下一步打算", "整改措施"))  # 明年准备…, 下一步想…: a plan
    elif not kinds and any(cue in joined for cue in COMPLAINT_CUES):
        kinds.add("存在问题")  # 老是没人…, 光…不…: a complaint
    q.prefer_kinds = frozenset(kinds)


#: words that make a query a plan (a soft preference for 下一步打算 and 整改措施 paragraphs)
PLAN_CUES = ("明年", "下一步", "下步", "今后", "准备", "打算", "要把", "想把", "计划")
#: words that make a query a complaint when no colloquial row said which kind it is
#: (a soft preference for 存在问题)
COMPLAINT_CUES = ("不", "没", "老是", "总是", "光", "太", "就知道", "难", "少", "差", "低", "弱",
                  "缺", "乱", "松")


def _covered(say: str, segments: list[str]) -> tuple[str, ...]:
    """The query words a matched ``say`` phrase stands for: those in it (or it in them), and
    those that hold one of its words, as typed or said another way (老百姓 for its 群众)."""
    needles = _say_words(say)
    out: list[str] = []
    for seg in segments:
        if seg in say or say in seg:
            out.append(seg)
            continue
        alts = (seg, *_everyday_variants(seg, (seg,)))
        if any(a == n or _holds(a, n) or (len(a) > 1 and a in say) for a in alts for n in needles):
            out.append(seg)
    return tuple(out)


@lru_cache(maxsize=1)
def _kind_words() -> dict[str, str]:
    """Kind names and aliases a user may add to a query ("党费 问题", "三会一课整改措施")."""
    out: dict[str, str] = {}
    for rules in kind_book().kinds:
        for w in (rules.kind, *rules.aliases):
            if len(w) >= 2:
                out[fold(w)] = rules.kind
    return out


def parse_query(query: str) -> _Query | None:
    """Fold and split a query; ``None`` when nothing searchable is left (emoji, punctuation)."""
    folded = fold(query or "")[:MAX_QUERY]
    words = runs(folded)
    if any(_has_cjk(w) for w in words):
        words = [w for w in words if w not in _OPERATORS]
    if not words:
        return None
    kind_hint: str | None = None
    kind_word = ""
    typed_kind = ""  # the kind word as typed, when it had a slip (原因分吸)
    kinds = _kind_words()
    if len(words) > 1:
        spelled = [_kind_word(w) for w in words]
        rest = [w for w, k in zip(words, spelled, strict=True) if not k]
        if rest and any(spelled):
            typed_kind, kind_word = next(
                (w, k) for w, k in zip(reversed(words), reversed(spelled), strict=True) if k
            )
            kind_hint, words = kinds[kind_word], rest
    if kind_hint is None:
        for name in (*TAIL_KINDS, *TAIL_ALIASES):
            w = words[-1]
            tail = w[-len(name) :]
            slip = name in TAIL_KINDS and is_slip(tail, name)
            if len(w) > len(name) + 1 and (tail == name or slip):
                kind_hint, kind_word, typed_kind = resolve_kind(name), name, tail
                words[-1] = w[: -len(name)]
                break
    q = _make_query(words, kind_hint)
    q.kind_word = kind_word
    if typed_kind and typed_kind != kind_word:
        q.kind_fix = (typed_kind, kind_word)
    return q


#: kind names found at the end of a query typed without a space (党费收缴存在问题), as typed
#: or with a slip (…整改措失)
TAIL_KINDS = ("存在问题", "整改措施", "原因分析", "主要做法", "下一步打算", "下步打算")
#: short kind words found there only as typed (…抓学习的做法, …的措施, 明年…的打算); not 问题
#: or 原因, which end everyday complaints and questions
TAIL_ALIASES = ("做法", "措施", "打算")


@lru_cache(maxsize=4096)
def _kind_word(word: str) -> str:
    """The kind word ``word`` is, as spelled in ``kinds.yaml`` ("" when none).

    An IME slip counts (原因分吸 → 原因分析, 整该措施 → 整改措施, 下一部打算 → 下一步打算,
    存在题问 → 存在问题): a homophone or two swapped neighbours (:func:`bot.text.is_slip`) of a
    kind word of three or more characters, or of two characters when ``word`` is no everyday
    word (措失 → 措施, 施措 → 措施, but 大蒜 is not 打算).
    """
    kinds = _kind_words()
    if word in kinds:
        return word
    if len(word) < 2 or not _has_cjk(word):
        return ""
    hit = next((k for k in kinds if is_slip(word, k)), "")
    if len(word) == 2 and hit and segmenter().frequency(word)[0] >= RARE_WORD:
        return ""
    return hit


def _make_query(words: list[str], kind_hint: str | None) -> _Query:
    """Index terms of ``words`` (weight 1, :data:`CROSS_WEIGHT` for a bigram that only spans
    two words) and of their synonyms (weight 0.6)."""
    typed = list(dict.fromkeys(terms_of_runs(words)))
    terms = dict(_typed_weights(tuple(words)))  # a copy: the colloquial side adds to it
    expansions = list(_expansions(tuple(words)))
    for _, other in expansions:
        for t in terms_of_runs([other]):
            terms.setdefault(t, 0.6)
    single = len(words) == 1 and len(words[0]) == 1
    segments = _segments(words)
    return _Query(words, terms, typed, segments, expansions, kind_hint, single)


#: weight of a typed bigram that only spans two words (是没 in 老是没人来, 面指 in 上面指出):
#: no term the user meant, so a rare one must not pull up the few paragraphs that contain it
CROSS_WEIGHT = 0.2


@lru_cache(maxsize=4096)
def _typed_weights(words: tuple[str, ...]) -> dict[str, float]:
    """Query weight of each typed term: 1, or :data:`CROSS_WEIGHT` for a bigram across a word
    boundary, unless both sides are lone characters that are no function words (jieba could
    not place them: a rare term it split, 一/岗/双/责, or a typo)."""
    out: dict[str, float] = {}
    for word in words:
        if len(word) == 1:
            out[word] = 1.0
            continue
        owner: list[int] = []  # the number of the jieba word each character belongs to
        segs = _cut(word)
        for n, seg in enumerate(segs):
            owner.extend([n] * len(seg))
        for i in range(len(word) - 1):
            a, b = owner[i], owner[i + 1]
            loose = all(
                len(segs[n]) == 1 and segs[n] not in STOPWORDS and segs[n] not in QUESTION_WORDS
                for n in (a, b)
            )
            weight = CROSS_WEIGHT if a != b and not loose else 1.0
            term = word[i : i + 2]
            out[term] = max(out.get(term, 0.0), weight)
    return out


@lru_cache(maxsize=4096)
def _expansions(words: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(typed form, other form) synonym pairs that apply to ``words``."""
    return tuple(
        (typed_form, other)
        for typed_form, other in _synonym_pairs()
        if any(typed_form in w for w in words) and not any(other in w for w in words)
    )


def _segments(words: list[str]) -> list[str]:
    """jieba words of the query's runs (a run without ideographs is one word)."""
    return [s for w in words for s in _cut(w)]


@lru_cache(maxsize=8192)
def _cut(word: str) -> tuple[str, ...]:
    return tuple(segmenter().cut(word)) if _has_cjk(word) else (word,)


@lru_cache(maxsize=8192)
def _repaired(word: str) -> str:
    """``word`` with pinyin-IME slips repaired (itself when the repair changes its length)."""
    if not _has_cjk(word):
        return word
    r = "".join(repair_typos(word))
    return r if len(r) == len(word) else word


#: weight of a typed word's own terms once it has been repaired as a typo (it may still be
#: written that way somewhere)
TYPO_WEIGHT = 0.3


def _repair_query(db: Database, q: _Query) -> tuple[_Query, str]:
    """Repair pinyin-IME slips (党废 → 党费, 三会一可 → 三会一课, 会三一课 → 三会一课) with the
    rules' repair, then what the index shows in any other word (形势主义 → 形式主义,
    基层理治 → 基层治理: :func:`bot.text.repair_word` over the paragraphs' bigrams).

    A term repair replaces the typed word unless the typed one is at least as well attested in
    the index (会议记录 stays although 会议纪录 sounds the same). Returns the query and the
    repaired text to offer as "did you mean" ("" when nothing changed).
    """
    if q.single_char:
        return q, ""
    fixed = [_repaired(w) for w in q.words]
    changed = [(w, r) for w, r in zip(q.words, fixed, strict=True) if w != r]
    df: dict[str, int] = {}
    if changed:
        df = _document_frequencies(
            db, dict.fromkeys(terms_of_runs([x for pair in changed for x in pair]), 1.0)
        )

    def attested(word: str) -> int:
        return min((df.get(t, 0) for t in terms_of_runs([word])), default=0)

    keep = {
        w for w, r in changed
        if attested(w) >= attested(r) or not attested(r) or w in synonyms() or w in domain_terms()
    }  # a term spelled as the dictionaries spell it is meant (缴纳党费 is not 交纳党费 mistyped)
    words = [w if w in keep else r for w, r in zip(q.words, fixed, strict=True)]
    words = [_index_repaired(db, w) if w == typed else w for w, typed in zip(words, q.words, strict=True)]
    if words == q.words:
        return q, ""
    out = _make_query(words, q.kind_hint)
    out.kind_word, out.kind_fix = q.kind_word, q.kind_fix
    for w in q.words:
        if w not in words:
            for t in terms_of_runs([w]):
                out.terms.setdefault(t, TYPO_WEIGHT)
    return out, " ".join(words)


def _index_repaired(db: Database, word: str) -> str:
    """``word`` with a slip repaired where the index shows it (:func:`bot.text.repair_word`)."""
    if len(word) < 2 or len(word) > 12 or not _has_cjk(word):
        return word
    index = _index(db)

    def counts(grams: list[str]) -> list[int]:
        return index.dfs([term_key(g) for g in grams])

    return repair_word(word, counts, lambda grams: _together(index, grams))


def _together(index: Index, grams: list[str]) -> int:
    """How many paragraphs hold every one of ``grams`` (a repair candidate's phrase support).

    Postings are in document order, so the rarest list is looked up in each longer one
    (``searchsorted``): cheap however common the other bigrams are.
    """
    keys = {term_key(g) for g in grams}
    total = 0
    for seg in index.segments:
        lists = sorted((seg.postings(k)[0] for k in keys), key=len)
        common = lists[0] if lists else np.empty(0, np.int32)
        for docs in lists[1:]:
            if not len(common):
                break
            at = np.searchsorted(docs, common)
            inside = at < len(docs)
            common = common[inside][docs[at[inside]] == common[inside]]
        total += len(common)
    return total


@lru_cache(maxsize=1)
def _synonym_pairs() -> tuple[tuple[str, str], ...]:
    """(typed form, other form) pairs from the synonym list, both directions.

    Variant → canonical (支委会 → 支部委员会) and canonical → its two shortest variants
    (支部委员会 → 支委, 支委会), so either wording in a paragraph matches either in a query.
    """
    pairs: list[tuple[str, str]] = []
    variants: dict[str, list[str]] = {}
    for variant, canonical in synonyms().items():
        v, c = fold(variant), fold(canonical)
        if len(v) < 2 or len(c) < 2 or v == c:
            continue
        pairs.append((v, c))
        variants.setdefault(c, []).append(v)
    for c, vs in variants.items():
        for v in sorted(vs, key=len)[:2]:
            if v not in c:
                pairs.append((c, v))
    return tuple(pairs)


def _has_cjk(s: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in s)


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _resolve_source(db: Database, source: int | str | None) -> tuple[set[int] | None, str]:
    """Source filter: an id, a file name (or part of it), or an origin (bundled/import/upload)."""
    if source is None or source == "":
        return None, ""
    if isinstance(source, int) or (isinstance(source, str) and source.strip().isdigit()):
        sid = int(source)
        row = db.conn.execute("SELECT id FROM sources WHERE id = ?", (sid,)).fetchone()
        return ({sid}, "") if row else (set(), f"没有编号为 {sid} 的来源文件")
    name = str(source).strip()
    rows = db.conn.execute(
        "SELECT id FROM sources WHERE name = ? OR origin = ? OR name LIKE ?",
        (name, name, f"%{name}%"),
    ).fetchall()
    ids = {int(r[0]) for r in rows}
    return ids, ("" if ids else f"没有名为“{name}”的来源文件")


def search(
    db: Database,
    query: str,
    kind: str | None = None,
    source: int | str | None = None,
    limit: int = 5,
    offset: int = 0,
) -> SearchResponse:
    """Best paragraphs for ``query``; never raises on user input (empty results + message).

    ``kind`` accepts a kind name or an alias (问题, 措施, 打算 …); ``source`` a source id, a
    file name or an origin (bundled / import / upload).
    """
    limit = max(1, min(int(limit), 50))
    offset = max(0, int(offset))
    bare = fold(query or "").strip()
    spelled = _kind_word(bare) if bare and len(bare) <= 8 else ""
    lone = _kind_words().get(spelled)
    if lone and not kind and source in (None, ""):
        listed = browse(db, lone, limit, offset)  # a bare kind word names a section: list it
        if spelled != bare and listed.results:  # typed with a slip (主要作法)
            listed.suggestion, listed.message = spelled, _did_you_mean(spelled, "")
        return listed
    q = parse_query(query)
    if q is None:
        return SearchResponse(query, [], 0, "请输入要查找的内容，例如：党费 存在问题")
    kind_name: str | None = None
    if kind:
        kind_name = resolve_kind(kind)
        if kind_name is None:
            return SearchResponse(
                query, [], 0, f"不认识的段落类型“{kind}”，可选：{'、'.join(KINDS)}"
            )
    sources, problem = _resolve_source(db, source)
    if problem:
        return SearchResponse(query, [], 0, problem, kind_name)
    index = _index(db)
    if index.count == 0:
        from bot.fanwen.corpus import ensure_bundled  # a fresh install: load the bundled templates

        ensure_bundled(db)
        index = _index(db)
    if index.count == 0:
        return SearchResponse(query, [], 0, "范文库还是空的，请先导入范文文件", kind_name)
    if q.single_char:
        q = _expand_single(db, q)
    q, suggestion = _repair_query(db, q)
    if q.kind_fix and not suggestion:
        suggestion = " ".join(runs(fold(query)[:MAX_QUERY])).replace(*q.kind_fix)
    if not q.single_char:
        _add_colloquial(q)
    if q.kind_word:
        for t in terms_of_runs([q.kind_word]):
            q.terms.setdefault(t, KIND_WORD_WEIGHT)  # 问题 in the text matches, a little
    df = _document_frequencies(db, q.terms)
    if not df:
        return SearchResponse(query, [], 0, _not_found(query), kind_name)
    ignored = _drop_unknown_words(q, df)
    _discount_words(q, df, index.count)
    doubtful = _mostly_garbage(q, df)
    if doubtful and not any(_shared_word(seg, df) for seg in q.segments):
        return SearchResponse(query, [], 0, _not_found(query), kind_name)
    wanted = kind_name or q.kind_hint
    found = _run(db, index, q, df, wanted, sources, offset, limit)
    other_kinds = False
    if wanted and (not found[1] or found[2]):
        # nothing (or only best-effort results) of that kind: what the other kinds have
        others = _run(db, index, q, df, None, sources, offset, limit)
        if others[1] and (not found[1] or not others[2]):
            found, other_kinds = others, True
    page, total, fallback = found
    if doubtful:  # mostly gibberish around a shared word: nothing is more than 可能相关
        page, fallback = [replace(r, maybe=True) for r in page], bool(page)
    if not total:
        return SearchResponse(query, [], 0, _not_found(query, wanted), kind_name or wanted)
    message = ""
    if not page:
        message = "没有更多结果了"
    elif other_kinds:
        message = f"没有「{wanted}」类段落，以下是其他类别"
        if fallback:
            message += "（可能相关）"
    elif fallback:
        message = FALLBACK_MESSAGE
    elif any(r.maybe for r in page):
        first = offset + next(i for i, r in enumerate(page) if r.maybe) + 1
        message = f"第{first}条起可能相关" if first > 1 else "以下可能相关"
    elif suggestion:
        message = ""  # said by _did_you_mean below
    elif q.single_char:
        message = "只输入了一个字，结果可能不准，建议输入两个字以上"
    elif ignored:
        message = f"已忽略没有匹配的词：{'、'.join(ignored)}"
    if suggestion and page:
        message = _did_you_mean(suggestion, message)
    return SearchResponse(
        query, page, total, message, kind_name or wanted, offset, fallback, suggestion,
        other_kinds,
    )


def _run(
    db: Database,
    index: Index,
    q: _Query,
    df: dict[str, int],
    kind_name: str | None,
    sources: set[int] | None,
    offset: int,
    limit: int,
) -> tuple[list[SearchResult], int, bool]:
    """One ranking pass with a kind filter: (page, total, best-effort only)."""
    kind_code = _KIND_CODE[kind_name] if kind_name else 0
    idf = {t: index.idf(n) for t, n in df.items()}
    weighted = {term_key(t): q.terms[t] * idf[t] for t in df}
    presence = {term_key(t): idf[t] for t in q.typed if t in df}
    need = max(CANDIDATES, offset + limit + RERANK)
    candidates, total, _ = index.top(weighted, presence, need, kind_code, sources)
    if not candidates:
        return [], 0, False
    page, passed, fallback = _rerank(db, index, q, df, candidates, offset, limit)
    if not passed:
        return [], 0, False
    return page, (passed if fallback else max(total, passed)), fallback


def _mostly_garbage(q: _Query, df: dict[str, int]) -> bool:
    """More of the query is gibberish than matches: an honest "not found" when no word of it
    is in a paragraph (:func:`_shared_word`), else only best-effort results.

    A word none of whose terms is indexed is ignored when it is an everyday word (jieba knows
    it: 老是, 忘记) or covered by a colloquial phrase, but counts against the query when it is
    no word at all (zzqqxx), so stray shared bigrams (xx, a placeholder, in zzqqxx) are no match.
    A real word some paragraph has (存在 in zzqqxx不存在的词) still gets the best-effort
    results: no query that shares a word with a paragraph comes back empty.
    """
    grouped = {s for covered, _ in q.groups for s in covered}
    known = garbage = 0.0
    for seg in q.segments:
        terms = terms_of_runs([seg])
        share = sum(t in df for t in terms) / len(terms) if terms else 0.0
        known += len(seg) * share
        if len(seg) >= 2 and seg not in grouped and not segmenter().frequency(seg)[0]:
            garbage += len(seg) * (1 - share)
    return garbage > known


def _shared_word(seg: str, df: dict[str, int]) -> bool:
    """``seg`` is a word (jieba knows it) of two or more ideographs, no stopword, that the
    index has: every bigram of it is in some paragraph."""
    return (
        len(seg) >= 2
        and _has_cjk(seg)
        and seg not in STOPWORDS
        and seg not in QUESTION_WORDS
        and all(t in df for t in terms_of_runs([seg]))
        and (segmenter().frequency(seg)[0] > 0 or seg in domain_terms())
    )


def _discount_words(q: _Query, df: dict[str, int], count: int) -> None:
    """Take down typed words that are no topic, in BM25 and in coverage:

    - a word no paragraph holds whole (one of its own bigrams is in none) counts by the share
      of its bigrams that occur: its rare attested bigram (一拖 of 一拖再拖, seen in two
      unrelated paragraphs) is an accident, not a match that may outweigh the query's real
      terms (支部换届一拖再拖 is about 换届);
    - an everyday word that reports hardly use (一下, 知道, 总是, 一起: common in jieba's
      general dictionary, rare here) counts less (:func:`_everyday`): its huge idf says only
      that reports don't talk that way, not that the paragraph having it is the answer.
    """
    scale: dict[str, float] = {}
    for seg in dict.fromkeys(q.segments):
        terms = terms_of_runs([seg])
        if len(seg) < 2:
            continue
        factor = 1.0
        share = sum(t in df for t in terms) / len(terms)
        if 0 < share < 1:
            factor = share
        elif share == 1:
            factor = _everyday(seg, min(df[t] for t in terms), count)
        if factor < 1:
            q.discount[seg] = factor
        for t in terms:
            scale[t] = max(scale.get(t, 0.0), factor)
    for t, factor in scale.items():
        if factor < 1 and t in q.terms:
            q.terms[t] *= factor


#: weight of an everyday word the reports never use (see :func:`_everyday`)
EVERYDAY_WEIGHT = 0.3
#: a word is everyday when jieba counts it at least this often …
EVERYDAY_FREQ = 1000
#: … and the paragraphs hold it less than this many times as often as general text does
EVERYDAY_RATIO = 20.0


def _everyday(word: str, df: int, count: int) -> float:
    """The weight of typed ``word`` as a topic: under 1 for common language the reports hardly
    use. jieba counts it often (at least :data:`EVERYDAY_FREQ`), and the share of paragraphs
    holding it is under :data:`EVERYDAY_RATIO` times its share of general text: the weight
    falls with that ratio, to :data:`EVERYDAY_WEIGHT` (知道, 一下: ×2–6; 时候: ×17).
    Report words are far more common here than in general text (群众, 学习, 开会: ×600 and
    more), so they keep 1, as does every word of the party-term and synonym dictionaries."""
    if not count or word in domain_terms() or word in synonyms():
        return 1.0
    freq, total = segmenter().frequency(word)
    if freq < EVERYDAY_FREQ or not total:
        return 1.0
    ratio = (df / count) / (freq / total)
    return max(EVERYDAY_WEIGHT, min(1.0, ratio / EVERYDAY_RATIO))


def _drop_unknown_words(q: _Query, df: dict[str, int]) -> list[str]:
    """Forget typed words none of whose terms occur anywhere ("ＤＡＮＧ 党费" → 党费).

    A word with some known terms stays: it is probably a typo ("三会一可") and still helps.
    """
    if q.single_char or len(q.words) < 2:
        return []
    known = [w for w in q.words if any(t in df for t in terms_of_runs([w]))]
    if not known or len(known) == len(q.words):
        return []
    ignored = [w for w in q.words if w not in known]
    q.words = known
    q.segments = _segments(known)
    q.typed = list(dict.fromkeys(terms_of_runs(known)))
    return ignored


def _did_you_mean(suggestion: str, message: str) -> str:
    """"Did you mean" before the response's other note (or "searched for it" when none)."""
    return f"你是不是要找“{suggestion}”？" + (message or "已按它查找")


def _not_found(query: str, kind: str | None = None) -> str:
    where = f"“{kind}”类" if kind else ""
    return f"没有找到与“{query.strip()[:20]}”相关的{where}段落，请检查错别字或换个说法"


def _expand_single(db: Database, q: _Query) -> _Query:
    """A one-character query looks for bigrams that start with it (most common first)."""
    c = q.words[0]
    rows = db.conn.execute(
        "SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY df DESC LIMIT 40",
        (c, c + "\U0010ffff"),
    ).fetchall()
    terms = {c: 1.0}
    terms.update({str(r[0]): 1.0 for r in rows})
    return _Query(q.words, terms, [c], [c], [], q.kind_hint, True)


def _document_frequencies(db: Database, terms: dict[str, float]) -> dict[str, int]:
    index = _index(db)
    found = index.dfs([term_key(t) for t in terms])
    return {t: n for t, n in zip(terms, found, strict=True) if n}


def _rerank(
    db: Database,
    index: Index,
    q: _Query,
    df: dict[str, int],
    candidates: list[tuple[int, float, int]],
    offset: int,
    limit: int,
) -> tuple[list[SearchResult], int, bool]:
    """Coverage of the query's words and rapidfuzz on the best BM25 candidates.

    Returns the requested page, how many candidates passed the relevance floor and whether
    none did, so the page holds the best-effort (BM25) results below it instead.
    """
    if not candidates:
        return [], 0, False
    bm25_of = {pid: score for pid, score, _ in candidates}
    pids = list(bm25_of)
    marks = ",".join("?" * len(pids))
    # the heading is matched with the text, as it is indexed (see ``_doc_row``)
    rows = [
        {"id": r[0], "folded": r[1], "kind": r[2], "heading": _fold_heading(r[3]) if r[3] else ""}
        for r in db.conn.execute(
            "SELECT p.id, COALESCE(d.folded, p.text), p.kind, p.heading FROM paragraphs p "
            f"LEFT JOIN search_docs d ON d.para_id = p.id WHERE p.id IN ({marks})",
            pids,
        )
    ]
    idf = {t: index.idf(df[t]) for t in q.terms if t in df}
    units = _units(q, idf)
    unit_weight = sum(w for w, _ in units) or 1.0
    wanted = {t for _, alts in units for alt in alts for t in alt}
    weighed = _weigh_units(units, idf)
    scored: list[tuple[float, float, str, dict[str, Any]]] = []
    # candidates mostly share a few patterns of present terms: each is weighed once
    order = sorted(wanted)
    by_pattern: dict[tuple[bool, ...], float] = {}
    for row in rows:
        folded = row["folded"]
        matched = f"{folded}\n{row['heading']}" if row["heading"] else folded
        pattern = tuple(t in matched for t in order)
        coverage = by_pattern.get(pattern)
        if coverage is None:
            present = {t for t, hit in zip(order, pattern, strict=True) if hit}
            coverage = by_pattern[pattern] = _weighed_coverage(weighed, present) / unit_weight
        scored.append((bm25_of[row["id"]], coverage, matched, row))
    if not scored:
        return [], 0, False
    best_bm25 = max(s[0] for s in scored) or 1.0
    scored.sort(key=lambda x: 0.45 * x[0] / best_bm25 + 0.35 * x[1], reverse=True)
    pool = scored[: max(RERANK, offset + limit)]
    words = [w for w in q.words if w]
    wlen = sum(len(w) for w in words) or 1
    lens = np.array([len(w) for w in words], dtype=np.float32)
    ratios = process.cdist(
        words, [m for _, _, m, _ in pool], scorer=fuzz.partial_ratio, dtype=np.float32
    )
    fuzzies = (lens @ ratios / wlen / 100.0).tolist() if words else [0.0] * len(pool)
    final: list[tuple[float, int, str, dict[str, Any]]] = []
    weak: list[tuple[float, int, str, dict[str, Any]]] = []
    for (bm25, coverage, _matched, row), fuzzy in zip(pool, fuzzies, strict=True):
        score = 0.45 * bm25 / best_bm25 + 0.35 * coverage + 0.2 * fuzzy
        if q.kind_hint and row["kind"] == q.kind_hint:
            score += 0.25
        elif row["kind"] in q.prefer_kinds:
            score += 0.1
        entry = (score, int(row["id"]), row["folded"], row)
        (weak if coverage < 0.45 and fuzzy < 0.8 else final).append(entry)
    fallback = not final and bool(weak)
    final.sort(key=lambda x: (-x[0], x[1]))
    weak.sort(key=lambda x: (-x[0], x[1]))
    # below the cut-off: best effort, flagged ("可能相关") — all of them when nothing passed,
    # else the best few after a short list of passing ones, up to TOP_UP results
    strict = 0 if fallback else len(final)
    final = final + weak[: max(0, TOP_UP - strict)] if strict else weak
    chosen = final[offset : offset + limit]
    full = {r["id"]: r for r in _fetch(db, [pid for _, pid, _, _ in chosen])} if chosen else {}
    page = [
        replace(_result(full[pid], score, _spans(folded, q)), maybe=offset + i >= strict)
        for i, (score, pid, folded, _) in enumerate(chosen)
        if pid in full
    ]
    return page, len(final), fallback


Unit = tuple[float, list[list[str]]]


def _units(q: _Query, idf: dict[str, float]) -> list[Unit]:
    """What coverage counts: the query's jieba words, each as alternative term lists.

    Only terms found in the index count, so a bigram across two words (老是没 → 是没) or an
    unknown word never sinks the query; a stopword counts for nothing. A synonym is an
    alternative to the word it replaces, and the words a colloquial phrase covers make one unit
    whose alternatives are the formal phrases it means.
    """

    def known(text: str) -> list[str]:
        return [t for t in dict.fromkeys(terms_of_runs(runs(text))) if t in idf]

    def mass(terms: list[str]) -> float:
        return sum(idf[t] for t in terms)

    grouped = {s for covered, _ in q.groups for s in covered}
    units: list[Unit] = []
    for seg in dict.fromkeys(q.segments):
        if seg in grouped or seg in STOPWORDS or seg in QUESTION_WORDS:
            continue
        alts = [known(seg)] + [known(o) for t, o in q.expansions if t in seg or seg in t]
        alts = [a for a in alts if a]
        if alts:
            units.append((mass(alts[0]) * q.discount.get(seg, 1.0), alts))
    for covered, means in q.groups:
        alts = [a for a in [known(m) for m in means] + [known("".join(covered))] if a]
        if alts:
            units.append((sum(mass(a) for a in alts) / len(alts), alts))
    return units


Weighed = list[tuple[float, list[tuple[list[tuple[str, float]], float]]]]


def _weigh_units(units: list[Unit], idf: dict[str, float]) -> Weighed:
    """``units`` with each term's idf and each alternative's total: computed once per query."""
    return [
        (weight, [([(t, idf[t]) for t in alt], sum(idf[t] for t in alt)) for alt in alts])
        for weight, alts in units
    ]


def _weighed_coverage(units: Weighed, present: set[str]) -> float:
    """Weighted share of the units a paragraph covers (the best alternative of each)."""
    total = 0.0
    for weight, alts in units:
        best = 0.0
        for alt, mass in alts:
            got = sum(w for t, w in alt if t in present)
            if got:
                best = max(best, got / mass)
        total += weight * best
    return total


@lru_cache(maxsize=65536)
def _fold_heading(heading: str) -> str:
    return fold(heading)


def _fetch(db: Database, pids: list[int]) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(pids))
    cur = db.conn.execute(
        "SELECT p.id, p.text, p.kind, p.heading, p.theme, p.placeholders, p.source_id, s.name "
        f"FROM paragraphs p JOIN sources s ON s.id = p.source_id WHERE p.id IN ({marks})",
        pids,
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _result(row: dict[str, Any], score: float, spans: list[tuple[int, int]]) -> SearchResult:
    try:
        placeholders = [(int(a), int(b), str(c)) for a, b, c in json.loads(row["placeholders"])]
    except (ValueError, TypeError):
        placeholders = []
    return SearchResult(
        id=int(row["id"]),
        text=str(row["text"]),
        kind=str(row["kind"]),
        heading=str(row["heading"] or ""),
        source=str(row["name"]),
        score=float(score),
        placeholders=placeholders,
        spans=spans,
        theme=str(row["theme"] or ""),
        source_id=int(row["source_id"]),
    )


def _spans(folded: str, q: _Query, cap: int = 40) -> list[tuple[int, int]]:
    """Where the query's terms occur in the text, merged into highlight ranges."""
    needles = {q.words[0]} if q.single_char else set(q.typed) | {o for _, o in q.expansions}
    hits: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        start = folded.find(needle)
        while start != -1 and len(hits) < 2000:
            hits.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    hits.sort()
    spans: list[tuple[int, int]] = []
    for s, e in hits:
        if spans and s <= spans[-1][1]:
            if e > spans[-1][1]:
                spans[-1] = (spans[-1][0], e)
        elif len(spans) < cap:
            spans.append((s, e))
    return spans


def similar(db: Database, text: str, limit: int = 5) -> list[tuple[int, str]]:
    """Paragraphs sharing the most of ``text``'s rarest terms (near-duplicate candidates)."""
    if _index(db).count == 0:
        return []
    counts = index_terms(text)
    df = _document_frequencies(db, dict.fromkeys(counts, 1.0))
    if not df:
        return []
    rare = sorted(df, key=lambda t: df[t])[:16]
    hits: Counter[int] = Counter()
    for term in rare:
        if df[term] > 5000:
            break
        for (blob,) in db.conn.execute("SELECT ids FROM search_postings WHERE term = ?", (term,)):
            hits.update(_unpack(blob))
    best = [pid for pid, c in hits.most_common(limit) if c >= max(2, len(rare) // 3)]
    if not best:
        return []
    marks = ",".join("?" * len(best))
    return [
        (int(r[0]), str(r[1]))
        for r in db.conn.execute(f"SELECT id, text FROM paragraphs WHERE id IN ({marks})", best)
    ]


def index_stats(db: Database) -> dict[str, int]:
    """Sizes for the benchmark and ``/stats``: paragraphs, terms, postings rows and ids."""
    row = db.conn.execute(
        "SELECT (SELECT COUNT(*) FROM search_docs), (SELECT COUNT(*) FROM search_terms), "
        "(SELECT COUNT(*) FROM search_postings), (SELECT COALESCE(SUM(n), 0) FROM search_postings)"
    ).fetchone()
    return {"paragraphs": row[0], "terms": row[1], "chunks": row[2], "postings": row[3]}


def browse(db: Database, kind: str, limit: int = 20, offset: int = 0) -> SearchResponse:
    """All paragraphs of one kind, bundled templates first: what `/fanwen 结尾` means.

    A bare kind word names a section, not content to match, so ranking by text would find
    nothing useful; listing the section is what a secretary looking for 结尾 wants.
    """
    kind_name = resolve_kind(kind)
    if kind_name is None:
        return SearchResponse(kind, [], 0, f"不认识的段落类型“{kind}”，可选：{'、'.join(KINDS)}")
    total = db.conn.execute("SELECT count(*) FROM paragraphs WHERE kind = ?", (kind_name,)).fetchone()[0]
    pids = [
        r[0]
        for r in db.conn.execute(
            "SELECT p.id FROM paragraphs p JOIN sources s ON s.id = p.source_id WHERE p.kind = ? "
            "ORDER BY s.origin = 'bundled' DESC, p.source_id, p.position LIMIT ? OFFSET ?",
            (kind_name, max(1, min(limit, 50)), max(0, offset)),
        )
    ]
    rows = {r["id"]: r for r in _fetch(db, pids)} if pids else {}
    results = [_result(rows[p], 0.0, []) for p in pids if p in rows]
    message = "" if results else f"还没有“{kind_name}”类段落"
    return SearchResponse(kind, results, int(total), message, kind_name, offset)
