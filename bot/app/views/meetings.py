"""主题党日 and 三会一课 schedules: /partyday, /schedule, /schedules, /ics, /tz and their buttons."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.meetings import reminders
from bot.meetings.schedule import AmbiguousRule, RuleError
from bot.replies import Button, Document, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

KINDS = buttons.MEETING_KINDS
ADMIN_ONLY = "在群里只有群管理员可以修改日程；大家都可以查看。"
STOP_WORDS = {"off", "stop", "关闭", "停止", "取消"}
_MOVE_WORDS = re.compile(r"改到|改期|改在|改为|推迟到|提前到|调到|调整到")


def _today(core: Core, req: Request) -> Any:
    return reminders.chat_today(core.db, req.chat_id, req.now)


def _save(core: Core, req: Request, kind: str, rule_text: str, done: str) -> list[Reply]:
    """Save a schedule; a phrase that leaves the day open asks back with buttons."""
    try:
        sched = reminders.save_schedule(core.db, req.chat_id, kind, rule_text, now=req.now)
    except AmbiguousRule as exc:
        rows = [[Button(o, data=buttons.SCHED_PICK.encode(i))] for i, o in enumerate(exc.options)]
        return [Reply(exc.question, buttons=rows, state={"kind": kind, "options": list(exc.options)})]
    except RuleError as exc:
        return [Reply(str(exc))]
    return [Reply(done + "\n" + reminders.render_schedule(sched, _today(core, req), 3))]


def _set_message(req: Request) -> str:
    return "已设置，到期前会提醒本群。" if req.group else "已设置，到期前会提醒你。"


def partyday(core: Core, req: Request) -> list[Reply]:
    """/partyday [规则 | off]: show, set or stop the chat's 主题党日."""
    arg = req.text.strip()
    if not arg:
        sched = reminders.get_schedule(core.db, req.chat_id, "主题党日")
        if sched is None:
            where = "本群" if req.group else "你"
            return [Reply(f"{where}还没有设置主题党日。设置方法：\n/partyday 每月第一个周五\n/partyday 每月15日，遇节假日顺延")]
        return [Reply(reminders.render_schedule(sched, _today(core, req), 3))]
    if not req.can_manage:
        return [Reply(ADMIN_ONLY)]
    if _MOVE_WORDS.search(arg):  # 本月改到15号: one meeting moves, the rule stays
        from bot.app.views.reminder import gaiqi

        return gaiqi(core, replace(req, text=f"主题党日 {arg}"))
    if arg.lower() in STOP_WORDS:
        stopped = reminders.set_schedule_active(core.db, req.chat_id, "主题党日", False, now=req.now)
        return [Reply("已停止主题党日提醒。" if stopped else "没有设置主题党日。")]
    return _save(core, req, "主题党日", arg, _set_message(req))


def schedule(core: Core, req: Request) -> list[Reply]:
    """/schedule 支委会 每月第一个工作日 — set any kind; /schedule 支委会 off stops it."""
    kind, _, rule_text = req.text.strip().partition(" ")
    rule_text = rule_text.strip()
    if not kind or not rule_text:
        return [Reply("用法：/schedule 会议名称 规则\n例如：/schedule 支委会 每月第一个工作日")]
    if not req.can_manage:
        return [Reply(ADMIN_ONLY)]
    if _MOVE_WORDS.search(rule_text):
        from bot.app.views.reminder import gaiqi

        return gaiqi(core, replace(req, text=f"{kind} {rule_text}"))
    if rule_text.lower() in STOP_WORDS:
        ok = reminders.set_schedule_active(core.db, req.chat_id, kind, False, now=req.now)
        return [Reply(f"已停止{kind}提醒。" if ok else f"没有设置{kind}。")]
    return _save(core, req, kind, rule_text, _set_message(req))


def _schedules_buttons(existing: set[str]) -> list[list[Button]]:
    """✏️/停止 for the meetings the chat has, ➕ only for those it has not."""
    rows: list[list[Button]] = []
    for i, kind in enumerate(KINDS):
        if kind in existing:
            rows.append(
                [
                    Button(f"✏️ {kind}", data=buttons.SCHED_EDIT.encode("e", i)),
                    Button(f"停止 {kind}", data=buttons.SCHED_STOP.encode("s", i)),
                ]
            )
    adds = [Button(f"➕ {k}", data=buttons.SCHED_ADD.encode("a", i)) for i, k in enumerate(KINDS) if k not in existing]
    rows.extend(adds[i : i + 3] for i in range(0, len(adds), 3))
    rows.append([Button("⏰ 修改提醒时间", data=buttons.LEADS_MENU.encode("l"))])
    return rows


def schedules(core: Core, req: Request) -> list[Reply]:
    text = reminders.render_schedules(core.db, req.chat_id, _today(core, req))
    existing = {s.kind for s in reminders.list_schedules(core.db, req.chat_id) if s.active}
    return [Reply(text, buttons=_schedules_buttons(existing))]


def schedule_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """➕ ✏️ 停止 under /schedules. A button never silently replaces a schedule the chat set
    later: an old ➕ on a meeting that now exists says what is set and offers to change it."""
    if not req.can_manage:
        return [Reply(toast=ADMIN_ONLY, alert=True)]
    action, index = fields
    kind = KINDS[index]
    if action == "s":
        stopped = reminders.set_schedule_active(core.db, req.chat_id, kind, False, now=req.now)
        return [Reply(f"已停止{kind}提醒。" if stopped else f"没有设置{kind}。")]
    current = reminders.get_schedule(core.db, req.chat_id, kind)
    suggested = reminders.SUGGESTED_RULES[kind]
    if current is not None and current.active and action in {"a", "e"}:
        rows = [[Button(f"改为：{suggested}", data=buttons.SCHED_SUGGESTED.encode("r", index))]]
        rows.append(
            [
                Button(f"⏰ {kind}提醒时间", data=buttons.KIND_LEADS_MENU.encode(index)),
                Button(f"停止 {kind}", data=buttons.SCHED_STOP.encode("s", index)),
            ]
        )
        text = f"{kind}已经设置为：{current.rule_text}\n要修改，请发送：/schedule {kind} 新规则"
        return [Reply(text, buttons=rows if current.rule_text != suggested else rows[1:])]
    verb = "设置" if action == "r" else "添加"
    return _save(core, req, kind, suggested, f"已按常用规则{verb}{kind}（可修改：/schedule {kind} 新规则）。")


def pick_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """One of the phrases offered for an open-ended schedule (每季度一次 → which day?)."""
    state = core.state(req.chat_id, req.message_id)
    if not req.can_manage:
        return [Reply(toast=ADMIN_ONLY, alert=True)]
    if state is None or fields[0] >= len(state["options"]):
        return [Reply(toast="这条消息已过期，请重新发送设置命令。")]
    return _save(core, req, state["kind"], state["options"][fields[0]], _set_message(req))


def leads_menu(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    if not req.can_manage:
        return [Reply(toast=ADMIN_ONLY, alert=True)]
    rows = [[Button(opt, data=buttons.LEADS.encode("l", i))] for i, opt in enumerate(buttons.LEAD_OPTIONS)]
    return [Reply("选择所有日程的提醒时间：", buttons=rows)]


def leads_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    if not req.can_manage:
        return [Reply(toast=ADMIN_ONLY, alert=True)]
    option = buttons.LEAD_OPTIONS[fields[1]]
    changed = 0
    for sched in reminders.list_schedules(core.db, req.chat_id):
        reminders.save_schedule(core.db, req.chat_id, sched.kind, sched.rule_text, leads=option, now=req.now)
        changed += 1
    return [Reply(f"已把 {changed} 个日程的提醒时间改为：{option}" if changed else "还没有日程，请先添加。")]


def tz(core: Core, req: Request) -> list[Reply]:
    """/tz Asia/Urumqi or /tz 乌鲁木齐 — a chat outside the default zone gets reminders at its 9 点."""
    arg = req.text.strip()
    if not arg:
        row = core.db.execute("SELECT tz FROM chats WHERE chat_id = ?", [req.chat_id]).fetchone()
        current = (row[0] if row and row[0] else None) or core.settings.tz_name
        return [Reply(f"时区：{current}\n修改：/tz Asia/Urumqi 或 /tz 乌鲁木齐（群内仅管理员）")]
    if not req.can_manage:
        return [Reply(ADMIN_ONLY)]
    try:
        name = reminders.set_chat_tz(core.db, req.chat_id, arg, now=req.now)
    except RuleError as exc:
        return [Reply(str(exc))]
    return [Reply(f"时区已设为 {name}，提醒时间按当地时间计算。")]


def ics(core: Core, req: Request) -> list[Reply]:
    if not reminders.list_schedules(core.db, req.chat_id):
        return [Reply("还没有日程可导出。先用 /partyday 每月第一个周五 设置。")]
    data = reminders.chat_ics(core.db, req.chat_id, _today(core, req), count=12)
    return [Reply(document=Document("dangri.ics", data, "党日及三会一课日程，可导入手机日历"))]


def kind_leads_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """Lead times of one meeting kind (支委会 the day before, 党员大会 a week before …)."""
    if not req.can_manage:
        return [Reply(toast=ADMIN_ONLY, alert=True)]
    kind = KINDS[fields[0]]
    sched = reminders.get_schedule(core.db, req.chat_id, kind)
    if sched is None:
        return [Reply(toast=f"没有设置{kind}。")]
    if len(fields) == 1:
        rows = [[Button(o, data=buttons.KIND_LEADS.encode(fields[0], i))] for i, o in enumerate(buttons.LEAD_OPTIONS)]
        return [Reply(f"选择{kind}的提醒时间：", buttons=rows)]
    option = buttons.LEAD_OPTIONS[fields[1]]
    reminders.save_schedule(core.db, req.chat_id, kind, sched.rule_text, leads=option, now=req.now)
    return [Reply(f"{kind}的提醒时间已改为：{option}")]
