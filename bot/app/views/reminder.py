"""The buttons under a meeting reminder: ✅ 已召开 records the meeting in the 台账."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.meetings import ledger
from bot.replies import Button, Reply

_KINDS = list(ledger.KINDS)  # the button carries an index into the ledger's kinds

if TYPE_CHECKING:
    from bot.app.core import Core, Request
    from bot.reminders import DueReminder


def reminder_buttons(rem: DueReminder) -> list[list[Button]]:
    """✅ 已召开 for the kinds the 台账 keeps (a custom meeting kind gets no button)."""
    try:
        kind = ledger.canonical_kind(rem.kind)
    except ledger.LedgerError:
        return []
    day = rem.occurrence.strftime("%Y%m%d")
    return [[Button("✅ 已召开", data=buttons.REMINDER_HELD.encode(_KINDS.index(kind), day))]]


def held_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """Record the reminded meeting as held on its date; details can follow with /jilu."""
    index, day_text = fields
    kind = _KINDS[index]
    day: date = datetime.strptime(day_text, "%Y%m%d").date()
    if day > req.today:
        return [Reply(toast=f"{kind}定在 {day.isoformat()}，开完后再点。", alert=True)]
    meeting = ledger.record(core.db, req.chat_id, kind, day, source="reminder")
    more = f"/jilu {kind} {day.isoformat()} 议题 应到N 实到M 主持人X"
    return [Reply(f"已记入台账：{meeting.kind} {day.isoformat()}\n补充议题和人数（可选）：\n{more}", toast="已记入台账")]
