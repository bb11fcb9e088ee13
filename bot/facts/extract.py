"""A calculation request from a free-text question or a command's arguments.

``detect("退休金4800党费交多少", today)`` → CalcRequest("dues", {"amount": 4800, "status": "退休"}).
Precision first: a rules question (“退休党员党费比例是多少”) is not a calculation and gives None;
a question about the asker's own case with a figure missing gives the request with ``missing``.
Date questions are recognised and parsed (kind "date") but computed elsewhere.

What it reads, by Chinese number writing and by the regulations' own terms only:
numbers (七千二, 4k8, 4千8百, 一万零二百, 叁仟伍佰, 五毛, 两块五, festival days such as 七一);
rough pay (五千出头, 八千多, 六千五左右, 七八千, 过万) as a range, answered only when it sits in
one band; 应发/税前 less each 个税 and 五险一金 item; 改革性补贴 inside the pay; months of 补交
(前5个月, 8到11月) or of one payment (按季度交); 应到 from all members less 预备党员 and 留党察看,
实到 less the 预备党员 present or from the absentees; 书面意见 among the votes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import cn2an

from bot.facts import counts
from bot.facts.calc import Calc, Missing
from bot.facts.dues import STATUS_OPTIONS, monthly_dues, normalize_status
from bot.text import to_simplified


@dataclass
class CalcRequest:
    #: dues | date | committee | committee_meeting | org_form | joint | joint_count | quorum |
    #: quorum_min | vote_quorum | vote_min | elected | elected_each | votes_needed | resolution |
    #: yes_needed | candidates | extension_length
    kind: str
    inputs: dict[str, Any] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)


# ---------------------------------------------------------------- numbers

_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟]+")
_COUNTER = "人个名票元块毛角位月日号家张"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def normalize_numbers(text: str) -> str:
    """Arabic digits for Chinese numerals (五千二 → 5200, 三万 → 30000, 1.2万 → 12000).

    A single numeral character converts only before a counter (两个 → 2个), so 一般, 一半,
    三会一课 stay words.
    """
    t = text.translate(_FULLWIDTH)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    t = _festivals(t)

    def cn(m: re.Match[str]) -> str:
        run = m.group(0)
        nxt = t[m.end() : m.end() + 1]
        prev = t[m.start() - 1 : m.start()]
        if len(run) == 1 and (nxt not in _COUNTER or prev.isdigit()):
            return run  # 一般, 三会一课; 15000一个月 is not 150001个月
        if run[0] in "万亿点" or run[-1] == "点":
            return run
        try:
            value = cn2an.cn2an(run, "smart")
        except (ValueError, KeyError, IndexError):
            return run
        return _fmt(Decimal(str(value)))

    t = _CN_RUN.sub(cn, t)

    t = re.sub(r"\d+(?:\.\d+)?[万千kKwW](?:\d+[千百十])*\d?(?![\d万千百十])", _mixed, t)
    return _money_words(t)


_UNITS = {"万": 10000, "w": 10000, "W": 10000, "千": 1000, "k": 1000, "K": 1000, "百": 100, "十": 10}


def _mixed(m: re.Match[str]) -> str:
    """Digits with unit characters: 1.2万 → 12000, 4k8 → 4800, 4千8百 → 4800, 1万2 → 12000."""
    value, last = Decimal(0), Decimal(1)
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)([万千百十kKwW]?)", m.group(0)):
        if unit:
            last = Decimal(_UNITS[unit])
            value += Decimal(num) * last
        else:  # a bare digit after a unit is the next place down: 4k8, 1万2
            value += Decimal(num) * last / 10
    return _fmt(value)


def _money_words(t: str) -> str:
    """Spoken money: 2块5 → 2.5元, 5毛 / 5角 → 0.5元, 1块2毛 → 1.2元, 3毛5 → 0.35元."""
    t = re.sub(r"(?<![\d.])(\d+)[块元](\d)[毛角](?:(\d)分?)?", lambda m: f"{m[1]}.{m[2]}{m[3] or ''}元", t)
    t = re.sub(r"(?<![\d.])(\d+)块(\d)(?![\d毛角分])", r"\1.\2元", t)
    return re.sub(r"(?<![\d.])(\d)[毛角](?:(\d)分?)?", lambda m: f"0.{m[1]}{m[2] or ''}元", t)


#: days named by their festival: 建党节 七一, 国庆, 元旦, 劳动节 (五一/七一/八一 only after a year)
_FESTIVALS = (
    (r"(?:七一)?建党节|建党纪念日|(?<=年)(?:七一|七月一号?)(?![日号\d])", "7月1日"),
    (r"(?:五一)?劳动节|(?<=年)五一(?![日号\d])", "5月1日"),
    (r"(?:八一)?建军节|(?<=年)八一(?![日号\d])", "8月1日"),
    (r"国庆节?", "10月1日"),
    (r"元旦", "1月1日"),
)


def _festivals(t: str) -> str:
    for pat, day in _FESTIVALS:
        t = re.sub(pat, day, t)
    return re.sub(r"(?<=年)的(?=\d{1,2}月1日)", "", t)  # 去年的国庆 → 去年10月1日


def _fmt(d: Decimal) -> str:
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")


# ---------------------------------------------------------------- dues

_DUES = re.compile(r"党费")
_AMOUNT_NOT = r"(?![\d.]*\s*[元块]?\s*(?:年|岁|%|％|个月|月|号|日|人|名|票|次|天|以上|以下|及以下|以内|至|到|-|—|～|~|多|出头|左右|上下|[)）、]))"
_AMOUNT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)" + _AMOUNT_NOT)
_SELF = re.compile(r"我|俺|本人|咱|我家|我爸|我妈|老伴|父亲|母亲")
_ASK_OWN = re.compile(
    r"一次交多少|交多少|缴多少|该交|要交|得交|应交|交几|算一下|帮我算|多少钱|交多少钱|党费多少|补多少|一共多少"
)
_RATE_Q = re.compile(r"比例|标准|档次|怎么算|怎么交|如何交|规定|几档|基数包括|哪些")
_INCOME = re.compile(
    r"工资|到手|月薪|收入|退休金|退休费|养老金|薪水|薪酬|年薪|基数|税后|每月|一个月|月入|拿|应发|税前|净挣|挣了|赚了"
)
_IN_WORK = re.compile(r"到手|税后|实发|月薪|工资|薪水|薪酬|月入|扣完|扣除|应发|税前")
#: a dues question that never says 党费: an income figure asked by the dues bands (按哪个比例,
#: 按2%交), unless the tax or the insurance itself is what is asked about
_BAND_ASK = re.compile(
    r"按(?:哪个|哪一|几个点|什么|多少)(?:档|比例|个点)?(?:比例)?|按\s*(?:0\.5|1|1\.5|2)\s*[%％]\s*(?:交|缴|算)"
)
_OTHER_PAYMENT = re.compile(
    r"(?:个税|所得税|社保|公积金|医保|养老保险)(?:要|该|得|应)?(?:交|缴|扣)多少|(?:交|缴|扣)多少(?:个税|所得税|社保|公积金)"
    r"|会费|团费|工会经费"
)
#: the figure after these words is the base itself (net pay, pension), not the gross pay
_NET = re.compile(r"税后|到手|实发|扣完|扣除后|净收入|纯收入|退休金|退休费|养老金")
_GROSS = re.compile(r"(?:应发|税前|工资总额|应付工资)(?:工资)?(?:是|为|有|共|合计)?\s*(\d+(?:\.\d+)?)")
#: deductions that are not part of the base (组电明字〔2017〕5号 一、(2)): name → pattern
_DEDUCTION = (
    r"五险一金|三险一金|四险一金|社保和公积金|社保加公积金|社保公积金|社会保险|社保|养老保险|医疗保险|医保|"
    r"失业保险|住房公积金|公积金|个人所得税|所得税|个税|职业年金|企业年金|年金"
)
_TAX = ("个人所得税", "所得税", "个税")
_DED_WORDS = r"(?:个人部分|个人缴纳?|个人扣|个人|部分|合计|一共|共|扣了?|缴了?|交了?|是|为|要|的|：|:)*\s*"
#: 补交 over several months: 前5个月, 这6个月, 8到11月, 半年
_MAKEUP = re.compile(r"补交|补缴|补上|补齐|补(?!助|贴|充|发)|欠|没交|未交|漏交|拖")
_QUARTER_INCOME = re.compile(r"(?:上|上一|上个)季度.{0,12}?(?:纯收入|净收入|净挣|挣了?|赚了?|收入)")


def _is_dues(text: str) -> bool:
    """党费 named, or a member's monthly payment (党员每月交0.5元), or a pay figure asked by the
    dues bands (按哪个比例, 按2%交); never when the tax or the insurance is what is asked."""
    if _DUES.search(text):
        return True
    if _OTHER_PAYMENT.search(text):
        return False
    if re.search(r"党员.{0,16}(?:每月|每个月|按月)(?:交|缴|[^，,。]{0,3}?[\d.]+\s*元)", text):
        return True
    if re.search(r"党员", text) and re.search(r"(?:0\.5|1|1\.5|2)\s*[%％]", text) and re.search(
        r"(?:交|收|缴)\s*\d+(?:\.\d+)?\s*(?:块|元)", text
    ):
        return True  # 按1.5%算，一个月交90块: a member's dues worked out by a rate
    if _NET.search(text) and re.search(r"(?:每月|每个月|一个月|月)?(?:交|缴)?多少(?:钱)?[?？]?$", text):
        return bool(_AMOUNT.search(text))  # 他税后5500，每月多少: the follow-up of a dues question
    return bool(_AMOUNT.search(text) and _INCOME.search(text) and _BAND_ASK.search(text))


def _months_owed(text: str) -> int | None:
    """How many months a 补交 covers: 前5个月, 3个月, 8到11月, 11月到次年2月, 半年; or, as a
    negative number, how many a payment made every quarter / half year covers (季度交一次)."""
    every = re.search(r"(季度|半年|一年|全年)(?:才)?(?:交|缴)一次|(?:按|每)(季度|半年)(?:交|缴)", text)
    if every and re.search(r"一次|每次", text):
        return -{"季度": 3, "半年": 6, "一年": 12, "全年": 12}[every.group(1) or every.group(2)]
    if _QUARTER_INCOME.search(text):
        return None  # 上季度三个月纯收入: the base period, not months owed
    if not _MAKEUP.search(text) and not re.search(r"(?:一共|总共|合计|共)(?:要|该|得|应)?(?:补|交|缴)", text):
        return None
    m = re.search(r"(?<![\d.])(\d{1,2})\s*个\s*月", text)
    if m and 0 < int(m[1]) <= 24:
        return int(m[1])
    m = re.search(r"(?<![\d.])(\d{1,2})\s*月?\s*(?:到|至|-|—|~|～)\s*(?:次年|第二年|明年)?(\d{1,2})\s*月", text)
    if m and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 12:
        a, b = int(m[1]), int(m[2])
        return b - a + 1 if a <= b else b + 12 - a + 1
    if re.search(r"半年", text) and _MAKEUP.search(text):
        return 6
    return None


def _deductions(text: str) -> dict[str, Decimal]:
    """Each deduction named with its figure (个税176.4, 社保600, 公积金900); 个税是0 / 没有个税 → 0."""
    out: dict[str, Decimal] = {}
    pattern = f"({_DEDUCTION}){_DED_WORDS}(?:(\\d+(?:\\.\\d+)?)|零|没有|没扣|不用交|免)"
    for m in re.finditer(pattern, text):
        out.setdefault(m.group(1), Decimal(m.group(2)) if m.group(2) else Decimal(0))
    for m in re.finditer(f"(?:没有|不交|不扣|免)({_DEDUCTION})", text):
        out.setdefault(m.group(1), Decimal(0))
    return out


def _gross_base(text: str, inputs: dict[str, Any]) -> Missing | None:
    """应发 (税前) given: the base is 应发 minus 个税 and 五险一金; both must be stated."""
    m = _GROSS.search(text)
    if not m or _NET.search(text):
        return None
    gross = Decimal(m.group(1))
    ded = _deductions(text)
    inputs["gross"] = gross
    inputs["deductions"] = ded
    has_tax = any(k in _TAX for k in ded)
    has_insurance = any(k not in _TAX and "年金" not in k for k in ded)
    if not (has_tax and has_insurance):
        inputs["amount"] = None
        return Missing(
            "amount",
            "应发（税前）不能直接当基数：个税和五险一金个人部分各扣了多少？（或直接告诉我税后数）",
        )
    inputs["amount"] = gross - sum(ded.values())
    return None


def _farmer_rate(text: str) -> Decimal | None:
    """The monthly amount a 农民 member's branch or province set: 每月交0.5元."""
    m = re.search(r"(?:每月|每个月|一个月|按月|月)(?:交|缴|定|是|按)?(?:纳)?\s*(\d+(?:\.\d+)?)\s*元", text)
    return Decimal(m.group(1)) if m else None


def _dues_status(text: str, has_amount: bool) -> str | None:
    status = normalize_status(text)
    if status in (None, "在职") and _QUARTER_INCOME.search(text):
        return "个体"  # no monthly pay: the base is last quarter's average (规定 第四条)
    pay = [m for m in _IN_WORK.finditer(text) if not re.search(r"(?:没|无|没有|不拿|不发)$", text[: m.start()])]
    if status in (None, "学生") and has_amount and pay:
        return "在职"  # 到手/税后/月薪/工资: pay from work (大学生村官, 在职研究生), not a pension
    return status


def _pick_amount(text: str, amounts: list[re.Match[str]]) -> Decimal | None:
    # the base is the figure after an income word; an allowance (200多补贴) is not the base
    based = [m for m in amounts if _INCOME.search(text[max(0, m.start() - 6) : m.start()])]
    net = [m for m in based if _NET.search(text[max(0, m.start() - 8) : m.start()])]
    extras = [
        m
        for m in amounts
        if re.match(r"[\d.]*\s*[元块]?多?(?:的)?(?:补贴|津贴|奖金|补助)", text[m.start() :])
    ]
    chosen = net or based or [m for m in amounts if m not in extras] or amounts
    if not chosen:
        return None
    raised = [m for m in amounts if re.search(r"(?:涨到|涨为|调到|调整为|调整到|提高到|变成|改为|涨成)$", text[: m.start()])]
    if raised:
        return Decimal(raised[-1].group(1))  # 从9800涨到10200: the new pay is the base from that month
    return Decimal(chosen[-1 if not based else 0].group(1))


_APPROX = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:元|块)?\s*(多|出头|左右|上下|来)")
#: the monthly dues themselves, not the base: 每月交党费84元, 党费每月126
_GIVEN_DUES = re.compile(
    r"(?:交|缴)?党费(?:每月|每个月|一个月)?(?:是|为|交|缴)?(?:了)?\s*(\d+(?:\.\d+)?)\s*元"
    r"|(?:每月|每个月)(?:交|缴)(?:党费)?\s*(\d+(?:\.\d+)?)\s*元(?:的)?党费"
)


def _approx_range(text: str) -> tuple[Decimal, Decimal | None] | None:
    """五千出头 → (5000, 5500]; 八千多 → (8000, 9000); 六千五左右 → 6450–6550."""
    pair = re.search(r"([一二两三四五六七八九])([二三四五六七八九])\s*([千万])", text)  # 七八千
    digits = "一二三四五六七八九"
    if pair and _INCOME.search(text[max(0, pair.start() - 8) : pair.start()]):
        a, b = digits.find(pair[1].replace("两", "二")) + 1, digits.find(pair[2]) + 1
        if b == a + 1:
            unit = Decimal(10000 if pair[3] == "万" else 1000)
            return a * unit, b * unit
    if re.search(r"(?:过|上)万", text) and _INCOME.search(text):
        return Decimal("10000.01"), None  # 月入过万: more than 10000, no top
    m = _APPROX.search(text)
    if not m or not _INCOME.search(text[max(0, m.start() - 8) : m.start()]):
        return None
    x = Decimal(m.group(1))
    digits = str(int(x))
    step = Decimal(10) ** (len(digits) - len(digits.rstrip("0")))  # 8000 → 1000, 6500 → 100
    if m.group(2) == "出头":  # 五千出头: a little over, within a tenth
        return x + Decimal("0.01"), x * Decimal("1.1")
    if m.group(2) == "多":  # 八千多: up to the next unit
        return x + Decimal("0.01"), x + step - Decimal("0.01")
    return x - step / 2, x + step / 2  # 六千五左右 → 6450–6550; 三千左右 → 2500–3500


def _dues_amounts(text: str, months: int | None) -> list[re.Match[str]] | None:
    """The figures that may be the base; None when the question is not a calculation."""
    amounts = [m for m in _AMOUNT.finditer(text) if Decimal(m.group(1)) >= 1]
    has_income = bool(_INCOME.search(text))
    own = bool(_SELF.search(text)) and bool(_ASK_OWN.search(text))
    if amounts and (has_income or _ASK_OWN.search(text)) and not (_RATE_Q.search(text) and not has_income):
        return amounts
    fixed = normalize_status(text) in ("学生", "下岗失业", "低保", "抚恤救济") and re.search(
        r"一共|总共|合计|全年|一年", text
    )  # a total for a fixed-rate member; “学生党员党费交多少” alone is the rule
    if (own or months or fixed or _approx_range(text)) and not (
        _RATE_Q.search(text) and not (months or has_income)
    ):
        return []
    return None


def _monthly_base(text: str, amounts: list[re.Match[str]], status: str | None, inputs: dict[str, Any]) -> None:
    amount = _pick_amount(text, amounts)
    if status == "年薪制":
        month = re.search(r"(?:当月|这个月|本月|这月)[^，,。；;]{0,10}?(\d+(?:\.\d+)?)" + _AMOUNT_NOT, text)
        if month:
            amount = Decimal(month.group(1))  # the pay actually received this month (规定 第三条)
        elif amount is not None and amount >= 50000:
            inputs["annual"] = amount  # an annual figure is not the monthly base
            amount = None
    elif amount is not None and re.search(
        r"(?:年收入|一年收入|全年收入|年终奖|一年|全年|年底)[^，,。；;\d]{0,4}$", text[: _amount_at(text, amount)]
    ):
        inputs["annual"] = amount  # a year's income is not the monthly base: ask for the month
        amount = None
    inputs["amount"] = amount
    if amount is None and (rng := _approx_range(text)):
        inputs["approx"] = rng
    if amount is not None and (inside := _allowances_inside(text)):
        inputs["gross"], inputs["deductions"] = amount, inside  # 改革性补贴 are not in the base
        inputs["amount"] = amount - sum(inside.values())


#: 改革性补贴 (组电明字〔2017〕5号 一、(2)): counted inside a pay figure, they come off the base
_ALLOWANCE = r"(?:交通|通讯|通信|住房|误餐|取暖|防暑降温|物业|公务用车|车改|加班)(?:补贴|补助|费)"


def _allowances_inside(text: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    pat = r"(?:其中|包括|包含|含|里面有|里头有)(?:了)?[^，,。；;\d]{0,4}?(\d+(?:\.\d+)?)\s*(?:元|块)?(?:的)?(" + _ALLOWANCE + ")"
    for m in re.finditer(pat, text):
        out[m.group(2)] = Decimal(m.group(1))
    return out


def _each_person(text: str, amounts: list[re.Match[str]]) -> list[tuple[str, Decimal, str | None]]:
    """(who, base, status) for each member's figure: the words since the last comma name them."""
    out: list[tuple[str, Decimal, str | None]] = []
    for m in amounts:
        head = re.split(r"[，,。；;、]", text[: m.start()])[-1]
        who = re.sub(r"(?:每月|每个月|一个月|的|是|有|税后|到手|月薪|工资|退休金|养老金|退休费|收入)+$", "", head)
        out.append((who[-4:] or f"第{len(out) + 1}位", Decimal(m.group(1)), normalize_status(head)))
    return out if len(out) >= 2 else []


def _amount_at(text: str, amount: Decimal) -> int:
    """Where the figure ``amount`` starts in ``text`` (0 when not found)."""
    for m in _AMOUNT.finditer(text):
        if Decimal(m.group(1)) == amount:
            return m.start()
    return 0


def _dues_request(text: str) -> CalcRequest | None:
    if not _is_dues(text):
        return None
    months = _months_owed(text)
    given = _GIVEN_DUES.search(text)
    if given and months:
        dues = Decimal(given.group(1) or given.group(2))
        given_in: dict[str, Any] = {"status": None, "monthly_dues": dues, "months": abs(months)}
        return CalcRequest("dues", given_in | ({"periodic": True} if months < 0 else {}))
    amounts = _dues_amounts(text, months)
    if amounts is None:
        return None
    status = _dues_status(text, bool(amounts) or _approx_range(text) is not None)
    inputs: dict[str, Any] = {"status": status}
    if "预备党员" in text:
        inputs["probationary"] = True
    if months:
        inputs["months"] = abs(months)
        if months < 0:
            inputs["periodic"] = True  # 按季度交, 一次交多少: not arrears
    _monthly_base(text, amounts, status, inputs)
    if re.search(r"各交|各自|分别|各多少|俩人各|两人各|各要交|各该交", text) and (each := _each_person(text, amounts)):
        inputs["each"] = each  # 老张退休金4200，老李5600，各交多少: one figure per member
    missing: list[Missing] = []
    gross_missing = _gross_base(text, inputs)
    if gross_missing is not None:
        missing.append(gross_missing)
    if status == "农民" and (rate := _farmer_rate(text)) is not None:
        inputs["farmer_rate"] = rate
    if status is None:
        missing.append(Missing("status", "你是在职、退休，还是学生/农民？", list(STATUS_OPTIONS)))
    calc = monthly_dues(inputs["amount"], status or "在职")
    if (
        inputs["amount"] is None
        and "approx" not in inputs
        and status not in ("学生", "下岗失业", "低保", "抚恤救济", "农民")
        and gross_missing is None
    ):
        missing.extend(m for m in calc.missing if m.field == "amount")
    return CalcRequest("dues", inputs, missing)


# ---------------------------------------------------------------- counts

_N = r"(\d+)"


def _int(pattern: str, text: str) -> int | None:
    """The first number the pattern captures (its first group that matched)."""
    m = re.search(pattern, text)
    if not m:
        return None
    return int(next(g for g in m.groups() if g is not None))


_RIGHTS = r"有(?:选举|表决)权的?(?:正式)?(?:党员)?"
_ASKS = re.compile(
    r"吗|么|能不能|可不可以|够不够|是否|算不算|算数|有没有效|多少|几|要不要|需不需要|用不用|该不该|"
    r"行不行|有效不|通过没|[不没]有?[?？]?$|[不没]有?[?？]|对吧|是吧|对不对|吧[?？。]*$|谁当选|哪些人当选|谁选上"
)
_PRESENT = (
    r"(?<!应)(?:实到|实际到|来了|到了|到会|到场|在场|与会|出席|参会|参加|签到|(?:只|估计|大概)?(?:能|会)?来)(?:会)?(?:了)?(?:"
    + _RIGHTS
    + r")?(?:党员)?(?:的)?(?:有)?\s*"
    + _N
)
_PROB_IN = (
    r"[^。？?；;]{0,6}?(?:其中|里面|里头|当中|包括|含)(?:有)?(?:"
    + r"(\d+)\s*(?:个|名|位)?(?:是)?预备党员|预备党员(?:有|是)?\s*(\d+))"
)
_ELECT = re.compile(r"当选|选上|选得上|选进|落选")
_DECIDE = re.compile(r"通过|决议|表决|接收|转正")
_AT_LEAST = re.compile(
    r"至少|最少|起码|最低|几票|多少票|多少张|多少人赞成|几个人赞成|几人赞成|超过多少|超过几|要多少|得多少"
)
_MEETING = re.compile(r"选举|换届|表决|开会|到会|有效|实到|来了|到了|到场|与会|出席")
_SETUP = re.compile(
    r"(?:成立|设立|建立|组建|升格为?|改为|改成|设|建|够)[^，,。？?]{0,4}?(联合党支部|党总支|总支|党委|支部)"
    r"|(联合党支部|党总支|总支|党委|支部)[^，,。？?]{0,3}(?:够|能设|可以设|能成立|可以成立)"
)
_TARGETS = {"联合党支部": "联合党支部", "党总支": "党总支", "总支": "党总支", "党委": "基层党委", "支部": "党支部"}


@dataclass
class _Heads:
    """The head counts a question gives; ``note`` says how a derived count was reached."""

    expected: int | None = None
    present: int | None = None
    votes: int | None = None
    yes: int | None = None
    written: int = 0
    full: int | None = None
    prob: int | None = None
    members: int | None = None
    units: int | None = None
    prob_present: int = 0
    note: str = ""


def _explicit_expected(text: str) -> int | None:
    return (
        _int(r"应到(?:会)?(?:有(?:选举|表决)权的?)?(?:正式)?(?:党员)?(?:有|是|为)?\s*" + _N, text)
        or _int(r"(?<!实到)(?<!到会)(?<!实际到)" + _RIGHTS + r"(?:有|共|一共)?\s*" + _N, text)
        or _int(_N + r"\s*(?:个|名|位)?" + _RIGHTS, text)
    )


def _votes(text: str) -> tuple[int | None, int | None]:
    votes = (
        _int(_N + r"\s*票", text)
        or _int(r"得票\s*" + _N, text)
        or _int(r"票\s*" + _N + r"\s*张", text)
        or _int(_N + r"\s*张(?:赞成)?票?", text)
    )
    yes = (
        _int(r"(?:赞成|同意)(?:票)?(?:的)?(?:有)?\s*" + _N, text)
        or _int(_N + r"\s*(?:个人|人|个|名)?(?:投)?(?:赞成|同意)", text)
        or votes
    )
    return votes, yes


def _written(text: str) -> int:
    """Absent members' 书面意见 in favour: “2名出差的党员会前交了书面意见，都表示同意”."""
    m = re.search(_N + r"\s*(?:名|个|位)?[^，,。；;]{0,20}?书面意见([^。；;]{0,12})", text)
    if not m or not re.search(r"同意|赞成", m.group(2)) or re.search(r"不同意|反对", m.group(2)):
        return 0
    return int(m.group(1))


def _heads(text: str) -> _Heads:
    h = _Heads()
    h.votes, h.yes = _votes(text)
    h.written = _written(text)
    pm = re.search(_PRESENT, text)
    cut = pm.start() if pm else len(text)
    before = text[:cut]
    if pm is None:  # 也就是101个人就可以开始选举了吧: the number claimed to be enough
        pm = re.search(_N + r"\s*(?:个)?(?:人|名)(?:到会)?就(?:可以|能|够|行)", text)
    if pm:
        h.present = int(pm.group(1))
        h.prob_present = _int(r"^" + _PROB_IN, text[pm.end() :]) or 0
    h.full = _int(_N + r"\s*(?:个|名|位)?正式党员", before) or _int(r"正式(?:党员)?\s*" + _N, before)
    h.prob = _earliest([_N + r"\s*(?:个|名|位|人)?(?:是)?预备党员", r"预备(?:党员)?(?:有|是)?\s*" + _N], before)
    counted = re.sub(r"(?:超过|满|达到|不到|不足|够|过)(\d+)", lambda m: "＿" * len(m.group(0)), text)
    h.members = _earliest(  # 超过50人了 is the threshold, not the count
        [_N + r"\s*(?:个|名|位)?(?:党员|人)", r"党员(?:现在|目前|已经|一共|共|总共|已)*(?:有|达到|达)?(?:了)?\s*" + _N],
        counted,
    )
    h.units = _int(_N + r"\s*(?:家|个)(?:单位|企业|公司|小微企业|门店|商户|机构|社会组织)", text) or _int(
        _N + r"\s*家", text
    )
    masked = text if pm is None else text[: pm.start()] + "＿" * (pm.end() - pm.start()) + text[pm.end() :]
    h.expected = _explicit_expected(masked)  # the 实到 clause's own number is not 应到
    absent = _int(r"(?:缺席|请假|请了假|没来|未到|缺)(?:了)?\s*" + _N, text) or _int(
        _N + r"\s*(?:个|名|位)?(?:正式党员|党员|人)?(?:因故|因事|因病)?(?:请假|缺席|没来|未到)", text
    )
    if h.expected is None and (pm or absent or _MEETING.search(text)):
        _derive_expected(h, text, before)
    if h.present is None and absent is not None and h.expected is not None:
        h.present = h.expected - absent  # 请假3人，其余都到了
        h.note += f"应到{h.expected}人，缺席{absent}人，实到有权的{h.present}人；"
        return h
    elif h.expected is not None and (m := re.search(r"应到(?:会)?(?:党员)?\s*\d+\s*(?:人|名|个)?", text)):
        inner = _int(r"^" + _PROB_IN, text[m.end() :])  # 应到40人（其中预备党员3人）: no vote
        if inner:
            h.note = f"应到{h.expected}人减去没有表决权、选举权的预备党员{inner}人，为{h.expected - inner}人；"
            h.expected -= inner
    return h


def _voters_present(h: _Heads) -> int | None:
    """Those present with a vote: 预备党员 among them have none (the note says so)."""
    if h.present is None or not h.prob_present:
        return h.present
    voters = h.present - h.prob_present
    h.note += f"到会{h.present}人减去没有表决权、选举权的预备党员{h.prob_present}人，实到有权的{voters}人；"
    return voters


def _right(text: str) -> str:
    """选举权 at an election, 表决权 at a vote."""
    return "选举权" if re.search(r"选举|换届|当选|候选", text) else "表决权"


def _earliest(patterns: list[str], text: str) -> int | None:
    """The number of whichever pattern matches first in ``text`` (支部党员33人 before 1名党员…)."""
    found = [m for m in (re.search(p, text) for p in patterns) if m]
    if not found:
        return None
    m = min(found, key=lambda m: m.start())
    return int(next(g for g in m.groups() if g is not None))


def _derive_expected(h: _Heads, text: str, before: str) -> None:
    """应到 with a vote: all members less 预备党员 and members under 留党察看 (no vote)."""
    total = _earliest(
        [_N + r"\s*(?:个|名|位)?党员", r"(?<!正式)(?<!预备)党员(?:一共|共|总共|有)?\s*" + _N + r"\s*(?:人|名|个)"],
        before,
    )
    susp = (
        _int(_N + r"\s*(?:个|名|位|人)?(?:党员)?(?:正在|在|处于)?(?:受|接受)?(?:到)?(?:了)?留党察看", text)
        or _int(r"留党察看(?:期间|期)?(?:的)?(?:党员)?(?:有)?\s*" + _N, text)
        or 0
    )
    if total is not None and (h.prob or susp):
        h.expected = total - (h.prob or 0) - susp
        parts = "".join(
            f"减去{w}{n}人" for w, n in (("预备党员", h.prob or 0), ("留党察看的", susp)) if n
        )
        h.note = f"党员{total}人{parts}，应到会有{_right(text)}的{h.expected}人；"
    elif h.full is not None:
        h.expected = h.full - susp
        if susp:
            h.note = f"正式党员{h.full}人减去留党察看的{susp}人，应到会有{_right(text)}的{h.expected}人；"


def _counts_request(text: str) -> CalcRequest | None:
    if not _ASKS.search(text):
        return None
    if re.search(r"(?:过|超过|满|达到|够)\s*\d+\s*(?:个|名|人)?(?:以上)?(?:党员)?(?:才|就)", text):
        return None  # 要过100人才能成立党总支: a threshold stated as a rule, not a head count
    h = _heads(text)
    for decide in (_seats_req, _joint_req, _vote_req, _committee_meeting_req, _meeting_req, _committee_req, _org_req):
        req = decide(text, h)
        if req is not None:
            if h.note:
                req.inputs["note"] = h.note
            return req
    return None


def _seats_req(text: str, h: _Heads) -> CalcRequest | None:
    seats = _int(r"应选(?:委员|支委)?\s*" + _N, text) or _int(
        r"选\s*" + _N + r"\s*(?:名|个)?(?:委员|支委)", text
    ) or _int(r"(?:委员|支委)应选\s*" + _N, text) or _int(r"(?:设|选)?\s*" + _N + r"\s*(?:名|个)(?:委员|支委)", text)
    if seats is not None and "候选" in text:
        proposed = _int(r"候选人(?:提了|提名了?|有|定了?|是)?\s*" + _N, text) or _int(
            _N + r"\s*(?:个|名|位)?(?:正式)?候选人", text
        )
        inputs: dict[str, Any] = {"seats": seats}
        if proposed is not None and proposed != seats:
            inputs["proposed"] = proposed  # 候选人8个行不行: a verdict, not only the least number
        return CalcRequest("candidates", inputs)
    return None


def _joint_req(text: str, h: _Heads) -> CalcRequest | None:
    if h.units is not None and "联合" in text and re.search(
        r"几个联合|多少个联合|(?:建|设|成立|要建|得建)(?:几个|多少个)", text
    ):
        return CalcRequest("joint_count", {"units": h.units})
    units = [int(n) for n in re.findall(_N + r"\s*(?:个|名|位)?正式党员", text)] + [
        int(n) for n in re.findall(r"正式党员(?:只有|有|共)?\s*" + _N, text)
    ]
    each = _int(
        r"(?:各有|每家|每个单位|每个企业|每家都)(?:只有|都有|有)?\s*" + _N + r"\s*(?:个|名|位)?(?:正式)?党员",
        text,
    )
    if len(units) < 2 and h.units and each is not None and not re.search(r"到\s*\d", text):
        units = [each] * h.units  # 4家小企业各有1名正式党员
    if len(units) >= 2 and re.search(r"凑|联合|一起|合建|合起来|共同|一块", text):
        return CalcRequest("joint", {"units": units})
    return None


def _vote_req(text: str, h: _Heads) -> CalcRequest | None:
    asks_votes = h.votes is None and "候选人" in text and re.search(r"几票|多少票", text)
    elect = _ELECT.search(text) or asks_votes or (
        re.search(r"过半|过了半数|超过半数", text)
        and re.search(r"选举|选委员|选支委|候选", text)
        and not _DECIDE.search(text)
    )
    if elect:
        if h.votes is None and h.present is not None and _AT_LEAST.search(text):
            return CalcRequest("votes_needed", {"present": h.present, "probationary": h.prob_present})
        if h.votes is None:
            return None
        present = _voters_present(h)
        each = re.findall(r"([\u4e00-\u9fff]{1,3}?)(?:得了|得到|获得|得|获)\s*(\d+)\s*票", text)
        if len(each) >= 2:
            return CalcRequest("elected_each", {"votes": [(n, int(v)) for n, v in each], "present": present})
        miss = [] if present is not None else [Missing("present", "实际到会的有选举权党员是多少人？")]
        return CalcRequest("elected", {"votes": h.votes, "present": present, "expected": h.expected}, miss)
    if not _DECIDE.search(text):
        return None
    if h.yes is not None:
        miss = [] if h.expected is not None else [Missing("expected", "应到会有表决权的正式党员是多少人？")]
        inputs: dict[str, Any] = {"yes": h.yes, "expected": h.expected, "present": h.present}
        if h.written:
            inputs["written"] = h.written  # 书面意见 count among the votes
        return CalcRequest("resolution", inputs, miss)
    if h.expected is not None and _AT_LEAST.search(text) and re.search(r"赞成|同意|票", text):
        return CalcRequest("yes_needed", {"expected": h.expected})
    return None


def _meeting_req(text: str, h: _Heads) -> CalcRequest | None:
    if h.expected is None:
        if h.present is not None and re.search(r"有效|能选|能不能选|能否选|可以选", text) and re.search(
            r"选举|换届|选支委|选委员", text
        ):  # 实到30人有效吗: 应到 is the input to ask for, never to guess
            miss = [Missing("expected", "应到会有选举权的党员是多少人（预备党员、留党察看的不算）？")]
            return CalcRequest("quorum", {"expected": None, "present": _voters_present(h)}, miss)
        return None
    expected, present = h.expected, _voters_present(h)
    if present is not None and "表决权" in text and not re.search(r"选举|换届|选委员|选支委", text):
        return CalcRequest("vote_quorum", {"expected": expected, "present": present})
    if present is not None and re.search(r"有效|选举|换届|开会|会议|够|算数|能不能选|能选", text):
        return CalcRequest("quorum", {"expected": expected, "present": present})
    if (
        present is None
        and re.search(r"最少|至少|起码|多少人|几个人|几人", text)
        and re.search(r"有效|选举|换届|开会|表决", text)
    ):
        kind = "quorum_min" if re.search(r"选举|换届", text) or "选举权" in text else "vote_min"
        return CalcRequest(kind, {"expected": expected})
    return None


def _committee_meeting_req(text: str, h: _Heads) -> CalcRequest | None:
    """支委会5个人，到了2个，开会决定有效吗: the committee's own meeting quorum."""
    if not re.search(r"支委会|支部委员会|支委", text) or not re.search(r"开会|会议|决定|有效|算数", text):
        return None
    members = _int(r"(?:支委会|支部委员会|支委)(?:一共|共|有)?\s*" + _N + r"\s*(?:个|名|位)?(?:人|委员)", text) or _int(
        _N + r"\s*(?:个|名|位)(?:支委|委员)", text
    )
    if members is None or members > 11:
        return None
    present = h.present
    absent = _int(_N + r"\s*(?:个|名|位)?(?:人|委员)?(?:都)?(?:出差|请假|缺席|没来|不在|没到)", text)
    if present is None and absent is not None:
        present = members - absent
    if present is None:
        named = re.findall(r"(书记|副书记|组织委员|宣传委员|纪检委员|青年委员|统战委员)", text.split("到了")[0] if "到了" in text else "")
        present = len(set(named)) or None
    return CalcRequest("committee_meeting", {"members": members, "present": present})


def _committee_req(text: str, h: _Heads) -> CalcRequest | None:
    if "支委" not in text and "支部委员会" not in text:
        return None
    if h.full is None and h.prob is None and h.members is None:
        return None
    miss = [] if h.full is not None else [Missing("full", "其中正式党员几人（预备党员不算）？")]
    if h.full is not None and h.prob and re.search(r"转正(?:后|以后|之后)|到时候", text):
        h.note = f"预备党员{h.prob}人转正后，正式党员{h.full}+{h.prob}={h.full + h.prob}人；"
        return CalcRequest("committee", {"full": h.full + h.prob, "probationary": None})
    return CalcRequest("committee", {"full": h.full, "probationary": h.prob}, miss)


def _org_req(text: str, h: _Heads) -> CalcRequest | None:
    m = _SETUP.search(text)
    if m is None or re.search(r"归谁|谁管|谁领导|由谁领导|隶属|归哪", text[m.end() :]):
        return None  # who leads the new branch is a rules question, not a head count
    target = _TARGETS[m.group(1) or m.group(2)]
    if target == "党支部" and "联合党支部" in text:
        target = "联合党支部"
    members = h.members
    if h.full is not None and h.prob is not None:
        members = h.full + h.prob
    elif members is None:
        members = h.full
    if members is None:
        return None
    inputs: dict[str, Any] = {"members": members, "full": h.full, "target": target}
    if "村" in text:
        inputs["village"] = True  # 村党委: 县级地方党委批准
    if re.search(r"项目|工程", text):
        inputs["project"] = True  # 为期6个月以上的项目
    return CalcRequest("org_form", inputs)


# ---------------------------------------------------------------- dates

_STAGES: list[tuple[str, str]] = [
    ("入党积极分子", "activist"),
    ("入党申请", "application"),
    ("递交申请", "application"),
    ("交了申请", "application"),
    ("申请入党", "application"),
    ("积极分子", "activist"),
    ("发展对象", "candidate"),
    ("转正", "full"),
    ("预备党员", "probationary"),
    ("入党", "probationary"),
    ("换届", "term"),
    ("党龄", "party_age"),
]
_ORGS = (
    ("基层党委", "基层党委"),
    ("党总支", "党总支"),
    ("总支", "党总支"),
    ("党委", "基层党委"),
    ("社区", "社区"),
    ("村", "村"),
    ("支部", "支部"),
    ("支委", "支部"),  # 选的支委 (党支部委员会): a branch's own election
)
_WHEN = re.compile(
    r"什么时候|啥时候|啥时|什么时间|哪年|党龄.*(?:怎么算|几年|多少年|多长)|何时|哪天|哪一天|几号|几月|哪个月|多久|多长时间|到期|能不能|可以.*吗|够.*吗|满.*了吗|是否|该[^，,。]{0,4}了[吗吧]|到了吗|到没到|超期|过期|来得及|超没超"
)


def _date_in(text: str, today: date) -> tuple[date, str, int, int] | None:
    """The first date in ``text``: (date, precision, start, end)."""
    pats: list[tuple[str, Any]] = [
        (
            r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*[日号]?",
            lambda m: (date(int(m[1]), int(m[2]), int(m[3])), "day"),
        ),
        (r"(\d{4})\s*年\s*(\d{1,2})\s*月", lambda m: (date(int(m[1]), int(m[2]), 1), "month")),
        (r"(\d{4})\s*年(?!\d)", lambda m: (date(int(m[1]), 1, 1), "year")),
        (
            r"(今年|去年|前年)\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?",
            lambda m: _rel_year(m, today),
        ),
        (r"上个?月\s*(\d{1,2})\s*[日号]", lambda m: (_last_month(today, int(m[1])), "day")),
        (r"(?:这个?月|本月)\s*(\d{1,2})\s*[日号]", lambda m: (today.replace(day=int(m[1])), "day")),
        (r"上个?月", lambda m: (_last_month(today, 1), "month")),
        (r"(今年|去年|前年)", lambda m: (date(today.year - _YEARS[m[1]], 1, 1), "year")),
        (
            r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]",
            lambda m: (date(today.year, int(m[1]), int(m[2])), "day"),
        ),
    ]
    best: tuple[date, str, int, int] | None = None
    for pat, make in pats:
        m = re.search(pat, text)
        if not m:
            continue
        try:
            d, prec = make(m)
        except ValueError:
            continue
        if best is None or m.start() < best[2]:
            best = (d, prec, m.start(), m.end())
    return best


_YEARS = {"今年": 0, "去年": 1, "前年": 2}


def _rel_year(m: re.Match[str], today: date) -> tuple[date, str]:
    year = today.year - _YEARS[m[1]]
    if m[3]:
        return date(year, int(m[2]), int(m[3])), "day"
    return date(year, int(m[2]), 1), "month"


def _last_month(today: date, day: int) -> date:
    y, mo = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return date(y, mo, day)


def _stages_in(text: str) -> list[tuple[int, str]]:
    """(position, stage) of each stage word, a word inside a longer one left out: 入党 in
    入党积极分子 is the 积极分子 stage, not 入党."""
    spans = [(m.start(), m.end(), code) for w, code in _STAGES for m in re.finditer(w, text)]
    keep = [
        (a, code)
        for a, b, code in spans
        if not any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _c in spans)
    ]
    return sorted(set(keep))


def _date_request(text: str, today: date) -> CalcRequest | None:
    found = _stages_in(text)
    if not found or not _WHEN.search(text):
        return None
    found.sort()
    stages: list[str] = []
    for _pos, code in found:
        if code not in stages:
            stages.append(code)
    # “转正” inside “预备党员转正” is the target, not a second stage
    got = _date_in(text, today)
    inputs: dict[str, Any] = {}
    if got:
        d, prec, start, end = got
        inputs.update(date=d.isoformat(), precision=prec)
        after = [(p, c) for p, c in found if p >= end - 1]
        before = [(p, c) for p, c in found if p < start]
        stage = (after or before)[0][1] if (after or before) else stages[0]
    else:
        stage = stages[0]
    inputs["stage"] = stage
    others = [c for c in stages if c != stage]
    if others:
        inputs["target"] = others[-1]
    if stage == "term" or "换届" in text:
        for word, name in _ORGS:
            if word in text:
                inputs["org"] = name
                break
    missing: list[Missing] = []
    if not got:
        if not _SELF.search(text) and not re.search(r"我们|咱们|本支部", text):
            return None  # a rules question: 预备期多长, 多久转正
        missing.append(Missing("date", "是哪一天（或哪个月）？例如 2024年9月15日"))
    if inputs.get("org") is None and stage == "term":
        missing.append(
            Missing("org", "是哪一级组织？", ["支部", "党总支", "基层党委", "村", "社区"])
        )
    return CalcRequest("date", inputs, missing)


# ---------------------------------------------------------------- entry points


_EXTEND = re.compile(
    r"延长(?:了)?(?:他|她|其)?(?:的)?(?:预备期)?\s*(\d+(?:\.\d+)?|半|一|两|二)\s*(个月|年)(半)?"
)


def _extension_request(text: str) -> CalcRequest | None:
    """延长3个月预备期可以吗: the length against half a year to one year (no date needed)."""
    m = _EXTEND.search(text)
    if not m or "预备" not in text or not re.search(r"可以吗|行吗|行不行|能不能|可不可以|能否|合规|符合|对吗|吧[?？]?$", text):
        return None
    n = {"半": Decimal("0.5"), "一": Decimal(1), "两": Decimal(2), "二": Decimal(2)}.get(m[1]) or Decimal(m[1])
    months = n * 12 if m[2] == "年" else n
    if m[3]:
        months += 6
    return CalcRequest("extension_length", {"months": int(months)})


def detect(question: str, today: date) -> CalcRequest | None:
    """The calculation a free-text question asks for, or None when it is not a calculation."""
    text = normalize_numbers(to_simplified(unicodedata.normalize("NFKC", question.strip())))
    if not text:
        return None
    req = _dues_request(text)
    if req is None:
        req = _counts_request(text)
    if req is None:
        req = _extension_request(text)
    if req is None:
        req = _date_request(text, today)
    return req


def parse_dues_args(text: str) -> CalcRequest:
    """``/dangfei 4800 退休``: amount and status in any order; a missing one is asked for."""
    t = normalize_numbers(text)
    m = re.search(r"(?<![\d.])(\d+(?:\.\d+)?)", t)
    amount = Decimal(m.group(1)) if m else None
    status = normalize_status(re.sub(r"[\d.]+", " ", t))
    inputs: dict[str, Any] = {"amount": amount, "status": status}
    if "预备" in t:
        inputs["probationary"] = True
    calc = monthly_dues(amount, status)
    return CalcRequest("dues", inputs, list(calc.missing))


def parse_count_args(text: str) -> CalcRequest:
    """``/renshu 应到40 实到33 得票17`` · ``正式5 预备2`` · ``应到40 赞成21`` · ``党员52 党总支``."""
    t = normalize_numbers(text)
    g = lambda pat: _int(pat, t)  # noqa: E731
    expected = g(r"应到\s*" + _N)
    present = g(r"实到\s*" + _N)
    votes = g(r"得票\s*" + _N) or g(_N + r"\s*票")
    yes = g(r"赞成\s*" + _N)
    full = g(r"正式\s*" + _N)
    prob = g(r"预备\s*" + _N)
    members = g(r"党员\s*" + _N)
    seats = g(r"应选\s*" + _N)
    if votes is not None:
        return _with_missing(
            CalcRequest("elected", {"votes": votes, "present": present, "expected": expected})
        )
    if yes is not None:
        return _with_missing(
            CalcRequest("resolution", {"yes": yes, "expected": expected, "present": present})
        )
    if expected is not None or present is not None:
        return _with_missing(CalcRequest("quorum", {"expected": expected, "present": present}))
    if full is not None or prob is not None:
        return _with_missing(CalcRequest("committee", {"full": full, "probationary": prob}))
    if members is not None:
        target = next((n for w, n in (("总支", "党总支"), ("党委", "基层党委")) if w in t), None)
        return _with_missing(
            CalcRequest("org_form", {"members": members, "full": full, "target": target})
        )
    if seats is not None:
        return _with_missing(CalcRequest("candidates", {"seats": seats}))
    return CalcRequest(
        "quorum",
        {},
        [Missing("args", "请这样写：应到40 实到33 得票17；或 正式5 预备2；或 应到40 赞成21")],
    )


def _with_missing(req: CalcRequest) -> CalcRequest:
    req.missing = list(compute(req).missing)
    return req


def compute(req: CalcRequest) -> Calc:
    """Run the calculator for ``req`` (not "date": that module is elsewhere); a count the
    question gave indirectly (党员31人减去预备党员4人) leads the working line."""
    calc = _compute(req)
    note = req.inputs.get("note")
    if note and calc.complete:
        calc.working = note + calc.working
    return calc


_CALCULATORS: dict[str, Callable[[dict[str, Any]], Calc]] = {
    "dues": lambda i: monthly_dues(
        i.get("amount"), i.get("status"), probationary=bool(i.get("probationary"))
    ),
    "committee": lambda i: counts.committee(i.get("full"), i.get("probationary")),
    "org_form": lambda i: counts.org_form(
        i.get("members"),
        i.get("full"),
        i.get("target"),
        village=bool(i.get("village")),
        project=bool(i.get("project")),
    ),
    "quorum": lambda i: counts.quorum(i.get("expected"), i.get("present")),
    "elected": lambda i: counts.elected(i.get("votes"), i.get("present"), i.get("expected")),
    "resolution": lambda i: counts.resolution(
        i.get("yes"), i.get("expected"), i.get("present"), int(i.get("written") or 0)
    ),
    "candidates": lambda i: counts.candidates(i.get("seats"), i.get("proposed")),
    "joint": lambda i: counts.joint(list(i.get("units") or [])),
    "quorum_min": lambda i: counts.quorum_needed(i.get("expected")),
    "vote_quorum": lambda i: counts.vote_quorum(i.get("expected"), i.get("present")),
    "vote_min": lambda i: counts.attend_needed(i.get("expected")),
    "votes_needed": lambda i: counts.votes_needed(i.get("present"), int(i.get("probationary") or 0)),
    "yes_needed": lambda i: counts.yes_needed(i.get("expected")),
    "joint_count": lambda i: counts.joint_count(i.get("units")),
    "elected_each": lambda i: counts.elected_each(list(i.get("votes") or []), i.get("present")),
    "committee_meeting": lambda i: counts.committee_meeting(i.get("members"), i.get("present")),
    "extension_length": lambda i: counts.extension_length(i.get("months")),
}


def _compute(req: CalcRequest) -> Calc:
    if req.kind in _CALCULATORS:
        return _CALCULATORS[req.kind](req.inputs)
    raise ValueError(f"no calculator here for {req.kind!r}")
