"""Replies shared by every front end, and the local console chat that runs without a token.

The Telegram handlers call the same ``render_*`` functions and only turn the ``Reply`` into HTML,
so what a user sees in the console is what they see on the phone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from sqlite_utils import Database

from bot.case import CaseAnswer
from bot.config import Settings
from bot.replies import Button, Reply
from bot.rules import Answer, NoAnswer, Result, Rule, RuleBook

CONSOLE_CHAT = 0  # the console behaves as one private chat

HELP = (
    "我是党务助手，可以：\n"
    "1. 答规定：直接发问题，如「支委会多久开一次」「5个党员要设支委会吗」「退休党员党费怎么交」\n"
    "2. 找范文：/fanwen 存在问题 三会一课\n"
    "3. 记党日：/partyday 每月第一个周五，到期前提醒\n"
    "发送 /help 再次查看本说明。"
)


def rule_reply(rule: Rule, *, confidence: float | None = None, note: str = "") -> Reply:
    """The answer card for one rule: answer, citation, related topics, feedback buttons."""
    body = rule.answer
    if rule.detail:
        body += "\n\n" + rule.detail
    footer = f"依据：{rule.citation}"
    if note:
        footer = note + "\n" + footer
    buttons: list[list[Button]] = []
    return Reply(body=body, title=rule.title, footer=footer, buttons=buttons)


def feedback_row(rule_id: str) -> list[Button]:
    """👍/👎 under a rule answer; the 👎 feeds /unanswered and offers the next-best topics."""
    return [Button("👍 有用", data=f"fb:+:{rule_id}"), Button("👎 不对", data=f"fb:-:{rule_id}")]


def render_answer(result: Result, book: RuleBook | None = None) -> Reply:
    """Answer card, or an honest decline with the closest topics and a template-search offer."""
    if isinstance(result, Answer):
        note = "（把握不大，请核对原文）" if result.low_confidence else ""
        reply = rule_reply(result.rule, confidence=result.confidence, note=note)
        related = [Button(f"📎 {r.title}", data=f"r:{r.id}") for r in result.related[:3]]
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
        reply.buttons.append([Button(r.title, data=f"r:{r.id}")])
    reply.buttons.append([Button("🔍 搜范文", data="fw:last")])
    return reply


def render_case(case: CaseAnswer, book: RuleBook | None = None) -> Reply:
    """A whole-message answer: a plain rule answer keeps its card; a calculation, a correction,
    several parts or a missing input get the case text (with option buttons for the input)."""
    from bot.case import MISSING_OPTIONS

    if len(case.parts) == 1:
        p = case.parts[0]
        plain = p.calc is None and not (p.note or p.correction or p.verdict or p.no_rule or p.declined)
        if plain and p.result is not None:
            return render_answer(p.result, book)
    if case.declined and all(p.declined for p in case.parts):
        return Reply(body="这个问题不在党务规定知识库范围内，我没有可靠的答案。")
    reply = Reply(body=case.text())
    for m in case.missing:
        row = [
            Button(o, data=f"cm:{MISSING_OPTIONS.index(o)}") for o in m.options if o in MISSING_OPTIONS
        ]
        if row:
            reply.buttons.append(row)
    rule_ids = [p.rule_id for p in case.parts if p.rule_id]
    if rule_ids:
        reply.buttons.append(feedback_row(rule_ids[0]))
    return reply


class Console:
    """Line-based chat over the core; numbers press the buttons of the last reply."""

    def __init__(self, settings: Settings) -> None:
        from bot.rules import load_rulebook

        self.settings = settings
        self.book = load_rulebook(db_path=settings.db_path)
        self.last_question = ""
        self.last_buttons: list[Button] = []
        self._db: Database | None = None
        self.commands: dict[str, Callable[[str], list[Reply]]] = {
            "/start": lambda _a: [Reply(HELP)],
            "/help": lambda _a: [Reply(HELP)],
            "/ask": self.ask,
            "/fanwen": self.fanwen,
            "/partyday": self.partyday,
            "/schedules": self.schedules,
        }

    @property
    def db(self) -> Database:
        """Opened on first use so a console that only asks questions never touches the disk."""
        if self._db is None:
            from bot.db import open_db

            self._db = open_db(self.settings.db_path)
        return self._db

    def fanwen(self, text: str) -> list[Reply]:
        """Template search: the console shows the top three paragraphs in full."""
        from bot.corpus import resolve_kind
        from bot.search import search

        words = text.split()
        kind = None
        if len(words) > 1 and resolve_kind(words[-1]):
            kind, words = resolve_kind(words[-1]), words[:-1]
        if not words:
            return [Reply("请写上要找的内容，例如：/fanwen 三会一课 存在问题")]
        res = search(self.db, " ".join(words), kind=kind, limit=3)
        if not res.results:
            return [Reply(res.message or "没有找到相关段落。")]
        out = []
        for i, r in enumerate(res.results, 1):
            holes = "、".join(dict.fromkeys(p[2] for p in r.placeholders if p[2]))
            out.append(
                Reply(
                    r.text,
                    title=f"范文 {i}/{res.total} · {r.kind} · {r.source}",
                    footer=f"待填：{holes}" if holes else "",
                    copyable=True,
                )
            )
        return out

    def partyday(self, text: str) -> list[Reply]:
        """The console is one private chat (id 0): same schedule core as the bot."""
        from datetime import datetime

        from bot import reminders
        from bot.schedule import RuleError

        now = datetime.now(self.settings.tz)
        today = now.date()
        if not text:
            sched = reminders.get_schedule(self.db, CONSOLE_CHAT, "主题党日")
            if sched is None:
                return [Reply("还没有设置主题党日，例如：/partyday 每月第一个周五")]
            return [Reply(reminders.render_schedule(sched, today, 3))]
        try:
            sched = reminders.save_schedule(self.db, CONSOLE_CHAT, "主题党日", text, now=now)
        except RuleError as exc:
            return [Reply(str(exc))]
        return [Reply("已设置。\n" + reminders.render_schedule(sched, today, 3))]

    def schedules(self, _text: str) -> list[Reply]:
        from datetime import datetime

        from bot import reminders

        today = datetime.now(self.settings.tz).date()
        return [Reply(reminders.render_schedules(self.db, CONSOLE_CHAT, today))]

    def ask(self, text: str) -> list[Reply]:
        from bot.case import answer_case

        self.last_question = text
        today = datetime.now(self.settings.tz).date()
        return [render_case(answer_case(self.book, text, today), self.book)]

    def press(self, data: str) -> list[Reply]:
        if data.startswith("r:") and data[2:] in self.book.by_id:
            return [rule_reply(self.book.by_id[data[2:]])]
        if data.startswith("fb:"):
            return [Reply("谢谢反馈！")]
        if data.startswith("cm:") and data[3:].isdigit():
            from bot.case import MISSING_OPTIONS

            k = int(data[3:])
            if k < len(MISSING_OPTIONS) and self.last_question:
                return self.ask(self.last_question + "，" + MISSING_OPTIONS[k])
        if data == "fw:last":
            return self.commands["/fanwen"](self.last_question)
        return [Reply("这个按钮已失效，请重新提问。")]

    def handle(self, line: str) -> list[Reply]:
        text = line.strip()
        if not text:
            return [Reply("请输入问题，或 /help 查看用法。")]
        if text.isdigit() and 0 < int(text) <= len(self.last_buttons):
            button = self.last_buttons[int(text) - 1]
            return self.press(button.data or "")
        if text.startswith("/"):
            cmd, _, arg = text.partition(" ")
            func = self.commands.get(cmd.lower())
            if func is None:
                return [Reply(f"未知命令 {cmd}。发送 /help 查看可用命令。")]
            return func(arg.strip())
        return self.ask(text)

    def render(self, replies: list[Reply]) -> str:
        """Plain text with numbered buttons, so the console user can press them."""
        self.last_buttons = [b for r in replies for row in r.buttons for b in row if b.data]
        lines: list[str] = []
        n = 0
        for r in replies:
            lines.extend(p for p in (r.title, r.body, r.footer) if p)
            for row in r.buttons:
                labels = []
                for b in row:
                    if b.data:
                        n += 1
                        labels.append(f"[{n}] {b.text}")
                lines.append("  ".join(labels))
        return "\n".join(lines)


def run_console(settings: Settings, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Interactive when stdin is a terminal; with piped input, one reply block per line."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    console = Console(settings)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(HELP + "\n输入 q 退出；输入按钮前的数字可点按钮。\n")
    while True:
        if interactive:
            stdout.write("\n你> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if interactive and line.strip().lower() in {"q", "quit", "exit"}:
            break
        try:
            out = console.render(console.handle(line))
        except Exception as exc:  # the console must survive any one bad message, like the bot
            out = f"出错了，请换个说法再试。（{type(exc).__name__}）"
        stdout.write(("助手> " if interactive else "") + out + "\n")
        if not interactive:
            stdout.write("---\n")
        stdout.flush()
    return 0
