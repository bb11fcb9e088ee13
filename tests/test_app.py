"""The command layer: one table behind the help, the menus, the README and every front end."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import buttons
from bot.app.codec import registered
from bot.app.commands import BUTTONS, COMMANDS, markdown_table
from bot.app.console import Console
from bot.app.core import Command, Core, Request
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Console:
    tmp = tmp_path_factory.mktemp("console")
    return Console(Settings(db_path=tmp / "c.db"), export_dir=tmp / "exports")


def _say(console: Console, line: str) -> str:
    return console.render(console.handle(line))


def _press(console: Console, label: str) -> str:
    """Press the numbered button whose text contains ``label``."""
    for n, (_, b) in enumerate(console.buttons, 1):
        if label in b.text:
            return _say(console, str(n))
    raise AssertionError(f"no button {label!r} in {[b.text for _, b in console.buttons]}")


def test_readme_lists_every_command_as_generated_from_the_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("<!-- commands:start -->\n", 1)[1].split("\n<!-- commands:end -->", 1)[0]
    assert block == markdown_table()
    for c in COMMANDS:
        assert f"/{c.name}" in block


def test_every_button_kind_has_one_route_and_prefixes_do_not_shadow() -> None:
    routed = {id(r.codec) for r in BUTTONS}
    assert {id(c) for c in registered()} <= routed
    samples = {"r": "r:zzsh.a", "fb": "fb:+:zzsh.a", "sc": "sc:a:1", "fw": "fw:p:1", "d": "d:a:5"}
    for data in samples.values():
        assert sum(r.codec.decode(data) is not None for r in BUTTONS) == 1


@pytest.mark.parametrize("command", [c for c in COMMANDS if not c.admin], ids=lambda c: c.name)
def test_every_command_works_in_the_console_as_typed_in_telegram(console: Console, command: Command) -> None:
    usage = command.usage or "/" + command.name
    first = usage.split("，")[0]
    out = _say(console, first)
    assert out.strip()
    assert "未知命令" not in out and "出错" not in out


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.admin], ids=lambda c: c.name)
def test_admin_commands_answer_the_console_operator_and_refuse_others(console: Console, command: Command) -> None:
    name = command.name
    assert "只有管理员" not in _say(console, f"/{name}")
    req = Request(chat_id=5, user_id=5, now=NOW, command=name)
    assert "只有管理员" in console.core.handle(req)[0].body


def test_help_lists_admin_commands_only_to_admins(console: Console) -> None:
    core: Core = console.core
    member = core.handle(Request(chat_id=5, user_id=5, now=NOW, command="help"))[0].body
    admin = core.handle(Request(chat_id=5, user_id=5, now=NOW, command="help", is_admin=True))[0].body
    assert "/fanwen" in member and "/unanswered" not in member
    assert "/unanswered" in admin


def test_console_pages_adds_to_the_basket_and_exports_word(console: Console) -> None:
    out = _say(console, "/fanwen 三会一课 存在问题")
    assert "范文 1/" in out
    out = _press(console, "下一条")
    assert "范文 2/" in out
    assert "已加入" in _press(console, "➕") or "草稿" in out
    out = _say(console, "/draft word")
    path = re.search(r"已保存到 (\S+\.docx)", out)
    assert path is not None and Path(path.group(1)).stat().st_size > 0


def test_console_dues_asks_for_the_missing_status_with_buttons(console: Console) -> None:
    out = _say(console, "/dangfei 4800")
    assert "在职" in out and "退休" in out
    out = _press(console, "退休")
    assert "24.00" in out and "依据" in out


def test_console_schedule_that_leaves_the_day_open_asks_back(console: Console) -> None:
    out = _say(console, "/schedule 党员大会 每季度一次")
    assert "哪" in out
    out = _press(console, "末月15日")
    assert "已设置" in out and "党员大会" in out


def test_forged_button_gets_the_stale_answer(console: Console) -> None:
    replies = console.core.handle(Request(chat_id=0, user_id=0, now=NOW, data="sc:a:99"))
    assert [r.toast for r in replies] == ["这个按钮已失效，请重新发送命令。"]
    assert buttons.SCHED_ADD.decode("sc:a:99") is None


def test_console_lead_times_per_meeting_kind(console: Console) -> None:
    _say(console, "/schedule 支委会 每月10日")
    _say(console, "/schedules")
    assert "已经设置为" in _press(console, "✏️ 支委会")
    assert "选择支委会的提醒时间" in _press(console, "⏰ 支委会提醒时间")
    assert "已改为：提前7天" in _press(console, "提前7天")
    sched = console.core.db.execute(
        "SELECT leads FROM schedules WHERE chat_id = 0 AND kind = '支委会'"
    ).fetchone()[0]
    other = console.core.db.execute(
        "SELECT leads FROM schedules WHERE chat_id = 0 AND kind != '支委会'"
    ).fetchall()
    assert sched.startswith("7d") and all(not row[0].startswith("7d") for row in other)


def test_console_partyday_moves_one_meeting_in_words(console: Console) -> None:
    _say(console, "/partyday 每月第一个周五")
    out = _say(console, "/partyday 下个月改到15号")
    assert "改到" in out and "规则不变" in out
    assert "每月第一个周五" in _say(console, "/partyday")
