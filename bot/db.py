"""The one SQLite file (sqlite-utils), its schema and migrations.

Every table is created by a named migration so an old database file is upgraded in place on
start-up; migrations are append-only (never edit one that has shipped, add a new one).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("dangwu")


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating folders and file if needed) and upgrade the database.

    ``":memory:"`` gives a private in-memory database, handy for tests. The connection may be
    used from worker threads (the Telegram front end runs core calls in a thread pool), so
    ``check_same_thread`` is off; callers serialise writes with transactions.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = Database(conn)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    if migrate:
        MIGRATIONS.apply(db)
    return db


@MIGRATIONS(name="0001_chats")
def _chats(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE chats (
            chat_id     INTEGER PRIMARY KEY,
            type        TEXT NOT NULL DEFAULT 'private',   -- private / group / supergroup / channel
            title       TEXT,
            tz          TEXT,                               -- NULL: the default time zone
            org_name    TEXT,                               -- e.g. 红星村党支部, fills XX党支部
            active      INTEGER NOT NULL DEFAULT 1,         -- 0 after "bot was blocked" etc.
            inactive_reason TEXT,
            created_at  TEXT NOT NULL DEFAULT (datetime('now')),
            updated_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


@MIGRATIONS(name="0002_rules_feedback")
def _rules_feedback(db: Database) -> None:
    db.executescript(
        """
        -- question variants taught by admins; the matcher reads them without a restart
        CREATE TABLE rule_overrides (
            id          INTEGER PRIMARY KEY,
            rule_id     TEXT NOT NULL,
            question    TEXT NOT NULL,
            added_by    INTEGER,
            created_at  TEXT NOT NULL DEFAULT (datetime('now')),
            UNIQUE (rule_id, question)
        );
        -- every question asked (answered or not), for /stats and /unanswered
        CREATE TABLE questions_log (
            id          INTEGER PRIMARY KEY,
            normalized  TEXT NOT NULL UNIQUE,
            example     TEXT NOT NULL,
            count       INTEGER NOT NULL DEFAULT 1,
            answered    INTEGER NOT NULL,
            rule_id     TEXT,
            confidence  REAL NOT NULL,
            last_asked  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE feedback (
            id          INTEGER PRIMARY KEY,
            user_id     INTEGER,
            target_type TEXT NOT NULL,        -- rule / paragraph
            target_id   TEXT NOT NULL,
            question    TEXT,
            vote        INTEGER NOT NULL,     -- +1 / -1
            created_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


# Feature modules add their tables below as further named migrations, in order.


@MIGRATIONS(name="0003_corpus")
def _corpus(db: Database) -> None:
    db.executescript(
        """
        -- one row per imported file (or bundled template file)
        CREATE TABLE sources (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL,             -- shown to users: the file name
            path         TEXT NOT NULL,
            sha256       TEXT NOT NULL UNIQUE,      -- same bytes again → idempotent re-import
            origin       TEXT NOT NULL DEFAULT 'import',   -- import / bundled / upload
            paragraphs   INTEGER NOT NULL DEFAULT 0,
            spam_dropped INTEGER NOT NULL DEFAULT 0,
            duplicates   INTEGER NOT NULL DEFAULT 0,
            imported_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE paragraphs (
            id           INTEGER PRIMARY KEY,
            source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            position     INTEGER NOT NULL,          -- order within the source
            heading      TEXT NOT NULL DEFAULT '',  -- heading path, joined with ' › '
            kind         TEXT NOT NULL,             -- 开头 主要做法 存在问题 原因分析 整改措施 下一步打算 结尾 其他
            theme        TEXT NOT NULL DEFAULT '',
            text         TEXT NOT NULL,
            placeholders TEXT NOT NULL DEFAULT '[]', -- JSON [[start, end, text], ...]
            hash         TEXT NOT NULL UNIQUE       -- of the normalised text: exact duplicates
        );
        CREATE INDEX paragraphs_source ON paragraphs(source_id);
        CREATE INDEX paragraphs_kind ON paragraphs(kind);
        """
    )
