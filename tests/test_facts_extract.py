"""Free-text and command extraction of calculation requests: precision over recall."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.facts.extract import compute, detect, normalize_numbers, parse_count_args, parse_dues_args

TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("五千二", "5200"),
        ("三万", "30000"),
        ("一万二", "12000"),
        ("1.2万", "12000"),
        ("4千5", "4500"),
        ("7,200元", "7200元"),
        ("两个党员", "2个党员"),
        ("一般一半三会一课", "一般一半三会一课"),
    ],
)
def test_normalize_numbers(text: str, want: str) -> None:
    assert normalize_numbers(text) == want


@pytest.mark.parametrize(
    ("question", "amount", "status", "result"),
    [
        ("我在职，每月到手7200，党费交多少", "7200", "在职", "每月 108.00 元"),
        ("退休金4800党费交多少", "4800", "退休", "每月 24.00 元"),
        ("月薪五千二扣完税，党费多少", "5200", "在职", "每月 78.00 元"),
        ("我爸退休了，每月养老金三千八，党费交多少", "3800", "退休", "每月 19.00 元"),
        ("工资一万二，党费多少钱", "12000", "在职", "每月 240.00 元"),
        ("税后工资5000元，党费该交多少", "5000", "在职", "每月 50.00 元"),
        ("我退休工资6000，党费怎么算", "6000", "退休", "每月 60.00 元"),
    ],
)
def test_dues_questions(question: str, amount: str, status: str, result: str) -> None:
    req = detect(question, TODAY)
    assert req is not None and req.kind == "dues"
    assert req.inputs["amount"] == Decimal(amount)
    assert req.inputs["status"] == status
    assert not req.missing
    assert compute(req).result == result


def test_dues_own_case_without_figure_asks() -> None:
    req = detect("我党费该交多少", TODAY)
    assert req is not None and req.kind == "dues"
    assert [m.field for m in req.missing] == ["status", "amount"]


def test_dues_amount_without_status_asks_status() -> None:
    req = detect("每月4800，党费交多少", TODAY)
    assert req is not None
    assert req.inputs["amount"] == Decimal("4800")
    assert [m.field for m in req.missing] == ["status"]


@pytest.mark.parametrize("q", ["每月到手4800，党费交多少", "税后月薪4800党费多少", "工资扣完税4800交多少党费"])
def test_pay_words_mean_in_work(q: str) -> None:
    req = detect(q, TODAY)
    assert req is not None and req.inputs["status"] == "在职" and not req.missing


def test_student_needs_no_amount() -> None:
    req = detect("我是学生党员，党费交多少", TODAY)
    assert req is not None and not req.missing
    assert compute(req).value == Decimal("0.20")


def test_annual_salary_is_not_divided_by_twelve() -> None:
    req = detect("年薪30万党费交多少", TODAY)
    assert req is not None and req.inputs["status"] == "年薪制"
    assert req.inputs["amount"] is None and req.inputs["annual"] == Decimal("300000")
    assert req.missing[0].field == "amount"


@pytest.mark.parametrize(
    ("question", "kind", "inputs", "value"),
    [
        (
            "应到40人实到33人，他得了17票，算当选吗",
            "elected",
            {"votes": 17, "present": 33, "expected": 40},
            True,
        ),
        (
            "我们支部5个正式党员2个预备党员，够设支委会吗",
            "committee",
            {"full": 5, "probationary": 2},
            False,
        ),
        ("选举大会应到45人，来了36个，有效吗", "quorum", {"expected": 45, "present": 36}, False),
        (
            "换届选举应到四十人，实到三十三人，会议有效吗",
            "quorum",
            {"expected": 40, "present": 33},
            True,
        ),
        (
            "我们有52个党员能成立党总支吗",
            "org_form",
            {"members": 52, "full": None, "target": "党总支"},
            True,
        ),
        (
            "应到40人，赞成21人，决议通过吗",
            "resolution",
            {"yes": 21, "expected": 40, "present": None},
            True,
        ),
        ("支部有8名正式党员，可以设支委会吗", "committee", {"full": 8, "probationary": None}, True),
        ("应选5名委员，候选人至少几个", "candidates", {"seats": 5}, 6),
    ],
)
def test_count_questions(
    question: str, kind: str, inputs: dict[str, object], value: object
) -> None:
    req = detect(question, TODAY)
    assert req is not None and req.kind == kind
    assert req.inputs == inputs
    assert compute(req).value == value


def test_committee_with_only_total_asks_for_full() -> None:
    req = detect("我们支部有8个党员，能设支委会吗", TODAY)
    assert req is not None and req.kind == "committee"
    assert req.missing[0].field == "full"


def test_elected_without_present_asks() -> None:
    req = detect("他得了17票，能当选吗", TODAY)
    assert req is not None and req.kind == "elected"
    assert req.missing[0].field == "present"


@pytest.mark.parametrize(
    ("question", "inputs"),
    [
        (
            "我2024年9月成为预备党员，什么时候能转正",
            {"date": "2024-09-01", "precision": "month", "stage": "probationary", "target": "full"},
        ),
        (
            "去年10月递交的入党申请，什么时候能确定为积极分子",
            {
                "date": "2025-10-01",
                "precision": "month",
                "stage": "application",
                "target": "activist",
            },
        ),
        (
            "我们支部上次换届是2023年5月，下次什么时候换届",
            {"date": "2023-05-01", "precision": "month", "stage": "term", "org": "支部"},
        ),
        (
            "上个月15号列为发展对象，多久能入党",
            {
                "date": "2026-02-15",
                "precision": "day",
                "stage": "candidate",
                "target": "probationary",
            },
        ),
        (
            "今年5月列为积极分子，什么时候能成为发展对象",
            {
                "date": "2026-05-01",
                "precision": "month",
                "stage": "activist",
                "target": "candidate",
            },
        ),
        (
            "我前年入党的，党龄怎么算",
            {
                "date": "2024-01-01",
                "precision": "year",
                "stage": "probationary",
                "target": "party_age",
            },
        ),
        (
            "2024年9月15日支部大会通过我为预备党员，哪天转正",
            {"date": "2024-09-15", "precision": "day", "stage": "probationary", "target": "full"},
        ),
    ],
)
def test_date_questions(question: str, inputs: dict[str, object]) -> None:
    req = detect(question, TODAY)
    assert req is not None and req.kind == "date"
    assert req.inputs == inputs
    assert not req.missing


def test_own_date_question_without_date_asks() -> None:
    req = detect("我什么时候能转正", TODAY)
    assert req is not None and req.kind == "date"
    assert req.missing[0].field == "date"


def test_term_without_org_asks() -> None:
    req = detect("2023年5月换届的，下次什么时候换届", TODAY)
    assert req is not None and "org" not in req.inputs
    assert [m.field for m in req.missing] == ["org"]


@pytest.mark.parametrize(
    "question",
    [
        "党费怎么交",
        "退休党员党费比例是多少",
        "党费交纳标准是什么",
        "学生党员党费交多少",
        "党费可以补交几个月",
        "党费计算基数包括哪些",
        "预备期多长时间",
        "预备党员什么时候转正",
        "多少党员可以成立党总支",
        "支委会最多几个人",
        "选举时到会人数要求是多少",
        "留党察看最长几年",
        "三会一课一般多久开一次",
        "一般党员交一半吗",
        "发展党员的流程是什么",
        "支部换届选举的程序",
        "入党申请书怎么写",
        "每月1000元以上的党费要上缴中央吗",
        "3000元以下按0.5%的标准对吗",
        "党费3000到5000之间交多少比例",
        "2024年党费交了多少",
        "",
    ],
)
def test_not_calculations(question: str) -> None:
    assert detect(question, TODAY) is None


# ---------------------------------------------------------------- commands


@pytest.mark.parametrize(
    ("args", "amount", "status"),
    [
        ("4800 退休", "4800", "退休"),
        ("退休 4800", "4800", "退休"),
        ("在职 7200", "7200", "在职"),
        ("五千二 在职", "5200", "在职"),
    ],
)
def test_parse_dues_args(args: str, amount: str, status: str) -> None:
    req = parse_dues_args(args)
    assert req.inputs["amount"] == Decimal(amount) and req.inputs["status"] == status
    assert not req.missing


def test_parse_dues_args_never_defaults_status() -> None:
    req = parse_dues_args("4800")
    assert req.inputs["status"] is None
    assert [m.field for m in req.missing] == ["status"]
    assert [m.field for m in parse_dues_args("退休").missing] == ["amount"]
    assert not parse_dues_args("学生").missing


def test_parse_count_args() -> None:
    e = parse_count_args("应到40 实到33 得票17")
    assert e.kind == "elected" and compute(e).value is True
    c = parse_count_args("正式5 预备2")
    assert c.kind == "committee" and compute(c).value is False
    q = parse_count_args("应到45 实到36")
    assert q.kind == "quorum" and compute(q).value is False
    r = parse_count_args("应到40 赞成21")
    assert r.kind == "resolution" and compute(r).value is True
    o = parse_count_args("党员52 党总支")
    assert o.kind == "org_form" and compute(o).value is True
    assert parse_count_args("应到40").missing[0].field == "present"
    assert parse_count_args("随便").missing[0].field == "args"


def test_a_branch_committee_election_names_the_branch() -> None:
    from datetime import date

    req = detect("2024年9月选的支委，哪年换届", date(2026, 12, 4))
    assert req is not None and req.inputs.get("org") == "支部" and not req.missing
