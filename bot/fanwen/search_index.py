"""The in-memory BM25 index the template search is served from (the bm25s design).

SQLite (``paragraphs``) is the source of truth. This module turns paragraphs into per-term
postings held as numpy arrays: sorted term keys, ``indptr``, document numbers and a precomputed
BM25 term weight per posting (``tf·(k1+1) / (tf + k1·(1-b+b·dl/avgdl))``; the idf is applied at
query time). A query adds the weights of its terms into one score array and takes the top
documents with ``argpartition``; no Python loop runs per candidate.

Terms are a paragraph's overlapping character bigrams (a one-character run as itself), exactly
as ``bot.fanwen.search.index_terms``; a term of at most two characters is packed into one ``uint64``
(``ord(a) << 21 | ord(b)``), so tokenising a whole batch of paragraphs is a few numpy
operations on their code points.

Persistence: the writers (``bot.fanwen.search.rebuild_index`` and, when many paragraphs changed,
``sync``) save a snapshot of the arrays as ``.npy`` files in ``<db>.search/<token>/``; the token
is stored in ``search_meta`` in the same transaction, so a rolled-back write never points
readers at its files. A reader memory-maps the snapshot (a fresh process opens a million
paragraphs without reading them) and indexes in memory only the paragraphs the ``search_log``
lists as changed since. Without a snapshot (``:memory:`` databases, small collections) the
reader builds the whole index from the paragraphs.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from bot.fanwen.docparse import KINDS
from bot.text import fold

K1, B = 1.2, 0.75
KIND_CODE = {k: i + 1 for i, k in enumerate(KINDS)}
#: arrays of a snapshot, in file order
_ARRAYS = ("keys", "indptr", "docs", "weights", "para_ids", "kind", "source", "length")
_BATCH = 20_000

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def term_key(term: str) -> int:
    """The ``uint64`` of a one- or two-character term."""
    return (ord(term[0]) << 21) | (ord(term[1]) if len(term) > 1 else 0)


def key_term(key: int) -> str:
    a, b = key >> 21, key & 0x1FFFFF
    return chr(a) + (chr(b) if b else "")


@lru_cache(maxsize=1)
def _word_chars() -> npt.NDArray[np.bool_]:
    """``is_word[cp]`` for the Basic Multilingual Plane: the ``[^\\W_]`` of ``bot.fanwen.search``."""
    return np.array([chr(c).isalnum() for c in range(0x10000)], dtype=bool)


def _is_word(cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    table = _word_chars()
    out = np.zeros(len(cps), dtype=bool)
    low = cps < 0x10000
    out[low] = table[cps[low]]
    for i in np.flatnonzero(~low):  # astral characters: rare, checked one by one
        out[i] = chr(int(cps[i])).isalnum()
    return out


@dataclass
class Segment:
    """Postings of some paragraphs: CSR by term, documents numbered from 0."""

    keys: npt.NDArray[np.uint64]
    indptr: I64
    docs: npt.NDArray[np.int32]
    weights: F32
    para_ids: I64
    kind: npt.NDArray[np.uint8]
    source: npt.NDArray[np.int32]
    length: npt.NDArray[np.int32]

    @property
    def count(self) -> int:
        return len(self.para_ids)

    def postings(self, key: int) -> tuple[npt.NDArray[np.int32], F32]:
        i = int(np.searchsorted(self.keys, key))
        if i >= len(self.keys) or int(self.keys[i]) != key:
            return np.empty(0, np.int32), np.empty(0, np.float32)
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.docs[a:b], self.weights[a:b]


Row = tuple[int, str, str, int, str]  # id, text, kind, source_id, heading


def _tokenise(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64],
                                             npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """(term key, document, tf) triples and document lengths for folded ``texts``."""
    joined = "\n".join(texts) + "\n"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    word = _is_word(cps.astype(np.uint32))
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in texts], out=starts[1:])
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(starts))
    nxt = np.zeros_like(word)
    nxt[:-1] = word[1:]
    prev = np.zeros_like(word)
    prev[1:] = word[:-1]
    bi = np.flatnonzero(word & nxt)
    uni = np.flatnonzero(word & ~nxt & ~prev)
    keys = np.concatenate([(cps[bi] << np.uint64(21)) | cps[bi + 1], cps[uni] << np.uint64(21)])
    docs = np.concatenate([doc_of[bi], doc_of[uni]])
    length = np.bincount(docs, minlength=len(texts)).astype(np.int32)
    combined = (docs.astype(np.uint64) << np.uint64(42)) | keys
    pairs, tf = np.unique(combined, return_counts=True)
    return (pairs & np.uint64((1 << 42) - 1), (pairs >> np.uint64(42)).astype(np.int64),
            tf.astype(np.int64), length)


def build(rows: Iterable[Row], avgdl: float | None = None) -> Segment:
    """Index ``rows`` (text and heading, folded as the SQLite index does)."""
    keys: list[npt.NDArray[np.uint64]] = []
    docs: list[npt.NDArray[np.int64]] = []
    tfs: list[npt.NDArray[np.int64]] = []
    lengths: list[npt.NDArray[np.int32]] = []
    pids: list[int] = []
    kinds: list[int] = []
    sources: list[int] = []
    batch: list[str] = []

    def flush() -> None:
        if batch:
            k, d, tf, length = _tokenise(batch)
            keys.append(k)
            docs.append(d + (len(pids) - len(batch)))
            tfs.append(tf)
            lengths.append(length)
            batch.clear()

    for pid, text, kind, source_id, heading in rows:
        pids.append(int(pid))
        kinds.append(KIND_CODE.get(kind, len(KINDS)))
        sources.append(int(source_id))
        batch.append(fold(f"{text}\n{heading}" if heading else text))
        if len(batch) >= _BATCH:
            flush()
    flush()
    if not pids:
        return empty()
    key = np.concatenate(keys)
    doc = np.concatenate(docs)
    tf = np.concatenate(tfs).astype(np.float32)
    length = np.maximum(np.concatenate(lengths), 1)
    order = np.lexsort((doc, key))
    key, doc, tf = key[order], doc[order], tf[order]
    uniq, first = np.unique(key, return_index=True)
    indptr = np.append(first, len(key)).astype(np.int64)
    dl = length[doc].astype(np.float32)
    mean = float(avgdl) if avgdl else float(length.mean())
    weights = (tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / mean))).astype(np.float32)
    return Segment(uniq, indptr, doc.astype(np.int32), weights, np.array(pids, dtype=np.int64),
                   np.array(kinds, dtype=np.uint8), np.array(sources, dtype=np.int32), length)


def empty() -> Segment:
    return Segment(np.empty(0, np.uint64), np.zeros(1, np.int64), np.empty(0, np.int32),
                   np.empty(0, np.float32), np.empty(0, np.int64), np.empty(0, np.uint8),
                   np.empty(0, np.int32), np.empty(0, np.int32))


_ROWS = "SELECT id, text, kind, source_id, COALESCE(heading, '') FROM paragraphs"


def build_all(db: Database) -> Segment:
    """Index every paragraph (a cursor streams the rows: no list of a million tuples)."""
    return build(db.conn.execute(f"{_ROWS} ORDER BY id"))


def build_ids(db: Database, pids: list[int], avgdl: float) -> Segment:
    rows: list[Row] = []
    for s in range(0, len(pids), 5000):
        part = pids[s : s + 5000]
        marks = ",".join("?" * len(part))
        rows.extend(db.conn.execute(f"{_ROWS} WHERE id IN ({marks})", part))
    return build(sorted(rows), avgdl)


# --- snapshots -----------------------------------------------------------------------------


def snapshot_dir(db: Database) -> Path | None:
    """``<db file>.search``; ``None`` for an in-memory or temporary database."""
    for _, name, path in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(f"{path}.search") if path else None
    return None


def save(db: Database, seg: Segment) -> str | None:
    """Write ``seg`` as a new snapshot and point ``search_meta`` at it (caller's transaction)."""
    base = snapshot_dir(db)
    if base is None:
        return None
    token = secrets.token_hex(8)
    folder = base / token
    folder.mkdir(parents=True, exist_ok=True)
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", np.ascontiguousarray(getattr(seg, name)))
    old = db.conn.execute("SELECT value FROM search_meta WHERE key = 'snapshot'").fetchone()
    db.conn.executemany(
        "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)",
        [("snapshot", token), ("snapshot_avgdl", repr(float(seg.length.mean()) if seg.count else 1.0))],
    )
    db.conn.execute("DELETE FROM search_log")
    keep = {token, old[0] if old else ""}
    for other in base.iterdir():  # older snapshots (a reader that mapped one keeps its pages)
        if other.name not in keep:
            shutil.rmtree(other, ignore_errors=True)
    return token


def load(db: Database) -> tuple[Segment, float] | None:
    """The current snapshot, memory-mapped, and its average length; ``None`` when missing."""
    base = snapshot_dir(db)
    row = db.conn.execute(
        "SELECT (SELECT value FROM search_meta WHERE key = 'snapshot'), "
        "(SELECT value FROM search_meta WHERE key = 'snapshot_avgdl')"
    ).fetchone()
    if base is None or not row or not row[0]:
        return None
    folder = base / str(row[0])
    try:
        arrays = [np.load(folder / f"{n}.npy", mmap_mode="r") for n in _ARRAYS]
    except (OSError, ValueError):
        return None
    return Segment(*arrays), float(row[1] or 1.0)


def drop_snapshot(db: Database) -> None:
    db.conn.execute("DELETE FROM search_meta WHERE key IN ('snapshot', 'snapshot_avgdl')")


# --- the served index ----------------------------------------------------------------------


@dataclass
class Index:
    """A snapshot plus the paragraphs changed since, as one scoring surface."""

    segments: list[Segment]
    dead: list[npt.NDArray[np.int64]]  # per segment: documents superseded or removed
    count: int
    avgdl: float
    #: per segment: reusable score/cover/touched buffers (all zero between queries), plain
    #: ndarray views of the memory-mapped postings, and term key → posting range
    _bufs: list[tuple[F32, F32, npt.NDArray[np.bool_]] | None] = field(default_factory=list)
    _docs: list[npt.NDArray[np.int32]] = field(default_factory=list)
    _weights: list[F32] = field(default_factory=list)
    _ranges: list[dict[int, tuple[int, int]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._bufs = [None] * len(self.segments)
        self._docs = [np.asarray(s.docs).view(np.ndarray) for s in self.segments]
        self._weights = [np.asarray(s.weights).view(np.ndarray) for s in self.segments]
        self._ranges = [{} for _ in self.segments]

    def _buffers(self, n: int, count: int) -> tuple[F32, F32, npt.NDArray[np.bool_]]:
        bufs = self._bufs[n]
        if bufs is None:
            bufs = (np.zeros(count, np.float32), np.zeros(count, np.float32),
                    np.zeros(count, bool))
            self._bufs[n] = bufs
        return bufs

    def _lookup(self, n: int, seg: Segment, keys: list[int]) -> list[tuple[int, int]]:
        """Posting ranges of ``keys`` in segment ``n`` (one ``searchsorted`` for the misses)."""
        cache = self._ranges[n]
        missing = [k for k in keys if k not in cache]
        if missing:
            arr = np.array(missing, dtype=np.uint64)
            pos = np.searchsorted(seg.keys, arr)
            inside = pos < len(seg.keys)
            hit = np.zeros(len(missing), bool)
            hit[inside] = np.asarray(seg.keys[pos[inside]]) == arr[inside]
            starts = np.asarray(seg.indptr[np.minimum(pos, len(seg.keys))])
            ends = np.asarray(seg.indptr[np.minimum(pos + 1, len(seg.keys))])
            if len(cache) > 200_000:
                cache.clear()
            for k, h, a, b in zip(missing, hit.tolist(), starts.tolist(), ends.tolist(),
                                  strict=True):
                cache[k] = (a, b) if h else (0, 0)
        return [cache[k] for k in keys]

    @classmethod
    def open(cls, db: Database) -> Index:
        snap = load(db)
        if snap is None:
            seg = build_all(db)
            return cls([seg], [np.empty(0, np.int64)], seg.count,
                       float(seg.length.mean()) if seg.count else 1.0)
        base, avgdl = snap
        changed = [int(r[0]) for r in db.conn.execute("SELECT DISTINCT para_id FROM search_log")]
        if not changed:
            return cls([base], [np.empty(0, np.int64)], base.count, avgdl)
        ids = np.array(sorted(changed), dtype=np.int64)
        dead = np.flatnonzero(np.isin(base.para_ids, ids)).astype(np.int64)
        delta = build_ids(db, changed, avgdl)
        return cls([base, delta], [dead, np.empty(0, np.int64)],
                   base.count - len(dead) + delta.count, avgdl)

    def df(self, key: int) -> int:
        return self.dfs([key])[0]

    def dfs(self, keys: list[int]) -> list[int]:
        """Document frequencies of ``keys`` (postings in every segment, dead ones included)."""
        with self._lock:
            total = [0] * len(keys)
            for n, seg in enumerate(self.segments):
                for i, (a, b) in enumerate(self._lookup(n, seg, keys)):
                    total[i] += b - a
            return total

    def idf(self, df: int) -> float:
        return float(np.log(1.0 + (self.count - df + 0.5) / (df + 0.5)))

    def top(
        self,
        weighted: dict[int, float],
        presence: dict[int, float],
        k: int,
        kind_code: int = 0,
        sources: set[int] | None = None,
    ) -> tuple[list[tuple[int, float, int]], int, float]:
        """The ``k`` best paragraphs by BM25 over ``weighted`` (term key → query weight·idf).

        Returns ``(para id, bm25, kind code)`` best first, how many paragraphs reach 45% of
        the ``presence`` weights (term key → idf of a typed term: the count of likely matches),
        and that presence total.
        """
        out: list[tuple[int, float, int]] = []
        passing = 0
        presence_total = sum(presence.values()) or 1.0
        with self._lock:
            for n, (seg, dead) in enumerate(zip(self.segments, self.dead, strict=True)):
                if not seg.count:
                    continue
                scores, cover, mark = self._buffers(n, seg.count)
                try:
                    keys = list(weighted)
                    found = self._lookup(n, seg, keys)
                    for key, (a, b) in zip(keys, found, strict=True):
                        if a == b:
                            continue
                        # one conversion to the index type for the three scatters below
                        docs = self._docs[n][a:b].astype(np.intp)
                        scores[docs] += np.float32(weighted[key]) * self._weights[n][a:b]
                        mark[docs] = True
                        if key in presence:
                            cover[docs] += np.float32(presence[key])
                    touched = np.flatnonzero(mark)
                    hit_scores = scores[touched]
                    hit_cover = cover[touched]
                    # reset only what this query touched: the buffers stay zero between queries
                    scores[touched] = 0
                    cover[touched] = 0
                    mark[touched] = False
                except BaseException:
                    self._bufs[n] = None  # left dirty: fresh buffers next time
                    raise
                if len(dead):
                    hit_scores[np.isin(touched, dead)] = 0
                keep = hit_scores != 0
                if kind_code:
                    keep &= seg.kind[touched] == kind_code
                if sources is not None:
                    keep &= np.isin(seg.source[touched], np.fromiter(sources, np.int64))
                touched, hit_scores, hit_cover = touched[keep], hit_scores[keep], hit_cover[keep]
                if presence:
                    passing += int(np.count_nonzero(hit_cover >= 0.45 * presence_total))
                else:
                    passing += len(touched)
                if len(touched) > k:
                    best = np.argpartition(-hit_scores, k - 1)[:k]
                    touched, hit_scores = touched[best], hit_scores[best]
                out.extend(
                    zip(seg.para_ids[touched].tolist(), hit_scores.tolist(),
                        seg.kind[touched].tolist(), strict=True)
                )
        out.sort(key=lambda x: (-x[1], x[0]))
        return out[:k], passing, presence_total


def clear_snapshots(db: Database) -> None:
    """Remove the snapshot folder of ``db`` (tests, repair)."""
    base = snapshot_dir(db)
    if base is not None and base.is_dir():
        shutil.rmtree(base, ignore_errors=True)


__all__ = ["Index", "Segment", "build", "build_all", "clear_snapshots", "key_term", "load",
           "save", "snapshot_dir", "term_key"]
