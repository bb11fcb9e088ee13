"""Admins (ADMIN_USER_IDS): import 范文 files from the phone, list and remove sources."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.app import buttons
from bot.config import Settings
from bot.corpus import CorpusError, IngestSummary, ingest_bytes, list_sources, remove_source
from bot.db import open_db
from bot.replies import Button, Reply
from handlers import common

ACCEPTED = (".txt", ".docx", ".md", ".pdf")
NOT_ADMIN = "只有管理员可以导入范文。想贡献范文，请把文件发给管理员。"


def _import(settings: Settings, filename: str, data: bytes) -> IngestSummary:
    """Runs in a worker thread on its own connection, so a long import never blocks the bot
    and never interleaves with another handler's transaction."""
    db = open_db(settings.db_path)
    try:
        return ingest_bytes(db, filename, data, origin="upload")
    finally:
        db.conn.close()


async def document(update: Update, context: common.Context) -> None:
    msg = update.effective_message
    if msg is None or msg.document is None:
        return
    if not common.is_private(update):
        return  # files shared in groups are the members' business, not an import
    if not common.is_bot_admin(update, context):
        await msg.reply_text(NOT_ADMIN)
        return
    doc = msg.document
    name = doc.file_name or "未命名"
    settings = common.settings_of(context)
    if Path(name).suffix.lower() not in ACCEPTED:
        await msg.reply_text(f"不支持这种文件（{html.escape(name)}）。请发送 .txt、.docx、.md 或 .pdf 文件。")
        return
    if doc.file_size and doc.file_size > settings.max_upload_bytes:
        limit = settings.max_upload_bytes // (1024 * 1024)
        await msg.reply_text(f"文件太大（{doc.file_size // 1024} KB），上限是 {limit} MB，请拆分后再发。")
        return
    await msg.reply_text(f"正在导入 {html.escape(name)} …")
    tg_file = await doc.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    try:
        summary = await asyncio.to_thread(_import, settings, name, data)
    except CorpusError as exc:
        await msg.reply_text(f"导入失败，未写入任何内容：{html.escape(str(exc))}")
        return
    await msg.reply_text(html.escape(summary.text()))


async def sources(update: Update, context: common.Context) -> None:
    if not common.is_bot_admin(update, context):
        await common.reply_all(update, context, [Reply("只有管理员可以管理范文来源。")])
        return
    items = await common.core(list_sources, common.db_of(context))
    imported = [s for s in items if s.origin != "bundled"]
    bundled = sum(s.paragraphs for s in items if s.origin == "bundled")
    lines = [f"内置范文 {bundled} 段。"]
    rows: list[list[Button]] = []
    for s in imported[:20]:
        lines.append(f"#{s.id} {s.name}：{s.paragraphs} 段（{s.imported_at[:10]}）")
        rows.append([Button(f"🗑 删除 #{s.id} {s.name[:20]}", data=buttons.SOURCE.encode("x", s.id))])
    if not imported:
        lines.append("还没有导入的文件。在私聊中把 .txt/.docx/.md 文件发给我即可导入。")
    await common.reply_all(update, context, [Reply("\n".join(lines), title="范文来源", buttons=rows)])


async def source_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None
    if not common.is_bot_admin(update, context):
        await common.answer(context, query, "只有管理员可以删除来源。", alert=True)
        return
    (action, sid) = buttons.SOURCE.decode(query.data) or ("n", 0)
    if action == "x":
        await common.answer(context, query)
        reply = Reply(
            f"确定删除来源 #{sid} 及其全部段落吗？",
            buttons=[
                [
                    Button("确认删除", data=buttons.SOURCE.encode("y", sid)),
                    Button("取消", data=buttons.SOURCE.encode("n", 0)),
                ]
            ],
        )
        await common.send(None, update.effective_chat, context, reply)
        return
    if action == "n":
        await common.answer(context, query, "已取消")
        return
    try:
        removed = await common.core(remove_source, common.db_of(context), sid)
    except CorpusError as exc:
        await common.answer(context, query, str(exc), alert=True)
        return
    await common.answer(context, query, "已删除")
    await common.send(None, update.effective_chat, context, Reply(f"已删除来源 #{sid}，共 {removed} 段。"))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(CommandHandler("sources", sources))
    app.add_handler(common.button(buttons.SOURCE, source_button))
