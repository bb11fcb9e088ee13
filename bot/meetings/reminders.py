"""Reminders before each scheduled meeting: which are due, sending each exactly once, catching up.

The database is the source of truth, not a job queue: one periodic tick (every
``Settings.tick_seconds``) asks the database what is due at ``now`` and sends it. ``now`` is
always passed in, so tests drive the clock and never sleep.

How "due" stays cheap
    Every schedule row carries its earliest unrecorded reminder (``next_fire_at`` in UTC, plus
    the meeting date and lead it belongs to) and the fire time of the one after it
    (``following_fire_at``). A tick is one indexed range scan ``next_fire_at <= now``; only when
    two or more reminders of one schedule are overdue (catch-up after downtime) do we run the
    recurrence again. Whenever a reminder is claimed or skipped the row is recomputed in the
    same transaction, and whenever a claim is released the row is rewound, so the pointer never
    names a recorded reminder and the due query needs no look-up in ``reminders_sent`` (a
    covering index makes it index-only). Invariant: every reminder that fires before
    ``next_fire_at`` (and after ``armed_from``, when the schedule was saved) is recorded.

Never doubled
    A reminder's identity is (chat_id, kind, meeting date, lead), UNIQUE in ``reminders_sent``;
    it does not contain the schedule row id, so deleting and saving a schedule again cannot
    re-send. A tick first *claims* the key (INSERT, status 'sending', committed before the
    send), then calls the sender, then marks it 'sent'. A second tick running meanwhile (same
    process, another process on the same file, or after a restart) cannot claim the same key.

Never lost
    A reminder whose time passed while the bot was down is sent by the first tick after start
    if its meeting date is today or later (catch-up; when several leads of one meeting are
    overdue, only the latest is sent and the earlier ones are recorded as skipped, so the
    branch gets one message, not a burst). If the meeting itself is already past, the reminder
    is recorded as skipped with a log line. A transient failure (network, 429) deletes the claim
    so the next tick retries; "blocked"/"chat not found" deactivates the chat (reminders resume
    if the chat is reactivated); "migrated to supergroup" re-keys the chat, its schedules and
    its sent log to the new id and sends there.

The one remaining window
    If the process dies after the sender has delivered a message but before the 'sent' update
    is committed, the claim stays 'sending'. :func:`startup` (call it once before the first
    tick) releases such claims and they are sent again: at-least-once, in that window only.
    The window is a single ``UPDATE`` + ``COMMIT`` right after the sender returns (no other work
    in between). The same holds for a tick cancelled while awaiting the sender (shutdown): we
    cannot know whether Telegram received the message, so it is re-sent rather than lost. With
    ``synchronous=NORMAL`` in WAL mode a power loss (not a process crash) can also roll back the
    last few commits, widening the window to those reminders.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, available_timezones

import yaml
from sqlite_utils import Database

from bot import KNOWLEDGE
from bot.config import DEFAULT_TZ
from bot.db import write
from bot.meetings.schedule import (
    DEFAULT_LEADS,
    IcsEntry,
    Lead,
    Occurrence,
    Rule,
    RuleError,
    fire_at,
    fmt_date,
    iter_occurrences,
    next_dates,
    parse_leads,
    parse_rule,
    resolve,
    to_ics_many,
    zone,
)

log = logging.getLogger(__name__)

# --- kinds and preparation hints ------------------------------------------------------------

#: The standard meeting kinds, in the order they are listed.
STANDARD_KINDS = ("主题党日", "支委会", "党员大会", "党小组会", "党课", "组织生活会")

KIND_ALIASES = {
    "党日": "主题党日",
    "主题党日活动": "主题党日",
    "党员活动日": "主题党日",
    "支部委员会": "支委会",
    "支部委员会会议": "支委会",
    "支委会议": "支委会",
    "支部党员大会": "党员大会",
    "支部大会": "党员大会",
    "党小组": "党小组会",
    "党小组会议": "党小组会",
    "小组会": "党小组会",
    "上党课": "党课",
    "微党课": "党课",
    "生活会": "组织生活会",
    "组织生活会议": "组织生活会",
}

#: Kind → rule id in knowledge/rules whose optional ``reminder_hint`` is the fallback hint
#: (used only when knowledge/dict/reminder_hints.yaml has no line for the kind).
KIND_RULE_IDS = {
    "主题党日": "zzsh.zhuti_dangri",
    "支委会": "zzsh.zhiweihui_pinci",
    "党员大会": "zzsh.dangyuan_dahui_pinci",
    "党小组会": "zzsh.dangxiaozu_hui_pinci",
    "党课": "zzsh.dangke_pinci",
    "组织生活会": "zzsh.zuzhi_shenghuohui",
}

#: Example rules offered to users who have not set a kind yet (suggestions, not requirements).
SUGGESTED_RULES = {
    "主题党日": "每月第一个周五，遇节假日顺延",
    "支委会": "每月第一个工作日",
    "党员大会": "每季度首月第二个周五，遇节假日顺延",
    "党小组会": "每月第三个周三，遇节假日顺延",
    "党课": "每季度首月第三个周五，遇节假日顺延",
    "组织生活会": "每年12月第二个周五，遇节假日顺延",
}

HINTS_PATH = KNOWLEDGE / "dict" / "reminder_hints.yaml"
RULES_DIR = KNOWLEDGE / "rules"
GENERIC_HINT = "提前确定议题，通知参会人员，准备签到表和会议记录。"
MAX_KIND_LENGTH = 20


def normalize_kind(kind: str) -> str:
    """User wording → canonical kind (党日 → 主题党日); other names are kept as custom kinds."""
    name = "".join((kind or "").split()).strip("：:，,。")
    name = KIND_ALIASES.get(name, name)
    if not name:
        raise RuleError("请写会议名称，如：主题党日、支委会、党员大会、党小组会、党课。")
    if len(name) > MAX_KIND_LENGTH:
        raise RuleError(f"会议名称太长（最多 {MAX_KIND_LENGTH} 个字）。")
    return name


@lru_cache(maxsize=8)
def _kind_hints(path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("reminder hints unreadable (%s): %s", path, exc)
        return {}
    return {str(k): str(v).strip() for k, v in data.items() if v} if isinstance(data, dict) else {}


@lru_cache(maxsize=8)
def _rule_hints(rules_dir: Path) -> dict[str, str]:
    """``reminder_hint`` of every rule entry that has one (files being written may be broken)."""
    out: dict[str, str] = {}
    for path in sorted(rules_dir.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            log.warning("rules file unreadable (%s): %s", path, exc)
            continue
        entries = data.get("rules") if isinstance(data, dict) else None
        for entry in entries or []:
            if isinstance(entry, dict) and entry.get("id") and entry.get("reminder_hint"):
                out[str(entry["id"])] = str(entry["reminder_hint"]).strip()
    return out


def preparation_hint(
    kind: str, *, hints_path: Path = HINTS_PATH, rules_dir: Path = RULES_DIR
) -> str:
    """One line of preparation advice: reminder_hints.yaml by kind, then the knowledge base's
    ``reminder_hint`` of the kind's rule, then the file's ``_default``, then a built-in line."""
    hints = _kind_hints(hints_path)
    if kind in hints:
        return hints[kind]
    rule_id = KIND_RULE_IDS.get(kind)
    hint = _rule_hints(rules_dir).get(rule_id) if rule_id else None
    return hint or hints.get("_default") or GENERIC_HINT


# --- time and storage helpers ----------------------------------------------------------------

_TS = "%Y-%m-%d %H:%M:%S"


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
    return now.astimezone(UTC)


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime(_TS)


@lru_cache(maxsize=8192)
def _parse_ts(text: str) -> datetime:
    """Stored UTC text → aware datetime (cached: at a peak minute thousands of rows share it)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@lru_cache(maxsize=8192)
def _date(text: str) -> date:
    return date.fromisoformat(text)


def _leads_text(leads: tuple[Lead, ...]) -> str:
    return ",".join(lead.key for lead in leads)


@lru_cache(maxsize=1024)
def _leads(text: str) -> tuple[Lead, ...]:
    return parse_leads(text) if text else DEFAULT_LEADS


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """One chat's schedule for one kind of meeting."""

    id: int
    chat_id: int
    kind: str
    rule: Rule
    rule_text: str  # as typed
    leads: tuple[Lead, ...]
    active: bool
    tz: str
    next_fire_at: datetime | None


@dataclass(slots=True)
class DueReminder:
    """A reminder due at the tick's ``now``; ``skip_reason`` set means record, don't send.

    Treat as read-only. Not frozen on purpose: a frozen dataclass costs ~5x more to build,
    and at a peak minute ``due()`` builds thousands of these within its 50 ms budget.
    """

    schedule_id: int
    chat_id: int
    kind: str
    rule: str  # canonical rule text
    occurrence: date  # meeting date (after holiday shifting)
    original_date: date
    lead: Lead
    fire_at: datetime  # UTC
    tz: str
    skip_reason: str = ""

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.chat_id, self.kind, self.occurrence.isoformat(), self.lead.key)

    def render(self, now: datetime) -> str:
        return render_reminder(self, now)


class SendStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # network error, timeout, 429: try again next tick
    BLOCKED = "blocked"  # bot blocked / kicked: deactivate the chat
    NOT_FOUND = "not_found"  # chat not found: deactivate the chat
    MIGRATED = "migrated"  # group became a supergroup: new_chat_id


@dataclass(frozen=True)
class SendOutcome:
    """What the front end's sender reports for one message."""

    status: SendStatus
    new_chat_id: int | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status is SendStatus.MIGRATED and self.new_chat_id is None:
            raise ValueError("MIGRATED needs new_chat_id")

    @classmethod
    def sent(cls) -> SendOutcome:
        return cls(SendStatus.SENT)

    @classmethod
    def retry(cls, detail: str = "") -> SendOutcome:
        return cls(SendStatus.RETRY, detail=detail)

    @classmethod
    def blocked(cls, detail: str = "") -> SendOutcome:
        return cls(SendStatus.BLOCKED, detail=detail)

    @classmethod
    def not_found(cls, detail: str = "") -> SendOutcome:
        return cls(SendStatus.NOT_FOUND, detail=detail)

    @classmethod
    def migrated(cls, new_chat_id: int) -> SendOutcome:
        return cls(SendStatus.MIGRATED, new_chat_id=new_chat_id)


def outcome_from_error(message: str, *, new_chat_id: int | None = None) -> SendOutcome:
    """Map a Bot API error (``str(exc)``; ``exc.new_chat_id`` for ChatMigrated) to an outcome,
    so the front end's sender needs no policy of its own. Unknown errors are retried."""
    text = message.lower()
    if new_chat_id is not None:
        return SendOutcome.migrated(new_chat_id)
    if any(s in text for s in ("chat not found", "peer_id_invalid", "chat_id is empty")):
        return SendOutcome.not_found(message)
    blocked = (
        "bot was blocked",
        "bot was kicked",
        "user is deactivated",
        "bot is not a member",
        "have no rights to send",
        "not enough rights to send",
        "forbidden",
    )
    if any(s in text for s in blocked):
        return SendOutcome.blocked(message)
    return SendOutcome.retry(message)


SyncSender = Callable[[int, str], SendOutcome]
AsyncSender = Callable[[int, str], Awaitable[SendOutcome]]
ReminderSender = Callable[[int, str, "DueReminder"], Awaitable[SendOutcome]]


@dataclass
class TickReport:
    """What one tick did (for logs and tests)."""

    sent: list[DueReminder] = field(default_factory=list)
    skipped: list[DueReminder] = field(default_factory=list)
    retry: list[DueReminder] = field(default_factory=list)
    deactivated: list[int] = field(default_factory=list)
    migrated: list[tuple[int, int]] = field(default_factory=list)
    contended: int = 0  # claimed by another tick meanwhile
    notices: int = 0  # 台账 and 发展党员 notices sent by the front end's tick (bot.meetings.notices)


@dataclass(frozen=True)
class StartupReport:
    recovered: int  # 'sending' claims released (will be re-sent)
    refreshed: int  # schedules whose next reminder was recomputed


# --- computing the next reminders ---------------------------------------------------------------


class _Cand(NamedTuple):
    fire: datetime
    occ: Occurrence
    lead: Lead


def _local_midnight_utc(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(), tzinfo=tz).astimezone(UTC)


def _recorded(db: Database, chat_id: int, kind: str, since: date) -> set[tuple[str, str]]:
    rows = db.execute(
        "SELECT occurrence, lead FROM reminders_sent WHERE chat_id = ? AND kind = ? AND occurrence >= ?",
        [chat_id, kind, since.isoformat()],
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def _upcoming(
    rule: Rule,
    leads: tuple[Lead, ...],
    tz: ZoneInfo,
    lower: datetime,
    recorded: set[tuple[str, str]],
) -> list[_Cand]:
    """The two earliest unrecorded reminders firing at or after ``lower``."""
    max_days = max(lead.days for lead in leads)
    start = lower.astimezone(tz).date()
    horizon = start + timedelta(days=3660)
    best: list[_Cand] = []
    for occ in iter_occurrences(rule, start):
        if occ.date > horizon:
            break
        if (
            len(best) >= 2
            and _local_midnight_utc(occ.date - timedelta(days=max_days), tz) > best[1].fire
        ):
            break  # this and every later meeting fires after what we already have
        day = occ.date.isoformat()
        for lead in leads:
            fire = fire_at(occ.date, lead, tz)
            if fire >= lower and (day, lead.key) not in recorded:
                best.append(_Cand(fire, occ, lead))
        best.sort(key=lambda c: c.fire)
        del best[2:]
    return best


def _overdue(
    rule: Rule,
    leads: tuple[Lead, ...],
    tz: ZoneInfo,
    lower: datetime,
    now: datetime,
    recorded: set[tuple[str, str]],
) -> list[_Cand]:
    """Every unrecorded reminder firing in [lower, now] (the catch-up path)."""
    max_days = max(lead.days for lead in leads)
    out: list[_Cand] = []
    for occ in iter_occurrences(rule, lower.astimezone(tz).date()):
        if _local_midnight_utc(occ.date - timedelta(days=max_days), tz) > now:
            break
        day = occ.date.isoformat()
        for lead in leads:
            fire = fire_at(occ.date, lead, tz)
            if lower <= fire <= now and (day, lead.key) not in recorded:
                out.append(_Cand(fire, occ, lead))
    return out


_SCHEDULE_SQL = """
SELECT s.id, s.canonical, s.leads, s.armed_from, s.next_fire_at, c.tz
FROM schedules s JOIN chats c ON c.chat_id = s.chat_id
WHERE s.chat_id = ? AND s.kind = ?
"""


def _recompute(db: Database, chat_id: int, kind: str, *, lower: datetime | None = None) -> None:
    """Store the schedule's earliest unrecorded reminder at or after ``lower`` (default: the
    stored one, which keeps the invariant) and the one after it."""
    with write(db):
        row = db.execute(_SCHEDULE_SQL, [chat_id, kind]).fetchone()
        if row is None:
            return
        sid, canonical, leads_text, armed_text, next_text, tz_name = row
        armed = _parse_ts(armed_text)
        if lower is None:
            lower = _parse_ts(next_text) if next_text else armed
        lower = max(lower, armed)
        tz = zone(tz_name)
        rule = parse_rule(canonical)
        recorded = _recorded(db, chat_id, kind, lower.astimezone(tz).date())
        best = _upcoming(rule, _leads(leads_text), tz, lower, recorded)
        first = best[0] if best else None
        second = best[1] if len(best) > 1 else None
        db.execute(
            """UPDATE schedules SET next_fire_at = ?, next_occurrence = ?, next_original = ?,
                   next_lead = ?, following_fire_at = ? WHERE id = ?""",
            [
                _ts(first.fire) if first else None,
                first.occ.date.isoformat() if first else None,
                first.occ.original_date.isoformat() if first else None,
                first.lead.key if first else None,
                _ts(second.fire) if second else None,
                sid,
            ],
        )


def _lower_to(db: Database, chat_id: int, kind: str, fire: datetime) -> datetime:
    """min(stored next_fire_at, fire): where to rescan from after a claim was released."""
    row = db.execute(
        "SELECT next_fire_at FROM schedules WHERE chat_id = ? AND kind = ?", [chat_id, kind]
    ).fetchone()
    if row and row[0]:
        return min(_parse_ts(row[0]), fire)
    return fire


# --- due --------------------------------------------------------------------------------------

# The stored pointer never names a recorded reminder: every write that records one (claim,
# skip) recomputes the pointer in the same transaction, and every write that un-records one
# (retry, recovery) rewinds it. So "due" needs no look-up in reminders_sent.
_DUE_SQL = """
SELECT s.id, s.chat_id, s.kind, s.canonical, s.leads, s.next_fire_at, s.next_occurrence,
       s.next_original, s.next_lead, s.following_fire_at, c.tz
FROM schedules s JOIN chats c ON c.chat_id = s.chat_id
WHERE s.active = 1 AND s.next_fire_at <= ? AND c.active = 1
"""

PAST_REASON = "会议日期已过，不再补发"
SUPERSEDED_REASON = "同一次会议有更近的提醒，补发时只发最新一条"


def _classify(row: tuple[Any, ...], cands: list[_Cand], now: datetime) -> list[DueReminder]:
    """Catch-up rules: past meetings → skip; several overdue leads of one meeting → send the
    latest, skip the rest."""
    sid, chat_id, kind, canonical, tz_name = row[0], row[1], row[2], row[3], row[10] or DEFAULT_TZ
    today = now.astimezone(zone(tz_name)).date()
    by_day: dict[date, list[_Cand]] = {}
    for cand in cands:
        by_day.setdefault(cand.occ.date, []).append(cand)
    out: list[DueReminder] = []
    for day, group in by_day.items():
        group.sort(key=lambda c: (c.fire, -c.lead.days))
        for i, cand in enumerate(group):
            reason = (
                PAST_REASON if day < today else "" if i == len(group) - 1 else SUPERSEDED_REASON
            )
            out.append(
                DueReminder(
                    sid, chat_id, kind, canonical, day, cand.occ.original_date, cand.lead,
                    cand.fire, tz_name, reason,
                )
            )  # fmt: skip
    return out


def _plan(db: Database, now: datetime) -> tuple[list[DueReminder], list[tuple[int, str]]]:
    """Everything to send or skip at ``now`` (read-only), plus schedules whose stored pointer
    turned out stale (nothing due after all) so the tick can repair them.

    This is the tick's hot path (a peak minute can return thousands of rows), hence the
    cached parsers and local names.
    """
    now = _utc(now)
    now_text = _ts(now)
    today_by_tz: dict[str, date] = {}
    out: list[DueReminder] = []
    append = out.append
    stale: list[tuple[int, str]] = []
    catch_up = False
    parse_date, parse_ts, lead_from_key = _date, _parse_ts, Lead.from_key
    for row in db.execute(_DUE_SQL, [now_text]).fetchall():
        (sid, chat_id, kind, canonical, leads_text, next_fire, next_occ, next_orig, next_lead,
         following, tz_name) = row  # fmt: skip
        tz_name = tz_name or DEFAULT_TZ
        if following is None or following > now_text:
            # fast path: exactly one reminder of this schedule is due, already computed
            occ = parse_date(next_occ)
            today = today_by_tz.get(tz_name)
            if today is None:
                today = today_by_tz[tz_name] = now.astimezone(zone(tz_name)).date()
            append(
                DueReminder(
                    sid, chat_id, kind, canonical, occ, parse_date(next_orig),
                    lead_from_key(next_lead), parse_ts(next_fire), tz_name,
                    PAST_REASON if occ < today else "",
                )
            )  # fmt: skip
            continue
        catch_up = True
        tz = zone(tz_name)
        lower = parse_ts(next_fire)
        recorded_keys = _recorded(db, chat_id, kind, lower.astimezone(tz).date())
        rule = parse_rule(canonical)
        cands = _overdue(rule, _leads(leads_text), tz, lower, now, recorded_keys)
        if not cands:
            stale.append((chat_id, kind))
        out.extend(_classify(row, cands, now))
    if catch_up:  # the index already returns single reminders in fire-time order
        out.sort(key=lambda r: (r.fire_at, r.chat_id, r.kind))
    return out, stale


def due(db: Database, now: datetime, *, include_skipped: bool = False) -> list[DueReminder]:
    """Reminders a tick would send at ``now`` (read-only; ``now`` must be timezone-aware).

    With ``include_skipped`` also those it would record as skipped (``skip_reason`` set).
    """
    plan, _ = _plan(db, now)
    return plan if include_skipped else [r for r in plan if not r.skip_reason]


# --- tick ---------------------------------------------------------------------------------------


def _claim(db: Database, rem: DueReminder, now: datetime) -> int | None:
    """Insert the 'sending' claim and move the schedule's pointer past it, in one committed
    transaction. None when another tick holds or finished this reminder."""
    with write(db):
        cur = db.execute(
            """INSERT OR IGNORE INTO reminders_sent
                   (chat_id, kind, occurrence, lead, status, fire_at, claimed_at)
               VALUES (?, ?, ?, ?, 'sending', ?, ?)""",
            [*rem.key, _ts(rem.fire_at), _ts(now)],
        )
        claim_id = cur.lastrowid if cur.rowcount == 1 else None
        _recompute(db, rem.chat_id, rem.kind)  # also heals a stale pointer when contended
    return claim_id


def _mark_sent(db: Database, rem: DueReminder, now: datetime) -> None:
    with write(db):
        db.execute(
            """UPDATE reminders_sent SET status = 'sent', done_at = ?, detail = NULL
               WHERE chat_id = ? AND kind = ? AND occurrence = ? AND lead = ?""",
            [_ts(now), *rem.key],
        )


def _release(db: Database, rem: DueReminder) -> None:
    """Drop our claim so a later tick retries, and rewind the schedule's pointer to it."""
    with write(db):
        db.execute(
            """DELETE FROM reminders_sent WHERE chat_id = ? AND kind = ? AND occurrence = ?
                   AND lead = ? AND status = 'sending'""",
            list(rem.key),
        )
        lower = _lower_to(db, rem.chat_id, rem.kind, rem.fire_at)
        _recompute(db, rem.chat_id, rem.kind, lower=lower)


def _skip(db: Database, rem: DueReminder, now: datetime) -> None:
    if rem.skip_reason == PAST_REASON:
        log.warning("reminder missed while down, meeting already past: %s", rem.key)
    else:
        log.info("reminder skipped (%s): %s", rem.skip_reason, rem.key)
    with write(db):
        db.execute(
            """INSERT OR IGNORE INTO reminders_sent
                   (chat_id, kind, occurrence, lead, status, fire_at, detail, claimed_at, done_at)
               VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?, ?)""",
            [*rem.key, _ts(rem.fire_at), rem.skip_reason, _ts(now), _ts(now)],
        )
        _recompute(db, rem.chat_id, rem.kind)


Outgoing = tuple[int, str, "DueReminder"]


def _run(db: Database, now: datetime) -> Generator[Outgoing, SendOutcome, TickReport]:
    """The tick as a coroutine-style generator: it yields (chat_id, text, reminder) for each
    message and receives the SendOutcome, so the sync and async ticks share every line."""
    now = _utc(now)
    report = TickReport()
    plan, stale = _plan(db, now)
    stopped: set[int] = set()  # chats deactivated or migrated during this tick
    for rem in plan:
        if rem.chat_id in stopped:
            continue
        if rem.skip_reason:
            _skip(db, rem, now)
            report.skipped.append(rem)
            continue
        claim_id = _claim(db, rem, now)
        if claim_id is None:
            report.contended += 1
            continue
        text = render_reminder(rem, now)
        outcome = yield rem.chat_id, text, rem
        if outcome.status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
            old, new = rem.chat_id, outcome.new_chat_id
            stopped.add(old)
            report.migrated.append((old, new))
            if not migrate_chat(db, old, new, claim_id=claim_id):
                report.contended += 1  # the new chat already had this reminder
                continue
            rem = replace(rem, chat_id=new)
            outcome = yield new, text, rem
            if outcome.status is SendStatus.MIGRATED:
                outcome = SendOutcome.retry("migrated twice")
        if outcome.status is SendStatus.SENT:
            _mark_sent(db, rem, now)  # the crash window ends here
            report.sent.append(rem)
        elif outcome.status is SendStatus.RETRY:
            log.info("reminder send failed, will retry: %s %s", rem.key, outcome.detail)
            _release(db, rem)
            report.retry.append(rem)
        else:
            log.warning("chat %s deactivated (%s): %s", rem.chat_id, outcome.status, outcome.detail)
            _release(db, rem)
            deactivate_chat(
                db, rem.chat_id, f"{outcome.status.value}: {outcome.detail}".strip(": ")
            )
            stopped.add(rem.chat_id)
            report.deactivated.append(rem.chat_id)
    for chat_id, kind in stale:
        _recompute(db, chat_id, kind)
    return report


def _call(send: SyncSender, chat_id: int, text: str) -> SendOutcome:
    try:
        return send(chat_id, text)
    except Exception as exc:  # a sender bug or network error must not stop the other chats
        log.exception("reminder sender raised for chat %s", chat_id)
        return SendOutcome.retry(repr(exc))


def tick(db: Database, now: datetime, send: SyncSender) -> TickReport:
    """Send everything due at ``now`` with a synchronous ``send(chat_id, text) -> SendOutcome``."""
    gen = _run(db, now)
    try:
        chat_id, text, _rem = next(gen)
        while True:
            chat_id, text, _rem = gen.send(_call(send, chat_id, text))
    except StopIteration as stop:
        report: TickReport = stop.value
        return report


async def _inline(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)


def _step(gen: Generator[Outgoing, SendOutcome, TickReport], outcome: SendOutcome | None) -> Outgoing | TickReport:
    """One database step of the tick: the next message to send, or the final report.
    (``StopIteration`` may not cross a worker thread's future, so it is turned into a value.)"""
    try:
        return next(gen) if outcome is None else gen.send(outcome)
    except StopIteration as stop:
        report: TickReport = stop.value
        return report


async def atick(
    db: Database,
    now: datetime,
    send: AsyncSender,
    *,
    offload: Offload = _inline,
    send_reminder: ReminderSender | None = None,
) -> TickReport:
    """The same tick with an async sender (the Telegram front end's ``bot.send_message``).

    ``offload`` runs each database step (plan, claim, mark): the front end passes its worker,
    so the event loop only awaits the sends. ``send_reminder``, when given, is called instead
    of ``send`` with the reminder itself (to put buttons under it)."""
    gen = _run(db, now)
    step = await offload(_step, gen, None)
    while not isinstance(step, TickReport):
        chat_id, text, rem = step
        try:
            if send_reminder is not None:
                outcome = await send_reminder(chat_id, text, rem)
            else:
                outcome = await send(chat_id, text)
        except Exception as exc:
            log.exception("reminder sender raised for chat %s", chat_id)
            outcome = SendOutcome.retry(repr(exc))
        step = await offload(_step, gen, outcome)
    return step


Offload = Callable[..., Awaitable[Any]]


async def run_forever(
    db: Database,
    send: AsyncSender,
    *,
    interval: float,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    stop: asyncio.Event | None = None,
) -> None:
    """startup(), then a tick every ``interval`` seconds until ``stop`` is set. A failing tick
    is logged and the loop goes on (the next tick retries from the database)."""
    startup(db, clock())
    while stop is None or not stop.is_set():
        try:
            await atick(db, clock(), send)
        except Exception:
            log.exception("reminder tick failed")
        await sleep(interval)


# --- start-up ------------------------------------------------------------------------------------


def recover(db: Database) -> int:
    """Release 'sending' claims left by a crash so the next tick sends them again (at-least-once
    in the crash window). Call only when no tick is running, i.e. at start-up."""
    rows = db.execute(
        "SELECT chat_id, kind, occurrence, lead, fire_at FROM reminders_sent WHERE status = 'sending'"
    ).fetchall()
    for chat_id, kind, occurrence, lead, fire_text in rows:
        log.warning(
            "re-sending reminder interrupted by a restart: %s %s %s %s",
            chat_id,
            kind,
            occurrence,
            lead,
        )
        with write(db):
            db.execute(
                """DELETE FROM reminders_sent WHERE chat_id = ? AND kind = ? AND occurrence = ?
                       AND lead = ? AND status = 'sending'""",
                [chat_id, kind, occurrence, lead],
            )
            fire = _parse_ts(fire_text)
            _recompute(db, chat_id, kind, lower=_lower_to(db, chat_id, kind, fire))
    return len(rows)


_REFRESH_BATCH = 500


def refresh(db: Database, now: datetime, *, chat_id: int | None = None) -> int:
    """Recompute next reminders (after a holiday-data upgrade or a time-zone change).

    Pending overdue reminders are kept; reminders that newly appear before ``now`` (a date
    moved) are not sent late. Returns the number of schedules refreshed.
    """
    now = _utc(now)
    sql = "SELECT chat_id, kind, next_fire_at FROM schedules WHERE active = 1"
    params: list[Any] = []
    if chat_id is not None:
        sql += " AND chat_id = ?"
        params.append(chat_id)
    rows = db.execute(sql, params).fetchall()
    for i in range(0, len(rows), _REFRESH_BATCH):  # one commit per batch, not per schedule
        with write(db):
            for cid, kind, next_text in rows[i : i + _REFRESH_BATCH]:
                lower = min(_parse_ts(next_text), now) if next_text else now
                _recompute(db, cid, kind, lower=lower)
    return len(rows)


def startup(db: Database, now: datetime, *, refresh_all: bool = True) -> StartupReport:
    """Call once before the first tick: release crash-left claims, then recompute pointers."""
    recovered = recover(db)
    refreshed = refresh(db, now) if refresh_all else 0
    return StartupReport(recovered, refreshed)


# --- chats -----------------------------------------------------------------------------------------


def deactivate_chat(db: Database, chat_id: int, reason: str) -> None:
    """Stop reminding a chat (blocked, not found, migrated); its schedules are kept."""
    with write(db):
        db.execute(
            """UPDATE chats SET active = 0, inactive_reason = ?, updated_at = datetime('now')
               WHERE chat_id = ?""",
            [reason, chat_id],
        )


def reactivate_chat(db: Database, chat_id: int) -> None:
    """The chat talks to us again: resume reminders (overdue ones for future meetings catch up)."""
    with write(db):
        db.execute(
            """UPDATE chats SET active = 1, inactive_reason = NULL, updated_at = datetime('now')
               WHERE chat_id = ? AND active = 0""",
            [chat_id],
        )


def migrate_chat(db: Database, old: int, new: int, *, claim_id: int | None = None) -> bool:
    """A group became a supergroup: move its chat row data, schedules and sent log to ``new``.

    The old row stays, inactive, with ``inactive_reason = 'migrated_to:<new>'`` (other features'
    rows may still point at it). A schedule kind the new chat already has is kept as the new
    chat's. Returns False when ``claim_id`` (the claim being sent) could not move because the
    new chat already has that reminder.
    """
    with write(db):
        row = db.execute(
            "SELECT title, tz, org_name FROM chats WHERE chat_id = ?", [old]
        ).fetchone() or (None, None, None)
        title, tz, org_name = row
        db.execute(
            """INSERT INTO chats (chat_id, type, title, tz, org_name) VALUES (?, 'supergroup', ?, ?, ?)
               ON CONFLICT(chat_id) DO UPDATE SET active = 1, inactive_reason = NULL,
                   type = 'supergroup', title = COALESCE(chats.title, excluded.title),
                   tz = COALESCE(chats.tz, excluded.tz),
                   org_name = COALESCE(chats.org_name, excluded.org_name),
                   updated_at = datetime('now')""",
            [new, title, tz, org_name],
        )
        db.execute(
            "UPDATE OR IGNORE schedules SET chat_id = ?, updated_at = datetime('now') WHERE chat_id = ?",
            [new, old],
        )
        db.execute("DELETE FROM schedules WHERE chat_id = ?", [old])
        db.execute("UPDATE OR IGNORE reminders_sent SET chat_id = ? WHERE chat_id = ?", [new, old])
        moved = True
        if claim_id is not None:
            owner = db.execute(
                "SELECT chat_id FROM reminders_sent WHERE id = ?", [claim_id]
            ).fetchone()
            moved = owner is not None and owner[0] == new
            if not moved:
                db.execute("DELETE FROM reminders_sent WHERE id = ?", [claim_id])
        db.execute(
            """UPDATE chats SET active = 0, inactive_reason = ?, updated_at = datetime('now')
               WHERE chat_id = ?""",
            [f"migrated_to:{new}", old],
        )
        kinds = [r[0] for r in db.execute("SELECT kind FROM schedules WHERE chat_id = ?", [new])]
        for kind in kinds:
            _recompute(db, new, kind)
    log.warning("chat %s migrated to %s: %d schedules moved", old, new, len(kinds))
    return moved


#: Chinese place names for the zones China uses (the tz database only knows English names).
CITY_ZONES = {
    "北京": "Asia/Shanghai", "北京时间": "Asia/Shanghai", "上海": "Asia/Shanghai",
    "中国": "Asia/Shanghai", "东八区": "Asia/Shanghai",
    "乌鲁木齐": "Asia/Urumqi", "新疆": "Asia/Urumqi", "新疆时间": "Asia/Urumqi",
    "香港": "Asia/Hong_Kong", "澳门": "Asia/Macau", "台北": "Asia/Taipei", "台湾": "Asia/Taipei",
}


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA zone name → its proper spelling; folders (``Europe``) are not zones."""
    return {name.lower(): name for name in available_timezones()}


def resolve_tz(text: str) -> str:
    """A zone the user typed (``Asia/Urumqi``, ``asia/urumqi``, ``乌鲁木齐``) → its IANA name.

    Anything else, a tz-database folder or 300 characters of junk included, is a ``RuleError``
    with the same clear message, never an ``OSError`` from the zone loader.
    """
    name = text.strip().replace(" ", "")
    if name in CITY_ZONES:
        return CITY_ZONES[name]
    found = _zone_names().get(name.lower()) if len(name) <= 64 else None
    if found is None:
        shown = name if len(name) <= 30 else name[:30] + "…"
        raise RuleError(f"时区无效：{shown}（例如 Asia/Shanghai、Asia/Urumqi，或写城市：乌鲁木齐）")
    return found


def set_chat_tz(db: Database, chat_id: int, tz_text: str, now: datetime | None = None) -> str:
    """Set a chat's time zone and move its reminder times accordingly; returns the IANA name."""
    tz_name = resolve_tz(tz_text)
    with write(db):
        db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", [chat_id])
        db.execute(
            "UPDATE chats SET tz = ?, updated_at = datetime('now') WHERE chat_id = ?",
            [tz_name, chat_id],
        )
    refresh(db, now or datetime.now(UTC), chat_id=chat_id)
    return tz_name


# --- schedules (the API the Telegram layer uses) -----------------------------------------------

_SELECT_SCHEDULES = """
SELECT s.id, s.chat_id, s.kind, s.canonical, s.rule_text, s.leads, s.active, c.tz, s.next_fire_at
FROM schedules s JOIN chats c ON c.chat_id = s.chat_id
"""


def _schedule(row: tuple[Any, ...]) -> Schedule:
    sid, chat_id, kind, canonical, rule_text, leads_text, active, tz, next_fire = row
    return Schedule(
        id=sid,
        chat_id=chat_id,
        kind=kind,
        rule=parse_rule(canonical),
        rule_text=rule_text,
        leads=_leads(leads_text),
        active=bool(active),
        tz=tz or DEFAULT_TZ,
        next_fire_at=_parse_ts(next_fire) if next_fire else None,
    )


def _kind_order(kind: str) -> tuple[int, str]:
    return (STANDARD_KINDS.index(kind) if kind in STANDARD_KINDS else len(STANDARD_KINDS), kind)


def save_schedule(
    db: Database,
    chat_id: int,
    kind: str,
    rule_text: str,
    *,
    leads: tuple[Lead, ...] | str | None = None,
    now: datetime | None = None,
    chat_type: str | None = None,
    title: str | None = None,
) -> Schedule:
    """Create or replace a chat's schedule for one kind of meeting.

    Raises RuleError (Chinese message with examples) for an unknown rule or lead text; nothing
    is saved then. ``leads`` None keeps the existing lead times (default for a new schedule:
    3 days before at 09:00 and on the day at 08:00). Reminders whose time is already past when
    the rule changes are not sent late; those already sent are never sent again.
    """
    kind = normalize_kind(kind)
    rule = parse_rule(rule_text)
    lead_tuple = parse_leads(leads) if isinstance(leads, str) else leads
    if lead_tuple is not None and not lead_tuple:
        raise RuleError("至少要设一个提醒时间，如：提前3天 9:00，当天 8:00")
    now_utc = _utc(now or datetime.now(UTC))
    with write(db):
        db.execute(
            "INSERT OR IGNORE INTO chats (chat_id, type, title) VALUES (?, ?, ?)",
            [chat_id, chat_type or ("private" if chat_id > 0 else "group"), title],
        )
        reactivate_chat(db, chat_id)
        old = db.execute(
            "SELECT canonical, leads, armed_from, active FROM schedules WHERE chat_id = ? AND kind = ?",
            [chat_id, kind],
        ).fetchone()
        if lead_tuple is None:
            lead_tuple = _leads(old[1]) if old else DEFAULT_LEADS
        leads_text = _leads_text(lead_tuple)
        changed = old is None or old[0] != rule.canonical or old[1] != leads_text or not old[3]
        armed = _ts(now_utc) if changed else old[2]
        db.execute(
            """INSERT INTO schedules (chat_id, kind, rule_text, canonical, rrule, policy, leads,
                   active, armed_from)
               VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
               ON CONFLICT(chat_id, kind) DO UPDATE SET rule_text = excluded.rule_text,
                   canonical = excluded.canonical, rrule = excluded.rrule, policy = excluded.policy,
                   leads = excluded.leads, active = 1, armed_from = excluded.armed_from,
                   updated_at = datetime('now')""",
            [chat_id, kind, rule.text, rule.canonical, rule.rrule_text, rule.policy.value,
             leads_text, armed],
        )  # fmt: skip
        _recompute(db, chat_id, kind, lower=now_utc if changed else None)
    saved = get_schedule(db, chat_id, kind)
    assert saved is not None
    return saved


def get_schedule(db: Database, chat_id: int, kind: str) -> Schedule | None:
    row = db.execute(
        _SELECT_SCHEDULES + " WHERE s.chat_id = ? AND s.kind = ?", [chat_id, normalize_kind(kind)]
    ).fetchone()
    return _schedule(row) if row else None


def list_schedules(db: Database, chat_id: int) -> list[Schedule]:
    """A chat's schedules, standard kinds first in their usual order."""
    rows = db.execute(_SELECT_SCHEDULES + " WHERE s.chat_id = ?", [chat_id]).fetchall()
    return sorted((_schedule(r) for r in rows), key=lambda s: _kind_order(s.kind))


def delete_schedule(db: Database, chat_id: int, kind: str) -> bool:
    """Remove a schedule; its sent log stays, so saving it again never repeats a reminder."""
    with write(db):
        cur = db.execute(
            "DELETE FROM schedules WHERE chat_id = ? AND kind = ?", [chat_id, normalize_kind(kind)]
        )
    return cur.rowcount > 0


def set_schedule_active(
    db: Database, chat_id: int, kind: str, active: bool, now: datetime | None = None
) -> bool:
    """Pause or resume one schedule; reminders that fell in the pause are not sent late."""
    now_utc = _utc(now or datetime.now(UTC))
    with write(db):
        cur = db.execute(
            """UPDATE schedules SET active = ?, armed_from = CASE WHEN ? THEN ? ELSE armed_from END,
                   updated_at = datetime('now') WHERE chat_id = ? AND kind = ?""",
            [int(active), int(active), _ts(now_utc), chat_id, normalize_kind(kind)],
        )
        if cur.rowcount and active:
            _recompute(db, chat_id, normalize_kind(kind), lower=now_utc)
    return cur.rowcount > 0


def chat_today(db: Database, chat_id: int, now: datetime) -> date:
    """Today's date in the chat's time zone."""
    row = db.execute("SELECT tz FROM chats WHERE chat_id = ?", [chat_id]).fetchone()
    return _utc(now).astimezone(zone(row[0] if row else None)).date()


def chat_ics(
    db: Database,
    chat_id: int,
    start: date,
    *,
    kind: str | None = None,
    count: int = 12,
    stamp: datetime | None = None,
) -> bytes:
    """.ics with the next ``count`` dates of the chat's schedules (or one kind), with the
    chat's lead times as alarms; UIDs are stable per chat + kind + date."""
    schedules = list_schedules(db, chat_id)
    if kind is not None:
        wanted = normalize_kind(kind)
        schedules = [s for s in schedules if s.kind == wanted]
    tz = schedules[0].tz if schedules else DEFAULT_TZ
    entries = [
        IcsEntry(s.rule, s.kind, s.leads, f"chat{chat_id}", preparation_hint(s.kind))
        for s in schedules
    ]
    return to_ics_many(entries, start, count, tz_name=tz, stamp=stamp)


# --- text for users -----------------------------------------------------------------------------


def render_reminder(rem: DueReminder, now: datetime) -> str:
    """Plain Chinese reminder: what, when (date, weekday, holiday note), days left, preparation."""
    rule = parse_rule(rem.rule)
    occ = resolve(rule, rem.original_date)
    today = _utc(now).astimezone(zone(rem.tz)).date()
    days = (rem.occurrence - today).days
    if days == 0:
        head = f"【提醒】今天是{rem.kind}"
    elif days == 1:
        head = f"【提醒】明天是{rem.kind}（还有1天）"
    elif days > 1:
        head = f"【提醒】{rem.kind}还有{days}天"
    else:
        head = f"【提醒】{rem.kind}（已过{-days}天）"
    when = fmt_date(rem.occurrence)
    if rule.meeting_time is not None:
        when += f" {rule.meeting_time:%H:%M}"
    lines = [head, f"时间：{when}"]
    if occ.date == rem.occurrence and occ.reason:
        lines.append(f"说明：{occ.reason}")
    if occ.provisional:
        lines.append(f"注意：{occ.provisional_note}")
    lines.append(f"准备：{preparation_hint(rem.kind)}")
    return "\n".join(lines)


def render_schedule(schedule: Schedule, today: date, count: int = 3) -> str:
    """One schedule as plain text: rule, lead times, the next few dates with their notes."""
    lines = [f"{schedule.kind}：{schedule.rule.canonical}"]
    if not schedule.active:
        lines[0] += "（已暂停）"
    lines.append("提醒：" + "、".join(lead.label for lead in schedule.leads))
    if schedule.rule.skip_warning:
        lines.append(schedule.rule.skip_warning)
    for i, occ in enumerate(next_dates(schedule.rule, today, count), 1):
        lines.append(f"{i}. {fmt_date(occ.date)}" + (f"——{occ.note}" if occ.note else ""))
    return "\n".join(lines)


def render_schedules(db: Database, chat_id: int, today: date, count: int = 3) -> str:
    """All of a chat's schedules, or how to set one up."""
    schedules = list_schedules(db, chat_id)
    if not schedules:
        examples = "\n".join(
            f"· {kind}：{rule}" for kind, rule in list(SUGGESTED_RULES.items())[:3]
        )
        return f"还没有设置会议日程。可以这样设置：\n{examples}"
    return "\n\n".join(render_schedule(s, today, count) for s in schedules)


# --- one occurrence cancelled or moved (the rule stays) --------------------------------------

MOVED_SUFFIX = "（改期）"


def cancel_occurrence(db: Database, chat_id: int, kind: str, day: date, reason: str, *, now: datetime) -> bool:
    """Skip every reminder of one meeting; the rule and the other meetings stay. The skips go
    into the same claim log as sent reminders, so the tick can never send them. False when the
    chat has no such schedule."""
    sched = get_schedule(db, chat_id, kind)
    if sched is None:
        return False
    tz = zone(sched.tz)
    stamp = _ts(now)
    with write(db):
        for lead in sched.leads:
            db.execute(
                """INSERT OR IGNORE INTO reminders_sent
                       (chat_id, kind, occurrence, lead, status, fire_at, detail, claimed_at, done_at)
                   VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?, ?)""",
                [chat_id, kind, day.isoformat(), lead.key, _ts(fire_at(day, lead, tz)),
                 f"本次取消：{reason}"[:200], stamp, stamp],
            )
        _recompute(db, chat_id, kind, lower=_parse_ts(stamp))
    return True


def move_occurrence(
    db: Database, chat_id: int, kind: str, day: date, new_day: date, *, now: datetime
) -> Schedule | None:
    """Move one meeting to ``new_day``: its reminders are skipped and a one-off schedule
    "<kind>（改期）" reminds of the new date with the same lead times. None without such a
    schedule."""
    sched = get_schedule(db, chat_id, kind)
    if sched is None:
        return None
    cancel_occurrence(db, chat_id, kind, day, f"改期到{new_day.isoformat()}", now=now)
    one_off = f"{new_day.year}年{new_day.month}月{new_day.day}日"
    moved_kind = kind.removesuffix(MOVED_SUFFIX) + MOVED_SUFFIX
    return save_schedule(db, chat_id, moved_kind, one_off, leads=sched.leads, now=now)
