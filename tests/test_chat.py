"""The console chat: same core, plain text, piped input works."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app.console import run_console
from bot.config import Settings


def _run(text: str, settings: Settings) -> str:
    out = io.StringIO()
    assert run_console(settings, stdin=io.StringIO(text), stdout=out) == 0
    return out.getvalue()


def test_piped_questions_get_one_reply_each(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.db")
    out = _run("支委会多久开一次\n今天天气怎么样\n/nosuch\n\n", settings)
    blocks = out.split("---\n")
    assert len([b for b in blocks if b.strip()]) == 4
    assert "依据：《" in blocks[0]
    assert "没有可靠的答案" in blocks[1] or "不在" in blocks[1]
    assert "未知命令" in blocks[2]
    assert "请输入" in blocks[3]


def test_number_presses_a_button_of_the_last_reply(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.db")
    out = _run("党费\n1\n", settings)
    first, second = out.split("---\n")[:2]
    assert "[1]" in first
    assert second.strip()


def test_console_searches_templates_and_sets_partyday(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.db")
    out = _run("/fanwen 党费 存在问题\n/partyday 每月第一个周五\n/partyday\n/partyday 每月第八个周五\n", settings)
    blocks = out.split("---\n")
    assert "范文 1/" in blocks[0] and "存在问题" in blocks[0]
    assert "已设置" in blocks[1] and "主题党日" in blocks[1]
    assert "每月第一个周五" in blocks[2]
    assert "最多有 5 个" in blocks[3]
