"""The reminder tick: the database decides what is due; this job sends it through Telegram."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime

from sqlite_utils import Database
from telegram.error import ChatMigrated, Forbidden, TelegramError

from bot.app.views.reminder import reminder_buttons
from bot.meetings import notices, reminders
from bot.replies import Reply
from handlers import common

log = logging.getLogger(__name__)


async def _deliver(
    context: common.Context, chat_id: int, text: str, rem: reminders.DueReminder | None = None
) -> reminders.SendOutcome:
    markup = common.keyboard(Reply(buttons=reminder_buttons(rem))) if rem is not None else None
    try:
        await context.bot.send_message(chat_id, html.escape(text), reply_markup=markup)
    except ChatMigrated as exc:
        return reminders.SendOutcome.migrated(exc.new_chat_id)
    except Forbidden as exc:
        return reminders.SendOutcome.blocked(str(exc))
    except TelegramError as exc:  # BadRequest (chat not found), RetryAfter, NetworkError ...
        return reminders.outcome_from_error(str(exc))
    return reminders.SendOutcome.sent()


async def run_tick(app: common.App) -> reminders.TickReport:
    """One tick: send what is due now. The database decides; the job only calls this."""
    context = common.Context(application=app)
    data = app.bot_data
    db, now = data.db, data.now()
    async with data.tick_lock:
        report = await reminders.atick(
            db,
            now,
            lambda chat_id, text: _deliver(context, chat_id, text),
            offload=common.core,
            send_reminder=lambda chat_id, text, rem: _deliver(context, chat_id, text, rem),
        )
        report.notices = await _send_notices(context, db, now)
        return report


async def _send_notices(context: common.Context, db: Database, now: datetime) -> int:
    """台账 gaps and 发展党员 deadlines: claimed, sent, marked, like the meeting reminders."""
    sent = 0
    for notice in await common.core(notices.due, db, now):
        if not await common.core(notices.claim, db, notice, now):
            continue
        outcome = await _deliver(context, notice.chat_id, notice.text)
        if outcome.status is reminders.SendStatus.SENT:
            await common.core(notices.mark_sent, db, notice, now)
            sent += 1
        else:
            await common.core(notices.release, db, notice)
            if outcome.status is not reminders.SendStatus.RETRY:
                await common.core(reminders.deactivate_chat, db, notice.chat_id, outcome.status.value)
    return sent


async def _tick_job(context: common.Context) -> None:
    report = await run_tick(context.application)
    if report.sent or report.retry or report.deactivated:
        log.info("reminder tick: %s", report)


async def start_reminders(app: common.App) -> None:
    """post_init hook: recover crashed claims, recompute, then tick periodically (unless the
    application was built with ``tick_job=False``: tests and benchmarks drive the tick)."""
    data = app.bot_data
    report = await asyncio.to_thread(reminders.startup, data.db, data.now())
    log.info("reminders ready: %s", report)
    if app.job_queue is not None and data.tick_job:
        app.job_queue.run_repeating(
            _tick_job, interval=data.settings.tick_seconds, first=1, name="reminder-tick"
        )


def register(app: common.App) -> None:
    app.bot_data.post_init_hooks.append(start_reminders)
