"""党费 for one member: the band of the whole monthly base (not progressive), or a fixed amount.

``monthly_dues(4800, "退休")`` → 每月 24.00 元. Every figure comes from ``knowledge/facts/dues.yaml``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bot.facts.calc import Calc, Missing, Rounding, num, pct, round_money, yuan
from bot.facts.store import fact

#: Canonical statuses; the first five are asked for when the status is missing.
STATUS_OPTIONS = ["在职", "退休", "农民", "学生", "下岗失业/低保"]
STATUSES = ("在职", "退休", "年薪制", "个体", "农民", "学生", "下岗失业", "低保", "抚恤救济")

_STATUS_WORDS: list[tuple[str, tuple[str, ...]]] = [
    # order matters: 退休 before 工资 (退休工资), 年薪 before 月薪
    ("退休", ("离退休", "退休", "离休", "养老金", "退休金", "退休费")),
    ("年薪制", ("年薪",)),
    ("个体", ("个体", "灵活就业", "自由职业", "自己做生意", "做生意")),
    ("农民", ("农民", "务农", "种地")),
    ("学生", ("学生", "在读", "研究生", "大学生")),
    ("下岗失业", ("下岗", "失业", "待业")),
    ("低保", ("低保", "最低生活保障")),
    ("抚恤救济", ("抚恤", "救济")),
    ("在职", ("在职", "上班", "月薪", "薪水", "工资", "在岗", "税后")),
]

_FIXED = {"学生", "下岗失业", "低保", "抚恤救济"}
_EDGE_SHARE = Decimal("0.02")  # a base within 2% of a band edge gets a warning
_ASK_STATUS = "你是在职、退休，还是学生/农民？"


def normalize_status(text: str | None) -> str | None:
    """A status word from free text or a command argument; None when none is recognised."""
    if not text:
        return None
    t = text.strip()
    if t in STATUSES:
        return t
    if t == "下岗失业/低保":
        return "下岗失业"
    for status, words in _STATUS_WORDS:
        if any(w in t for w in words):
            return status
    return None


def _bands(fid: str) -> list[tuple[Decimal | None, Decimal]]:
    return [
        (None if upper is None else Decimal(str(upper)), Decimal(str(rate)))
        for upper, rate in fact(fid).value
    ]


def _band_of(amount: Decimal, bands: list[tuple[Decimal | None, Decimal]]) -> int:
    for i, (upper, _rate) in enumerate(bands):
        if upper is None or amount <= upper:
            return i
    return len(bands) - 1


def _to_decimal(amount: Decimal | int | float | str | None) -> Decimal | None:
    if amount is None:
        return None
    try:
        d = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _ask_amount(status: str | None) -> Missing:
    if status == "退休":
        return Missing("amount", "每月基本退休金（基本养老金，不含津补贴）是多少元？")
    if status == "年薪制":
        return Missing("amount", "年薪制按当月实际领取的薪酬算：这个月实发（税后）多少元？")
    if status == "个体":
        return Missing("amount", "上个季度平均每月纯收入是多少元？")
    return Missing("amount", "每月税后工资（不含五险一金、改革性补贴等）是多少元？")


def monthly_dues(
    amount: Decimal | int | float | str | None,
    status: str | None,
    *,
    rounding: Rounding = "half_up",
    probationary: bool = False,
) -> Calc:
    """党费 per month for a base ``amount`` (元) and a ``status``; asks for what is missing."""
    st = normalize_status(status)
    base = _to_decimal(amount)
    calc = Calc(
        kind="dues",
        inputs={"amount": base, "status": st, "rounding": rounding, "probationary": probationary},
    )
    if probationary:
        pf = fact("dues.probationary_start")
        calc.warnings.append(f"预备党员从{pf.value}起交纳党费。")
        calc.cite(pf.citation)
    if st is None:
        calc.missing.append(Missing("status", _ASK_STATUS, list(STATUS_OPTIONS)))
        if base is None:
            calc.missing.append(_ask_amount(None))
        return calc
    if st in _FIXED:
        f = fact("dues.fixed.low_income")
        fixed = round_money(Decimal(str(f.value)), rounding)
        calc.value = fixed
        calc.result = f"每月 {yuan(fixed)} 元"
        calc.working = f"{st}党员每月固定交纳 {yuan(fixed)} 元，不按收入计算"
        calc.cite(f.citation)
        return calc
    if st == "农民":
        f = fact("dues.fixed.farmer")
        low, high = (Decimal(str(v)) for v in f.value)
        calc.value = (low, high)
        calc.result = f"每月 {num(low)}–{num(high)} 元"
        calc.working = (
            f"农民党员每月交纳 {num(low)}–{num(high)} 元，具体标准由本省（区、市）党委确定"
        )
        calc.cite(f.citation)
        calc.warnings.append("外出务工经商有收入的，按当地规定可能参照在职比例，请问所在党组织。")
        return calc
    if base is None or base <= 0:
        calc.missing.append(_ask_amount(st))
        return calc
    retired = st == "退休"
    fid = "dues.band.retired" if retired else "dues.band.in_work"
    bands = _bands(fid)
    i = _band_of(base, bands)
    rate = bands[i][1]
    exact = base * rate
    due = round_money(exact, rounding)
    if st == "年薪制":  # the base article first: one citation per document is shown
        calc.cite(fact("dues.base.annual_salary").citation)
    elif st == "个体":
        calc.cite(fact("dues.base.self_employed").citation)
    calc.cite(fact(fid).citation)
    if exact == due:
        calc.working = f"{num(base)} × {pct(rate)} = {yuan(due)} 元"
    else:
        how = "四舍五入" if rounding == "half_up" else "分以下舍去"
        calc.working = f"{num(base)} × {pct(rate)} = {num(exact)}，{how} {yuan(due)} 元"
    cap = Decimal(str(fact("dues.monthly_norm_max").value))
    if due > cap:
        calc.warnings.append(
            f"按比例是 {yuan(due)} 元；每名党员月交纳一般不超过 {num(cap)} 元，自愿可以多交。"
        )
        calc.cite(fact("dues.monthly_norm_max").citation)
        due = round_money(cap, rounding)
        calc.working += f"，超过一般上限，按 {num(cap)} 元"
    calc.value = due
    calc.result = f"每月 {yuan(due)} 元"
    calc.warnings.extend(_edge_warnings(base, bands, i, rounding))
    if retired:
        calc.warnings.append("基数只算基本退休金（基本养老金），不含各类津补贴。")
        calc.cite(fact("dues.base.retired").citation)
    else:
        calc.warnings.append("基数不含个税、五险一金（含单位部分）、年金和改革性补贴。")
        calc.cite(fact("dues.base.excluded").citation)
    return calc


def _edge_warnings(
    base: Decimal, bands: list[tuple[Decimal | None, Decimal]], i: int, rounding: Rounding
) -> list[str]:
    out: list[str] = []
    for j, (upper, rate) in enumerate(bands[:-1]):
        assert upper is not None
        if abs(base - upper) > upper * _EDGE_SHARE:
            continue
        nxt = bands[j + 1][1]
        at_edge = round_money(upper * rate, rounding)
        if j >= i:  # at or below the edge
            out.append(
                f"{num(upper)}元及以下按{pct(rate)}：{yuan(at_edge)}元；多1元就按{pct(nxt)}。"
            )
        else:
            out.append(
                f"刚过{num(upper)}元：整个基数都按{pct(bands[i][1])}，不分段累进；"
                f"{num(upper)}元及以下按{pct(rate)}只交{yuan(at_edge)}元，请核对基数。"
            )
    return out


def approximate_dues(low: Decimal, high: Decimal | None, status: str | None) -> Calc:
    """A base known only roughly (五千出头, 八千多): the rate when the whole range is in one band,
    else the exact figure is asked for."""
    st = normalize_status(status) or "在职"
    fid = "dues.band.retired" if st == "退休" else "dues.band.in_work"
    bands = _bands(fid)
    calc = Calc(kind="dues", inputs={"amount": None, "status": st, "range": (low, high)})
    i = _band_of(low, bands)
    j = len(bands) - 1 if high is None else _band_of(high, bands)
    if i != j:
        edge = bands[i][0]
        calc.missing.append(
            Missing("amount", f"这个数在{num(edge or low)}元上下，正好跨两档：准确的基数是多少元？")
        )
        return calc
    rate = bands[i][1]
    calc.cite(fact(fid).citation)
    lo = round_money(low * rate)
    low_s = num(low.quantize(Decimal(1)))
    if high is None:
        calc.result = f"按{pct(rate)}交，每月 {yuan(lo)} 元以上"
        span = f"基数超过{low_s}元"
    else:
        calc.result = f"按{pct(rate)}交，每月约 {yuan(lo)}–{yuan(round_money(high * rate))} 元"
        span = f"基数在{low_s}–{num(high.quantize(Decimal(1)))}元之间"
    calc.working = f"{span}，都在{pct(rate)}这一档，整个基数按{pct(rate)}计算、不累进；告诉我准确的数，可以算到分"
    return calc
