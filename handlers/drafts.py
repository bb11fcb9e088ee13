"""Draft basket (/draft, ➕, /org, /title) and learning from users (/unanswered, /stats, 👍/👎 on templates)."""

from __future__ import annotations

import html
from datetime import date

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import drafts
from bot.app import buttons
from bot.feedback import (
    FeedbackError,
    attach,
    record_vote,
    render_stats,
    stats,
    suggestions_for,
    unanswered,
)
from bot.replies import Button, Reply
from handlers import common


def _uid(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _today(context: common.Context) -> date:
    return common.now_of(context).date()


async def add_button(update: Update, context: common.Context) -> None:
    """➕ under a template result: add it to the presser's own basket."""
    query = update.callback_query
    assert query is not None
    (_, pid) = buttons.DRAFT_ADD.decode(query.data) or ("", 0)
    result = await common.core(drafts.add, common.db_of(context), _uid(update), pid)
    await common.answer(context, query, result.message)


async def draft_command(update: Update, context: common.Context) -> None:
    db, uid = common.db_of(context), _uid(update)
    arg = common.command_args(context)
    if arg in {"text", "文本", "txt"}:
        await _send_text_export(update, context)
        return
    if arg in {"word", "docx", "导出"}:
        await _send_docx(update, context)
        return
    await common.reply_all(update, context, [drafts.render_basket(db, uid, _today(context))])


async def _send_docx(update: Update, context: common.Context) -> None:
    try:
        doc = await common.core(drafts.export_docx, common.db_of(context), _uid(update), _today(context))
    except drafts.DraftError as exc:
        await common.send(None, update.effective_chat, context, Reply(str(exc)))
        return
    await common.send(None, update.effective_chat, context, Reply("", document=doc))


async def _send_text_export(update: Update, context: common.Context) -> None:
    try:
        chunks = await common.core(drafts.export_text, common.db_of(context), _uid(update), _today(context))
    except drafts.DraftError as exc:
        chunks = [str(exc)]
    for chunk in chunks:
        await common.send(None, update.effective_chat, context, Reply(chunk, copyable=True))


async def basket_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    action = drafts.parse_action(query.data or "")
    if action is None:
        await common.answer(context, query, "这个按钮已失效。")
        return
    db, uid = common.db_of(context), _uid(update)
    verb, item_id = action
    if verb == "w":
        await common.answer(context, query, "正在生成 Word…")
        await _send_docx(update, context)
        return
    if verb == "t":
        await common.answer(context, query)
        await _send_text_export(update, context)
        return
    if verb == "c":
        n = await common.core(drafts.clear, db, uid)
        await common.answer(context, query, f"已清空 {n} 段")
    elif item_id is not None and verb in {"u", "d"}:
        moved = await common.core(drafts.move, db, uid, item_id, -1 if verb == "u" else 1)
        await common.answer(context, query, "已移动" if moved else "已经到头了")
    elif item_id is not None and verb == "x":
        removed = await common.core(drafts.remove, db, uid, item_id)
        await common.answer(context, query, "已移除" if removed else "这段已不在草稿篮里")
    reply = await common.core(drafts.render_basket, db, uid, _today(context))
    await common.edit(query, common.to_html_parts(reply)[0], common.keyboard(reply))


async def org_command(update: Update, context: common.Context) -> None:
    db, uid = common.db_of(context), _uid(update)
    arg = common.command_args(context)
    if not arg:
        org = drafts.get_org(db, uid)
        text = f"当前单位：{org}" if org else "还没有设置单位。用法：/org 红星村党支部"
        await common.reply_all(update, context, [Reply(text)])
        return
    try:
        name = drafts.set_org(db, uid, arg)
    except drafts.DraftError as exc:
        await common.reply_all(update, context, [Reply(str(exc))])
        return
    title = drafts.get_title(db, uid, _today(context))
    await common.reply_all(update, context, [Reply(f"单位已设为：{name}\n导出标题：{title}\n（改标题：/title 新标题）")])


async def title_command(update: Update, context: common.Context) -> None:
    db, uid = common.db_of(context), _uid(update)
    arg = common.command_args(context)
    try:
        title = drafts.set_title(db, uid, arg) if arg else drafts.get_title(db, uid, _today(context))
    except drafts.DraftError as exc:
        await common.reply_all(update, context, [Reply(str(exc))])
        return
    await common.reply_all(update, context, [Reply(f"导出标题：{title}")])


async def inline_pick(update: Update, context: common.Context) -> None:
    """A paragraph inserted via inline mode in the bot's own chat gets a ➕ button."""
    msg = update.effective_message
    if msg is None or not msg.text or msg.via_bot is None or msg.via_bot.id != context.bot.id:
        return
    row = common.db_of(context).execute(
        "SELECT id FROM paragraphs WHERE text = ? LIMIT 1", [msg.text]
    ).fetchone()
    if row is None:
        return
    add = buttons.DRAFT_ADD.encode("a", int(row[0]))
    reply = Reply("要把这段加入草稿篮吗？", buttons=[[Button("➕ 加入草稿", data=add)]])
    await common.send(msg, None, context, reply)


async def template_vote(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    (sign, pid) = buttons.TEMPLATE_VOTE.decode(query.data) or ("+", 0)
    vote = 1 if sign == "+" else -1
    await common.core(record_vote, common.db_of(context), _uid(update), "paragraph", str(pid), vote)
    await common.answer(context, query, "谢谢反馈！")


async def unanswered_command(update: Update, context: common.Context) -> None:
    if not common.is_bot_admin(update, context):
        await common.reply_all(update, context, [Reply("只有管理员可以查看未答问题。")])
        return
    db, book = common.db_of(context), common.book_of(context)
    items = await common.core(unanswered, db, 10)
    if not items:
        await common.reply_all(update, context, [Reply("目前没有待处理的未答问题。")])
        return
    replies = [Reply(f"共 {len(items)} 条，点按钮把问题归到对应规定，立即生效：")]
    for item in items:
        rows = [
            [Button(f"→ {r.title}", data=buttons.ATTACH.encode(item.id, r.id))]
            for r in suggestions_for(book, item.question, 3)
            if len(f"ua:{item.id}:{r.id}".encode()) <= 64
        ]
        replies.append(Reply(f"「{item.question}」 问了 {item.count} 次", buttons=rows))
    await common.reply_all(update, context, replies)


async def attach_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    if not common.is_bot_admin(update, context):
        await common.answer(context, query, "只有管理员可以操作。", alert=True)
        return
    (log_id, rule_id) = buttons.ATTACH.decode(query.data) or (0, "")
    try:
        done = await common.core(
            attach, common.db_of(context), common.book_of(context), log_id, rule_id, _uid(update)
        )
    except FeedbackError as exc:
        await common.answer(context, query, str(exc), alert=True)
        return
    await common.answer(context, query, "已归类")
    await common.edit(query, html.escape(done.message), None)


async def stats_command(update: Update, context: common.Context) -> None:
    if not common.is_bot_admin(update, context):
        await common.reply_all(update, context, [Reply("只有管理员可以查看统计。")])
        return
    now = common.now_of(context)
    s = stats(common.db_of(context), now, 30, common.book_of(context))
    await common.reply_all(update, context, [Reply(render_stats(s), title="近30天统计")])


def register(app: Application) -> None:
    app.add_handler(common.button(buttons.DRAFT_ADD, add_button))
    app.add_handler(common.button(buttons.DRAFT_ITEM, basket_button))
    app.add_handler(common.button(buttons.DRAFT_ACTION, basket_button))
    app.add_handler(common.button(buttons.TEMPLATE_VOTE, template_vote))
    app.add_handler(common.button(buttons.ATTACH, attach_button))
    app.add_handler(CommandHandler(["draft", "caogao"], draft_command))
    app.add_handler(CommandHandler("org", org_command))
    app.add_handler(CommandHandler("title", title_command))
    app.add_handler(CommandHandler("unanswered", unanswered_command))
    app.add_handler(CommandHandler("stats", stats_command))
    app.add_handler(MessageHandler(filters.VIA_BOT & filters.ChatType.PRIVATE, inline_pick), group=6)
