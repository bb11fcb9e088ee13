"""The Telegram front end of the command layer: an update becomes a core ``Request``, the
core's ``Reply`` objects become messages, edits, files and button answers.

Nothing here parses a command's arguments, builds a reply's wording or touches the database:
that is ``bot.app``. What is Telegram's alone stays here: who is addressed in a group, whether
a user administers a group (an API call), HTML rendering, answering each button press exactly
once, and not sending an edit that changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import replace

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.app.core import WORKING, Command, Core, Request
from bot.app.views import admin as admin_view
from bot.app.views import drafts as drafts_view
from bot.app.views.inline import inline_page
from bot.replies import Reply
from handlers import common

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"/([A-Za-z0-9_]{0,64})(?:@(\S*))?")
MAX_SHOWN = 2000


def core_of(context: common.Context) -> Core:
    return context.bot_data.core


def _request(update: Update, context: common.Context, **fields: object) -> Request | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    uid = user.id if user else chat.id
    msg = update.effective_message
    replied = msg.reply_to_message if msg is not None else None
    mine = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    reply_to = replied.message_id if mine and replied is not None else None
    return Request(
        chat_id=chat.id,
        user_id=uid,
        now=common.now_of(context),
        chat_type=chat.type,
        is_admin=uid in common.settings_of(context).admin_ids,
        can_manage=chat.type == ChatType.PRIVATE,
        user_name=(user.full_name if user else "")[:32],
        reply_to=reply_to,
        **fields,  # type: ignore[arg-type]
    )


async def dispatch(update: Update, context: common.Context, req: Request) -> None:
    """Ask the core (in a worker thread) and render what it replies."""
    core = core_of(context)
    if core.needs_manage_check(req):
        req = replace(req, can_manage=await common.can_manage_chat(update, context))
    replies = await common.core(core.handle, req)
    await render(update, context, replies)


# --- rendering ------------------------------------------------------------------------------


def _shown(context: common.Context) -> OrderedDict[tuple[int, int], tuple[str, str]]:
    return context.bot_data.shown


async def render(update: Update, context: common.Context, replies: list[Reply]) -> None:
    """Button answer first (exactly once, with the first toast), then the messages in order."""
    query = update.callback_query
    early = query is not None and common.was_answered(context, query)  # a slow route's 正在处理…
    if early:  # its answer is spoken for: an error toast becomes a message
        replies = [Reply(r.toast) if r.toast and not r.is_message else r for r in replies]
    if query is not None:
        toast = next((r for r in replies if r.toast), None)
        await common.answer(context, query, toast.toast if toast else None, alert=bool(toast and toast.alert))
    core, chat = core_of(context), update.effective_chat
    if chat is None:
        return
    for reply in replies:
        if not reply.is_message:
            continue
        if reply.edit and query is not None and isinstance(query.message, Message):
            await _edit(context, query.message, reply)
            if reply.state is not None:
                core.bind(chat.id, query.message.message_id, reply.state)
            continue
        sent = await common.send(None, chat, context, reply)
        if sent is not None and reply.state is not None:
            core.bind(chat.id, sent.message_id, reply.state)


async def _edit(context: common.Context, message: Message, reply: Reply) -> None:
    """Replace a message's text and buttons, unless it already shows exactly that (a second
    tap on the same button: Telegram would reject the edit as "not modified")."""
    text, markup = common.to_html_parts(reply)[0], common.keyboard(reply)
    key, shown = (message.chat_id, message.message_id), (text, markup.to_json() if markup else "")
    cache = _shown(context)
    if cache.get(key) == shown:
        return
    cache[key] = shown  # before the await: two taps may be handled concurrently
    while len(cache) > MAX_SHOWN:
        cache.popitem(last=False)
    await common.edit_message(message, text, markup)


# --- updates --------------------------------------------------------------------------------


async def on_command(update: Update, context: common.Context) -> None:
    msg = update.effective_message
    if msg is None or msg.text is None:
        return
    text = msg.text.strip()
    m = _COMMAND.match(text)
    if m is None:
        return
    name, target, args = m.group(1), m.group(2), text[m.end() :]
    if target and target.lower() != (context.bot.username or "").lower() and not common.is_private(update):
        return  # meant for another bot in the group
    req = _request(update, context, command=name.lower(), text=args.strip())
    if req is not None:
        await dispatch(update, context, req)


def _addressed_text(update: Update, context: common.Context) -> str | None:
    """The text of a message meant for the bot; None for group chatter not addressed to it."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return None
    if msg.chat.type == ChatType.PRIVATE:
        return msg.text
    username = context.bot.username or ""
    mention = f"@{username}"
    if username and mention.lower() in msg.text.lower():
        return re.sub(re.escape(mention), " ", msg.text, flags=re.IGNORECASE).strip()
    reply_to = msg.reply_to_message
    if reply_to and reply_to.from_user and reply_to.from_user.id == context.bot.id:
        return msg.text
    return None


async def on_text(update: Update, context: common.Context) -> None:
    text = _addressed_text(update, context)
    if text is None:
        return
    req = _request(update, context, text=text)
    if req is not None:
        await dispatch(update, context, req)


async def on_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    if query is None:
        return
    message_id = query.message.message_id if query.message is not None else None
    req = _request(update, context, data=query.data or "", message_id=message_id)
    if req is None:  # a button on an inline-mode message: no chat to act in
        await common.answer(context, query, common.STALE)
        return
    if core_of(context).is_slow(req.data):  # answer now; the result follows as an edit/message
        await common.answer(context, query, WORKING)
    await dispatch(update, context, req)


async def on_document(update: Update, context: common.Context) -> None:
    msg = update.effective_message
    req = _request(update, context)
    if msg is None or msg.document is None or req is None:
        return
    doc = msg.document
    name = doc.file_name or "未命名"
    refused = admin_view.upload_check(core_of(context), req, name, doc.file_size)
    if refused is not None:
        await render(update, context, [refused])
        return
    await common.send(msg, None, context, Reply(f"正在导入 {name} …"))
    tg_file = await doc.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    await dispatch(update, context, replace(req, document=(name, data)))


async def on_inline_pick(update: Update, context: common.Context) -> None:
    msg = update.effective_message
    if msg is None or not msg.text or msg.via_bot is None or msg.via_bot.id != context.bot.id:
        return
    req = _request(update, context, text=msg.text)
    if req is not None:
        replies = await common.core(drafts_view.inline_pick, core_of(context), req)
        await render(update, context, replies)


async def on_non_text(update: Update, context: common.Context) -> None:
    """Stickers, photos, voice in a private chat: say what the bot understands."""
    if common.is_private(update) and update.effective_message:
        await update.effective_message.reply_text("我只看得懂文字问题。请直接输入，例如「党费怎么交」。")


async def on_inline_query(update: Update, context: common.Context) -> None:
    iq = update.inline_query
    if iq is None:
        return
    page = await common.core(inline_page, core_of(context), iq.query, iq.offset)
    if not iq.query.strip():
        hint = InlineQueryResultsButton("输入关键词搜范文，或打开助手", start_parameter="inline")
        await iq.answer([], cache_time=5, is_personal=True, button=hint)
        return
    results = [
        InlineQueryResultArticle(
            id=item.id,
            title=item.title,
            description=item.description,
            input_message_content=InputTextMessageContent(item.text, parse_mode=None),
        )
        for item in page.items
    ]
    button = None if results else InlineQueryResultsButton("没找到，打开助手换个说法", start_parameter="inline")
    await iq.answer(results, cache_time=30, is_personal=True, next_offset=page.next_offset, button=button)


# --- menus and wiring -----------------------------------------------------------------------


async def set_menus(app: common.App) -> None:
    """The command menus from the command table: private, group, and per admin (admin-only
    commands are shown to admins only)."""
    core = app.bot_data.core
    table = list(dict.fromkeys(core.commands.values()))
    def menu(rows: list[Command]) -> list[BotCommand]:
        return [BotCommand(c.name, c.help[:256]) for c in rows if c.name != "start"]
    public = [c for c in table if not c.admin]
    try:
        await app.bot.set_my_commands(menu(public), scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(menu([c for c in public if c.groups]), scope=BotCommandScopeAllGroupChats())
        for admin in sorted(app.bot_data.settings.admin_ids):
            await app.bot.set_my_commands(menu(table), scope=BotCommandScopeChat(admin))
    except TelegramError:
        log.warning("could not register the command menus", exc_info=True)


def register(app: common.App) -> None:
    app.add_handler(MessageHandler(filters.COMMAND, on_command))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(InlineQueryHandler(on_inline_query))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.VIA_BOT & filters.ChatType.PRIVATE, on_inline_pick), group=6)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT, on_text), group=5)
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND & ~filters.Document.ALL
            & ~filters.StatusUpdate.ALL,
            on_non_text,
        ),
        group=5,
    )
