"""What users asked and what they thought of the answers: the raw material for improving the KB.

The loop: every question is logged (:func:`log_question`); declined, low-confidence and 👎
ones surface in /unanswered (:func:`unanswered`); an admin attaches one to the right rule
(:func:`suggestions_for`, :func:`attach`), which teaches the matcher at once and stores the
variant for ``dangwu rules export``. :func:`stats` sums up the last days for /stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from bot.db import write
from bot.rules.engine import Answer, Result, Rule, RuleBook, teach
from bot.text import normalize


def log_question(db: Database, question: str, result: Result) -> None:
    """Count every question by its normalised text; declined and low-confidence ones feed /unanswered."""
    norm = normalize(question)
    if not norm:
        return
    answered = isinstance(result, Answer)
    rule_id = result.rule.id if isinstance(result, Answer) else None
    low = (not answered) or (isinstance(result, Answer) and result.low_confidence)
    # a question attached by an admin that is still not answered well comes back to
    # /unanswered: the teaching did not work
    with write(db):
        db.execute(
            """
            INSERT INTO questions_log (normalized, example, count, answered, rule_id, confidence)
            VALUES (?, ?, 1, ?, ?, ?)
            ON CONFLICT (normalized) DO UPDATE SET
                count = count + 1,
                answered = excluded.answered,
                rule_id = excluded.rule_id,
                confidence = excluded.confidence,
                last_asked = datetime('now'),
                resolved_rule_id = CASE WHEN excluded.answered = 1 THEN resolved_rule_id END
            """,
            [norm, question.strip()[:500], 0 if low else 1, rule_id, result.confidence],
        )
        row = db.execute("SELECT id FROM questions_log WHERE normalized = ?", [norm]).fetchone()
        db.execute(
            "INSERT INTO asks_log (log_id, answered, confident, rule_id) VALUES (?, ?, ?, ?)",
            [row[0] if row else None, 1 if answered else 0, 0 if low else 1, rule_id],
        )


def record_vote(
    db: Database, user_id: int | None, target_type: str, target_id: str, vote: int, question: str = ""
) -> None:
    """Store a 👍 (+1) or 👎 (-1); a 👎 on a rule answer also marks the question for review."""
    with write(db):
        db.execute(
            "INSERT INTO feedback (user_id, target_type, target_id, question, vote) VALUES (?, ?, ?, ?, ?)",
            [user_id, target_type, target_id, question[:500], 1 if vote > 0 else -1],
        )
        if vote < 0 and target_type == "rule" and question:
            db.execute(
                "UPDATE questions_log SET answered = 0, resolved_rule_id = NULL WHERE normalized = ?",
                [normalize(question)],
            )


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
        WHERE answered = 0 AND resolved_rule_id IS NULL
        ORDER BY count DESC, last_asked DESC
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [Unanswered(*row) for row in rows]


# --- teaching from /unanswered ------------------------------------------------------------


class FeedbackError(ValueError):
    """An admin action that cannot be done; ``str(exc)`` is a short Chinese reason."""


def suggestions_for(book: RuleBook, question: str, n: int = 3) -> list[Rule]:
    """The rules a question most likely belongs to, best first, for the admin to pick from.

    Uses the matcher's own ranking, so the list is what the bot almost answered; unlike
    ``answer`` it never declines (a question can be off by a lot and still belong somewhere).
    """
    return [book.rules[i] for _score, i in book.scores(question)[: max(n, 0)]]


@dataclass(frozen=True)
class Attached:
    """Result of :func:`attach`: the question, now a variant of ``rule``."""

    log_id: int
    question: str
    rule: Rule

    @property
    def message(self) -> str:
        return f"已把「{self.question}」归到「{self.rule.title}」，立即生效。"


def attach(db: Database, book: RuleBook, log_id: int, rule_id: str, user_id: int | None) -> Attached:
    """Teach an unanswered question to ``rule_id`` (effective at once, stored for export) and
    mark it resolved so it leaves /unanswered. :class:`FeedbackError` for an unknown question
    or rule."""
    row = db.execute("SELECT example FROM questions_log WHERE id = ?", [int(log_id)]).fetchone()
    if row is None:
        raise FeedbackError("这条问题记录已不存在。")
    rule = book.by_id.get(rule_id)
    if rule is None:
        raise FeedbackError(f"没有编号为 {rule_id} 的话题。")
    question = str(row[0])
    teach(db, book, rule_id, question, user_id)  # refits the matcher: outside the write lock
    with write(db):
        db.execute(
            "UPDATE questions_log SET resolved_rule_id = ?, resolved_by = ?, "
            "resolved_at = datetime('now') WHERE id = ?",
            [rule_id, user_id, int(log_id)],
        )
    return Attached(int(log_id), question, rule)


# --- search log and /stats --------------------------------------------------------------------


def log_search(db: Database, query: str, n_results: int) -> None:
    """Count a template search (and whether it found anything) for /stats."""
    q = " ".join((query or "").split())[:200]
    if not q:
        return
    with write(db):
        db.execute(
            "INSERT INTO searches_log (query, n_results) VALUES (?, ?)", [q, max(int(n_results), 0)]
        )


@dataclass(frozen=True)
class TopicCount:
    rule_id: str
    title: str
    count: int


@dataclass(frozen=True)
class Stats:
    """Usage over ``days`` days up to ``until`` (UTC), for /stats."""

    days: int
    until: datetime
    questions: int = 0
    answered: int = 0  # an answer was shown
    confident: int = 0  # … above the low-confidence band
    searches: int = 0
    searches_empty: int = 0
    top_topics: list[TopicCount] = field(default_factory=list)
    top_searches: list[tuple[str, int]] = field(default_factory=list)
    votes_up: int = 0
    votes_down: int = 0
    reminders_sent: int = 0
    open_unanswered: int = 0  # waiting in /unanswered now (not windowed)

    @property
    def answer_rate(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


_TS = "%Y-%m-%d %H:%M:%S"  # datetime('now') and bot.meetings.reminders store UTC in this form


def stats(db: Database, now: datetime, days: int = 30, book: RuleBook | None = None) -> Stats:
    """Counts for the ``days`` days before ``now`` (timezone-aware); ``book`` gives topic titles."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
    until = now.astimezone(UTC)
    window = [(until - timedelta(days=days)).strftime(_TS), until.strftime(_TS)]

    def one(sql: str) -> tuple[int, ...]:
        row = db.execute(sql, window).fetchone()
        return tuple(int(v or 0) for v in row)

    questions, answered, confident = one(
        "SELECT COUNT(*), SUM(answered), SUM(confident) FROM asks_log "
        "WHERE asked_at > ? AND asked_at <= ?"
    )
    searches, empty = one(
        "SELECT COUNT(*), SUM(n_results = 0) FROM searches_log "
        "WHERE searched_at > ? AND searched_at <= ?"
    )
    up, down = one(
        "SELECT SUM(vote > 0), SUM(vote < 0) FROM feedback WHERE created_at > ? AND created_at <= ?"
    )
    (sent,) = one(
        "SELECT COUNT(*) FROM reminders_sent WHERE status = 'sent' AND done_at > ? AND done_at <= ?"
    )
    topics = db.execute(
        "SELECT rule_id, COUNT(*) AS n FROM asks_log WHERE asked_at > ? AND asked_at <= ? "
        "AND answered = 1 AND rule_id IS NOT NULL GROUP BY rule_id ORDER BY n DESC, rule_id LIMIT 5",
        window,
    ).fetchall()
    top_searches = db.execute(
        "SELECT query, COUNT(*) AS n FROM searches_log WHERE searched_at > ? AND searched_at <= ? "
        "GROUP BY query ORDER BY n DESC, query LIMIT 5",
        window,
    ).fetchall()
    open_unanswered = db.execute(
        "SELECT COUNT(*) FROM questions_log WHERE answered = 0 AND resolved_rule_id IS NULL"
    ).fetchone()[0]
    by_id = book.by_id if book else {}
    return Stats(
        days=days,
        until=until,
        questions=questions,
        answered=answered,
        confident=confident,
        searches=searches,
        searches_empty=empty,
        top_topics=[
            TopicCount(str(r), by_id[r].title if r in by_id else str(r), int(n)) for r, n in topics
        ],
        top_searches=[(str(q), int(n)) for q, n in top_searches],
        votes_up=up,
        votes_down=down,
        reminders_sent=sent,
        open_unanswered=int(open_unanswered),
    )


def render_stats(s: Stats) -> str:
    """/stats as short plain Chinese text (the front end escapes it)."""
    lines = [f"近 {s.days} 天使用情况（截至 {s.until:%Y-%m-%d}，UTC）"]
    if s.questions:
        lines.append(
            f"提问 {s.questions} 次，答上 {s.answered} 次（{s.answer_rate:.0%}），"
            f"其中把握不大 {s.answered - s.confident} 次"
        )
    else:
        lines.append("提问 0 次")
    lines.append(
        f"范文检索 {s.searches} 次" + (f"，无结果 {s.searches_empty} 次" if s.searches_empty else "")
    )
    if s.top_topics:
        lines.append("热门话题：" + "；".join(f"{t.title} {t.count}次" for t in s.top_topics))
    if s.top_searches:
        lines.append("热门检索：" + "；".join(f"{q} {n}次" for q, n in s.top_searches))
    lines.append(f"反馈：👍 {s.votes_up}  👎 {s.votes_down}")
    lines.append(f"会议提醒已发送 {s.reminders_sent} 条")
    lines.append(
        f"待处理的未答问题 {s.open_unanswered} 条（/unanswered）"
        if s.open_unanswered
        else "没有待处理的未答问题"
    )
    return "\n".join(lines)
