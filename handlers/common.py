"""Rendering core ``Reply`` objects as Telegram HTML, and the checks every handler shares."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

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
from telegram.ext import (
    Application,
    CallbackContext,
    ContextTypes,
    ExtBot,
)

from bot.app.core import Core
from bot.config import Settings
from bot.replies import Reply, split_text
from bot.rules.engine import RuleBook

log = logging.getLogger(__name__)

T = TypeVar("T")

Clock = Callable[[], datetime]


@dataclass
class BotData:
    """The application's state (``context.bot_data``), typed, as python-telegram-bot's
    contexttypesbot example keeps it. PTB creates it empty; :func:`handlers.app.build_application`
    fills in the wiring and ``post_init`` the rest (``db``, ``book``, ``core`` do not exist
    before ``post_init`` ran: reading them earlier is an ``AttributeError``, not a ``None``)."""

    settings: Settings = field(default_factory=Settings, repr=False)  # holds the token
    #: the application's clock; ``None`` is the wall clock in the bot's time zone
    clock: Clock | None = None
    #: run the reminder tick as a repeating job (tests and benchmarks drive it by hand)
    tick_job: bool = True
    #: close ``db`` at shutdown; False when the caller handed in an open database
    owns_db: bool = True
    #: awaited at the end of ``post_init``, in order (the reminder start-up)
    post_init_hooks: list[Callable[[App], Awaitable[None]]] = field(default_factory=list)
    db: Database = field(init=False, repr=False)
    book: RuleBook = field(init=False, repr=False)
    core: Core = field(init=False, repr=False)
    #: the process that refits a taught variant's classifier; set in ``post_init``
    fit_pool: ProcessPoolExecutor | None = None
    #: one tick at a time, whether the job or a test runs it
    tick_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    #: button presses already answered (Telegram rejects a second answer)
    answered_callbacks: deque[str] = field(default_factory=lambda: deque(maxlen=512), repr=False)
    #: (chat, message) -> what the bot showed there, for edits
    shown: OrderedDict[tuple[int, int], tuple[str, str]] = field(default_factory=OrderedDict, repr=False)
    #: ``time.monotonic()`` of the last error report to the admins
    last_error_report: float = float("-inf")

    def now(self) -> datetime:
        """The application's clock (injected by tests), aware, in the bot's time zone."""
        return self.clock() if self.clock is not None else datetime.now(self.settings.tz)


Context: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
#: the context and job-queue parameters are ``Any``: PTB's builder typing does not carry
#: ``context_types`` into the job queue, and ``context.application`` leaves the context unbound
App: TypeAlias = Application[ExtBot[None], Any, dict[Any, Any], dict[Any, Any], BotData, Any]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)

STALE = "这个按钮已失效，请重新发送命令。"


async def core(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one core call in a worker thread, so a slow request (a refit, an export, a search
    over a big corpus) never delays another user's reply or the reminder tick. Every handler
    calls the core through here."""
    return await asyncio.to_thread(func, *args, **kwargs)


def _answered(context: Context) -> deque[str]:
    return context.bot_data.answered_callbacks


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
    return context.bot_data.settings


def db_of(context: Context) -> Database:
    return context.bot_data.db



def now_of(context: Context) -> datetime:
    """The application's clock (injected by tests), aware, in the bot's time zone."""
    return context.bot_data.now()


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



def is_private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)



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



