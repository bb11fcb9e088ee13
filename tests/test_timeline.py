"""发展党员 timelines and 换届 due dates, with dates worked out by hand.

Working-day expectations use the official 2026 schedule (国务院办公厅通知): 元旦 1月1–3日 (1月4日周日上班),
春节 2月15–23日 (2月14日周六、2月28日周六上班), 中秋 9月25日, 国庆 10月1–7日 (9月20日周日、10月10日周六上班).
Each holiday fact a test relies on is first checked against the installed calendar, so a failure
means our counting is wrong, not the calendar.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.cli import main
from bot.facts.store import fact
from bot.meetings import huanjie as hj
from bot.meetings.schedule import day_info, official_years
from bot.meetings.timeline import (
    ORDER,
    Step,
    TimelineError,
    add_months,
    add_workdays,
    parse_stage,
    parse_step,
    plan,
    render,
    to_json,
    workday_on_or_after,
    workdays_before,
)

D = date.fromisoformat
TODAY = D("2026-06-01")


def by_name(steps: list[Step]) -> dict[str, Step]:
    return {s.step: s for s in steps}


@pytest.fixture(scope="module", autouse=True)
def _calendar_2026() -> None:
    """The 2026 official days the hand counts below rely on."""
    assert 2026 in official_years() and 2025 in official_years()
    for off in ("2026-01-01", "2026-01-02", "2026-02-16", "2026-02-23", "2026-09-25",
                "2026-10-01", "2026-10-07"):
        assert not day_info(D(off)).workday, off
    for makeup in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"):
        assert day_info(D(makeup)).workday, makeup
    assert not day_info(D("2026-02-07")).workday  # an ordinary Saturday


# --- stages and step names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("申请", "申请"), ("入党申请书", "申请"), ("申请书", "申请"), ("递交申请", "申请"),
        ("积极分子", "积极分子"), ("入党积极分子", "积极分子"), ("积极份子", "积极分子"),
        ("确定为入党积极分子", "积极分子"), ("入黨積極分子", "积极分子"),
        ("发展对象", "发展对象"), ("列为发展对象", "发展对象"), ("發展對象", "发展对象"),
        ("预备", "预备党员"), ("预备党员", "预备党员"), ("接收预备党员", "预备党员"),
        ("預備黨員", "预备党员"),
        ("转正", "转正"), ("预备党员转正", "转正"), ("转为正式党员", "转正"), ("轉正", "转正"),
        (" 发展 对象 ", "发展对象"),
    ],
)
def test_parse_stage_spellings(text: str, stage: str) -> None:
    assert parse_stage(text) == stage


@pytest.mark.parametrize("text", ["", "入党", "党费"])
def test_parse_stage_rejects_unknown(text: str) -> None:
    with pytest.raises(TimelineError, match="可用阶段"):
        parse_stage(text)


def test_parse_step_aliases() -> None:
    assert parse_step("公示") == "发展对象公示"
    assert parse_step("政审") == "政治审查"
    assert parse_step("审批") == "上级党委审批"
    assert parse_step("上级党委审批") == "上级党委审批"
    assert parse_step("宣誓") == "入党宣誓"
    with pytest.raises(TimelineError):
        parse_step("吃饭")


# --- month arithmetic and leap days ------------------------------------------------------------


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2028-01-31"), 1) == D("2028-02-29")
    assert add_months(D("2026-08-31"), 6) == D("2027-02-28")
    assert add_months(D("2028-02-29"), 12) == D("2029-02-28")


def test_talk_within_one_month_at_month_end() -> None:
    talk = plan("申请", D("2026-01-31"), today=D("2026-02-01"))[0]
    assert talk.step == "谈话"
    assert talk.earliest == D("2026-01-31")
    assert talk.due == D("2026-02-28")
    # 1月31日 + 7 天 = 2月7日 周六（不是调休日）→ 2月9日 周一
    assert talk.suggested == D("2026-02-09")
    assert talk.status == "ok" and not talk.provisional
    assert "2026年5月修订" in talk.basis


def test_talk_leap_year() -> None:
    assert plan("申请", D("2028-01-31"), today=TODAY)[0].due == D("2028-02-29")


def test_probation_from_leap_day() -> None:
    steps = by_name(plan("预备党员", D("2028-02-29"), today=D("2028-03-01")))
    assert steps["支部大会讨论转正"].earliest == D("2029-02-28")
    assert steps["党龄起算"].earliest == D("2029-02-28")
    assert "2029-02-28" in steps["党龄起算"].note


# --- each step and limit -----------------------------------------------------------------------


def test_plan_starts_after_the_stage() -> None:
    assert [s.step for s in plan("申请", TODAY, today=TODAY)] == list(ORDER[1:])
    assert plan("积极分子", TODAY, today=TODAY)[0].step == "培养教育考察（第1次）"
    assert plan("发展对象", TODAY, today=TODAY)[0].step == "短期集中培训"
    assert plan("预备党员", TODAY, today=TODAY)[0].step == "上级党委审批"
    assert [s.step for s in plan("转正", TODAY, today=TODAY)] == ["转正审批", "党龄起算"]


def test_activist_half_year_reviews_and_one_year() -> None:
    steps = by_name(plan("积极分子", D("2025-09-01"), today=D("2026-01-10")))
    assert steps["培养教育考察（第1次）"].due == D("2026-03-01")
    assert steps["培养教育考察（第2次）"].due == D("2026-09-01")
    # 建议在时限前一周的工作日：2026-02-22 是周日 → 2月24日周二（2月23日仍在春节假期）
    assert steps["培养教育考察（第1次）"].suggested == D("2026-02-24")
    assert steps["列为发展对象"].earliest == D("2026-09-01")
    assert steps["列为发展对象"].due is None


def test_activist_month_end_reviews() -> None:
    steps = by_name(plan("积极分子", D("2025-08-31"), today=D("2025-09-01")))
    assert steps["培养教育考察（第1次）"].due == D("2026-02-28")
    assert steps["培养教育考察（第2次）"].due == D("2026-08-31")
    assert steps["列为发展对象"].earliest == D("2026-08-31")


def test_object_steps_training_and_review() -> None:
    steps = by_name(plan("发展对象", D("2026-06-01"), today=TODAY))
    training = steps["短期集中培训"]
    assert training.earliest == D("2026-06-01") and training.due is None
    assert training.suggested == D("2026-07-01")  # 一个月后，周三
    m = fact("fazhan.training.minimum").value
    assert (m["days"], m["hours"]) == (3, 24)
    assert "3天" in training.note and "24学时" in training.note
    assert steps["政治审查"].suggested == D("2026-07-01")
    assert steps["基层党委预审"].suggested == D("2026-07-15")
    assert steps["支部大会接收预备党员"].suggested == D("2026-07-29")


def test_approval_three_months_at_most_six() -> None:
    steps = by_name(plan("预备党员", D("2026-03-02"), today=D("2026-04-01")))
    approval = steps["上级党委审批"]
    assert approval.earliest == D("2026-03-02")
    assert approval.due == D("2026-06-02")
    assert approval.end == D("2026-09-02")
    assert approval.suggested == D("2026-04-02")
    assert approval.status == "ok"
    assert steps["入党宣誓"].suggested == D("2026-04-16")  # 建议日 + 两周
    assert steps["入党宣誓"].earliest is None  # 审批未录入，宣誓没有起算日
    assert steps["支部大会讨论转正"].earliest == D("2027-03-02")
    assert steps["党龄起算"].earliest == D("2027-03-02")


def test_confirmation_approval_three_months() -> None:
    steps = by_name(plan("转正", D("2026-11-30"), today=D("2026-12-01")))
    assert steps["转正审批"].due == D("2027-02-28")
    assert steps["转正审批"].earliest == D("2026-11-30")


def test_extension_of_probation() -> None:
    steps = by_name(plan("预备党员", D("2026-03-02"), today=TODAY, extension_months=6))
    assert steps["支部大会讨论转正"].earliest == D("2027-09-02")
    assert steps["党龄起算"].earliest == D("2027-09-02")
    assert "延长6个月" in steps["支部大会讨论转正"].note
    for bad in (3, 13):
        with pytest.raises(TimelineError, match="6–12"):
            plan("预备党员", D("2026-03-02"), today=TODAY, extension_months=bad)


# --- working days over holidays ------------------------------------------------------------------


def test_workdays_over_guoqing() -> None:
    # 9月30日(1) 10月1–7日休 10月8日(2) 9日(3) 10日周六调休上班(4) 11日周日休 12日(5)
    assert add_workdays(D("2026-09-30"), 5) == (D("2026-10-12"), False)
    # 从假期当天起算：10月8日(1) 9日(2) 10日(3) 12日(4) 13日(5)
    assert add_workdays(D("2026-10-01"), 5) == (D("2026-10-13"), False)


def test_workdays_over_chunjie() -> None:
    # 2月12日(1) 13日(2) 14日周六调休上班(3) 15–23日休 24日(4) 25日(5)
    assert add_workdays(D("2026-02-12"), 5) == (D("2026-02-25"), False)
    # 2月26日(1) 27日(2) 28日周六调休上班(3) 3月2日(4) 3日(5)
    assert add_workdays(D("2026-02-26"), 5) == (D("2026-03-03"), False)


def test_workdays_across_new_year_with_makeup_sunday() -> None:
    # 2025年12月31日(1) 1月1–3日休 1月4日周日调休上班(2) 5日(3) 6日(4) 7日(5)
    assert add_workdays(D("2025-12-31"), 5) == (D("2026-01-07"), False)


def test_workdays_before_skips_zhongqiu_and_guoqing() -> None:
    # 截至10月8日前：9月30日、29日、28日、（27日周日、26日周六、25日中秋）24日、23日
    assert workdays_before(D("2026-10-08"), 5) == (D("2026-09-23"), False)


def test_gongshi_entered_over_guoqing_sets_object_earliest() -> None:
    steps = by_name(plan("积极分子", D("2025-09-01"), done_steps={"公示": D("2026-09-30")},
                         today=D("2026-10-01")))
    gongshi = steps["发展对象公示"]
    assert gongshi.done == D("2026-09-30") and gongshi.status == "done"
    assert gongshi.end == D("2026-10-12")
    assert not gongshi.provisional
    assert steps["列为发展对象"].earliest == D("2026-10-13")


def test_gongshi_days_configurable() -> None:
    steps = by_name(plan("积极分子", D("2025-09-01"), done_steps={"公示": D("2026-09-30")},
                         gongshi_days=7, today=TODAY))
    # …12日(5) 13日(6) 14日(7)
    assert steps["发展对象公示"].end == D("2026-10-14")
    assert "7个工作日" in steps["发展对象公示"].note
    short = by_name(plan("积极分子", D("2025-09-01"), gongshi_days=3, today=TODAY))
    assert "少于规定的5个工作日" in short["发展对象公示"].note
    with pytest.raises(TimelineError):
        plan("积极分子", D("2025-09-01"), gongshi_days=0, today=TODAY)


def test_gongshi_suggested_to_end_before_one_year() -> None:
    steps = by_name(plan("积极分子", D("2025-10-08"), today=TODAY))
    assert steps["发展对象公示"].suggested == D("2026-09-23")
    assert steps["发展对象公示"].end == D("2026-09-30")
    assert steps["列为发展对象"].earliest == D("2026-10-08")
    assert steps["列为发展对象"].suggested == D("2026-10-08")


def test_gongshi_default_is_the_fact() -> None:
    f = fact("fazhan.gongshi.workdays")
    assert f.value == 5 and f.article is None
    assert f.version.startswith("2026年5月修订")


def test_year_without_official_data_is_provisional() -> None:
    year = 2030
    if year in official_years():
        pytest.skip("chinese-calendar already has 2030")
    end, provisional = add_workdays(D(f"{year}-03-04"), 5)
    assert provisional
    assert end == D(f"{year}-03-08")  # an ordinary Mon–Fri week, estimated
    steps = by_name(plan("积极分子", D(f"{year - 1}-03-04"), done_steps={"公示": D(f"{year}-03-04")},
                         today=D(f"{year - 1}-03-05")))
    assert steps["发展对象公示"].provisional
    assert workday_on_or_after(D(f"{year}-01-01"))[1]


def test_official_year_is_not_provisional() -> None:
    steps = plan("发展对象", D("2026-03-02"), today=TODAY)
    assert not by_name(steps)["短期集中培训"].provisional


# --- entered steps: recompute, early, overdue --------------------------------------------------


def test_object_listed_before_a_full_year_is_early() -> None:
    steps = by_name(plan("积极分子", D("2025-09-01"), done_steps={"发展对象": D("2026-06-01")},
                         today=D("2026-06-02")))
    obj = steps["列为发展对象"]
    assert obj.done == D("2026-06-01")
    assert obj.status == "early"
    assert "2026-09-01" in obj.note
    # the rest is recomputed from the entered date, not from the one-year mark
    assert steps["短期集中培训"].earliest == D("2026-06-01")
    assert steps["短期集中培训"].suggested == D("2026-07-01")
    # reviews not entered but followed by an entered step: not flagged overdue
    assert steps["培养教育考察（第1次）"].status == "pending"


def test_talk_overdue_and_done() -> None:
    assert plan("申请", D("2026-01-31"), today=D("2026-03-01"))[0].status == "overdue"
    ok = plan("申请", D("2026-01-31"), done_steps={"谈话": D("2026-02-10")}, today=D("2026-03-01"))
    assert ok[0].status == "done" and ok[0].done == D("2026-02-10")
    late = plan("申请", D("2026-01-31"), done_steps={"谈话": D("2026-03-02")}, today=D("2026-03-05"))
    assert late[0].status == "overdue"


def test_approval_overdue_when_limit_passed() -> None:
    steps = by_name(plan("预备党员", D("2026-03-02"), today=D("2026-07-01")))
    assert steps["上级党委审批"].status == "overdue"
    assert "2026-06-02" in steps["上级党委审批"].note
    done_late = by_name(plan("预备党员", D("2026-03-02"), done_steps={"审批": D("2026-08-03")},
                             today=D("2026-08-04")))
    assert done_late["上级党委审批"].status == "overdue"
    done_ok = by_name(plan("预备党员", D("2026-03-02"), done_steps={"审批": D("2026-05-20")},
                           today=D("2026-07-01")))
    assert done_ok["上级党委审批"].status == "done"
    assert done_ok["入党宣誓"].earliest == D("2026-05-20")
    assert done_ok["入党宣誓"].suggested == D("2026-06-03")


def test_confirmation_meeting_before_probation_ends_is_early() -> None:
    steps = by_name(plan("预备党员", D("2026-03-02"), done_steps={"转正": D("2027-01-10")},
                         today=D("2027-01-11")))
    assert steps["支部大会讨论转正"].status == "early"
    assert steps["上级党委审批"].status == "pending"  # not entered, a later step is
    assert steps["转正审批"].due == D("2027-04-10")


def test_party_age_done_only_after_approval_entered() -> None:
    entered = {"支部大会": D("2025-03-03"), "转正审批": D("2026-04-20")}
    steps = by_name(plan("转正", D("2026-03-10"), done_steps=entered, today=D("2026-05-01")))
    assert steps["党龄起算"].done == D("2026-03-03")
    assert steps["党龄起算"].status == "done"


def test_decisions_are_never_inferred() -> None:
    steps = by_name(plan("申请", D("2026-01-05"), today=D("2026-12-01")))
    for name in ("确定入党积极分子", "列为发展对象", "基层党委预审", "支部大会接收预备党员",
                 "上级党委审批", "支部大会讨论转正", "转正审批"):
        assert steps[name].done is None
        assert steps[name].status != "done"
    assert steps["列为发展对象"].earliest is None  # 积极分子 not entered: no one-year mark
    later = by_name(plan("积极分子", D("2026-01-05"), today=D("2026-02-01")))
    # suggestions chain forward, limits do not
    assert later["支部大会接收预备党员"].suggested is not None
    assert later["上级党委审批"].due is None and later["上级党委审批"].earliest is None


# --- output --------------------------------------------------------------------------------------


def test_to_json_is_plain_and_iso() -> None:
    data = to_json(plan("预备党员", D("2026-03-02"), today=D("2026-04-01")))
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    first = data[0]
    assert {"step", "earliest", "due", "suggested", "basis", "note", "status",
            "provisional"} <= set(first)
    assert first["due"] == "2026-06-02" and first["status"] == "ok"
    assert all(d["status"] in {"done", "ok", "early", "overdue", "pending"} for d in data)


def test_render_phone_block() -> None:
    today = D("2026-07-01")
    text = render("小王", plan("预备党员", D("2026-03-02"), today=today), today)
    lines = text.splitlines()
    assert lines[0].startswith("小王 · 下一步：上级党委审批")
    assert "时限 2026-06-02 前" in text
    assert "1 项已过时限" in text
    assert max(len(line) for line in lines) < 60


def test_facts_cite_the_version_in_force() -> None:
    for fid in ("fazhan.talk.months", "fazhan.object.min_months", "fazhan.approval.months",
                "fazhan.zhuanzheng.approval_months"):
        f = fact(fid)
        assert f.doc == "中国共产党发展党员工作细则" and f.version.startswith("2026年5月修订")
        assert f.article is None  # the revised text's article numbers are not confirmed
    assert fact("fazhan.probation.months").citation.endswith("第七条")


# --- 换届 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "years"),
    [
        ("支部", "党支部", 3), ("党支部", "党支部", 3), ("支委会", "党支部", 3), ("黨支部", "党支部", 3),
        ("党总支", "党总支", 3), ("总支", "党总支", 3), ("總支部委員會", "党总支", 3),
        ("村", "村/社区党组织", 5), ("社区", "村/社区党组织", 5), ("村党支部", "村/社区党组织", 5),
        ("社区党委", "村/社区党组织", 5),
        ("基层党委", "基层党委", 5), ("党委", "基层党委", 5),
    ],
)
def test_org_kinds_and_terms(text: str, kind: str, years: int) -> None:
    assert hj.parse_kind(text) == kind
    assert hj.term(text) == years


def test_unknown_org_kind() -> None:
    with pytest.raises(hj.HuanjieError, match="可用"):
        hj.parse_kind("工会")


def test_branch_due_and_window() -> None:
    h = hj.due(D("2023-06-15"), "支部", today=D("2025-01-01"))
    assert (h.term_years, h.due, h.due_month) == (3, D("2026-06-15"), "2026-06")
    assert h.latest == D("2027-06-15") and h.earliest == D("2025-06-15")
    assert [r.when for r in h.reminders] == [D("2026-03-15"), D("2026-05-15"), D("2026-06-01")]
    assert any("20%" in p for r in h.reminders for p in r.prepare)
    assert any("4/5" in p for r in h.reminders for p in r.prepare)
    assert any("选举方案" in p for p in h.reminders[0].prepare)
    assert h.status == "ok"
    assert "第三条" in h.basis[1]


@pytest.mark.parametrize(
    ("org", "due"),
    [("党总支", "2026-06-01"), ("村", "2028-06-01"), ("社区", "2028-06-01"), ("党委", "2028-06-01")],
)
def test_due_for_each_kind_month_precision(org: str, due: str) -> None:
    h = hj.due(hj.parse_elected("2023-06"), org, today=D("2024-01-01"))
    assert h.due == D(due)


def test_leap_day_election() -> None:
    assert hj.due(D("2024-02-29"), "支部", today=TODAY).due == D("2027-02-28")


@pytest.mark.parametrize(
    ("today", "status"),
    [("2026-03-01", "ok"), ("2026-03-16", "soon"), ("2026-06-20", "due"), ("2026-07-01", "overdue"),
     ("2027-06-16", "late")],
)
def test_huanjie_status(today: str, status: str) -> None:
    assert hj.due(D("2023-06-15"), "支部", today=D(today)).status == status


def test_parse_elected_forms() -> None:
    assert hj.parse_elected("2023-06") == D("2023-06-01")
    assert hj.parse_elected("2023年6月") == D("2023-06-01")
    assert hj.parse_elected("2023年6月15日") == D("2023-06-15")
    assert hj.parse_elected("2023-06-15") == D("2023-06-15")
    for bad in ("去年", "2023-13", "2023-02-30"):
        with pytest.raises(hj.HuanjieError):
            hj.parse_elected(bad)


def test_huanjie_render() -> None:
    text = hj.render(hj.due(D("2023-06-15"), "村", today=D("2028-04-01")))
    assert text.splitlines()[0].startswith("村/社区党组织")
    assert "2028年6月" in text and "最晚 2029-06-15" in text and "准备期" in text


# --- CLI -------------------------------------------------------------------------------------------


def test_cli_timeline_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["timeline", "入党积极分子", "2025-09-01", "--json", "--today", "2026-10-01",
               "--done", "公示=2026-09-30"])
    assert rc == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    data = json.loads(out)
    steps = {d["step"]: d for d in data}
    assert steps["发展对象公示"]["end"] == "2026-10-12"
    assert steps["列为发展对象"]["earliest"] == "2026-10-13"


def test_cli_timeline_text_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "预备", "2026-03-02", "--today", "2026-04-01", "--name", "小王"]) == 0
    assert capsys.readouterr().out.startswith("小王 · 下一步：")
    assert main(["timeline", "党费", "2026-03-02"]) == 2
    assert "可用阶段" in capsys.readouterr().err
    assert main(["timeline", "申请", "2026-03-02", "--done", "公示"]) == 2


def test_cli_huanjie_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["huanjie", "2023-06", "总支", "--json", "--today", "2025-01-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["due"] == "2026-06-01" and data["term_years"] == 3 and data["status"] == "ok"
    assert len(data["reminders"]) == 3
    assert main(["huanjie", "2023-06", "工会"]) == 2
