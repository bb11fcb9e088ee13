"""Build the Telegram ``Application``: defaults, rate limiter, handlers, start-up and errors.

Follows python-telegram-bot's own examples: ``ApplicationBuilder``, ``Defaults(tzinfo, HTML)``,
``AIORateLimiter``, ``post_init`` to load state from the database, one ``error_handler``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sqlite_utils import Database
from telegram import (
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    ChatMemberHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import redact
from bot.app.core import Core
from bot.config import Settings
from bot.db import open_db, write
from bot.fanwen.corpus import ensure_bundled
from bot.meetings import reminders
from bot.rules.engine import RuleBook, load_rulebook, use_fit_process
from handlers import common, frontend, tick

log = logging.getLogger(__name__)

Clock = common.Clock

REFUSAL = "抱歉，本助手仅限指定人员使用。如需开通，请联系管理员。"


def _allowed(settings: Settings, update: Update) -> bool:
    user, chat = update.effective_user, update.effective_chat
    allowed = True
    if settings.allowed_user_ids and (user is None or user.id not in settings.allowed_user_ids):
        allowed = chat is not None and chat.id in settings.allowed_chat_ids
    if settings.allowed_chat_ids and chat is not None and chat.id not in settings.allowed_chat_ids:
        allowed = user is not None and user.id in settings.allowed_user_ids and chat.type == "private"
    return allowed


def _first_refusal(db: Database, key: int) -> bool:
    """Record a refused chat (or user); True only the first time, also across restarts."""
    with write(db):
        cur = db.execute("INSERT OR IGNORE INTO refused (key) VALUES (?)", [key])
    return cur.rowcount == 1


async def gate(update: Update, context: common.Context) -> None:
    """Allowlists: anyone else gets one polite refusal, then silence; nothing leaks inline.

    The update stops here whatever happens while refusing: a refusal that Telegram rejects
    (429 flood control, 403 in a group the bot may not post in) is logged, never raised, since
    an exception would end this handler group and let PTB run the feature handlers."""
    settings = common.settings_of(context)
    if _allowed(settings, update):
        return
    user, chat = update.effective_user, update.effective_chat
    key = chat.id if chat else user.id if user else 0
    try:
        if update.inline_query:
            await update.inline_query.answer([], cache_time=0, is_personal=True)
        elif update.callback_query:
            await common.answer(context, update.callback_query, "抱歉，本助手仅限指定人员使用。")
        elif update.effective_message is not None:
            first = await common.core(_first_refusal, common.db_of(context), key)
            if first:
                await update.effective_message.reply_text(REFUSAL)
    except Exception as exc:  # noqa: BLE001 — see the docstring: nothing may escape the gate
        log.warning("refusal to %s not delivered: %s", key, type(exc).__name__)
    raise ApplicationHandlerStop


def _save_chat(db: Database, chat_id: int, chat_type: str, title: str) -> None:
    with write(db):
        db.execute(
            """
            INSERT INTO chats (chat_id, type, title) VALUES (?, ?, ?)
            ON CONFLICT (chat_id) DO UPDATE SET type = excluded.type, title = excluded.title,
                active = 1, inactive_reason = NULL, updated_at = datetime('now')
            """,
            [chat_id, chat_type, title],
        )


async def track_chat(update: Update, context: common.Context) -> None:
    """Keep the chats table current (type, title) from the chat's own messages and presses;
    reminders are addressed from it. The bot's own membership changes are handled by
    :func:`membership` (a "you were removed" update must not reactivate the chat)."""
    chat = update.effective_chat
    if chat is None or update.inline_query or update.my_chat_member or update.chat_member:
        return
    msg = update.effective_message
    if msg is not None and (msg.migrate_to_chat_id or msg.left_chat_member):
        return
    title = chat.title or chat.full_name or ""
    await common.core(_save_chat, common.db_of(context), chat.id, chat.type, title)


async def membership(update: Update, context: common.Context) -> None:
    """The bot was added to, removed from, blocked or unblocked in a chat (``my_chat_member``),
    as python-telegram-bot's chatmemberbot example tracks it."""
    change = update.my_chat_member
    if change is None:
        return
    db, chat = common.db_of(context), change.chat
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await common.core(reminders.deactivate_chat, db, chat.id, f"removed: {status}")
    else:
        await common.core(_save_chat, db, chat.id, chat.type, chat.title or chat.full_name or "")


async def migration(update: Update, context: common.Context) -> None:
    """A group became a supergroup: move its schedules before any reminder fails."""
    msg = update.effective_message
    if msg is None:
        return
    old, new = (msg.chat_id, msg.migrate_to_chat_id) if msg.migrate_to_chat_id else (
        msg.migrate_from_chat_id, msg.chat_id
    )
    if old and new:
        await common.core(reminders.migrate_chat, common.db_of(context), old, new)


#: At most one error report to the admins per this many seconds.
REPORT_EVERY = 60.0


def _where(error: BaseException | None) -> str:
    """module.function of the innermost frame in our own code, for the admins' report."""
    where = "?"
    tb = error.__traceback__ if error else None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(("handlers", "bot")):
            where = f"{module}.{tb.tb_frame.f_code.co_name}"
        tb = tb.tb_next
    return where


def _update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in ("message", "edited_message", "callback_query", "inline_query", "my_chat_member",
                 "chat_member", "chosen_inline_result"):
        if getattr(update, kind) is not None:
            return kind
    return "update"


async def error_handler(update: object, context: common.Context) -> None:
    """Log every failure, tell the user in one short line (never the exception text), answer a
    button press only if nothing answered it yet, and send the admins a short report
    (exception type, where, kind of update; never the token or the user's message) at most
    once a minute, as python-telegram-bot's errorhandlerbot example does."""
    log.error("处理更新时出错", exc_info=context.error)
    if isinstance(update, Update):
        query = update.callback_query
        if query is not None and not common.was_answered(context, query):
            await common.answer(context, query, "出错了，请稍后再试。")
        if update.effective_chat:
            try:
                await context.bot.send_message(
                    update.effective_chat.id, "抱歉，处理这条消息时出错了，已记录。请换个说法或稍后再试。"
                )
            except TelegramError:
                log.debug("could not send the apology", exc_info=True)
    await _report_to_admins(update, context)


async def _report_to_admins(update: object, context: common.Context) -> None:
    admins = common.settings_of(context).admin_ids
    data = context.bot_data
    now = time.monotonic()
    if not admins or now - data.last_error_report < REPORT_EVERY:
        return
    data.last_error_report = now
    error = context.error
    text = (
        "⚠️ 出错报告\n"
        f"类型：{html.escape(type(error).__name__)}\n"
        f"位置：{html.escape(_where(error))}\n"
        f"更新：{_update_kind(update)}"
    )
    for admin_id in sorted(admins):
        try:
            await context.bot.send_message(admin_id, text)
        except TelegramError:
            log.debug("could not report the error to admin %s", admin_id, exc_info=True)


def _warm(book: RuleBook) -> None:
    """Load everything the first question needs (segmenter, classifier, caches)."""
    book.answer("支委会多久开一次")


async def post_init(app: common.App) -> None:
    """Open the database (unless one was handed in), load and warm the knowledge base off the
    event loop, register the command menus, start jobs: the first question after a start is as
    fast as any other, and the reminder tick is never stalled by a lazy load."""
    data = app.bot_data
    settings = data.settings
    if data.owns_db:
        data.db = await asyncio.to_thread(open_db, settings.db_path)
    data.book = await asyncio.to_thread(load_rulebook, data.db)
    await asyncio.to_thread(_warm, data.book)
    # a taught variant's classifier refit runs in its own process (started on first use; the
    # 归类 press is answered at once), so it never holds this process's GIL while others ask
    data.fit_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
    use_fit_process(data.fit_pool)
    await asyncio.to_thread(ensure_bundled, data.db)
    data.core = Core(settings, data.db, data.book)
    for hook in data.post_init_hooks:
        await hook(app)
    await frontend.set_menus(app)


async def post_shutdown(app: common.App) -> None:
    data = app.bot_data
    if data.fit_pool is not None:
        use_fit_process(None)
        data.fit_pool.shutdown(wait=False, cancel_futures=True)
        data.fit_pool = None
    db = getattr(data, "db", None)  # absent when post_init never ran
    if db is not None and data.owns_db:
        db.conn.close()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    tick_job: bool = True,
    db: Database | None = None,
) -> common.App:
    """The bot, wired but not started. ``clock`` lets tests drive the reminder tick;
    ``tick_job=False`` leaves the tick to them (no repeating job).

    ``rate_limiter`` replaces the default ``AIORateLimiter(max_retries=3)`` (30 msg/s overall,
    20/min per group); only benchmarks against a local fake server should raise it.
    ``db`` is an open database to use instead of opening ``settings.db_path``; the caller keeps
    it (it is not closed at shutdown).
    """
    redact.install(settings.token)
    defaults = Defaults(tzinfo=settings.tz, parse_mode=ParseMode.HTML, link_preview_options=None)
    app = (
        ApplicationBuilder()
        .token(settings.token or "")
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(defaults)
        .context_types(common.CONTEXT_TYPES)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    data = app.bot_data
    data.settings, data.clock, data.tick_job = settings, clock, tick_job
    if db is not None:
        data.db, data.owns_db = db, False
    app.add_handler(TypeHandler(Update, gate), group=-2)
    app.add_handler(TypeHandler(Update, track_chat), group=-1)
    # the chat's life: its own group, since only the first matching handler of a group runs
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER), group=1)
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migration), group=1)
    frontend.register(app)
    tick.register(app)
    app.add_error_handler(error_handler)
    return app


def run_polling(settings: Settings) -> int:
    """``dangwu run``: long polling until Ctrl-C; a bad token is one clear line."""
    redact.install(settings.token)  # before the first log line: URLs contain the token
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO: noise, not news (the token is redacted anyway).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    app = build_application(settings)
    try:
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        print("Telegram 拒绝了这个令牌（TELEGRAM_BOT_TOKEN），请到 @BotFather 重新获取。")
        return 2
    return 0
