"""三会一课 台账: /jilu records a meeting held, /taizhang shows this year's records with the
gaps on top, deletes a record, and exports the year as .docx and .xlsx for an inspection."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.meetings import attendance, ledger
from bot.replies import Button, Document, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

USAGE = (
    "用法：/jilu 会议 日期 议题 应到N 实到M 主持人X\n"
    "例如：/jilu 支委会 今天 研究发展对象 应到7 实到6\n"
    "/jilu 党员大会 2026-11-20 学习条例 应到30 实到27 主持人李明"
)


def jilu(core: Core, req: Request) -> list[Reply]:
    if not req.text.strip():
        return [Reply(USAGE)]
    try:
        rec = ledger.parse_record(req.text, req.today)
        meeting = ledger.record(
            core.db, req.chat_id, rec.kind, rec.day or req.today, topic=rec.topic,
            expected=rec.expected, present=rec.present, chair=rec.chair,
        )
    except ledger.LedgerError as exc:
        return [Reply(str(exc))]
    parts = [f"已记入台账：{meeting.kind} {meeting.day.isoformat()}"]
    if meeting.topic:
        parts.append(f"议题：{meeting.topic}")
    if meeting.expected is not None or meeting.present is not None:
        parts.append(f"应到/实到：{meeting.attendance}")
    if meeting.chair:
        parts.append(f"主持人：{meeting.chair}")
    undo = [[Button("🗑 删除这条", data=buttons.LEDGER_DELETE.encode("x", meeting.id))]]
    return [Reply("\n".join(parts), footer="查看全年：/taizhang", buttons=undo)]


def taizhang(core: Core, req: Request) -> list[Reply]:
    """/taizhang [年份] [导出]: gaps on top, then the year's records; 导出 sends the files."""
    configured = set_kinds(core, req, req.text)
    if configured is not None:
        return configured
    m = re.search(r"(20\d\d)", req.text)
    year = int(m.group(1)) if m else req.today.year
    if "导出" in req.text or "export" in req.text.lower():
        return export(core, req, year)
    meetings = ledger.list_meetings(core.db, req.chat_id, year)
    gaps = ledger.gaps(core.db, req.chat_id, req.today, since=_since(core, req)) if year == req.today.year else []
    rows = [
        [
            Button(f"✏️ {x.kind} {x.day.month}-{x.day.day}", data=buttons.LEDGER_EDIT.encode("d", x.id)),
            Button("🗑", data=buttons.LEDGER_DELETE.encode("x", x.id)),
        ]
        for x in meetings[-8:]
    ]
    rows.append([Button(f"📄 导出{year}年台账", data=buttons.LEDGER_EXPORT.encode("e", year))])
    text = ledger.render_ledger(meetings, gaps, year)
    answered = [(m, attendance.summary(core.db, req.chat_id, m.kind, m.day)) for m in meetings]
    lines = [f"{m.kind} {m.day.month}-{m.day.day}：{s.removeprefix('回应：')}" for m, s in answered if s]
    if lines:
        text += "\n【群内回应】\n" + "\n".join(lines)
    return [Reply(text, buttons=rows)]


def _since(core: Core, req: Request) -> date:
    """A branch is not told about months before it used the bot: periods that ended before the
    chat first wrote (or its first record) are not gaps."""
    row = core.db.execute("SELECT date(created_at) FROM chats WHERE chat_id = ?", [req.chat_id]).fetchone()
    first = core.db.execute("SELECT min(date) FROM meetings WHERE chat_id = ?", [req.chat_id]).fetchone()
    known = [date.fromisoformat(v[0]) for v in (row, first) if v and v[0]]
    return min(known, default=req.today)


def export(core: Core, req: Request, year: int) -> list[Reply]:
    meetings = ledger.list_meetings(core.db, req.chat_id, year)
    if not meetings:
        return [Reply(f"{year}年还没有台账记录。记录方法：\n" + USAGE)]
    title = f"{year}年三会一课台账"
    return [
        Reply(document=Document(f"{title}.docx", ledger.export_docx(meetings, title), title)),
        Reply(document=Document(f"{title}.xlsx", ledger.export_xlsx(meetings), title + "（表格）")),
    ]


def ledger_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    action, value = fields
    if action == "e":
        return export(core, req, value)
    meeting = ledger.get(core.db, req.chat_id, value)
    if meeting is None:
        return [Reply(toast="这条记录已不存在。")]
    if action == "x":
        confirm = [[Button("确认删除", data=buttons.LEDGER_DELETE.encode("y", value))]]
        return [Reply(f"确定删除台账记录「{meeting.kind} {meeting.day.isoformat()}」吗？", buttons=confirm)]
    ledger.delete(core.db, req.chat_id, value)
    return [Reply(f"已删除：{meeting.kind} {meeting.day.isoformat()}", toast="已删除")]


def details(core: Core, req: Request, meeting_id: int) -> list[Reply]:
    """A reply to the bot's 已记入台账 message: 议题, 应到/实到, 主持人 in one line."""
    meeting = ledger.get(core.db, req.chat_id, meeting_id)
    if meeting is None:
        return [Reply("这条台账记录已不存在。")]
    d = ledger.parse_details(req.text)
    if d.topic is None and d.expected is None and d.present is None and d.chair is None:
        return [Reply("没看懂要补充什么。例如：研究发展对象 应到12 实到10 主持人李明")]
    keep = ledger.KEEP
    try:
        m = ledger.update(
            core.db, req.chat_id, meeting_id,
            topic=keep if d.topic is None else d.topic,
            expected=keep if d.expected is None else d.expected,
            present=keep if d.present is None else d.present,
            chair=keep if d.chair is None else d.chair,
        )
    except ledger.LedgerError as exc:
        return [Reply(str(exc))]
    parts = [f"已更新台账：{m.kind} {m.day.isoformat()}"]
    parts += [f"议题：{m.topic}"] if m.topic else []
    parts += [f"应到/实到：{m.attendance}"] if m.expected is not None or m.present is not None else []
    parts += [f"主持人：{m.chair}"] if m.chair else []
    return [Reply("\n".join(parts), state={"ledger_meeting": m.id})]


def edit_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    meeting = ledger.get(core.db, req.chat_id, fields[1])
    if meeting is None:
        return [Reply(toast="这条记录已不存在。")]
    text = f"修改「{meeting.kind} {meeting.day.isoformat()}」：回复这条消息，写议题、应到/实到、主持人，如「研究发展对象 应到12 实到10 主持人李明」。"
    return [Reply(text, state={"ledger_meeting": meeting.id})]


def set_kinds(core: Core, req: Request, text: str) -> list[Reply] | None:
    """"/taizhang 没有支委会" (a branch of fewer than 7 has none) or "/taizhang 有支委会"."""
    m = re.match(r"^(没有|不设|无|有|恢复)\s*(.+)$", text.strip())
    if m is None:
        return None
    try:
        kind = ledger.canonical_kind(m.group(2))
    except ledger.LedgerError as exc:
        return [Reply(str(exc))]
    if not req.can_manage:
        return [Reply("在群里只有群管理员可以修改台账设置。")]
    enabled = m.group(1) in ("有", "恢复")
    ledger.set_kind_enabled(core.db, req.chat_id, kind, enabled)
    return [Reply(f"已设置：{'检查' if enabled else '不再检查'}{kind}的缺开。")]
