"""Inline mode (`@bot 查询` in any chat): paragraphs, and a confident rule answer first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.fanwen.search import search
from bot.rules.engine import Answer

if TYPE_CHECKING:
    from bot.app.core import Core

PAGE = 20  # Telegram allows 50 per answer; 20 keeps each answer small and fast on phones


@dataclass(frozen=True)
class InlineItem:
    id: str
    title: str
    description: str
    text: str


@dataclass(frozen=True)
class InlinePage:
    items: list[InlineItem]
    next_offset: str


def _preview(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def inline_page(core: Core, query: str, offset_text: str) -> InlinePage:
    query = query.strip()
    try:
        offset = max(0, int(offset_text or 0))
    except ValueError:
        offset = 0
    items: list[InlineItem] = []
    if not query:
        return InlinePage(items, "")
    if offset == 0:
        answer = core.book.answer(query)
        if isinstance(answer, Answer) and not answer.low_confidence:
            rule = answer.rule
            items.append(
                InlineItem(
                    f"r:{rule.id}"[:64],
                    f"📘 {rule.title}",
                    _preview(rule.answer),
                    f"{rule.title}\n{rule.answer}\n依据：{rule.citation}",
                )
            )
    response = search(core.db, query, limit=PAGE, offset=offset)
    for res in response.results:
        items.append(
            InlineItem(f"p:{res.id}", f"【{res.kind}】{_preview(res.text, 30)}",
                       _preview(res.text[30:], 80) or res.source, res.text)
        )
    more = offset + PAGE < response.total and len(response.results) == PAGE
    return InlinePage(items[:50], str(offset + PAGE) if more else "")


def paragraph_id_of(core: Core, text: str) -> int | None:
    """A paragraph inserted via inline mode in the bot's own chat: its id, to offer ➕."""
    row = core.db.execute("SELECT id FROM paragraphs WHERE text = ? LIMIT 1", [text]).fetchone()
    return int(row[0]) if row else None
