"""The per-user draft basket: collect 范文 paragraphs, order them, export a Word report.

A branch secretary finds paragraphs with /fanwen, taps ➕ on the ones to keep, and gets one
.docx laid out like a real 党建工作总结: a title, an opening, numbered sections (一、主要做法及成效,
二、存在的问题 …) in the order such reports always follow, and a closing. Organisation
placeholders (XX党支部, XX村 …) are filled from /org; every other placeholder (XX名, XX万元,
XX%) is left in place and highlighted yellow so nothing unfilled slips into a printed report.

Items are snapshots (text, kind, placeholders) of the paragraph at the time it was added, so
a basket survives its source file being removed or re-imported. Everything is keyed by the
Telegram user id; the Telegram layer only parses callbacks and sends the returned objects.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from sqlite_utils import Database

from bot.db import write
from bot.fanwen.docparse import KINDS, OTHER, find_placeholders
from bot.replies import Button, Document, Reply, split_text
from bot.text import cn_numeral

__all__ = [
    "MAX_ITEMS",
    "SECTION_TITLES",
    "AddResult",
    "DraftError",
    "DraftItem",
    "Org",
    "Segment",
    "add",
    "clear",
    "default_title",
    "export_docx",
    "export_text",
    "fill",
    "get_org",
    "get_title",
    "items",
    "move",
    "parse_action",
    "remove",
    "render_basket",
    "sections",
    "set_org",
    "set_title",
]

#: Items per basket: 30 rows of ⬆⬇✖ plus the export row stay under Telegram's ~100 buttons,
#: and 30 paragraphs is already a long report.
MAX_ITEMS = 30
#: Characters of each paragraph shown in the basket list.
PREVIEW_CHARS = 40
MAX_ORG_CHARS = 40
MAX_TITLE_CHARS = 60
#: What an empty placeholder span (a number cut out before 名/次) becomes in the export.
BLANK_MARK = "XX"

# Commands named in user-facing hints; the Telegram layer registers them.
SEARCH_COMMAND = "/fanwen"
BASKET_COMMAND = "/draft"
ORG_COMMAND = "/org"
TITLE_COMMAND = "/title"

#: Section heading per kind as it reads in a report. Opening and closing paragraphs stand
#: before the first and after the last numbered section, without a heading of their own.
SECTION_TITLES: dict[str, str] = {
    "开头": "",
    "主要做法": "主要做法及成效",
    "存在问题": "存在的问题",
    "原因分析": "问题产生的原因",
    "整改措施": "整改措施",
    "下一步打算": "下一步工作打算",
    "结尾": "",
    "其他": "其他事项",
}




class DraftError(ValueError):
    """Something the user must fix (empty basket, bad title); ``str(exc)`` is user-facing."""


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftItem:
    """One paragraph in a basket.

    ``position`` is 1-based within its kind group and ``number`` 1-based over the whole basket
    (what the list and the ⬆⬇✖ buttons show); ``paragraph_id`` may no longer exist.
    """

    id: int
    paragraph_id: int | None
    kind: str
    position: int
    number: int
    text: str
    placeholders: tuple[tuple[int, int, str], ...]
    heading: str
    source: str

    def preview(self, limit: int = PREVIEW_CHARS, org: str | None = None) -> str:
        """One line of at most ``limit`` characters, org placeholders filled as on export."""
        return _shorten(_joined(fill(self.text, org, self.placeholders)), limit)


@dataclass(frozen=True)
class AddResult:
    """Outcome of ➕: ``status`` is added / exists / missing / full; ``message`` is for the user."""

    status: str
    message: str
    item: DraftItem | None = None
    count: int = 0

    @property
    def added(self) -> bool:
        return self.status == "added"


@dataclass(frozen=True)
class Segment:
    """A piece of exported text; ``blank`` marks a placeholder still to fill (highlighted)."""

    text: str
    blank: bool = False


# --- basket --------------------------------------------------------------------------------

_ITEM_COLUMNS = "id, paragraph_id, kind, position, text, placeholders, heading, source"


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _kind_rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else KINDS.index(OTHER)


def _spans(raw: str | None) -> tuple[tuple[int, int, str], ...]:
    try:
        return tuple((int(a), int(b), str(c)) for a, b, c in json.loads(raw or "[]"))
    except (ValueError, TypeError):
        return ()


def items(db: Database, user_id: int) -> list[DraftItem]:
    """The basket in report order: 开头 → 主要做法 → … → 结尾 → 其他, then the user's order."""
    rows = db.conn.execute(
        f"SELECT {_ITEM_COLUMNS} FROM drafts WHERE user_id = ?", (int(user_id),)
    ).fetchall()
    rows.sort(key=lambda r: (_kind_rank(r[2]), r[3], r[0]))
    out: list[DraftItem] = []
    in_kind: dict[str, int] = {}
    for number, (iid, pid, kind, _pos, text, ph, heading, source) in enumerate(rows, 1):
        in_kind[kind] = in_kind.get(kind, 0) + 1
        out.append(
            DraftItem(int(iid), pid, kind, in_kind[kind], number, text, _spans(ph), heading, source)
        )
    return out


def sections(basket: Sequence[DraftItem]) -> list[tuple[str, list[DraftItem]]]:
    """Group an ordered basket by kind, keeping report order: ``[(kind, items), ...]``."""
    groups: list[tuple[str, list[DraftItem]]] = []
    for item in basket:
        if groups and groups[-1][0] == item.kind:
            groups[-1][1].append(item)
        else:
            groups.append((item.kind, [item]))
    return groups


def _item(db: Database, user_id: int, item_id: int) -> DraftItem | None:
    return next((i for i in items(db, user_id) if i.id == item_id), None)


def add(db: Database, user_id: int, paragraph_id: int) -> AddResult:
    """Put a paragraph (a snapshot of it) at the end of its kind group; idempotent.

    Adding the same paragraph twice, or the same text imported again under a new id, keeps
    one copy (``exists``). A paragraph deleted since it was shown gives ``missing``.
    """
    row = db.conn.execute(
        "SELECT p.text, p.kind, p.heading, p.placeholders, p.hash, COALESCE(s.name, '') "
        "FROM paragraphs p LEFT JOIN sources s ON s.id = p.source_id WHERE p.id = ?",
        (int(paragraph_id),),
    ).fetchone()
    if row is None:
        kept = db.conn.execute(
            "SELECT id FROM drafts WHERE user_id = ? AND paragraph_id = ?",
            (int(user_id), int(paragraph_id)),
        ).fetchone()
        if kept is not None:  # removed from the corpus, but the basket has its snapshot
            basket = items(db, user_id)
            item = next((i for i in basket if i.id == kept[0]), None)
            return AddResult(
                "exists", f"这段已在草稿篮里（共 {len(basket)} 段）。", item, len(basket)
            )
        return AddResult("missing", "这段范文已被删除，无法加入草稿篮。请重新搜索。")
    text, kind, heading, placeholders, para_hash, source = row
    kind = kind if kind in KINDS else OTHER
    with write(db):
        existing = db.conn.execute(
            "SELECT id FROM drafts WHERE user_id = ? AND para_hash = ?", (int(user_id), para_hash)
        ).fetchone()
        count = db.conn.execute(
            "SELECT COUNT(*) FROM drafts WHERE user_id = ?", (int(user_id),)
        ).fetchone()[0]
        if existing is None and count >= MAX_ITEMS:
            return AddResult(
                "full", f"草稿篮最多放 {MAX_ITEMS} 段，请先导出或删除几段。", None, int(count)
            )
        if existing is None:
            pos = db.conn.execute(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM drafts WHERE user_id = ? AND kind = ?",
                (int(user_id), kind),
            ).fetchone()[0]
            cur = db.conn.execute(
                "INSERT INTO drafts (user_id, paragraph_id, para_hash, kind, position, text, "
                "placeholders, heading, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (int(user_id), int(paragraph_id), para_hash, kind, pos, text, placeholders,
                 heading, source),
            )  # fmt: skip
            item_id = int(cur.lastrowid or 0)
            count += 1
        else:
            item_id = int(existing[0])
    item = _item(db, user_id, item_id)
    if existing is not None:
        return AddResult(
            "exists", f"这段已在草稿篮里（共 {count} 段）。发送 {BASKET_COMMAND} 查看。", item, count
        )
    where = f"{kind} 第 {item.position} 段" if item else kind
    return AddResult(
        "added",
        f"已加入草稿篮：{where}（共 {count} 段）。发送 {BASKET_COMMAND} 查看和导出。",
        item,
        count,
    )


def remove(db: Database, user_id: int, item_id: int) -> bool:
    """Take one item out; False when it is not (or no longer) in this user's basket."""
    with write(db):
        cur = db.conn.execute(
            "DELETE FROM drafts WHERE id = ? AND user_id = ?", (int(item_id), int(user_id))
        )
    return cur.rowcount > 0


def move(db: Database, user_id: int, item_id: int, delta: int) -> bool:
    """Swap an item with its neighbour in the same kind group (``delta`` -1 up, +1 down).

    Kind groups keep their report order, so an item never leaves its section. False when the
    item is already first/last in its group or not in the basket.
    """
    if delta not in (-1, 1):
        raise ValueError("delta must be -1 or +1")
    with write(db):
        row = db.conn.execute(
            "SELECT kind, position FROM drafts WHERE id = ? AND user_id = ?",
            (int(item_id), int(user_id)),
        ).fetchone()
        if row is None:
            return False
        kind, pos = row
        op, order = ("<", "DESC") if delta < 0 else (">", "ASC")
        other = db.conn.execute(
            f"SELECT id, position FROM drafts WHERE user_id = ? AND kind = ? AND position {op} ? "
            f"ORDER BY position {order} LIMIT 1",
            (int(user_id), kind, pos),
        ).fetchone()
        if other is None:
            return False
        # UNIQUE (user_id, kind, position): park one row while the other takes its place
        db.conn.execute("UPDATE drafts SET position = -1 WHERE id = ?", (int(item_id),))
        db.conn.execute("UPDATE drafts SET position = ? WHERE id = ?", (pos, other[0]))
        db.conn.execute("UPDATE drafts SET position = ? WHERE id = ?", (other[1], int(item_id)))
    return True


def clear(db: Database, user_id: int) -> int:
    """Empty the basket; returns how many items went. Settings (org, title) stay."""
    with write(db):
        cur = db.conn.execute("DELETE FROM drafts WHERE user_id = ?", (int(user_id),))
    return int(cur.rowcount)


# --- settings ------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _setting(db: Database, user_id: int, column: str) -> str | None:
    row = db.conn.execute(
        f"SELECT {column} FROM user_settings WHERE user_id = ?", (int(user_id),)
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def _store_setting(db: Database, user_id: int, column: str, value: str | None) -> None:
    with write(db):
        db.conn.execute(
            f"INSERT INTO user_settings (user_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}, "
            "updated_at = datetime('now')",
            (int(user_id), value),
        )


def set_org(db: Database, user_id: int, name: str) -> str:
    """Save the organisation name used to fill XX党支部 / XX村; ``""`` clears it.

    Returns the stored (normalised) name. Raises :class:`DraftError` for a name that is too
    long or is itself a placeholder (XX党支部).
    """
    org = _clean(name).replace(" ", "")
    if org and len(org) > MAX_ORG_CHARS:
        raise DraftError(f"单位名称太长（最多 {MAX_ORG_CHARS} 字）。")
    if org and (len(org) < 2 or find_placeholders(org)):
        raise DraftError(f"请写实际的单位名称，例如：{ORG_COMMAND} 红星村党支部")
    _store_setting(db, user_id, "org_name", org or None)
    return org


def get_org(db: Database, user_id: int) -> str | None:
    """The user's organisation; falls back to the org name set for their private chat."""
    org = _setting(db, user_id, "org_name")
    if org:
        return org
    try:
        row = db.conn.execute(
            "SELECT org_name FROM chats WHERE chat_id = ?", (int(user_id),)
        ).fetchone()
    except sqlite3.OperationalError:  # chats table missing in a partial test database
        return None
    return str(row[0]) if row and row[0] else None


def report_year(today: date) -> int:
    """The year a 年度总结 written on ``today`` is about: last year while it is still January."""
    return today.year - 1 if today.month == 1 else today.year


def default_title(org: str | None, today: date) -> str:
    """``<org>2026年度党建工作总结``; without an org, ``XX党支部…`` (highlighted on export)."""
    return f"{org or 'XX党支部'}{report_year(today)}年度党建工作总结"


def set_title(db: Database, user_id: int, title: str) -> str:
    """Save a custom title (``""`` restores the default). Returns what was stored."""
    clean = _clean(title)
    if len(clean) > MAX_TITLE_CHARS:
        raise DraftError(f"标题太长（最多 {MAX_TITLE_CHARS} 字）。")
    _store_setting(db, user_id, "draft_title", clean or None)
    return clean


def get_title(db: Database, user_id: int, today: date) -> str:
    """The custom title, or the default built from the org name and ``today``'s year."""
    return _setting(db, user_id, "draft_title") or default_title(get_org(db, user_id), today)


# --- placeholders --------------------------------------------------------------------------

#: Party-organisation suffixes of an org name, longest first, with their family: a text's
#: XX党支部 is only replaced by an org of the same family (a 党支部 is not a 党委).
_ORG_PARTY: tuple[tuple[str, str], ...] = (
    ("党总支部委员会", "branch"),
    ("党支部委员会", "branch"),
    ("总支部委员会", "branch"),
    ("支部委员会", "branch"),
    ("联合党支部", "branch"),
    ("党总支", "branch"),
    ("党支部", "branch"),
    ("总支部", "branch"),
    ("支部", "branch"),
    ("党工委", "committee"),
    ("党委员会", "committee"),
    ("党委", "committee"),
    ("党组", "group"),
)
#: What may follow a placeholder in template text; 党组织 matches any family.
_TEXT_PARTY: tuple[tuple[str, str], ...] = (
    ("党组织", "any"),
    ("党总支", "branch"),
    ("党支部", "branch"),
    ("支部", "branch"),
    ("党工委", "committee"),
    ("党委", "committee"),
    ("党组", "group"),
)
#: Administrative units that name a place (XX村 → 红星村), longest first within the regex.
_UNITS = ("开发区", "街道", "社区", "小区", "园区", "村", "镇", "乡", "县", "区", "市", "省")
_UNIT_RE = re.compile(r"(.{2,}?)(" + "|".join(_UNITS) + ")")
#: An org whose name holds one of these is an institution, not a place: its units are unsafe
#: to split (华兴市政公司 is not in 华兴市), so only XX党支部 is filled for it.
_INSTITUTION = (
    "公司", "集团", "学校", "学院", "大学", "中学", "小学", "幼儿园", "医院", "卫生院", "局",
    "机关", "中心", "厂", "协会", "银行", "委员会", "办公室", "所", "站", "队", "部", "厅",
)  # fmt: skip
#: Words that start with a unit character but are not the unit (XX区域, XX市场).
_NOT_UNIT = ("区域", "市场", "市值", "县城", "乡亲", "乡土", "村民")
_ORG_PLACEHOLDER = re.compile(r"^(?:[XxＸｘ×]{1,4}|某某?)$")


@dataclass(frozen=True)
class Org:
    """An organisation name taken apart: 青山镇红星村党支部 → base 青山镇红星村, party 党支部,
    units {镇: 青山, 村: 红星}."""

    name: str
    base: str
    party: str
    family: str
    units: dict[str, str]

    @classmethod
    def parse(cls, name: str) -> Org:
        name = _clean(name).replace(" ", "")
        core = re.sub(r"^(?:中国共产党|中共)", "", name)
        party, family = next(((s, f) for s, f in _ORG_PARTY if core.endswith(s)), ("", ""))
        base = core[: len(core) - len(party)] if party else core
        units: dict[str, str] = {}
        if base and not any(w in base for w in _INSTITUTION):
            pos = 0
            found: list[tuple[str, str]] = []
            for m in _UNIT_RE.finditer(base):
                if m.start() != pos:
                    break
                found.append((m.group(2), m.group(1)))
                pos = m.end()
            rest = base[pos:]
            unit = next((u for u in _UNITS if rest.endswith(u)), "")
            if unit and len(rest) > len(unit):  # 张村: a one-character name, at the end only
                found.append((unit, rest[: -len(unit)]))
            for unit, stem in found:
                # a unit seen twice is ambiguous: fill neither
                units[unit] = "" if unit in units else stem
            units = {u: s for u, s in units.items() if s}
        return cls(name, base, party, family, units)


def _org_fill(text: str, start: int, end: int, org: Org) -> tuple[int, str] | None:
    """Replacement for an org-like placeholder at ``text[start:end]``: (end of the replaced
    range, new text), or None to leave it (and highlight it)."""
    rest = text[end:]
    if rest.startswith(_NOT_UNIT):
        return None
    unit = next((u for u in _UNITS if rest.startswith(u)), None)
    if unit is not None:
        stem = org.units.get(unit)
        return (end, stem) if stem else None
    for suffix, family in _TEXT_PARTY:
        if not rest.startswith(suffix):
            continue
        if not org.party:  # /org 红星村: keep the text's own 党支部
            return (end, org.base) if org.base else None
        if family in ("any", org.family):
            return (end + len(suffix), org.name)
        return None
    return None


def _valid_spans(text: str, spans: Iterable[Sequence[Any]] | None) -> list[tuple[int, int, str]]:
    """Stored spans if they still describe ``text``, else detect them again."""
    if spans is not None:
        try:
            out = sorted((int(s[0]), int(s[1]), str(s[2])) for s in spans)
        except (TypeError, ValueError, IndexError):
            out = []
        else:
            last = 0
            ok = True
            for a, b, t in out:
                if a < last or b < a or b > len(text) or text[a:b] != t:
                    ok = False
                    break
                last = b
            if ok:
                return out
    return find_placeholders(text)


def fill(
    text: str, org: str | None, spans: Iterable[Sequence[Any]] | None = None
) -> list[Segment]:
    """Split ``text`` into plain and placeholder segments, filling organisation placeholders.

    Conservative on purpose: only XX/某某 directly before a party suffix (XX党支部) or an
    administrative unit the org name has (XX村 for 红星村党支部) is filled; XX党委 for a 党支部,
    XX镇 when the org names no town, XX名, XX万元 and blanks stay as blank segments.
    ``spans`` are the paragraph's stored placeholders; invalid or missing → detected again.
    """
    parsed = Org.parse(org) if org else None
    out: list[Segment] = []
    pos = 0

    def plain(s: str) -> None:
        if not s:
            return
        if out and not out[-1].blank:
            out[-1] = Segment(out[-1].text + s)
        else:
            out.append(Segment(s))

    for start, end, token in _valid_spans(text, spans):
        if start < pos:
            continue
        plain(text[pos:start])
        done = None
        if parsed is not None and _ORG_PLACEHOLDER.match(token):
            done = _org_fill(text, start, end, parsed)
        if done is not None:
            pos, value = done
            plain(value)
            continue
        out.append(Segment(token or BLANK_MARK, blank=True))
        pos = end
    plain(text[pos:])
    return out


def _joined(segments: Sequence[Segment]) -> str:
    return "".join(s.text for s in segments)


# --- export --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """The report as exported: title and ``(heading, paragraphs)`` in order; heading "" for
    the opening and closing, which stand without one."""

    title: list[Segment]
    parts: list[tuple[str, list[list[Segment]]]]
    title_break: int = 0  # break the title line after this many characters (0: none)

    @property
    def blanks(self) -> int:
        segs = [*self.title, *(s for _, ps in self.parts for p in ps for s in p)]
        return sum(1 for s in segs if s.blank)

    @property
    def paragraphs(self) -> int:
        return sum(len(ps) for _, ps in self.parts)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_HALF_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_HALF_PARENS = re.compile(r"\(([^()\n]{1,40})\)")


def _wide(c: str) -> bool:
    """A character of Chinese text: ideograph or full-width punctuation."""
    return bool(_HAN.match(c)) or c in "，。；：？！、“”‘’（）《》【】…—"


def chinese_punctuation(text: str) -> str:
    """Half-width punctuation of imported files in Chinese text → full width, for the report:
    "加强学习,提高素质" → "加强学习，提高素质", "(四)" → "（四）". Latin and numbers keep theirs
    ("10:30", "3.5万元", "(A)"). One character for one, so placeholder spans stay valid; the
    stored paragraph keeps its original characters."""

    def parens(m: re.Match[str]) -> str:
        inner = m.group(1)
        if _HAN.search(inner) or inner.strip().isdigit():
            return f"（{inner}）"
        return m.group(0)

    text = _HALF_PARENS.sub(parens, text)
    chars = list(text)
    for i, c in enumerate(chars):
        wide = _HALF_PUNCT.get(c)
        if wide is None:
            continue
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if c == "." and ((before.isascii() and before.isalnum()) or "." in (before, after)):
            continue  # 3.5, "1." list numbers, v1.2, an ellipsis typed as ...
        if c == ":" and before.isdigit() and after.isdigit():
            continue  # 10:30
        if (before and _wide(before)) or (after and _wide(after)) or (c != "." and before.isdigit()):
            chars[i] = wide
    return "".join(chars)


def _cn_number(n: int) -> str:
    return cn_numeral(n)


def _layout(db: Database, user_id: int, today: date) -> _Layout:
    basket = items(db, user_id)
    if not basket:
        raise DraftError(
            f"草稿篮是空的。先用 {SEARCH_COMMAND} 关键词 搜索范文，点段落下的 ➕ 加入草稿篮，再导出。"
        )
    org = get_org(db, user_id)
    title = fill(get_title(db, user_id, today), org)
    parts: list[tuple[str, list[list[Segment]]]] = []
    n = 0
    for kind, group in sections(basket):
        heading = SECTION_TITLES.get(kind, kind)
        if heading:
            n += 1
            heading = f"{_cn_number(n)}、{heading}"
        parts.append(
            (heading, [fill(chinese_punctuation(i.text), org, i.placeholders) for i in group])
        )
    return _Layout(title, parts, _title_break(_joined(title), org))


def _title_break(title: str, org: str | None) -> int:
    """Where to break a title too long for one line: after the organisation name, the way
    two-line 公文 titles are set (青山镇红星村党支部 / 2026年度党建工作总结)."""
    width = sum(0.5 if c.isascii() else 1.0 for c in title)
    if width <= TITLE_LINE_CHARS or not org or not title.startswith(org) or len(org) >= len(title):
        return 0
    return len(org)


def _split_segments(segments: Sequence[Segment], at: int) -> tuple[list[Segment], list[Segment]]:
    left: list[Segment] = []
    right: list[Segment] = []
    pos = 0
    for seg in segments:
        end = pos + len(seg.text)
        if end <= at:
            left.append(seg)
        elif pos >= at:
            right.append(seg)
        else:
            left.append(Segment(seg.text[: at - pos], seg.blank))
            right.append(Segment(seg.text[at - pos :], seg.blank))
        pos = end
    return left, right


def safe_filename(title: str, suffix: str = ".docx") -> str:
    """A file name every OS and Telegram accept: no / \\ : * ? " < > | or control characters."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", title).strip(" ._")
    return (name[:80] or "党建工作总结") + suffix


# Fonts as found on Chinese Windows and WPS; East-Asian text uses w:eastAsia, so it is set
# explicitly everywhere and the template's theme-font attributes (which win) are removed.
TITLE_FONT, HEADING_FONT, BODY_FONT = "宋体", "黑体", "仿宋"
TITLE_SIZE, HEADING_SIZE, BODY_SIZE = Pt(22), Pt(16), Pt(16)  # 二号, 三号, 三号
#: Title characters (CJK = 1, ASCII = ½) that fit one line at 二号 on an A4 公文 page.
TITLE_LINE_CHARS = 20
LINE_EXACT = Pt(28)  # GB/T 9704 body: 22 lines per A4 page
FOOTER_SIZE = Pt(14)  # 四号


def _set_fonts(rpr: BaseOxmlElement, font: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs on a ``w:rPr``'s rFonts, dropping theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), font)


def _style(doc: DocxDocument, name: str, font: str, size: Pt, bold: bool) -> ParagraphStyle:
    style = doc.styles[name]
    assert isinstance(style, ParagraphStyle)
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, font)
    for tag in ("w:spacing", "w:kern"):  # the template Title's letter spacing
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    ppr = style.element.pPr
    if ppr is not None:
        for tag in ("w:pBdr", "w:contextualSpacing"):
            for el in ppr.findall(qn(tag)):
                ppr.remove(el)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_EXACT
    return style


def _prepare(doc: DocxDocument, title: str, today: date) -> None:
    """Page (A4, 公文 margins), Chinese defaults, styles, page numbers, properties."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_fonts(rpr, BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:val"), "en-US")
                lang.set(qn("w:eastAsia"), "zh-CN")

    _style(doc, "Normal", BODY_FONT, BODY_SIZE, False)
    title_style = _style(doc, "Title", TITLE_FONT, TITLE_SIZE, True)
    title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_style.paragraph_format.line_spacing = Pt(36)
    title_style.paragraph_format.space_after = LINE_EXACT
    heading = _style(doc, "Heading 1", HEADING_FONT, HEADING_SIZE, False)
    heading.paragraph_format.first_line_indent = HEADING_SIZE * 2
    heading.paragraph_format.keep_with_next = True

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", BODY_FONT, FOOTER_SIZE)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    page = _run(footer, "1", BODY_FONT, FOOTER_SIZE)
    footer._p.remove(page._r)
    field.append(page._r)
    footer._p.append(field)
    _run(footer, " —", BODY_FONT, FOOTER_SIZE)

    props = doc.core_properties
    props.title = title
    props.author = "党务助手"
    props.last_modified_by = "党务助手"
    props.comments = ""
    props.revision = 1
    stamp = datetime.combine(today, time(12, 0))
    props.created = stamp
    props.modified = stamp


def _run(p: DocxParagraph, text: str, font: str, size: Pt, *, bold: bool | None = None,
         blank: bool = False) -> Run:  # fmt: skip
    run = p.add_run(text)
    run.font.size = size
    run.font.name = font
    if bold is not None:
        run.font.bold = bold
    _set_fonts(run._r.get_or_add_rPr(), font)
    if blank:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def _segments(p: DocxParagraph, segments: Sequence[Segment], font: str, size: Pt,
              bold: bool | None = None) -> None:  # fmt: skip
    for seg in segments:
        _run(p, seg.text, font, size, bold=bold, blank=seg.blank)


def _build_docx(layout: _Layout, today: date) -> bytes:
    title = _joined(layout.title)
    doc = new_docx()
    _prepare(doc, title, today)
    head = doc.add_paragraph(style="Title")
    if layout.title_break:
        first, second = _split_segments(layout.title, layout.title_break)
        _segments(head, first, TITLE_FONT, TITLE_SIZE, True)
        head.runs[-1].add_break()
        _segments(head, second, TITLE_FONT, TITLE_SIZE, True)
    else:
        _segments(head, layout.title, TITLE_FONT, TITLE_SIZE, True)
    for heading, paragraphs in layout.parts:
        if heading:
            _segments(doc.add_paragraph(style="Heading 1"), [Segment(heading)], HEADING_FONT,
                      HEADING_SIZE, False)  # fmt: skip
        for segments in paragraphs:
            p = doc.add_paragraph(style="Normal")
            fmt = p.paragraph_format
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            fmt.first_line_indent = BODY_SIZE * 2
            ind = p._p.get_or_add_pPr().find(qn("w:ind"))
            if ind is not None:  # two characters also when the user changes the font size
                ind.set(qn("w:firstLineChars"), "200")
            _segments(p, segments, BODY_FONT, BODY_SIZE)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def export_docx(db: Database, user_id: int, today: date) -> Document:
    """The basket as a Word report named after its title; :class:`DraftError` when empty."""
    layout = _layout(db, user_id, today)
    title = _joined(layout.title)
    blanks = layout.blanks
    caption = f"共 {layout.paragraphs} 段。" + (
        f"黄色标出的 {blanks} 处请填写实际内容。" if blanks else "已无待填写的占位符。"
    )
    if get_org(db, user_id) is None:
        caption += f"\n发送 {ORG_COMMAND} 单位名称（如 {ORG_COMMAND} 红星村党支部）可自动填入单位。"
    return Document(safe_filename(title), _build_docx(layout, today), caption)


def export_text(db: Database, user_id: int, today: date | None = None) -> list[str]:
    """The same report as plain text, in messages of at most 4096 characters split between
    paragraphs; placeholders still to fill stay visible as XX. :class:`DraftError` when empty."""
    layout = _layout(db, user_id, today or date.today())
    blocks = [_joined(layout.title)]
    for heading, paragraphs in layout.parts:
        if heading:
            blocks.append(heading)
        blocks.extend(_joined(p) for p in paragraphs)
    chunks = (c.strip("\n") for c in split_text("\n\n".join(blocks)))
    return [c for c in chunks if c.strip()]


# --- the basket message --------------------------------------------------------------------


def render_basket(db: Database, user_id: int, today: date | None = None) -> Reply:
    """The basket list with ⬆ ⬇ ✖ per item and the export row; a how-to when empty."""
    basket = items(db, user_id)
    if not basket:
        return Reply(
            f"草稿篮是空的。\n用 {SEARCH_COMMAND} 关键词 搜索范文（如 {SEARCH_COMMAND} 三会一课），"
            "点段落下的 ➕ 加入草稿篮，攒好后在这里导出 Word。",
            title="草稿篮",
        )
    org = get_org(db, user_id)
    lines = [f"标题：{get_title(db, user_id, today or date.today())}"]
    lines.append(f"单位：{org}" if org else f"单位：未设置（{ORG_COMMAND} 红星村党支部）")
    buttons: list[list[Button]] = []
    for kind, group in sections(basket):
        lines.append(f"\n【{kind}】")
        for item in group:
            lines.append(f"{item.number}. {item.preview(org=org)}")
            n = item.number
            buttons.append([
                Button(f"⬆ {n}", data=f"d:u:{item.id}"),
                Button(f"⬇ {n}", data=f"d:d:{item.id}"),
                Button(f"✖ {n}", data=f"d:x:{item.id}"),
            ])  # fmt: skip
    buttons.append([
        Button("导出Word", data="d:w"), Button("导出文本", data="d:t"), Button("清空", data="d:c"),
    ])  # fmt: skip
    return Reply(
        "\n".join(lines),
        title=f"草稿篮（{len(basket)} 段）",
        footer=f"导出时自动填入单位名称，其余 XX 在 Word 中黄色标出。{TITLE_COMMAND} 可改标题。",
        buttons=buttons,
    )


_ACTION = re.compile(r"^d:(?:([udx]):(\d{1,12})|([wtc]))$")


def parse_action(data: str) -> tuple[str, int | None] | None:
    """Callback data of the basket buttons → (action, item id): ``("u", 5)``, ``("w", None)``;
    None for anything else. Actions: u up, d down, x remove, w Word, t text, c clear."""
    m = _ACTION.match(data or "")
    if not m:
        return None
    if m.group(3):
        return m.group(3), None
    return m.group(1), int(m.group(2))
