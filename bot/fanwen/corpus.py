"""The template corpus: import 范文 files into the database, bundled defaults, sources.

Parsing (spam, re-wrapping, headings, kinds, placeholders) is :mod:`bot.fanwen.docparse`; this module
adds what needs the database: de-duplication against what is already stored, one transaction
per file (a broken file never leaves half its paragraphs behind), the search index update in
that same transaction, and the bundled ``knowledge/templates/*.md`` paragraphs.

Public API used by the Telegram layer and the draft basket: :func:`ingest_paths`,
:func:`ingest_bytes`, :func:`ensure_bundled`, :func:`list_sources`, :func:`remove_source`,
:data:`KINDS` and :func:`resolve_kind`.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from sqlite_utils import Database

from bot import KNOWLEDGE, ROOT
from bot.fanwen.docparse import (
    KINDS,
    OTHER,
    SUPPORTED,
    Paragraph,
    ParseError,
    find_placeholders,
    iter_files,
    parse_bytes,
    resolve_kind,
)
from bot.fanwen.search import similar, sync, transaction
from bot.text import fold

__all__ = [
    "KINDS",
    "CorpusError",
    "FileReport",
    "IngestSummary",
    "SourceInfo",
    "ensure_bundled",
    "ingest_bytes",
    "ingest_paths",
    "list_sources",
    "remove_source",
    "resolve_kind",
]

TEMPLATES = KNOWLEDGE / "templates"
#: rapidfuzz ratio at which two paragraphs count as the same text (edits, typos, punctuation).
NEAR_DUPLICATE = 90.0
#: Share of a file's real characters that may go missing before the summary warns.
MAX_LOSS = 0.03
#: Largest file read from disk by ``ingest_paths`` (uploads are limited by the bot's settings).
MAX_FILE_BYTES = 50 * 1024 * 1024

Progress = Callable[[int, int, str], None]


class CorpusError(ValueError):
    """A file could not be imported or a source not removed; the message is user-facing."""


# --- reports -------------------------------------------------------------------------------


@dataclass
class FileReport:
    """What happened to one file."""

    name: str
    status: str  # imported / replaced / unchanged / failed
    message: str = ""
    source_id: int | None = None
    paragraphs: int = 0
    spam_dropped: int = 0
    duplicates: int = 0
    fragments: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    source_chars: int = 0  # real characters in the file (spam removed)
    lost_chars: int = 0  # of those, found in no stored paragraph or heading

    @property
    def shortfall(self) -> bool:
        """More than :data:`MAX_LOSS` of the file's real text did not make it into paragraphs."""
        return self.source_chars > 0 and self.lost_chars > MAX_LOSS * self.source_chars


@dataclass
class IngestSummary:
    """Totals over an import run, plus one :class:`FileReport` per file."""

    reports: list[FileReport] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.reports)

    def _count(self, *status: str) -> int:
        return sum(1 for r in self.reports if r.status in status)

    @property
    def imported(self) -> int:
        return self._count("imported", "replaced")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def paragraphs(self) -> int:
        return sum(r.paragraphs for r in self.reports)

    @property
    def spam_dropped(self) -> int:
        return sum(r.spam_dropped for r in self.reports)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicates for r in self.reports)

    @property
    def fragments(self) -> int:
        return sum(r.fragments for r in self.reports)

    @property
    def kinds(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.reports:
            total.update(r.kinds)
        return total

    def text(self) -> str:
        """Short Chinese summary for the CLI and the bot's reply after an upload."""
        lines = [
            f"文件 {self.files} 个：导入 {self.imported}，已导入过 {self.unchanged}，失败 {self.failed}",
            f"保留段落 {self.paragraphs} 段；去除广告/版权行 {self.spam_dropped} 行，"
            f"重复段落 {self.duplicates} 段，过短片段 {self.fragments} 段",
        ]
        kinds = self.kinds
        if kinds:
            lines.append("分类：" + "，".join(f"{k} {kinds[k]}" for k in KINDS if kinds.get(k)))
        for r in self.reports:
            if r.status == "failed":
                lines.append(f"✗ {r.name}：{r.message}")
            elif r.shortfall:
                pct = 100 * r.lost_chars / r.source_chars
                lines.append(
                    f"⚠ {r.name}：原文 {r.source_chars} 字中有 {r.lost_chars} 字（{pct:.0f}%）"
                    "未能导入，请核对原文件"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "paragraphs": self.paragraphs,
            "spam_dropped": self.spam_dropped,
            "duplicates": self.duplicates,
            "fragments": self.fragments,
            "kinds": {k: self.kinds.get(k, 0) for k in KINDS},
            "reports": [
                {
                    "name": r.name,
                    "status": r.status,
                    "message": r.message,
                    "source_id": r.source_id,
                    "paragraphs": r.paragraphs,
                    "duplicates": r.duplicates,
                    "source_chars": r.source_chars,
                    "lost_chars": r.lost_chars,
                }
                for r in self.reports
            ],
        }


@dataclass(frozen=True)
class SourceInfo:
    """A stored source file as listed to admins."""

    id: int
    name: str
    path: str
    origin: str
    paragraphs: int
    spam_dropped: int
    duplicates: int
    imported_at: str


# --- import --------------------------------------------------------------------------------


def ingest_paths(
    db: Database, paths: Iterable[str | Path], progress: Progress | None = None
) -> IngestSummary:
    """Import files and folders (recursively). Each file is its own transaction; a broken or
    unsupported file is reported in the summary and skipped, never raised.

    ``progress(done, total, name)`` is called after each file (the CLI draws a bar with it).
    Importing the same bytes again changes nothing; a changed file at the same path replaces
    its earlier version.
    """
    files = [f for f in iter_files(paths) if _wanted(f)]
    summary = IngestSummary()
    for done, name in enumerate(files, 1):
        path = Path(name)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CorpusError("文件太大（超过 50 MB）")
            data = path.read_bytes()
            report = _ingest_file(db, path.name, _display_path(path), data, "import")
        except (OSError, CorpusError) as exc:
            report = FileReport(path.name, "failed", _reason(exc))
        summary.reports.append(report)
        if progress:
            progress(done, len(files), path.name)
    return summary


def ingest_bytes(
    db: Database, filename: str, data: bytes, origin: str = "upload"
) -> IngestSummary:
    """Import one file received as bytes (a document sent to the bot); same pipeline.

    Raises :class:`CorpusError` with a Chinese message when the file cannot be imported
    (unsupported type, broken Word file, unknown encoding, nothing usable in it); nothing is
    written in that case.
    """
    name = Path(filename or "未命名.txt").name
    report = _ingest_file(db, name, f"{origin}:{name}", data, origin)
    if report.status == "failed":
        raise CorpusError(f"{name}：{report.message}")
    return IngestSummary([report])


def _wanted(name: str) -> bool:
    """Folders may hold anything; only files we can read (or should complain about) count."""
    suffix = Path(name).suffix.lower()
    return suffix in SUPPORTED or suffix in (".doc", ".wps", ".rtf")


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path.resolve())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    if isinstance(exc, OSError):
        return f"无法读取文件（{exc.strerror or exc}）"
    return str(exc)


def _ingest_file(db: Database, name: str, path: str, data: bytes, origin: str) -> FileReport:
    """Parse and store one file; every failure becomes a ``failed`` report."""
    sha = hashlib.sha256(data).hexdigest()
    row = db.conn.execute("SELECT id FROM sources WHERE sha256 = ?", (sha,)).fetchone()
    if row is not None:
        return FileReport(name, "unchanged", "已导入过，跳过", source_id=int(row[0]))
    try:
        doc = parse_bytes(name, data)
    except ParseError as exc:
        return FileReport(name, "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 — a parser bug must not stop a folder import
        return FileReport(name, "failed", f"解析出错（{type(exc).__name__}）")
    if not doc.paragraphs:
        return FileReport(name, "failed", "没有找到可用的段落", spam_dropped=doc.spam_dropped)
    try:
        report = _store(db, name, path, sha, origin, doc.paragraphs, doc.spam_dropped,
                        doc.fragments_dropped)
    except Exception as exc:  # noqa: BLE001 — rolled back by write(); report the file, keep going
        return FileReport(name, "failed", f"写入数据库失败（{type(exc).__name__}: {exc}）")
    # duplicates are counted apart (the text is stored already); the check is on the parse
    report.source_chars, report.lost_chars = doc.source_chars, doc.lost_chars
    return report


def _store(
    db: Database,
    name: str,
    path: str,
    sha: str,
    origin: str,
    paragraphs: list[Paragraph],
    spam: int,
    fragments: int,
) -> FileReport:
    """One transaction: replace an older version of the file, insert new paragraphs, index."""
    status = "imported"
    with transaction(db):
        if origin in ("import", "bundled"):
            old = db.conn.execute(
                "SELECT id FROM sources WHERE path = ? AND origin = ?", (path, origin)
            ).fetchall()
            for (old_id,) in old:
                db.conn.execute("DELETE FROM sources WHERE id = ?", (old_id,))
                status = "replaced"
            if old:
                sync(db)  # purge the old version first so it does not count as a duplicate
        cur = db.conn.execute(
            "INSERT INTO sources (name, path, sha256, origin) VALUES (?, ?, ?, ?)",
            (name, path, sha, origin),
        )
        source_id = int(cur.lastrowid or 0)
        kept, duplicates = dedupe(db, paragraphs)
        _insert(db, source_id, kept)
        db.conn.execute(
            "UPDATE sources SET paragraphs = ?, spam_dropped = ?, duplicates = ? WHERE id = ?",
            (len(kept), spam, duplicates, source_id),
        )
        sync(db)
    return FileReport(
        name,
        status,
        source_id=source_id,
        paragraphs=len(kept),
        spam_dropped=spam,
        duplicates=duplicates,
        fragments=fragments,
        kinds=Counter(p.kind for p in kept),
    )


def _insert(db: Database, source_id: int, paragraphs: list[Paragraph]) -> None:
    db.conn.executemany(
        "INSERT INTO paragraphs (source_id, position, heading, kind, theme, text, "
        "placeholders, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                source_id,
                p.position,
                p.heading_text,
                p.kind,
                p.theme,
                p.text,
                json.dumps(p.placeholders, ensure_ascii=False),
                text_hash(p.text),
            )
            for p in paragraphs
        ],
    )


# --- duplicates ----------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def _compact(text: str) -> str:
    return _NOT_WORD.sub("", fold(text))


def text_hash(text: str) -> str:
    """Identity of a paragraph's wording: punctuation, spacing, case and 繁/简 ignored."""
    return hashlib.sha1(_compact(text).encode("utf-8")).hexdigest()


def _same_text(a: str, b: str) -> bool:
    """Near duplicates: small edits, or one a trimmed copy of the other."""
    if fuzz.ratio(a, b) >= NEAR_DUPLICATE:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 0.6 * len(long_) and fuzz.partial_ratio(short, long_) >= 95


def _sketch(compact: str, k: int = 12) -> set[int]:
    """Bottom-k hashes of 4-grams: near-identical texts share most of them."""
    grams = {hash(compact[i : i + 4]) for i in range(max(1, len(compact) - 3))}
    return set(sorted(grams)[:k])


def dedupe(db: Database, paragraphs: list[Paragraph]) -> tuple[list[Paragraph], int]:
    """Drop exact and near duplicates, within the file and against stored paragraphs.

    Exact: same normalised wording (hash). Near: rapidfuzz ratio ≥ :data:`NEAR_DUPLICATE`,
    candidates found by shared 4-gram sketches (in the file) or the search index (stored).
    Of two near-duplicates in one file the longer is kept, in the first one's place.
    """
    kept: list[Paragraph] = []
    compacts: list[str] = []
    by_sketch: dict[int, list[int]] = {}
    hashes: set[str] = set()
    duplicates = 0
    stored = _stored_hashes(db, [text_hash(p.text) for p in paragraphs])
    for p in paragraphs:
        h = text_hash(p.text)
        if h in hashes or h in stored:
            duplicates += 1
            continue
        compact = _compact(p.text)
        sketch = _sketch(compact)
        shared: Counter[int] = Counter()
        for value in sketch:
            shared.update(by_sketch.get(value, ()))
        twin = next(
            (i for i, c in shared.most_common(8) if c >= 3 and _same_text(compact, compacts[i])),
            None,
        )
        if twin is not None:
            duplicates += 1
            if len(compact) > len(compacts[twin]):
                position = kept[twin].position
                kept[twin] = p
                kept[twin].position = position
                compacts[twin] = compact
                hashes.add(h)
            continue
        if any(_same_text(compact, _compact(t)) for _, t in similar(db, p.text, limit=3)):
            duplicates += 1
            continue
        hashes.add(h)
        for value in sketch:
            by_sketch.setdefault(value, []).append(len(kept))
        kept.append(p)
        compacts.append(compact)
    return kept, duplicates


def _stored_hashes(db: Database, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for s in range(0, len(hashes), 500):
        part = hashes[s : s + 500]
        marks = ",".join("?" * len(part))
        found.update(
            str(r[0])
            for r in db.conn.execute(f"SELECT hash FROM paragraphs WHERE hash IN ({marks})", part)
        )
    return found


# --- bundled templates ---------------------------------------------------------------------

_BUNDLED_SEEN: weakref.WeakKeyDictionary[Database, tuple[tuple[str, int, int], ...]] = (
    weakref.WeakKeyDictionary()
)


def parse_bundled(text: str) -> list[Paragraph]:
    """``knowledge/templates/*.md``: ``# kind``, ``## theme``, one paragraph per line."""
    kind = OTHER
    theme = ""
    out: list[Paragraph] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            theme = line[3:].strip()
        elif line.startswith("# "):
            kind = resolve_kind(line[2:].strip()) or OTHER
            theme = ""
        elif not line.startswith("#"):
            out.append(
                Paragraph(line, (theme,) if theme else (), kind, len(out),
                          find_placeholders(line), theme)
            )
    return out


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.glob("*.md") if p.name.upper() != "FORMAT.MD")


def ensure_bundled(db: Database) -> None:
    """Load the bundled template paragraphs (origin ``bundled``) if missing or changed.

    Cheap when nothing changed: file sizes and times are compared with the last call, and
    otherwise each file's SHA-256 with what the database holds. A changed file replaces its
    source in one transaction; a deleted file's source is removed.
    """
    files = _template_files()
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if _BUNDLED_SEEN.get(db) == stamp:
        return
    stored = {
        str(path): (int(sid), str(sha))
        for sid, path, sha in db.conn.execute(
            "SELECT id, path, sha256 FROM sources WHERE origin = 'bundled'"
        )
    }
    wanted: set[str] = set()
    for file in files:
        rel = f"knowledge/templates/{file.name}"
        wanted.add(rel)
        data = file.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if stored.get(rel, (0, ""))[1] == sha:
            continue
        paragraphs = parse_bundled(data.decode("utf-8", errors="replace"))
        kind = paragraphs[0].kind if paragraphs else OTHER
        with transaction(db):
            clash = db.conn.execute(
                "SELECT id FROM sources WHERE sha256 = ? AND origin != 'bundled'", (sha,)
            ).fetchone()
            if clash:  # someone imported the very same file; keep theirs
                continue
            _store(db, f"内置范文·{kind}", rel, sha, "bundled", paragraphs, 0, 0)
    for rel, (sid, _) in stored.items():
        if rel not in wanted:
            with transaction(db):
                db.conn.execute("DELETE FROM sources WHERE id = ?", (sid,))
                sync(db)
    _BUNDLED_SEEN[db] = stamp


# --- sources -------------------------------------------------------------------------------


def list_sources(db: Database, origin: str | None = None) -> list[SourceInfo]:
    """Stored sources, newest first; ``origin`` filters (import / upload / bundled)."""
    sql = (
        "SELECT id, name, path, origin, paragraphs, spam_dropped, duplicates, imported_at "
        "FROM sources"
    )
    params: tuple[str, ...] = ()
    if origin:
        sql += " WHERE origin = ?"
        params = (origin,)
    sql += " ORDER BY id DESC"
    return [SourceInfo(*row) for row in db.conn.execute(sql, params).fetchall()]


def remove_source(db: Database, source_id: int) -> int:
    """Delete a source with its paragraphs and their index entries, in one transaction.

    Returns how many paragraphs went. Raises :class:`CorpusError` if there is no such source
    or it is a bundled one (it would come back on the next start; edit the file instead).
    """
    row = db.conn.execute(
        "SELECT origin, paragraphs FROM sources WHERE id = ?", (int(source_id),)
    ).fetchone()
    if row is None:
        raise CorpusError(f"没有编号为 {source_id} 的来源文件")
    if row[0] == "bundled":
        raise CorpusError("内置范文不能删除（请修改 knowledge/templates 中的文件）")
    with transaction(db):
        gone = [
            str(r[0])
            for r in db.conn.execute(
                "SELECT text FROM paragraphs WHERE source_id = ?", (int(source_id),)
            )
        ]
        db.conn.execute("DELETE FROM sources WHERE id = ?", (int(source_id),))
        sync(db)
        _restore_bundled(db, gone)
    return len(gone)


def _restore_bundled(db: Database, gone: list[str]) -> None:
    """Identical paragraphs are stored once: a bundled paragraph that duplicated an imported
    one was merged into it (skipped on load). When that import is removed, the bundled copy
    comes back, so removing a file never takes bundled text with it."""
    if not gone:
        return
    hashes = {text_hash(t) for t in gone}
    compacts = [_compact(t) for t in gone]
    sources = {
        str(path): int(sid)
        for sid, path in db.conn.execute("SELECT id, path FROM sources WHERE origin = 'bundled'")
    }
    for file in _template_files():
        sid = sources.get(f"knowledge/templates/{file.name}")
        if sid is None:
            continue
        wanted = [
            p
            for p in parse_bundled(file.read_text("utf-8", errors="replace"))
            if text_hash(p.text) in hashes
            or any(_same_text(_compact(p.text), c) for c in compacts)
        ]
        kept, _ = dedupe(db, wanted)
        if not kept:
            continue
        _insert(db, sid, kept)
        db.conn.execute(
            "UPDATE sources SET paragraphs = "
            "(SELECT COUNT(*) FROM paragraphs WHERE source_id = ?) WHERE id = ?",
            (sid, sid),
        )
        sync(db)
