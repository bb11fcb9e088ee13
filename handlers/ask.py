"""/start, /help, /ask, plain questions, and the buttons under an answer."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.app import buttons
from bot.case import MISSING_OPTIONS, answer_case
from bot.chat import HELP, feedback_row, render_case, rule_reply
from bot.feedback import log_question, record_vote
from bot.replies import Button, Reply
from bot.rules import Answer, NoAnswer
from handlers import common

MAX_QUESTION = 500


def help_reply() -> Reply:
    return Reply(
        body=HELP,
        buttons=[
            [Button("试问：支委会多久开一次", data=buttons.EXAMPLE.encode("ask"))],
            [Button("试搜范文：存在问题", switch_inline="存在问题")],
            [Button("设主题党日", data=buttons.EXAMPLE.encode("pd"))],
        ],
    )


async def start(update: Update, context: common.Context) -> None:
    await common.reply_all(update, context, [help_reply()])


async def answer_question(update: Update, context: common.Context, question: str) -> None:
    question = question.strip()
    if not question:
        await common.reply_all(
            update, context, [Reply("请在命令后写上问题，例如：/ask 支委会多久开一次")]
        )
        return
    if len(question) > MAX_QUESTION:
        await common.reply_all(
            update, context, [Reply(f"问题太长了（{len(question)} 字），请精简到 {MAX_QUESTION} 字以内。")]
        )
        return
    book = common.book_of(context)
    today = datetime.now(common.settings_of(context).tz).date()
    case = await common.core(answer_case, book, question, today)
    first = next((p.result for p in case.parts if p.result is not None), None)
    logged = first if first is not None else NoAnswer(question, 0.0, (), "out_of_scope")
    await common.core(log_question, common.db_of(context), question, logged)
    common.remember(context, "last_question", question)
    await common.reply_all(update, context, [render_case(case, book)])


async def ask_command(update: Update, context: common.Context) -> None:
    await answer_question(update, context, common.command_args(context))


def _addressed_text(update: Update, context: common.Context) -> str | None:
    """The question in a message meant for the bot; None for group chatter not addressed to it."""
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


async def text_message(update: Update, context: common.Context) -> None:
    text = _addressed_text(update, context)
    if text is None:
        return
    await answer_question(update, context, text)


async def non_text(update: Update, context: common.Context) -> None:
    """Stickers, photos, voice in a private chat: say what the bot understands."""
    if common.is_private(update) and update.effective_message:
        await update.effective_message.reply_text("我只看得懂文字问题。请直接输入，例如「党费怎么交」。")


async def rule_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    (rule_id,) = buttons.RULE.decode(query.data) or ("",)
    rule = common.book_of(context).by_id.get(rule_id)
    if rule is None:
        await common.answer(context, query, "这个话题已不存在，请重新提问。")
        return
    await common.answer(context, query)
    reply = rule_reply(rule)
    reply.buttons.append(feedback_row(rule.id))
    await common.send(None, update.effective_chat, context, reply)


async def feedback_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    decoded = buttons.FEEDBACK.decode(query.data)
    if decoded is None:
        await common.answer(context, query, common.STALE)
        return
    sign, rule_id = decoded
    question = common.recall(context, "last_question", "")
    user_id = update.effective_user.id if update.effective_user else None
    vote = 1 if sign == "+" else -1
    await common.core(record_vote, common.db_of(context), user_id, "rule", rule_id, vote, question)
    if vote > 0:
        await common.answer(context, query, "谢谢反馈！")
        return
    await common.answer(context, query, "已记录，我们会改进。")
    book = common.book_of(context)
    result = await common.core(book.answer, question) if question else None
    others = [
        r for r in (result.alternatives if isinstance(result, Answer) else ()) if r.id != rule_id
    ][:3]
    if others:
        reply = Reply(
            "抱歉答偏了。你是不是想问：",
            buttons=[[Button(r.title, data=buttons.RULE.encode(r.id))] for r in others],
        )
        await common.send(None, update.effective_chat, context, reply)


async def example_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    await common.answer(context, query)
    if buttons.EXAMPLE.decode(query.data) == ("ask",):
        await answer_question(update, context, "支委会多久开一次")
    else:
        await common.send(
            None,
            update.effective_chat,
            context,
            Reply("发送 /partyday 加规则即可，例如：\n/partyday 每月第一个周五\n/partyday 每月15日，遇节假日顺延"),
        )


async def case_option_button(update: Update, context: common.Context) -> None:
    """A button under a calculation that asked for an input: re-ask with the chosen option."""
    query = update.callback_query
    assert query is not None
    decoded = buttons.CASE_OPTION.decode(query.data)
    question = common.recall(context, "last_question", "")
    if decoded is None or not question:
        await common.answer(context, query, common.STALE)
        return
    await common.answer(context, query)
    await answer_question(update, context, question + "，" + MISSING_OPTIONS[decoded[0]])


async def stale_button(update: Update, context: common.Context) -> None:
    """Buttons from an old version, an expired page or forged data: a polite answer, never an
    exception (no codec accepted the data, so no feature handler ran)."""
    if update.callback_query:
        await common.answer(context, update.callback_query, common.STALE)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["start", "help"], start))
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(common.button(buttons.RULE, rule_button))
    app.add_handler(common.button(buttons.FEEDBACK, feedback_button))
    app.add_handler(common.button(buttons.EXAMPLE, example_button))
    app.add_handler(common.button(buttons.CASE_OPTION, case_option_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT, text_message), group=5)
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND & ~filters.Document.ALL
            & ~filters.StatusUpdate.ALL,
            non_text,
        ),
        group=5,
    )
