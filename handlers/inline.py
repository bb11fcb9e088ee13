"""Inline mode: `@bot 查询` in any chat lists paragraphs (and a confident rule answer) as articles."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.ext import Application, InlineQueryHandler

from bot.rules import Answer
from bot.search import search
from handlers import common

PAGE = 20  # Telegram allows 50 per answer; 20 keeps each answer small and fast on phones


def _preview(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


async def inline_query(update: Update, context: common.Context) -> None:
    iq = update.inline_query
    if iq is None:
        return
    query = iq.query.strip()
    try:
        offset = max(0, int(iq.offset or 0))
    except ValueError:
        offset = 0
    results: list[InlineQueryResultArticle] = []
    if not query:
        await iq.answer(
            [],
            cache_time=5,
            is_personal=True,
            button=InlineQueryResultsButton("输入关键词搜范文，或打开助手", start_parameter="inline"),
        )
        return
    if offset == 0:
        answer = common.book_of(context).answer(query)
        if isinstance(answer, Answer) and not answer.low_confidence:
            rule = answer.rule
            text = f"{rule.title}\n{rule.answer}\n依据：{rule.citation}"
            results.append(
                InlineQueryResultArticle(
                    id=f"r:{rule.id}"[:64],
                    title=f"📘 {rule.title}",
                    description=_preview(rule.answer),
                    input_message_content=InputTextMessageContent(text, parse_mode=None),
                )
            )
    response = search(common.db_of(context), query, limit=PAGE, offset=offset)
    for res in response.results:
        results.append(
            InlineQueryResultArticle(
                id=f"p:{res.id}",
                title=f"【{res.kind}】{_preview(res.text, 30)}",
                description=_preview(res.text[30:], 80) or res.source,
                input_message_content=InputTextMessageContent(res.text, parse_mode=None),
            )
        )
    more = offset + PAGE < response.total and len(response.results) == PAGE
    button = None
    if not results:
        button = InlineQueryResultsButton("没找到，打开助手换个说法", start_parameter="inline")
    await iq.answer(
        results[:50],
        cache_time=30,
        is_personal=True,
        next_offset=str(offset + PAGE) if more else "",
        button=button,
    )


def register(app: Application) -> None:
    app.add_handler(InlineQueryHandler(inline_query))
