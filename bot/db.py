"""The one SQLite file (sqlite-utils), its schema and migrations.

Every table is created by a named migration so an old database file is upgraded in place on
start-up; migrations are append-only (never edit one that has shipped, add a new one).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("dangwu")

#: Serialises every write of this process. SQLite has one writer per file anyway; the lock
#: keeps two threads sharing one connection from interleaving inside a transaction.
_WRITE_LOCK = threading.RLock()
_SAVEPOINTS = itertools.count()


@contextmanager
def write(db: Database) -> Iterator[None]:
    """The one way to write: ``with write(db): ...`` is all-or-nothing.

    The outermost use takes the write lock up front (``BEGIN IMMEDIATE``), so a read-then-write
    step is never interleaved with another connection's write; a nested use becomes a
    savepoint, so an inner failure rolls back only its own part when the caller catches it.
    Use raw SQL inside (sqlite-utils' table helpers commit on their own).
    """
    conn = db.conn
    with _WRITE_LOCK:
        if conn.in_transaction:
            name = f"sp{next(_SAVEPOINTS)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


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


# >>> 0004_schedules (bot/schedule.py, bot/reminders.py) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
@MIGRATIONS(name="0004_schedules")
def _schedules(db: Database) -> None:
    db.executescript(
        """
        -- one row per (chat, kind); the next unrecorded reminder is denormalised onto the row so
        -- the periodic tick is one indexed range scan (see bot/reminders.py)
        CREATE TABLE schedules (
            id                INTEGER PRIMARY KEY,
            chat_id           INTEGER NOT NULL
                              REFERENCES chats(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
            kind              TEXT NOT NULL,     -- 主题党日 支委会 党员大会 党小组会 党课 组织生活会 / custom
            rule_text         TEXT NOT NULL,     -- as typed by the user
            canonical         TEXT NOT NULL,     -- normalised rule incl. holiday policy; re-parsed
            rrule             TEXT NOT NULL,     -- RFC 5545 RRULE, for reference
            policy            TEXT NOT NULL,     -- 顺延 / 提前 / 不调整
            leads             TEXT NOT NULL,     -- '3d@09:00,0d@08:00' (days before @ local time)
            active            INTEGER NOT NULL DEFAULT 1,
            armed_from        TEXT NOT NULL,     -- UTC; reminders firing before the save: not sent
            next_fire_at      TEXT,              -- UTC 'YYYY-MM-DD HH:MM:SS', earliest unrecorded
            next_occurrence   TEXT,              -- its meeting date (after holiday shifting)
            next_original     TEXT,              -- its date before shifting
            next_lead         TEXT,              -- its lead key
            following_fire_at TEXT,              -- the reminder after it (catch-up detection)
            created_at        TEXT NOT NULL DEFAULT (datetime('now')),
            updated_at        TEXT NOT NULL DEFAULT (datetime('now')),
            UNIQUE (chat_id, kind)
        );
        -- covering index for the tick's due query (index-only scan, no table look-ups)
        CREATE INDEX schedules_due ON schedules(
            next_fire_at, following_fire_at, chat_id, kind, next_occurrence, next_original,
            next_lead, canonical, leads, active
        ) WHERE active = 1;
        -- the claim/sent log: the UNIQUE key (not the schedule row id) is what makes a reminder
        -- impossible to send twice, even when the schedule row was deleted and saved again
        CREATE TABLE reminders_sent (
            id          INTEGER PRIMARY KEY,
            chat_id     INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            occurrence  TEXT NOT NULL,           -- meeting date YYYY-MM-DD
            lead        TEXT NOT NULL,           -- '3d@09:00'
            status      TEXT NOT NULL,           -- sending / sent / skipped
            fire_at     TEXT NOT NULL,           -- UTC
            detail      TEXT,                    -- why skipped, last error
            claimed_at  TEXT NOT NULL,
            done_at     TEXT,
            UNIQUE (chat_id, kind, occurrence, lead)
        );
        CREATE INDEX reminders_sent_sending ON reminders_sent(status) WHERE status = 'sending';
        """
    )


# <<< 0004_schedules <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<


# >>> 0005_search_index (bot/search.py) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>


@MIGRATIONS(name="0005_search_index")
def _search_index(db: Database) -> None:
    """Bigram index of paragraphs: postings blobs, per-paragraph stats and trigger queues.

    Triggers record every inserted, edited or deleted paragraph so the index can never point at
    removed text; ``bot.fanwen.search.sync`` applies the queues in the writer's own transaction.
    """
    db.executescript(
        """
        -- one row per indexed paragraph: what BM25 and the filters need without reading the text
        CREATE TABLE search_docs (
            para_id   INTEGER PRIMARY KEY REFERENCES paragraphs(id) ON DELETE CASCADE,
            source_id INTEGER NOT NULL,
            kind      TEXT NOT NULL,
            length    INTEGER NOT NULL,         -- number of index terms (BM25 document length)
            folded    TEXT                      -- bot.text.fold(text) when it differs from text
        );
        CREATE TABLE search_terms (
            term TEXT PRIMARY KEY,
            df   INTEGER NOT NULL               -- paragraphs containing the term
        ) WITHOUT ROWID;
        CREATE TABLE search_postings (
            term     TEXT NOT NULL,
            chunk    INTEGER NOT NULL,
            first_id INTEGER NOT NULL,          -- smallest and largest id in the chunk
            last_id  INTEGER NOT NULL,
            n        INTEGER NOT NULL,
            ids      BLOB NOT NULL,             -- little-endian uint32 paragraph ids
            PRIMARY KEY (term, chunk)
        );
        -- work queues filled by triggers, emptied by bot.fanwen.search.sync()
        CREATE TABLE search_pending (para_id INTEGER PRIMARY KEY);
        CREATE TABLE search_dead (
            seq     INTEGER PRIMARY KEY,
            para_id INTEGER NOT NULL,
            text    TEXT NOT NULL               -- the indexed text, to find its postings
        );
        CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT OR IGNORE INTO search_meta (key, value) VALUES ('generation', '0');
        INSERT OR IGNORE INTO search_meta (key, value) VALUES ('version', '0');

        CREATE TRIGGER search_paragraph_inserted AFTER INSERT ON paragraphs BEGIN
            INSERT OR IGNORE INTO search_pending (para_id) VALUES (new.id);
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        CREATE TRIGGER search_paragraph_deleted AFTER DELETE ON paragraphs BEGIN
            INSERT INTO search_dead (para_id, text) VALUES (old.id, old.text);
            DELETE FROM search_pending WHERE para_id = old.id;
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        CREATE TRIGGER search_paragraph_text AFTER UPDATE OF text ON paragraphs BEGIN
            INSERT INTO search_dead (para_id, text) VALUES (old.id, old.text);
            INSERT OR IGNORE INTO search_pending (para_id) VALUES (new.id);
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        CREATE TRIGGER search_paragraph_meta AFTER UPDATE OF kind, source_id ON paragraphs
        BEGIN
            UPDATE search_docs SET kind = new.kind, source_id = new.source_id WHERE para_id = new.id;
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        """
    )


# <<< 0005_search_index <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<


# >>> 0006_drafts (bot/drafts.py) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>


@MIGRATIONS(name="0006_drafts")
def _drafts(db: Database) -> None:
    """The per-user draft basket and per-user settings (organisation name, draft title).

    Items keep a snapshot of the paragraph (text, kind, placeholders) and no foreign key, so a
    basket survives its source file being removed; ``para_hash`` (the paragraph's normalised-
    text hash) makes adding idempotent even when a re-imported paragraph gets a new id.
    """
    db.executescript(
        """
        CREATE TABLE drafts (
            id           INTEGER PRIMARY KEY,
            user_id      INTEGER NOT NULL,
            paragraph_id INTEGER,                     -- paragraphs.id when added (may be gone)
            para_hash    TEXT NOT NULL,               -- paragraphs.hash: one copy per user
            kind         TEXT NOT NULL,               -- section kind, bot.fanwen.docparse.KINDS
            position     INTEGER NOT NULL,            -- order within (user, kind)
            text         TEXT NOT NULL,               -- snapshot
            placeholders TEXT NOT NULL DEFAULT '[]',  -- snapshot, JSON [[start, end, text], ...]
            heading      TEXT NOT NULL DEFAULT '',
            source       TEXT NOT NULL DEFAULT '',    -- source file name, for the user
            added_at     TEXT NOT NULL DEFAULT (datetime('now')),
            UNIQUE (user_id, para_hash),
            UNIQUE (user_id, kind, position)
        );
        CREATE TABLE user_settings (
            user_id      INTEGER PRIMARY KEY,
            org_name     TEXT,                        -- fills XX党支部 / XX村 on export
            draft_title  TEXT,                        -- NULL: the default title
            updated_at   TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


# <<< 0006_drafts <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<


# >>> 0007_learning (bot/feedback.py) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>


@MIGRATIONS(name="0007_learning")
def _learning(db: Database) -> None:
    """Resolving /unanswered questions, and per-event logs for /stats time windows.

    ``questions_log`` keeps one row per distinct question (for /unanswered); ``asks_log`` and
    ``searches_log`` keep one row per event so /stats can count the last N days.
    """
    db.executescript(
        """
        ALTER TABLE questions_log ADD COLUMN resolved_rule_id TEXT;  -- taught to this rule
        ALTER TABLE questions_log ADD COLUMN resolved_by INTEGER;
        ALTER TABLE questions_log ADD COLUMN resolved_at TEXT;
        CREATE TABLE asks_log (
            id          INTEGER PRIMARY KEY,
            log_id      INTEGER,                 -- questions_log.id
            answered    INTEGER NOT NULL,        -- 1: an answer was shown
            confident   INTEGER NOT NULL,        -- 1: answered above the low-confidence band
            rule_id     TEXT,
            asked_at    TEXT NOT NULL DEFAULT (datetime('now'))   -- UTC
        );
        CREATE INDEX asks_log_time ON asks_log(asked_at);
        CREATE TABLE searches_log (
            id          INTEGER PRIMARY KEY,
            query       TEXT NOT NULL,
            n_results   INTEGER NOT NULL,
            searched_at TEXT NOT NULL DEFAULT (datetime('now'))   -- UTC
        );
        CREATE INDEX searches_log_time ON searches_log(searched_at);
        CREATE INDEX feedback_time ON feedback(created_at);
        """
    )


# <<< 0007_learning <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<


@MIGRATIONS(name="0008_search_headings")
def _search_headings(db: Database) -> None:
    """The search index covers a paragraph's heading too (党风廉政 › 主要做法 finds the paragraphs
    under that heading even when their text never says 党风廉政), so the removal queue records
    what was indexed: text and heading, joined by a line break as ``bot.fanwen.search`` indexes them.
    ``bot.fanwen.search.INDEX_VERSION`` 2 rebuilds existing indexes on the next sync."""
    db.executescript(
        """
        DROP TRIGGER search_paragraph_deleted;
        DROP TRIGGER search_paragraph_text;
        CREATE TRIGGER search_paragraph_deleted AFTER DELETE ON paragraphs BEGIN
            INSERT INTO search_dead (para_id, text)
                VALUES (old.id, old.text || char(10) || COALESCE(old.heading, ''));
            DELETE FROM search_pending WHERE para_id = old.id;
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        CREATE TRIGGER search_paragraph_text AFTER UPDATE OF text, heading ON paragraphs BEGIN
            INSERT INTO search_dead (para_id, text)
                VALUES (old.id, old.text || char(10) || COALESCE(old.heading, ''));
            INSERT OR IGNORE INTO search_pending (para_id) VALUES (new.id);
            UPDATE search_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
        END;
        """
    )


@MIGRATIONS(name="0009_refused")
def _refused(db: Database) -> None:
    db.executescript(
        """
        -- chats and users the allowlist refused once: the polite refusal is never repeated,
        -- also across restarts
        CREATE TABLE refused (
            key         INTEGER PRIMARY KEY,                -- chat id, or user id without a chat
            refused_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


# >>> 0010_meetings (bot/meetings/ledger.py) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>


@MIGRATIONS(name="0010_meetings")
def _meetings(db: Database) -> None:
    """The 三会一课 台账: meetings held, and per chat which kinds of meeting the branch has.

    No foreign key to ``chats``: the ledger works for any chat id, also one set up from the CLI.
    """
    db.executescript(
        """
        CREATE TABLE meetings (
            id          INTEGER PRIMARY KEY,
            chat_id     INTEGER NOT NULL,
            kind        TEXT NOT NULL,          -- 支委会 党员大会 党小组会 党课 主题党日 组织生活会 民主评议党员
            date        TEXT NOT NULL,          -- the chat's local date YYYY-MM-DD
            topic       TEXT,
            expected    INTEGER,                -- 应到
            present     INTEGER,                -- 实到
            chair       TEXT,                   -- 主持人
            source      TEXT NOT NULL DEFAULT 'manual',   -- manual / reminder
            created_at  TEXT NOT NULL DEFAULT (datetime('now')),
            updated_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE INDEX meetings_chat_date ON meetings(chat_id, date);
        -- a row only when the chat changed the default (every kind counts)
        CREATE TABLE ledger_settings (
            chat_id     INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            enabled     INTEGER NOT NULL DEFAULT 1,
            warn_days   INTEGER,                -- NULL: the kind's default
            updated_at  TEXT NOT NULL DEFAULT (datetime('now')),
            PRIMARY KEY (chat_id, kind)
        );
        """
    )


# <<< 0010_meetings <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<


@MIGRATIONS(name="0011_timelines")
def _timelines(db: Database) -> None:
    db.executescript(
        """
        -- people a chat follows through the 发展党员 steps: only a label the user chose ("小王")
        -- and the dates the user entered; limits and suggestions are computed, never stored
        CREATE TABLE timelines (
            id          INTEGER PRIMARY KEY,
            chat_id     INTEGER NOT NULL,
            label       TEXT NOT NULL,
            stage       TEXT NOT NULL,             -- the stage first entered (申请 … 转正)
            stage_date  TEXT NOT NULL,             -- ISO date of that stage
            done_steps  TEXT NOT NULL DEFAULT '{}', -- JSON {step name: ISO date} entered later
            created_at  TEXT NOT NULL DEFAULT (datetime('now')),
            updated_at  TEXT NOT NULL DEFAULT (datetime('now')),
            UNIQUE (chat_id, label)
        );
        """
    )


@MIGRATIONS(name="0012_search_log")
def _search_log(db: Database) -> None:
    """Paragraphs changed since the search index snapshot (``bot.fanwen.search_index``): ``sync``
    records what it purged or indexed, the trigger a changed kind or source; a reader indexes
    just these in memory on top of the memory-mapped snapshot; a new snapshot empties it."""
    db.executescript(
        """
        CREATE TABLE search_log (seq INTEGER PRIMARY KEY, para_id INTEGER NOT NULL);
        CREATE TRIGGER search_paragraph_meta_log AFTER UPDATE OF kind, source_id ON paragraphs
        BEGIN
            INSERT INTO search_log (para_id) VALUES (new.id);
        END;
        """
    )


@MIGRATIONS(name="0013_huanjie")
def _huanjie(db: Database) -> None:
    db.executescript(
        """
        -- the chat's own organisation and its last election, for 换届 reminders
        CREATE TABLE huanjie (
            chat_id     INTEGER PRIMARY KEY,
            org_kind    TEXT NOT NULL,             -- 党支部 / 党总支 / 村/社区党组织 / 基层党委
            elected     TEXT NOT NULL,             -- ISO date (month precision: the 1st)
            updated_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


@MIGRATIONS(name="0014_attendance")
def _attendance(db: Database) -> None:
    db.executescript(
        """
        -- who pressed 参加 / 请假 under a group reminder; Telegram does not tell bots who is in
        -- a group, so nobody is listed as "not answered"
        CREATE TABLE attendance (
            chat_id     INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            occurrence  TEXT NOT NULL,             -- meeting date YYYY-MM-DD
            user_id     INTEGER NOT NULL,
            name        TEXT NOT NULL,
            answer      TEXT NOT NULL,             -- 参加 / 请假
            answered_at TEXT NOT NULL DEFAULT (datetime('now')),
            PRIMARY KEY (chat_id, kind, occurrence, user_id)
        );
        """
    )
