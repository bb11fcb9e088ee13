"""Shared fixtures: real SQLite files in tmp_path, the real knowledge base."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.db import open_db
from bot.fanwen.corpus import ensure_bundled
from bot.rules.engine import RuleBook, load_rulebook

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def _book_pickle() -> bytes:
    """The bundled RuleBook, loaded once per run and kept pickled: the pristine copy every
    ``book`` and ``fresh_book`` is unpickled from (a tenth of a second, against seconds for a
    build; ``copy.deepcopy`` takes several times as long)."""
    return pickle.dumps(load_rulebook(), protocol=pickle.HIGHEST_PROTOCOL)


@pytest.fixture(scope="session")
def book(_book_pickle: bytes) -> Iterator[RuleBook]:
    """The bundled knowledge base, shared by every test of the run: read it, never teach it
    (use ``fresh_book``). A test that taught it anyway fails the run at the end."""
    shared: RuleBook = pickle.loads(_book_pickle)
    variants = len(shared._variants)
    yield shared
    assert len(shared._variants) == variants, "a test taught the shared `book`: use `fresh_book`"


@pytest.fixture
def fresh_book(_book_pickle: bytes) -> RuleBook:
    """A private copy of the bundled knowledge base, for tests that teach it."""
    clone: RuleBook = pickle.loads(_book_pickle)
    return clone


@pytest.fixture(scope="session")
def _seeded_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as the bot's first start leaves it (schema migrated, bundled templates
    imported), built once per run; see ``seeded_db_path``."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    database = open_db(path)
    ensure_bundled(database)
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.conn.close()
    return path


@pytest.fixture
def seeded_db_path(_seeded_db_file: Path, tmp_path: Path) -> Path:
    """A private copy of the first-start database (importing the bundled templates costs a
    third of a second per fresh database, the copy milliseconds)."""
    path = tmp_path / "seeded.db"
    shutil.copyfile(_seeded_db_file, path)
    return path


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
