"""三会一课 台账: record the meetings a branch held, find the gaps, render and export.

Kinds and how often each must be held come from ``knowledge/facts/ledger.yaml`` (支部工作条例
（试行）2018): 支委会, 党小组会 and 主题党日 every month, 党员大会 and 党课 every quarter, 组织生活会
and 民主评议党员 every year. A yearly meeting held in January or February counts for the year
before when that year has none (many branches hold the annual 组织生活会 early next year).

Every date here is the chat's *local* date: the caller converts "now" with the chat's time zone
(``local_today``), so a meeting at 00:30 in Beijing is not filed under the day before.

Gaps look back only a bounded window (this year's periods and the one before the current
period), so a chat that starts using the ledger in November is not told about last year.
The same kind on the same day is one meeting: recording it again fills in the missing details
instead of adding a second row (a double tap, or a reminder's "开了" after a manual entry).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import Enum
from typing import Any, Literal

import cn2an
from sqlite_utils import Database

from bot.db import write
from bot.facts.store import fact

# ---------------------------------------------------------------- kinds and cadence

#: Canonical kinds in display order → the fact holding the cadence.
KINDS: dict[str, str] = {
    "支委会": "ledger.cadence.zhiweihui",
    "党员大会": "ledger.cadence.dangyuan_dahui",
    "党小组会": "ledger.cadence.dangxiaozu",
    "党课": "ledger.cadence.dangke",
    "主题党日": "ledger.cadence.zhuti_dangri",
    "组织生活会": "ledger.cadence.zuzhi_shenghuohui",
    "民主评议党员": "ledger.cadence.minzhu_pingyi",
}

#: Spellings users type → canonical kind (matched longest first, simplified text).
ALIASES: dict[str, str] = {
    "支委会": "支委会", "支委会议": "支委会", "支部委员会": "支委会", "支部委员会会议": "支委会",
    "党支部委员会": "支委会", "党支部委员会会议": "支委会", "支委扩大会": "支委会",
    "党员大会": "党员大会", "支部党员大会": "党员大会", "党支部党员大会": "党员大会",
    "支部大会": "党员大会", "全体党员大会": "党员大会",
    "党小组会": "党小组会", "党小组会议": "党小组会", "小组会": "党小组会",
    "党课": "党课", "上党课": "党课", "讲党课": "党课", "专题党课": "党课",
    "主题党日": "主题党日", "主题党日活动": "主题党日", "党日": "主题党日", "党日活动": "主题党日",
    "党员活动日": "主题党日",
    "组织生活会": "组织生活会", "专题组织生活会": "组织生活会",
    "民主评议": "民主评议党员", "民主评议党员": "民主评议党员", "评议党员": "民主评议党员",
}
KIND_HELP = "可写：支委会、党员大会、党小组会、党课、主题党日、组织生活会、民主评议。"

Cadence = Literal["month", "quarter", "year"]
#: Days before a period ends when the "not yet held" warning goes out, by cadence.
DEFAULT_WARN_DAYS: dict[str, int] = {"month": 5, "quarter": 10, "year": 20}
SOURCES = ("manual", "reminder")
#: A 'passed' warning is due only this many days after the period ended (a new chat, or one
#: that turned the ledger on mid-year, is not told about a period that ended long ago).
PASSED_WINDOW_DAYS = 7
_CN_QUARTER = "一二三四"


class LedgerError(ValueError):
    """Bad input (unknown kind, unreadable date, inconsistent numbers); the message is for users."""


def cadence(kind: str) -> Cadence:
    value = fact(KINDS[kind]).value
    if value not in ("month", "quarter", "year"):
        raise LedgerError(f"facts: bad cadence for {kind}: {value!r}")
    return value


def citation(kind: str) -> str:
    """《中国共产党支部工作条例（试行）》（2018年10月）第十二条 — where the cadence comes from."""
    return fact(KINDS[kind]).citation


def _clean(text: str) -> str:
    from bot.text import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text))


_KIND_RE = re.compile("|".join(re.escape(a) for a in sorted(ALIASES, key=len, reverse=True)))


def canonical_kind(text: str) -> str:
    """The canonical kind for a spelling (支部委员会 → 支委会); ``LedgerError`` when unknown."""
    t = _clean(text).strip()
    if t in KINDS:
        return t
    if t in ALIASES:
        return ALIASES[t]
    m = _KIND_RE.fullmatch(t)
    if m:
        return ALIASES[m.group(0)]
    raise LedgerError(f"不认识的会议类型：{text}。{KIND_HELP}")


# ---------------------------------------------------------------- periods


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    key: str  # "2026-11" / "2026-Q4" / "2026"

    def label(self, this_year: int | None = None) -> str:
        """11月 / 四季度 / 全年, with the year when it is not ``this_year``."""
        y = self.start.year
        if len(self.key) == 4:
            return f"{y}年度"
        prefix = "" if y == this_year else f"{y}年"
        if "Q" in self.key:
            return f"{prefix}{_CN_QUARTER[int(self.key[-1]) - 1]}季度"
        return f"{prefix}{self.start.month}月"


def _month_end(y: int, m: int) -> date:
    return (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)


def period_of(cad: Cadence, day: date) -> Period:
    if cad == "month":
        return Period(date(day.year, day.month, 1), _month_end(day.year, day.month),
                      f"{day.year}-{day.month:02d}")
    if cad == "quarter":
        q = (day.month - 1) // 3 + 1
        return Period(date(day.year, 3 * q - 2, 1), _month_end(day.year, 3 * q),
                      f"{day.year}-Q{q}")
    return Period(date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))


def _prev(cad: Cadence, p: Period) -> Period:
    return period_of(cad, p.start - timedelta(days=1))


def _next(cad: Cadence, p: Period) -> Period:
    return period_of(cad, p.end + timedelta(days=1))


def local_today(now: datetime, tz: tzinfo) -> date:
    """The chat's local date at ``now`` (an aware datetime): what every function here expects."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Meeting:
    id: int
    chat_id: int
    kind: str
    day: date
    topic: str | None = None
    expected: int | None = None
    present: int | None = None
    chair: str | None = None
    source: str = "manual"

    @property
    def attendance(self) -> str:
        """应到/实到 as "7/6", "—" when neither is known."""
        if self.expected is None and self.present is None:
            return "—"
        return f"{_num(self.expected)}/{_num(self.present)}"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "chat_id": self.chat_id, "kind": self.kind,
                "date": self.day.isoformat(), "topic": self.topic, "expected": self.expected,
                "present": self.present, "chair": self.chair, "source": self.source}


def _num(n: int | None) -> str:
    return "?" if n is None else str(n)


_COLUMNS = "id, chat_id, kind, date, topic, expected, present, chair, source"


def _row(r: Sequence[Any]) -> Meeting:
    return Meeting(id=r[0], chat_id=r[1], kind=r[2], day=date.fromisoformat(r[3]), topic=r[4],
                   expected=r[5], present=r[6], chair=r[7], source=r[8])


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _check_counts(expected: int | None, present: int | None) -> None:
    for n in (expected, present):
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > 100000):
            raise LedgerError(f"人数不对：{n}")
    if expected is not None and present is not None and present > expected:
        raise LedgerError(f"实到 {present} 人多于应到 {expected} 人，请核对。")


def get(db: Database, chat_id: int, meeting_id: int) -> Meeting | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM meetings WHERE id = ? AND chat_id = ?",
                     [meeting_id, chat_id]).fetchone()
    return _row(row) if row else None


def record(db: Database, chat_id: int, kind: str, day: date, *, topic: str | None = None,
           expected: int | None = None, present: int | None = None, chair: str | None = None,
           source: str = "manual") -> Meeting:
    """Record a meeting held on ``day`` (the chat's local date).

    The same kind on the same day is the same meeting: details given now fill in or replace
    the stored ones, details left out are kept, and no second row is added.
    """
    kind = canonical_kind(kind)
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}: {source!r}")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError("day must be a date")
    topic, chair = _text(topic), _text(chair)
    with write(db):
        row = db.execute(
            f"SELECT {_COLUMNS} FROM meetings WHERE chat_id = ? AND kind = ? AND date = ? "
            "ORDER BY id LIMIT 1", [chat_id, kind, day.isoformat()]).fetchone()
        if row:
            old = _row(row)
            merged = (topic if topic is not None else old.topic,
                      expected if expected is not None else old.expected,
                      present if present is not None else old.present,
                      chair if chair is not None else old.chair)
            _check_counts(merged[1], merged[2])
            db.execute(
                "UPDATE meetings SET topic = ?, expected = ?, present = ?, chair = ?, "
                "updated_at = datetime('now') WHERE id = ?", [*merged, old.id])
            meeting_id = old.id
        else:
            _check_counts(expected, present)
            cur = db.execute(
                "INSERT INTO meetings (chat_id, kind, date, topic, expected, present, chair, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [chat_id, kind, day.isoformat(), topic, expected, present, chair, source])
            meeting_id = int(cur.lastrowid or 0)
        found = get(db, chat_id, meeting_id)
    assert found is not None
    return found


class _Keep(Enum):
    KEEP = 0


KEEP = _Keep.KEEP


def update(db: Database, chat_id: int, meeting_id: int, *, kind: str | _Keep = KEEP,
           day: date | _Keep = KEEP, topic: str | _Keep | None = KEEP,
           expected: int | _Keep | None = KEEP, present: int | _Keep | None = KEEP,
           chair: str | _Keep | None = KEEP) -> Meeting:
    """Change some fields of one of the chat's meetings (``None`` clears a detail)."""
    with write(db):
        old = get(db, chat_id, meeting_id)
        if old is None:
            raise LedgerError(f"没有这条记录（#{meeting_id}）。")
        new_kind = old.kind if isinstance(kind, _Keep) else canonical_kind(kind)
        new_day = old.day if isinstance(day, _Keep) else day
        new_topic = old.topic if isinstance(topic, _Keep) else _text(topic)
        new_exp = old.expected if isinstance(expected, _Keep) else expected
        new_pre = old.present if isinstance(present, _Keep) else present
        new_chair = old.chair if isinstance(chair, _Keep) else _text(chair)
        _check_counts(new_exp, new_pre)
        db.execute(
            "UPDATE meetings SET kind = ?, date = ?, topic = ?, expected = ?, present = ?, "
            "chair = ?, updated_at = datetime('now') WHERE id = ? AND chat_id = ?",
            [new_kind, new_day.isoformat(), new_topic, new_exp, new_pre, new_chair,
             meeting_id, chat_id])
        found = get(db, chat_id, meeting_id)
    assert found is not None
    return found


def delete(db: Database, chat_id: int, meeting_id: int) -> bool:
    """Remove one of the chat's meetings; False when there was no such record."""
    with write(db):
        cur = db.execute("DELETE FROM meetings WHERE id = ? AND chat_id = ?",
                         [meeting_id, chat_id])
        return bool(cur.rowcount)


def list_meetings(db: Database, chat_id: int, year: int | None = None) -> list[Meeting]:
    """The chat's meetings of ``year`` (all years when None), oldest first."""
    sql = f"SELECT {_COLUMNS} FROM meetings WHERE chat_id = ?"
    params: list[Any] = [chat_id]
    if year is not None:
        sql += " AND date BETWEEN ? AND ?"
        params += [f"{year:04d}-01-01", f"{year:04d}-12-31"]
    return [_row(r) for r in db.execute(sql + " ORDER BY date, id", params).fetchall()]


# ---------------------------------------------------------------- per-chat settings


@dataclass(frozen=True)
class KindSetting:
    kind: str
    enabled: bool
    warn_days: int  # effective: the chat's own or the cadence default


def kind_settings(db: Database, chat_id: int) -> dict[str, KindSetting]:
    """Every kind with the chat's setting (default: counted, default warning days)."""
    stored = {k: (bool(e), w) for k, e, w in db.execute(
        "SELECT kind, enabled, warn_days FROM ledger_settings WHERE chat_id = ?",
        [chat_id]).fetchall()}
    out = {}
    for kind in KINDS:
        enabled, warn = stored.get(kind, (True, None))
        out[kind] = KindSetting(kind, enabled,
                                DEFAULT_WARN_DAYS[cadence(kind)] if warn is None else warn)
    return out


def enabled_kinds(db: Database, chat_id: int) -> list[str]:
    return [k for k, s in kind_settings(db, chat_id).items() if s.enabled]


def set_kind_enabled(db: Database, chat_id: int, kind: str, enabled: bool) -> None:
    """Whether the branch has this kind of meeting (a branch under 7 members has no 支委会)."""
    kind = canonical_kind(kind)
    with write(db):
        db.execute(
            "INSERT INTO ledger_settings (chat_id, kind, enabled) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id, kind) DO UPDATE SET enabled = excluded.enabled, "
            "updated_at = datetime('now')", [chat_id, kind, int(enabled)])


def set_warn_days(db: Database, chat_id: int, kind: str, days: int | None) -> None:
    """Days before a period ends to warn about this kind; None goes back to the default."""
    kind = canonical_kind(kind)
    if days is not None and not 0 <= days <= 90:
        raise LedgerError("提前天数应在 0–90 之间。")
    with write(db):
        db.execute(
            "INSERT INTO ledger_settings (chat_id, kind, warn_days) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id, kind) DO UPDATE SET warn_days = excluded.warn_days, "
            "updated_at = datetime('now')", [chat_id, kind, days])


# ---------------------------------------------------------------- gaps


@dataclass(frozen=True)
class Gap:
    kind: str
    period: str  # "2026-11" / "2026-Q4" / "2026"
    status: Literal["overdue", "due"]
    due: date  # the period's last day

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "period": self.period, "status": self.status,
                "due": self.due.isoformat()}

    def label(self, this_year: int | None = None) -> str:
        return _period_from_key(self.period).label(this_year)


def _period_from_key(key: str) -> Period:
    if "Q" in key:
        y, q = key.split("-Q")
        return period_of("quarter", date(int(y), 3 * int(q), 1))
    if "-" in key:
        y, m = key.split("-")
        return period_of("month", date(int(y), int(m), 1))
    return period_of("year", date(int(key), 1, 1))


def window(cad: Cadence, at: date) -> list[Period]:
    """The periods checked at ``at``: this year's up to the current one, and the one before."""
    cur = period_of(cad, at)
    p = min(period_of(cad, date(at.year, 1, 1)), _prev(cad, cur))
    out = []
    while p <= cur:
        out.append(p)
        p = _next(cad, p)
    return out


def _covered(cad: Cadence, days: Iterable[date]) -> set[str]:
    """Period keys that have a meeting; a yearly one in Jan–Feb covers the year before first."""
    covered: set[str] = set()
    for d in sorted(days):
        key = period_of(cad, d).key
        if cad == "year" and d.month <= 2 and str(d.year - 1) not in covered:
            key = str(d.year - 1)
        covered.add(key)
    return covered


def gaps(db: Database, chat_id: int, at: date, *, kinds: Iterable[str] | None = None,
         since: date | None = None) -> list[Gap]:
    """Periods in the window without a meeting, overdue ones first, then by due date and kind.

    ``at`` is the chat's local date. ``kinds`` limits the check (default: the kinds the chat
    has); ``since`` skips periods that ended before it (e.g. the day the branch was founded).
    """
    chosen = enabled_kinds(db, chat_id) if kinds is None else [canonical_kind(k) for k in kinds]
    out: list[Gap] = []
    for kind in KINDS:
        if kind not in chosen:
            continue
        cad = cadence(kind)
        periods = window(cad, at)
        lo = date(periods[0].start.year - 1, 1, 1)
        days = [date.fromisoformat(r[0]) for r in db.execute(
            "SELECT date FROM meetings WHERE chat_id = ? AND kind = ? AND date BETWEEN ? AND ?",
            [chat_id, kind, lo.isoformat(), periods[-1].end.isoformat()]).fetchall()]
        covered = _covered(cad, days)
        for p in periods:
            if p.key in covered or (since is not None and p.end < since):
                continue
            out.append(Gap(kind, p.key, "due" if at <= p.end else "overdue", p.end))
    order = list(KINDS)
    out.sort(key=lambda g: (g.status != "overdue", g.due, order.index(g.kind)))
    return out


@dataclass(frozen=True)
class LedgerWarning:
    chat_id: int
    kind: str
    period: str
    when: Literal["before", "passed"]
    due: date

    @property
    def key(self) -> tuple[int, str, str, str]:
        """Stable identity for never-lost/never-doubled sending: (chat, kind, period, when)."""
        return (self.chat_id, self.kind, self.period, self.when)

    def text(self, today: date) -> str:
        label = _period_from_key(self.period).label(today.year)
        if self.when == "passed":
            return f"台账提醒：{label}的{self.kind}没有记录，已过期。开过的请补记一笔；没开的请尽快补开。"
        left = (self.due - today).days
        when = "今天截止" if left <= 0 else f"还剩{left}天（{self.due.month}月{self.due.day}日前）"
        return f"台账提醒：{label}的{self.kind}还没有记录，{when}。开过的请记一笔。"


def warnings_due(db: Database, chat_id: int, at: date,
                 warn_days: int | None = None) -> list[LedgerWarning]:
    """Which gaps to warn about at ``at`` (local date): pure computation, nothing is stored.

    'before': the current period is open, not yet held, and ends within ``warn_days`` days
    (default: the chat's per-kind setting). 'passed': the period just before the current one
    ended without the meeting, at most ``PASSED_WINDOW_DAYS`` ago. The caller sends each
    ``key`` at most once (the same key comes back on every call in its window).
    """
    settings = kind_settings(db, chat_id)
    out = []
    for g in gaps(db, chat_id, at):
        cad = cadence(g.kind)
        if g.status == "due":
            days = settings[g.kind].warn_days if warn_days is None else warn_days
            if (g.due - at).days <= days:
                out.append(LedgerWarning(chat_id, g.kind, g.period, "before", g.due))
        elif (g.period == _prev(cad, period_of(cad, at)).key
              and (at - g.due).days <= PASSED_WINDOW_DAYS):
            out.append(LedgerWarning(chat_id, g.kind, g.period, "passed", g.due))
    return out


# ---------------------------------------------------------------- parsing chat lines


@dataclass(frozen=True)
class Details:
    topic: str | None = None
    expected: int | None = None
    present: int | None = None
    chair: str | None = None


@dataclass(frozen=True)
class RecordRequest:
    kind: str
    day: date | None  # None: no date in the line (the caller asks, or takes today)
    topic: str | None = None
    expected: int | None = None
    present: int | None = None
    chair: str | None = None


_NUM = r"([0-9]+|[零〇一二两三四五六七八九十百]+)"
_EXPECTED_RE = re.compile(r"(?:应到会?|应参会|应出席)(?:人数)?\s*[:：]?\s*" + _NUM + r"\s*(?:人|名)?")
_PRESENT_RE = re.compile(r"(?:实到会?|实际到会|实际参会|实参会|实出席|到会)(?:人数)?\s*[:：]?\s*"
                         + _NUM + r"\s*(?:人|名)?")
_CHAIR_RE = re.compile(r"(?:主持人|主持)\s*[:：为是]?\s*([^\s,，;；。、:：]{1,12})")
_CHAIR_AFTER_RE = re.compile(r"(?:^|(?<=[\s,，;；。]))([\u4e00-\u9fa5·]{2,4})主持(?:会议)?"
                             r"(?=$|[\s,，;；。])")
_TOPIC_PREFIX_RE = re.compile(r"^(?:议题|主题|内容|题目)\s*[:：]?\s*")
_SEP = " \t,，;；。、:："


def _cn_int(text: str) -> int:
    """"12" / "十二" / "两" / "廿" → int; ValueError when unreadable."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("两", "二").replace("〇", "零")
    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(text) from exc


def _to_int(text: str) -> int:
    try:
        return _cn_int(text)
    except ValueError as exc:
        raise LedgerError(f"人数没看懂：{text}") from exc


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end():]


def parse_details(text: str) -> Details:
    """"研究发展对象 应到12 实到10 主持人李明" → topic, 应到, 实到, 主持人; each part optional."""
    t = _clean(text)
    expected = present = None
    chair = None
    if m := _EXPECTED_RE.search(t):
        expected = _to_int(m.group(1))
        t = _cut(t, m)
    if m := _PRESENT_RE.search(t):
        present = _to_int(m.group(1))
        t = _cut(t, m)
    if (m := _CHAIR_RE.search(t)) or (m := _CHAIR_AFTER_RE.search(t)):
        chair = m.group(1)
        t = _cut(t, m)
    _check_counts(expected, present)
    topic = _TOPIC_PREFIX_RE.sub("", " ".join(t.split()).strip(_SEP)).strip(_SEP)
    return Details(topic or None, expected, present, chair)


_CN_DIGITS = r"[0-9零〇一二两三四五六七八九十廿]"
_DATE_RES: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")),
    ("ymd", re.compile(r"(\d{4})\s*年\s*(" + _CN_DIGITS + r"{1,3})\s*月\s*("
                       + _CN_DIGITS + r"{1,3})\s*[日号]?")),
    ("md", re.compile(r"(?<!\d)(" + _CN_DIGITS + r"{1,3})\s*月\s*(" + _CN_DIGITS
                      + r"{1,3})\s*[日号]?")),
    ("md", re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")),
    ("rel", re.compile(r"大前天|前天|昨天|昨日|今天|今日|当天")),
    ("week", re.compile(r"(上上|上个|上|本|这个|这)?\s*(?:周|星期|礼拜)([一二三四五六日天1-7])")),
]
_REL_DAYS = {"今天": 0, "今日": 0, "当天": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}
_WEEKDAY = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6} | {
    str(i + 1): i for i in range(7)}


def find_date(t: str, today: date) -> tuple[date | None, str]:
    """The first date in ``t`` and ``t`` without it."""
    best: tuple[int, str, re.Match[str]] | None = None
    for kind, rx in _DATE_RES:
        m = rx.search(t)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind, m)
    if best is None:
        return None, t
    _, kind, m = best
    rest = _cut(t, m)
    try:
        if kind == "ymd":
            day = date(int(m.group(1)), _cn_int(m.group(2)), _cn_int(m.group(3)))
        elif kind == "md":
            month, dom = _cn_int(m.group(1)), _cn_int(m.group(2))
            day = date(today.year, month, dom)
            if day > today:  # "11月20日" said in January: last year's
                day = date(today.year - 1, month, dom)
        elif kind == "rel":
            day = today - timedelta(days=_REL_DAYS[m.group(0)])
        else:
            which, wd = m.group(1) or "", _WEEKDAY[m.group(2)]
            monday = today - timedelta(days=today.weekday())
            if which in ("上", "上个"):
                day = monday - timedelta(days=7) + timedelta(days=wd)
            elif which == "上上":
                day = monday - timedelta(days=14) + timedelta(days=wd)
            elif which:  # 本周五 / 这周五
                day = monday + timedelta(days=wd)
            else:  # bare 周五: the latest one on or before today
                day = today - timedelta(days=(today.weekday() - wd) % 7)
    except (ValueError, KeyError) as exc:
        raise LedgerError(f"日期没看懂：{m.group(0).strip()}") from exc
    return day, rest


#: "今天开了支委会 …": the verb left over once kind and date are taken out is not the topic.
_VERB_RE = re.compile(r"^(?:已经|已)?(?:召开了|召开|开完了|开完|开了|开过|开|举行了|举行|组织了|上了|讲了|搞了)"
                      r"(?:一次|一个|个)?(?=\s|$)")
_LEAD_RE = re.compile(r"^\s*(?:/?ledger|台账|记录一下|记录|登记|记一下|补记|新增)\s*[:：]?\s*")


def parse_record(text: str, today: date) -> RecordRequest:
    """A chat line → what to record.

    "支委会 今天 研究发展对象 应到7 实到6 主持人李明", "党员大会 2026-11-20 …", "昨天 支委会 …";
    dates: 今天/昨天/前天, 2026-11-20, 2026年11月20日, 11月20日, 上周五. ``today`` is the chat's
    local date; a date after it is refused (the ledger records meetings held).
    """
    t = _LEAD_RE.sub("", _clean(text))
    m = _KIND_RE.search(t)
    if not m:
        raise LedgerError(f"没认出是哪类会议。{KIND_HELP}")
    kind = ALIASES[m.group(0)]
    t = _cut(t, m)
    day, t = find_date(t, today)
    if day is not None and day > today:
        raise LedgerError(f"{day.isoformat()} 还没到，台账只记已经开过的会。")
    d = parse_details(_VERB_RE.sub("", t.strip(_SEP)))
    return RecordRequest(kind, day, d.topic, d.expected, d.present, d.chair)


# ---------------------------------------------------------------- render


def _short(text: str | None, n: int = 14) -> str:
    if not text:
        return ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _seats(m: Meeting) -> str:
    if m.present is not None and m.expected is not None:
        return f"实到{m.present}/{m.expected}人"
    if m.expected is not None:
        return f"应到{m.expected}人"
    return "" if m.present is None else f"实到{m.present}人"


def _runs(periods: Sequence[Period], year: int) -> str:
    """Consecutive periods joined: [2月…10月] → "2–10月", [二季度, 三季度] → "二–三季度"."""
    runs: list[list[Period]] = []
    for p in sorted(periods):
        if runs and runs[-1][-1].end + timedelta(days=1) == p.start \
                and runs[-1][-1].start.year == p.start.year and len(p.key) > 4:
            runs[-1].append(p)
        else:
            runs.append([p])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) == 1:
            out.append(first.label(year))
        elif "Q" in first.key:
            prefix = "" if first.start.year == year else f"{first.start.year}年"
            q1, q2 = int(first.key[-1]), int(last.key[-1])
            out.append(f"{prefix}{_CN_QUARTER[q1 - 1]}至{_CN_QUARTER[q2 - 1]}季度")
        else:
            prefix = "" if first.start.year == year else f"{first.start.year}年"
            out.append(f"{prefix}{first.start.month}–{last.start.month}月")
    return "、".join(out)


def render_ledger(meetings: Sequence[Meeting], gaps: Sequence[Gap], year: int) -> str:
    """Phone-sized text: gaps on top, then ``year``'s meetings by kind and quarter."""
    lines = [f"三会一课台账 · {year}年"]
    if gaps:
        lines.append(f"【待补 {len(gaps)} 项】")
        for kind in KINDS:
            mine = [g for g in gaps if g.kind == kind]
            if not mine:
                continue
            parts = []
            over = [_period_from_key(g.period) for g in mine if g.status == "overdue"]
            if over:
                parts.append(_runs(over, year) + " 已过期")
            for g in mine:
                if g.status == "due":
                    parts.append(f"{g.label(year)}未开（{g.due.month}月{g.due.day}日前）")
            lines.append(f"· {kind}：" + "；".join(parts))
    else:
        lines.append("【没有缺漏】")
    held = [m for m in meetings if m.day.year == year]
    if not held:
        lines.append("今年还没有记录。")
        return "\n".join(lines)
    for kind in KINDS:
        of_kind = sorted((m for m in held if m.kind == kind), key=lambda m: (m.day, m.id))
        if not of_kind:
            continue
        lines.append(f"【{kind}】{len(of_kind)}次")
        for q in range(4):
            rows = [m for m in of_kind if (m.day.month - 1) // 3 == q]
            for i, m in enumerate(rows):
                head = f"{_CN_QUARTER[q]}季度 " if i == 0 else "　　　 "
                extra = [x for x in (_short(m.topic), _seats(m), m.chair or "") if x]
                lines.append(f"{head}{m.day.month:02d}-{m.day.day:02d} " + " ".join(extra))
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------- export

HEADERS = ("日期", "议题", "应到/实到", "主持人")


def _by_kind(meetings: Iterable[Meeting]) -> dict[str, list[Meeting]]:
    out: dict[str, list[Meeting]] = {}
    for m in sorted(meetings, key=lambda m: (list(KINDS).index(m.kind)
                                             if m.kind in KINDS else 99, m.day, m.id)):
        out.setdefault(m.kind, []).append(m)
    return out


def export_docx(meetings: Sequence[Meeting], title: str) -> bytes:
    """A .docx: the title, then one table per kind (日期, 议题, 应到/实到, 主持人)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from docx.styles.style import ParagraphStyle

    doc = Document()
    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.size = Pt(11)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title, level=1)
    groups = _by_kind(meetings)
    if not groups:
        doc.add_paragraph("暂无记录。")
    for kind, rows in groups.items():
        doc.add_heading(f"{kind}（{len(rows)}次）", level=2)
        table = doc.add_table(rows=1, cols=len(HEADERS))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for m in rows:
            cells = table.add_row().cells
            values = (m.day.isoformat(), m.topic or "", m.attendance, m.chair or "")
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


XLSX_HEADERS = ("会议类型", "日期", "议题", "应到", "实到", "主持人")


def export_xlsx(meetings: Sequence[Meeting]) -> bytes:
    """A .xlsx: one sheet, a row per meeting (会议类型, 日期, 议题, 应到, 实到, 主持人)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "三会一课台账"
    ws.append(list(XLSX_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for rows in _by_kind(meetings).values():
        for m in rows:
            ws.append([m.kind, m.day, m.topic or "", m.expected, m.present, m.chair or ""])
            ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEF", (12, 12, 36, 6, 6, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
