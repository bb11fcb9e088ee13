"""`dangwu run`: no token → console chat; a malformed token → one clear line, no traceback."""

from __future__ import annotations

import io

import pytest

from bot.cli import main


def test_run_without_token_falls_back_to_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("支委会多久开一次\n"))
    assert main(["run"]) == 0
    out = capsys.readouterr()
    assert "TELEGRAM_BOT_TOKEN" in out.err
    assert "依据：《" in out.out


def test_run_with_malformed_token_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in err


def test_bad_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADMIN_USER_IDS", "12,abc")
    assert main(["ask", "党费"]) == 2
    assert "ADMIN_USER_IDS" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("run", "chat", "ask", "search", "ingest", "schedule", "remind", "rules"):
        assert cmd in out
