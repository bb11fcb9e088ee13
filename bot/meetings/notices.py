"""Warnings that are not meeting reminders, sent through the reminder engine's claim log.

Two kinds: a 台账 gap (a month or quarter about to end, or just ended, without the meeting the
支部工作条例 requires) and a 发展党员 limit (a tracked person's next legal deadline, a week
before and on the day). Each notice has a stable key stored in ``reminders_sent`` exactly like
a meeting reminder's — claimed ('sending') before it is sent, marked 'sent' after, released on
failure — so a notice is never sent twice and a failed one is retried on the next tick, also
across restarts. They go out from 09:00 local time on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlite_utils import Database

from bot.db import write
from bot.meetings import huanjie, ledger, tracking
from bot.meetings.schedule import zone

SEND_FROM = time(9, 0)
LIMIT_LEAD_DAYS = 7
_TS = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Notice:
    chat_id: int
    kind: str        # "台账:支委会" or "发展:小王:列为发展对象"
    occurrence: str  # the period ("2026-Q4") or the deadline (ISO date)
    lead: str        # "before" / "passed" / "7d" / "0d"
    text: str

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.chat_id, self.kind, self.occurrence, self.lead)


def _chats(db: Database) -> Iterator[tuple[int, str | None, date]]:
    """Active chats that keep a 台账 or follow someone, with their zone and first-seen date."""
    rows = db.execute(
        """SELECT c.chat_id, c.tz, date(c.created_at) FROM chats c
           WHERE c.active = 1 AND (
               EXISTS (SELECT 1 FROM meetings m WHERE m.chat_id = c.chat_id)
            OR EXISTS (SELECT 1 FROM timelines t WHERE t.chat_id = c.chat_id)
            OR EXISTS (SELECT 1 FROM huanjie h WHERE h.chat_id = c.chat_id))"""
    ).fetchall()
    for chat_id, tz, created in rows:
        yield int(chat_id), tz, date.fromisoformat(created)


def due(db: Database, now: datetime) -> list[Notice]:
    """Every notice due at ``now`` that was not sent yet (pure apart from reading)."""
    out: list[Notice] = []
    for chat_id, tz, since in _chats(db):
        local = now.astimezone(zone(tz))
        if local.time() < SEND_FROM:
            continue
        today = local.date()
        for w in ledger.warnings_due(db, chat_id, today):
            if w.due >= since:  # nothing about periods that ended before the chat started
                out.append(Notice(chat_id, f"台账:{w.kind}", w.period, w.when, w.text(today)))
        for person in tracking.people(db, chat_id):
            out.extend(_limits(chat_id, person, today))
        out.extend(_term(db, chat_id, today))
    return [n for n in out if not _recorded(db, n)]


def _limits(chat_id: int, person: tracking.Person, today: date) -> Iterator[Notice]:
    """The next open deadline of a tracked person: a week before, and on the day."""
    for step in person.plan(today):
        if step.done is not None or step.due is None or step.status == "early":
            continue
        days = (step.due - today).days
        lead = "0d" if days == 0 else f"{LIMIT_LEAD_DAYS}d" if 0 < days <= LIMIT_LEAD_DAYS else ""
        if lead:
            when = "今天到期" if days == 0 else f"{days}天后到期（{step.due.isoformat()}）"
            text = f"发展党员提醒：{person.label} 的「{step.step}」{when}。{step.note}\n依据：{step.basis}"
            yield Notice(chat_id, f"发展:{person.label}:{step.step}", step.due.isoformat(), lead, text)
        return  # only the next deadline


def _term(db: Database, chat_id: int, today: date) -> Iterator[Notice]:
    """换届: the kept term's reminder dates (3 months and 1 month before, the due month), each
    sent on its day or within a week after (a bot that was down catches up)."""
    kept = huanjie.saved(db, chat_id)
    if kept is None:
        return
    term = huanjie.due(kept[0], kept[1], today=today)
    for r in term.reminders:
        if 0 <= (today - r.when).days <= 7:
            steps = "\n".join(f"· {p}" for p in r.prepare)
            text = f"换届提醒（{term.org}，{r.label}，届满 {term.due_month}）：\n{steps}"
            yield Notice(chat_id, "换届", r.when.isoformat(), "0d", text)


def _recorded(db: Database, n: Notice) -> bool:
    row = db.execute(
        "SELECT 1 FROM reminders_sent WHERE chat_id = ? AND kind = ? AND occurrence = ? AND lead = ?",
        list(n.key),
    ).fetchone()
    return row is not None


def claim(db: Database, n: Notice, now: datetime) -> bool:
    """The 'sending' claim; False when another tick holds or finished this notice."""
    stamp = now.astimezone(UTC).strftime(_TS)
    with write(db):
        cur = db.execute(
            """INSERT OR IGNORE INTO reminders_sent
                   (chat_id, kind, occurrence, lead, status, fire_at, claimed_at)
               VALUES (?, ?, ?, ?, 'sending', ?, ?)""",
            [*n.key, stamp, stamp],
        )
    return cur.rowcount == 1


def mark_sent(db: Database, n: Notice, now: datetime) -> None:
    with write(db):
        db.execute(
            """UPDATE reminders_sent SET status = 'sent', done_at = ? WHERE chat_id = ? AND kind = ?
               AND occurrence = ? AND lead = ?""",
            [now.astimezone(UTC).strftime(_TS), *n.key],
        )


def release(db: Database, n: Notice) -> None:
    """A failed send: drop the claim, so the next tick tries again."""
    with write(db):
        db.execute(
            """DELETE FROM reminders_sent WHERE chat_id = ? AND kind = ? AND occurrence = ?
               AND lead = ? AND status = 'sending'""",
            list(n.key),
        )


