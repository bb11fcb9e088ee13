"""Facts files, the 党费 and head-count calculators: exact figures at every edge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.facts import counts
from bot.facts.calc import Calc, Missing
from bot.facts.dues import monthly_dues
from bot.facts.store import FACTS_DIR, load_facts

# ---------------------------------------------------------------- facts files


def test_every_fact_has_doc_and_version_and_files_are_ours() -> None:
    facts = load_facts()
    names = {p.name for p in FACTS_DIR.glob("*.yaml")}
    assert {"dues.yaml", "org.yaml", "election.yaml", "discipline.yaml"} <= names
    for f in facts.values():
        assert f.doc and f.version, f.id
        assert f.citation.startswith("《" + f.doc + "》（")
        assert f.article is None or f.article.startswith(("第", "一、")), f.id


def test_band_values_are_the_2008_rule() -> None:
    facts = load_facts()
    assert facts["dues.band.in_work"].value == [
        [3000, 0.005],
        [5000, 0.01],
        [10000, 0.015],
        [None, 0.02],
    ]
    assert facts["dues.band.retired"].value == [[5000, 0.005], [None, 0.01]]
    assert facts["election.quorum"].value == [4, 5]
    assert facts["org.committee.min_full"].value == 7


# ---------------------------------------------------------------- dues


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("3000", "15.00"),
        ("3000.01", "30.00"),
        ("5000", "50.00"),
        ("5001", "75.02"),
        ("10000", "150.00"),
        ("10001", "200.02"),
        ("7200", "108.00"),
        ("2999", "15.00"),  # 14.995 rounds half up
        ("1", "0.01"),  # 0.005 → 0.01
    ],
)
def test_in_work_band_edges(amount: str, expected: str) -> None:
    c = monthly_dues(amount, "在职")
    assert c.complete
    assert c.value == Decimal(expected)
    assert c.result == f"每月 {expected} 元"


def test_working_line_shows_the_arithmetic() -> None:
    c = monthly_dues(5001, "在职")
    assert c.working == "5001 × 1.5% = 75.015，四舍五入 75.02 元"
    assert "第二条" in c.citations[0]


def test_rounding_down_is_configurable() -> None:
    c = monthly_dues(5001, "在职", rounding="down")
    assert c.value == Decimal("75.01")
    assert "分以下舍去" in c.working
    with pytest.raises(ValueError):
        monthly_dues(5001, "在职", rounding="up")  # type: ignore[arg-type]  # an invalid mode on purpose


def test_band_edge_warnings() -> None:
    at = monthly_dues(5000, "在职")
    assert "5000元及以下按1%：50.00元；多1元就按1.5%。" in at.warnings
    above = monthly_dues(5001, "在职")
    assert any("刚过5000元" in w and "50.00" in w for w in above.warnings)
    far = monthly_dues(7200, "在职")
    assert not any("及以下" in w for w in far.warnings)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("4800", "24.00"), ("5000", "25.00"), ("5001", "50.01"), ("3800", "19.00")],
)
def test_retired(amount: str, expected: str) -> None:
    c = monthly_dues(amount, "退休")
    assert c.value == Decimal(expected)
    assert any("基本退休金" in w for w in c.warnings)
    assert any("第五条" in x for x in c.citations)


def test_retired_synonyms() -> None:
    assert monthly_dues(4800, "离休").value == Decimal("24.00")
    assert monthly_dues(4800, "养老金").value == Decimal("24.00")


@pytest.mark.parametrize("status", ["学生", "下岗失业", "低保", "抚恤救济", "下岗失业/低保"])
def test_fixed_amounts_need_no_income(status: str) -> None:
    c = monthly_dues(None, status)
    assert c.complete
    assert c.value == Decimal("0.20")
    assert c.result == "每月 0.20 元"
    assert "第六条" in c.citations[0]


def test_farmer_is_a_range() -> None:
    c = monthly_dues(None, "农民")
    assert c.value == (Decimal("0.2"), Decimal("1.0"))
    assert c.result == "每月 0.2–1 元"


def test_annual_salary_and_self_employed_use_in_work_bands() -> None:
    assert monthly_dues(20000, "年薪制").value == Decimal("400.00")
    assert any("第三条" in x for x in monthly_dues(20000, "年薪制").citations)
    assert monthly_dues(4000, "个体").value == Decimal("40.00")


def test_monthly_cap_of_1000() -> None:
    c = monthly_dues(60000, "在职")
    assert c.value == Decimal("1000.00")
    assert any("1200.00" in w and "1000" in w for w in c.warnings)
    assert any("组电明字〔2017〕5号" in x for x in c.citations)
    assert monthly_dues(50000, "在职").value == Decimal("1000.00")  # exactly 1000, no note
    assert not any("一般不超过" in w for w in monthly_dues(50000, "在职").warnings)


def test_probationary_note() -> None:
    c = monthly_dues(4000, "在职", probationary=True)
    assert c.value == Decimal("40.00")
    assert any("支部大会通过其为预备党员之日" in w for w in c.warnings)


def test_missing_inputs_ask_never_guess() -> None:
    none = monthly_dues(None, None)
    assert none.value is None and not none.complete
    assert [m.field for m in none.missing] == ["status", "amount"]
    assert none.missing[0].options == ["在职", "退休", "农民", "学生", "下岗失业/低保"]
    no_status = monthly_dues(4800, None)
    assert [m.field for m in no_status.missing] == ["status"]
    assert no_status.value is None
    no_amount = monthly_dues(None, "退休")
    assert [m.field for m in no_amount.missing] == ["amount"]
    assert "基本退休金" in no_amount.missing[0].question
    assert monthly_dues(0, "在职").missing[0].field == "amount"
    assert monthly_dues("abc", "在职").missing[0].field == "amount"


def test_text_is_result_first_then_basis() -> None:
    lines = monthly_dues(5001, "在职").text().splitlines()
    assert lines[0] == "每月 75.02 元"
    assert lines[1] == "5001 × 1.5% = 75.015，四舍五入 75.02 元"
    assert lines[-1].startswith("依据：《关于中国共产党党费收缴、使用和管理的规定》")
    ask = monthly_dues(None, None).text()
    assert ask.startswith("还差一点信息")
    assert "在职／退休" in ask


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("expected", "present", "valid"),
    [
        (40, 33, True),
        (40, 32, False),
        (45, 36, False),
        (45, 37, True),
        (10, 9, True),
        (10, 8, False),
    ],
)
def test_quorum_is_strictly_over_four_fifths(expected: int, present: int, valid: bool) -> None:
    c = counts.quorum(expected, present)
    assert c.value is valid


def test_quorum_working_and_equal_warning() -> None:
    c = counts.quorum(40, 33)
    assert c.working == "应到40人的4/5是32，实到33人超过，至少要到33人"
    eq = counts.quorum(45, 36)
    assert eq.result == "会议无效，不能进行选举"
    assert any("正好等于" in w for w in eq.warnings)
    assert counts.quorum(43, 35).working.startswith("应到43人的4/5是34.4")


@pytest.mark.parametrize(
    ("votes", "present", "ok"), [(17, 33, True), (16, 33, False), (16, 32, False), (17, 32, True)]
)
def test_elected_over_half_of_present(votes: int, present: int, ok: bool) -> None:
    assert counts.elected(votes, present).value is ok


def test_elected_working() -> None:
    assert counts.elected(17, 33).working == "实到会有选举权的33人，一半是16.5，17票超过半数，当选"
    assert counts.elected(16, 32).working == "实到会有选举权的32人，一半是16，16票等于半数，不能当选"


def test_elected_flags_an_invalid_meeting() -> None:
    c = counts.elected(20, 32, expected=40)
    assert c.value is True
    assert any("会议本身无效" in w for w in c.warnings)


def test_resolution_base_is_expected_not_present() -> None:
    assert counts.resolution(21, 40).value is True
    assert counts.resolution(20, 40).value is False
    assert counts.resolution(20, 40).working == "应到40人的一半是20，赞成20人等于半数，未通过"
    # 25 present, 20 in favour: a majority of those present but not of 应到 40
    assert counts.resolution(20, 40, present=25).value is False
    short = counts.resolution(15, 40, present=19)
    assert short.value is False and "不足半数" in short.result


@pytest.mark.parametrize(
    ("full", "ok"), [(7, True), (6, False), (5, False), (12, True), (2, False)]
)
def test_committee_needs_seven_full_members(full: int, ok: bool) -> None:
    assert counts.committee(full, 3).value is ok


def test_committee_probationary_do_not_count() -> None:
    c = counts.committee(5, 2)
    assert c.value is False
    assert c.working == "正式党员5人（预备党员2人不计），不足7人，还差2名正式党员"
    assert any("转正后" in w for w in c.warnings)
    assert any("联合党支部" in w for w in counts.committee(2, 0).warnings)


@pytest.mark.parametrize(
    ("members", "full", "form"),
    [
        (49, None, "党支部"),
        (50, None, "党总支"),
        (99, None, "党总支"),
        (100, None, "基层党委"),
        (5, 2, "联合党支部"),
        (5, 3, "党支部"),
    ],
)
def test_org_form_thresholds(members: int, full: int | None, form: str) -> None:
    c = counts.org_form(members, full)
    assert c.value == form


def test_org_form_target() -> None:
    assert counts.org_form(52, target="党总支").value is True
    no = counts.org_form(48, target="党总支")
    assert no.value is False and any("经上级党组织批准" in w for w in no.warnings)
    assert counts.org_form(5, target="党支部").missing[0].field == "full"


@pytest.mark.parametrize(("seats", "least"), [(3, 4), (5, 6), (7, 9), (9, 11), (10, 12)])
def test_candidates_margin_rounds_up(seats: int, least: int) -> None:
    assert counts.candidates(seats).value == least


def test_counts_missing() -> None:
    assert [m.field for m in counts.quorum(None, 30).missing] == ["expected"]
    assert [m.field for m in counts.elected(17, None).missing] == ["present"]
    assert counts.committee(None).missing[0].field == "full"


def test_calc_text_lists_missing_options() -> None:
    c = Calc("x", {}, missing=[Missing("a", "哪一级？", ["支部", "党总支"])])
    assert c.text() == "还差一点信息：\n哪一级？（支部／党总支）"
