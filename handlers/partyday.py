"""主题党日 and 三会一课 schedules in chat, .ics export, and the reminder tick job."""

from __future__ import annotations

import asyncio
import html
import logging

from sqlite_utils import Database
from telegram import Update
from telegram.error import ChatMigrated, Forbidden, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import reminders
from bot.app import buttons
from bot.replies import Button, Document, Reply
from bot.schedule import RuleError
from handlers import common

log = logging.getLogger(__name__)

KINDS = buttons.MEETING_KINDS  # 主题党日 支委会 党员大会 党小组会 党课 组织生活会
LEAD_OPTIONS = buttons.LEAD_OPTIONS
ADMIN_ONLY = "在群里只有群管理员可以修改日程；大家都可以查看。"


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _send(update: Update, context: common.Context, text: str, buttons: list[list[Button]] | None = None) -> None:
    await common.send(update.effective_message, update.effective_chat, context, Reply(text, buttons=buttons or []))


async def partyday(update: Update, context: common.Context) -> None:
    """/partyday [规则 | off]: show, set or stop the chat's 主题党日."""
    db = common.db_of(context)
    chat_id = _chat_id(update)
    arg = common.command_args(context)
    now = common.now_of(context)
    today = reminders.chat_today(db, chat_id, now)
    if not arg:
        sched = await common.core(reminders.get_schedule, db, chat_id, "主题党日")
        if sched is None:
            await _send(
                update,
                context,
                "本群还没有设置主题党日。设置方法：\n/partyday 每月第一个周五\n/partyday 每月15日，遇节假日顺延",
            )
        else:
            await _send(update, context, reminders.render_schedule(sched, today, 3))
        return
    if not await common.can_manage_chat(update, context):
        await _send(update, context, ADMIN_ONLY)
        return
    if arg.lower() in {"off", "stop", "关闭", "停止", "取消"}:
        stopped = await common.core(reminders.set_schedule_active, db, chat_id, "主题党日", False, now=now)
        await _send(update, context, "已停止主题党日提醒。" if stopped else "本群没有设置主题党日。")
        return
    try:
        sched = await common.core(reminders.save_schedule, db, chat_id, "主题党日", arg, now=now)
    except RuleError as exc:
        await _send(update, context, str(exc))
        return
    await _send(update, context, "已设置，到期前会提醒本群。\n" + reminders.render_schedule(sched, today, 3))


async def schedule_command(update: Update, context: common.Context) -> None:
    """/schedule 支委会 每月第一个工作日 — set any kind; /schedule 支委会 off stops it."""
    args = context.args or []
    if len(args) < 2:
        await _send(update, context, "用法：/schedule 会议名称 规则\n例如：/schedule 支委会 每月第一个工作日")
        return
    if not await common.can_manage_chat(update, context):
        await _send(update, context, ADMIN_ONLY)
        return
    db, chat_id, now = common.db_of(context), _chat_id(update), common.now_of(context)
    kind, rule_text = args[0], " ".join(args[1:])
    if rule_text.lower() in {"off", "关闭", "停止", "取消"}:
        ok = await common.core(reminders.set_schedule_active, db, chat_id, kind, False, now=now)
        await _send(update, context, f"已停止{kind}提醒。" if ok else f"本群没有设置{kind}。")
        return
    try:
        sched = await common.core(reminders.save_schedule, db, chat_id, kind, rule_text, now=now)
    except RuleError as exc:
        await _send(update, context, str(exc))
        return
    today = reminders.chat_today(db, chat_id, now)
    await _send(update, context, "已设置。\n" + reminders.render_schedule(sched, today, 3))


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


def _active_kinds(db: Database, chat_id: int) -> set[str]:
    return {s.kind for s in reminders.list_schedules(db, chat_id) if s.active}


async def schedules(update: Update, context: common.Context) -> None:
    db, chat_id = common.db_of(context), _chat_id(update)
    today = reminders.chat_today(db, chat_id, common.now_of(context))
    text = await common.core(reminders.render_schedules, db, chat_id, today)
    existing = await common.core(_active_kinds, db, chat_id)
    await _send(update, context, text, _schedules_buttons(existing))


async def schedules_button(update: Update, context: common.Context) -> None:
    """The buttons under /schedules. A button never silently replaces a schedule the chat set
    later (an old ➕ on a meeting that now exists says what is set and offers to change it)."""
    query = update.callback_query
    assert query is not None
    if not await common.can_manage_chat(update, context):
        await common.answer(context, query, ADMIN_ONLY, alert=True)
        return
    await common.answer(context, query)
    db, chat_id, now = common.db_of(context), _chat_id(update), common.now_of(context)
    today = reminders.chat_today(db, chat_id, now)
    data = query.data
    if (leads := buttons.LEADS.decode(data)) is not None:
        await _set_leads(update, context, LEAD_OPTIONS[leads[1]])
        return
    if buttons.LEADS_MENU.decode(data) is not None:
        rows = [[Button(opt, data=buttons.LEADS.encode("l", i))] for i, opt in enumerate(LEAD_OPTIONS)]
        await _send(update, context, "选择本群所有日程的提醒时间：", rows)
        return
    decoded = (
        buttons.SCHED_ADD.decode(data) or buttons.SCHED_EDIT.decode(data)
        or buttons.SCHED_SUGGESTED.decode(data) or buttons.SCHED_STOP.decode(data)
    )
    assert decoded is not None  # the router only sends data one of these codecs accepts
    action, index = decoded
    kind = KINDS[index]
    current = await common.core(reminders.get_schedule, db, chat_id, kind)
    if action == "s":
        stopped = await common.core(reminders.set_schedule_active, db, chat_id, kind, False, now=now)
        await _send(update, context, f"已停止{kind}提醒。" if stopped else f"本群没有设置{kind}。")
        return
    if current is not None and current.active and action in {"a", "e"}:
        suggested = reminders.SUGGESTED_RULES[kind]
        rows = [[Button(f"改为：{suggested}", data=buttons.SCHED_SUGGESTED.encode("r", index))]]
        rows.append([Button(f"停止 {kind}", data=buttons.SCHED_STOP.encode("s", index))])
        await _send(
            update,
            context,
            f"{kind}已经设置为：{current.rule_text}\n要修改，请发送：/schedule {kind} 新规则",
            rows if current.rule_text != suggested else rows[1:],
        )
        return
    rule_text = reminders.SUGGESTED_RULES[kind]
    sched = await common.core(reminders.save_schedule, db, chat_id, kind, rule_text, now=now)
    await _send(
        update,
        context,
        f"已按常用规则{'设置' if action == 'r' else '添加'}{kind}（可修改：/schedule {kind} 新规则）。\n"
        + reminders.render_schedule(sched, today, 3),
    )


async def _set_leads(update: Update, context: common.Context, option: str) -> None:
    db, chat_id, now = common.db_of(context), _chat_id(update), common.now_of(context)

    def apply() -> int:
        changed = 0
        for sched in reminders.list_schedules(db, chat_id):
            reminders.save_schedule(db, chat_id, sched.kind, sched.rule_text, leads=option, now=now)
            changed += 1
        return changed

    changed = await common.core(apply)
    await _send(
        update, context, f"已把 {changed} 个日程的提醒时间改为：{option}" if changed else "还没有日程，请先添加。"
    )


async def tz_command(update: Update, context: common.Context) -> None:
    """/tz Asia/Urumqi — a chat outside the default zone gets reminders at its own 9 点."""
    db, chat_id = common.db_of(context), _chat_id(update)
    arg = common.command_args(context)
    if not arg:
        row = db.execute("SELECT tz FROM chats WHERE chat_id = ?", [chat_id]).fetchone()
        current = (row[0] if row and row[0] else None) or common.settings_of(context).tz_name
        await _send(update, context, f"本群时区：{current}\n修改：/tz Asia/Urumqi（群内仅管理员）")
        return
    if not await common.can_manage_chat(update, context):
        await _send(update, context, ADMIN_ONLY)
        return
    try:
        name = await common.core(reminders.set_chat_tz, db, chat_id, arg, now=common.now_of(context))
    except RuleError as exc:
        await _send(update, context, str(exc))
        return
    await _send(update, context, f"时区已设为 {name}，提醒时间按当地时间计算。")


async def ics_command(update: Update, context: common.Context) -> None:
    db, chat_id, now = common.db_of(context), _chat_id(update), common.now_of(context)
    if not await common.core(reminders.list_schedules, db, chat_id):
        await _send(update, context, "还没有日程可导出。先用 /partyday 每月第一个周五 设置。")
        return
    today = reminders.chat_today(db, chat_id, now)
    data = await common.core(reminders.chat_ics, db, chat_id, today, count=12)
    await common.send(
        update.effective_message,
        update.effective_chat,
        context,
        Reply("", document=Document("dangri.ics", data, "党日及三会一课日程，可导入手机日历")),
    )


# --- the reminder tick ---------------------------------------------------------------------


async def _deliver(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> reminders.SendOutcome:
    try:
        await context.bot.send_message(chat_id, html.escape(text))
    except ChatMigrated as exc:
        return reminders.SendOutcome.migrated(exc.new_chat_id)
    except Forbidden as exc:
        return reminders.SendOutcome.blocked(str(exc))
    except TelegramError as exc:  # BadRequest (chat not found), RetryAfter, NetworkError ...
        return reminders.outcome_from_error(str(exc))
    return reminders.SendOutcome.sent()


async def run_tick(app: Application) -> reminders.TickReport:
    """One tick: send what is due now. The database decides; the job only calls this."""
    context = ContextTypes.DEFAULT_TYPE(application=app)
    db = app.bot_data["db"]
    now = app.bot_data["clock"]()
    lock: asyncio.Lock = app.bot_data.setdefault("tick_lock", asyncio.Lock())
    async with lock:
        return await reminders.atick(
            db, now, lambda chat_id, text: _deliver(context, chat_id, text), offload=common.core
        )


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    report = await run_tick(context.application)
    if report.sent or report.retry or report.deactivated:
        log.info("reminder tick: %s", report)


async def start_reminders(app: Application) -> None:
    """post_init hook: recover crashed claims, recompute, then tick periodically."""
    db = app.bot_data["db"]
    report = await asyncio.to_thread(reminders.startup, db, app.bot_data["clock"]())
    log.info("reminders ready: %s", report)
    interval = app.bot_data["settings"].tick_seconds
    if app.job_queue is not None and app.bot_data.get("auto_tick", True):
        app.job_queue.run_repeating(_tick_job, interval=interval, first=1, name="reminder-tick")


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["partyday", "dangri"], partyday))
    app.add_handler(CommandHandler("schedule", schedule_command))
    app.add_handler(CommandHandler("schedules", schedules))
    app.add_handler(CommandHandler("ics", ics_command))
    app.add_handler(CommandHandler("tz", tz_command))
    for codec in (
        buttons.SCHED_ADD, buttons.SCHED_EDIT, buttons.SCHED_SUGGESTED, buttons.SCHED_STOP,
        buttons.LEADS_MENU, buttons.LEADS,
    ):
        app.add_handler(common.button(codec, schedules_button))
    app.bot_data.setdefault("post_init_hooks", []).append(start_reminders)
