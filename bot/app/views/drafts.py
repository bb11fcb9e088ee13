"""The draft basket (/draft, ➕, /org, /title) and 👍/👎 on template paragraphs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.fanwen import drafts
from bot.feedback import record_vote
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request


def add_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """➕ under a template result: add it to the presser's own basket."""
    return [Reply(toast=drafts.add(core.db, req.user_id, fields[1]).message)]


def draft(core: Core, req: Request) -> list[Reply]:
    arg = req.text.strip()
    if arg in {"text", "文本", "txt"}:
        return export_text(core, req)
    if arg in {"word", "docx", "导出"}:
        return export_docx(core, req)
    return [drafts.render_basket(core.db, req.user_id, req.today)]


def export_docx(core: Core, req: Request) -> list[Reply]:
    try:
        return [Reply(document=drafts.export_docx(core.db, req.user_id, req.today))]
    except drafts.DraftError as exc:
        return [Reply(str(exc))]


def export_text(core: Core, req: Request) -> list[Reply]:
    try:
        chunks = drafts.export_text(core.db, req.user_id, req.today)
    except drafts.DraftError as exc:
        chunks = [str(exc)]
    return [Reply(chunk, copyable=True) for chunk in chunks]


def basket_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """⬆ ⬇ ✖ redraw the basket in place; the export buttons send the file or the text."""
    verb = fields[0]
    item_id = fields[1] if len(fields) > 1 else None
    if verb == "w":
        return [Reply(toast="正在生成 Word…"), *export_docx(core, req)]
    if verb == "t":
        return export_text(core, req)
    if verb == "c":
        toast = f"已清空 {drafts.clear(core.db, req.user_id)} 段"
    elif verb in {"u", "d"}:
        moved = drafts.move(core.db, req.user_id, item_id or 0, -1 if verb == "u" else 1)
        toast = "已移动" if moved else "已经到头了"
    else:
        toast = "已移除" if drafts.remove(core.db, req.user_id, item_id or 0) else "这段已不在草稿篮里"
    basket = drafts.render_basket(core.db, req.user_id, req.today)
    basket.toast, basket.edit = toast, True
    return [basket]


def org(core: Core, req: Request) -> list[Reply]:
    arg = req.text.strip()
    if not arg:
        name = drafts.get_org(core.db, req.user_id)
        return [Reply(f"当前单位：{name}" if name else "还没有设置单位。用法：/org 红星村党支部")]
    try:
        name = drafts.set_org(core.db, req.user_id, arg)
    except drafts.DraftError as exc:
        return [Reply(str(exc))]
    title = drafts.get_title(core.db, req.user_id, req.today)
    return [Reply(f"单位已设为：{name}\n导出标题：{title}\n（改标题：/title 新标题）")]


def title(core: Core, req: Request) -> list[Reply]:
    arg = req.text.strip()
    try:
        shown = drafts.set_title(core.db, req.user_id, arg) if arg else drafts.get_title(core.db, req.user_id, req.today)
    except drafts.DraftError as exc:
        return [Reply(str(exc))]
    return [Reply(f"导出标题：{shown}")]


def template_vote(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    sign, pid = fields
    record_vote(core.db, req.user_id, "paragraph", str(pid), 1 if sign == "+" else -1)
    return [Reply(toast="谢谢反馈！")]


def inline_pick(core: Core, req: Request) -> list[Reply]:
    """A paragraph the user inserted via inline mode into the bot's own chat: offer ➕."""
    from bot.app import buttons
    from bot.app.views.inline import paragraph_id_of
    from bot.replies import Button

    pid = paragraph_id_of(core, req.text)
    if pid is None:
        return []
    add = buttons.DRAFT_ADD.encode("a", pid)
    return [Reply("要把这段加入草稿篮吗？", buttons=[[Button("➕ 加入草稿", data=add)]])]
