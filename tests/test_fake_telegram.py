"""End-to-end tests of the fake Bot API server with a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from fakebotapi import (
    BOT_USERNAME,
    FakeTelegram,
    HTMLParseError,
    detect_entities,
    parse_html,
)

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# ---- a tiny bot -------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("欢迎使用党务助手")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("是", callback_data="choice:yes"),
                InlineKeyboardButton("否", callback_data="choice:no"),
            ]
        ]
    )
    await update.effective_message.reply_text("请选择：", reply_markup=keyboard)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.split(":", 1)[1]
    await query.answer(f"已选择 {choice}")
    await query.edit_message_text(f"你选择了 <b>{choice}</b>", parse_mode=ParseMode.HTML)


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    assert query is not None
    results = [
        InlineQueryResultArticle(
            id=f"r{i}",
            title=f"{query.query} {i}",
            input_message_content=InputTextMessageContent(
                f"<b>{html.escape(query.query)}</b> #{i}", parse_mode=ParseMode.HTML
            ),
        )
        for i in range(3)
    ]
    await query.answer(results, cache_time=0)


async def document_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    telegram_file = await message.document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    await message.reply_document(
        document=data,
        filename=f"echo-{message.document.file_name}",
        caption=f"收到 {len(data)} 字节",
    )


async def too_long(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("长" * 4097)


async def longest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # 4096 characters once the tags are parsed away: allowed.
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>" + "长" * 4000 + "</b>" + "&lt;" * 96, parse_mode=ParseMode.HTML
    )


async def broken_html(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>未闭合的标签", parse_mode=ParseMode.HTML)


async def post_init(app: AnyApp) -> None:
    await app.bot.set_my_commands([BotCommand("start", "开始"), BotCommand("menu", "菜单")])


def build_app(
    fake: FakeTelegram, errors: list[BaseException], rate_limiter: AIORateLimiter | None = None
) -> AnyApp:
    builder: Any = (  # the builder's generic type changes with rate_limiter(); keep it loose
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .post_init(post_init)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app: AnyApp = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("long", too_long))
    app.add_handler(CommandHandler("longest", longest))
    app.add_handler(CommandHandler("badhtml", broken_html))
    app.add_handler(CallbackQueryHandler(on_choice, pattern=r"^choice:"))
    app.add_handler(InlineQueryHandler(inline))
    app.add_handler(MessageHandler(filters.Document.ALL, document_echo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    app.add_error_handler(on_error)
    return app


@dataclass
class Running:
    app: AnyApp
    errors: list[BaseException]


@contextlib.asynccontextmanager
async def run_bot(
    fake: FakeTelegram, rate_limiter: AIORateLimiter | None = None
) -> AsyncIterator[Running]:
    errors: list[BaseException] = []
    app = build_app(fake, errors, rate_limiter)
    async with app:
        if app.post_init is not None:  # run_polling() would call it; we start by hand
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield Running(app, errors)
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Running]:
    async with run_bot(fake) as running:
        yield running


# ---- Application round trips ------------------------------------------------------------------


async def test_echo_round_trip(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user("王五", username="wangwu")
    update = fake.send_text(user.id, "入党申请书怎么写？")

    (reply,) = await fake.wait_for_messages(user.id, 1)
    assert reply.text == "入党申请书怎么写？"
    assert reply.sender.id == fake.bot_user.id
    assert reply.message_id > update["message"]["message_id"]
    assert fake.was_delivered(update)
    assert fake.calls("getMe") and fake.calls("deleteWebhook")
    assert fake.commands_for() == [
        {"command": "start", "description": "开始"},
        {"command": "menu", "description": "菜单"},
    ]
    assert bot.errors == []


async def test_command_addressed_to_bot_in_group(fake: FakeTelegram, bot: Running) -> None:
    group = fake.make_chat("group", title="第一党支部")
    update = fake.send_text(group.id, f"/start@{BOT_USERNAME} 你好 @{BOT_USERNAME}")
    entities = update["message"]["entities"]
    assert [e["type"] for e in entities] == ["bot_command", "mention"]
    assert entities[0] == {"type": "bot_command", "offset": 0, "length": 22}

    (reply,) = await fake.wait_for_messages(group.id, 1)
    assert reply.text == "欢迎使用党务助手"
    # A command for another bot is ignored by CommandHandler; the echo handler skips commands.
    fake.send_text(group.id, "/start@other_bot")
    fake.send_text(group.id, "收到")
    replies = await fake.wait_for_messages(group.id, 2)
    assert [m.text for m in replies] == ["欢迎使用党务助手", "收到"]


async def test_button_press_answers_and_edits(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user("李四")
    fake.send_text(user.id, "/menu")
    (menu_message,) = await fake.wait_for_messages(user.id, 1)
    assert menu_message.callback_data == ["choice:yes", "choice:no"]

    with pytest.raises(LookupError):
        fake.press_button(user.id, menu_message.message_id, "choice:maybe")
    fake.press_button(user.id, menu_message.message_id, "choice:yes")

    (answer,) = await fake.wait_for(lambda: fake.callback_answers)
    assert answer.text == "已选择 yes"
    assert (answer.chat_id, answer.message_id, answer.data) == (
        user.id,
        menu_message.message_id,
        "choice:yes",
    )
    await fake.wait_for(lambda: menu_message.edit_count == 1)
    assert menu_message.text == "你选择了 yes"
    assert menu_message.entities == [{"type": "bold", "offset": 5, "length": 3}]
    assert menu_message.reply_markup is None  # editing without reply_markup drops the keyboard
    assert fake.calls("editMessageText")[0].ok


async def test_inline_query_answer(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user("赵六")
    update = fake.inline_query(user, "党费<标准>")

    answer = await fake.wait_for(lambda: fake.last_inline_answer)
    assert answer.inline_query_id == update["inline_query"]["id"]
    assert answer.query == "党费<标准>"
    assert answer.result_ids == ["r0", "r1", "r2"]
    assert answer.results[0]["input_message_content"]["message_text"] == (
        "<b>党费&lt;标准&gt;</b> #0"
    )
    assert answer.cache_time == 0


async def test_document_download_and_upload(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user("钱七")
    payload = bytes(range(256)) * 40  # not valid UTF-8: must survive both directions
    fake.send_document(user.id, user, "会议记录.docx", payload, "application/octet-stream")

    (sent,) = await fake.wait_for(lambda: fake.documents(user.id))
    assert sent.document is not None
    assert sent.document.data == payload
    assert sent.document.filename == "echo-会议记录.docx"
    assert sent.caption == f"收到 {len(payload)} 字节"
    (get_file,) = fake.calls("getFile")
    assert get_file.ok and get_file.result["file_size"] == len(payload)
    assert "document" in fake.calls("sendDocument")[0].files


async def test_too_long_message_is_bad_request(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user()
    fake.send_text(user.id, "/long")
    (error,) = await fake.wait_for(lambda: bot.errors)
    assert isinstance(error, BadRequest)
    assert "message is too long" in str(error).lower()

    fake.send_text(user.id, "/longest")  # exactly 4096 after parsing the HTML: accepted
    (reply,) = await fake.wait_for_messages(user.id, 1)
    assert reply.text is not None and len(reply.text) == 4096
    assert reply.text.endswith("<<<")


async def test_broken_html_is_bad_request(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user()
    fake.send_text(user.id, "/badhtml")
    (error,) = await fake.wait_for(lambda: bot.errors)
    assert isinstance(error, BadRequest)
    assert "can't parse entities" in str(error).lower()
    assert "can't find end tag corresponding to start tag b" in str(error).lower()
    assert fake.messages(user.id) == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after_then_success_with_rate_limiter(fake: FakeTelegram) -> None:
    async with run_bot(fake, AIORateLimiter(max_retries=2)) as running:
        user = fake.make_user()
        fake.rate_limit("sendMessage", retry_after=1)
        fake.send_text(user.id, "限流测试")
        (reply,) = await fake.wait_for_messages(user.id, 1, timeout=5)
        assert reply.text == "限流测试"
        attempts = fake.calls("sendMessage")
        assert [r.status for r in attempts] == [429, 200]
        assert attempts[0].response["parameters"] == {"retry_after": 1}
        assert attempts[0].description == "Too Many Requests: retry after 1"
        assert running.errors == []


async def test_blocked_user_is_forbidden(fake: FakeTelegram, bot: Running) -> None:
    user = fake.make_user()
    fake.block_chat(user.id)
    fake.send_text(user.id, "在吗")
    (error,) = await fake.wait_for(lambda: bot.errors)
    assert isinstance(error, Forbidden)
    assert "bot was blocked by the user" in str(error)


async def test_migrated_group_raises_chat_migrated(fake: FakeTelegram, bot: Running) -> None:
    group = fake.make_chat("group")
    new_id = fake.migrate_chat(group.id)
    assert str(new_id).startswith("-100")
    fake.send_text(group.id, "群升级了")
    (error,) = await fake.wait_for(lambda: bot.errors)
    assert isinstance(error, ChatMigrated)
    assert error.new_chat_id == new_id


async def test_restart_against_same_server(fake: FakeTelegram) -> None:
    user = fake.make_user()
    async with run_bot(fake):
        first = fake.send_text(user.id, "第一条")
        (reply1,) = await fake.wait_for_messages(user.id, 1)

    second = fake.send_text(user.id, "第二条")  # queued while no bot is polling
    async with run_bot(fake) as running:
        replies = await fake.wait_for_messages(user.id, 2)
        assert [m.text for m in replies] == ["第一条", "第二条"]  # nothing delivered twice
        assert running.errors == []
    assert second["update_id"] > first["update_id"]
    assert replies[1].message_id > reply1.message_id > first["message"]["message_id"]
    assert fake.pending_updates == []
    assert len(fake.calls("getMe")) == 2


# ---- direct API checks with a bare Bot --------------------------------------------------------


@pytest.fixture
async def api(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot


async def test_message_validation_errors(fake: FakeTelegram, api: Bot) -> None:
    chat_id = fake.make_user().id
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await api.send_message(chat_id, "")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await api.send_message(chat_id, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await api.send_message(
            chat_id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", callback_data="é" * 33)]]
            ),
        )
    assert fake.requests[-1].description == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br" at byte offset 3'):
        await api.send_message(chat_id, "第<br>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await api.send_message(chat_id, "A & B", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await api.send_message(chat_id, "1 < 2", parse_mode=ParseMode.HTML)

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a" * 64)]])
    sent = await api.send_message(
        chat_id, "  <i>原文</i> &amp; 更多\n", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    assert sent.text == "原文 & 更多"
    stored = fake.message(chat_id, sent.message_id)
    assert stored.raw_text == "  <i>原文</i> &amp; 更多\n"
    assert stored.entities == [{"type": "italic", "offset": 0, "length": 2}]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await api.edit_message_text(
            "<i>原文</i> &amp; 更多",
            chat_id,
            sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await api.edit_message_reply_markup(chat_id, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await api.edit_message_text("x" * 4097, chat_id, sent.message_id)
    edited = await api.edit_message_text("新文本", chat_id, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await api.edit_message_text("x", chat_id, 999)
    assert await api.delete_message(chat_id, sent.message_id)
    assert fake.messages(chat_id) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await api.delete_message(chat_id, sent.message_id)


async def test_inline_and_callback_errors(fake: FakeTelegram, api: Bot) -> None:
    update = fake.inline_query(query="x")
    query_id = update["inline_query"]["id"]
    results = [
        InlineQueryResultArticle(f"id{i}", f"t{i}", InputTextMessageContent("m")) for i in range(51)
    ]
    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await api.answer_inline_query(query_id, results)
    assert await api.answer_inline_query(query_id, results[:50], next_offset="50")
    assert fake.last_inline_answer is not None
    assert len(fake.last_inline_answer.results) == 50
    assert fake.last_inline_answer.next_offset == "50"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await api.answer_inline_query(query_id, results[:1])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await api.answer_callback_query("12345")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_chat_members_files_commands_and_failures(fake: FakeTelegram, api: Bot) -> None:
    owner, admin, member = fake.make_user("书记"), fake.make_user("委员"), fake.make_user("党员")
    group = fake.make_chat("supergroup", title="机关党委")
    fake.set_chat_admins(group.id, [admin.id, fake.bot_user.id], creator_id=owner.id)

    assert (await api.get_chat_member(group.id, owner.id)).status == "creator"
    assert (await api.get_chat_member(group.id, admin.id)).status == "administrator"
    assert (await api.get_chat_member(group.id, member.id)).status == "member"
    admins = await api.get_chat_administrators(group.id)
    assert [m.user.id for m in admins] == [owner.id, admin.id, fake.bot_user.id]
    chat = await api.get_chat(group.id)
    assert chat.title == "机关党委" and chat.type == "supergroup"
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await api.get_chat_administrators(member.id)

    registered = fake.register_file(b"%PDF-1.4 fake", "规定.pdf")
    telegram_file = await api.get_file(registered.file_id)
    assert telegram_file.file_path == f"{fake.base_file_url}{fake.token}/{registered.file_path}"
    assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 fake"
    with pytest.raises(BadRequest, match=r"(?i)wrong file_id"):
        await api.get_file("nope")

    scope = BotCommandScopeAllGroupChats()
    await api.set_my_commands([BotCommand("help", "帮助")], scope=scope, language_code="zh")
    assert fake.commands_for("all_group_chats", "zh") == [
        {"command": "help", "description": "帮助"}
    ]
    assert [c.command for c in await api.get_my_commands(scope=scope, language_code="zh")] == [
        "help"
    ]
    assert await api.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await api.set_my_commands([BotCommand("Bad-Name", "x")])

    assert await api.send_chat_action(member.id, "typing")
    assert fake.chat_actions(member.id) == ["typing"]

    fake.mark_chat_not_found(member.id)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await api.send_message(member.id, "hi")
    fake.restore_chat(member.id)
    fake.rate_limit("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await api.send_message(member.id, "hi")
    assert (await api.send_message(member.id, "hi")).text == "hi"
    fake.fail_next("sendMessage", 500, "Internal Server Error", times=1)
    with pytest.raises(Exception, match="Internal Server Error"):
        await api.send_message(member.id, "hi")


# ---- raw HTTP: envelopes, JSON bodies, long polling --------------------------------------------


async def test_raw_envelopes_and_json_bodies(fake: FakeTelegram) -> None:
    api_url = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api_url}/noSuchMethod", json={}) as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{fake.base_url}123:wrong/getMe") as resp:
            assert resp.status == 401
        async with http.get(f"{api_url}/getme") as resp:
            me = await resp.json()
            assert me["ok"] and me["result"]["username"] == BOT_USERNAME
            assert me["result"]["supports_inline_queries"] is True
        body = {
            "chat_id": "42",
            "text": "123",
            "reply_markup": {"inline_keyboard": [[{"text": "t", "callback_data": "d"}]]},
        }
        async with http.post(f"{api_url}/sendMessage", json=body) as resp:
            sent = await resp.json()
            assert sent["ok"] and sent["result"]["text"] == "123"
            assert sent["result"]["reply_markup"] == body["reply_markup"]
        async with http.post(f"{api_url}/sendMessage", data={"chat_id": "42", "text": "7"}) as r:
            assert (await r.json())["result"]["text"] == "7"
    assert fake.messages(42)[0].callback_data == ["d"]


async def test_get_updates_long_polling(fake: FakeTelegram) -> None:
    api_url = f"{fake.base_url}{fake.token}/getUpdates"
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:

        async def get_updates(**params: Any) -> dict[str, Any]:
            async with http.post(api_url, json=params) as resp:
                result: dict[str, Any] = await resp.json()
                return result

        began = loop.time()
        assert (await get_updates(timeout=0.3))["result"] == []
        assert loop.time() - began >= 0.25

        started = fake.polls_started
        poll = asyncio.create_task(get_updates(timeout=5))
        await fake.wait_for(lambda: fake.polls_started > started)
        began = loop.time()
        first = fake.send_text(7, "wake up")
        updates = (await poll)["result"]
        assert loop.time() - began < 1.0
        assert [u["update_id"] for u in updates] == [first["update_id"]]

        fake.inline_query(query="q")
        third = fake.send_text(7, "again")
        only_messages = await get_updates(allowed_updates=["message"], offset=first["update_id"])
        assert [u["update_id"] for u in only_messages["result"]] == [
            first["update_id"],
            third["update_id"],
        ]
        confirmed = await get_updates(offset=third["update_id"] + 1, allowed_updates=[])
        assert confirmed["result"] == [] and fake.pending_updates == []

        fake.send_text(7, "a")
        fake.send_text(7, "b")
        assert len((await get_updates(limit=1))["result"]) == 1

        started = fake.polls_started
        older = asyncio.create_task(get_updates(offset=10**12, timeout=5))
        await fake.wait_for(lambda: fake.polls_started > started)
        newer = asyncio.create_task(get_updates(timeout=0))
        conflict = await older
        assert conflict["error_code"] == 409 and "Conflict" in conflict["description"]
        assert (await newer)["ok"]


# ---- the HTML parser against tdlib's own test vectors ------------------------------------------

TDLIB_ERRORS = [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    (
        "🏟 🏟&lt;<i    aba>",
        'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
    ),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
    ("&#xDFDF;", "Text contains invalid Unicode characters after decoding HTML entities"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<b>x", "Can't find end tag corresponding to start tag b"),
]

TDLIB_OK: list[tuple[str, str, list[tuple[str, int, int]]]] = [
    ("&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;", '<>&"&laquo;&raquo;&#12345678;', []),
    ("➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️", [("italic", 5, 5)]),
    ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [("italic", 5, 6)]),
    (
        "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
        "🏟 🏟🏟 ><🏟",
        [("italic", 5, 7), ("bold", 9, 3)],
    ),
    ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a", [("italic", 6, 1)]),
    ("🏟 🏟&lt;<b></b>", "🏟 🏟<", []),
    ("<i><b> </b> <code> </code></i>", "   ", [("italic", 0, 3), ("bold", 0, 1), ("code", 2, 1)]),
    ('🏟 🏟&lt;<pre><code class="language-fift">🏟 🏟&lt;</></>', "🏟 🏟<🏟 🏟<", [("pre", 6, 6)]),
    ("<blockquote expandable>引用</blockquote>", "引用", [("expandable_blockquote", 0, 2)]),
    (
        '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
        "xy",
        [
            ("spoiler", 0, 1),
            ("spoiler", 1, 1),
        ],
    ),
]


@pytest.mark.parametrize(("source", "error"), TDLIB_ERRORS)
def test_parse_html_errors_match_tdlib(source: str, error: str) -> None:
    with pytest.raises(HTMLParseError) as caught:
        parse_html(source)
    assert str(caught.value).startswith(error)


@pytest.mark.parametrize(("source", "text", "entities"), TDLIB_OK)
def test_parse_html_results_match_tdlib(
    source: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    plain, parsed = parse_html(source)
    assert plain == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_parse_html_details() -> None:
    _, (link,) = parse_html('<a href="https://example.org/?a=1&amp;b=2">链接</a>')
    assert link == {
        "type": "text_link",
        "url": "https://example.org/?a=1&b=2",
        "offset": 0,
        "length": 2,
    }
    _, (pre,) = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert pre == {"type": "pre", "language": "python", "offset": 0, "length": 5}
    with pytest.raises(HTMLParseError, match='"&" at byte offset 1'):
        parse_html("A&B", strict_ampersand=True)
    with pytest.raises(HTMLParseError):
        parse_html("&lt", strict_ampersand=True)
    assert parse_html("&amp; &#39; &#x4E2D;", strict_ampersand=True)[0] == "& ' 中"


def test_detect_entities() -> None:
    text = "/start@dangwu_test_bot hi @dangwu_test_bot a/b /x/y 😀 /help"
    found = [(e["type"], e["offset"], e["length"]) for e in detect_entities(text)]
    assert found == [("bot_command", 0, 22), ("mention", 26, 16), ("bot_command", 55, 5)]
