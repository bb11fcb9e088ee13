"""The buttons under a meeting reminder: ✅ 已召开 records the meeting in the 台账."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.app import buttons
from bot.meetings import attendance, ledger, reminders
from bot.meetings.schedule import RuleError, fmt_date, parse_move
from bot.replies import Button, Reply

_KINDS = list(ledger.KINDS)  # the button carries an index into the ledger's kinds

if TYPE_CHECKING:
    from bot.app.core import Core, Request


def reminder_buttons(rem: reminders.DueReminder) -> list[list[Button]]:
    """✅ 已召开 (for the kinds the 台账 keeps), ⏰ 改期 and ❌ 本次取消 under a reminder."""
    day = rem.occurrence.strftime("%Y%m%d")
    row = [
        Button("⏰ 改期", data=buttons.RESCHEDULE.encode(rem.schedule_id, day)),
        Button("❌ 本次取消", data=buttons.CANCEL.encode(rem.schedule_id, day)),
    ]
    rows = [row]
    if rem.chat_id < 0:  # a group: members say whether they come
        rows.append(
            [
                Button("🙋 参加", data=buttons.ATTEND.encode(rem.schedule_id, day, "y")),
                Button("请假", data=buttons.ATTEND.encode(rem.schedule_id, day, "n")),
            ]
        )
    try:
        kind = ledger.canonical_kind(rem.kind)
    except ledger.LedgerError:
        return rows
    rows[0].insert(0, Button("✅ 已召开", data=buttons.REMINDER_HELD.encode(_KINDS.index(kind), day)))
    return rows


def held_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """Record the reminded meeting as held on its date; details can follow with /jilu."""
    index, day_text = fields
    kind = _KINDS[index]
    day: date = datetime.strptime(day_text, "%Y%m%d").date()
    if day > req.today:
        return [Reply(toast=f"{kind}定在 {day.isoformat()}，开完后再点。", alert=True)]
    meeting = ledger.record(core.db, req.chat_id, kind, day, source="reminder")
    lines = [f"已记入台账：{meeting.kind} {day.isoformat()}"]
    came = attendance.summary(core.db, req.chat_id, kind, day)
    if came:
        lines.append(came)
    lines.append(DETAILS_HINT)
    return [Reply("\n".join(lines), toast="已记入台账", state={"ledger_meeting": meeting.id})]


DETAILS_HINT = "补充议题、人数和主持人（可选）：回复这条消息，如「研究发展对象 应到12 实到10 主持人李明」。"


def attend_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """参加 / 请假 under a group reminder: recorded per member; pressing again changes it."""
    sid, day_text, choice = fields
    sched = _schedule(core, req, sid)
    if sched is None:
        return [Reply(toast="这个日程已不存在。")]
    answer = "参加" if choice == "y" else "请假"
    attendance.answer(core.db, req.chat_id, sched.kind, _day(day_text), req.user_id, req.user_name, answer)
    return [Reply(toast=f"已登记：{answer}")]


CANCEL_REASONS = ("工作冲突", "节假日/放假", "人员不齐", "其他原因")
ADMIN_ONLY = "在群里只有群管理员可以改期或取消；大家都可以查看。"


def _schedule(core: Core, req: Request, sid: int) -> reminders.Schedule | None:
    return next((s for s in reminders.list_schedules(core.db, req.chat_id) if s.id == sid), None)


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").date()


def _meeting(core: Core, req: Request, fields: tuple[Any, ...]) -> tuple[reminders.Schedule, date] | Reply:
    """The schedule and meeting date a reminder's button names, or the answer that says why not."""
    if not req.can_manage:
        return Reply(toast=ADMIN_ONLY, alert=True)
    sched = _schedule(core, req, fields[0])
    if sched is None:
        return Reply(toast="这个日程已不存在。")
    return sched, _day(fields[1])


def reschedule_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """⏰ 改期: offer a few new dates; any other date by /gaiqi. Only this meeting moves."""
    found = _meeting(core, req, fields)
    if isinstance(found, Reply):
        return [found]
    (sched, day), sid, day_text = found, fields[0], fields[1]
    if len(fields) == 3:
        new_day = _day(fields[2])
        moved = reminders.move_occurrence(core.db, req.chat_id, sched.kind, day, new_day, now=req.now)
        if moved is None:
            return [Reply(toast="这个日程已不存在。")]
        text = f"已把{fmt_date(day)}的{sched.kind}改到{fmt_date(new_day)}，规则不变，按新日期提醒。"
        return [Reply(text, toast="已改期")]
    choices = [d for d in (day + timedelta(days=1), day + timedelta(days=2), day + timedelta(days=7)) if d >= req.today]
    rows = [[Button(f"改到 {fmt_date(d)}", data=buttons.RESCHEDULE_TO.encode(sid, day_text, d.strftime("%Y%m%d")))] for d in choices]
    hint = f"其他日期请发送：/gaiqi {sched.kind} {day.month}月{day.day}日那次改到X月X日"
    return [Reply(f"{fmt_date(day)}的{sched.kind}改到哪天？只改这一次，规则不变。\n{hint}", buttons=rows)]


def cancel_button(core: Core, req: Request, fields: tuple[Any, ...]) -> list[Reply]:
    """❌ 本次取消: ask the reason, then skip this meeting's reminders (the rule stays)."""
    found = _meeting(core, req, fields)
    if isinstance(found, Reply):
        return [found]
    (sched, day), sid, day_text = found, fields[0], fields[1]
    if len(fields) == 2:
        rows = [[Button(r, data=buttons.CANCEL_REASON.encode(sid, day_text, i))] for i, r in enumerate(CANCEL_REASONS)]
        return [Reply(f"取消{fmt_date(day)}的{sched.kind}，原因是？", buttons=rows)]
    reason = CANCEL_REASONS[fields[2]]
    reminders.cancel_occurrence(core.db, req.chat_id, sched.kind, day, reason, now=req.now)
    text = f"已取消{fmt_date(day)}的{sched.kind}（{reason}），规则不变，下次照常提醒。"
    return [Reply(text, toast="已取消本次")]


def gaiqi(core: Core, req: Request) -> list[Reply]:
    """/gaiqi 主题党日 本月改到15号 — move one meeting (the rule stays)."""
    usage = "用法：/gaiqi 会议 改到日期，例如：/gaiqi 主题党日 本月改到15号、/gaiqi 支委会 这次改到12月18日"
    text = req.text.strip()
    if not text:
        return [Reply(usage)]
    if not req.can_manage:
        return [Reply(ADMIN_ONLY)]
    kind, _, rest = text.partition(" ")
    sched = reminders.get_schedule(core.db, req.chat_id, kind) if rest else None
    try:
        move = parse_move(rest if sched else text, req.today)
    except RuleError as exc:
        return [Reply(str(exc))]
    if sched is None:
        sched = reminders.get_schedule(core.db, req.chat_id, move.kind or "主题党日")
    if sched is None:
        return [Reply("没有找到这个会议的日程。先用 /schedules 查看，或写明会议名称。\n" + usage)]
    occ = move.target(sched.rule, req.today)
    if occ is None:
        return [Reply(f"{sched.kind}在{move.which}没有会议，无法改期。")]
    reminders.move_occurrence(core.db, req.chat_id, sched.kind, occ.date, move.new_date, now=req.now)
    return [Reply(f"已把{fmt_date(occ.date)}的{sched.kind}改到{fmt_date(move.new_date)}，规则不变，按新日期提醒。")]
