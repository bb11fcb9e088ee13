"""People a chat follows through the 发展党员 steps: a label and the dates the user entered.

No roster: the label is whatever the user typed ("小王"), and nothing else about the person is
kept. Limits and suggestions are computed by :mod:`bot.meetings.timeline` on every read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from bot.db import write
from bot.meetings import timeline

MAX_LABEL = 12
MAX_PEOPLE = 50  # per chat


class TrackingError(ValueError):
    """Something the user must fix; ``str(exc)`` is user-facing."""


@dataclass(frozen=True)
class Person:
    id: int
    label: str
    stage: str
    stage_date: date
    done_steps: dict[str, date] = field(default_factory=dict)

    def plan(self, today: date) -> list[timeline.Step]:
        return timeline.plan(self.stage, self.stage_date, done_steps=self.done_steps, today=today)


def _person(row: tuple[object, ...]) -> Person:
    pid, label, stage, stage_date, done = row
    steps = {k: date.fromisoformat(v) for k, v in json.loads(str(done)).items()}
    return Person(int(str(pid)), str(label), str(stage), date.fromisoformat(str(stage_date)), steps)


def people(db: Database, chat_id: int) -> list[Person]:
    rows = db.execute(
        "SELECT id, label, stage, stage_date, done_steps FROM timelines WHERE chat_id = ? ORDER BY id",
        [chat_id],
    ).fetchall()
    return [_person(r) for r in rows]


def get(db: Database, chat_id: int, person_id: int) -> Person | None:
    row = db.execute(
        "SELECT id, label, stage, stage_date, done_steps FROM timelines WHERE chat_id = ? AND id = ?",
        [chat_id, person_id],
    ).fetchone()
    return _person(row) if row else None


def enter(db: Database, chat_id: int, label: str, stage_text: str, day: date) -> Person:
    """Start following ``label`` at a stage, or record a later step for someone followed.

    The first entry fixes the anchor stage; later entries are dates of steps done (a stage name
    like 发展对象 means its step, 列为发展对象). Decisions are never inferred, only entered.
    """
    label = " ".join(label.split())
    if not label or len(label) > MAX_LABEL:
        raise TrackingError(f"称呼请写 1–{MAX_LABEL} 个字，如：小王")
    with write(db):
        row = db.execute(
            "SELECT id, label, stage, stage_date, done_steps FROM timelines WHERE chat_id = ? AND label = ?",
            [chat_id, label],
        ).fetchone()
        if row is None:
            stage = timeline.parse_stage(stage_text)
            count = db.execute("SELECT count(*) FROM timelines WHERE chat_id = ?", [chat_id]).fetchone()[0]
            if count >= MAX_PEOPLE:
                raise TrackingError(f"最多跟踪 {MAX_PEOPLE} 人，请先删除已完成的。")
            db.execute(
                "INSERT INTO timelines (chat_id, label, stage, stage_date) VALUES (?, ?, ?, ?)",
                [chat_id, label, stage, day.isoformat()],
            )
        else:
            person = _person(row)
            step = _step_of(stage_text)
            done = {k: v.isoformat() for k, v in person.done_steps.items()} | {step: day.isoformat()}
            db.execute(
                "UPDATE timelines SET done_steps = ?, updated_at = datetime('now') WHERE id = ?",
                [json.dumps(done, ensure_ascii=False), person.id],
            )
        found = db.execute(
            "SELECT id, label, stage, stage_date, done_steps FROM timelines WHERE chat_id = ? AND label = ?",
            [chat_id, label],
        ).fetchone()
    return _person(found)


def _step_of(text: str) -> str:
    """A stage word names the step that starts it; anything else is a step name or alias."""
    try:
        return timeline.ANCHOR[timeline.parse_stage(text)]
    except timeline.TimelineError:
        return timeline.parse_step(text)


def remove(db: Database, chat_id: int, person_id: int) -> bool:
    with write(db):
        cur = db.execute("DELETE FROM timelines WHERE chat_id = ? AND id = ?", [chat_id, person_id])
    return cur.rowcount > 0
