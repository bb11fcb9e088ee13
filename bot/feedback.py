"""What users asked and what they thought of the answers: the raw material for improving the KB."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.rules import Answer, Result
from bot.text import normalize


def log_question(db: Database, question: str, result: Result) -> None:
    """Count every question by its normalised text; declined and low-confidence ones feed /unanswered."""
    norm = normalize(question)
    if not norm:
        return
    answered = isinstance(result, Answer)
    rule_id = result.rule.id if isinstance(result, Answer) else None
    low = (not answered) or (isinstance(result, Answer) and result.low_confidence)
    db.execute(
        """
        INSERT INTO questions_log (normalized, example, count, answered, rule_id, confidence)
        VALUES (?, ?, 1, ?, ?, ?)
        ON CONFLICT (normalized) DO UPDATE SET
            count = count + 1,
            answered = excluded.answered,
            rule_id = excluded.rule_id,
            confidence = excluded.confidence,
            last_asked = datetime('now')
        """,
        [norm, question.strip()[:500], 0 if low else 1, rule_id, result.confidence],
    )
    db.conn.commit()


def record_vote(
    db: Database, user_id: int | None, target_type: str, target_id: str, vote: int, question: str = ""
) -> None:
    """Store a 👍 (+1) or 👎 (-1); a 👎 on a rule answer also marks the question for review."""
    db.execute(
        "INSERT INTO feedback (user_id, target_type, target_id, question, vote) VALUES (?, ?, ?, ?, ?)",
        [user_id, target_type, target_id, question[:500], 1 if vote > 0 else -1],
    )
    if vote < 0 and target_type == "rule" and question:
        db.execute(
            "UPDATE questions_log SET answered = 0 WHERE normalized = ?", [normalize(question)]
        )
    db.conn.commit()


@dataclass(frozen=True)
class Unanswered:
    id: int
    question: str
    count: int
    last_asked: str


def unanswered(db: Database, limit: int = 10) -> list[Unanswered]:
    """Most frequent declined / low-confidence / 👎 questions not yet taught to the matcher."""
    rows = db.execute(
        """
        SELECT id, example, count, last_asked FROM questions_log
        WHERE answered = 0
        ORDER BY count DESC, last_asked DESC
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [Unanswered(*row) for row in rows]
