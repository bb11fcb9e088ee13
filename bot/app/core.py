"""The request every front end builds, and the core that answers it with ``Reply`` objects.

Telegram, the console chat and any later front end translate their input into a
:class:`Request` and render the replies; they parse no command arguments, build no text and
run no SQL of their own. :meth:`Core.handle` is synchronous and may take a while (a search over
a big corpus, a refit, an export): front ends with an event loop call it in a worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.app.codec import Codec
from bot.config import Settings
from bot.replies import Reply
from bot.rules.engine import RuleBook

#: How many sent messages keep their button state (a search's query) in memory.
MAX_STATES = 2000


@dataclass(frozen=True)
class Request:
    """One thing a user did: a command, a free-text message, a button press or a file.

    ``can_manage``: may change the chat's settings (always in a private chat; in a group only a
    chat administrator — the front end asks Telegram only when the route needs it).
    """

    chat_id: int
    user_id: int
    now: datetime
    chat_type: str = "private"
    command: str | None = None
    text: str = ""
    data: str | None = None
    message_id: int | None = None
    is_admin: bool = False
    can_manage: bool = True
    document: tuple[str, bytes] | None = None
    user_name: str = ""
    reply_to: int | None = None  # the bot's message this one replies to

    @property
    def private(self) -> bool:
        return self.chat_type == "private"

    @property
    def group(self) -> bool:
        return not self.private

    @property
    def today(self) -> date:
        return self.now.date()


CommandFunc = Callable[["Core", Request], list[Reply]]
ButtonFunc = Callable[["Core", Request, tuple[Any, ...]], list[Reply]]


@dataclass(frozen=True)
class Command:
    """One row of the command table: the help text, the menus and the README come from it."""

    name: str
    func: CommandFunc
    help: str
    aliases: tuple[str, ...] = ()
    usage: str = ""          # an example for the README/help, e.g. "/fanwen 三会一课 存在问题"
    admin: bool = False      # bot administrators only (ADMIN_USER_IDS); hidden from others' menus
    groups: bool = True      # offered in group chats
    manage: bool = False     # changing something in a group needs a chat administrator


@dataclass(frozen=True)
class ButtonRoute:
    """``slow``: the work takes seconds (a refit): front ends answer the press at once with
    :data:`WORKING` and show the result as a message, not as the press's answer."""

    codec: Codec
    func: ButtonFunc
    manage: bool = False
    slow: bool = False


#: The immediate answer to a press whose work takes a while.
WORKING = "正在处理…"


@dataclass
class Core:
    """The bot's state shared by all front ends: settings, database, rules, and the little that
    lives only in memory (each user's last question, the state behind sent buttons)."""

    settings: Settings
    db: Database
    book: RuleBook
    commands: dict[str, Command] = field(default_factory=dict)
    buttons: list[ButtonRoute] = field(default_factory=list)
    last_question: dict[int, str] = field(default_factory=dict)
    _states: OrderedDict[tuple[int, int], dict[str, Any]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.commands:
            from bot.app.commands import BUTTONS, COMMANDS

            self.commands = {alias: c for c in COMMANDS for alias in (c.name, *c.aliases)}
            self.buttons = list(BUTTONS)

    # --- routing --------------------------------------------------------------------------

    def command(self, name: str) -> Command | None:
        return self.commands.get(name.lower().lstrip("/").split("@")[0])

    def button(self, data: str | None) -> tuple[ButtonRoute, tuple[Any, ...]] | None:
        for route in self.buttons:
            fields = route.codec.decode(data)
            if fields is not None:
                return route, fields
        return None

    def is_slow(self, data: str | None) -> bool:
        found = self.button(data)
        return bool(found and found[0].slow)

    def needs_manage_check(self, req: Request) -> bool:
        """Whether the front end must find out if the user administers this group."""
        if req.private:
            return False
        if req.data is not None:
            found = self.button(req.data)
            return bool(found and found[0].manage)
        cmd = self.command(req.command or "")
        return bool(cmd and cmd.manage)

    def handle(self, req: Request) -> list[Reply]:
        """The replies to one request; the front end renders them in order."""
        from bot.app import views

        if req.data is not None:
            found = self.button(req.data)
            if found is None:
                return [Reply(toast=views.STALE)]
            route, fields = found
            return route.func(self, req, fields)
        if req.document is not None:
            return views.admin.import_document(self, req)
        if req.command is not None:
            cmd = self.command(req.command)
            if cmd is None:
                return [Reply(f"未知命令 /{req.command}。发送 /help 查看可用命令。")]
            if cmd.admin and not req.is_admin:
                return [Reply(views.admin.ADMIN_ONLY.get(cmd.name, "只有管理员可以使用这个命令。"))]
            return cmd.func(self, req)
        pending = self.state(req.chat_id, req.reply_to)
        if pending is not None and "ledger_meeting" in pending:
            return views.ledger.details(self, req, pending["ledger_meeting"])
        return views.ask.question(self, req, req.text)

    # --- state behind sent buttons ------------------------------------------------------

    def bind(self, chat_id: int, message_id: int, state: dict[str, Any]) -> None:
        """Remember ``state`` for the buttons of a sent message (bounded, oldest dropped)."""
        with self._lock:
            self._states[(chat_id, message_id)] = state
            self._states.move_to_end((chat_id, message_id))
            while len(self._states) > MAX_STATES:
                self._states.popitem(last=False)

    def state(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        if message_id is None:
            return None
        with self._lock:
            return self._states.get((chat_id, message_id))
