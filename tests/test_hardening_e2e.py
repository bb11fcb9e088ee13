"""Issue: strangers stop at the gate, tokens stay out of logs, forged buttons and odd
arguments get a clear answer; all through the real Application and the local fake Bot API."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fakebotapi import FakeTelegram
from tests.test_bot_e2e import ADMIN, Harness, _say, _user, bot  # noqa: F401 — the fixture

STRANGER = 777


async def _settle(fake: FakeTelegram, update: dict[str, object]) -> None:
    """Wait until the bot fetched the update, then give its handlers time to run."""
    await fake.wait_delivered(update)
    await asyncio.sleep(0.5)


async def _restart_allowlisted(bot: Harness) -> None:  # noqa: F811
    await bot.stop()
    await bot.start(allowed_user_ids=frozenset({ADMIN}))


@pytest.mark.parametrize(
    ("code", "description"),
    [(429, "Too Many Requests: retry after 1"), (403, "Forbidden: bot was blocked by the user")],
)
async def test_stranger_stops_at_the_gate_when_the_refusal_fails(
    bot: Harness, code: int, description: str  # noqa: F811
) -> None:
    await _restart_allowlisted(bot)
    stranger = _user(bot.fake, STRANGER, "陌生人")
    params = {"retry_after": 1} if code == 429 else None
    bot.fake.fail_next("sendMessage", code, description, times=5, parameters=params)
    update = bot.fake.send_text(stranger.id, "支委会多久开一次？", user=stranger)
    await _settle(bot.fake, update)
    assert bot.fake.messages(stranger.id) == []  # neither refusal (it failed) nor the answer
    assert bot.app is not None
    db = bot.app.bot_data.db
    assert db.execute("SELECT count(*) FROM questions_log").fetchone()[0] == 0


async def test_admin_in_a_group_that_is_not_allowed_saves_nothing(bot: Harness) -> None:  # noqa: F811
    await bot.stop()
    await bot.start(allowed_chat_ids=frozenset({-1}))
    admin = _user(bot.fake, ADMIN, "管理员")
    group = bot.fake.make_chat("group")
    bot.fake.set_chat_admins(group.id, [ADMIN])
    bot.fake.fail_next("sendMessage", 403, "Forbidden: bot is not a member of the group chat", times=5)
    update = bot.fake.send_text(group.id, "/partyday 每月15日", user=admin)
    await _settle(bot.fake, update)
    assert bot.app is not None
    assert bot.app.bot_data.db.execute("SELECT count(*) FROM schedules").fetchone()[0] == 0


async def test_a_stranger_is_refused_once_also_across_a_restart(bot: Harness) -> None:  # noqa: F811
    await _restart_allowlisted(bot)
    stranger = _user(bot.fake, STRANGER, "陌生人")
    assert "仅限指定人员" in await _say(bot.fake, stranger.id, "你好", stranger)
    await _restart_allowlisted(bot)
    update = bot.fake.send_text(stranger.id, "党费怎么交", user=stranger)
    await _settle(bot.fake, update)
    assert len(bot.fake.messages(stranger.id)) == 1


async def test_no_log_line_contains_the_token_at_debug(
    bot: Harness, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    await _restart_allowlisted(bot)
    stranger = _user(bot.fake, STRANGER, "陌生人")
    u = _user(bot.fake, ADMIN, "管理员")
    bot.fake.rate_limit("sendMessage", times=5)
    update = bot.fake.send_text(stranger.id, "你好", user=stranger)
    await _settle(bot.fake, update)
    bot.fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    update = bot.fake.send_text(u.id, "支委会多久开一次", user=u)
    await _settle(bot.fake, update)
    bot.expect_errors = True  # the 403 on the answer reaches the error handler, as it should
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert bot.fake.token not in text
    assert "<TOKEN>" in text  # the URLs were logged, redacted
    assert any(r.levelno == logging.DEBUG for r in caplog.records)


FORGED = ["sc:l:x", "sc:l:7", "sc:a:99", "sc:e:-1", "fw:k:99", "fw:p:abc", "d:a:x", "d:u:",
          "r:not-a-rule", "fb:*:zzsh.x", "ua:1:", "src:z:1", "ex:zzz", "zz:1", "sc:l:0:0",
          "fw:p:999999999999999999999999"]


async def test_forged_or_old_buttons_are_answered_exactly_once(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    await _say(bot.fake, u.id, "/schedules", u)
    msg = bot.fake.messages(u.id)[-1]
    for data in FORGED:
        bot.fake.press_button(u.id, msg.message_id, data, user=u, check=False)
    await bot.fake.wait_for(lambda: len(bot.fake.callback_answers) >= len(FORGED) or None)
    await asyncio.sleep(0.3)
    answers = [a for a in bot.fake.callback_answers if a.data in FORGED]
    assert sorted(a.data or "" for a in answers) == sorted(FORGED)
    assert all("失效" in (a.text or "") for a in answers)
    # the fixture also asserts: no handler exception, no second answer Telegram would reject


async def test_fanwen_filters_work_on_a_reply_without_hits(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    text = await _say(bot.fake, u.id, "/fanwen 量子纠缠计算机 结尾", u)
    assert "（结尾）" in text
    msg = bot.fake.messages(u.id)[-1]
    same = next(d for d in msg.callback_data if d == "fw:k:6" or d.startswith("fw:k:"))
    for data in (same, same):  # pressing a filter that changes nothing sends no edit
        bot.fake.press_button(u.id, msg.message_id, data, user=u)
    await bot.fake.wait_for(lambda: len(bot.fake.callback_answers) >= 2 or None)
    assert all("过期" not in (a.text or "") for a in bot.fake.callback_answers)


@pytest.mark.parametrize("arg", ["Europe", "America", "x" * 300, "../etc/passwd", "Asia/"])
async def test_tz_rejects_folders_and_junk_clearly(bot: Harness, arg: str) -> None:  # noqa: F811
    u = _user(bot.fake)
    assert "时区无效" in await _say(bot.fake, u.id, f"/tz {arg}", u)


async def test_tz_accepts_chinese_city_names(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    assert "Asia/Urumqi" in await _say(bot.fake, u.id, "/tz 乌鲁木齐", u)
    assert "Asia/Urumqi" in await _say(bot.fake, u.id, "/tz", u)


async def test_stale_add_button_never_replaces_a_custom_schedule(bot: Harness) -> None:  # noqa: F811
    u = _user(bot.fake)
    await _say(bot.fake, u.id, "/schedules", u)
    old = bot.fake.messages(u.id)[-1]
    add = next(d for d in old.callback_data if d.startswith("sc:a:1"))  # ➕ 支委会
    await _say(bot.fake, u.id, "/schedule 支委会 每月10日", u)
    bot.fake.press_button(u.id, old.message_id, add, user=u)
    msgs = await bot.fake.wait_for_messages(u.id, len(bot.fake.messages(u.id)) + 1)
    assert "已经设置为：每月10日" in (msgs[-1].text or "")
    assert bot.app is not None
    rule = bot.app.bot_data.db.execute(
        "SELECT rule_text FROM schedules WHERE chat_id = ? AND kind = '支委会'", [u.id]
    ).fetchone()[0]
    assert rule == "每月10日"
    await _say(bot.fake, u.id, "/schedules", u)
    fresh = bot.fake.messages(u.id)[-1]
    assert "sc:e:1" in fresh.callback_data and "sc:s:1" in fresh.callback_data
    assert "sc:a:1" not in fresh.callback_data and "sc:a:2" in fresh.callback_data


def _my_chat_member(fake: FakeTelegram, chat_id: int, status: str) -> dict[str, object]:
    chat = fake.chat(chat_id).to_dict()
    bot_user = fake.bot_user.to_dict()
    return fake.push_update(
        {
            "my_chat_member": {
                "chat": chat,
                "from": fake.default_user.to_dict(),
                "date": 1_790_000_000,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {"status": status, "user": bot_user, "until_date": 0},
            }
        }
    )


async def test_removed_from_a_group_deactivates_it_and_readding_resumes(bot: Harness) -> None:  # noqa: F811
    admin = _user(bot.fake, ADMIN, "管理员")
    group = bot.fake.make_chat("group")
    await _say(bot.fake, group.id, "/partyday 每月15日", admin)
    assert bot.app is not None
    db = bot.app.bot_data.db
    await _settle(bot.fake, _my_chat_member(bot.fake, group.id, "left"))
    assert db.execute("SELECT active FROM chats WHERE chat_id = ?", [group.id]).fetchone()[0] == 0
    await _settle(bot.fake, _my_chat_member(bot.fake, group.id, "member"))
    assert db.execute("SELECT active FROM chats WHERE chat_id = ?", [group.id]).fetchone()[0] == 1


async def test_supergroup_migration_moves_schedules_before_any_send_fails(bot: Harness) -> None:  # noqa: F811
    admin = _user(bot.fake, ADMIN, "管理员")
    group = bot.fake.make_chat("group")
    await _say(bot.fake, group.id, "/partyday 每月15日", admin)
    new_id = bot.fake.migrate_chat(group.id, notify=True)
    assert bot.app is not None
    db = bot.app.bot_data.db
    await bot.fake.wait_for(
        lambda: db.execute("SELECT count(*) FROM schedules WHERE chat_id = ?", [new_id]).fetchone()[0]
        or None
    )
    assert db.execute("SELECT count(*) FROM schedules WHERE chat_id = ?", [group.id]).fetchone()[0] == 0
