"""Learning from users: /unanswered → attach → effective at once; /stats; `dangwu rules export`."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from bot.cli import main
from bot.db import open_db
from bot.feedback import (
    FeedbackError,
    attach,
    log_question,
    log_search,
    record_vote,
    render_stats,
    stats,
    suggestions_for,
    unanswered,
)
from bot.rules.engine import Answer, NoAnswer, RuleBook, load_rulebook

#: Declined by the bundled knowledge base; belongs to 支委会 frequency.
VAGUE = "支委们一般隔多久凑一块儿"
TARGET = "zzsh.zhiweihui_pinci"
TS = "%Y-%m-%d %H:%M:%S"
QUESTIONS = ["支委会多久开一次", "支委会多长时间开一次", "党费怎么交", VAGUE, "今天天气怎么样"]


def _ask(db: Database, book: RuleBook, question: str) -> None:
    log_question(db, question, book.answer(question))


def test_unanswered_lists_declined_questions_by_count(db: Database, book: RuleBook) -> None:
    _ask(db, book, "支委会多久开一次")
    for _ in range(3):
        _ask(db, book, VAGUE)
    _ask(db, book, "村里的广场舞怎么组织")
    items = unanswered(db)
    assert [u.question for u in items] == [VAGUE, "村里的广场舞怎么组织"]
    assert items[0].count == 3


def test_suggestions_are_the_closest_rules(book: RuleBook) -> None:
    rules = suggestions_for(book, VAGUE)
    assert len(rules) == 3
    assert TARGET in [r.id for r in rules]
    assert [r.id for r in suggestions_for(book, VAGUE, n=1)] == [rules[0].id]
    assert suggestions_for(book, "", n=3) == []


def test_attach_teaches_at_once_and_resolves(db: Database, fresh_book: RuleBook) -> None:
    assert isinstance(fresh_book.answer(VAGUE), NoAnswer)
    _ask(db, fresh_book, VAGUE)
    (item,) = unanswered(db)

    done = attach(db, fresh_book, item.id, TARGET, user_id=7)
    assert done.rule.id == TARGET and done.question == VAGUE
    assert "立即生效" in done.message

    result = fresh_book.answer(VAGUE)  # same matcher, no reload
    assert isinstance(result, Answer) and result.rule.id == TARGET
    assert unanswered(db) == []
    row = db.execute(
        "SELECT resolved_rule_id, resolved_by, resolved_at FROM questions_log WHERE id = ?", [item.id]
    ).fetchone()
    assert row[0] == TARGET and row[1] == 7 and row[2]
    assert db.execute("SELECT rule_id, question, added_by FROM rule_overrides").fetchall() == [
        (TARGET, VAGUE, 7)
    ]
    # a restart reads the taught variant back from the database
    assert isinstance(load_rulebook(db).answer(VAGUE), Answer)


def test_attach_errors(db: Database, fresh_book: RuleBook) -> None:
    with pytest.raises(FeedbackError, match="不存在"):
        attach(db, fresh_book, 12345, TARGET, None)
    _ask(db, fresh_book, VAGUE)
    (item,) = unanswered(db)
    with pytest.raises(FeedbackError, match="没有编号"):
        attach(db, fresh_book, item.id, "no.such_rule", None)
    assert unanswered(db) != []
    assert db.execute("SELECT COUNT(*) FROM rule_overrides").fetchone()[0] == 0


def test_resolved_question_returns_when_still_declined_or_downvoted(
    db: Database, book: RuleBook, fresh_book: RuleBook
) -> None:
    _ask(db, book, VAGUE)
    (item,) = unanswered(db)
    attach(db, fresh_book, item.id, TARGET, None)
    assert unanswered(db) == []
    _ask(db, fresh_book, VAGUE)  # answered now: stays resolved
    assert unanswered(db) == []
    _ask(db, book, VAGUE)  # a matcher without the variant declines again: back on the list
    assert [u.id for u in unanswered(db)] == [item.id]

    attach(db, fresh_book, item.id, TARGET, None)
    record_vote(db, 9, "rule", TARGET, -1, VAGUE)  # 👎 on the taught answer
    assert [u.id for u in unanswered(db)] == [item.id]


def _window_rows(db: Database, now: datetime) -> None:
    """Rows just inside and well outside a 30-day window, with explicit timestamps."""
    inside = (now - timedelta(days=2)).strftime(TS)
    outside = (now - timedelta(days=45)).strftime(TS)
    db.execute(
        "INSERT INTO asks_log (answered, confident, rule_id, asked_at) VALUES (1, 1, ?, ?)",
        [TARGET, outside],
    )
    db.execute("INSERT INTO searches_log (query, n_results, searched_at) VALUES ('旧', 3, ?)", [outside])
    db.execute(
        "INSERT INTO feedback (target_type, target_id, vote, created_at) VALUES ('rule', ?, 1, ?)",
        [TARGET, outside],
    )
    reminders = [
        (1, "2026-01-01", "sent", inside),
        (2, "2026-01-01", "sent", inside),
        (3, "2026-01-01", "skipped", inside),
        (4, "2026-01-01", "sending", None),
        (5, "2025-01-01", "sent", outside),
    ]
    for chat_id, occ, status, done_at in reminders:
        db.execute(
            "INSERT INTO reminders_sent (chat_id, kind, occurrence, lead, status, fire_at, "
            "claimed_at, done_at) VALUES (?, '主题党日', ?, '0d@08:00', ?, ?, ?, ?)",
            [chat_id, occ, status, inside, inside, done_at],
        )
    db.conn.commit()


def test_stats_counts_the_window(db: Database, book: RuleBook) -> None:
    for q in QUESTIONS:
        _ask(db, book, q)
    for query, n in [("三会一课", 5), ("三会一课", 5), ("存在问题 党费", 2), ("火星基地", 0)]:
        log_search(db, query, n)
    log_search(db, "   ", 0)  # ignored
    record_vote(db, 1, "rule", TARGET, 1, "支委会多久开一次")
    record_vote(db, 2, "rule", TARGET, 1, "支委会多长时间开一次")
    record_vote(db, 3, "paragraph", "17", -1)
    now = datetime.now(UTC)  # after the events: they are stamped by SQLite's clock, to the second
    _window_rows(db, now)

    s = stats(db, now, book=book)
    assert s.days == 30
    assert s.questions == 5
    expected = sum(isinstance(book.answer(q), Answer) for q in QUESTIONS)
    assert s.answered == expected and 0 < s.answered < 5
    assert s.answer_rate == pytest.approx(expected / 5)
    assert s.searches == 4 and s.searches_empty == 1
    assert s.top_searches[0] == ("三会一课", 2)
    assert s.top_topics[0].rule_id == TARGET and s.top_topics[0].count == 2
    assert s.top_topics[0].title == book.by_id[TARGET].title
    assert (s.votes_up, s.votes_down) == (2, 1)
    assert s.reminders_sent == 2
    assert s.open_unanswered == len(unanswered(db)) >= 1

    text = render_stats(s)
    assert "近 30 天" in text
    assert f"提问 5 次，答上 {expected} 次" in text
    assert "范文检索 4 次，无结果 1 次" in text
    assert "👍 2  👎 1" in text
    assert "会议提醒已发送 2 条" in text
    assert book.by_id[TARGET].title in text

    # the rows from 45 days ago count in a 60-day window
    assert stats(db, now, days=60).reminders_sent == 3
    assert stats(db, now, days=60).questions == 6
    assert stats(db, now, days=60).top_topics[0].title == TARGET  # no book: ids


def test_stats_empty_database(db: Database) -> None:
    s = stats(db, datetime(2026, 5, 1, tzinfo=UTC))
    assert (s.questions, s.searches, s.votes_up, s.reminders_sent) == (0, 0, 0, 0)
    assert s.answer_rate == 0.0
    text = render_stats(s)
    assert "提问 0 次" in text and "没有待处理的未答问题" in text
    with pytest.raises(ValueError):
        stats(db, datetime(2026, 5, 1))


def test_cli_rules_export_end_to_end(
    tmp_path: Path, book: RuleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dangwu rules export` writes what admins taught, reviewable YAML keyed by rule id."""
    db = open_db(os.environ["DANGWU_DB"])  # the database the CLI reads (set by conftest)
    _ask(db, book, VAGUE)
    (item,) = unanswered(db)
    # only the stored rows matter here (the in-memory effect of teaching is
    # test_attach_teaches_at_once_and_resolves'): a two-entry matcher refits in milliseconds
    small = RuleBook([book.by_id[TARGET], book.by_id["df.jiaona_shijian"]])
    attach(db, small, item.id, TARGET, 1)
    attach(db, small, item.id, TARGET, 1)  # twice: stored once
    from bot.rules.engine import teach

    teach(db, small, "df.jiaona_shijian", "党费几号之前要交", 1)
    db.conn.close()

    out = tmp_path / "review" / "overrides.yaml"
    assert main(["rules", "export", "-o", str(out)]) == 0
    assert "已导出 2 条" in capsys.readouterr().out
    text = out.read_text("utf-8")
    assert text.startswith("#")
    assert yaml.safe_load(text) == {TARGET: [VAGUE], "df.jiaona_shijian": ["党费几号之前要交"]}


def test_cli_rules_export_with_nothing_taught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.yaml"
    assert main(["rules", "export", "-o", str(out)]) == 0
    assert "已导出 0 条" in capsys.readouterr().out
    assert yaml.safe_load(out.read_text("utf-8")) == {}
