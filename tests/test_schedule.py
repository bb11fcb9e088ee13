"""Schedule rules → holiday-aware dates, over 2025–2026 with the real official calendar.

Every holiday fact asserted here is first checked against chinese_calendar itself, so a test
failure says "our logic is wrong", never "the test author misremembered the calendar".
"""

from __future__ import annotations

import calendar as pycalendar
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from icalendar import Calendar

from bot.cli import main
from bot.meetings.schedule import (
    DEFAULT_LEADS,
    AmbiguousRule,
    HolidayPolicy,
    Lead,
    RuleError,
    day_info,
    event_uid,
    fire_at,
    next_dates,
    official_years,
    parse_clock,
    parse_leads,
    parse_move,
    parse_rule,
    render_next_dates,
    to_ics,
)

D = date.fromisoformat
SH = ZoneInfo("Asia/Shanghai")


def dates(rule: str, start: str, count: int) -> list[date]:
    return [o.date for o in next_dates(rule, D(start), count)]


# --- the calendar facts the tests rely on ---------------------------------------------------


def test_calendar_facts_from_chinese_calendar() -> None:
    for day in range(1, 9):  # 2025 国庆 + 中秋: 10-01 .. 10-08
        assert chinese_calendar.is_holiday(date(2025, 10, day))
    assert chinese_calendar.is_workday(D("2025-09-28")) and D("2025-09-28").weekday() == 6
    assert chinese_calendar.is_workday(D("2025-10-11")) and D("2025-10-11").weekday() == 5
    assert chinese_calendar.is_holiday(D("2026-01-02")) and D("2026-01-02").weekday() == 4
    assert chinese_calendar.is_holiday(D("2026-01-03"))
    assert chinese_calendar.is_workday(D("2026-01-04")) and D("2026-01-04").weekday() == 6
    assert chinese_calendar.is_workday(D("2026-02-28")) and D("2026-02-28").weekday() == 5
    assert chinese_calendar.is_holiday(D("2026-10-02")) and D("2026-10-02").weekday() == 4


def test_day_info_agrees_with_chinese_calendar_for_2025_and_2026() -> None:
    d = D("2025-01-01")
    while d.year < 2027:
        info = day_info(d)
        assert info.workday == chinese_calendar.is_workday(d), d
        assert info.official
        d += timedelta(days=1)
    assert day_info(D("2025-10-11")).makeup == "国庆节"
    assert day_info(D("2026-01-02")).holiday == "元旦"


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("每月15日", "每月15日，遇节假日顺延"),
        ("每月15号", "每月15日，遇节假日顺延"),
        ("每月十五号", "每月15日，遇节假日顺延"),
        ("每月15日，遇节假日顺延", "每月15日，遇节假日顺延"),
        ("每月 15 日（遇节假日提前）", "每月15日，遇节假日提前"),
        ("每月15日，遇节假日不调整", "每月15日，节假日不调整"),
        ("每月第一个周五", "每月第一个周五，遇节假日顺延"),
        ("每月第1个星期五", "每月第一个周五，遇节假日顺延"),
        ("每个月的第一个礼拜五", "每月第一个周五，遇节假日顺延"),
        ("每月第三个周三", "每月第三个周三，遇节假日顺延"),
        ("每月第五个周五", "每月第五个周五，遇节假日顺延"),
        ("每月最后一个周四", "每月最后一个周四，遇节假日顺延"),
        ("每月最后一个星期天", "每月最后一个周日，遇节假日顺延"),
        ("每月第二个工作日", "每月第二个工作日"),
        ("每月最后一个工作日", "每月最后一个工作日"),
        ("每月最后一天", "每月最后一天，遇节假日顺延"),
        ("每季度第一个月10日", "每季度首月10日，遇节假日顺延"),
        ("每季度首月第一个周三 提前", "每季度首月第一个周三，遇节假日提前"),
        ("每年7月1日", "每年7月1日，遇节假日顺延"),
        ("每年十二月第二个周五", "每年12月第二个周五，遇节假日顺延"),
        ("每周一", "每周一，遇节假日顺延"),
        ("每星期日", "每周日，遇节假日顺延"),
        ("每月第一个周五 14:30", "每月第一个周五，遇节假日顺延 14:30"),
        ("每月第一个周五下午2点半", "每月第一个周五，遇节假日顺延 14:30"),
        ("每月第一个周五召开", "每月第一个周五，遇节假日顺延"),
        ("每月第一个周五（如遇节假日则顺延）", "每月第一个周五，遇节假日顺延"),
        ("每月15日，节假日顺延至下一个工作日", "每月15日，遇节假日顺延"),
        ("每月15日遇节假日提前到前一个工作日举行", "每月15日，遇节假日提前"),
        ("每月第一个周五 节假日照常", "每月第一个周五，节假日不调整"),
    ],
)
def test_parse_supported_forms(text: str, canonical: str) -> None:
    rule = parse_rule(text)
    assert rule.canonical == canonical
    again = parse_rule(rule.canonical)  # the stored form parses to the same rule
    assert (again.recurrence, again.policy, again.meeting_time) == (
        rule.recurrence,
        rule.policy,
        rule.meeting_time,
    )


def test_rrule_text() -> None:
    assert parse_rule("每月第一个周五").rrule_text == "FREQ=MONTHLY;BYDAY=+1FR"
    assert parse_rule("每月最后一个周四").rrule_text == "FREQ=MONTHLY;BYDAY=-1TH"
    assert parse_rule("每季度首月10日").rrule_text == "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=10"
    assert parse_rule("每年7月1日").rrule_text == "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=1"
    assert parse_rule("每周一").rrule_text == "FREQ=WEEKLY;BYDAY=MO"


def test_policy_default_and_explicit() -> None:
    assert parse_rule("每月15日").policy is HolidayPolicy.POSTPONE
    assert parse_rule("每月15日", HolidayPolicy.KEEP).policy is HolidayPolicy.KEEP
    assert parse_rule("每月15日 提前", HolidayPolicy.KEEP).policy is HolidayPolicy.ADVANCE
    # a working-day rule never needs shifting
    assert parse_rule("每月最后一个工作日，遇节假日顺延").policy is HolidayPolicy.KEEP


def test_unknown_phrase_lists_supported_forms() -> None:
    with pytest.raises(RuleError) as err:
        parse_rule("隔周开一次")
    msg = str(err.value)
    assert "无法识别“隔周开一次”" in msg
    for example in ("每月15日", "每月第一个周五", "每月最后一个工作日", "每季度首月", "每周一"):
        assert example in msg


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "请写出"),
        ("每月第六个周五", "最多有 5 个"),
        ("每月32日", "没有32日"),
        ("每年2月30日", "2月没有30日"),
        ("每年4月31日", "4月没有31日"),
        ("每年13月1日", "1–12"),
        ("每月15日 顺延 提前", "两种"),
        ("每月第30个工作日", "23"),
        ("每月第一个周五 25:00", "时间"),
        ("每月第一个周五 早点开", "无法识别"),
        ("每月1号、15号", "无法识别"),
    ],
)
def test_bad_rules_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment):
        parse_rule(text)


def test_parse_clock() -> None:
    assert parse_clock("9:00") == time(9)
    assert parse_clock("下午3点") == time(15)
    assert parse_clock("上午九点半") == time(9, 30)
    assert parse_clock("晚上7点20分") == time(19, 20)
    assert parse_clock("中午12点") == time(12)


# --- dates over 2025–2026 with the real calendar -------------------------------------------


def test_first_friday_2026_full_year() -> None:
    occ = next_dates("每月第一个周五，遇节假日顺延", D("2026-01-01"), 12)
    assert [o.date.isoformat() for o in occ] == [
        "2026-01-04",  # 1-02 元旦 → 1-03 off → 1-04 Sunday make-up workday
        "2026-02-06",
        "2026-03-06",
        "2026-04-03",
        "2026-05-06",  # 5-01 劳动节, holiday until 5-05
        "2026-06-05",
        "2026-07-03",
        "2026-08-07",
        "2026-09-04",
        "2026-10-08",  # 10-02 国庆, holiday until 10-07
        "2026-11-06",
        "2026-12-04",
    ]
    assert [o.shifted for o in occ].count(True) == 3
    assert not any(o.provisional for o in occ)


def test_first_friday_holiday_postponed_onto_weekend_makeup_workday() -> None:
    first = next_dates("每月第一个周五，遇节假日顺延", D("2026-01-01"), 1)[0]
    assert chinese_calendar.is_holiday(first.original_date)
    assert first.original_date == D("2026-01-02")
    assert first.date == D("2026-01-04")
    assert first.date.weekday() == 6 and chinese_calendar.is_workday(first.date)
    assert first.weekday == "周日"
    assert first.shifted
    assert "元旦" in first.reason and "顺延" in first.reason and "调休上班日" in first.reason


def test_national_day_2025_postpone_advance_keep() -> None:
    base = "每月第一个周五"
    postponed = next_dates(f"{base}，遇节假日顺延", D("2025-10-01"), 1)[0]
    assert (postponed.original_date, postponed.date) == (D("2025-10-03"), D("2025-10-09"))
    assert "国庆节" in postponed.reason
    advanced = next_dates(f"{base}，遇节假日提前", D("2025-09-01"), 2)[1]
    assert (advanced.original_date, advanced.date) == (D("2025-10-03"), D("2025-09-30"))
    assert chinese_calendar.is_workday(D("2025-09-30"))
    kept = next_dates(f"{base}，不调整", D("2025-10-01"), 1)[0]
    assert kept.date == D("2025-10-03") and not kept.shifted
    assert "不调整" in kept.reason


def test_advance_lands_on_weekend_makeup_workday() -> None:
    # 2026-02-14 (Saturday) is the make-up workday before the Spring Festival break
    occ = next_dates("每月第三个周一，遇节假日提前", D("2026-02-01"), 1)[0]
    assert occ.original_date == D("2026-02-16")
    assert occ.date == D("2026-02-14") and chinese_calendar.is_workday(occ.date)
    assert "调休上班日" in occ.reason


def test_weekend_rule_moves_only_for_public_holidays() -> None:
    sat = "每月第一个周六，遇节假日顺延"
    assert dates(sat, "2025-11-01", 1) == [D("2025-11-01")]  # an ordinary Saturday stays
    assert dates(sat, "2025-10-01", 1) == [D("2025-10-09")]  # 10-04 is inside 国庆
    makeup = next_dates("每月第二个周六", D("2025-10-01"), 1)[0]
    assert makeup.date == D("2025-10-11") and not makeup.shifted
    assert "调休上班日" in makeup.reason


def test_month_day_on_weekend_and_holiday() -> None:
    occ = next_dates("每月15日，遇节假日顺延", D("2025-11-01"), 4)
    assert [o.date for o in occ] == [
        D("2025-11-17"),
        D("2025-12-15"),
        D("2026-01-15"),
        D("2026-02-24"),
    ]
    assert "周末" in occ[0].reason
    assert "春节" in occ[3].reason


def test_working_day_rules_match_chinese_calendar_every_month() -> None:
    firsts = next_dates("每月第一个工作日", D("2025-01-01"), 24)
    lasts = next_dates("每月最后一个工作日", D("2025-01-01"), 24)
    thirds = next_dates("每月第三个工作日", D("2025-01-01"), 24)
    for i in range(24):
        year, month = 2025 + i // 12, i % 12 + 1
        end = date(year, month, pycalendar.monthrange(year, month)[1])
        work = chinese_calendar.get_workdays(date(year, month, 1), end)
        assert firsts[i].date == work[0]
        assert lasts[i].date == work[-1]
        assert thirds[i].date == work[2]
        assert not firsts[i].shifted and not lasts[i].shifted
    assert firsts[12].date == D("2026-01-04")  # a Sunday make-up workday
    assert lasts[13].date == D("2026-02-28")  # a Saturday make-up workday
    assert firsts[9].date == D("2025-10-09")


def test_month_without_fifth_friday_is_skipped_and_said() -> None:
    occ = next_dates("每月第五个周五", D("2026-01-01"), 4)
    assert [o.date for o in occ] == [
        D("2026-01-30"),
        D("2026-05-29"),
        D("2026-07-31"),
        D("2026-10-30"),
    ]
    for o in occ:
        assert o.original_date.weekday() == 4 and o.original_date.day > 28  # nothing invented
    assert occ[1].skipped == ("2026年2月", "2026年3月", "2026年4月")
    assert "没有第五个周五" in occ[1].note and "已跳过" in occ[1].note
    assert parse_rule("每月第五个周五").skip_warning


def test_month_ends_31st_and_last_day() -> None:
    occ = next_dates("每月31日，不调整", D("2025-01-01"), 7)
    assert all(o.original_date.day == 31 for o in occ)
    assert [o.date.month for o in occ] == [1, 3, 5, 7, 8, 10, 12]
    assert occ[1].skipped == ("2025年2月",)
    last = next_dates("每月最后一天，遇节假日顺延", D("2026-01-01"), 3)
    assert [o.original_date for o in last] == [D("2026-01-31"), D("2026-02-28"), D("2026-03-31")]
    assert last[0].date == D("2026-02-02")  # Saturday → Monday
    assert last[1].date == D("2026-02-28") and not last[1].shifted  # make-up workday


def test_leap_years() -> None:
    occ = next_dates("每月29日", D("2024-01-01"), 3)
    assert occ[1].date == D("2024-02-29") and chinese_calendar.is_workday(D("2024-02-29"))
    after = next_dates("每月29日", D("2025-02-06"), 1)[0]  # 1-29 春节 → 2-05, before
    assert after.original_date == D("2025-03-29") and after.skipped == ("2025年2月",)
    leap = next_dates("每年2月29日", D("2025-01-01"), 2)
    assert leap[0].original_date == D("2028-02-29")
    assert leap[1].original_date == D("2032-02-29")
    assert leap[0].provisional == (2028 not in official_years())


def test_quarter_rules() -> None:
    assert dates("每季度首月10日", "2025-01-01", 4) == [
        D("2025-01-10"),
        D("2025-04-10"),
        D("2025-07-10"),
        D("2025-10-10"),
    ]
    occ = next_dates("每季度首月第一个周三 提前", D("2026-01-01"), 4)
    assert [o.date for o in occ] == [
        D("2026-01-07"),
        D("2026-04-01"),
        D("2026-07-01"),
        D("2026-09-30"),
    ]
    assert occ[3].original_date == D("2026-10-07") and "国庆节" in occ[3].reason


def test_yearly_rules() -> None:
    assert dates("每年7月1日", "2025-01-01", 2) == [D("2025-07-01"), D("2026-07-01")]
    assert dates("每年10月1日", "2025-01-01", 2) == [D("2025-10-09"), D("2026-10-08")]


def test_weekly_two_mondays_shifted_onto_one_day_become_one_meeting() -> None:
    occ = next_dates("每周一", D("2026-02-09"), 3)
    assert [o.date for o in occ] == [D("2026-02-09"), D("2026-02-24"), D("2026-03-02")]
    assert "合并" in occ[1].reason


def test_start_boundaries() -> None:
    # a base date before the start that is postponed past it still counts
    assert dates("每月第一个周五", "2026-01-03", 1) == [D("2026-01-04")]
    # an advanced date that lands before the start does not
    assert dates("每月第一个周五 提前", "2026-10-01", 1) == [D("2026-11-06")]
    assert dates("每月15日", "2026-04-15", 1) == [D("2026-04-15")]
    assert next_dates("每月15日", D("2026-01-01"), 0) == []


def test_year_without_official_data_does_not_crash_and_is_provisional() -> None:
    occ = next_dates("每月第一个周五，遇节假日顺延", D("2026-11-01"), 6)
    assert len(occ) == 6
    later = [o for o in occ if o.date.year == 2027]
    assert later
    official = 2027 in official_years()
    for o in later:
        assert o.provisional is (not official)
        if not official:
            assert "待国务院公布" in o.note
    if not official:
        # 2027-01-01 (元旦, computable by rule) is the first Friday → 顺延 to Monday 01-04
        assert later[0].original_date == D("2027-01-01") and later[0].date == D("2027-01-04")
        assert "元旦" in later[0].reason
    far = next_dates("每月第一个工作日", D("2099-12-01"), 3)
    assert len(far) == 3 and all(o.provisional for o in far)


def test_as_dict_and_line() -> None:
    first = next_dates("每月第一个周五", D("2026-01-01"), 1)[0]
    data = first.as_dict()
    for key in ("date", "weekday", "original_date", "shifted", "reason", "provisional"):
        assert key in data
    assert data["date"] == "2026-01-04" and data["original_date"] == "2026-01-02"
    assert first.line().startswith("2026-01-04 周日  原定1月2日")


def test_render_next_dates() -> None:
    text = render_next_dates("每月第一个周五", D("2026-01-01"), 3, title="主题党日")
    lines = text.splitlines()
    assert lines[0] == "主题党日：每月第一个周五，遇节假日顺延"
    assert lines[1].startswith("1. 2026年1月4日（周日）——原定1月2日")
    assert lines[3] == "3. 2026年3月6日（周五）"


# --- leads -------------------------------------------------------------------------------------


def test_parse_leads() -> None:
    assert parse_leads("提前3天 9:00，当天 8:00") == DEFAULT_LEADS
    assert parse_leads("3d@09:00,0d@08:00") == DEFAULT_LEADS
    assert parse_leads("前一天 下午6点") == (Lead(1, time(18)),)
    assert parse_leads("提前七天 9:00；当日 7:30") == (Lead(7, time(9)), Lead(0, time(7, 30)))
    assert Lead(3, time(9)).key == "3d@09:00" and Lead.from_key("3d@09:00") == Lead(3, time(9))
    assert Lead(0, time(8)).label == "当天 08:00"
    for bad in ("", "明天", "提前40天 9:00", "当天 26:00"):
        with pytest.raises(RuleError):
            parse_leads(bad)


def test_fire_at_uses_the_chat_time_zone() -> None:
    lead = Lead(3, time(9))
    assert fire_at(D("2026-01-04"), lead, SH) == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert fire_at(D("2026-01-04"), lead, berlin) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


# --- .ics ---------------------------------------------------------------------------------------

STAMP = datetime(2026, 10, 30, tzinfo=UTC)


def _events(data: bytes) -> list[dict[str, object]]:
    cal = Calendar.from_ical(data)
    return [
        {
            "uid": str(ev["UID"]),
            "start": ev.decoded("DTSTART"),
            "alarms": [a.decoded("TRIGGER") for a in ev.walk("VALARM")],
        }
        for ev in cal.walk("VEVENT")
    ]


def test_ics_next_twelve_with_alarms_and_timezone() -> None:
    data = to_ics("每月第一个周五，遇节假日顺延", D("2026-11-01"), stamp=STAMP)
    cal = Calendar.from_ical(data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    events = _events(data)
    expected = next_dates("每月第一个周五，遇节假日顺延", D("2026-11-01"), 12)
    assert [e["start"] for e in events] == [o.date for o in expected]
    for e in events:  # 3 days before 09:00 and on the day 08:00, relative to the all-day start
        assert e["alarms"] == [timedelta(days=-3, hours=9), timedelta(hours=8)]
    assert len({e["uid"] for e in events}) == 12


def test_ics_uids_are_stable_across_exports() -> None:
    a = _events(to_ics("每月第一个周五", D("2026-01-01"), 6, stamp=STAMP))
    b = _events(to_ics("每月第一个周五", D("2026-03-01"), 6, stamp=STAMP + timedelta(days=9)))
    by_start_a = {e["start"]: e["uid"] for e in a}
    by_start_b = {e["start"]: e["uid"] for e in b}
    common = set(by_start_a) & set(by_start_b)
    assert len(common) == 4
    assert all(by_start_a[d] == by_start_b[d] for d in common)
    # moving a date (policy change) keeps its UID, so the calendar app updates the event
    uid = event_uid("local", "主题党日", D("2026-01-02"))
    postponed = _events(to_ics("每月第一个周五", D("2025-12-01"), 3, stamp=STAMP))
    advanced = _events(to_ics("每月第一个周五 提前", D("2025-12-01"), 3, stamp=STAMP))
    assert [e["start"] for e in postponed if e["uid"] == uid] == [D("2026-01-04")]
    assert [e["start"] for e in advanced if e["uid"] == uid] == [D("2025-12-31")]


def test_ics_with_meeting_time_uses_tzid() -> None:
    data = to_ics("每月第一个周五 14:30", D("2026-11-01"), 2, name="主题党日", stamp=STAMP)
    raw = data.decode()
    assert "DTSTART;TZID=Asia/Shanghai:20261106T143000" in raw
    ev = _events(data)[0]
    start = ev["start"]
    assert isinstance(start, datetime) and start.utcoffset() == timedelta(hours=8)
    assert ev["alarms"] == [
        -timedelta(days=3, hours=5, minutes=30),
        -timedelta(hours=6, minutes=30),
    ]


def test_ics_into_years_without_data() -> None:
    data = to_ics("每月最后一个工作日", D("2026-11-01"), 12, stamp=STAMP)
    assert len(_events(data)) == 12


# --- CLI -------------------------------------------------------------------------------------


def test_cli_schedule_next_text(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "schedule",
            "next",
            "每月第一个周五，遇节假日顺延",
            "--from",
            "2026-01-01",
            "--count",
            "12",
        ]
    )
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12
    assert lines[0].startswith("2026-01-04 周日  原定1月2日（周五）逢元旦假期，顺延")
    assert lines[1] == "2026-02-06 周五"


def test_cli_schedule_next_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        ["schedule", "next", "每月第一个周五", "--from", "2026-09-01", "--count", "2", "--json"]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data[1] == {
        "date": "2026-10-08",
        "weekday": "周四",
        "original_date": "2026-10-02",
        "shifted": True,
        "reason": "原定10月2日（周五）逢国庆节假期，顺延",
        "provisional": False,
        "skipped_months": [],
        "note": "原定10月2日（周五）逢国庆节假期，顺延",
    }


def test_cli_schedule_next_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "next", "看情况"]) == 2
    assert "支持的写法" in capsys.readouterr().err
    assert main(["schedule", "next", "每周一", "--from", "2026/01/01"]) == 2


def test_cli_schedule_ics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "partyday.ics"
    rc = main(
        [
            "schedule",
            "ics",
            "每月第一个周五",
            "--from",
            "2026-11-01",
            "--count",
            "12",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    assert "partyday.ics" in capsys.readouterr().out
    assert len(_events(out.read_bytes())) == 12


# --- the forms added for secretaries' phrasing (quarter-end, 旬, lunar, one-off, 单双月) --------

TODAY = D("2026-12-04")  # a Friday


def originals(rule: str, start: str, count: int, today: date = TODAY) -> list[date]:
    return [o.original_date for o in next_dates(parse_rule(rule, today=today), D(start), count)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("每季度最后一个月的最后一个周四", "每季度末月最后一个周四，遇节假日顺延"),
        ("每季度末月的15日", "每季度末月15日，遇节假日顺延"),
        ("每季度末月第一个周一", "每季度末月第一个周一，遇节假日顺延"),
        ("每季度第三个月15号 提前", "每季度末月15日，遇节假日提前"),
        ("每季度第一个月的第一个周五", "每季度首月第一个周五，遇节假日顺延"),
        ("每季度第二个月10日", "每季度第二个月10日，遇节假日顺延"),
        ("每季度第一个周五", "每季度首月第一个周五，遇节假日顺延"),  # the quarter's first Friday
        ("每季度最后一个工作日", "每季度末月最后一个工作日"),  # the quarter's last working day
        ("每季度最后一天", "每季度末月最后一天，遇节假日顺延"),
        ("每年一月和七月第一个周五", "每年1月、7月第一个周五，遇节假日顺延"),
        ("每年1月、7月15日", "每年1月、7月15日，遇节假日顺延"),
        ("每年6月和12月最后一个工作日", "每年6月、12月最后一个工作日"),
        ("每年1月、4月、7月、10月10日", "每季度首月10日，遇节假日顺延"),
        ("每年12月下旬第一个工作日", "每年12月下旬第一个工作日"),
        ("每月中旬第二个工作日", "每月中旬第二个工作日"),
        ("每年12月上旬第一个工作日", "每年12月第一个工作日"),
        ("每逢单月第一个周五", "每逢单月第一个周五，遇节假日顺延"),
        ("双月15号", "每逢双月15日，遇节假日顺延"),
        ("每月农历初一", "每月农历初一，遇节假日顺延"),
        ("农历每月十五", "每月农历十五，遇节假日顺延"),
        ("每月初一（农历）", "每月农历初一，遇节假日顺延"),
        ("每个月阴历廿三 提前", "每月农历廿三，遇节假日提前"),
        ("每年农历正月初八", "每年农历正月初八，遇节假日顺延"),
        ("每年农历腊月二十", "每年农历腊月二十，遇节假日顺延"),
        ("2026年12月20日", "2026年12月20日"),
        ("2026-12-20 14:30", "2026年12月20日 14:30"),
        ("2026年12月20日，遇节假日顺延", "2026年12月20日，遇节假日顺延"),
    ],
)
def test_parse_new_forms(text: str, canonical: str) -> None:
    rule = parse_rule(text, today=TODAY)
    assert rule.canonical == canonical
    # stored canonical forms are absolute: parsing them on another day gives the same rule
    again = parse_rule(rule.canonical, today=D("2027-05-05"))
    assert (again.recurrence, again.policy, again.meeting_time) == (
        rule.recurrence,
        rule.policy,
        rule.meeting_time,
    )


def test_quarter_end_rules_dates() -> None:
    # December 2026: Tuesday the 1st, Thursdays 3..31; March 2027 starts on a Monday
    assert dates("每季度最后一个月的最后一个周四", "2026-12-04", 3) == [
        D("2026-12-31"),
        D("2027-03-25"),
        D("2027-06-24"),
    ]
    assert dates("每季度末月15日", "2026-12-04", 3) == [
        D("2026-12-15"),
        D("2027-03-15"),
        D("2027-06-15"),
    ]
    assert dates("每季度末月第一个周一", "2026-12-04", 3) == [
        D("2026-12-07"),
        D("2027-03-01"),
        D("2027-06-07"),
    ]
    # quarter end in 2026 with the official calendar: 9-30 is a Wednesday workday before 国庆
    assert dates("每季度最后一个工作日", "2026-01-01", 4) == [
        D("2026-03-31"),
        D("2026-06-30"),
        D("2026-09-30"),
        D("2026-12-31"),
    ]
    assert parse_rule("每季度末月15日").rrule_text == "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=15"


def test_multi_month_yearly_rules() -> None:
    occ = next_dates("每年一月和七月第一个周五", TODAY, 3)
    assert [o.original_date for o in occ] == [D("2027-01-01"), D("2027-07-02"), D("2028-01-07")]
    assert occ[0].date == D("2027-01-04") and "元旦" in occ[0].reason  # 2027-01-01 is 元旦
    assert dates("每年6月、12月最后一个工作日", "2026-01-01", 2) == [
        D("2026-06-30"),
        D("2026-12-31"),
    ]
    assert dates("每年6月30日", "2026-12-04", 2) == [D("2027-06-30"), D("2028-06-30")]


def test_xun_working_day_rules_match_chinese_calendar() -> None:
    late = next_dates("每年12月下旬第一个工作日", D("2025-01-01"), 2)
    assert [o.date for o in late] == [D("2025-12-22"), D("2026-12-21")]  # 2025-12-21 is a Sunday
    assert dates("每年12月下旬第一个工作日", "2030-01-01", 1) == [D("2030-12-23")]  # Sat 21st
    mid = next_dates("每月中旬第二个工作日", D("2026-01-01"), 12)
    for i, occ in enumerate(mid):
        month = i + 1
        end = date(2026, month, pycalendar.monthrange(2026, month)[1])
        work = chinese_calendar.get_workdays(date(2026, month, 11), end)
        assert occ.date == work[1], month
    assert mid[0].date == D("2026-01-13")  # 1-11 is a Sunday: Mon 12th, Tue 13th
    rule = parse_rule("每年12月下旬第一个工作日")
    assert rule.policy is HolidayPolicy.KEEP
    assert rule.rrule_text.endswith(
        "BYMONTHDAY=21,22,23,24,25,26,27,28,29,30,31;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"
    )


def test_odd_even_and_every_two_months() -> None:
    assert dates("每逢单月第一个周五", "2026-01-01", 3) == [
        D("2026-01-04"),  # 1-02 元旦 → Sunday make-up workday, as for 每月第一个周五
        D("2026-03-06"),
        D("2026-05-06"),
    ]
    assert dates("每逢双月15日", "2026-01-01", 3) == [
        D("2026-02-24"),  # 2-15 in 春节 → 2-24
        D("2026-04-15"),
        D("2026-06-15"),
    ]
    # 每两个月: from the first month whose date is still ahead when the rule is set
    on_friday = parse_rule("每两个月第一个周五", today=TODAY)  # 12-04 is that Friday → 双月
    assert on_friday.canonical == "每逢双月第一个周五，遇节假日顺延"
    day_after = parse_rule("每两个月第一个周五", today=D("2026-12-05"))  # next is January → 单月
    assert day_after.canonical == "每逢单月第一个周五，遇节假日顺延"
    assert originals("每隔一个月15日", "2026-12-04", 3) == [
        D("2026-12-15"),
        D("2027-02-15"),
        D("2027-04-15"),
    ]
    assert on_friday.describe() == "每逢双月第一个周五（2、4、6、8、10、12月），遇节假日顺延"


def test_one_off_dates() -> None:
    for text in (
        "2026年12月20日",
        "12月20日",
        "2026-12-20",
        "2026/12/20",
        "二〇二六年十二月二十日",
    ):
        rule = parse_rule(text, today=TODAY)
        assert rule.recurrence.once == D("2026-12-20"), text
        assert rule.canonical == "2026年12月20日"
        assert rule.policy is HolidayPolicy.KEEP  # the user picked that day
        occ = next_dates(rule, TODAY, 3)
        assert [o.date for o in occ] == [D("2026-12-20")]  # a single occurrence
        assert "周末" in occ[0].reason and not occ[0].shifted  # a Sunday: said, not moved
    assert parse_rule("12月3日", today=TODAY).recurrence.once == D("2027-12-03")  # passed
    assert parse_rule("2月29日", today=TODAY).recurrence.once == D("2028-02-29")
    assert parse_rule("下周五", today=TODAY).recurrence.once == D("2026-12-11")
    assert parse_rule("本周五", today=TODAY).recurrence.once == TODAY
    assert parse_rule("下下周一", today=TODAY).recurrence.once == D("2026-12-14")
    postponed = next_dates("2026年12月20日，遇节假日顺延", TODAY, 1)[0]
    assert postponed.date == D("2026-12-21") and postponed.shifted
    assert next_dates("2026年12月20日", D("2026-12-21"), 3) == []  # passed: nothing left
    assert parse_rule("2026-12-20").describe() == "2026年12月20日（单次）"
    assert (
        parse_rule("2026-12-20").rrule_text == "FREQ=YEARLY;UNTIL=20261220;BYMONTH=12;BYMONTHDAY=20"
    )


def test_lunar_rules_against_lunardate_and_spring_festival() -> None:
    from lunardate import LunarDate

    # 春节 2026-02-17 and 2027-02-06 are 正月初一
    assert originals("每年农历正月初一", "2026-01-01", 2) == [D("2026-02-17"), D("2027-02-06")]
    first = next_dates("每月农历初一", D("2026-02-01"), 2)
    assert first[0].original_date == D("2026-02-17")
    assert first[0].date == D("2026-02-24") and "春节" in first[0].reason  # holiday 2-15..2-23
    assert chinese_calendar.is_workday(D("2026-02-24"))
    assert first[1].original_date == D("2026-03-19")
    # 正月初八 2026 is the first working day after the break; 2027 is 2-06 + 7
    assert originals("每年农历正月初八", "2026-01-01", 2) == [D("2026-02-24"), D("2027-02-13")]
    # every base date is that lunar day; 2025 has a leap sixth month: both 六月 and 闰六月 count
    occ = next_dates("每月农历十五，不调整", D("2025-01-01"), 13)
    seen = set()
    for o in occ:
        lunar = LunarDate.from_solar_date(
            o.original_date.year, o.original_date.month, o.original_date.day
        )
        assert lunar.day == 15 and o.date == o.original_date
        seen.add((lunar.month, lunar.is_leap_month))
    assert (6, False) in seen and (6, True) in seen
    assert LunarDate(2025, 6, 15, True).to_solar_date() in [o.date for o in occ]
    # a yearly lunar rule uses the regular month only (never 闰六月)
    six = originals("每年农历六月初一，不调整", "2025-01-01", 2)
    assert six == [LunarDate(2025, 6, 1).to_solar_date(), LunarDate(2026, 6, 1).to_solar_date()]
    assert six[0] == D("2025-06-25")
    # from the brief's date: 农历十一月初一 2026-12-09, 腊月初一 2027-01-08
    assert originals("每月农历初一", "2026-12-04", 2) == [D("2026-12-09"), D("2027-01-08")]
    assert parse_rule("每月农历三十").skip_warning
    for o in next_dates("每月农历三十，不调整", D("2026-01-01"), 8):
        lunar = LunarDate.from_solar_date(o.date.year, o.date.month, o.date.day)
        assert lunar.day == 30  # months without a 三十 are skipped, nothing invented
    rule = parse_rule("每月农历十五")
    assert rule.rrule_text == "RSCALE=CHINESE;FREQ=MONTHLY;BYMONTHDAY=15"
    assert rule.describe() == "每月农历十五（按农历，含闰月），遇节假日顺延"
    assert parse_rule("每年农历正月初八").describe() == (
        "每年农历正月初八（按农历，闰月不重复），遇节假日顺延"
    )


@pytest.mark.parametrize(
    ("text", "must_offer"),
    [
        ("每季度一次", "每季度首月第一个周五"),
        ("每季度", "每季度末月15日"),
        ("每季度召开一次", "每季度首月第一个周五"),
        ("每季度15日", "每季度末月15日"),
        ("每季度第五个周五", "每季度首月第五个周五"),
        ("每年12月下旬", "每年12月下旬第一个工作日"),
        ("每年12月中旬", "每年12月20日"),
        ("每月上旬", "每月第一个工作日"),
        ("每月一次", "每月第一个周五"),
        ("每年一次", "每年7月1日"),
        ("每半年一次", "每年1月、7月第一个周五"),
        ("每年12月", "每年12月最后一个工作日"),
        ("每两个月一次", "每逢单月第一个周五"),
        ("每月初一", "每月农历初一"),
        ("每月十五", "每月15日"),
    ],
)
def test_ambiguous_phrases_ask_back_with_options(text: str, must_offer: str) -> None:
    with pytest.raises(AmbiguousRule) as err:
        parse_rule(text, today=TODAY)
    exc = err.value
    assert isinstance(exc, RuleError)  # existing handlers keep working
    assert 2 <= len(exc.options) <= 4 and must_offer in exc.options
    assert "？" in exc.question and exc.question in str(exc)
    for option in exc.options:  # every button is a phrase we accept
        assert option in str(exc)
        parse_rule(option, today=TODAY)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("每月农历三十一", "初一到三十"),
        ("每年农历十三月初一", "正月到腊月"),
        ("每年农历闰四月初一", "闰月"),
        ("2026年2月30日", "2026年2月没有30日"),
        ("13月1日", "1–12"),
        ("2月30日", "2月没有30日"),
        ("本周一", "已经过去"),
        ("每年1月、13月15日", "1–12"),
        ("每季度末月32日", "没有32日"),
        ("每年12月下旬第九个工作日", "第一到第五个"),
        ("每逢单月第六个周五", "最多有 5 个"),
        ("每季度开个会吧", "无法识别"),
        ("农历", "无法识别"),
        ("下周八", "无法识别"),
    ],
)
def test_new_bad_rules_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as err:
        parse_rule(text, today=TODAY)
    assert not isinstance(err.value, AmbiguousRule)


def test_render_and_ics_for_lunar_and_one_off() -> None:
    text = render_next_dates("每月农历十五", D("2026-12-04"), 3, title="主题党日")
    lines = text.splitlines()
    assert lines[0] == "主题党日：每月农历十五（按农历，含闰月），遇节假日顺延"
    assert lines[1] == "1. 2026年12月23日（周三）"  # 农历十一月十五
    lunar = _events(to_ics("每月农历十五", D("2026-12-04"), 3, stamp=STAMP))
    assert [e["start"] for e in lunar] == [o.date for o in next_dates("每月农历十五", TODAY, 3)]
    assert len({e["uid"] for e in lunar}) == 3
    data = to_ics("2026-12-20 14:30", D("2026-12-04"), 12, stamp=STAMP)
    assert "DTSTART;TZID=Asia/Shanghai:20261220T143000" in data.decode()
    events = _events(data)
    assert len(events) == 1  # a one-off rule exports one event, however many were asked for
    assert events[0]["alarms"] == [
        -timedelta(days=3, hours=5, minutes=30),
        -timedelta(hours=6, minutes=30),
    ]
    one = render_next_dates("2026年12月20日", TODAY, 6)
    assert one.splitlines() == ["2026年12月20日（单次）", "1. 2026年12月20日（周日）——当天为周末"]


# --- one occurrence moved -------------------------------------------------------------------


def test_parse_move() -> None:
    mv = parse_move("本月改到15号", TODAY)
    assert (mv.original_month, mv.original_date, mv.new_date) == ((2026, 12), None, D("2026-12-15"))
    mv = parse_move("这次改到12月18日", TODAY)
    assert (mv.original_month, mv.original_date, mv.new_date) == (None, None, D("2026-12-18"))
    mv = parse_move("本次推迟到下周三", TODAY)
    assert mv.new_date == D("2026-12-09") and mv.which == "下一次"
    mv = parse_move("下个月改到20日", TODAY)
    assert (mv.original_month, mv.new_date) == ((2027, 1), D("2027-01-20"))
    mv = parse_move("12月4日那次改到12月8日", TODAY)
    assert (mv.original_date, mv.new_date) == (D("2026-12-04"), D("2026-12-08"))
    mv = parse_move("本月主题党日改到15号下午3点", TODAY)
    assert (mv.kind, mv.new_date, mv.new_time) == ("主题党日", D("2026-12-15"), time(15))
    assert (
        mv.describe()
        == "主题党日2026年12月那次改到2026年12月15日（周二） 15:00（规则不变，只调整这一次）"
    )
    assert parse_move("改到2026-12-18", TODAY).new_date == D("2026-12-18")
    assert parse_move("这次改到3号", TODAY).new_date == D("2027-01-03")  # the next 3rd
    assert parse_move("这次改到周三", TODAY).new_date == D("2026-12-09")
    assert parse_move("1月那次提前到1月2日", TODAY).original_month == (2027, 1)


def test_move_target_picks_the_occurrence() -> None:
    rule = parse_rule("每月第一个周五")
    this = parse_move("这次改到12月18日", TODAY).target(rule, TODAY)
    assert this is not None and this.date == D("2026-12-04")
    nxt = parse_move("下个月改到1月8日", TODAY).target(rule, TODAY)
    assert nxt is not None and nxt.original_date == D("2027-01-01")  # 元旦 → shifted to 1-04
    named = parse_move("12月4日那次改到12月8日", TODAY).target(rule, TODAY)
    assert named is not None and named.date == TODAY
    assert parse_move("12月5日那次改到12月8日", TODAY).target(rule, TODAY) is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "无法识别"),
        ("随便改改", "本月改到15号"),
        ("本月改到3号", "已经过去"),
        ("这次改到2月30日", "没有30日"),
        ("本月改到下个礼拜八", "新的日期"),
        ("13月那次改到1月2日", "1–12"),
        ("这次改到0号", "没有0号"),
        ("本月改到32号", "没有32号"),
    ],
)
def test_parse_move_rejects(text: str, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment):
        parse_move(text, TODAY)
