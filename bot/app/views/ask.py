"""Rules questions: /start, /help, /ask, free text, and the buttons under an answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.feedback import log_question, record_vote
from bot.replies import Button, Reply
from bot.rules.case import MISSING_OPTIONS, CaseAnswer, answer_case
from bot.rules.engine import Answer, NoAnswer, Result, Rule

if TYPE_CHECKING:
    from bot.app.core import Core, Request

MAX_QUESTION = 500

HELP = (
    "我是党务助手，可以：\n"
    "1. 答规定：直接发问题，如「支委会多久开一次」「5个党员要设支委会吗」「退休党员党费怎么交」\n"
    "2. 找范文：/fanwen 存在问题 三会一课\n"
    "3. 记党日：/partyday 每月第一个周五，到期前提醒\n"
    "发送 /help 查看全部命令。"
)


def help_text(core: Core, req: Request) -> str:
    """The greeting plus one line per command this user may use here (from the table)."""
    seen: set[str] = set()
    lines = [HELP, "", "命令："]
    for cmd in core.commands.values():
        if cmd.name in seen or (cmd.admin and not req.is_admin) or (req.group and not cmd.groups):
            continue
        seen.add(cmd.name)
        lines.append(f"/{cmd.name} — {cmd.help}")
    return "\n".join(lines)


def start(core: Core, req: Request) -> list[Reply]:
    return [
        Reply(
            help_text(core, req),
            buttons=[
                [Button("试问：支委会多久开一次", data=buttons.EXAMPLE.encode("ask"))],
                [Button("试搜范文：存在问题", switch_inline="存在问题")],
                [Button("设主题党日", data=buttons.EXAMPLE.encode("pd"))],
            ],
        )
    ]


def ask(core: Core, req: Request) -> list[Reply]:
    if not req.text.strip():
        return [Reply("请在命令后写上问题，例如：/ask 支委会多久开一次")]
    return question(core, req, req.text)


def question(core: Core, req: Request, text: str) -> list[Reply]:
    text = text.strip()
    if not text:
        return [Reply("请输入问题，或 /help 查看用法。")]
    if len(text) > MAX_QUESTION:
        return [Reply(f"问题太长了（{len(text)} 字），请精简到 {MAX_QUESTION} 字以内。")]
    case = answer_case(core.book, text, req.today)
    first = next((p.result for p in case.parts if p.result is not None), None)
    log_question(core.db, text, first if first is not None else NoAnswer(text, 0.0, (), "out_of_scope"))
    core.last_question[req.user_id] = text
    return [render_case(case)]


def render_case(case: CaseAnswer) -> Reply:
    """A whole-message answer: a plain rule answer keeps its card; a calculation, a correction,
    several parts or a missing input get the case text (options for the input as buttons)."""
    if len(case.parts) == 1:
        p = case.parts[0]
        plain = p.calc is None and not (p.note or p.correction or p.verdict or p.no_rule or p.declined or p.extra)
        if plain and p.result is not None:
            return render_answer(p.result)
    if case.declined and all(p.declined for p in case.parts):
        return Reply(body="这个问题不在党务规定知识库范围内，我没有可靠的答案。")
    reply = Reply(body=case.text())
    for m in case.missing:
        row = [
            Button(o, data=buttons.CASE_OPTION.encode(MISSING_OPTIONS.index(o)))
            for o in m.options
            if o in MISSING_OPTIONS
        ]
        if row:
            reply.buttons.append(row)
    rule_ids = [p.rule_id for p in case.parts if p.rule_id]
    if rule_ids:
        reply.buttons.append(feedback_row(rule_ids[0]))
    return reply


def case_option_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """A button under a calculation that asked for an input: ask again with the chosen option."""
    asked = core.last_question.get(req.user_id, "")
    if not asked:
        return [Reply(toast="这个按钮已失效，请重新提问。")]
    return question(core, req, asked + "，" + MISSING_OPTIONS[fields[0]])


def feedback_row(rule_id: str) -> list[Button]:
    """👍/👎 under a rule answer; the 👎 feeds /unanswered and offers the next-best topics."""
    return [
        Button("👍 有用", data=buttons.FEEDBACK.encode("+", rule_id)),
        Button("👎 不对", data=buttons.FEEDBACK.encode("-", rule_id)),
    ]


def rule_reply(rule: Rule, *, note: str = "") -> Reply:
    """The answer card for one rule: answer, detail, citation."""
    body = rule.answer + (("\n\n" + rule.detail) if rule.detail else "")
    footer = f"依据：{rule.citation}"
    return Reply(body=body, title=rule.title, footer=(note + "\n" + footer) if note else footer)


def render_answer(result: Result) -> Reply:
    """Answer card, or an honest decline with the closest topics and a template-search offer."""
    if isinstance(result, Answer):
        note = "（把握不大，请核对原文）" if result.low_confidence else ""
        reply = rule_reply(result.rule, note=note)
        related = [Button(f"📎 {r.title}", data=buttons.RULE.encode(r.id)) for r in result.related[:3]]
        if related:
            reply.buttons.append(related)
        reply.buttons.append(feedback_row(result.rule.id))
        return reply
    assert isinstance(result, NoAnswer)
    if result.reason == "empty":
        return Reply(body="请直接输入要问的问题，例如「支委会多久开一次」。")
    if result.suggestions:
        body = "这个问题我没有可靠的答案，不敢乱说。你是不是想问："
    else:
        body = "这个问题不在党务规定知识库范围内，我没有可靠的答案。"
    reply = Reply(body=body, footer="也可以用 /fanwen 搜索范文段落。")
    for r in result.suggestions:
        reply.buttons.append([Button(r.title, data=buttons.RULE.encode(r.id))])
    reply.buttons.append([Button("🔍 搜范文", data=buttons.FW_LAST.encode("last"))])
    return reply


def rule_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    rule = core.book.by_id.get(fields[0])
    if rule is None:
        return [Reply(toast="这个话题已不存在，请重新提问。")]
    reply = rule_reply(rule)
    reply.buttons.append(feedback_row(rule.id))
    return [reply]


def feedback_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    sign, rule_id = fields
    asked = core.last_question.get(req.user_id, "")
    vote = 1 if sign == "+" else -1
    record_vote(core.db, req.user_id, "rule", rule_id, vote, asked)
    if vote > 0:
        return [Reply(toast="谢谢反馈！")]
    replies = [Reply(toast="已记录，我们会改进。")]
    result = core.book.answer(asked) if asked else None
    others = [r for r in (result.alternatives if isinstance(result, Answer) else ()) if r.id != rule_id][:3]
    if others:
        rows = [[Button(r.title, data=buttons.RULE.encode(r.id))] for r in others]
        replies.append(Reply("抱歉答偏了。你是不是想问：", buttons=rows))
    return replies


def example_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    if fields == ("ask",):
        return question(core, req, "支委会多久开一次")
    return [Reply("发送 /partyday 加规则即可，例如：\n/partyday 每月第一个周五\n/partyday 每月15日，遇节假日顺延")]
