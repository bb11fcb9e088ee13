"""Every kind of button the bot shows, as codecs: views encode with them, routers decode.

A press whose data no codec accepts (forged, from an old version, an index out of range) never
reaches a feature: the front end answers it as stale.
"""

from __future__ import annotations

from bot.app.codec import RULE_ID, SIGN, Choice, Codec, Field, Int
from bot.fanwen.corpus import KINDS
from bot.meetings.reminders import SUGGESTED_RULES

MEETING_KINDS = tuple(SUGGESTED_RULES)  # 主题党日 支委会 党员大会 党小组会 党课 组织生活会
LEAD_OPTIONS = ("提前3天 9:00，当天 8:00", "提前1天 9:00，当天 8:00", "提前7天 9:00，提前1天 9:00")
PAGE_LIMIT = 20  # template results kept per search; paging edits one message
_LAST_MEETING = len(MEETING_KINDS) - 1

# rules answers
RULE = Codec("r", RULE_ID)
FEEDBACK = Codec("fb", SIGN, RULE_ID)
EXAMPLE = Codec("ex", Choice("ask", "pd"))
# a missing calculator input: index into bot.rules.case.MISSING_OPTIONS, re-asked with the last question
CASE_OPTION = Codec("cm", Int(0, 9))
# template search: a page, a kind filter (index into KINDS, or - for all), the last question
FW_PAGE = Codec("fw", Choice("p"), Int(0, PAGE_LIMIT - 1))
FW_KIND = Codec("fw", Choice("k"), Field(r"\d{1,2}|-", lambda s: s if s == "-" else _kind_index(s)))
FW_LAST = Codec("fw", Choice("last"))
TEMPLATE_VOTE = Codec("ft", SIGN, Int(1))
# draft basket
DRAFT_ADD = Codec("d", Choice("a"), Int(1))
DRAFT_ITEM = Codec("d", Choice("u", "d", "x"), Int(1))
DRAFT_ACTION = Codec("d", Choice("w", "t", "c"))
# admin
ATTACH = Codec("ua", Int(1), RULE_ID)
SOURCE = Codec("src", Choice("x", "y", "n"), Int(0))
# schedules: add (➕), edit (✏️ shows how), set the suggested rule, stop, lead-time menu/choice
SCHED_ADD = Codec("sc", Choice("a"), Int(0, _LAST_MEETING))
SCHED_EDIT = Codec("sc", Choice("e"), Int(0, _LAST_MEETING))
SCHED_SUGGESTED = Codec("sc", Choice("r"), Int(0, _LAST_MEETING))
SCHED_STOP = Codec("sc", Choice("s"), Int(0, _LAST_MEETING))
LEADS_MENU = Codec("sc", Choice("l"))
LEADS = Codec("sc", Choice("l"), Int(0, len(LEAD_OPTIONS) - 1))


def _kind_index(text: str) -> str:
    """A filter button carries the index of a kind; out of range is a forged button."""
    i = int(text)
    if not 0 <= i < len(KINDS):
        raise ValueError(text)
    return KINDS[i]
# a schedule phrase that named the period but not the day: which of the offered phrases
SCHED_PICK = Codec("sp", Int(0, 3))
# a calculation that needs one more input: which of the offered options
CALC_PICK = Codec("cp", Int(0, 9))
# tracked 发展党员 timelines: view, remove (ask), remove (confirmed), keep
PERSON = Codec("fz", Choice("v", "x", "y", "n"), Int(0))
# 台账: delete a record (ask / confirmed), export a year
LEDGER_DELETE = Codec("lg", Choice("x", "y"), Int(1))
LEDGER_EXPORT = Codec("lg", Choice("e"), Int(2000, 2100))
# under a meeting reminder: ✅ 已召开 (ledger kind index, meeting date as YYYYMMDD)
REMINDER_HELD = Codec("rh", Int(0, 6), Field(r"20\d{6}"))
# under a meeting reminder: ⏰ 改期 (schedule id, meeting date; then a new date) and ❌ 本次取消
RESCHEDULE = Codec("rm", Int(1), Field(r"20\d{6}"))
RESCHEDULE_TO = Codec("rm", Int(1), Field(r"20\d{6}"), Field(r"20\d{6}"))
CANCEL = Codec("rx", Int(1), Field(r"20\d{6}"))
CANCEL_REASON = Codec("rx", Int(1), Field(r"20\d{6}"), Int(0, 3))
# lead times of one meeting kind: the menu, then a choice
KIND_LEADS_MENU = Codec("sl", Int(0, _LAST_MEETING))
KIND_LEADS = Codec("sl", Int(0, _LAST_MEETING), Int(0, len(LEAD_OPTIONS) - 1))
# under a group reminder: 参加 / 请假 (schedule id, meeting date, answer)
ATTEND = Codec("at", Int(1), Field(r"20\d{6}"), Choice("y", "n"))
# 台账: fill in or change a record's details by replying to the bot's message
LEDGER_EDIT = Codec("lg", Choice("d"), Int(1))
