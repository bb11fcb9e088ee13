"""参加 / 请假 under a group reminder: who answered, for the 台账.

Telegram gives a bot no member list, so the bot knows only who pressed a button: a record says
"N人回应" and never claims who did not answer.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from bot.db import write

ANSWERS = ("参加", "请假")


def answer(db: Database, chat_id: int, kind: str, day: date, user_id: int, name: str, choice: str) -> None:
    """Record (or change) one member's answer for one meeting."""
    with write(db):
        db.execute(
            """INSERT INTO attendance (chat_id, kind, occurrence, user_id, name, answer)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (chat_id, kind, occurrence, user_id) DO UPDATE SET
                   name = excluded.name, answer = excluded.answer, answered_at = datetime('now')""",
            [chat_id, kind, day.isoformat(), user_id, name[:32] or str(user_id), choice],
        )


def who(db: Database, chat_id: int, kind: str, day: date) -> dict[str, list[str]]:
    """Names by answer, in the order people answered."""
    rows = db.execute(
        """SELECT answer, name FROM attendance WHERE chat_id = ? AND kind = ? AND occurrence = ?
           ORDER BY answered_at, rowid""",
        [chat_id, kind, day.isoformat()],
    ).fetchall()
    out: dict[str, list[str]] = {a: [] for a in ANSWERS}
    for choice, name in rows:
        out.setdefault(str(choice), []).append(str(name))
    return out


def summary(db: Database, chat_id: int, kind: str, day: date) -> str:
    """"回应：参加 3人（张三、李四、王五）；请假 1人（赵六）" — or "" when nobody answered."""
    answers = who(db, chat_id, kind, day)
    parts = [f"{a} {len(n)}人（{'、'.join(n[:10])}{'等' if len(n) > 10 else ''}）" for a, n in answers.items() if n]
    if not parts:
        return ""
    return "回应：" + "；".join(parts) + "（只统计点了按钮的人）"
