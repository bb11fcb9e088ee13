"""Bot administrators (ADMIN_USER_IDS): /unanswered, /stats, /sources, importing 范文 files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.fanwen.corpus import CorpusError, ingest_bytes, list_sources, remove_source
from bot.feedback import FeedbackError, attach, render_stats, stats, suggestions_for, unanswered
from bot.replies import Button, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

ACCEPTED = (".txt", ".docx", ".md", ".pdf")
NOT_ADMIN = "只有管理员可以导入范文。想贡献范文，请把文件发给管理员。"
ADMIN_ONLY = {
    "unanswered": "只有管理员可以查看未答问题。",
    "stats": "只有管理员可以查看统计。",
    "sources": "只有管理员可以管理范文来源。",
}


def unanswered_list(core: Core, req: Request) -> list[Reply]:
    items = unanswered(core.db, 10)
    if not items:
        return [Reply("目前没有待处理的未答问题。")]
    replies = [Reply(f"共 {len(items)} 条，点按钮把问题归到对应规定，立即生效：")]
    for item in items:
        rows = [
            [Button(f"→ {r.title}", data=buttons.ATTACH.encode(item.id, r.id))]
            for r in suggestions_for(core.book, item.question, 3)
            if len(f"ua:{item.id}:{r.id}".encode()) <= 64
        ]
        replies.append(Reply(f"「{item.question}」 问了 {item.count} 次", buttons=rows))
    return replies


def attach_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    if not req.is_admin:
        return [Reply(toast="只有管理员可以操作。", alert=True)]
    log_id, rule_id = fields
    try:
        done = attach(core.db, core.book, log_id, rule_id, req.user_id)
    except FeedbackError as exc:
        return [Reply(toast=str(exc), alert=True)]
    return [Reply(done.message, toast="已归类", edit=True)]


def stats_view(core: Core, req: Request) -> list[Reply]:
    return [Reply(render_stats(stats(core.db, req.now, 30, core.book)), title="近30天统计")]


def sources(core: Core, req: Request) -> list[Reply]:
    items = list_sources(core.db)
    imported = [s for s in items if s.origin != "bundled"]
    bundled = sum(s.paragraphs for s in items if s.origin == "bundled")
    lines = [f"内置范文 {bundled} 段。"]
    rows: list[list[Button]] = []
    for s in imported[:20]:
        lines.append(f"#{s.id} {s.name}：{s.paragraphs} 段（{s.imported_at[:10]}）")
        rows.append([Button(f"🗑 删除 #{s.id} {s.name[:20]}", data=buttons.SOURCE.encode("x", s.id))])
    if not imported:
        lines.append("还没有导入的文件。在私聊中把 .txt/.docx/.md 文件发给我即可导入。")
    return [Reply("\n".join(lines), title="范文来源", buttons=rows)]


def source_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    if not req.is_admin:
        return [Reply(toast="只有管理员可以删除来源。", alert=True)]
    action, sid = fields
    if action == "x":
        confirm = [[Button("确认删除", data=buttons.SOURCE.encode("y", sid)), Button("取消", data=buttons.SOURCE.encode("n", 0))]]
        return [Reply(f"确定删除来源 #{sid} 及其全部段落吗？", buttons=confirm)]
    if action == "n":
        return [Reply(toast="已取消")]
    try:
        removed = remove_source(core.db, sid)
    except CorpusError as exc:
        return [Reply(toast=str(exc), alert=True)]
    return [Reply(f"已删除来源 #{sid}，共 {removed} 段。", toast="已删除")]


def upload_check(core: Core, req: Request, filename: str, size: int | None) -> Reply | None:
    """Before downloading a file: None when it may be imported, else the reply that says why
    not (files in groups are the members' business: no reply at all, an empty toast-only)."""
    if req.group:
        return Reply()
    if not req.is_admin:
        return Reply(NOT_ADMIN)
    if Path(filename).suffix.lower() not in ACCEPTED:
        return Reply(f"不支持这种文件（{filename}）。请发送 .txt、.docx、.md 或 .pdf 文件。")
    limit = core.settings.max_upload_bytes
    if size and size > limit:
        return Reply(f"文件太大（{size // 1024} KB），上限是 {limit // (1024 * 1024)} MB，请拆分后再发。")
    return None


def import_document(core: Core, req: Request) -> list[Reply]:
    """Import a file sent by an administrator in a private chat (one transaction per file)."""
    assert req.document is not None
    filename, data = req.document
    refused = upload_check(core, req, filename, len(data))
    if refused is not None:
        return [refused] if refused.is_message else []
    try:
        summary = ingest_bytes(core.db, filename, data, origin="upload")
    except CorpusError as exc:
        return [Reply(f"导入失败，未写入任何内容：{exc}")]
    return [Reply(summary.text())]
