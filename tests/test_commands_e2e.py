"""New commands through the real Application and the local fake Bot API."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from tests.test_bot_e2e import Harness, _say, _user, bot  # noqa: F401 — the fixture


async def _press(h: Harness, chat_id: int, label: str, user: object) -> str:
    msg = h.fake.messages(chat_id)[-1]
    data = next(b["callback_data"] for b in msg.buttons if label in b["text"])
    before = len(h.fake.messages(chat_id))
    h.fake.press_button(chat_id, msg.message_id, data, user=user)  # type: ignore[arg-type]
    msgs = await h.fake.wait_for_messages(chat_id, before + 1)
    return msgs[-1].text or ""


async def test_dues_asks_for_status_with_buttons_then_gives_the_figure(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    assert "108.00" in await _say(bot.fake, u.id, "/dangfei 7200 在职", u)
    assert "退休" in await _say(bot.fake, u.id, "/dangfei 4800", u)
    text = await _press(bot, u.id, "退休", u)
    assert "24.00" in text and "依据" in text


async def test_ledger_record_show_and_export(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    text = await _say(bot.fake, u.id, "/jilu 支委会 2026-11-20 研究发展对象 应到7 实到6 主持人李明", u)
    assert "已记入台账" in text and "7/6" in text
    text = await _say(bot.fake, u.id, "/taizhang", u)
    assert "支委会" in text and "研究发展对象" in text
    before = len(bot.fake.documents(u.id))
    bot.fake.send_text(u.id, "/taizhang 2026 导出", user=u)
    await bot.fake.wait_for(lambda: len(bot.fake.documents(u.id)) >= before + 2 or None)
    docx_file, xlsx_file = (m.document for m in bot.fake.documents(u.id)[-2:])
    assert docx_file is not None and xlsx_file is not None
    doc = Document(io.BytesIO(docx_file.data))
    assert any("研究发展对象" in c.text for t in doc.tables for row in t.rows for c in row.cells)
    sheet = load_workbook(io.BytesIO(xlsx_file.data)).active
    assert sheet is not None
    assert any("研究发展对象" in str(c.value) for row in sheet.iter_rows() for c in row)


async def test_timeline_tracks_a_person_and_removes_on_confirmation(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    text = await _say(bot.fake, u.id, "/fazhan 小王 积极分子 2026-05-01", u)
    assert "列为发展对象" in text and "2027-05-01" in text  # no earlier than a full year
    text = await _say(bot.fake, u.id, "/fazhan 小王 发展对象 2027-05-08", u)
    assert "已办 2027-05-08" in text
    assert "小王" in await _say(bot.fake, u.id, "/fazhan", u)
    assert "确定不再跟踪" in await _press(bot, u.id, "🗑", u)
    assert "已删除" in await _press(bot, u.id, "确认删除", u)
    assert "还没有跟踪的人" in await _say(bot.fake, u.id, "/fazhan", u)


async def test_huanjie_renshu_title_and_template_votes(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    assert "2026年3月" in await _say(bot.fake, u.id, "/huanjie 2023-03 支部", u)
    assert "当选" in await _say(bot.fake, u.id, "/renshu 应到40 实到33 得票17", u)
    assert "导出标题：2026年度述职报告" in await _say(bot.fake, u.id, "/title 2026年度述职报告", u)
    await _say(bot.fake, u.id, "/fanwen 三会一课 存在问题", u)
    msg = bot.fake.messages(u.id)[-1]
    up = next(d for d in msg.callback_data if d.startswith("ft:+:"))
    bot.fake.press_button(u.id, msg.message_id, up, user=u)
    await bot.fake.wait_for(lambda: any(a.data == up for a in bot.fake.callback_answers) or None)
    assert bot.app is not None
    votes = list(bot.app.bot_data.db["feedback"].rows_where("target_type = 'paragraph'"))
    assert len(votes) == 1 and votes[0]["vote"] == 1


async def test_reminder_held_button_records_the_meeting_in_the_ledger(bot: Harness) -> None:  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.tick import run_tick

    tz = ZoneInfo("Asia/Shanghai")
    u = _user(bot.fake)
    assert "已设置" in await _say(bot.fake, u.id, "/partyday 每月4日", u)
    bot.clock.now = datetime(2026, 12, 1, 9, 0, 30, tzinfo=tz)
    assert bot.app is not None
    assert len((await run_tick(bot.app)).sent) == 1
    reminder = bot.fake.messages(u.id)[-1]
    held = next(d for d in reminder.callback_data if d.startswith("rh:"))
    bot.fake.press_button(u.id, reminder.message_id, held, user=u)  # before the meeting
    await bot.fake.wait_for(lambda: any(a.data == held for a in bot.fake.callback_answers) or None)
    assert "开完后再点" in (bot.fake.callback_answers[-1].text or "")
    bot.clock.now = datetime(2026, 12, 4, 20, 0, tzinfo=tz)
    before = len(bot.fake.messages(u.id))
    bot.fake.press_button(u.id, reminder.message_id, held, user=u)
    msgs = await bot.fake.wait_for_messages(u.id, before + 1)
    assert "已记入台账：主题党日 2026-12-04" in (msgs[-1].text or "")
    assert "12-04" in await _say(bot.fake, u.id, "/taizhang", u)


async def test_ledger_gap_and_timeline_deadline_notices_are_sent_once_across_a_restart(
    bot: Harness,  # noqa: F811
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.tick import run_tick

    tz = ZoneInfo("Asia/Shanghai")
    u = _user(bot.fake)
    await _say(bot.fake, u.id, "/jilu 支委会 2026-11-20 研究发展对象", u)
    await _say(bot.fake, u.id, "/fazhan 小王 申请 2026-11-25", u)
    bot.clock.now = datetime(2026, 12, 22, 8, 0, tzinfo=tz)
    assert bot.app is not None
    assert (await run_tick(bot.app)).notices == 0  # not before 09:00 local time
    bot.clock.now = datetime(2026, 12, 22, 9, 30, tzinfo=tz)
    report = await run_tick(bot.app)
    texts = [m.text or "" for m in bot.fake.messages(u.id)]
    gaps = [t for t in texts if t.startswith("台账提醒") and "党员大会" in t]
    limits = [t for t in texts if t.startswith("发展党员提醒") and "小王" in t and "谈话" in t]
    assert len(gaps) == 1 and "四季度" in gaps[0]
    assert len(limits) == 1 and "2026-12-25" in limits[0]
    assert report.notices >= 2
    await bot.stop()
    await bot.start()
    assert bot.app is not None
    assert (await run_tick(bot.app)).notices == 0
    texts = [m.text or "" for m in bot.fake.messages(u.id)]
    assert sum(t.startswith("台账提醒") and "党员大会" in t for t in texts) == 1


async def test_huanjie_is_kept_and_reminded_and_timeline_limits_export_as_ics(bot: Harness) -> None:  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    from handlers.tick import run_tick

    tz = ZoneInfo("Asia/Shanghai")
    u = _user(bot.fake)
    text = await _say(bot.fake, u.id, "/huanjie 2024-03 支部", u)
    assert "2027年3月" in text and "已记下" in text
    assert "2027年3月" in await _say(bot.fake, u.id, "/huanjie", u)
    bot.clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=tz)  # 3 months before 2027-03
    assert bot.app is not None
    await run_tick(bot.app)
    await run_tick(bot.app)
    reminders = [m.text or "" for m in bot.fake.messages(u.id) if (m.text or "").startswith("换届提醒")]
    assert len(reminders) == 1 and "选举方案" in reminders[0]
    await _say(bot.fake, u.id, "/fazhan 小李 积极分子 2026-05-01", u)
    before = len(bot.fake.documents(u.id))
    bot.fake.send_text(u.id, "/fazhan ics", user=u)
    await bot.fake.wait_for(lambda: len(bot.fake.documents(u.id)) > before or None)
    doc = bot.fake.documents(u.id)[-1].document
    assert doc is not None
    events = Calendar.from_ical(doc.data).walk("VEVENT")
    assert any("小李：列为发展对象（最早）" in str(e["summary"]) and e.decoded("dtstart").isoformat() == "2027-05-01"
               for e in events)


async def test_reminder_reschedule_and_cancel_move_one_meeting_only(bot: Harness) -> None:  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.tick import run_tick

    tz = ZoneInfo("Asia/Shanghai")
    u = _user(bot.fake)
    await _say(bot.fake, u.id, "/partyday 每月4日", u)
    bot.clock.now = datetime(2026, 12, 1, 9, 0, 30, tzinfo=tz)
    assert bot.app is not None
    assert len((await run_tick(bot.app)).sent) == 1
    text = await _press(bot, u.id, "⏰ 改期", u)
    assert "改到哪天" in text
    text = await _press(bot, u.id, "12月11日", u)  # a week later
    assert "改到2026年12月11日" in text
    bot.clock.now = datetime(2026, 12, 4, 8, 0, 30, tzinfo=tz)  # the old day's 08:00 reminder
    assert (await run_tick(bot.app)).sent == []
    bot.clock.now = datetime(2026, 12, 8, 9, 0, 30, tzinfo=tz)  # 3 days before the new day
    sent = (await run_tick(bot.app)).sent
    assert [(r.kind, r.occurrence.isoformat()) for r in sent] == [("主题党日（改期）", "2026-12-11")]
    # next month: cancelled with a reason from the reminder's ❌
    bot.clock.now = datetime(2027, 1, 1, 9, 0, 30, tzinfo=tz)
    assert [r.occurrence.isoformat() for r in (await run_tick(bot.app)).sent] == ["2027-01-04"]
    assert "原因" in await _press(bot, u.id, "❌ 本次取消", u)
    assert "已取消" in await _press(bot, u.id, "人员不齐", u)
    bot.clock.now = datetime(2027, 1, 4, 8, 0, 30, tzinfo=tz)
    assert (await run_tick(bot.app)).sent == []
    bot.clock.now = datetime(2027, 2, 1, 9, 0, 30, tzinfo=tz)
    assert [r.occurrence.isoformat() for r in (await run_tick(bot.app)).sent] == ["2027-02-04"]


async def test_group_reminder_attendance_held_details_and_kind_settings(bot: Harness) -> None:  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.tick import run_tick
    from tests.test_bot_e2e import ADMIN

    tz = ZoneInfo("Asia/Shanghai")
    admin = _user(bot.fake, ADMIN, "李书记")
    zhang, wang = _user(bot.fake, 2001, "张三"), _user(bot.fake, 2002, "王五")
    group = bot.fake.make_chat("group")
    bot.fake.set_chat_admins(group.id, [ADMIN])
    assert "已设置，到期前会提醒本群" in await _say(bot.fake, group.id, "/schedule 支委会 每月4日", admin)
    bot.clock.now = datetime(2026, 12, 1, 9, 0, 30, tzinfo=tz)
    assert bot.app is not None
    assert len((await run_tick(bot.app)).sent) == 1
    reminder = bot.fake.messages(group.id)[-1]
    for member, label in ((zhang, "参加"), (wang, "请假")):
        data = next(b["callback_data"] for b in reminder.buttons if label in b["text"])
        bot.fake.press_button(group.id, reminder.message_id, data, user=member)
    await bot.fake.wait_for(lambda: sum("已登记" in (a.text or "") for a in bot.fake.callback_answers) >= 2 or None)
    bot.clock.now = datetime(2026, 12, 4, 20, 0, tzinfo=tz)
    held = next(b["callback_data"] for b in reminder.buttons if "已召开" in b["text"])
    before = len(bot.fake.messages(group.id))
    bot.fake.press_button(group.id, reminder.message_id, held, user=admin)
    msgs = await bot.fake.wait_for_messages(group.id, before + 1)
    recorded = msgs[-1]
    assert "参加 1人（张三）" in (recorded.text or "") and "请假 1人（王五）" in (recorded.text or "")
    before = len(bot.fake.messages(group.id))
    bot.fake.send_text(group.id, "研究发展对象 应到7 实到6 主持人李明", user=admin, reply_to=recorded.message_id)
    msgs = await bot.fake.wait_for_messages(group.id, before + 1)
    assert "已更新台账" in (msgs[-1].text or "") and "6/7" not in (msgs[-1].text or "")
    assert "7/6" in (msgs[-1].text or "") and "李明" in (msgs[-1].text or "")
    text = await _say(bot.fake, group.id, "/taizhang", admin)
    assert "研究发展对象" in text and "参加 1人（张三）" in text
    assert "不再检查支委会" in await _say(bot.fake, group.id, "/taizhang 没有支委会", admin)
    assert "支委会：" not in await _say(bot.fake, group.id, "/taizhang", admin)
