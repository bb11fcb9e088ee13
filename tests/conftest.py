"""Shared fixtures: real SQLite files in tmp_path, the real knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.db import open_db
from bot.rules import RuleBook, load_rulebook

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rulebook()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "dangwu.db")
    yield database
    database.conn.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's .env or token; every test gets its own database path."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DANGWU_DB", str(tmp_path / "env.db"))
    monkeypatch.chdir(tmp_path)
