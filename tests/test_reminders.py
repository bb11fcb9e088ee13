"""Reminders with an injected clock: due / not due, catch-up, never doubled, never lost.

The running example: chat -100123 keeps 主题党日 on 每月第一个周五，遇节假日顺延, saved on
2025-12-20. January's first Friday (2026-01-02, 元旦) moves to Sunday 2026-01-04 (a make-up
workday), so its reminders fire 2026-01-01 09:00 (3 days before) and 2026-01-04 08:00 (on the
day), Asia/Shanghai. February's meeting is 2026-02-06: 02-03 09:00 and 02-06 08:00.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlite_utils import Database

from bot.cli import main
from bot.db import open_db
from bot.meetings.reminders import (
    KIND_RULE_IDS,
    PAST_REASON,
    RULES_DIR,
    SUPERSEDED_REASON,
    SendOutcome,
    SendStatus,
    atick,
    chat_ics,
    delete_schedule,
    due,
    get_schedule,
    list_schedules,
    normalize_kind,
    outcome_from_error,
    preparation_hint,
    reactivate_chat,
    render_schedule,
    render_schedules,
    run_forever,
    save_schedule,
    set_chat_tz,
    set_schedule_active,
    startup,
    tick,
)
from bot.meetings.schedule import (
    Lead,
    RuleError,
    fire_at,
    next_dates,
    official_years,
    parse_rule,
    zone,
)

SH = ZoneInfo("Asia/Shanghai")
CHAT = -100123
RULE = "每月第一个周五，遇节假日顺延"
SAVED = datetime(2025, 12, 20, 12, 0, tzinfo=SH)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class Recorder:
    """A sync sender that records calls and replays scripted outcomes (then SENT)."""

    def __init__(self, *outcomes: SendOutcome) -> None:
        self.calls: list[tuple[int, str]] = []
        self.outcomes = list(outcomes)

    def __call__(self, chat_id: int, text: str) -> SendOutcome:
        self.calls.append((chat_id, text))
        return self.outcomes.pop(0) if self.outcomes else SendOutcome.sent()


@pytest.fixture
def partyday(db: Database) -> Database:
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED, chat_type="group", title="红星村党支部")
    return db


def sent_rows(db: Database) -> list[tuple[int, str, str, str, str]]:
    return db.execute(
        "SELECT chat_id, kind, occurrence, lead, status FROM reminders_sent ORDER BY id"
    ).fetchall()


# --- due / not due ----------------------------------------------------------------------------


def test_not_due_before_fire_time_and_due_at_it(partyday: Database) -> None:
    assert due(partyday, local("2026-01-01 08:59:59")) == []
    items = due(partyday, local("2026-01-01 09:00"))
    assert len(items) == 1
    rem = items[0]
    assert (rem.chat_id, rem.kind, rem.occurrence, rem.original_date) == (
        CHAT,
        "主题党日",
        date(2026, 1, 4),
        date(2026, 1, 2),
    )
    assert rem.lead == Lead(3, time(9)) and rem.fire_at == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert due(partyday, local("2026-01-01 09:00:40")) == items  # still due until sent


def test_tick_sends_once_then_the_on_day_reminder(partyday: Database) -> None:
    send = Recorder()
    report = tick(partyday, local("2026-01-01 09:00"), send)
    assert len(report.sent) == 1 and len(send.calls) == 1
    assert tick(partyday, local("2026-01-01 09:00:30"), send).sent == []
    assert tick(partyday, local("2026-01-03 12:00"), send).sent == []
    assert due(partyday, local("2026-01-04 07:59")) == []
    report = tick(partyday, local("2026-01-04 08:00"), send)
    assert [r.lead.key for r in report.sent] == ["0d@08:00"]
    assert send.calls[1][1].startswith("【提醒】今天是主题党日")
    assert [r[3:] for r in sent_rows(partyday)] == [("3d@09:00", "sent"), ("0d@08:00", "sent")]
    nxt = get_schedule(partyday, CHAT, "主题党日")
    assert nxt is not None and nxt.next_fire_at == local("2026-02-03 09:00")


def test_reminder_text(partyday: Database) -> None:
    now = local("2026-01-01 09:00")
    text = due(partyday, now)[0].render(now)
    lines = text.splitlines()
    assert lines[0] == "【提醒】主题党日还有3天"
    assert lines[1] == "时间：2026年1月4日（周日）"
    assert "元旦" in lines[2] and "顺延" in lines[2] and "调休上班日" in lines[2]
    assert lines[-1] == "准备：" + preparation_hint("主题党日")
    assert "<" not in text  # plain text, no markup


def test_reminder_text_marks_provisional_dates(db: Database) -> None:
    save_schedule(db, CHAT, "支委会", "每月最后一个工作日", now=local("2026-12-01 10:00"))
    now = local("2027-01-26 09:00")  # 3 days before the last working day of January 2027
    items = due(db, now)
    assert items and items[0].occurrence.year == 2027
    text = items[0].render(now)
    if 2027 not in official_years():
        assert "待国务院公布" in text


# --- never lost ----------------------------------------------------------------------------


def test_catch_up_after_downtime(partyday: Database) -> None:
    send = Recorder()
    report = tick(partyday, local("2026-01-02 10:00"), send)  # down at 01-01 09:00
    assert len(report.sent) == 1
    assert send.calls[0][1].startswith("【提醒】主题党日还有2天")
    assert tick(partyday, local("2026-01-04 08:00"), send).sent[0].lead.key == "0d@08:00"
    assert len(send.calls) == 2


def test_catch_up_sends_only_the_latest_lead_of_a_meeting(partyday: Database) -> None:
    send = Recorder()
    report = tick(partyday, local("2026-01-04 09:30"), send)  # down through both fire times
    assert len(send.calls) == 1 and send.calls[0][1].startswith("【提醒】今天是主题党日")
    assert [(r.lead.key, r.skip_reason) for r in report.skipped] == [
        ("3d@09:00", SUPERSEDED_REASON)
    ]
    assert [r[3:] for r in sent_rows(partyday)] == [("3d@09:00", "skipped"), ("0d@08:00", "sent")]


def test_missed_meeting_is_skipped_with_a_log_line(
    partyday: Database, caplog: pytest.LogCaptureFixture
) -> None:
    send = Recorder()
    with caplog.at_level(logging.WARNING, logger="bot.meetings.reminders"):
        report = tick(partyday, local("2026-01-05 10:00"), send)
    assert send.calls == []
    assert {r.skip_reason for r in report.skipped} == {PAST_REASON}
    assert len(report.skipped) == 2
    assert "meeting already past" in caplog.text
    nxt = get_schedule(partyday, CHAT, "主题党日")
    assert nxt is not None and nxt.next_fire_at == local("2026-02-03 09:00")
    assert due(partyday, local("2026-02-03 09:00"))[0].occurrence == date(2026, 2, 6)


def test_long_downtime_catches_up_each_future_meeting_once(partyday: Database) -> None:
    send = Recorder()
    tick(partyday, local("2026-02-04 12:00"), send)  # January past, February 3d overdue
    assert len(send.calls) == 1 and "2026年2月6日" in send.calls[0][1]
    assert tick(partyday, local("2026-02-04 12:01"), send).sent == []


def test_saving_after_the_fire_time_does_not_send_late(db: Database) -> None:
    save_schedule(db, CHAT, "主题党日", RULE, now=local("2026-01-01 10:00"))
    assert due(db, local("2026-01-01 10:01")) == []
    assert [r.lead.key for r in due(db, local("2026-01-04 08:00"))] == ["0d@08:00"]


def test_retry_after_transient_failure(partyday: Database) -> None:
    send = Recorder(SendOutcome.retry("429 Too Many Requests"))
    report = tick(partyday, local("2026-01-01 09:00"), send)
    assert len(report.retry) == 1 and report.sent == []
    assert sent_rows(partyday) == []
    assert len(due(partyday, local("2026-01-01 09:00:30"))) == 1
    report = tick(partyday, local("2026-01-01 09:00:30"), send)
    assert len(report.sent) == 1 and len(send.calls) == 2
    assert tick(partyday, local("2026-01-01 09:01"), send).sent == []


def test_sender_exception_is_retried(partyday: Database) -> None:
    calls: list[int] = []

    def flaky(chat_id: int, text: str) -> SendOutcome:
        calls.append(chat_id)
        if len(calls) == 1:
            raise ConnectionError("network down")
        return SendOutcome.sent()

    assert len(tick(partyday, local("2026-01-01 09:00"), flaky).retry) == 1
    assert len(tick(partyday, local("2026-01-01 09:01"), flaky).sent) == 1
    assert len(calls) == 2


def test_retry_while_a_later_reminder_was_already_sent_is_not_lost(db: Database) -> None:
    # two schedules of one chat and two leads due together: one fails, the others go out
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED)
    save_schedule(db, CHAT, "支委会", "每月第一个周日", now=SAVED, leads="提前3天 9:00")
    send = Recorder(SendOutcome.retry(), SendOutcome.sent())
    report = tick(db, local("2026-01-01 09:00"), send)
    assert len(report.sent) == 1 and len(report.retry) == 1
    report = tick(db, local("2026-01-01 09:05"), send)
    assert len(report.sent) == 1
    assert Counter(kind for _, kind, *_ in sent_rows(db)) == {"主题党日": 1, "支委会": 1}


# --- never doubled -------------------------------------------------------------------------------


def test_second_tick_while_the_first_is_sending(partyday: Database) -> None:
    inner = Recorder()
    outer_calls: list[int] = []
    now = local("2026-01-01 09:00")

    def sender(chat_id: int, text: str) -> SendOutcome:
        outer_calls.append(chat_id)
        report = tick(partyday, now + timedelta(seconds=30), inner)  # the next tick fires
        assert report.sent == []
        return SendOutcome.sent()

    assert len(tick(partyday, now, sender).sent) == 1
    assert outer_calls == [CHAT] and inner.calls == []
    assert tick(partyday, now + timedelta(minutes=1), inner).sent == []


async def test_concurrent_async_ticks_send_each_reminder_once(db: Database) -> None:
    chats = [-1001, -1002, -1003, -1004]
    for chat in chats:
        save_schedule(db, chat, "主题党日", RULE, now=SAVED)
    calls: list[int] = []

    async def slow_send(chat_id: int, text: str) -> SendOutcome:
        calls.append(chat_id)
        await asyncio.sleep(0.01)
        return SendOutcome.sent()

    now = local("2026-01-01 09:00")
    reports = await asyncio.gather(*(atick(db, now, slow_send) for _ in range(3)))
    assert sorted(calls) == sorted(chats)
    assert sum(len(r.sent) for r in reports) == 4


def test_two_processes_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first, second = open_db(path), open_db(path)
    save_schedule(first, CHAT, "主题党日", RULE, now=SAVED)
    now = local("2026-01-01 09:00")
    other = Recorder()

    def sender(chat_id: int, text: str) -> SendOutcome:
        tick(second, now, other)  # the other process ticks while we are sending
        return SendOutcome.sent()

    assert len(tick(first, now, sender).sent) == 1
    assert other.calls == []
    assert tick(second, now + timedelta(seconds=30), other).sent == []
    first.conn.close()
    second.conn.close()


def test_restart_does_not_resend(tmp_path: Path) -> None:
    path = tmp_path / "restart.db"
    db = open_db(path)
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED)
    send = Recorder()
    tick(db, local("2026-01-01 09:00"), send)
    db.conn.close()
    db = open_db(path)
    assert startup(db, local("2026-01-01 09:02")).recovered == 0
    assert tick(db, local("2026-01-01 09:02"), send).sent == []
    assert len(tick(db, local("2026-01-04 08:00"), send).sent) == 1
    assert len(send.calls) == 2
    db.conn.close()


class Crash(BaseException):
    """Simulates the process dying (not an Exception, so nothing catches it)."""


def test_crash_between_send_and_record_resends_once_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    db = open_db(path)
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED)
    delivered: list[int] = []

    def dies_after_delivery(chat_id: int, text: str) -> SendOutcome:
        delivered.append(chat_id)
        raise Crash

    with pytest.raises(Crash):
        tick(db, local("2026-01-01 09:00"), dies_after_delivery)
    assert [r[4] for r in sent_rows(db)] == ["sending"]
    db.conn.close()

    db = open_db(path)
    send = Recorder()
    assert tick(db, local("2026-01-01 09:01"), send).sent == []  # claim still held
    assert startup(db, local("2026-01-01 09:01")).recovered == 1
    assert len(tick(db, local("2026-01-01 09:01"), send).sent) == 1  # at-least-once
    assert tick(db, local("2026-01-01 09:02"), send).sent == []
    assert len(delivered) + len(send.calls) == 2
    db.conn.close()


def test_resaved_schedule_does_not_resend(partyday: Database) -> None:
    send = Recorder()
    tick(partyday, local("2026-01-01 09:00"), send)
    assert delete_schedule(partyday, CHAT, "主题党日")
    save_schedule(partyday, CHAT, "党日", "每月第1个星期五", now=local("2026-01-01 09:00:20"))
    assert tick(partyday, local("2026-01-01 09:00:30"), send).sent == []
    save_schedule(partyday, CHAT, "主题党日", RULE, now=local("2026-01-02 10:00"))
    assert tick(partyday, local("2026-01-02 10:00"), send).sent == []
    assert len(tick(partyday, local("2026-01-04 08:00"), send).sent) == 1
    assert len(send.calls) == 2


def test_reminder_recorded_behind_our_back_is_not_sent_and_the_pointer_heals(
    partyday: Database,
) -> None:
    partyday.execute(
        """INSERT INTO reminders_sent (chat_id, kind, occurrence, lead, status, fire_at, claimed_at)
           VALUES (?, '主题党日', '2026-01-04', '3d@09:00', 'sent', '2026-01-01 01:00:00', '')""",
        [CHAT],
    )
    send = Recorder()
    report = tick(partyday, local("2026-01-01 09:00"), send)
    assert send.calls == [] and report.contended == 1
    assert due(partyday, local("2026-01-01 09:01")) == []
    assert len(tick(partyday, local("2026-01-04 08:00"), send).sent) == 1


def test_end_to_end_ticks_every_half_hour_match_the_rules_exactly(db: Database) -> None:
    rules = {
        "主题党日": RULE,
        "支委会": "每月最后一个工作日",
        "党小组会": "每周三，遇节假日提前",
    }
    for kind, rule in rules.items():
        save_schedule(db, CHAT, kind, rule, now=SAVED)
    start, end = SAVED, local("2026-04-01 00:00")
    expected = set()
    for kind, text in rules.items():
        for occ in next_dates(parse_rule(text), SAVED.date(), 40):
            for lead in (Lead(3, time(9)), Lead(0, time(8))):
                fire = fire_at(occ.date, lead, SH)
                if start <= fire <= end:
                    expected.add((kind, occ.date.isoformat(), lead.key))
    now = start
    send = Recorder()
    while now <= end:
        tick(db, now, send)
        now += timedelta(minutes=30)
    got = [(k, o, lead) for _, k, o, lead, status in sent_rows(db) if status == "sent"]
    assert len(got) == len(set(got)) == len(send.calls)
    assert set(got) == expected


# --- chats: blocked, not found, migrated, time zone ------------------------------------------


def _chat(db: Database, chat_id: int) -> tuple[int, str | None]:
    row = db.execute(
        "SELECT active, inactive_reason FROM chats WHERE chat_id = ?", [chat_id]
    ).fetchone()
    return row[0], row[1]


def test_blocked_deactivates_the_chat(partyday: Database) -> None:
    send = Recorder(SendOutcome.blocked("Forbidden: bot was blocked by the user"))
    report = tick(partyday, local("2026-01-01 09:00"), send)
    assert report.deactivated == [CHAT]
    active, reason = _chat(partyday, CHAT)
    assert active == 0 and reason is not None and reason.startswith("blocked")
    assert due(partyday, local("2026-01-04 08:00")) == []
    assert tick(partyday, local("2026-01-04 08:00"), send).sent == []
    reactivate_chat(partyday, CHAT)  # the chat talks to the bot again
    assert [r.lead.key for r in due(partyday, local("2026-01-04 08:00"))] == ["0d@08:00"]


def test_chat_not_found_deactivates(partyday: Database) -> None:
    tick(partyday, local("2026-01-01 09:00"), Recorder(SendOutcome.not_found("chat not found")))
    assert _chat(partyday, CHAT)[0] == 0


def test_migration_moves_schedules_and_sends_to_the_new_id(partyday: Database) -> None:
    new = -1009999
    save_schedule(partyday, CHAT, "支委会", "每月第一个周日", now=SAVED)
    send = Recorder(SendOutcome.migrated(new))
    report = tick(partyday, local("2026-01-01 09:00"), send)
    assert report.migrated == [(CHAT, new)]
    assert [c for c, _ in send.calls] == [CHAT, new]
    assert len(report.sent) == 1 and report.sent[0].chat_id == new
    assert list_schedules(partyday, CHAT) == []
    assert [s.kind for s in list_schedules(partyday, new)] == ["主题党日", "支委会"]
    assert _chat(partyday, CHAT) == (0, f"migrated_to:{new}")
    assert _chat(partyday, new) == (1, None)
    title = partyday.execute("SELECT title, type FROM chats WHERE chat_id = ?", [new]).fetchone()
    assert title == ("红星村党支部", "supergroup")
    assert {r[0] for r in sent_rows(partyday)} == {new}
    # the rest of the migrated chat's reminders go to the new id, once
    later = tick(partyday, local("2026-01-04 08:00"), send)
    assert {r.chat_id for r in later.sent} == {new}
    assert len(tick(partyday, local("2026-01-04 08:01"), send).sent) == 0


def test_chat_time_zone(partyday: Database) -> None:
    set_chat_tz(partyday, CHAT, "Europe/Berlin", now=SAVED)
    assert due(partyday, datetime(2026, 1, 1, 1, 0, tzinfo=UTC)) == []
    items = due(partyday, datetime(2026, 1, 1, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    assert len(items) == 1 and items[0].tz == "Europe/Berlin"
    with pytest.raises(RuleError):
        set_chat_tz(partyday, CHAT, "Mars/Olympus")


def test_custom_leads(db: Database) -> None:
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED, leads="前一天 18:00")
    items = due(db, local("2026-01-03 18:00"))
    assert [r.lead.label for r in items] == ["前一天 18:00"]
    assert items[0].render(local("2026-01-03 18:00")).startswith("【提醒】明天是主题党日")
    # re-saving without leads keeps them
    assert save_schedule(db, CHAT, "主题党日", "每月第一个周五", now=SAVED).leads == (
        Lead(1, time(18)),
    )


def test_pause_and_resume(partyday: Database) -> None:
    assert set_schedule_active(partyday, CHAT, "主题党日", False, now=SAVED)
    assert due(partyday, local("2026-01-01 09:00")) == []
    assert set_schedule_active(partyday, CHAT, "主题党日", True, now=local("2026-01-02 00:00"))
    assert due(partyday, local("2026-01-02 00:01")) == []  # not sent late
    assert len(due(partyday, local("2026-01-04 08:00"))) == 1


# --- schedules API ---------------------------------------------------------------------------


def test_invalid_rule_saves_nothing(db: Database) -> None:
    with pytest.raises(RuleError, match="支持的写法"):
        save_schedule(db, CHAT, "主题党日", "看情况再定", now=SAVED)
    assert list_schedules(db, CHAT) == []
    assert db.execute("SELECT count(*) FROM chats").fetchone()[0] == 0


def test_several_schedules_custom_kind_and_aliases(db: Database) -> None:
    save_schedule(db, CHAT, "读书会", "每周三", now=SAVED)
    save_schedule(db, CHAT, "支部委员会", "每月最后一个工作日", now=SAVED)
    save_schedule(db, CHAT, "党日", "每月第一个周五", now=SAVED)
    save_schedule(db, CHAT, "主题党日", "每月15日", now=SAVED)  # same kind: replaced
    kinds = [s.kind for s in list_schedules(db, CHAT)]
    assert kinds == ["主题党日", "支委会", "读书会"]
    text = render_schedules(db, CHAT, date(2026, 1, 1))
    assert "主题党日：每月15日，遇节假日顺延" in text and "读书会：每周三" in text
    assert "提醒：提前3天 09:00、当天 08:00" in text
    assert normalize_kind(" 生活会 ") == "组织生活会"
    with pytest.raises(RuleError):
        normalize_kind("")
    assert "还没有设置" in render_schedules(db, 42, date(2026, 1, 1))


def test_render_schedule(partyday: Database) -> None:
    sched = get_schedule(partyday, CHAT, "主题党日")
    assert sched is not None
    lines = render_schedule(sched, date(2026, 1, 1), 2).splitlines()
    assert lines[0] == "主题党日：每月第一个周五，遇节假日顺延"
    assert lines[2].startswith("1. 2026年1月4日（周日）——原定1月2日")
    assert lines[3] == "2. 2026年2月6日（周五）"


def test_chat_ics_has_every_schedule_with_stable_uids(partyday: Database) -> None:
    from icalendar import Calendar

    save_schedule(partyday, CHAT, "支委会", "每月最后一个工作日", now=SAVED)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    a = chat_ics(partyday, CHAT, date(2026, 1, 1), count=3, stamp=stamp)
    b = chat_ics(partyday, CHAT, date(2026, 1, 1), count=3, stamp=stamp + timedelta(days=3))
    events = Calendar.from_ical(a).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["主题党日"] * 3 + ["支委会"] * 3
    uids = lambda data: sorted(str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT"))  # noqa: E731
    assert uids(a) == uids(b)
    only = Calendar.from_ical(chat_ics(partyday, CHAT, date(2026, 1, 1), kind="党日", count=2))
    assert len(only.walk("VEVENT")) == 2


# --- hints, outcomes, loop, naive clock ------------------------------------------------------


def test_hint_sources(tmp_path: Path) -> None:
    hints = tmp_path / "hints.yaml"
    hints.write_text("主题党日: 定主题\n_default: 通用提示\n", encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(
        "rules:\n  - id: zzsh.dangke_pinci\n    reminder_hint: 备好讲稿\n", encoding="utf-8"
    )
    (rules / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    assert preparation_hint("主题党日", hints_path=hints, rules_dir=rules) == "定主题"
    assert preparation_hint("党课", hints_path=hints, rules_dir=rules) == "备好讲稿"
    assert preparation_hint("读书会", hints_path=hints, rules_dir=rules) == "通用提示"
    missing = tmp_path / "none.yaml"
    assert preparation_hint("读书会", hints_path=missing, rules_dir=rules).startswith(
        "提前确定议题"
    )
    for kind in ("主题党日", "支委会", "党员大会", "党小组会", "党课", "组织生活会"):
        assert preparation_hint(kind)  # the bundled file covers every standard kind


def test_kind_rule_ids_point_at_existing_rule_entries() -> None:
    ids: set[str] = set()
    for path in RULES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        ids.update(str(e.get("id")) for e in data.get("rules") or [] if isinstance(e, dict))
    assert ids, f"no rule entries under {RULES_DIR}"
    assert set(KIND_RULE_IDS.values()) <= ids


def test_outcome_from_error() -> None:
    assert outcome_from_error("Forbidden: bot was blocked by the user").status is SendStatus.BLOCKED
    assert (
        outcome_from_error("Forbidden: bot was kicked from the group chat").status
        is SendStatus.BLOCKED
    )
    assert outcome_from_error("Bad Request: chat not found").status is SendStatus.NOT_FOUND
    assert outcome_from_error("Timed out").status is SendStatus.RETRY
    assert (
        outcome_from_error("Flood control exceeded. Retry in 5 seconds").status is SendStatus.RETRY
    )
    migrated = outcome_from_error("Group migrated to supergroup", new_chat_id=-100777)
    assert migrated == SendOutcome.migrated(-100777)
    with pytest.raises(ValueError):
        SendOutcome(SendStatus.MIGRATED)


async def test_run_forever_with_injected_clock_and_sleep(partyday: Database) -> None:
    times = iter([local("2026-01-01 08:59"), local("2026-01-01 08:59"), local("2026-01-01 09:00")])
    stop = asyncio.Event()
    calls: list[int] = []
    sleeps: list[float] = []

    async def send(chat_id: int, text: str) -> SendOutcome:
        calls.append(chat_id)
        return SendOutcome.sent()

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            stop.set()

    await run_forever(
        partyday, send, interval=30, clock=lambda: next(times), sleep=fake_sleep, stop=stop
    )
    assert calls == [CHAT] and sleeps == [30, 30]


def test_naive_now_is_rejected(partyday: Database) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due(partyday, datetime(2026, 1, 1, 9, 0))


def test_zone_falls_back_to_shanghai() -> None:
    assert zone(None).key == "Asia/Shanghai" and zone("Nowhere/Else").key == "Asia/Shanghai"


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_remind_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = open_db(tmp_path / "env.db")  # conftest points DANGWU_DB here
    save_schedule(db, CHAT, "主题党日", RULE, now=SAVED)
    save_schedule(db, -200, "支委会", "每月第一个周日", now=SAVED, leads="提前3天 9:00")
    db.conn.close()
    assert main(["remind", "due", "--at", "2026-01-01 08:00"]) == 0
    assert "没有要发送的提醒" in capsys.readouterr().out
    assert main(["remind", "due", "--at", "2026-01-01 09:00", "--text"]) == 0
    out = capsys.readouterr().out
    assert "将发送 2 条提醒" in out and f"{CHAT}\t主题党日\t2026-01-04" in out
    assert "【提醒】主题党日还有3天" in out
    assert main(["remind", "due", "--at", "2026-12-03 09:00", "--json", "--all"]) == 0
    data = json.loads(capsys.readouterr().out)
    to_send = [d for d in data if not d["skip_reason"]]
    # nothing ran all year: every earlier meeting is skipped, December's 3-day reminder remains
    assert [(d["kind"], d["occurrence"], d["lead"]) for d in to_send] == [
        ("主题党日", "2026-12-04", "3d@09:00"),
        ("支委会", "2026-12-06", "3d@09:00"),
    ]
    assert all(d["skip_reason"] == PAST_REASON for d in data if d["skip_reason"])
    # dry run: nothing was recorded
    db = open_db(tmp_path / "env.db")
    assert sent_rows(db) == []
    db.conn.close()


def test_cli_schedule_add_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "add", str(CHAT), "党日", "每月第一个周五"]) == 0
    assert "主题党日：每月第一个周五，遇节假日顺延" in capsys.readouterr().out
    assert main(["schedule", "add", str(CHAT), "党课", "不知道"]) == 2
    assert main(["schedule", "list", str(CHAT)]) == 0
    assert "主题党日" in capsys.readouterr().out


def test_cli_remind_due_without_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGWU_DB", str(tmp_path / "missing.db"))
    assert main(["remind", "due", "--at", "2026-01-01 09:00"]) == 1
    assert not (tmp_path / "missing.db").exists()
