"""/fanwen: template paragraphs one per page (◀ ▶ edit the same message), kind filter, ➕ to basket."""

from __future__ import annotations

import html
from typing import Any

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.app import buttons
from bot.corpus import KINDS, resolve_kind
from bot.feedback import log_search
from bot.replies import Button
from bot.search import SearchResponse, SearchResult, browse, search
from handlers import common

PAGE_LIMIT = buttons.PAGE_LIMIT
FILTER_KINDS = ("存在问题", "整改措施", "下一步打算", "主要做法", "原因分析", "开头", "结尾")


def _split_kind(text: str) -> tuple[str, str | None]:
    """`/fanwen 存在问题 三会一课`: a leading or trailing kind word becomes the filter."""
    words = text.split()
    for i in (0, -1):
        if len(words) > 1 and resolve_kind(words[i]) is not None:
            kind = resolve_kind(words[i])
            rest = words[1:] if i == 0 else words[:-1]
            return " ".join(rest), kind
    return text, None


def page_html(res: SearchResult, page: int, total: int) -> str:
    """Header line, then the paragraph exactly as stored (long-press copies it whole)."""
    head = f"<b>范文 {page + 1}/{total}</b> · {html.escape(res.kind)}"
    where = " › ".join(p for p in (res.source, res.heading) if p)
    lines = [head]
    if where:
        lines.append(f"<i>{html.escape(where[:120])}</i>")
    lines.append("")
    lines.append(html.escape(res.text))
    holes = [p[2] for p in res.placeholders if p[2]]
    blanks = sum(1 for p in res.placeholders if not p[2])
    if holes or blanks:
        marks = "、".join(dict.fromkeys(holes))
        if blanks:
            marks = (marks + "、" if marks else "") + f"{blanks}处删去的数字"
        lines.append("")
        lines.append(f"✏️ 待填：{html.escape(marks[:200])}")
    return "\n".join(lines)


def page_buttons(page: int, total: int, kind: str | None, pid: int) -> list[list[Button]]:
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一条", data=buttons.FW_PAGE.encode("p", page - 1)))
    if page + 1 < total:
        nav.append(Button("下一条 ▶", data=buttons.FW_PAGE.encode("p", page + 1)))
    rows = [nav] if nav else []
    if pid:  # a page shows one paragraph; a no-hit reply has only the filters
        rows.append(
            [
                Button("➕ 加入草稿", data=buttons.DRAFT_ADD.encode("a", pid)),
                Button("👍", data=buttons.TEMPLATE_VOTE.encode("+", pid)),
                Button("👎", data=buttons.TEMPLATE_VOTE.encode("-", pid)),
            ]
        )
    filters = [
        Button(("✅" if k == kind else "") + k, data=buttons.FW_KIND.encode("k", KINDS.index(k)))
        for k in FILTER_KINDS
    ]
    rows.append(filters[:4])
    rows.append([*filters[4:], Button("全部" if kind else "✅全部", data=buttons.FW_KIND.encode("k", "-"))])
    return rows


def _state(context: common.Context) -> dict[int, dict[str, Any]]:
    store: dict[int, dict[str, Any]] = (context.chat_data if context.chat_data is not None else {}).setdefault(
        "fanwen", {}
    )
    return store


async def show_search(update: Update, context: common.Context, query: str) -> None:
    text, kind = _split_kind(query.strip())
    if not text:
        await common.reply_all(
            update,
            context,
            [common.Reply("请在命令后写上要找的内容，例如：\n/fanwen 三会一课 存在问题\n/fanwen 党费 整改措施")],
        )
        return
    response = await common.core(_run, common.db_of(context), text, kind)
    await common.core(_log_search, context, text, response)
    await _send_page(update, context, text, kind, response, 0, edit=False)


def _run(db: Database, text: str, kind: str | None) -> SearchResponse:
    """A bare kind word (`/fanwen 结尾`) lists that section; anything else is a search."""
    if kind is None and resolve_kind(text) is not None and len(text.split()) == 1:
        return browse(db, text, limit=PAGE_LIMIT)
    return search(db, text, kind=kind, limit=PAGE_LIMIT)


def _log_search(context: common.Context, query: str, response: SearchResponse) -> None:
    log_search(common.db_of(context), query, response.total)


async def _send_page(
    update: Update,
    context: common.Context,
    query: str,
    kind: str | None,
    response: SearchResponse,
    page: int,
    *,
    edit: bool,
) -> None:
    """Show one page, or the no-hit message with its filter buttons; either way the message
    keeps its query, so its buttons keep working. An edit that would change nothing is not
    sent."""
    chat = update.effective_chat
    if chat is None:
        return
    if not response.results:
        msg = response.message or "没有找到相关段落，换个说法试试。"
        text = html.escape(f"「{query[:50]}」{('（' + kind + '）') if kind else ''}：{msg}")
        filters = page_buttons(0, 0, kind, 0) if kind else []
        markup = common.keyboard(common.Reply("", buttons=filters))
    else:
        page = max(0, min(page, len(response.results) - 1))
        res = response.results[page]
        text = page_html(res, page, len(response.results))
        if response.message and page == 0:
            text = f"<i>{html.escape(response.message)}</i>\n" + text
        markup = common.keyboard(common.Reply("", buttons=page_buttons(page, len(response.results), kind, res.id)))
    shown = (text, markup.to_json() if markup else "")
    if edit and update.callback_query and update.callback_query.message:
        message_id = update.callback_query.message.message_id
        state = _state(context).setdefault(message_id, {})
        if state.get("shown") == shown:  # a second tap on the same filter: nothing to change
            return
        state.update(q=query, kind=kind, shown=shown)  # before the await: taps run concurrently
        await common.edit(update.callback_query, text, markup)
    else:
        sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
        _state(context)[sent.message_id] = {"q": query, "kind": kind, "shown": shown}


async def fanwen_command(update: Update, context: common.Context) -> None:
    await show_search(update, context, common.command_args(context))


async def page_button(update: Update, context: common.Context) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    state = _state(context).get(query.message.message_id)
    if state is None:
        await common.answer(context, query, "这条结果已过期，请重新发送 /fanwen 查询。")
        return
    kind, page = state["kind"], 0
    if (paged := buttons.FW_PAGE.decode(query.data)) is not None:
        page = paged[1]
    elif (filtered := buttons.FW_KIND.decode(query.data)) is not None:
        kind = None if filtered[1] == "-" else filtered[1]
    await common.answer(context, query)
    response = await common.core(_run, common.db_of(context), state["q"], kind)
    await _send_page(update, context, state["q"], kind, response, page, edit=True)


async def last_question_button(update: Update, context: common.Context) -> None:
    """"🔍 搜范文" under a declined question: search templates with the same words."""
    query = update.callback_query
    assert query is not None
    question = common.recall(context, "last_question", "")
    if not question:
        await common.answer(context, query, "请发送 /fanwen 加关键词查找范文。")
        return
    await common.answer(context, query)
    await show_search(update, context, question)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["fanwen", "fw", "search"], fanwen_command))
    app.add_handler(common.button(buttons.FW_PAGE, page_button))
    app.add_handler(common.button(buttons.FW_KIND, page_button))
    app.add_handler(common.button(buttons.FW_LAST, last_question_button))
