"""Build the Telegram ``Application``: defaults, rate limiter, handlers, start-up and errors.

Follows python-telegram-bot's own examples: ``ApplicationBuilder``, ``Defaults(tzinfo, HTML)``,
``AIORateLimiter``, ``post_init`` to load state from the database, one ``error_handler``.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.corpus import ensure_bundled
from bot.db import open_db
from bot.rules import load_rulebook
from handlers import admin, ask, common, drafts, inline, partyday, templates

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

PRIVATE_COMMANDS = [
    BotCommand("ask", "问党务规定，如：支委会多久开一次"),
    BotCommand("fanwen", "搜范文段落，如：存在问题 三会一课"),
    BotCommand("partyday", "设置或查看主题党日"),
    BotCommand("schedules", "三会一课等全部日程"),
    BotCommand("ics", "导出日历文件"),
    BotCommand("tz", "查看/设置时区"),
    BotCommand("draft", "草稿篮：排序、导出 Word"),
    BotCommand("org", "设置单位名称，用于填写范文"),
    BotCommand("sources", "范文来源（管理员）"),
    BotCommand("unanswered", "未答问题（管理员）"),
    BotCommand("stats", "使用统计（管理员）"),
    BotCommand("help", "使用说明"),
]
GROUP_COMMANDS = [
    BotCommand("ask", "问党务规定"),
    BotCommand("fanwen", "搜范文段落"),
    BotCommand("partyday", "查看/设置本群主题党日（管理员）"),
    BotCommand("schedules", "本群全部日程"),
    BotCommand("ics", "导出日历文件"),
    BotCommand("help", "使用说明"),
]


async def gate(update: Update, context: common.Context) -> None:
    """Allowlists: anyone else gets one polite refusal, then silence; nothing leaks inline."""
    settings = common.settings_of(context)
    user, chat = update.effective_user, update.effective_chat
    allowed = True
    if settings.allowed_user_ids and (user is None or user.id not in settings.allowed_user_ids):
        allowed = chat is not None and chat.id in settings.allowed_chat_ids
    if settings.allowed_chat_ids and chat is not None and chat.id not in settings.allowed_chat_ids:
        allowed = user is not None and user.id in settings.allowed_user_ids and chat.type == "private"
    if allowed:
        return
    refused: set[int] = context.application.bot_data.setdefault("refused", set())
    key = (chat.id if chat else user.id if user else 0)
    if update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.callback_query:
        await update.callback_query.answer("抱歉，本助手仅限指定人员使用。")
    elif key not in refused and update.effective_message:
        refused.add(key)
        await update.effective_message.reply_text("抱歉，本助手仅限指定人员使用。如需开通，请联系管理员。")
    raise ApplicationHandlerStop


async def track_chat(update: Update, context: common.Context) -> None:
    """Keep the chats table current (type, title); reminders are addressed from it."""
    chat = update.effective_chat
    if chat is None or update.inline_query:
        return
    db = common.db_of(context)
    db.execute(
        """
        INSERT INTO chats (chat_id, type, title) VALUES (?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET type = excluded.type, title = excluded.title,
            active = 1, inactive_reason = NULL, updated_at = datetime('now')
        """,
        [chat.id, chat.type, chat.title or chat.full_name or ""],
    )
    db.conn.commit()


async def error_handler(update: object, context: common.Context) -> None:
    """Log every failure and tell the user in one short line; never fail silently."""
    log.error("处理更新时出错", exc_info=context.error)
    if isinstance(update, Update):
        if update.callback_query:
            try:
                await update.callback_query.answer("出错了，请稍后再试。")
            except Exception:  # the original error matters more than this one
                log.debug("could not answer callback after error", exc_info=True)
        if update.effective_chat:
            try:
                await context.bot.send_message(
                    update.effective_chat.id, "抱歉，处理这条消息时出错了，已记录。请换个说法或稍后再试。"
                )
            except Exception:
                log.debug("could not send the apology", exc_info=True)


async def unknown_command(update: Update, context: common.Context) -> None:
    msg = update.effective_message
    if msg is None or msg.text is None:
        return
    cmd = msg.text.split()[0].split("@")[0]
    if not common.is_private(update) and "@" in msg.text.split()[0]:
        target = msg.text.split()[0].split("@", 1)[1]
        if target.lower() != (context.bot.username or "").lower():
            return
    await msg.reply_text(f"未知命令 {html.escape(cmd)}。发送 /help 查看可用命令。")


async def post_init(app: Application) -> None:
    """Open the database, load the knowledge base, register the command menu, start jobs."""
    settings: Settings = app.bot_data["settings"]
    if "db" not in app.bot_data:
        app.bot_data["db"] = open_db(settings.db_path)
    if "book" not in app.bot_data:
        app.bot_data["book"] = load_rulebook(app.bot_data["db"])
    await asyncio.to_thread(ensure_bundled, app.bot_data["db"])
    for hook in app.bot_data.get("post_init_hooks", []):
        await hook(app)
    try:
        await app.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    except Exception:
        log.warning("could not register the command menu", exc_info=True)


async def post_shutdown(app: Application) -> None:
    db = app.bot_data.get("db")
    if db is not None and app.bot_data.get("owns_db", True):
        db.conn.close()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application:
    """The bot, wired but not started. ``clock`` lets tests drive the reminder tick.

    ``rate_limiter`` replaces the default ``AIORateLimiter(max_retries=3)`` (30 msg/s overall,
    20/min per group); only benchmarks against a local fake server should raise it.
    """
    defaults = Defaults(tzinfo=settings.tz, parse_mode=ParseMode.HTML, link_preview_options=None)
    app = (
        ApplicationBuilder()
        .token(settings.token or "")
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(defaults)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["clock"] = clock or (lambda: datetime.now(settings.tz))
    app.add_handler(TypeHandler(Update, gate), group=-2)
    app.add_handler(TypeHandler(Update, track_chat), group=-1)
    ask.register(app)
    templates.register(app)
    inline.register(app)
    partyday.register(app)
    admin.register(app)
    drafts.register(app)
    # Catch-alls last in group 0: they only run when no feature handler above matched.
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(CallbackQueryHandler(ask.stale_button))
    app.add_error_handler(error_handler)
    return app


def run_polling(settings: Settings) -> int:
    """``dangwu run``: long polling until Ctrl-C; a bad token is one clear line."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    app = build_application(settings)
    try:
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        print("Telegram 拒绝了这个令牌（TELEGRAM_BOT_TOKEN），请到 @BotFather 重新获取。")
        return 2
    return 0
