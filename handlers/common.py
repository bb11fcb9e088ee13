"""Rendering core ``Reply`` objects as Telegram HTML, and the checks every handler shares."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlite_utils import Database
from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.app.codec import Codec
from bot.config import Settings
from bot.replies import Reply, split_text
from bot.rules.engine import RuleBook

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
T = TypeVar("T")

STALE = "这个按钮已失效，请重新发送命令。"


async def core(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one core call in a worker thread, so a slow request (a refit, an export, a search
    over a big corpus) never delays another user's reply or the reminder tick. Every handler
    calls the core through here."""
    return await asyncio.to_thread(func, *args, **kwargs)


def _answered(context: Context) -> deque[str]:
    seen: deque[str] = context.application.bot_data.setdefault("answered_callbacks", deque(maxlen=512))
    return seen


def was_answered(context: Context, query: CallbackQuery) -> bool:
    """True once :func:`answer` ran for this press (the error handler must not answer again)."""
    return query.id in _answered(context)


async def answer(context: Context, query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press exactly once. Telegram rejects a second answer ("query is too
    old"), so a repeated call is a no-op, and a failed answer is logged, never raised: the
    press itself was handled."""
    if was_answered(context, query):
        return
    _answered(context).append(query.id)
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("could not answer a button press: %s", exc)


async def edit_message(msg: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit a message the bot sent, unless it already shows exactly this (Telegram rejects an
    edit that changes nothing)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    if msg.text == plain and msg.reply_markup == (markup or InlineKeyboardMarkup([])):
        return
    try:
        await msg.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # a race with another press of the same button
        if "not modified" not in str(exc).lower():
            raise


def settings_of(context: Context) -> Settings:
    s: Settings = context.application.bot_data["settings"]
    return s


def db_of(context: Context) -> Database:
    db: Database = context.application.bot_data["db"]
    return db


def book_of(context: Context) -> RuleBook:
    book: RuleBook = context.application.bot_data["book"]
    return book


def now_of(context: Context) -> datetime:
    """The application's clock (injected by tests), aware, in the bot's time zone."""
    now: datetime = context.application.bot_data["clock"]()
    return now


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = []
    for row in reply.buttons:
        buttons = []
        for b in row:
            if b.url:
                buttons.append(InlineKeyboardButton(b.text, url=b.url))
            elif b.switch_inline is not None:
                buttons.append(
                    InlineKeyboardButton(b.text, switch_inline_query_current_chat=b.switch_inline)
                )
            else:
                buttons.append(InlineKeyboardButton(b.text, callback_data=b.data or "noop"))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def to_html_parts(reply: Reply) -> list[str]:
    """HTML chunks ≤ 4096 visible characters: bold title, escaped body, italic footer.

    The body is split on paragraph boundaries first (Telegram counts characters after parsing
    the markup, so the plain length is what matters) and each chunk is escaped on its own.
    """
    head = f"<i>{html.escape(reply.lead)}</i>\n" if reply.lead else ""
    head += f"<b>{html.escape(reply.title)}</b>\n" if reply.title else ""
    head += f"<i>{html.escape(reply.subtitle)}</i>\n\n" if reply.subtitle else ""
    tail = f"\n\n<i>{html.escape(reply.footer)}</i>" if reply.footer else ""
    budget = 4096 - len(reply.lead) - len(reply.title) - len(reply.subtitle) - len(reply.footer) - 8
    chunks = split_text(reply.body, max(budget, 1000))
    parts = [html.escape(c) for c in chunks]
    parts[0] = head + parts[0]
    parts[-1] = parts[-1] + tail
    return parts


async def send(message: Message | None, chat: Chat | None, context: Context, reply: Reply) -> Message | None:
    """Send a Reply to the chat of ``message`` (or ``chat``); buttons go under the last part."""
    chat_id = message.chat_id if message else chat.id if chat else None
    if chat_id is None:
        return None
    last: Message | None = None
    if reply.document is not None:
        return await context.bot.send_document(
            chat_id,
            document=reply.document.data,
            filename=reply.document.filename,
            caption=html.escape(reply.document.caption) if reply.document.caption else None,
            reply_markup=keyboard(reply),
        )
    parts = to_html_parts(reply)
    for i, part in enumerate(parts):
        markup = keyboard(reply) if i == len(parts) - 1 else None
        last = await context.bot.send_message(chat_id, part, reply_markup=markup)
    return last


async def reply_all(update: Update, context: Context, replies: list[Reply]) -> None:
    for r in replies:
        await send(update.effective_message, update.effective_chat, context, r)


def is_private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)


def is_bot_admin(update: Update, context: Context) -> bool:
    """Bot administrators (ADMIN_USER_IDS): may import templates and see statistics."""
    user = update.effective_user
    return bool(user and user.id in settings_of(context).admin_ids)


async def can_manage_chat(update: Update, context: Context) -> bool:
    """In private chats the user owns the chat; in groups only chat administrators may change it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE or user.id in settings_of(context).admin_ids:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:  # the bot was removed, or Telegram is unreachable: say no
        log.info("could not check chat admin status: %s", exc)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def command_args(context: Context) -> str:
    return " ".join(context.args or []).strip()


def remember(context: Context, key: str, value: Any) -> None:
    if context.user_data is not None:
        context.user_data[key] = value


def recall(context: Context, key: str, default: Any = None) -> Any:
    if context.user_data is None:
        return default
    return context.user_data.get(key, default)


def button(codec: Codec, callback: Callable[[Update, Context], Any]) -> BaseHandler[Update, Any, Any]:
    """A handler for one kind of button: only data the codec accepts reaches ``callback``;
    anything else falls through to the stale-button answer."""
    return CallbackQueryHandler(callback, pattern=lambda data: codec.decode(str(data)) is not None)
