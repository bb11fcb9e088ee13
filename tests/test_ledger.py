"""三会一课台账: periods at their edges, per-chat kinds, local dates, chat lines, CLI, exports."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlite_utils import Database

from bot.cli import main
from bot.meetings import ledger as L
from bot.meetings.ledger import Gap, LedgerError

CHAT = -100123
TODAY = date(2026, 11, 23)  # a Monday


def _keys(found: list[Gap]) -> list[tuple[str, str]]:
    return [(g.period, g.status) for g in found]


# ---------------------------------------------------------------- facts and kinds


def test_cadence_facts_are_cited() -> None:
    assert {k: L.cadence(k) for k in L.KINDS} == {
        "支委会": "month", "党员大会": "quarter", "党小组会": "month", "党课": "quarter",
        "主题党日": "month", "组织生活会": "year", "民主评议党员": "year"}
    assert L.citation("支委会") == "《中国共产党支部工作条例（试行）》（2018年10月）第十二条"
    assert L.citation("党员大会").endswith("第十一条")
    assert L.citation("党小组会").endswith("第十三条")
    assert L.citation("组织生活会").endswith("第十七条")


@pytest.mark.parametrize(("text", "kind"), [
    ("支委会", "支委会"), ("支部委员会", "支委会"), ("党支部委员会会议", "支委会"),
    ("党员大会", "党员大会"), ("支部党员大会", "党员大会"), ("支部大会", "党员大会"),
    ("组织生活会", "组织生活会"), ("民主评议", "民主评议党员"), ("民主评议党员", "民主评议党员"),
    ("党课", "党课"), ("主题党日", "主题党日"), ("党日", "主题党日"), ("黨日", "主题党日"),
    ("党小组会", "党小组会"),
])
def test_spellings(text: str, kind: str) -> None:
    assert L.canonical_kind(text) == kind


def test_unknown_kind() -> None:
    with pytest.raises(LedgerError, match="支委会"):
        L.canonical_kind("茶话会")


# ---------------------------------------------------------------- gaps at period edges


def test_month_last_day_then_first_day_of_next(db: Database) -> None:
    L.record(db, CHAT, "支委会", date(2026, 9, 30))
    assert _keys(L.gaps(db, CHAT, date(2026, 10, 31), kinds=["支委会"]))[-1] == ("2026-10", "due")
    after = L.gaps(db, CHAT, date(2026, 11, 1), kinds=["支委会"])
    assert ("2026-10", "overdue") in _keys(after)
    assert ("2026-11", "due") in _keys(after)
    assert "2026-09" not in [g.period for g in after]
    g = next(g for g in after if g.period == "2026-10")
    assert g.due == date(2026, 10, 31)
    # held on the last day of the month: that month is covered
    L.record(db, CHAT, "支委会", date(2026, 10, 31))
    assert "2026-10" not in [g.period for g in L.gaps(db, CHAT, date(2026, 11, 1), kinds=["支委会"])]


def test_quarter_edges(db: Database) -> None:
    assert _keys(L.gaps(db, CHAT, date(2026, 9, 30), kinds=["党员大会"]))[-1] == ("2026-Q3", "due")
    after = L.gaps(db, CHAT, date(2026, 10, 1), kinds=["党员大会"])
    assert ("2026-Q3", "overdue") in _keys(after)
    assert after[-1] == Gap("党员大会", "2026-Q4", "due", date(2026, 12, 31))
    L.record(db, CHAT, "支部党员大会", date(2026, 9, 30))
    assert "2026-Q3" not in [g.period for g in L.gaps(db, CHAT, date(2026, 10, 1), kinds=["党员大会"])]


def test_year_edges_and_january_catch_up(db: Database) -> None:
    assert L.gaps(db, CHAT, date(2026, 12, 31), kinds=["组织生活会"])[-1] == Gap(
        "组织生活会", "2026", "due", date(2026, 12, 31))
    new_year = L.gaps(db, CHAT, date(2027, 1, 1), kinds=["组织生活会"])
    assert _keys(new_year) == [("2026", "overdue"), ("2027", "due")]
    # the 2026 组织生活会 held in January 2027 covers 2026; 2027 still needs its own
    L.record(db, CHAT, "组织生活会", date(2027, 1, 15))
    assert _keys(L.gaps(db, CHAT, date(2027, 1, 20), kinds=["组织生活会"])) == [("2027", "due")]
    # a second one in February then counts for 2027
    L.record(db, CHAT, "组织生活会", date(2027, 2, 20))
    assert L.gaps(db, CHAT, date(2027, 3, 1), kinds=["组织生活会"]) == []


def test_window_is_bounded(db: Database) -> None:
    jan = L.gaps(db, CHAT, date(2026, 1, 15))
    assert {g.period for g in jan if g.kind == "支委会"} == {"2025-12", "2026-01"}
    assert {g.period for g in jan if g.kind == "党课"} == {"2025-Q4", "2026-Q1"}
    assert {g.period for g in jan if g.kind == "民主评议党员"} == {"2025", "2026"}
    nov = L.gaps(db, CHAT, TODAY, kinds=["主题党日"])
    assert [g.period for g in nov] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert L.gaps(db, CHAT, TODAY, kinds=["主题党日"], since=date(2026, 10, 1))[0].period == "2026-10"


def test_overdue_first_then_by_due(db: Database) -> None:
    found = L.gaps(db, CHAT, date(2026, 2, 10))
    statuses = [g.status for g in found]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue")
    assert found[0] == Gap("党员大会", "2025-Q4", "overdue", date(2025, 12, 31))
    # in February the monthly window starts in January (this year = the previous period)
    assert [g.kind for g in found if g.due == date(2025, 12, 31)] == [
        "党员大会", "党课", "组织生活会", "民主评议党员"]
    assert found[4].due == date(2026, 1, 31)


def test_chat_without_a_committee(db: Database) -> None:
    L.set_kind_enabled(db, CHAT, "支部委员会", False)
    assert "支委会" not in L.enabled_kinds(db, CHAT)
    assert all(g.kind != "支委会" for g in L.gaps(db, CHAT, TODAY))
    assert any(g.kind == "支委会" for g in L.gaps(db, CHAT + 1, TODAY))  # other chats: default
    assert any(g.kind == "支委会" for g in L.gaps(db, CHAT, TODAY, kinds=["支委会"]))  # asked for
    L.set_kind_enabled(db, CHAT, "支委会", True)
    assert any(g.kind == "支委会" for g in L.gaps(db, CHAT, TODAY))


def test_caller_passes_the_local_date(db: Database) -> None:
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 2026-12-01 01:00 in Beijing
    local = L.local_today(now, ZoneInfo("Asia/Shanghai"))
    assert local == date(2026, 12, 1)
    assert L.local_today(now, ZoneInfo("America/New_York")) == date(2026, 11, 30)
    beijing = L.gaps(db, CHAT, local, kinds=["支委会"])
    assert ("2026-11", "overdue") in _keys(beijing) and beijing[-1].period == "2026-12"
    assert L.gaps(db, CHAT, now.date(), kinds=["支委会"])[-1] == Gap(
        "支委会", "2026-11", "due", date(2026, 11, 30))
    with pytest.raises(ValueError):
        L.local_today(datetime(2026, 11, 30, 17, 0), ZoneInfo("Asia/Shanghai"))


# ---------------------------------------------------------------- warnings


def test_warnings_before_and_passed(db: Database) -> None:
    only = {"支委会"}
    for k in L.KINDS:
        if k not in only:
            L.set_kind_enabled(db, CHAT, k, False)
    assert L.warnings_due(db, CHAT, date(2026, 11, 24)) == []  # 6 days left, default 5
    w = L.warnings_due(db, CHAT, date(2026, 11, 25))
    assert [x.key for x in w] == [(CHAT, "支委会", "2026-11", "before")]
    assert "11月30日前" in w[0].text(date(2026, 11, 25))
    assert L.warnings_due(db, CHAT, date(2026, 11, 26)) == L.warnings_due(db, CHAT, date(2026, 11, 26))
    assert [x.key for x in L.warnings_due(db, CHAT, date(2026, 11, 20), warn_days=10)] == [
        (CHAT, "支委会", "2026-11", "before")]
    L.set_warn_days(db, CHAT, "支委会", 0)
    assert L.warnings_due(db, CHAT, date(2026, 11, 29)) == []
    assert len(L.warnings_due(db, CHAT, date(2026, 11, 30))) == 1
    passed = L.warnings_due(db, CHAT, date(2026, 12, 1))
    assert [x.key for x in passed] == [(CHAT, "支委会", "2026-11", "passed")]
    assert "已过期" in passed[0].text(date(2026, 12, 1))
    assert L.warnings_due(db, CHAT, date(2026, 12, 20)) == []  # long passed: not again
    L.record(db, CHAT, "支委会", date(2026, 11, 28))
    assert L.warnings_due(db, CHAT, date(2026, 12, 1)) == []


# ---------------------------------------------------------------- records


def test_record_merges_same_kind_same_day(db: Database) -> None:
    a = L.record(db, CHAT, "支委会", date(2026, 11, 20), topic="研究发展对象", expected=7)
    b = L.record(db, CHAT, "支部委员会", date(2026, 11, 20), present=6, chair="李明",
                 source="reminder")
    assert a.id == b.id and b.topic == "研究发展对象" and (b.expected, b.present) == (7, 6)
    assert b.attendance == "7/6" and b.source == "manual"
    assert len(L.list_meetings(db, CHAT, 2026)) == 1


def test_update_delete_and_chat_scoping(db: Database) -> None:
    m = L.record(db, CHAT, "党课", date(2026, 3, 5), topic="初心", chair="王芳")
    with pytest.raises(LedgerError):
        L.update(db, CHAT + 1, m.id, topic="x")
    u = L.update(db, CHAT, m.id, day=date(2026, 4, 5), chair=None, expected=10, present=9)
    assert (u.day, u.chair, u.topic, u.present) == (date(2026, 4, 5), None, "初心", 9)
    with pytest.raises(LedgerError, match="实到"):
        L.update(db, CHAT, m.id, present=11)
    assert not L.delete(db, CHAT + 1, m.id)
    assert L.delete(db, CHAT, m.id)
    assert L.list_meetings(db, CHAT) == []


def test_list_by_year_and_bad_counts(db: Database) -> None:
    L.record(db, CHAT, "党日", date(2025, 12, 31))
    L.record(db, CHAT, "党日", date(2026, 1, 1))
    assert [m.day.year for m in L.list_meetings(db, CHAT, 2026)] == [2026]
    assert len(L.list_meetings(db, CHAT)) == 2
    with pytest.raises(LedgerError):
        L.record(db, CHAT, "支委会", date(2026, 1, 1), expected=5, present=6)
    with pytest.raises(LedgerError):
        L.record(db, CHAT, "支委会", date(2026, 1, 1), expected=-1)
    assert len(L.list_meetings(db, CHAT)) == 2


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(("line", "kind", "day", "topic", "expected", "present", "chair"), [
    ("支委会 今天 研究发展对象 应到7 实到6 主持人李明",
     "支委会", TODAY, "研究发展对象", 7, 6, "李明"),
    ("党员大会 2026-11-20 讨论预备党员转正", "党员大会", date(2026, 11, 20), "讨论预备党员转正",
     None, None, None),
    ("昨天 支部委员会 学习传达上级精神 应到七人 实到六人",
     "支委会", date(2026, 11, 22), "学习传达上级精神", 7, 6, None),
    ("前天 党小组会", "党小组会", date(2026, 11, 21), None, None, None, None),
    ("党课 2026年11月20日 书记讲党课 应到十二 实到10 主持：王芳",
     "党课", date(2026, 11, 20), "书记讲党课", 12, 10, "王芳"),
    ("主题党日 11月20日 志愿服务", "主题党日", date(2026, 11, 20), "志愿服务", None, None, None),
    ("12月5日 组织生活会", "组织生活会", date(2025, 12, 5), None, None, None, None),
    ("上周五 党日 李明主持", "主题党日", date(2026, 11, 20), None, None, None, "李明"),
    ("记录：民主评议 上上周一 议题：年度评议", "民主评议党员", date(2026, 11, 9), "年度评议",
     None, None, None),
    ("支部党员大会 研究发展对象", "党员大会", None, "研究发展对象", None, None, None),
    ("黨員大會 2026/11/20", "党员大会", date(2026, 11, 20), None, None, None, None),
    ("今天开了支委会 研究发展对象", "支委会", TODAY, "研究发展对象", None, None, None),
    ("昨天召开了主题党日活动，主题：重温入党誓词", "主题党日", date(2026, 11, 22), "重温入党誓词",
     None, None, None),
    ("十一月二十日 党员大会 应到会人数：12人，实到会人数：11人，主持人：李明",
     "党员大会", date(2026, 11, 20), None, 12, 11, "李明"),
    ("支委会 11月20日 研究10月工作", "支委会", date(2026, 11, 20), "研究10月工作", None, None, None),
])
def test_parse_record(line: str, kind: str, day: date | None, topic: str | None,
                      expected: int | None, present: int | None, chair: str | None) -> None:
    assert L.parse_record(line, TODAY) == L.RecordRequest(kind, day, topic, expected, present, chair)


@pytest.mark.parametrize(("line", "message"), [
    ("今天开了个会", "哪类会议"),
    ("支委会 2026-12-01", "还没到"),
    ("支委会 2026-02-30", "日期"),
    ("支委会 今天 应到5 实到6", "实到"),
])
def test_parse_record_errors(line: str, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        L.parse_record(line, TODAY)


def test_parse_details() -> None:
    assert L.parse_details("研究发展对象 应到12 实到10 主持人李明") == L.Details(
        "研究发展对象", 12, 10, "李明")
    assert L.parse_details("实到 9人") == L.Details(None, None, 9, None)
    assert L.parse_details("主持人：张三") == L.Details(None, None, None, "张三")
    assert L.parse_details("学习二十大精神") == L.Details("学习二十大精神", None, None, None)
    assert L.parse_details("") == L.Details()


# ---------------------------------------------------------------- render and export


def test_render_gaps_on_top_then_records(db: Database) -> None:
    L.record(db, CHAT, "支委会", date(2026, 1, 10), topic="研究发展对象", expected=7, present=6,
             chair="李明")
    L.record(db, CHAT, "支委会", date(2026, 11, 2))
    text = L.render_ledger(L.list_meetings(db, CHAT, 2026), L.gaps(db, CHAT, TODAY), 2026)
    lines = text.splitlines()
    assert lines[0] == "三会一课台账 · 2026年"
    assert lines[1].startswith("【待补")
    assert "· 支委会：2–10月 已过期" in lines
    assert any(x.startswith("· 党课：一至三季度 已过期；四季度未开（12月31日前）") for x in lines)
    i = lines.index("【支委会】2次")
    assert lines[i + 1] == "一季度 01-10 研究发展对象 实到6/7人 李明"
    assert lines[i + 2] == "四季度 11-02"
    assert max(len(x) for x in lines) <= 40
    assert "没有缺漏" in L.render_ledger([], [], 2026)


def _sample(db: Database) -> list[L.Meeting]:
    L.record(db, CHAT, "支委会", date(2026, 1, 10), topic="研究发展对象", expected=7, present=6,
             chair="李明")
    L.record(db, CHAT, "支委会", date(2026, 2, 10))
    L.record(db, CHAT, "党员大会", date(2026, 3, 1), topic="转正", expected=20, present=18)
    return L.list_meetings(db, CHAT, 2026)


def test_export_docx_opens(db: Database) -> None:
    doc = Document(io.BytesIO(L.export_docx(_sample(db), "2026年三会一课台账")))
    assert doc.paragraphs[0].text == "2026年三会一课台账"
    assert len(doc.tables) == 2
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["日期", "议题", "应到/实到", "主持人"]
    assert [c.text for c in first.rows[1].cells] == ["2026-01-10", "研究发展对象", "7/6", "李明"]
    assert len(first.rows) == 3 and first.rows[2].cells[2].text == "—"
    assert [c.text for c in doc.tables[1].rows[1].cells][:3] == ["2026-03-01", "转正", "20/18"]
    assert "暂无记录" in Document(io.BytesIO(L.export_docx([], "空"))).paragraphs[1].text


def test_export_xlsx_opens(db: Database) -> None:
    wb = load_workbook(io.BytesIO(L.export_xlsx(_sample(db))))
    ws = wb.active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("会议类型", "日期", "议题", "应到", "实到", "主持人")
    assert rows[1][0] == "支委会" and rows[1][1] == datetime(2026, 1, 10)
    assert rows[1][2:] == ("研究发展对象", 7, 6, "李明")
    assert [r[0] for r in rows[1:]] == ["支委会", "支委会", "党员大会"]


# ---------------------------------------------------------------- CLI


def test_cli_add_list_gaps_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ledger", "add", "--chat", "-5", "支部委员会", "2026-11-20", "--topic",
                 "研究发展对象", "--expected", "7", "--present", "6", "--chair", "李明"]) == 0
    assert "已记录" in capsys.readouterr().out
    assert main(["ledger", "list", "--chat", "-5", "--year", "2026", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["kind"] == "支委会" and listed[0]["date"] == "2026-11-20"

    assert main(["ledger", "gaps", "--chat", "-5", "--at", "2026-11-30", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    found = json.loads(out)
    assert all(set(g) == {"kind", "period", "status", "due"} for g in found)
    assert {"kind": "支委会", "period": "2026-10", "status": "overdue", "due": "2026-10-31"} in found
    assert not any(g["kind"] == "支委会" and g["period"] == "2026-11" for g in found)
    assert {"kind": "党员大会", "period": "2026-Q4", "status": "due", "due": "2026-12-31"} in found

    assert main(["ledger", "kind", "--chat", "-5", "支委会", "off"]) == 0
    capsys.readouterr()
    assert main(["ledger", "gaps", "--chat", "-5", "--at", "2026-11-30", "--json"]) == 0
    assert not any(g["kind"] == "支委会" for g in json.loads(capsys.readouterr().out))

    assert main(["ledger", "export", "--chat", "-5", "--year", "2026", "-o", str(tmp_path / "o")]) == 0
    files = sorted(p.suffix for p in (tmp_path / "o").iterdir())
    assert files == [".docx", ".xlsx"]
    for p in (tmp_path / "o").iterdir():
        if p.suffix == ".docx":
            assert Document(str(p)).tables[0].rows[1].cells[1].text == "研究发展对象"
        else:
            assert load_workbook(p).active is not None


def test_cli_unknown_chat_and_bad_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ledger", "gaps", "--chat", "987654", "--at", "2026-01-01", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {"kind": "组织生活会", "period": "2025", "status": "overdue",
            "due": "2025-12-31"} in found
    assert main(["ledger", "list", "--chat", "987654", "--year", "2026"]) == 0
    assert "没有记录" in capsys.readouterr().out
    assert main(["ledger", "add", "--chat", "1", "茶话会", "2026-01-01"]) == 2
    assert "不认识" in capsys.readouterr().err
