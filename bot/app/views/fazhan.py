"""/fazhan: 发展党员 timelines. From one entered date every following step with its legal
limit and a suggested date; people the chat follows are listed with their next step."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.meetings import timeline, tracking
from bot.meetings.ledger import LedgerError, find_date
from bot.replies import Button, Document, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

USAGE = (
    "用法：/fazhan 称呼 阶段 日期\n"
    "例如：/fazhan 小王 积极分子 2026-05-01\n"
    "阶段：申请、积极分子、发展对象、预备党员、转正；之后再发 /fazhan 小王 发展对象 2027-05-08 记录新的一步。\n"
    "只发 /fazhan 查看正在跟踪的人；/fazhan ics 导出时限日历。"
)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _parse(text: str, req: Request) -> tuple[str, str, date]:
    """"小王 积极分子 2026-05-01" → label, stage words, date. An ISO date may lie ahead (a step
    planned); other forms (2026年5月1日, 去年…) go through the ledger's date reader."""
    words = text.split()
    if len(words) < 3:
        raise tracking.TrackingError(USAGE)
    label, rest = words[0], " ".join(words[1:])
    day: date | None = None
    if (m := _ISO.search(rest)) is not None:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise tracking.TrackingError(f"日期没看懂：{m.group(0)}") from exc
        rest = rest[: m.start()] + rest[m.end() :]
    else:
        try:
            day, rest = find_date(rest, req.today)
        except LedgerError as exc:
            raise tracking.TrackingError(str(exc)) from exc
    if day is None:
        raise tracking.TrackingError("没看到日期。" + USAGE)
    return label, rest.strip(), day


def _person_buttons(p: tracking.Person) -> list[Button]:
    return [
        Button(f"📋 {p.label}", data=buttons.PERSON.encode("v", p.id)),
        Button(f"🗑 {p.label}", data=buttons.PERSON.encode("x", p.id)),
    ]


def fazhan(core: Core, req: Request) -> list[Reply]:
    if not req.text.strip():
        return listing(core, req)
    if req.text.strip().lower() in {"ics", "日历", "导出"}:
        return ics(core, req)
    try:
        label, stage, day = _parse(req.text, req)
        person = tracking.enter(core.db, req.chat_id, label, stage, day)
        steps = person.plan(req.today)
    except (tracking.TrackingError, timeline.TimelineError) as exc:
        return [Reply(str(exc))]
    text = timeline.render(person.label, steps, req.today)
    return [Reply(text, footer="只保存称呼和你录入的日期；期限按规定计算。", buttons=[_person_buttons(person)])]


def listing(core: Core, req: Request) -> list[Reply]:
    people = tracking.people(core.db, req.chat_id)
    if not people:
        return [Reply("还没有跟踪的人。\n" + USAGE)]
    lines = []
    for p in people:
        nxt = timeline.next_step(p.plan(req.today))
        when = ""
        if nxt is not None:
            limit = nxt.due or nxt.suggested or nxt.earliest
            when = f"：{nxt.step}" + (f"（{limit.isoformat()}）" if limit else "")
        lines.append(f"· {p.label}{when or '：各步骤已完成'}")
    return [Reply("\n".join(lines), title="发展党员跟踪", buttons=[_person_buttons(p) for p in people[:20]])]


def person_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    action, pid = fields
    person = tracking.get(core.db, req.chat_id, pid)
    if person is None:
        return [Reply(toast="已不在跟踪名单中。")]
    if action == "v":
        return [Reply(timeline.render(person.label, person.plan(req.today), req.today))]
    if action == "x":
        confirm = [[Button("确认删除", data=buttons.PERSON.encode("y", pid)), Button("取消", data=buttons.PERSON.encode("n", pid))]]
        return [Reply(f"确定不再跟踪「{person.label}」吗？已录入的日期会一并删除。", buttons=confirm)]
    if action == "n":
        return [Reply(toast="已取消")]
    tracking.remove(core.db, req.chat_id, pid)
    return [Reply(f"已删除「{person.label}」。", toast="已删除")]


def ics(core: Core, req: Request) -> list[Reply]:
    """The legal limits and earliest dates of everyone followed, as all-day calendar events."""
    from icalendar import Calendar, Event

    people = tracking.people(core.db, req.chat_id)
    if not people:
        return [Reply("还没有跟踪的人。\n" + USAGE)]
    cal = Calendar()
    cal.add("prodid", "-//dangwu//fazhan//ZH")
    cal.add("version", "2.0")
    for p in people:
        for step in p.plan(req.today):
            if step.done is not None:
                continue
            for when, what in ((step.due, "时限"), (step.earliest, "最早")):
                if when is None:
                    continue
                event = Event()
                event.add("uid", f"fazhan-{req.chat_id}-{p.id}-{step.step}-{what}@dangwu")
                event.add("summary", f"{p.label}：{step.step}（{what}）")
                event.add("dtstart", when)
                event.add("dtstamp", req.now)
                event.add("description", f"{step.note}\n依据：{step.basis}")
                cal.add_component(event)
    data = cal.to_ical()
    return [Reply(document=Document("fazhan.ics", data, "发展党员各步骤的时限，可导入手机日历"))]
