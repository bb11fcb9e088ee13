"""/fanwen: template paragraphs one per page (◀ ▶ replace the same message), kind filter, ➕."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.fanwen.corpus import KINDS, resolve_kind
from bot.fanwen.search import SearchResponse, SearchResult, browse, search
from bot.feedback import log_search
from bot.replies import Button, Reply

if TYPE_CHECKING:
    from bot.app.core import Core, Request

FILTER_KINDS = ("存在问题", "整改措施", "下一步打算", "主要做法", "原因分析", "开头", "结尾")
USAGE = "请在命令后写上要找的内容，例如：\n/fanwen 三会一课 存在问题\n/fanwen 党费 整改措施"


def split_kind(text: str) -> tuple[str, str | None]:
    """`/fanwen 存在问题 三会一课`: a leading or trailing kind word becomes the filter."""
    words = text.split()
    for i in (0, -1):
        if len(words) > 1 and resolve_kind(words[i]) is not None:
            rest = words[1:] if i == 0 else words[:-1]
            return " ".join(rest), resolve_kind(words[i])
    return text, None


def run(core: Core, text: str, kind: str | None) -> SearchResponse:
    """A bare kind word (`/fanwen 结尾`) lists that section; anything else is a search."""
    if kind is None and resolve_kind(text) is not None and len(text.split()) == 1:
        return browse(core.db, text, limit=buttons.PAGE_LIMIT)
    return search(core.db, text, kind=kind, limit=buttons.PAGE_LIMIT)


def page_buttons(page: int, total: int, kind: str | None, pid: int) -> list[list[Button]]:
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一条", data=buttons.FW_PAGE.encode("p", page - 1)))
    if page + 1 < total:
        nav.append(Button("下一条 ▶", data=buttons.FW_PAGE.encode("p", page + 1)))
    rows = [nav] if nav else []
    if pid:  # a page shows one paragraph; a reply without hits has only the filters
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


def page_reply(res: SearchResult, page: int, total: int, kind: str | None, note: str) -> Reply:
    """Header line, source, then the paragraph exactly as stored (long-press copies it whole)."""
    holes = [p[2] for p in res.placeholders if p[2]]
    blanks = sum(1 for p in res.placeholders if not p[2])
    marks = "、".join(dict.fromkeys(holes))
    if blanks:
        marks = (marks + "、" if marks else "") + f"{blanks}处删去的数字"
    where = " › ".join(p for p in (res.source, res.heading) if p)
    return Reply(
        res.text,
        lead=note,
        title=f"范文 {page + 1}/{total} · {res.kind}" + (" · 可能相关" if res.maybe else ""),
        subtitle=where[:120],
        footer=f"✏️ 待填：{marks[:200]}" if marks else "",
        buttons=page_buttons(page, total, kind, res.id),
        copyable=True,
    )


def render(query: str, kind: str | None, response: SearchResponse, page: int, *, edit: bool) -> Reply:
    """One page of results, or the no-hit message; either way the message keeps its query,
    so its buttons keep working."""
    state = {"q": query, "kind": kind}
    if not response.results:
        msg = response.message or "没有找到相关段落，换个说法试试。"
        body = f"「{query[:50]}」{('（' + kind + '）') if kind else ''}：{msg}"
        filters = page_buttons(0, 0, kind, 0) if kind else []
        return Reply(body, buttons=filters, state=state, edit=edit)
    page = max(0, min(page, len(response.results) - 1))
    note = response.message if response.message and page == 0 else ""
    reply = page_reply(response.results[page], page, len(response.results), kind, note)
    reply.state, reply.edit = state, edit
    return reply


def show(core: Core, query: str) -> list[Reply]:
    text, kind = split_kind(query.strip())
    if not text:
        return [Reply(USAGE)]
    response = run(core, text, kind)
    log_search(core.db, text, response.total)
    return [render(text, kind, response, 0, edit=False)]


def fanwen(core: Core, req: Request) -> list[Reply]:
    return show(core, req.text)


def page_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """◀ ▶ and the kind filters edit the message they are on."""
    state = core.state(req.chat_id, req.message_id)
    if state is None:
        return [Reply(toast="这条结果已过期，请重新发送 /fanwen 查询。")]
    action, value = fields
    kind, page = state["kind"], 0
    if action == "p":
        page = value
    else:
        kind = None if value == "-" else value
    return [render(state["q"], kind, run(core, state["q"], kind), page, edit=True)]


def last_question_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """"🔍 搜范文" under a declined question: search templates with the same words."""
    asked = core.last_question.get(req.user_id, "")
    if not asked:
        return [Reply(toast="请发送 /fanwen 加关键词查找范文。")]
    return show(core, asked)
