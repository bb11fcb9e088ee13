"""发展党员 timelines: from one entered date, every following step with its limit and a suggestion.

Three tracks are kept apart on every ``Step``:

- ``done``: a date the branch entered. Organisation decisions (确定积极分子, 列为发展对象, 预审,
  支部大会, 审批) exist only when entered; nothing here ever marks them done.
- ``earliest`` / ``due`` (and ``end`` for a period): legal limits, computed only from entered
  dates, so a limit shown is a limit that really runs.
- ``suggested``: a working day to aim for, chained from entered dates where there are some and from
  earlier suggestions otherwise.

Month limits use ``relativedelta`` (an application on 1月31日 is talked to by 2月28日), periods in
working days use the official calendar with 调休 (``bot.meetings.schedule.day_info``); a count that touches a
year the State Council has not published yet is marked ``provisional``. Limits and citations come
from ``knowledge/facts/fazhan.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.facts.store import Fact, fact
from bot.meetings.schedule import day_info

STAGES = ("申请", "积极分子", "发展对象", "预备党员", "转正")
STATUSES = ("done", "ok", "early", "overdue", "pending")


class TimelineError(ValueError):
    """An unknown stage or step name, or an impossible input; the message is for the user."""


@dataclass(frozen=True)
class Step:
    step: str
    earliest: date | None
    due: date | None
    suggested: date | None
    basis: str
    note: str
    done: date | None = None
    status: str = "pending"
    provisional: bool = False
    end: date | None = None  # the last day of a period (公示期满日, 审批最长期限)


# --- names -------------------------------------------------------------------------------------

APPLY = "递交入党申请书"
TALK = "谈话"
ACTIVIST = "确定入党积极分子"
REVIEW1 = "培养教育考察（第1次）"
REVIEW2 = "培养教育考察（第2次）"
GONGSHI = "发展对象公示"
OBJECT = "列为发展对象"
TRAINING = "短期集中培训"
ZHENGSHEN = "政治审查"
YUSHEN = "基层党委预审"
ADMIT = "支部大会接收预备党员"
APPROVAL = "上级党委审批"
OATH = "入党宣誓"
CONFIRM = "支部大会讨论转正"
CONFIRM_APPROVAL = "转正审批"
PARTY_AGE = "党龄起算"

ORDER = (
    APPLY, TALK, ACTIVIST, REVIEW1, REVIEW2, GONGSHI, OBJECT, TRAINING, ZHENGSHEN, YUSHEN,
    ADMIT, APPROVAL, OATH, CONFIRM, CONFIRM_APPROVAL, PARTY_AGE,
)
#: The step each stage's date records.
ANCHOR = {"申请": APPLY, "积极分子": ACTIVIST, "发展对象": OBJECT, "预备党员": ADMIT, "转正": CONFIRM}
#: Organisation decisions: entered, never inferred.
DECISIONS = frozenset({ACTIVIST, OBJECT, YUSHEN, ADMIT, APPROVAL, CONFIRM, CONFIRM_APPROVAL})

_STEP_ALIASES = {
    "申请": APPLY, "申请书": APPLY, "入党申请": APPLY,
    "谈话": TALK, "入党谈话": TALK,
    "积极分子": ACTIVIST, "积极份子": ACTIVIST,
    "考察1": REVIEW1, "第1次考察": REVIEW1, "第一次考察": REVIEW1,
    "考察2": REVIEW2, "第2次考察": REVIEW2, "第二次考察": REVIEW2,
    "公示": GONGSHI,
    "发展对象": OBJECT,
    "培训": TRAINING, "集中培训": TRAINING,
    "政审": ZHENGSHEN,
    "预审": YUSHEN,
    "支部大会": ADMIT, "接收": ADMIT, "接收预备党员": ADMIT, "预备党员": ADMIT,
    "审批": APPROVAL, "党委审批": APPROVAL,
    "宣誓": OATH,
    "转正": CONFIRM, "转正大会": CONFIRM,
}

STAGE_HELP = "可用阶段：申请、积极分子、发展对象、预备党员、转正（如“入党积极分子”“列为发展对象”）。"


def _clean(text: str) -> str:
    from bot.text import to_simplified

    text = to_simplified(unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"[\s，。、：:（）()·\-]+", "", text)


def parse_stage(text: str) -> str:
    """One of ``STAGES`` from the usual spellings: 入党申请书, 积极份子, 列为发展对象, 预备, 轉正…"""
    s = _clean(text)
    if not s:
        raise TimelineError("请写明阶段。" + STAGE_HELP)
    if "转正" in s or "正式党员" in s:
        return "转正"
    if "预备" in s or "接收" in s:
        return "预备党员"
    if "对象" in s:
        return "发展对象"
    if "积极" in s:
        return "积极分子"
    if "申请" in s:
        return "申请"
    raise TimelineError(f"不认识的阶段“{text}”。" + STAGE_HELP)


def parse_step(text: str) -> str:
    """A step name of ``ORDER`` from itself or a short alias (公示, 政审, 审批, 宣誓…)."""
    s = _clean(text)
    for name in ORDER:
        if s == _clean(name):
            return name
    if s in _STEP_ALIASES:
        return _STEP_ALIASES[s]
    raise TimelineError(f"不认识的步骤“{text}”。可用：" + "、".join(ORDER[1:]))


# --- dates -------------------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Calendar months, clamped to the month's end: 1月31日 + 1 月 = 2月28日（或29日）."""
    return d + relativedelta(months=months)


def workday_on_or_after(d: date) -> tuple[date, bool]:
    """The first working day from ``d`` on, and whether a year without official data was used."""
    provisional = False
    while True:
        info = day_info(d)
        provisional = provisional or not info.official
        if info.workday:
            return d, provisional
        d += timedelta(days=1)


def add_workdays(start: date, n: int) -> tuple[date, bool]:
    """The ``n``-th working day counting ``start`` as the first when it is one (公示期满日)."""
    if n < 1:
        raise TimelineError("工作日天数至少为 1")
    return _walk_workdays(start, n, timedelta(days=1))


def workdays_before(end: date, n: int) -> tuple[date, bool]:
    """The start of ``n`` working days that end on the last working day before ``end``."""
    if n < 1:
        raise TimelineError("工作日天数至少为 1")
    return _walk_workdays(end - timedelta(days=1), n, timedelta(days=-1))


def _walk_workdays(d: date, n: int, step: timedelta) -> tuple[date, bool]:
    """The ``n``-th working day from ``d`` (counted if it is one) in the direction of ``step``;
    provisional when a day on the way lies in a year without official holiday data."""
    provisional, counted = False, 0
    while True:
        info = day_info(d)
        provisional = provisional or not info.official
        if info.workday:
            counted += 1
            if counted == n:
                return d, provisional
        d += step


def _workday_by(d: date, limit: date | None) -> tuple[date, bool]:
    """A suggestion: the working day on or after ``d``, but not past ``limit`` when one runs."""
    w, prov = workday_on_or_after(d)
    if limit is not None and w > limit:
        back = limit
        while not day_info(back).workday and back > d:
            back -= timedelta(days=1)
        return back, prov or not day_info(back).official
    return w, prov


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _cite(fid: str) -> str:
    return fact(fid).citation


def _doc_cite() -> str:
    f: Fact = fact("fazhan.talk.months")
    return f"《{f.doc}》（{f.version}）"


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class _Chain:
    """Entered dates and the suggestions chained so far, step by step."""

    entered: dict[str, date]
    suggested: dict[str, date]

    def actual(self, name: str) -> date | None:
        return self.entered.get(name)

    def base(self, name: str) -> date | None:
        """For suggestions only: the entered date, else the suggested one."""
        return self.entered.get(name) or self.suggested.get(name)


def _latest(*ds: date | None) -> date | None:
    known = [d for d in ds if d is not None]
    return max(known) if known else None


def plan(
    stage: str,
    done: date,
    *,
    done_steps: Mapping[str, date] | None = None,
    gongshi_days: int | None = None,
    today: date | None = None,
    extension_months: int | None = None,
) -> list[Step]:
    """Every step after ``stage`` (whose date is ``done``), with limits, suggestions and status.

    ``done_steps`` maps step names (or aliases: 公示, 政审, 审批…) to entered dates; a later entered
    step recomputes the rest and is checked against its limits. ``gongshi_days`` overrides the
    公示 period (default: the facts file), ``extension_months`` (6–12) records a 延长预备期.
    """
    stage = parse_stage(stage)
    today = today or date.today()
    entered: dict[str, date] = {}
    for name, d in (done_steps or {}).items():
        entered[parse_step(name)] = d
    entered[ANCHOR[stage]] = done
    minimum_days = int(fact("fazhan.gongshi.workdays").value)
    days = minimum_days if gongshi_days is None else gongshi_days
    if days < 1:
        raise TimelineError("公示天数至少为 1 个工作日")
    low, high = (int(v) for v in fact("fazhan.extension.months").value)
    if extension_months is not None and not low <= extension_months <= high:
        raise TimelineError(f"延长预备期为 {low}–{high} 个月（只能延长一次）")

    chain = _Chain(entered, {})
    steps = [builder(chain, days, minimum_days, extension_months or 0) for builder in _BUILDERS]
    steps = _with_status(steps, entered, today)
    start = ORDER.index(ANCHOR[stage]) + 1
    return steps[start:]


def _step(chain: _Chain, name: str, suggested: date | None, **kw: Any) -> Step:
    if suggested is not None:
        chain.suggested[name] = suggested
    return Step(step=name, suggested=suggested, done=chain.actual(name), **kw)


def _b_apply(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    return _step(c, APPLY, None, earliest=None, due=None, basis=_doc_cite(), note="入党申请书")


def _b_talk(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    f = fact("fazhan.talk.months")
    apply = c.actual(APPLY)
    due = add_months(apply, f.value) if apply else None
    sugg, prov = _workday_by(apply + timedelta(days=7), due) if apply else (None, False)
    return _step(c, TALK, sugg, earliest=apply, due=due, basis=f.citation,
                 note="收到申请书后一个月内派人谈话", provisional=prov)


def _b_activist(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    return _step(c, ACTIVIST, None, earliest=c.actual(APPLY), due=None, basis=_doc_cite(),
                 note="支委会研究决定并报上级党委备案；录入日期后推算后续")


def _review(c: _Chain, name: str, months: int, note: str) -> Step:
    f = fact("fazhan.activist.review_months")
    activist = c.actual(ACTIVIST)
    due = add_months(activist, months) if activist else None
    sugg, prov = _workday_by(due - timedelta(days=7), due) if due else (None, False)
    return _step(c, name, sugg, earliest=None, due=due, basis=f.citation, note=note,
                 provisional=prov)


def _b_review1(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    return _review(c, REVIEW1, int(fact("fazhan.activist.review_months").value),
                   "党支部每半年考察一次，写出考察意见")


def _b_review2(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    return _review(c, REVIEW2, 2 * int(fact("fazhan.activist.review_months").value),
                   "满一年的考察，作为列为发展对象的依据")


def _object_earliest(c: _Chain) -> date | None:
    activist = c.actual(ACTIVIST)
    return add_months(activist, int(fact("fazhan.object.min_months").value)) if activist else None


def _b_gongshi(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    f = fact("fazhan.gongshi.workdays")
    start = c.actual(GONGSHI)
    target = _object_earliest(c)
    sugg, prov = workdays_before(target, days) if target else (None, False)
    base = start or sugg
    end, end_prov = add_workdays(base, days) if base else (None, False)
    note = f"列为发展对象前公示{days}个工作日"
    if end:
        note += f"，至{end.month}月{end.day}日"
    if days < minimum:
        note += f"（少于规定的{minimum}个工作日）"
    return _step(c, GONGSHI, sugg, earliest=None, due=None, basis=f.citation, note=note,
                 provisional=prov or end_prov, end=end)


def _b_object(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    f = fact("fazhan.object.min_months")
    year = _object_earliest(c)
    start = c.actual(GONGSHI)
    gongshi_end = add_workdays(start, days)[0] if start else None
    earliest = _latest(year, gongshi_end + timedelta(days=1) if gongshi_end else None)
    sugg_end = add_workdays(c.suggested[GONGSHI], days)[0] if GONGSHI in c.suggested else None
    aim = _latest(earliest, sugg_end + timedelta(days=1) if sugg_end and not start else None)
    sugg, prov = workday_on_or_after(aim) if aim else (None, False)
    return _step(c, OBJECT, sugg, earliest=earliest, due=None, basis=f.citation,
                 note="积极分子满一年、公示期满后，支委会讨论并报上级党委备案", provisional=prov)


def _after_object(c: _Chain, name: str, basis: str, note: str) -> Step:
    base = c.base(OBJECT)
    sugg, prov = workday_on_or_after(add_months(base, 1)) if base else (None, False)
    return _step(c, name, sugg, earliest=c.actual(OBJECT), due=None, basis=basis, note=note,
                 provisional=prov)


def _b_training(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    m = fact("fazhan.training.minimum").value
    return _after_object(c, TRAINING, _cite("fazhan.training.minimum"),
                         f"不少于{m['days']}天或{m['hours']}学时，由基层党委或县级组织部门组织")


def _b_zhengshen(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    return _after_object(c, ZHENGSHEN, _doc_cite(),
                         "审查本人及直系亲属等；未经政审或不合格不能发展")


def _b_yushen(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    earliest = None
    if c.actual(TRAINING) and c.actual(ZHENGSHEN):
        earliest = _latest(c.actual(TRAINING), c.actual(ZHENGSHEN))
    base = _latest(c.base(TRAINING), c.base(ZHENGSHEN))
    sugg, prov = workday_on_or_after(base + timedelta(days=14)) if base else (None, False)
    return _step(c, YUSHEN, sugg, earliest=earliest, due=None, basis=_doc_cite(),
                 note="支委会审查后报基层党委预审，合格的发给入党志愿书", provisional=prov)


def _b_admit(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    base = c.base(YUSHEN)
    sugg, prov = workday_on_or_after(base + timedelta(days=14)) if base else (None, False)
    return _step(c, ADMIT, sugg, earliest=c.actual(YUSHEN), due=None, basis=_doc_cite(),
                 note="有表决权的到会人数须超过应到会人数的半数", provisional=prov)


def _b_approval(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    f = fact("fazhan.approval.months")
    admit = c.actual(ADMIT)
    due = add_months(admit, int(f.value)) if admit else None
    end = add_months(admit, int(fact("fazhan.approval.max_months").value)) if admit else None
    base = c.base(ADMIT)
    sugg, prov = _workday_by(add_months(base, 1), due) if base else (None, False)
    note = "支部大会后3个月内审批"
    if end:
        note += f"；特殊情况最长至{end.isoformat()}"
    return _step(c, APPROVAL, sugg, earliest=admit, due=due, basis=f.citation, note=note,
                 provisional=prov, end=end)


def _b_oath(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    base = c.base(APPROVAL)
    sugg, prov = workday_on_or_after(base + timedelta(days=14)) if base else (None, False)
    return _step(c, OATH, sugg, earliest=c.actual(APPROVAL), due=None,
                 basis=_cite("fazhan.oath"), note="批准后面向党旗宣誓；具体时限以原文为准",
                 provisional=prov)


def _probation_end(admit: date | None, ext: int) -> date | None:
    if admit is None:
        return None
    return add_months(admit, int(fact("fazhan.probation.months").value) + ext)


def _b_confirm(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    ends = _probation_end(c.actual(ADMIT), ext)
    base_end = _probation_end(c.base(ADMIT), ext)
    sugg, prov = workday_on_or_after(base_end) if base_end else (None, False)
    note = "预备期满，本人书面申请，支部及时讨论"
    if ends:
        note = f"预备期{ends.isoformat()}满，本人书面申请，支部及时讨论"
    if ext:
        note += f"（已延长{ext}个月）"
    else:
        note += "；需继续考察的可延长半年至一年（一次）"
    return _step(c, CONFIRM, sugg, earliest=ends, due=None, basis=_cite("fazhan.probation.months"),
                 note=note, provisional=prov)


def _b_confirm_approval(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    f = fact("fazhan.zhuanzheng.approval_months")
    meeting = c.actual(CONFIRM)
    due = add_months(meeting, int(f.value)) if meeting else None
    base = c.base(CONFIRM)
    sugg, prov = _workday_by(add_months(base, 1), due) if base else (None, False)
    return _step(c, CONFIRM_APPROVAL, sugg, earliest=meeting, due=due, basis=f.citation,
                 note="上级党委3个月内审批转正决议", provisional=prov)


def _b_party_age(c: _Chain, days: int, minimum: int, ext: int) -> Step:
    ends = _probation_end(c.actual(ADMIT), ext)
    note = f"党龄自预备期满之日（{ends.isoformat()}）算起" if ends else "党龄自预备期满之日算起"
    return _step(c, PARTY_AGE, None, earliest=ends, due=None, basis=_cite("fazhan.party_age"),
                 note=note)


_BUILDERS: tuple[Callable[[_Chain, int, int, int], Step], ...] = (
    _b_apply, _b_talk, _b_activist, _b_review1, _b_review2, _b_gongshi, _b_object, _b_training,
    _b_zhengshen, _b_yushen, _b_admit, _b_approval, _b_oath, _b_confirm, _b_confirm_approval,
    _b_party_age,
)


def _with_status(steps: list[Step], entered: Mapping[str, date], today: date) -> list[Step]:
    out: list[Step] = []
    for i, s in enumerate(steps):
        later_done = any(x.step in entered for x in steps[i + 1 :])
        if s.step == PARTY_AGE:
            done = s.earliest if CONFIRM_APPROVAL in entered else None
            status = "done" if done else ("ok" if s.earliest else "pending")
            out.append(replace(s, done=done, status=status))
            continue
        status, note = _status(s, today, later_done)
        out.append(replace(s, status=status, note=note))
    return out


def _status(s: Step, today: date, later_done: bool) -> tuple[str, str]:
    if s.done is not None:
        if s.earliest is not None and s.done < s.earliest:
            return "early", f"早于最早日期{s.earliest.isoformat()}，请核实；{s.note}"
        if s.due is not None and s.done > s.due:
            return "overdue", f"超过时限{s.due.isoformat()}；{s.note}"
        return "done", s.note
    if later_done:
        return "pending", f"未录入；{s.note}"
    if s.due is not None and today > s.due:
        return "overdue", f"已过时限{s.due.isoformat()}，尚未录入；{s.note}"
    if s.earliest or s.due or s.suggested:
        return "ok", s.note
    return "pending", s.note


# --- output ------------------------------------------------------------------------------------


def to_json(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """JSON-ready dicts, dates as ISO strings (null when unknown)."""
    return [
        {
            "step": s.step,
            "earliest": _iso(s.earliest),
            "due": _iso(s.due),
            "suggested": _iso(s.suggested),
            "end": _iso(s.end),
            "done": _iso(s.done),
            "basis": s.basis,
            "note": s.note,
            "status": s.status,
            "provisional": s.provisional,
        }
        for s in steps
    ]


_MARK = {"done": "✓", "ok": "·", "early": "！", "overdue": "！", "pending": "…"}


def _line(s: Step) -> str:
    parts: list[str] = []
    if s.step == PARTY_AGE:
        return f"{_MARK.get(s.status, '·')} {s.step}" + (f" {s.earliest.isoformat()}" if s.earliest else "")
    if s.done:
        parts.append(f"已办 {s.done.isoformat()}")
    elif s.suggested:
        parts.append(f"建议 {s.suggested.isoformat()}" + ("（暂算）" if s.provisional else ""))
    if s.due:
        parts.append(f"时限 {s.due.isoformat()} 前")
    elif s.earliest and not s.done:
        parts.append(f"最早 {s.earliest.isoformat()}")
    head = f"{_MARK.get(s.status, '·')} {s.step}"
    return head + (" " + "｜".join(parts) if parts else "")


def next_step(steps: Sequence[Step]) -> Step | None:
    """The first step not done (an early or overdue entry counts as done)."""
    for s in steps:
        if s.done is None and s.step != PARTY_AGE:
            return s
    return None


def render(label: str, steps: Sequence[Step], today: date) -> str:
    """A phone-sized block: "小王 · 下一步：…" then one or two lines a step."""
    nxt = next_step(steps)
    if nxt is None:
        head = f"{label} · 各步骤均已录入"
    else:
        when = nxt.suggested or nxt.earliest
        extra = f"（建议 {when.isoformat()}）" if when else "（待录入前一步日期）"
        head = f"{label} · 下一步：{nxt.step}{extra}"
    lines = [head]
    for s in steps:
        lines.append(_line(s))
        if s.status != "done":
            lines.append(f"  {s.note}")
    if any(s.provisional for s in steps):
        lines.append("（暂算：该年节假日安排未公布，按规则估算，请复核）")
    overdue = [s for s in steps if s.status == "overdue" and s.done is None]
    if overdue:
        lines.append(f"截至 {today.isoformat()}，{len(overdue)} 项已过时限")
    return "\n".join(lines)
