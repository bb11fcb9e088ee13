"""Answer a secretary's whole message: calculations with the figure, the question inside a story,
each half of a two-part question, and a stated misconception corrected first.

``answer_case(book, question, today)`` is what every front end calls; ``RuleBook.answer`` stays
the single-question matcher underneath. The order for each part of a message:

1. out of domain (个税, 医保, 村委会选举 …) → declined, never the nearest entry;
2. another level of organisation (中央, 党组, 地方党委) → its own short answer, or declined;
3. a national rule that does not exist (必须写多少字) → ``no_rule``;
4. a calculation (``bot.facts.extract.detect`` plus the date rules here) → the figure, the working
   line and the citation, or the missing input asked for (never guessed);
5. the rules matcher on the asking clause (a long story is cut down to the clause that asks and
   the facts it gives), with a stated claim checked against ``knowledge/case/claims.yaml``.

The curated tables live in ``knowledge/case/`` (format at the top of each file).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta

from bot import KNOWLEDGE
from bot.facts.calc import Calc, Missing
from bot.facts.dues import approximate_dues, monthly_dues
from bot.facts.extract import CalcRequest, compute, detect, normalize_numbers
from bot.facts.store import fact
from bot.rules.engine import Answer, NoAnswer, Result, RuleBook
from bot.text import cn_int, to_simplified, tokens

CASE_DIR = KNOWLEDGE / "case"

#: Shown when a part is declined as out of domain.
DECLINE_TEXT = "这个问题不属于党务规定，我这里没有可靠的答案，请咨询相关主管部门。"
LEVEL_TEXT = "这是中央或地方党委、党组一级的问题，我这里只收了基层党组织的规定，不敢拿基层的规定来答，请查阅相应的党内法规或问上级党组织。"
NO_ANSWER_TEXT = "这一问我没有可靠的答案，不敢乱说，请以上级党组织的意见为准。"


@dataclass
class Part:
    """One sub-question and how it was answered."""

    question: str
    result: Result | None = None
    calc: Calc | None = None
    correction: str | None = None  # opens the part: "不对：…" or "对，…"
    verdict: str | None = None  # 能/不能/是/不是/可以/不行, when the rule or calculation decides it
    note: str | None = None  # a curated answer (another level, no national rule)
    extra: str | None = None  # the entry's detail sentence on a word the question asks and the answer lacks
    citations: list[str] = field(default_factory=list)
    no_rule: bool = False
    declined: bool = False
    other_level: bool = False  # declined because it is about 中央/地方党委/党组

    @property
    def rule_id(self) -> str | None:
        return self.result.rule.id if isinstance(self.result, Answer) else None

    @property
    def answered(self) -> bool:
        return bool(
            (self.calc is not None and self.calc.complete)
            or isinstance(self.result, Answer)
            or self.note
        )

    def text(self, *, correction: bool = True) -> str:
        """能/不能 or the figure first, the working in one line, then 依据. ``correction=False``
        leaves out the opening correction (the whole answer already leads with it)."""
        lines = [self.correction] if self.correction and correction else []
        if self.calc is not None and self.calc.missing and not isinstance(self.result, Answer):
            return "\n".join([*lines, self.calc.text()])  # only the question for the input
        lines.extend(self._body())
        if self.citations:
            lines.append("依据：" + "；".join(_distinct(self.citations)))
        return "\n".join(lines)

    def bottom_line(self) -> str | None:
        """The verdict or the figure this part opens with, when it has one."""
        if self.calc is not None and self.calc.complete:
            return self._calc_lines(self.calc)[0]
        if self.verdict and isinstance(self.result, Answer) and not self.note:
            return f"{self.verdict}。"
        return None

    def _body(self) -> list[str]:
        if self.calc is not None and self.calc.missing and isinstance(self.result, Answer):
            # a rules question that only looks like a calculation: the rule, then what to tell us
            asks = "；".join(m.question for m in self.calc.missing)
            return [self.result.rule.answer, f"要按你的情况算具体结果，请告诉我：{asks}"]
        if self.calc is not None:
            return self._calc_lines(self.calc)
        if self.note:
            return [self.note]
        if isinstance(self.result, Answer):
            body = self.result.rule.answer
            if self.verdict:
                body = f"{self.verdict}。{body}"
            body += "（把握不大，请核对原文）" if self.result.low_confidence else ""
            return [body, f"另外：{self.extra}"] if self.extra else [body]
        if self.declined:
            return [LEVEL_TEXT if self.other_level else DECLINE_TEXT]
        return [NO_ANSWER_TEXT]

    def _calc_lines(self, calc: Calc) -> list[str]:
        head = calc.result
        if self.verdict and not head.startswith(self.verdict):
            head = f"{self.verdict}。{head}"
        lines = [head]
        if calc.working:
            lines.append(calc.working)
        lines.extend(f"提示：{w}" for w in calc.warnings[:2])
        return lines

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "answered": self.answered,
            "rule_id": self.rule_id,
            "correction": self.correction,
            "verdict": self.verdict,
            "no_rule": self.no_rule,
            "declined": self.declined,
            "citations": self.citations,
            "text": self.text(),
        }
        if self.calc is not None:
            out["calc"] = calc_dict(self.calc)
        return out


@dataclass
class CaseAnswer:
    question: str
    parts: list[Part]
    facts: dict[str, Any] = field(default_factory=dict)  # what the story gives: org, numbers, dates

    @property
    def calc(self) -> Calc | None:
        """The first calculation that answered (or asks for an input)."""
        return next((p.calc for p in self.parts if p.calc is not None), None)

    @property
    def no_rule(self) -> bool:
        return any(p.no_rule for p in self.parts)

    @property
    def declined(self) -> bool:
        """Nothing was answered: every part was declined or had no reliable answer."""
        return not any(p.answered or p.no_rule for p in self.parts) or all(
            p.declined for p in self.parts
        )

    @property
    def missing(self) -> list[Missing]:
        calc = self.calc
        return list(calc.missing) if calc is not None else []

    def text(self) -> str:
        """One part: its text. Several: numbered parts, led by the first correction (不对：…) when a
        part corrects a claim — the reader sees the correction first, not under ① — or else by
        the first part's verdict or figure (可以设支委会, 每月 30.13 元)."""
        if len(self.parts) == 1:
            return self.parts[0].text()
        lead = next((p for p in self.parts if (p.correction or "").startswith("不对")), None)
        marks = "①②③④⑤"
        body = "\n\n".join(
            f"{marks[min(i, 4)]} {p.text(correction=p is not lead)}" for i, p in enumerate(self.parts)
        )
        if lead is not None and lead.correction:
            return f"{lead.correction}\n\n{body}"
        head = self.parts[0].bottom_line()
        return f"{head}\n\n{body}" if head else body


#: Every option a calculator may offer for a missing input, in a fixed order, so a button can
#: carry its index (``bot.app.buttons.CASE_OPTION``).
MISSING_OPTIONS = ("在职", "退休", "农民", "学生", "下岗失业/低保", "支部", "党总支", "基层党委", "村", "社区")


def case_dict(case: CaseAnswer) -> dict[str, Any]:
    """The JSON shape of ``dangwu ask --json``: the old fields plus parts, calc and no_rule."""
    from bot.rules.engine import answer_dict

    first = next((p.result for p in case.parts if p.result is not None), None)
    if first is None:
        first = NoAnswer(case.question, 0.0, (), "out_of_scope" if case.declined else "low_confidence")
    out = answer_dict(first)
    answered = not case.declined
    citations = [c for p in case.parts for c in p.citations]
    out.update(
        answered=answered,
        answer=case.text() if answered or case.no_rule else out["answer"],
        source="；".join(dict.fromkeys(citations)) if citations else out["source"],
        declined=case.declined,
        no_rule=case.no_rule,
        parts=[p.as_dict() for p in case.parts],
        calc=calc_dict(case.calc) if case.calc is not None else None,
    )
    return out


def _distinct(citations: list[str]) -> list[str]:
    """One citation per document: the one with an article number wins."""
    best: dict[str, str] = {}
    for c in citations:
        m = re.match(r"《([^》]+?)(?:（[^）]*）)?》", c)
        key = re.sub(r"（[^）]*）", "", m[1]) if m else c
        if key not in best or ("第" in c and "第" not in best[key]):
            best[key] = c
    return list(best.values())


def calc_dict(calc: Calc) -> dict[str, Any]:
    return {
        "kind": calc.kind,
        "inputs": {k: _jsonable(v) for k, v in calc.inputs.items()},
        "result": calc.result,
        "value": _jsonable(calc.value),
        "working": calc.working,
        "citations": list(calc.citations),
        "missing": [{"field": m.field, "question": m.question, "options": m.options} for m in calc.missing],
    }


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v


# ---------------------------------------------------------------- curated tables


@cache
def _table(name: str) -> Any:
    return yaml.safe_load((CASE_DIR / name).read_text("utf-8")) or {}


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def out_of_domain(text: str) -> bool:
    """A question about tax, insurance, village self-government… that only shares words with party rules.
    A 党费 base given with its 个税 and 五险一金 (or a dues band asked of a pay figure) is in domain."""
    t = _clean(text)
    if _dues_with_figures(t):
        return False
    doc = _table("domain.yaml")
    if any(re.search(p, t) for p in doc.get("always", [])):
        return True
    clause = _clean(asking_clause(text))

    def foreign(s: str) -> bool:
        return any(re.search(p, s) for p in doc.get("unless_anchored", []))

    def anchored(s: str) -> bool:
        return any(w in s for w in doc.get("anchors", [])) or any(
            re.search(p, s) for p in doc.get("anchor_patterns", [])
        )

    tag = re.search(r"(对吧|是吧|吧|对不对|没错吧|一个道理)[?？。]?$", clause)  # 跟算个税一个道理，对吧: an analogy
    if foreign(clause) and not anchored(clause) and not (tag and anchored(t)):
        return True  # 支部的老党员住院了，医保报销比例是多少: the question itself is foreign
    # 医保报销比例是多少，党组织能帮忙吗: a clause asking 多少/怎么算 about a foreign matter
    if any(
        foreign(c) and not anchored(c) and re.search(r"多少|几|怎么算|怎么办理|怎么申请|怎么交", c)
        for c in _CLAUSE.split(t)
    ):
        return True
    # a foreign word in the story only (村里修路、土地确权事情多……换届能推迟多久) does not decline a party question
    party = anchored(clause) or bool(re.search(doc.get("party_clause", "$^"), clause))
    return foreign(t) and not anchored(t) and not party


def _curated(name: str, text: str) -> dict[str, Any] | None:
    """The first entry of a table whose ``all`` patterns all match and no ``not`` pattern does."""
    t = _clean(text)
    for entry in _table(name).get("entries", []):
        if all(re.search(p, t) for p in entry["all"]) and not any(
            re.search(p, t) for p in entry.get("not", [])
        ):
            return dict(entry)
    return None


def _other_level(text: str) -> bool:
    t = _clean(text)
    return bool(re.search(_table("levels.yaml")["detect"], t)) and not re.search(
        _table("levels.yaml").get("base", "$^"), t
    )


# ---------------------------------------------------------------- splitting


_ASK = re.compile(
    r"吗|呢|么|嘛|怎么|咋|多少|几|能不能|能否|行不行|可不可以|要不要|是不是|是否|可以|算不算|够不够|"
    r"有没有|哪|啥|什么|谁|如何|多久|多长|多大|对吧|对不对|吧|没$|不$|没有$"
)
_CLAIM = re.compile(
    r"听说|有人说|听人说|据说|说是|是不是|对吧|对不对|是吧|吧[？?。！!]?$|就行|就可以|就够|没问题|没毛病|"
    r"也行|也能|也可以|不用|不需要|不必|没上限|没有上限|不是[^，,。？?]{1,12}吗"
)


#: Where a message starts its next question: after a question mark, at 另外/还有/另一个是, and at
#: an enumeration marker (1）2）, （1）, ①②, 一是/二是, 第一/第二), which is dropped with the cut.
_NEXT = re.compile(
    r"(?<=[?？])|另外[，,]?|还有[，,]|另一(?:个|件|点|项)(?:事|问题)?(?:是|呢)?[，,：:]?|[;；]|"
    r"(?:(?<=^)|(?<=[：:，,。？?；;\s]))(?:[（(]?[1-9][)）、．]|[（(][一二三四][)）]|[①②③④]|"
    r"第[一二三四](?:个|件|点)?(?:问题|事)?[，,：:是]|[一二三四]是)"
)


def split_question(text: str) -> list[str]:
    """Two-part questions → their parts; a single question (however long) → itself."""
    t = text.strip()
    pieces = [p for p in _NEXT.split(t) if p and p.strip("，,。 ?？")]
    parts: list[str] = []
    carry = ""
    for p in pieces:
        p = p.strip("，,。 ")
        if not (_ASK.search(p) or p.endswith(("?", "？"))):
            carry += p if p.endswith(("：", ":")) else p + "，"
            continue
        parts.append(carry + p)
        carry = ""
    if carry and parts:
        parts[-1] += "，" + carry.strip("，")
    if not parts:
        return [t]
    return parts


def _elliptic(part: str) -> bool:
    """“受留党察看处分的呢？” “权利呢” “支部书记和支委呢，又是多少” — a short follow-up that
    reuses the first question."""
    return _elliptic_subject(part) is not None


def _elliptic_subject(part: str) -> str | None:
    """The new subject of an elliptic follow-up (受留党察看处分的, 支部书记和支委), else None."""
    body = part.strip().rstrip("?？。！! ")
    if body.endswith("呢") and len(body) <= 16 and not re.search(r"多少|几|怎么|什么|谁|哪|吗", body):
        return body[:-1]
    head, _sep, rest = body.partition("呢")
    if head and len(head) <= 12 and re.fullmatch(r"[，,]?(又|那|还|分别|各)?(是|要|得)?(多少|几|多久|多长时间)\S{0,4}", rest):
        return head  # 支部书记和支委呢，又是多少: the same question again
    return None


_CLAUSE = re.compile(r"[，,。！!；;：:]")
_DEICTIC = re.compile(
    r"这样|那样|这么|那么|这个|那个|这种|这|那|他|她|它|我们|咱们|设|做|办|搞|弄|还是|到底|究竟|真的|"
    r"行不行|能不能|可不可以|对不对|是不是|要不要|有没有|行吗|对吗|可以吗|能吗|好吗|吗|呢|吧|啊|呀|[?？]"
)


#: What any procedural question says without naming its subject (组织上应该怎么处理, 要走哪些程序).
_GENERIC = re.compile(
    r"组织上|应该|应当|该|怎么处理|如何处理|怎么办|怎么弄|处理|程序|流程|手续|哪些|怎么走|要走|先|做什么|干什么|"
    r"怎么|如何|情况|意见|问题|请问|想问|一下"
)


def asking_clause(text: str) -> str:
    """The clause of a story that asks (the last one with a question cue), else the text."""
    clauses = [c for c in _CLAUSE.split(text.strip("?？。 ")) if c.strip()]
    if len(clauses) <= 1:
        return text
    for i in range(len(clauses) - 1, -1, -1):
        if _ASK.search(clauses[i]):
            k = i
            # “这样行吗” “能不能” “还是要选”: too little of its own — take the clause before it too
            while k > 0 and len(_GENERIC.sub("", _DEICTIC.sub("", "".join(clauses[k : i + 1])))) < 5:
                k -= 1
            return "，".join(clauses[k : i + 1])
    return text


_ORG_WORDS = ("村", "社区", "机关", "国企", "国有企业", "高校", "学院", "学校", "非公", "民营", "企业", "离退休", "流动党员")


def story_facts(text: str) -> dict[str, Any]:
    """What a story gives: the branch type, the numbers and the dates mentioned."""
    t = normalize_numbers(unicodedata.normalize("NFKC", text))
    out: dict[str, Any] = {}
    org = next((w for w in _ORG_WORDS if w in t), None)
    if org:
        out["org"] = org
    nums = re.findall(r"(?<![\d.])\d+(?:\.\d+)?", t)
    if nums:
        out["numbers"] = nums
    dates = re.findall(r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]", t)
    if dates:
        out["dates"] = dates
    return out


# ---------------------------------------------------------------- dates


_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "半": 0.5}


def _date_of(text: str, today: date) -> date | None:
    found = _dates_in(text, today)
    return found[0][0] if found else None


_DAYS_AGO = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}

_DAY_PATTERNS = (
    r"(?P<y>\d{4})\s*[年.\-/]\s*(?P<m>\d{1,2})\s*[月.\-/]\s*(?P<d>\d{1,2})",
    r"(?P<rel>今年|去年|前年)\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]",
    r"(?P<relm>上个?月|这个?月|本月|下个?月)\s*(?P<d>\d{1,2})\s*[日号]",
    r"(?<![\d年.\-/])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]",
)


def _dates_in(text: str, today: date) -> list[tuple[date, int, int]]:
    """Every day-precise date in ``text`` (numbers normalised) as (date, start, end), in order."""
    t = normalize_numbers(text)
    out: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pat in _DAY_PATTERNS:
        for m in re.finditer(pat, t):
            if any(a <= m.start() < b for a, b in taken):
                continue
            g = m.groupdict()
            if g.get("relm"):
                shift = -1 if g["relm"].startswith("上") else 1 if g["relm"].startswith("下") else 0
                first = date(today.year, today.month, 1) + relativedelta(months=shift)
                try:
                    out.append((first.replace(day=int(g["d"])), m.start(), m.end()))
                    taken.append((m.start(), m.end()))
                except ValueError:
                    pass
                continue
            if g.get("y"):
                year = int(g["y"])
            elif g.get("rel"):
                year = today.year - {"今年": 0, "去年": 1, "前年": 2}[g["rel"]]
            else:
                year = today.year
            try:
                out.append((date(year, int(m["m"]), int(m["d"])), m.start(), m.end()))
            except ValueError:
                continue
            taken.append((m.start(), m.end()))
    if not out:  # 今天 often just means now: a relative day only when no date is written out
        for m in re.finditer(r"大前天|前天|昨天|昨日|今天|今日", t):
            out.append((today - relativedelta(days=_DAYS_AGO[m.group(0)]), m.start(), m.end()))
    return sorted(out, key=lambda x: x[1])


_FULL_AFTER = re.compile(r"^[^，,。；;？?]{0,8}?(?:转正|转为正式党员|成为正式党员|转成正式)")
_ADMIT_AFTER = re.compile(r"^[^，,。；;？?]{0,12}?(?:支部大会|通过|接收|入党|成为预备党员|发展为)")


def _date_followed_by(text: str, today: date, after: re.Pattern[str]) -> date | None:
    """The first date whose next few characters say what happened that day (转正, 支部大会通过)."""
    t = normalize_numbers(text)
    return next((d for d, _s, e in _dates_in(text, today) if after.search(t[e:])), None)


def _months_in(text: str, default: int) -> int:
    """延长半年 → 6, 二年 → 24, 一年 → 12 (the first duration in ``text``)."""
    pat = r"([一二两三半\d]+)\s*(个)?\s*(年|月)"
    m = None
    if "延长" in text:
        for seg in text.split("延长")[1:]:
            m = re.match(r"(?:了|为|到)?(?:他|她|其)?(?:的)?(?:预备期)?(?:为|了)?" + pat, seg)
            if m:
                m = re.search(pat, seg)
                break
    else:
        m = re.search(pat, text)
    if not m:
        return default
    raw = m[1]
    if raw.isdigit():
        n: float = int(raw)
    elif raw in _CN_NUM:
        n = _CN_NUM[raw]
    else:
        return default
    if m[1] == "半" and m[3] == "年":
        return 6
    return int(n * 12) if m[3] == "年" else int(n)


def start_plus(start: date, months: int) -> date:
    return start + relativedelta(months=months)


def _date_calc(kind: str, start: date, months: int, label: str, working: str, fid: str) -> Calc:
    end = start + relativedelta(months=months)
    calc = Calc(kind="date", inputs={"rule": kind, "date": start.isoformat(), "months": months})
    calc.value = end
    calc.result = f"{label}：{end.year}年{end.month}月{end.day}日（{end.isoformat()}）"
    calc.working = working.format(start=f"{start.year}年{start.month}月{start.day}日", end=end.isoformat())
    calc.cite(fact(fid).citation)
    return calc


def date_calc(text: str, today: date) -> Calc | None:
    """Discipline and membership periods the generic detector does not read, then its date kinds."""
    t = _clean(text)
    if "党龄" in t:
        calc = _party_age(t, today)
        if calc is not None:
            return calc
    d = _date_of(t, today)
    if d is None or not re.search(r"哪天|什么时候|啥时候|何时|到哪|哪年|几号|几月|哪个月|多会|多久|最早|最晚|最迟|截止|满", t):
        return None
    for rule in (_dues_start, _discipline_date, _age_date, _probation_date, _extension_date, _approval_date, _term_date):
        calc = rule(d, t, today)
        if calc is not None:
            return calc
    return None


_DUES_START_Q = re.compile(r"从(?:哪|什么时候|何时|啥时候)|(?:哪个月|什么时候|何时|啥时候)(?:开始|起)")


def _dues_start(d: date, t: str, today: date) -> Calc | None:
    """预备党员 pay dues from the day the 支部大会 admits them, not from the higher approval."""
    if "党费" not in t or not _DUES_START_Q.search(t):
        return None
    admitted = _date_followed_by(t, today, _ADMIT_AFTER)
    req = detect(t, today)
    if admitted is None or (req is not None and req.kind == "dues" and req.inputs.get("amount") is not None):
        return None  # with a pay figure the dues calculation answers, the start included
    return _dues_start_calc(admitted)


def _dues_start_calc(admitted: date) -> Calc:
    f = fact("dues.probationary_start")
    calc = Calc(kind="date", inputs={"rule": "dues_start", "date": admitted.isoformat()})
    calc.value = admitted
    calc.result = f"从{admitted.year}年{admitted.month}月起交党费（{admitted.month}月{admitted.day}日支部大会通过之日起）"
    calc.working = f"预备党员从{f.value}起交纳党费，不是从上级党委批准之日起"
    calc.cite(f.citation)
    return calc


def _discipline_date(d: date, t: str, today: date) -> Calc | None:
    if "开除党籍" in t:
        years = int(fact("discipline.expel_rejoin_years").value)
        return _date_calc("expel", d, years * 12, "最早可重新申请入党的日子",
                          f"开除党籍{years}年内不得重新入党：{{start}}起{years}年到{{end}}", "discipline.expel_rejoin_years")
    if "撤销党内职务" in t:
        years = int(fact("discipline.removal_no_post_years").value)
        return _date_calc("removal", d, years * 12, "限制期到",
                          f"撤销党内职务后{years}年内不得担任相当或更高职务：{{start}}起{years}年", "discipline.removal_no_post_years")
    if "留党察看" in t:
        months = _months_in(t.split("留党察看")[-1] + t, 12)
        months = months if months in (12, 24) else 12
        return _date_calc("probation_in_party", d, months, "察看期满",
                          f"留党察看{months // 12}年，从{{start}}起算", "discipline.probation_in_party")
    m = re.search(r"(严重警告|警告)", t)
    if m and re.search(r"提拔|提升|晋升|提职|提干", t):
        months = int(fact("discipline.no_promotion_months").value[m[1]])
        span = "1年" if months == 12 else "1年半" if months == 18 else f"{months}个月"
        return _date_calc("no_promotion", d, months, "这一天以后才能在党内提升职务",
                          f"受{m[1]}处分{span}内不得在党内提升职务：{{start}}起{span}", "discipline.no_promotion_months")
    return None


def _age_date(d: date, t: str, today: date) -> Calc | None:
    if re.search(r"出生|生日", t) and re.search(r"入党|申请", t):
        age = int(fact("membership.min_age").value)
        return _date_calc("min_age", d, age * 12, "年满18岁、可以递交入党申请书的日子",
                          f"年满{age}岁才能申请入党：{{start}}出生，满{age}岁", "membership.min_age")
    return None


def _probation_date(d: date, t: str, today: date) -> Calc | None:
    if "预备期" in t and "延长" not in t and re.search(r"开始|起|算|通过|接收", t):
        months = int(fact("fazhan.probation.months").value)
        calc = _date_calc("probation", d, months, "预备期满",
                          "预备期1年，从支部大会通过之日{start}算起", "fazhan.probation.months")
        end = start_plus(d, months)
        calc.result += "，到今天已满" if end <= today else "，到今天还没满"
        return calc
    return None


def _extension_date(d: date, t: str, today: date) -> Calc | None:
    """延长预备期: from the admission date (1 year + the extension) or from the original end.
    Which one the date is, its own context says: “2025年5月8日支部大会通过” is the admission."""
    if "延长" not in t or not re.search(r"预备期|期满|转正", t):
        return None
    months = _months_in(t, 12)
    if re.search(r"最长|最多|最晚|最迟", t):
        months = int(fact("fazhan.extension.months").value[1])
    if not 6 <= months <= 12:
        return None
    admitted = _date_followed_by(t, today, _ADMIT_AFTER)
    if admitted is not None:
        base = int(fact("fazhan.probation.months").value)
        return _date_calc("extension", admitted, base + months, "延长后的预备期满",
                          f"{{start}}支部大会接收，预备期1年，再延长{_span(months)}（延长不少于半年、最长不超过1年）",
                          "fazhan.extension.months")
    return _date_calc("extension", d, months, "延长后的预备期满",
                      f"原预备期满日{{start}}延长{_span(months)}（延长不少于半年、最长不超过1年）", "fazhan.extension.months")


def _span(months: int) -> str:
    return {6: "半年", 12: "1年", 18: "1年半", 24: "2年"}.get(months, f"{months}个月")


def _approval_date(d: date, t: str, today: date) -> Calc | None:
    if re.search(r"(?:什么时候|哪天|最晚|最迟|多久|几号|截止).{0,6}(?:审批|批准|批复|批)|审批(?:期限|时限)", t) and re.search(r"收到|上报|报来|报上|报送|报上去|通过", t) and re.search(
        r"预备党员|发展|转正|决议", t
    ):
        months = int(fact("fazhan.approval.months").value)
        return _date_calc("approval", d, months, "最晚审批日",
                          f"上级党委应在{months}个月内审批：{{start}}起{months}个月", "fazhan.approval.months")
    return None


def _term_date(d: date, t: str, today: date) -> Calc | None:
    if re.search(r"任期|这届|这一届|本届|届满|到期|期满|下次换届|下一届|下届", t) and re.search(
        r"选举产生|选出|换届|当选|成立", t
    ):
        return _term_calc(d, t, today)
    return None


def _month_full(t: str, today: date) -> Calc | None:
    """2019年6月转正，党龄几年: full years are certain unless it is the same month as today."""
    n = normalize_numbers(t)
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)" + _FULL_AFTER.pattern[1:], n)
    if not m or not re.search(r"几年|多少年|多长|多久|满几|几周年", t) or not 1 <= int(m[2]) <= 12:
        return None
    y, mo = int(m[1]), int(m[2])
    if mo == today.month:
        return None  # 满不满这一年要看具体哪天
    years = today.year - y - (1 if today.month < mo else 0)
    calc = Calc(kind="date", inputs={"rule": "party_age", "date": f"{y}-{mo:02d}"})
    calc.value = years
    calc.result = f"党龄满{years}年（{years}周年）"
    calc.working = f"党龄从转正之日（{y}年{mo}月）算起，到今天{today.isoformat()}满{years}年"
    calc.cite(fact("fazhan.party_age").citation)
    return calc


def _party_age(t: str, today: date) -> Calc | None:
    """党龄 from the day the member became a full member (党章 第七条): 满几年, or the day it
    reaches N years. The 转正 date if given, else the admission date plus the year of 预备期."""
    full = _date_followed_by(t, today, _FULL_AFTER)
    start, how = full, "转正"
    if full is None and (month := _month_full(t, today)) is not None:
        return month
    if full is None:
        admitted = _date_followed_by(t, today, _ADMIT_AFTER)
        if admitted is None or "延长" in t:
            return None
        start, how = start_plus(admitted, int(fact("fazhan.probation.months").value)), "按期转正"
    assert start is not None
    f = fact("fazhan.party_age")
    calc = Calc(kind="date", inputs={"rule": "party_age", "date": start.isoformat()})
    calc.cite(f.citation)
    s = f"{start.year}年{start.month}月{start.day}日"
    if full is not None and re.search(r"从(?:哪天|哪一天|什么时候|何时|啥时候)|起算|哪天开始|开始算", t):
        calc.value = full
        calc.result = f"党龄起算日：{s}（{full.isoformat()}），即转正之日"
        calc.working = "党龄从预备期满转为正式党员之日算起；延长预备期的，从实际转正之日算起，不从上级批准之日算"
        return calc
    m = re.search(r"满\s*(\d{1,2})\s*(?:周)?年", normalize_numbers(t))
    if m and re.search(r"哪天|哪一天|什么时候|啥时候|几号|哪年|何时", t):
        n = int(m[1])
        end = start + relativedelta(years=n)
        calc.value = end
        calc.result = f"党龄满{n}年：{end.year}年{end.month}月{end.day}日（{end.isoformat()}）"
        calc.working = f"党龄从{how}之日{s}算起，满{n}年是{end.isoformat()}"
        return calc
    if re.search(r"几年|多少年|多长|多久|满几|几周年", t):
        years = relativedelta(today, start).years
        calc.value = years
        calc.result = f"党龄满{years}年（{years}周年）"
        calc.working = f"党龄从{how}之日{s}（{start.isoformat()}）算起，到今天{today.isoformat()}满{years}年"
        if how == "按期转正":
            calc.warnings.append("延长预备期的，党龄从实际转正之日算起。")
        return calc
    return None


def _term_calc(start: date, t: str, today: date, precision: str = "day") -> Calc | None:
    from bot.meetings import huanjie

    try:
        kind = huanjie.parse_kind(re.sub(r"支委会?|支部委员会", "支部", t))
    except huanjie.HuanjieError:
        return None
    h = huanjie.due(start, kind, today=today)
    calc = Calc(kind="date", inputs={"rule": "term", "date": start.isoformat(), "org": kind})
    calc.value = h.due
    calc.result = f"任期届满：{h.due.year}年{h.due.month}月{h.due.day}日（{h.due.isoformat()}），{h.due.year}年换届"
    calc.working = (
        f"{kind}每届任期{h.term_years}年：{start.isoformat()}选出，{h.term_years}年后届满；"
        f"延期或提前须报上级批准，一般不超过1年"
    )
    for b in h.basis[:2]:
        calc.cite(b)
    if precision != "day":  # 2024年1月选出: the month, not an invented day
        calc.value = f"{h.due.year}-{h.due.month:02d}" if precision == "month" else str(h.due.year)
        when = f"{h.due.year}年{h.due.month}月" if precision == "month" else f"{h.due.year}年"
        calc.result = f"任期届满：{when}，到时换届（给出具体日子可以算到天）"
        calc.working = calc.working.replace(start.isoformat(), when.replace(str(h.due.year), str(start.year), 1))
        return calc
    _term_moved(calc, h.due, t)
    return calc


def _term_moved(calc: Calc, due: date, t: str) -> None:
    """延期/提前换届: with the higher organisation's approval, 一般不超过1年 (选举工作条例 第三条)."""
    late = re.search(r"延期|推迟|延后|往后推|延长|晚点|拖", t)
    early = re.search(r"提前", t)
    if not (late or early) or not re.search(r"最迟|最晚|最长|最多|最早|能.{0,3}到|哪天|什么时候|多久", t):
        return
    moved = due + relativedelta(years=1 if late else -1)
    word = "延期" if late else "提前"
    calc.value = moved
    calc.result = (
        f"经上级党组织批准{word}，一般不超过1年：最{'迟' if late else '早'}"
        f"{moved.year}年{moved.month}月{moved.day}日（{moved.isoformat()}）"
    )
    calc.working = f"任期届满日{due.isoformat()}，{word}换届一般不超过1年，到{moved.isoformat()}；" + calc.working


def _generic_date(req: CalcRequest, text: str, today: date) -> Calc | None:
    """The extract module's date kinds: 预备期满/党龄, 发展对象 earliest, 谈话 deadline, 换届."""
    i = req.inputs
    if req.missing and "date" in {m.field for m in req.missing}:
        calc = Calc(kind="date", inputs=dict(i))
        calc.missing = list(req.missing)
        return calc
    start = date.fromisoformat(i["date"])
    stage, t = i.get("stage"), _clean(text)
    if stage == "term" or "换届" in t:
        term = _term_calc(start, t, today, str(i.get("precision") or "day"))
        if term is None:  # no level named: ask for it
            term = Calc(kind="date", inputs=dict(i))
            term.missing = [Missing("org", "是哪一级组织？", ["支部", "党总支", "基层党委", "村", "社区"])]
        return term
    if i.get("precision") == "month":
        return _month_date(start, stage, t, today)
    if i.get("precision") != "day":
        return None
    if "谈话" in t and stage == "application":
        months = int(fact("fazhan.talk.months").value)
        return _date_calc("talk", start, months, "最晚谈话日",
                          f"收到入党申请书后{months}个月内派人谈话：{{start}}起{months}个月", "fazhan.talk.months")
    if stage == "activist" or (stage == "candidate" and "积极分子" in t):
        months = int(fact("fazhan.object.min_months").value)
        return _date_calc("candidate", start, months, "最早可列为发展对象",
                          "经过1年以上培养教育和考察：{start}确定为积极分子，满1年", "fazhan.object.min_months")
    if stage in ("probationary", "full", "party_age"):
        months = int(fact("fazhan.probation.months").value)
        if i.get("target") == "party_age" or "党龄" in t:
            return _date_calc("party_age", start, months, "党龄起算日",
                              "预备期1年，从支部大会通过之日{start}算起；按期转正的，党龄从预备期满之日算起", "fazhan.party_age")
        return _date_calc("probation", start, months, "预备期满",
                          "预备期1年，从支部大会通过之日{start}算起", "fazhan.probation.months")
    return None


def _month_date(start: date, stage: str | None, t: str, today: date) -> Calc | None:
    """今年3月通过的预备党员: only the month is known, so the answer is a month, not a made-up day."""
    if stage == "activist" or (stage == "candidate" and "积极分子" in t):
        rule, fid, label, how = "candidate", "fazhan.object.min_months", "最早可列为发展对象", "确定为积极分子，满1年"
    elif stage in ("probationary", "full") and "党龄" not in t:
        rule, fid, label, how = "probation", "fazhan.probation.months", "预备期满", "支部大会通过，预备期1年"
    else:
        return None
    months = int(fact(fid).value)
    end = start + relativedelta(months=months)
    calc = Calc(kind="date", inputs={"rule": rule, "date": f"{start.year}-{start.month:02d}", "months": months})
    calc.value = f"{end.year}-{end.month:02d}"
    calc.result = f"{label}：{end.year}年{end.month}月（具体哪天，按{start.month}月的那一天往后推1年）"
    calc.working = f"{start.year}年{start.month}月{how}，到{end.year}年{end.month}月"
    calc.cite(fact(fid).citation)
    return calc


# ---------------------------------------------------------------- calculations


def _dues_with_figures(text: str) -> bool:
    req = detect(text, date.today())
    return req is not None and req.kind == "dues" and req.inputs.get("amount") is not None


_VERDICT_KINDS = {
    "committee", "org_form", "quorum", "elected", "resolution", "joint", "vote_quorum", "candidates",
    "committee_meeting", "extension_length",
}


def calculate(text: str, today: date) -> Calc | None:
    """The calculation a part asks for, computed; None when it is not a calculation."""
    text = to_simplified(text)
    calc = date_calc(text, today)
    if calc is not None:
        return _now_verdict(calc, text, today)
    req = detect(text, today)
    if req is None:
        return None
    if req.kind == "date":
        dated = _generic_date(req, text, today)
        return None if dated is None else _now_verdict(dated, text, today)
    if req.kind == "dues":
        return _dues(req, text, today)
    calc = compute(req)
    return calc


_NOW_Q = re.compile(
    r"能不能|可不可以|可以[^，,。？?]{0,10}(?:吗|了没)|能[^，,。？?]{0,10}吗|了吗|了没|到没到|满没满|是不是已经|"
    r"该[^，,。？?]{0,6}吗"
)
#: date rules whose date is the earliest day something may happen (a yes/no “now” question)
_EARLIEST = {"candidate", "probation", "expel", "no_promotion", "min_age", "removal", "probation_in_party"}


def _now_verdict(calc: Calc, text: str, today: date) -> Calc:
    """“现在能列为发展对象了吗”, “该换届了吗”: the verdict against today, before the date."""
    t = _clean(text)
    if not calc.complete or not isinstance(calc.value, date):
        return calc
    rule, reached = calc.inputs.get("rule"), calc.value <= today
    if rule in ("talk", "approval") and re.search(r"超期|过期|超时|晚了|迟了|来得及|来不来得及|超没超", t):
        late = calc.value < today
        calc.result = f"{'是，已经超期' if late else '没有超期，还来得及'}。{calc.result}"
        return calc
    if not _NOW_Q.search(t):
        return calc
    if rule in _EARLIEST:
        head = "可以，已经满了" if reached else f"不能，要到{calc.value.year}年{calc.value.month}月{calc.value.day}日"
    elif rule == "term":
        head = "是，任期已经届满" if reached else "未到期，任期还没届满"
    else:
        return calc
    calc.result = f"{head}。{calc.result}"
    return calc


def _dues_each(each: list[tuple[str, Decimal, str | None]], status: str | None) -> Calc:
    """Several members' dues in one answer: each figure with its own band."""
    calcs = [(who, monthly_dues(base, st or status)) for who, base, st in each]
    calc = Calc(kind="dues", inputs={"each": [(w, str(b), st) for w, b, st in each]})
    for _who, c in calcs:
        calc.missing.extend(m for m in c.missing if m not in calc.missing)
        for cite in c.citations:
            calc.cite(cite)
    if calc.missing:
        return calc
    calc.result = "；".join(f"{who}每月 {c.value} 元" for who, c in calcs)
    calc.working = "；".join(f"{who}：{c.working}" for who, c in calcs)
    return calc


def _dues(req: CalcRequest, text: str, today: date) -> Calc:
    i = dict(req.inputs)
    if i.get("each"):
        return _dues_each(list(i["each"]), i.get("status"))
    t = normalize_numbers(_clean(text))
    pre = _dues_base_line(i, t)
    if i.get("monthly_dues") is not None:
        calc = _given_dues(Decimal(i["monthly_dues"]))
    elif i.get("approx") is not None and i.get("amount") is None:
        low, high = i["approx"]
        calc = approximate_dues(low, high, i.get("status"))
    elif i.get("status") == "农民" and i.get("farmer_rate") is not None:
        calc = _farmer_set_rate(Decimal(i["farmer_rate"]))
    else:
        calc = monthly_dues(i.get("amount"), i.get("status"), probationary=bool(i.get("probationary")))
    if req.missing:
        asked = {m.field for m in req.missing}
        calc.missing = list(req.missing) + [m for m in calc.missing if m.field not in asked]
    if pre and calc.complete:
        calc.working = pre + calc.working
    if not calc.complete or not isinstance(calc.value, Decimal):
        return calc
    if re.search(r"涨到|涨为|调到|调整为|调整到|提高到|涨成|涨工资|调资|调薪", t):
        w = fact("dues.wage_change")
        calc.warnings.insert(0, f"工资调整后，{w.value}按新基数交纳。")
        calc.cite(w.citation)
    admitted = _date_followed_by(t, today, _ADMIT_AFTER) if "预备党员" in t else None
    if admitted is not None and _DUES_START_Q.search(t):
        start = _dues_start_calc(admitted)
        calc.result += f"，{start.result}"
        calc.working += f"；{start.working}"
        calc.cite(start.citations[0])
    if i.get("months"):
        _times_months(calc, int(i["months"]), periodic=bool(i.get("periodic")))
    elif re.search(r"一年|全年|每年|年度", t) and re.search(r"一共|共|总共|合计|总|加起来|多少", t) and not re.search(
        r"年薪", t
    ):
        year = (calc.value * 12).quantize(Decimal("0.01"))
        calc.result = f"{calc.result}，全年共 {year} 元"
        calc.working += f"；全年 {_n(calc.value)} × 12 = {year} 元"
    return calc


_TAXES_AND_INSURANCE = ("个税", "所得税", "个人所得税", "五险一金", "社保", "公积金", "医保", "养老保险", "失业保险")


def _dues_base_line(i: dict[str, Any], t: str) -> str:
    """The base when it is not given directly: 上季度纯收入 ÷ 3, or 应发 − 个税 − 五险一金.
    Sets ``i["amount"]`` and returns the working that leads to it ('' when the base was given)."""
    amount = i.get("amount")
    if i.get("status") == "个体" and amount is not None and re.search(r"上季度|上个季度|三个月|3个月", t) and re.search(
        r"一共|共|合计|总|加起来", t
    ):
        monthly = (Decimal(amount) / 3).quantize(Decimal("0.01"))
        i["amount"] = monthly
        return f"上季度纯收入{amount}÷3={_n(monthly)}元/月，"
    if i.get("gross") is not None and amount is not None:
        ded = i.get("deductions") or {}
        minus = "".join(f" − {name}{_n(Decimal(v))}" for name, v in ded.items())
        head = "应发" if any(k in _TAXES_AND_INSURANCE for k in ded) or not ded else ""
        why = "个税、五险一金不计入基数" if head else "改革性补贴不计入基数"
        return f"基数 = {head}{_n(Decimal(i['gross']))}{minus} = {_n(Decimal(amount))}元（{why}），"
    return ""


def _given_dues(monthly: Decimal) -> Calc:
    """The monthly dues stated in the question (每月交党费84元), to be multiplied by the months."""
    calc = Calc(kind="dues", inputs={"monthly_dues": monthly})
    calc.value = monthly.quantize(Decimal("0.01"))
    calc.result = f"每月 {calc.value} 元"
    calc.working = f"每月党费{_n(monthly)}元"
    return calc


def _farmer_set_rate(rate: Decimal) -> Calc:
    """A 农民 member's monthly amount as the branch or the province set it (0.2–1 元)."""
    f = fact("dues.fixed.farmer")
    low, high = (Decimal(str(v)) for v in f.value)
    calc = Calc(kind="dues", inputs={"amount": rate, "status": "农民"})
    calc.value = rate.quantize(Decimal("0.01"))
    calc.result = f"每月 {calc.value} 元"
    calc.working = f"农民党员每月交纳{_n(low)}–{_n(high)}元，具体标准由本省（区、市）定；按你们定的{_n(rate)}元"
    if not low <= rate <= high:
        calc.warnings.append(f"{_n(rate)}元不在{_n(low)}–{_n(high)}元之间，请核对本省规定。")
    calc.cite(f.citation)
    return calc


def _times_months(calc: Calc, months: int, *, periodic: bool = False) -> None:
    """补交 N 个月, or one payment every N months (``periodic``): the monthly amount times N,
    the total first."""
    assert isinstance(calc.value, Decimal)
    monthly = calc.value
    total = (monthly * months).quantize(Decimal("0.01"))
    calc.inputs["months"] = months
    calc.value = total
    calc.result = f"{'一次交' if periodic else '一共'} {total} 元（每月 {monthly} 元 × {months}个月）"
    calc.working += f"；{months}个月 × {monthly} = {total} 元"
    f = fact("dues.makeup_months")
    if periodic:
        calc.warnings.insert(0, "党费一般按月交纳；特殊情况经党支部同意，可以每季度交纳一次。")
    elif months >= int(f.value):
        calc.warnings.insert(0, f"补交一般不超过{f.value}个月；没有正当理由连续6个月不交党费的，按自行脱党处理。")
    calc.cite(f.citation)


#: follow-up questions a complete calculation's answer already answers, by calculator
_COVERS = {
    "committee": r"几个委员|几名委员|多少委员|多少个委员|委员.{0,3}几|设几个|设几名|几个人合适|书记",
    "org_form": r"谁批|谁审批|报谁|哪里批|哪级|谁同意|要批准|需要批准|审批|报批",
    "dues": r"^(?:那|他|她|每月|每个月|一个月|一共|按)?.{0,6}(?:多少|几个点|哪档|哪一档|比例)",
    "quorum": r"至少.{0,4}几|至少.{0,4}多少|还差几|差几个|最少",
    "vote_quorum": r"至少.{0,4}几|至少.{0,4}多少|还差几|差几个|最少",
}


def calc_covers(calc: Calc | None, question: str) -> bool:
    """True when a short follow-up asks what the complete ``calc`` already states."""
    if calc is None or not calc.complete:
        return False
    q = _clean(question)
    pat = _COVERS.get(calc.kind)
    return bool(pat and len(q) <= 20 and re.search(pat, q))


def _n(d: Decimal) -> str:
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")


#: a verdict the asker states about their own case: (pattern, the value it claims)
_STATED = {
    "elected": ((r"落选|没选上|没当选|不能当选|选不上", False), (r"当选了|选上了|能当选", True)),
    "resolution": ((r"没通过|未通过|通不过|不算通过", False), (r"通过了|算通过|能通过", True)),
    "quorum": ((r"无效|不能选|选不了|不够", False), (r"有效|能选|可以选|够了|就可以|就能|可以开始", True)),
    "vote_quorum": ((r"不能表决|不够|无效", False), (r"能表决|可以表决|够了|有效", True)),
    "committee": ((r"不用设|不需要设|不设|不用成立", False), (r"要设|得设|需要设|应该设", True)),
}
_TAG_Q = re.compile(r"(?:对吧|是吧|对不对|对吗|没错吧|没问题吧|没毛病吧|行吧|可以吧|吧)[?？。！!]*$")


def calc_correction(calc: Calc, text: str) -> str | None:
    """“所以他落选了对吧？”: a stated verdict the calculation contradicts is corrected first
    (不对：当选), one it confirms is confirmed (对，…)."""
    t = _clean(text)
    if not calc.complete or not _TAG_Q.search(t):
        return None
    if calc.kind == "dues" and isinstance(calc.value, Decimal):
        return _dues_claim(calc.value, normalize_numbers(t))
    if calc.kind == "date" and calc.value is not None:
        return _date_claim(calc, normalize_numbers(t))
    if not isinstance(calc.value, bool):
        return None
    for pat, claimed in _STATED.get(calc.kind, ()):
        if re.search(pat, t):
            return "对。" if claimed == calc.value else "不对，按规定算是这样："
    return None


def _date_claim(calc: Calc, t: str) -> str | None:
    """“那2027年就该换届了吧”: a later year the asker names, against the calculated one."""
    start = str(calc.inputs.get("date") or "")[:4]
    years = [y for y in re.findall(r"(?<!\d)(\d{4})\s*年", t) if y != start]
    value = calc.value.isoformat() if isinstance(calc.value, date) else str(calc.value)
    if not years or not start or not value[:4].isdigit():
        return None
    return "对。" if years[-1] == value[:4] else "不对，按规定算是这样："


def _dues_claim(value: Decimal, t: str) -> str | None:
    """“一个月交90块，没毛病吧”: the amount the asker worked out, against the calculation."""
    m = re.search(r"(?:交|收|缴|算)(?:了)?\s*(\d+(?:\.\d+)?)\s*(?:块|元)(?![^，,。？?]{0,6}(?:基数|工资))", t)
    if not m:
        return None
    return "对。" if Decimal(m.group(1)) == value else "不对，按规定算是这样："


def _calc_verdict(calc: Calc) -> str | None:
    if calc.kind in _VERDICT_KINDS and isinstance(calc.value, bool) and calc.complete:
        if calc.result.startswith(("不", "未", "可以", "能", "够", "应当")):
            return None
        return "能" if calc.value else "不能"
    return None


# ---------------------------------------------------------------- claims


def _quantity(text: str, unit: str) -> float | None:
    """The figure a claim states, in ``unit`` (months for periods, a plain number otherwise)."""
    t = normalize_numbers(text)
    if unit == "interval":  # how often, as months between two meetings
        if re.search(r"半年", t):
            return 6
        if re.search(r"季度", t):
            return 3
        m = re.search(r"一年\s*(\d+|[一两二三四])\s*次|每年\s*(\d+|[一两二三四])\s*次", t)
        if m:
            n = m[1] or m[2]
            k = int(n) if n.isdigit() else int(_CN_NUM[n])
            return 12 / k if k else None
        if re.search(r"一年|每年|年度", t):
            return 12
        m = re.search(r"(\d+|[两三四五六])\s*个月", t)
        if m:
            return int(m[1]) if m[1].isdigit() else _CN_NUM[m[1]]
        if re.search(r"每月|每个月|一个月|月月|按月", t):
            return 1
        return None
    if unit == "months":
        if "半年" in t:
            return 6
        m = re.search(r"(\d+(?:\.\d+)?|[一两二三四五六])\s*(个)?\s*(年|月)", t)
        if not m:
            return None
        n = float(m[1]) if m[1][0].isdigit() else _CN_NUM[m[1]]
        return n * 12 if m[3] == "年" else n
    m = re.search(r"(\d+(?:\.\d+)?)", t)
    return float(m[1]) if m else None


_OBLIGE = re.compile(r"应该|应当|必须|得(?!了)|要求|规定|才(算|行|达标|合格)|不达标")
_PERMIT = re.compile(r"就行|就可以|就够|也行|也可以|也能|可以吧|行吧|行吗|可以吗|够吗|没问题|没毛病|不用|不需要|不必")


_CHECK_CUE = re.compile(_CLAIM.pattern + r"|行吗|行不行|可以吗|够吗|够不够|没事吧|合规吗|对吗")


def _claim_window(t: str) -> str:
    """The sentence carrying the claim (and the one before it when the claim is a bare
    “延长3个月可以吗？”): a claim is about what is said next to it, not about a figure or a subject
    further back in the story."""
    sentences = [x for x in re.split(r"(?<=[。！!？?])", t) if x]
    marked = [i for i, x in enumerate(sentences) if _CHECK_CUE.search(x)]
    if not marked:
        return t
    i = marked[0]
    start = i - 1 if i > 0 and len(sentences[i]) < 12 else i
    return "".join(sentences[start : i + 1])


def _claim_entries(t: str) -> list[dict[str, Any]]:
    """The claims-table entries that match, those whose topic (first ``all`` pattern) is named
    first coming first (支委会一个季度开一次就行吧？反正党员大会也是…); the topic must be named
    next to the claim."""
    window = _claim_window(t)
    ranked: list[tuple[int, int, dict[str, Any]]] = []
    for k, entry in enumerate(_table("claims.yaml").get("entries", [])):
        if not all(re.search(p, t) for p in entry["all"]) or any(re.search(p, t) for p in entry.get("not", [])):
            continue
        m = re.search(entry["all"][0], window)
        if m is not None:
            ranked.append((m.start(), k, entry))
    return [dict(e) for _p, _k, e in sorted(ranked, key=lambda x: x[:2])]


def _claimed_figure(scope: str, unit: str) -> float | None:
    if unit == "fraction":
        got = [v for k, v, _b in quantities(scope) if k == "fraction"]
        return got[0] if got else None
    return _quantity(scope, unit)


def _figure_ok(got: float, entry: dict[str, Any], scope: str) -> bool:
    """A stated figure against the entry: ``eq`` must match; ``max``/``min`` bound what is allowed,
    so a permission (…就行吧) inside the bound is right, but an obligation (应该是每半年一次吧)
    is right only at the figure the rule states."""
    want = float(entry["value"])
    cmp = entry.get("cmp", "eq")
    low = float(entry.get("min", "-inf"))
    if cmp == "eq" or (_OBLIGE.search(scope) and not _PERMIT.search(scope)):
        return got == want
    if cmp == "max":
        return low <= got <= want
    return got >= want


def check_claim(text: str) -> tuple[str, str] | None:
    """(correction line, citation) when ``text`` states a claim the claims table can judge: the
    first entry, topic named first, that can tell right from wrong."""
    t = _clean(text)
    if not _CHECK_CUE.search(t):
        return None
    for entry in _claim_entries(t):
        verdict = _judge(entry, t)
        if verdict is not None:
            return f"{verdict}{entry['truth']}", str(entry.get("source", ""))
    return None


def _judge(entry: dict[str, Any], t: str) -> str | None:
    """“不对：” or “对，” for the claim in ``t`` by one claims-table entry, or None. An entry's
    ``depends`` patterns name facts that turn the rule (因病住院 is a 正当理由): with one in the
    story the table does not judge, the entry's own answer explains."""
    if any(re.search(p, t) for p in entry.get("depends", [])):
        return None
    if "wrong" in entry or "right" in entry:
        if any(re.search(p, t) for p in entry.get("wrong", [])):
            return "不对："
        if any(re.search(p, t) for p in entry.get("right", [])):
            return "对，"
        return None
    unit = str(entry.get("unit", "number"))
    scope = _claim_window(t)
    if entry.get("after"):
        scope = re.split(entry["after"], t, maxsplit=1)[-1]
    got = _claimed_figure(scope, unit)
    if got is None:
        return None
    return "对，" if _figure_ok(got, entry, scope) else "不对："


# ---------------------------------------------------------------- verdicts from the entry

_FRACTIONS = (
    (r"五分之四|4/5", 0.8), (r"三分之二|2/3", 2 / 3), (r"半数|过半|一半|二分之一|1/2", 0.5),
)
_MIN_AFTER = re.compile(r"^(?:以上|及以上|或以上|起)")
_MAX_AFTER = re.compile(r"^(?:以内|内)")
_MAX_BEFORE = re.compile(r"(?:不超过|最长|最多|不得超过|至多)$")
_MIN_BEFORE = re.compile(r"(?:不少于|至少|不低于|最少)$")


def quantities(text: str) -> list[tuple[str, float, str]]:
    """(kind, value, bound) for every figure: kind percent, fraction, months or count;
    bound min (…以上, 不少于…), max (不超过…, …以内) or eq."""
    t = normalize_numbers(_clean(text))
    out: list[tuple[str, float, str]] = []

    def bound(start: int, end: int) -> str:
        before, after = t[max(0, start - 4) : start], t[end : end + 3]
        if _MIN_AFTER.search(after) or _MIN_BEFORE.search(before):
            return "min"
        if _MAX_AFTER.search(after) or _MAX_BEFORE.search(before):
            return "max"
        return "eq"

    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*[%％]", t):
        out.append(("percent", float(m[1]), bound(m.start(), m.end())))
    for pat, v in _FRACTIONS:
        for m in re.finditer(pat, t):
            out.append(("fraction", v, bound(m.start(), m.end())))
    for m in re.finditer(r"(\d+(?:\.\d+)?|[一二两三四五六七八九十半])\s*(个)?\s*(年半|年|月)(?!\d)", t):
        raw = m[1]
        if m[3] == "月" and not m[2]:
            continue  # 3月 is a date, 3个月 a period
        n = 0.5 if raw == "半" else float(raw) if raw[0].isdigit() else float(cn_int(raw) or 0)
        months = n * 12 + 6 if m[3] == "年半" else n * 12 if m[3] == "年" else n
        out.append(("months", months, bound(m.start(), m.end())))
    for m in re.finditer(r"(?<![\d.])(\d+)\s*(?:人|名|个|家|位)(?!月)", t):
        out.append(("count", float(m[1]), bound(m.start(), m.end())))
    return out


def _first_clause(answer: str) -> str:
    return re.split(r"[。；;]", answer, maxsplit=1)[0]


def _figures(text: str) -> list[tuple[str, float, str]]:
    """``quantities`` plus sums of money (500块, 1000元以上), for checking a claim."""
    out = quantities(text)
    t = normalize_numbers(_clean(text))
    for m in re.finditer(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:元|块)", t):
        after = t[m.end() : m.end() + 3]
        bound = "min" if _MIN_AFTER.search(after) else "max" if _MAX_AFTER.search(after) else "eq"
        out.append(("money", float(m[1]), bound))
    return out


_PER = {"年": 12.0, "季度": 3.0, "季": 3.0, "月": 1.0}


def _cn(n: str) -> float:
    return 0.5 if n == "半" else float(n) if n.isdigit() else float(cn_int(n) or 0)


def _interval(text: str) -> float | None:
    """How often, as months between two times (三年搞一次 → 36, 每季度 → 3, 一年两次 → 6)."""
    t = normalize_numbers(_clean(text))
    num = r"(\d+|[一二两三四五六七八九十]+|半)"
    m = re.search(num + r"\s*(?:个)?\s*(年|季度|月)\s*(?:搞|开|召开|进行|组织|举行|评|谈|讲)?\s*(?:1|一)\s*次", t)
    if m and _cn(m[1]):
        return _cn(m[1]) * _PER[m[2]]
    m = re.search(r"(?:每|一)\s*(?:个)?\s*(年|季度|月)\s*" + num + r"\s*次", t)
    if m and _cn(m[2]):
        return _PER[m[1]] / _cn(m[2])
    m = re.search(r"每半年|每(?:个)?(年|季度|季|月)", t)
    if m:
        return 6.0 if m[1] is None else _PER[m[1]]
    return None


def _claim_scope(question: str) -> str:
    """Where the figure of a claim is: the sentence carrying the claim cue (…有一个介绍人就够了，
    我自己当，对吧), else the asking clause."""
    t = _clean(question)
    for sentence in re.split(r"(?<=[。！!？?])", t):
        if _CLAIM.search(sentence) and _figures(sentence):
            return sentence
    return asking_clause(question)


def _sentences(answer: str) -> list[str]:
    return [x for x in re.split(r"(?<=[。；;])", answer) if x.strip()]


def _bound_holds(value: float, stated: float, bound: str) -> bool:
    if bound == "min":
        return value >= stated
    if bound == "max":
        return value <= stated
    return abs(value - stated) < 1e-9


def claim_from_entry(question: str, answer: str) -> str | None:
    """“不对：…” / “对，…” when a stated figure (三年, 一个, 10%, 过半, 500块) can be checked against
    the figure the matched entry states: its first clause, else the first sentence with a bounded
    figure of the same kind (一次1000元以上的上缴中央 — 500 is under the bar); None when they share
    no kind of figure."""
    claimed = _figures(_claim_scope(question))
    if not claimed and _interval(_claim_scope(question)) is None:
        return None
    head = _first_clause(answer)
    # 每半年考察一次 is how often, not how long: it says nothing about a period claimed
    stated = _figures(re.sub(r"每(?:个)?(?:半年|\d+个?月|[一两二三]?年|季度)", "", head))
    for kind, value, _b in claimed:
        same = [(v, b) for k, v, b in stated if k == kind]
        if same:
            ok = any(_bound_holds(value, v, b) for v, b in same)
            if ok and re.search(r"正当理由|特殊情况|确有|除非", head):
                return None  # the figure matches, but the rule has a condition the story may not meet
            return f"对，{head}。" if ok else f"不对：{head}。"
    often = _interval(_claim_scope(question))
    rule = next((x for x in _sentences(answer)[:2] if _interval(x) is not None), None)
    if often is not None and rule is not None:  # 三年搞一次就行吧 ↔ 一般每年开展1次
        ok = _figure_ok(often, {"value": _interval(rule), "cmp": "max"}, _clean(question))
        rule = rule.rstrip("。；;")
        return f"对，{rule}。" if ok else f"不对：{rule}。"
    for sentence in _sentences(answer)[1:]:
        for kind, value, _b in claimed:
            bounded = [(v, b) for k, v, b in _figures(sentence) if k == kind and b != "eq"]
            if bounded and not all(_bound_holds(value, v, b) for v, b in bounded):
                return f"不对：{sentence.rstrip('。；;')}。"
    return None


_DENIAL = re.compile(r"(?:不是|并不是|不只是|不仅是|并非|不能|不得|不用|无需|不需要|不算)([\u4e00-\u9fff“”]{3,16})")


def denied_claim(question: str, answer: str) -> str | None:
    """“不对：…” when the entry explicitly denies what the claim says: it writes 不是/不能/并非 X
    and the claim states X (重大事情还是校长办公会说了算，对吧 ↔ 重大问题不是校长办公会说了算)."""
    claim = _clean(question)
    for sentence in _sentences(answer):
        for m in _DENIAL.finditer(sentence):
            denied = m[1].strip("“”")
            shared = _shared_run(denied, claim)
            # the claim must state what is denied, predicate included (…说了算), and assert it,
            # not deny it too (退党报备案就行，不是批准吧)
            if len(shared) >= 3 and denied.endswith(shared) and not re.search(r"(不|没|非|无)[^，,。]{0,3}" + re.escape(shared), claim):
                return f"不对：{sentence.rstrip('。；;')}。"
    return None


def _attendance(question: str) -> tuple[int, int] | None:
    """(present, total) when the question gives both, or the total and how many are away
    (支委会5个人……另外三个出差了 → 2 of 5)."""
    t = normalize_numbers(_clean(question))
    total = re.search(r"(\d+)\s*(?:个人|个委员|名委员|人|名)", t)
    if total is None:
        return None
    n = int(total[1])
    away = re.search(r"(\d+)\s*(?:个|名|人)?[^，,。\d]{0,3}(?:出差|请假|缺席|没来|没到|不在|来不了)", t[total.end() :])
    here = re.search(r"(?:到了|来了|到会|实到)\s*(\d+)|(\d+)\s*(?:个|名|人)?(?:到了|来了|到会)", t[total.end() :])
    if away is not None:
        return n - int(away[1]), n
    if here is not None:
        return int(here[1] or here[2]), n
    return None


def attendance_claim(question: str, answer: str) -> str | None:
    """“不对：…” when the claim says a meeting may go ahead but fewer attend than the share the
    entry requires (须有半数以上委员到会 — 2 of 5 are there)."""
    got = _attendance(question)
    if got is None or not got[1]:
        return None
    present, total = got
    for sentence in _sentences(answer):
        if "到会" not in sentence:
            continue
        shares = [v for k, v, _b in quantities(sentence) if k == "fraction"]
        if shares and present / total < min(shares):
            return f"不对：{sentence.rstrip('。；;')}。"
    return None


#: Terms a rule uses one of, never both: a claim naming one where the entry names the other is
#: wrong (报上级备案就行吧 ↔ 报上级党组织批准).
_CONTRASTS = (
    ("备案", "批准"),
    ("支委会", "支部大会|党员大会"),
    ("举手|鼓掌", "无记名"),
    ("等额", "差额"),
    ("任命|委派", "选举"),
    ("口头", "书面"),
    ("税前|应发", "税后"),
    ("记名投票", "无记名"),
)


def contrast_claim(question: str, answer: str) -> str | None:
    """“不对：…” when the claim names one of two contrasting terms and the entry's opening
    sentences name only the other."""
    claim = _clean(question)
    head = "".join(_sentences(answer)[:2])
    for a, b in _CONTRASTS:
        for said, other in ((a, b), (b, a)):
            m = re.search(said, claim)
            if not m or re.search(r"(不|没|非|无)[^，,。]{0,3}$", claim[: m.start()]):
                continue
            plain = re.sub(r"(不是|并非|而非|不需要?|不用|无需)(" + said + ")", "", head)  # 是备案，不是批准
            if re.search(other, head) and not re.search(said, plain):
                hit = next(x for x in _sentences(answer)[:2] if re.search(other, x))
                return f"不对：{hit.rstrip('。；;')}。"
    return None


_WAIVE = re.compile(r"(?:不用|不需要|不必|无需|用不着|可以不)([\u4e00-\u9fff]{2,10})")
_DUTY = re.compile(r"须|必须|应当|应该|要(?!求)|需要|需|经|由")
_COMMON = re.compile(r"^(党员|支部|党组织|组织|上级|我们|他们|一下|这个|那个)$")


def waived_claim(question: str, answer: str) -> str | None:
    """“不对：…” when the claim waives a step (不用开支部大会吧) that the entry makes a duty
    (须经支部大会讨论)."""
    m = _WAIVE.search(_clean(question))
    if m is None:
        return None
    step = re.sub(r"(吧|了|的|啊|呀)+$", "", m[1])
    for sentence in _sentences(answer)[:3]:
        # the step's verb or object at its end (开支部大会 → 支部大会, 报上级批准 → 批准)
        shared = next((step[i:] for i in range(len(step) - 1) if step[i:] in sentence), "")
        if not shared or _COMMON.match(shared):
            continue
        before = sentence[: sentence.find(shared)]
        if re.search(r"不|无|没|免", before[-4:]) or re.search(r"可以|也可|或者|或", before[-6:]):
            continue  # the entry waives it too, or makes it optional
        if _DUTY.search(before[-8:]) or _STEPS.search(answer):
            return f"不对：{sentence.rstrip('。；;')}。"
    return None


#: An entry that lists a procedure step by step: each step it names is required.
_STEPS = re.compile(r"[；;].*[；;].*[；;]|程序|流程|步骤")


def _shared_run(a: str, b: str) -> str:
    """The longest run of characters ``a`` and ``b`` share."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = a[i:j]
    return best


_YESNO = re.compile(r"吗[？?。！!]*$|能不能|可不可以|行不行|够不够|要不要|需不需要|用不用|算不算|是否|能否|可否")
_PAIRS = (  # (the question asks, the entry says no, the entry says yes, no word, yes word)
    (r"算不算|算吗|计不计|计入吗", r"不算|不计|不计入|不包括", r"算|计入|包括", "不算", "算"),
    (
        r"要不要|需不需要|用不用|必须.*吗|需要.*吗|要.*吗|得.*吗",
        r"不需要|不用|无需|不必|不要求|没有要求",
        r"需要|应当|必须|要",
        "不需要",
        "需要",
    ),
    (r".", r"不能|不得|不可以|不行|不允许|不应|没有.{0,4}权", r"可以|能|允许|应当", "不能", "能"),
)


def verdict_from_entry(question: str, answer: str, story: str = "") -> str | None:
    """能/不能 for a yes/no question: a number in the question tested against the thresholds the
    entry states (3人以上, 一般不超过5个), else the modal the entry's first clause uses. When the
    question has no number, the member count of ``story`` (the whole message) is the figure
    (只有2个正式党员……能成立支部吗 → 不能)."""
    t = _clean(question)
    if not _YESNO.search(t) or _CLAIM.search(t):
        return None
    counts = [v for k, v, _ in quantities(t) if k == "count"]
    if len(set(counts)) > 1:
        counts = [v for v in counts if v != 1]  # 一个联合党支部: an article, not a figure
    limits = [(v, b) for k, v, b in quantities(answer) if k == "count" and b in ("min", "max")]
    if not counts and limits:
        # the story counts the members (只有2个正式党员，另外1个是预备党员): that is the figure
        members = re.findall(r"(\d+)\s*(?:个|名|位)?(?:正式)?党员", normalize_numbers(_clean(story)))
        counts = [float(n) for n in members]
        if len(set(counts)) > 1:
            return None  # several member counts: the threshold decides, too risky to guess
    if len(set(counts)) == 1 and limits:
        n = counts[0]
        ok = all(n >= v if b == "min" else n <= v for v, b in limits)
        return "能" if ok else "不能"
    head = _first_clause(answer)
    for ask, neg, pos, no, yes in _PAIRS:
        if re.search(ask, t):
            if re.search(neg, head):
                return no
            if re.search(pos, head):
                return yes
            return None
    return None


# ---------------------------------------------------------------- matching


def _match(book: RuleBook, text: str, facts: dict[str, Any]) -> Result:
    """The matcher on the whole part, and on its asking clause when the part tells a story."""
    whole = book.answer(text)
    if len(_clean(text)) <= 24:
        return whole
    clause = asking_clause(text)
    if clause == text:
        return whole
    focus = book.answer(clause)
    if isinstance(whole, Answer) and (not isinstance(focus, Answer) or whole.confidence >= focus.confidence):
        return whole
    if isinstance(focus, Answer):
        return focus
    # the clause alone is too thin: add the clause before it (it usually names the subject)
    clauses = [c for c in _CLAUSE.split(text.strip("?？。 ")) if c.strip()]
    k = clauses.index(clause) if clause in clauses else -1
    if k > 0:
        wider = book.answer(clauses[k - 1] + "，" + clause)
        if isinstance(wider, Answer):
            return wider
    # the top entry of the whole text often is right even below the bar: accept it when the
    # clause alone ranks the same entry first
    ranked_whole = book.scores(text)
    ranked_clause = book.scores(clause)
    if (
        ranked_whole
        and ranked_clause
        and ranked_whole[0][1] == ranked_clause[0][1]
        and isinstance(whole, NoAnswer)
        and whole.confidence >= 0.3
    ):
        rule = book.rules[ranked_whole[0][1]]
        return Answer(rule, whole.confidence)
    return whole


# ---------------------------------------------------------------- entry point


def answer_part(book: RuleBook, text: str, today: date, facts: dict[str, Any] | None = None) -> Part:
    part = Part(question=text)
    if _screened(part, text, today):
        return part
    calc = calculate(text, today)
    if calc is not None:
        _calc_part(book, part, text, calc)
        return part
    claim = check_claim(text)
    result = _match(book, text, facts or {})
    part.result = result
    if claim is not None:
        part.correction, cite = claim
        if cite:
            part.citations.append(cite)
    elif _QUANTITY.search(_clean(text)):
        key = _curated("claims.yaml", text)
        if key is not None and "unit" in key:
            part.correction = f"要点：{key['truth']}"
            if key.get("source"):
                part.citations.append(str(key["source"]))
    if isinstance(result, Answer):
        _entry_part(part, text, result, claimed=claim is not None)
    elif claim is None and (_requirement_question(text) or (_unstated_measure(text, "") and _PARTY.search(text))):
        part.no_rule = True
        part.note = "没有统一规定：全国性的党内法规对这一点没有作出具体规定，按上级党组织的要求和本单位实际掌握。"
    return part


def _screened(part: Part, text: str, today: date) -> bool:
    """Steps 1–3: out of domain, another level of the party, no national rule. True when one
    of them answered the part."""
    if out_of_domain(text):
        part.declined = True
        return True
    dated = _date_of(_clean(text), today) is not None
    level = None if dated else _curated("levels.yaml", text)
    if level is not None:
        part.note = str(level["answer"])
        part.citations = [str(level["source"])]
        return True
    if _other_level(text) and not (dated and calculate(text, today) is not None):
        part.declined = part.other_level = True
        return True
    nr = _no_rule_entry(text)
    if nr is not None:
        part.no_rule = True
        part.note = f"没有统一规定：{nr['answer']}"
        return True
    return False


def _no_rule_entry(text: str) -> dict[str, Any] | None:
    """The no_rule table entry for the question: its last pattern (what is measured: 多少字,
    几号, 时长) must be in the asking clause, not only in the story around it."""
    entry = _curated("no_rule.yaml", text)
    if entry is None:
        return None
    clause = _clean(asking_clause(text))
    return entry if re.search(entry["all"][-1], clause) else None


def _calc_part(book: RuleBook, part: Part, text: str, calc: Calc) -> None:
    part.calc = calc
    part.citations = list(calc.citations)
    part.verdict = _calc_verdict(calc)
    part.correction = calc_correction(calc, text)
    if calc.kind == "dues" and calc.complete and _CLAIM.search(_clean(text)) and re.search(
        r"分段|分开算|分开计算|累进|超出的|超过的部分|超出部分|超过部分", _clean(text)
    ):
        part.correction = "不对：党费按一个比例对全部基数计算，不分段累进。"
    given = any(
        isinstance(v, int | Decimal) and not isinstance(v, bool) for v in calc.inputs.values()
    ) or bool(calc.inputs.get("date"))
    if calc.missing and (not given or _YESNO.search(_clean(text))):  # a rules question, really
        result = book.answer(text)
        if isinstance(result, Answer) and not result.low_confidence:
            part.result = result
            part.citations = [result.rule.citation]


_NO_RULE_HEAD = re.compile(r"^[^。]{0,40}(没有(统一|明确|具体)?规定|未作(统一)?规定|没有全国统一|全国没有统一)")


def _entry_part(part: Part, text: str, result: Answer, *, claimed: bool) -> None:
    """The matched entry: its citation, then whether it says there is no national rule, or the
    claim checked against its figure, or 能/不能 read from it."""
    answer = result.rule.answer
    if result.rule.citation not in part.citations:
        part.citations.append(result.rule.citation)
    unstated = _unstated_measure(text, answer)
    if (_requirement_question(text) and _NO_RULE_HEAD.search(answer)) or (unstated and _PARTY.search(text)):
        part.no_rule = True
        part.correction = None
        lead = f"全国性党内法规没有规定{unstated}，按上级党组织或本地的要求掌握。相关规定：" if unstated else ""
        part.note = f"没有统一规定：{lead}{answer}"
        return
    part.extra = detail_on(text, result.rule.answer, result.rule.detail)
    if claimed or result.low_confidence:
        return
    if _CLAIM.search(_clean(text)):
        part.correction = (
            claim_from_entry(text, answer) or denied_claim(text, answer) or contrast_claim(text, answer)
            or waived_claim(text, answer) or attendance_claim(text, answer) or part.correction
        )
    elif part.correction is None:
        part.verdict = verdict_from_entry(asking_clause(text), answer, story=text)


_COUNTED = re.compile(r"[一二两三四五六七八九十百半几多每]+[次个年月天日周届人名条]")


def detail_on(question: str, answer: str, detail: str | None) -> str | None:
    """The sentence of the entry's detail that speaks to a word of the question its answer does
    not use (新任支书培训 → 新任书记一般在半年内接受任职培训), else None."""
    if not detail or len(_clean(question)) > 20:  # a story names too many things to pick from
        return None
    said = normalize_numbers(answer)
    words = [
        w
        for w in tokens(question)
        if len(w) >= 2
        and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        and w not in said
        and not _QUANTITY.fullmatch(w)
        and not _COUNTED.fullmatch(w)  # 一次, 两年: the answer says them in digits
    ]
    scored = [(sum(w in x for w in set(words)), -k, x) for k, x in enumerate(_sentences(detail))]
    best = max(scored, default=(0, 0, ""))
    return best[2].strip() if best[0] else None  # the sentence naming most of them


#: Measures a question may ask a minimum or a fixed value of, and the words an entry uses when it
#: states one: a rule that sets none of them does not fix that measure.
_MEASURES = (
    (re.compile(r"多少字|几个字|字数|几千字|几百字|\d+字"), re.compile(r"\d+字|字数"), "字数"),
    (
        re.compile(r"多少分钟|几分钟|几个?小时|多少小时|时长|(每次|一次|每场|每回).{0,8}(多长时间|多久)"),
        re.compile(r"\d+分钟|\d+个?小时|时长"),
        "每次的时长",
    ),
    (re.compile(r"每个?月\d+[号日]|\d+[号日](之前|以前|前)|几号"), re.compile(r"\d+[号日]"), "具体日期"),
    (re.compile(r"(?<![第十])(几|多少)(个)?[篇页张本幅]"), re.compile(r"\d+[篇页张本幅]"), "篇数、页数或张数"),
)


def _unstated_measure(text: str, answer: str) -> str | None:
    """The measure (字数, 时长, 几号) the question asks about when the entry states none."""
    t = normalize_numbers(_clean(text))
    a = normalize_numbers(_clean(answer))
    for asked, stated, name in _MEASURES:
        if asked.search(t) and not stated.search(a):
            return name
    return None


_QUANTITY = re.compile(r"多久|几年|几个月|几次|多少|多长|年限|期限|频次|次数|多大|几岁|几人|几个人|几名")
_REQUIRE = re.compile(
    r"必须|一定要|硬性|统一规定|有规定吗|有没有规定|规定.*吗|要求.*吗|最少要|至少要|最低要|起码要|"
    r"统一的?(格式|要求|标准)|(要求|规定)(多少|几)|每次(最少|至少)|(最少|至少|最低)要?(写|讲|谈|交|搞|开)"
)
_PARTY = re.compile(r"党|支部|支委|组织生活|三会一课|积极分子|发展对象|活动室|阵地")


def _requirement_question(text: str) -> bool:
    t = _clean(text)
    return bool(_REQUIRE.search(t) and _PARTY.search(t))


_PREDICATE = re.compile(
    r"多久|多长|多少|几|什么|啥|怎么|咋|如何|能不能|能否|可不可以|要不要|需不需要|是不是|算不算|是否|由谁|谁|"
    r"能|可以|要|需要|必须|应当|交|开|算|影响|设|选|有|按"
)


def split_topic(question: str) -> tuple[str, str]:
    """“支委会多久开一次” → (“支委会”, “多久开一次”): the subject, then what is asked about it."""
    body = question.strip().rstrip("?？。！! ")
    m = _PREDICATE.search(body, 2)
    if m is None:
        return body, ""
    return body[: m.start()], body[m.start() :]


def _same_calc(before: str, calc: Calc, today: date) -> bool:
    """True when the question before already computes ``calc`` by itself: the follow-up then asks
    something else (需要设支委会吗？支委会多久开一次？), not for that figure again."""
    own = calculate(before, today)
    return own is not None and own.complete and own.kind == calc.kind


def _answer_followup(
    book: RuleBook, piece: str, before: str, today: date, facts: dict[str, Any]
) -> Part | None:
    """A follow-up that leans on the question before it: “党小组会呢？” asks the same thing about
    another subject (党小组会多久开一次); “超过了成立什么” keeps the earlier subject."""
    queries: list[str] = []
    if _elliptic(piece):
        subject = _elliptic_subject(piece) or ""
        _s, predicate = split_topic(asking_clause(before))
        if predicate:
            queries.append(subject + predicate)
        queries.append(piece.rstrip("?？。！! ") + "，" + before)
    else:
        part = answer_part(book, piece, today, facts)
        if (part.calc is None or part.calc.missing) and _QUANTITY.search(piece) and not re.search(r"\d", piece):
            # “每月交多少，算到分”: the figures are in the question before it
            fuller = answer_part(book, before.rstrip("?？。！! ") + "，" + piece, today, facts)
            if fuller.calc is not None and fuller.calc.complete and not _same_calc(before, fuller.calc, today):
                return fuller
        if part.answered or part.no_rule or part.declined or (part.calc is not None):
            return part
        subject, _p = split_topic(before)
        queries += [subject + piece, before.rstrip("?？。！! ") + "，" + piece]
    for q in queries:
        part = answer_part(book, q, today, facts)
        if part.answered or part.no_rule or part.correction:
            part.question = piece
            return part
    return None


def answer_case(book: RuleBook, question: str, today: date | None = None) -> CaseAnswer:
    """The whole message answered: one ``Part`` per question it asks."""
    today = today or date.today()
    text = to_simplified((question or "").strip())  # 組織生活會 reads as 组织生活会
    facts = story_facts(text)
    if not text:
        return CaseAnswer(question, [Part(question="", result=NoAnswer(question, 0.0, (), "empty"))], facts)
    if out_of_domain(text):
        return CaseAnswer(question, [Part(question=text, declined=True)], facts)
    pieces = split_question(text)
    parts: list[Part] = []
    for k, piece in enumerate(pieces):
        if k > 0 and parts and calc_covers(parts[0].calc, piece):
            continue  # the calculation's own answer already says it (委员3至5人, 谁批准)
        part = _answer_followup(book, piece, pieces[k - 1], today, facts) if k > 0 else None
        if part is None:
            part = answer_part(book, piece, today, facts)
        part.question = piece
        parts.append(part)
    if len(parts) > 1 and not any(p.answered or p.no_rule for p in parts):
        whole = answer_part(book, text, today, facts)
        if whole.answered or whole.no_rule:
            parts = [whole]
    return CaseAnswer(question, parts, facts)
