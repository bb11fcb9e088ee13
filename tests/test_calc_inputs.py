"""Calculator inputs from colloquial Chinese and the answer shapes they lead to: spoken money,
税前 with its deductions, months of 补交, relative and festival dates, 党龄, head counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.facts.extract import detect, normalize_numbers
from bot.rules.case import calculate, out_of_domain
from bot.rules.engine import RuleBook, load_rulebook

TODAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def rb() -> RuleBook:
    return load_rulebook()


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("三块五", "3.5元"),
        ("五毛", "0.5元"),
        ("一块二毛", "1.2元"),
        ("3毛5", "0.35元"),
        ("1.5w", "15000"),
        ("6k3", "6300"),
        ("1998年七一那天", "1998年7月1日那天"),
        ("一万零二百", "10200"),
    ],
)
def test_spoken_money_and_dates(text: str, want: str) -> None:
    assert normalize_numbers(text) == want


# ---------------------------------------------------------------- dues


def _value(q: str) -> object:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.complete, q
    return calc.value


def test_traditional_characters_are_read() -> None:
    assert _value("稅後工資6k，每個月黨費交多少") == Decimal("90.00")


def test_gross_pay_minus_tax_and_insurance_is_the_base() -> None:
    calc = calculate("应发11000，五险一金个人缴1980，个税120，党费每月多少", TODAY)
    assert calc is not None and calc.complete
    assert calc.value == Decimal("133.50")  # (11000-1980-120)=8900 × 1.5%
    assert "8900" in calc.working


def test_gross_pay_without_deductions_asks_never_guesses() -> None:
    calc = calculate("我税前工资8000，党费交多少", TODAY)
    assert calc is not None and not calc.complete
    assert "个税" in calc.missing[0].question


def test_dues_question_without_the_word_dues() -> None:
    q = "应发9000，五险一金1600，个税50，是不是要按2%交？"
    assert not out_of_domain(q)
    assert _value(q) == Decimal("110.25")  # 7350 × 1.5%


def test_tax_question_stays_out_of_domain() -> None:
    assert out_of_domain("工资8000，个税交多少")


@pytest.mark.parametrize(
    ("q", "total"),
    [
        ("他税后每月6000，有3个月党费没交，补交一共多少", "270.00"),
        ("5到7月的党费欠着，她税后4000，一共补多少", "120.00"),
        ("学生党员前4个月党费没交，一次补上一共多少钱", "0.80"),
        ("退休金5200，半年党费没交，补交一共多少", "312.00"),
    ],
)
def test_months_of_makeup(q: str, total: str) -> None:
    assert _value(q) == Decimal(total)


def test_farmer_amount_set_by_the_branch() -> None:
    calc = calculate("我们支部定的农民党员每月交三毛，他欠了4个月要补上，一共多少", TODAY)
    assert calc is not None and calc.value == Decimal("1.20")


def test_quarter_income_means_self_employed_average() -> None:
    assert _value("老李跑货运，上季度一共纯收入一万二，每月党费多少") == Decimal("40.00")


def test_net_figure_wins_over_gross() -> None:
    req = detect("应发9800，到手7600，党费多少", TODAY)
    assert req is not None and req.inputs["amount"] == Decimal("7600")


# ---------------------------------------------------------------- dates


def test_extension_counts_from_the_admission_date_named_by_its_context() -> None:
    calc = calculate("2024年3月2日支部大会通过的预备党员，今年3月到期时延长预备期半年，哪天期满", TODAY)
    assert calc is not None and calc.value == date(2025, 9, 2)


def test_longest_extension_is_one_year() -> None:
    calc = calculate("2026年1月8日支部大会接收的预备党员，如果要延长预备期，最长到哪天", TODAY)
    assert calc is not None and calc.value == date(2028, 1, 8)


@pytest.mark.parametrize(
    ("q", "want"),
    [
        ("他2015年12月5日转为正式党员，党龄几年了", 10),
        ("2015年12月3日转正的，党龄满几年了", 11),
        ("1990年七一支部大会通过入党，1991年7月1日按期转正，党龄多少年", 35),
    ],
)
def test_party_age_in_years_from_full_membership(q: str, want: int) -> None:
    assert _value(q) == want


def test_party_age_anniversary_date() -> None:
    assert _value("1977年3月1日转正的老党员，党龄满50年是哪天") == date(2027, 3, 1)


def test_postponed_term_at_most_one_year(rb: RuleBook) -> None:
    calc = calculate("党总支2023年6月10日换的届，想报批延期换届，最迟能到哪天", TODAY)
    assert calc is not None and calc.value == date(2027, 6, 10)
    assert "1年" in calc.result
