"""Calculators as commands: /dangfei (党费), /renshu (quorums, majorities, thresholds),
/huanjie (换届 due dates). Free-text questions reach the same calculators through the rules
answer; a missing input is asked for with buttons, never guessed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.facts.calc import Calc
from bot.facts.dues import normalize_status
from bot.facts.extract import CalcRequest, compute, parse_count_args, parse_dues_args
from bot.meetings import huanjie as huanjie_core
from bot.replies import Button, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

DUES_USAGE = "用法：/dangfei 金额 身份\n例如：/dangfei 7200 在职、/dangfei 4800 退休、/dangfei 学生"
HUANJIE_USAGE = "用法：/huanjie 上次选举年月 组织类型\n例如：/huanjie 2023-03 支部、/huanjie 2021年5月 村"


def calc_reply(calc: Calc, req: CalcRequest) -> Reply:
    """The answer, or the question for the first missing input with its options as buttons."""
    if calc.missing and calc.missing[0].options:
        need = calc.missing[0]
        rows = [[Button(o, data=buttons.CALC_PICK.encode(i))] for i, o in enumerate(need.options[:10])]
        state = {"kind": req.kind, "inputs": dict(req.inputs), "field": need.field, "options": need.options[:10]}
        return Reply(calc.text(), buttons=rows, state=state)
    return Reply(calc.text())


def dangfei(core: Core, req: Request) -> list[Reply]:
    if not req.text.strip():
        return [Reply(DUES_USAGE)]
    calc_req = parse_dues_args(req.text)
    return [calc_reply(compute(calc_req), calc_req)]


def renshu(core: Core, req: Request) -> list[Reply]:
    if not req.text.strip():
        return [Reply("用法：/renshu 应到40 实到33 得票17\n或：/renshu 正式5 预备2；/renshu 应到40 赞成21；/renshu 党员52")]
    calc_req = parse_count_args(req.text)
    return [calc_reply(compute(calc_req), calc_req)]


def pick_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """The user chose one of the options a calculation asked for (在职 / 退休 …)."""
    state = core.state(req.chat_id, req.message_id)
    if state is None or fields[0] >= len(state["options"]):
        return [Reply(toast="这条消息已过期，请重新发送。")]
    choice = state["options"][fields[0]]
    inputs = dict(state["inputs"])
    inputs[state["field"]] = normalize_status(choice) if state["field"] == "status" else choice
    calc_req = CalcRequest(state["kind"], inputs)
    return [calc_reply(compute(calc_req), calc_req)]


def huanjie(core: Core, req: Request) -> list[Reply]:
    """/huanjie 2023-03 支部: the term, the due month, the latest extension, what to prepare;
    the chat's own term is kept, and reminded 3 months and 1 month before and in the due month.
    /huanjie alone shows the kept one."""
    words = req.text.split()
    if not words:
        kept = huanjie_core.saved(core.db, req.chat_id)
        if kept is None:
            return [Reply(HUANJIE_USAGE)]
        return [Reply(huanjie_core.render(huanjie_core.due(kept[0], kept[1], today=req.today)))]
    if len(words) < 2:
        return [Reply(HUANJIE_USAGE)]
    if req.group and not req.can_manage:
        return [Reply("在群里只有群管理员可以设置换届时间；大家都可以用 /huanjie 查看。")]
    try:
        elected = huanjie_core.parse_elected(words[0])
        kind = huanjie_core.parse_kind(" ".join(words[1:]))
        result = huanjie_core.due(elected, kind, today=req.today)
    except huanjie_core.HuanjieError as exc:
        return [Reply(f"{exc}\n{HUANJIE_USAGE}")]
    huanjie_core.save(core.db, req.chat_id, elected, kind)
    where = "本群" if req.group else "你"
    return [Reply(huanjie_core.render(result), footer=f"已记下，届满前3个月、1个月和当月会提醒{where}。")]
