"""The fake's state: users, chats, messages, files, queued updates and injected failures."""

from __future__ import annotations

import asyncio
import mimetypes
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from fakebotapi.common import (
    BOT_USERNAME,
    DEFAULT_TOKEN,
    JSON,
    ChatType,
    TelegramAPIError,
    as_int,
    bad_request,
)
from fakebotapi.html import detect_entities

# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeChat:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or str(self.id)
            if self.last_name:
                data["last_name"] = self.last_name
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class FakeFile:
    """A file known to the server (uploaded by the bot or registered by a test)."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def document_dict(self) -> JSON:
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            data["file_name"] = self.filename
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class FakeMessage:
    """A message in a chat: sent by the bot (``outgoing``) or queued by a test as a user's.

    ``text``/``caption`` hold the plain text as Telegram stores it (markup parsed away,
    surrounding whitespace trimmed); ``raw_text``/``raw_caption`` what the bot sent.
    """

    chat: FakeChat
    message_id: int
    sender: FakeUser
    date: int
    outgoing: bool
    text: str | None = None
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    document: FakeFile | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False
    extra: JSON = field(default_factory=dict)

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        """Rows of the inline keyboard (empty without one)."""
        if not self.reply_markup:
            return []
        return cast("list[list[JSON]]", self.reply_markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[JSON]:
        """All inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def callback_data(self) -> list[str]:
        """The ``callback_data`` of every inline button."""
        return [str(b["callback_data"]) for b in self.buttons if "callback_data" in b]


@dataclass
class UploadedFile:
    """A multipart file part of a request."""

    filename: str | None
    data: bytes
    content_type: str | None


@dataclass
class BotRequest:
    """One request the bot made, with its decoded parameters and the answer it got."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float
    http_method: str = "POST"
    status: int = 200
    response: JSON = field(default_factory=dict)
    #: the failure was set up by the test (fail_next, rate_limit, a blocked/migrated chat),
    #: not a call Telegram would reject on its own
    injected: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        desc = self.response.get("description")
        return None if desc is None else str(desc)


@dataclass
class CallbackAnswer:
    """An ``answerCallbackQuery`` call, tied back to the pressed button."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    data: str | None
    chat_id: int | None
    message_id: int | None


@dataclass
class InlineAnswer:
    """An ``answerInlineQuery`` call."""

    inline_query_id: str
    query: str
    results: list[JSON]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JSON | None

    @property
    def result_ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.results]


@dataclass
class _Failure:
    error_code: int
    description: str
    parameters: JSON | None


class TelegramState:
    """What the fake Telegram knows: users, chats, messages, files, queued updates, failures.

    The base of :class:`fakebotapi.FakeTelegram`; the test-facing helpers that play the users'
    side (``send_text``, ``press_button``, ...) and inject failures live here.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = "党务助手测试",
        strict_html_ampersand: bool = True,
        strict_chats: bool = False,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user = FakeUser(
            id=int(prefix) if prefix.isdigit() else 123456789,
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
            language_code=None,
        )
        self.strict_html_ampersand = strict_html_ampersand
        self.strict_chats = strict_chats

        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        #: ``setMyCommands`` per ``(scope key, language_code)``; scope keys are "default",
        #: "all_private_chats", "all_group_chats", "all_chat_administrators", "chat:<id>",
        #: "chat_administrators:<id>", "chat_member:<chat id>:<user id>".
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        #: Values stored by simple setters (setMyDescription, setMyName, setChatMenuButton, ...).
        self.settings: dict[str, JSON] = {}
        self.webhook_url = ""

        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()

        self._next_update_id = 100_000_001
        self._updates: list[JSON] = []

        self._users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self._chats: dict[int, FakeChat] = {}
        self._messages: dict[int, dict[int, FakeMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._file_counter = 0
        self._query_counter = 0
        self._user_counter = 10_000_000
        self._group_counter = 0
        self._pending_callbacks: dict[str, JSON] = {}
        self._pending_inline: dict[str, str] = {}
        self._member_status: dict[int, dict[int, str]] = {}

        self._blocked: dict[int, str] = {}
        self._not_found: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._failures: dict[str, deque[_Failure]] = {}

        self.default_user = self.make_user("测试用户", username="test_user")

    # ---- users and chats -------------------------------------------------------------------------

    def make_user(
        self,
        first_name: str = "测试用户",
        *,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
        """Create (and register) a user; ids are allocated from 10000001 upwards."""
        if user_id is None:
            self._user_counter += 1
            while self._user_counter in self._users:
                self._user_counter += 1
            user_id = self._user_counter
        user = FakeUser(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user_id] = user
        return user

    def make_chat(
        self,
        chat_type: ChatType = "group",
        *,
        title: str | None = None,
        chat_id: int | None = None,
        username: str | None = None,
        user: FakeUser | None = None,
    ) -> FakeChat:
        """Create (and register) a chat. A private chat takes its id and names from ``user``."""
        if chat_type == "private":
            if user is None:
                user = self._users.get(chat_id) if chat_id is not None else None
                if user is None:
                    user = self.make_user(user_id=chat_id)
            chat = FakeChat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
        else:
            if chat_id is None:
                self._group_counter += 1
                if chat_type == "group":
                    chat_id = -(4_000_000_000 + self._group_counter)
                else:
                    chat_id = -(1_002_000_000_000 + self._group_counter)
            chat = FakeChat(
                id=chat_id,
                type=chat_type,
                title=title or f"测试群 {abs(chat_id)}",
                username=username,
            )
        self._chats[chat.id] = chat
        return chat

    def chat(self, chat_id: int) -> FakeChat:
        """The chat with that id, created on the fly (type inferred from the id) if unknown."""
        return self._ensure_chat(chat_id, None)

    def user(self, user_id: int) -> FakeUser:
        """The user with that id (a generic one is created if unknown)."""
        found = self._users.get(user_id)
        return found if found is not None else self.make_user(user_id=user_id)

    def _ensure_chat(self, chat_id: int, chat_type: ChatType | None) -> FakeChat:
        chat = self._chats.get(chat_id)
        if chat is not None:
            if chat_type is not None and chat.type != chat_type:
                raise ValueError(f"chat {chat_id} is a {chat.type}, not a {chat_type}")
            return chat
        if chat_type is None:
            if chat_id > 0:
                chat_type = "private"
            elif str(chat_id).startswith("-100"):
                chat_type = "supergroup"
            else:
                chat_type = "group"
        if chat_type == "private":
            return self.make_chat("private", chat_id=chat_id, user=self._users.get(chat_id))
        return self.make_chat(chat_type, chat_id=chat_id)

    def _sender_for(self, chat: FakeChat, user: FakeUser | None) -> FakeUser:
        if chat.type == "private":
            if user is None:
                return self.user(chat.id)
            if user.id != chat.id:
                raise ValueError(f"user {user.id} cannot write in the private chat {chat.id}")
        if user is None:
            return self.default_user
        self._users[user.id] = user
        return user

    def set_chat_admins(
        self, chat_id: int, admin_ids: Iterable[int] = (), *, creator_id: int | None = None
    ) -> None:
        """Set who is creator/administrator in a chat (replaces earlier admin settings).

        Include ``fake.bot_user.id`` to make the bot an administrator. Everybody else is a
        plain member unless :meth:`set_member_status` says otherwise.
        """
        statuses = self._member_status.setdefault(chat_id, {})
        for uid, status in list(statuses.items()):
            if status in ("creator", "administrator"):
                del statuses[uid]
        for uid in admin_ids:
            statuses[uid] = "administrator"
        if creator_id is not None:
            statuses[creator_id] = "creator"

    def set_member_status(
        self,
        chat_id: int,
        user_id: int,
        status: Literal["creator", "administrator", "member", "restricted", "left", "kicked"],
    ) -> None:
        """Set one user's ``getChatMember`` status in a chat."""
        self._member_status.setdefault(chat_id, {})[user_id] = status

    # ---- injected failures -----------------------------------------------------------------------

    def block_chat(self, chat_id: int, description: str | None = None) -> None:
        """Make every non-``get*`` method on this chat fail with 403 Forbidden.

        Default texts: "bot was blocked by the user" (private), "bot was kicked from the group
        chat" / "... supergroup chat" (groups).
        """
        if description is None:
            kind = self._ensure_chat(chat_id, None).type
            description = {
                "private": "Forbidden: bot was blocked by the user",
                "group": "Forbidden: bot was kicked from the group chat",
                "supergroup": "Forbidden: bot was kicked from the supergroup chat",
                "channel": "Forbidden: bot is not a member of the channel chat",
            }[kind]
        self._blocked[chat_id] = description

    def mark_chat_not_found(self, chat_id: int) -> None:
        """Make every method on this chat fail with 400 "Bad Request: chat not found"."""
        self._not_found.add(chat_id)

    def migrate_chat(
        self, chat_id: int, new_chat_id: int | None = None, *, notify: bool = False
    ) -> int:
        """Upgrade a group to a supergroup; returns the new chat id.

        Afterwards every method on the old id fails with 400 "Bad Request: group chat was
        upgraded to a supergroup chat" and ``parameters.migrate_to_chat_id`` (PTB raises
        ``ChatMigrated``). With ``notify`` the service messages (``migrate_to_chat_id`` in the old
        chat, ``migrate_from_chat_id`` in the new one) are queued as updates.
        """
        old = self._ensure_chat(chat_id, None)
        new = self.make_chat("supergroup", chat_id=new_chat_id, title=old.title)
        if chat_id in self._member_status:
            self._member_status[new.id] = dict(self._member_status[chat_id])
        if notify:
            self._queue_message(old, self.default_user, extra={"migrate_to_chat_id": new.id})
            self._queue_message(new, self.default_user, extra={"migrate_from_chat_id": old.id})
        self._migrated[chat_id] = new.id
        return new.id

    def restore_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`, :meth:`mark_chat_not_found` and :meth:`migrate_chat`."""
        self._blocked.pop(chat_id, None)
        self._not_found.discard(chat_id)
        self._migrated.pop(chat_id, None)

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        times: int = 1,
        parameters: JSON | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (any case) fail with this error."""
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(_Failure(error_code, description, parameters))

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail with 429 and ``retry_after``.

        ``retry_after`` must be >= 1 (PTB ignores a zero value). PTB's AIORateLimiter sleeps
        ``retry_after + 0.1`` s before retrying, so keep it at 1 in tests.
        """
        if retry_after < 1:
            raise ValueError("retry_after must be >= 1")
        self.fail_next(
            method,
            429,
            f"Too Many Requests: retry after {retry_after}",
            times=times,
            parameters={"retry_after": retry_after},
        )

    def _check_chat_state(self, method: str, raw_chat_id: Any) -> None:
        chat_id = self._lookup_chat_id(raw_chat_id)
        if chat_id is None:
            return
        if chat_id in self._not_found:
            raise bad_request("chat not found")
        if chat_id in self._migrated:
            raise TelegramAPIError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked and not method.startswith("get"):
            raise TelegramAPIError(403, self._blocked[chat_id])

    def _lookup_chat_id(self, raw: Any) -> int | None:
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == raw[1:].lower():
                    return chat.id
            return None
        try:
            return as_int(raw, "chat_id")
        except TelegramAPIError:
            return None

    # ---- files -----------------------------------------------------------------------------------

    def register_file(
        self,
        data: bytes,
        filename: str | None = None,
        mime_type: str | None = None,
        *,
        file_id: str | None = None,
        folder: str = "documents",
    ) -> FakeFile:
        """Make bytes downloadable via ``getFile`` + the file URL; returns the record."""
        self._file_counter += 1
        n = self._file_counter
        if file_id is None:
            file_id = f"BQACAgIAAxkBAAI{n:08d}FakeFileId{n:04x}"
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        if mime_type is None and filename:
            mime_type = mimetypes.guess_type(filename)[0]
        fake_file = FakeFile(
            file_id=file_id,
            file_unique_id=f"AgAD{n:08d}",
            data=bytes(data),
            file_path=f"{folder}/file_{n}{suffix}",
            filename=filename,
            mime_type=mime_type,
        )
        self._files[file_id] = fake_file
        self._files_by_path[fake_file.file_path] = fake_file
        return fake_file

    def file(self, file_id: str) -> FakeFile:
        return self._files[file_id]

    # ---- the user side: queue updates ------------------------------------------------------------

    def push_update(self, payload: JSON) -> JSON:
        """Queue a raw update (``{"message": {...}}`` etc.); ``update_id`` is added."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify_updates()
        self._notify()
        return update

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user: FakeUser | None = None,
        chat_type: ChatType | None = None,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """Queue a text message from a user; returns the update.

        ``chat_type`` defaults to what the id suggests (positive: private, ``-100...``:
        supergroup, other negative: group). ``user`` defaults to the chat's user in private
        chats and to :attr:`default_user` in groups. ``entities`` default to the
        ``bot_command``/``mention`` entities Telegram would add. ``reply_to`` is a message id
        in the same chat.
        """
        chat = self._ensure_chat(chat_id, chat_type)
        sender = self._sender_for(chat, user)
        return self._queue_message(
            chat,
            sender,
            text=text,
            entities=detect_entities(text) if entities is None else entities,
            reply_to=reply_to,
        )

    def send_document(
        self,
        chat_id: int,
        user: FakeUser | None,
        filename: str,
        data: bytes,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        chat_type: ChatType | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """Register a file and queue a message with it as ``document``; returns the update.

        The file's id is ``update["message"]["document"]["file_id"]``.
        """
        chat = self._ensure_chat(chat_id, chat_type)
        sender = self._sender_for(chat, user)
        document = self.register_file(data, filename, mime_type)
        return self._queue_message(
            chat,
            sender,
            document=document,
            caption=caption,
            entities=detect_entities(caption) if caption else [],
            reply_to=reply_to,
        )

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user: FakeUser | None = None,
        *,
        check: bool = True,
    ) -> JSON:
        """Queue a ``callback_query`` for an inline button of a bot message; returns the update.

        With ``check`` (default) the message must exist, be the bot's, and have a button with
        exactly that ``callback_data`` — otherwise :class:`LookupError` (a test bug).
        """
        message = self._messages.get(chat_id, {}).get(message_id)
        if check:
            if message is None or message.deleted:
                raise LookupError(f"no message {message_id} in chat {chat_id}")
            if not message.outgoing:
                raise LookupError(f"message {message_id} in chat {chat_id} is not the bot's")
            if callback_data not in message.callback_data:
                raise LookupError(
                    f"message {message_id} in chat {chat_id} has no button with callback_data "
                    f"{callback_data!r}; it has {message.callback_data!r}"
                )
        chat = self._ensure_chat(chat_id, None)
        sender = self._sender_for(chat, user)
        query_id = self._new_query_id()
        self._pending_callbacks[query_id] = {
            "data": callback_data,
            "chat_id": chat_id,
            "message_id": message_id,
        }
        query: JSON = {
            "id": query_id,
            "from": sender.to_dict(),
            "chat_instance": str(abs(chat_id) * 7919 % 10**18),
            "data": callback_data,
        }
        if message is not None:
            query["message"] = self._message_dict(message)
        return self.push_update({"callback_query": query})

    def inline_query(
        self,
        user: FakeUser | None = None,
        query: str = "",
        offset: str = "",
        *,
        chat_type: str | None = "sender",
    ) -> JSON:
        """Queue an ``inline_query``; returns the update (its id: ``["inline_query"]["id"]``)."""
        sender = user if user is not None else self.default_user
        self._users[sender.id] = sender
        query_id = self._new_query_id()
        self._pending_inline[query_id] = query
        payload: JSON = {
            "id": query_id,
            "from": sender.to_dict(),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            payload["chat_type"] = chat_type
        return self.push_update({"inline_query": payload})

    def chosen_inline_result(
        self,
        result_id: str,
        query: str,
        user: FakeUser | None = None,
        *,
        inline_message_id: str | None = None,
    ) -> JSON:
        """Queue a ``chosen_inline_result``; returns the update."""
        sender = user if user is not None else self.default_user
        payload: JSON = {"result_id": result_id, "from": sender.to_dict(), "query": query}
        if inline_message_id is not None:
            payload["inline_message_id"] = inline_message_id
        return self.push_update({"chosen_inline_result": payload})

    def _new_query_id(self) -> str:
        self._query_counter += 1
        return str(4_387_000_000_000_000_000 + self._query_counter)

    def _queue_message(
        self,
        chat: FakeChat,
        sender: FakeUser,
        *,
        text: str | None = None,
        entities: list[JSON] | None = None,
        document: FakeFile | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        extra: JSON | None = None,
    ) -> JSON:
        if reply_to is not None and reply_to not in self._messages.get(chat.id, {}):
            raise LookupError(f"no message {reply_to} in chat {chat.id} to reply to")
        message = self._store_message(
            chat,
            sender,
            outgoing=False,
            text=text,
            raw_text=text,
            entities=entities if text is not None else [],
            caption=caption,
            raw_caption=caption,
            caption_entities=entities if document is not None else [],
            document=document,
            reply_to=reply_to,
        )
        if extra:
            message.extra.update(extra)
        return self.push_update({"message": self._message_dict(message)})

    # ---- message store ---------------------------------------------------------------------------

    def _store_message(
        self,
        chat: FakeChat,
        sender: FakeUser,
        *,
        outgoing: bool,
        text: str | None = None,
        raw_text: str | None = None,
        parse_mode: str | None = None,
        entities: list[JSON] | None = None,
        caption: str | None = None,
        raw_caption: str | None = None,
        caption_entities: list[JSON] | None = None,
        reply_markup: JSON | None = None,
        document: FakeFile | None = None,
        reply_to: int | None = None,
    ) -> FakeMessage:
        message_id = self._last_message_id.get(chat.id, 0) + 1
        self._last_message_id[chat.id] = message_id
        message = FakeMessage(
            chat=chat,
            message_id=message_id,
            sender=sender,
            date=int(time.time()),
            outgoing=outgoing,
            text=text,
            raw_text=raw_text,
            parse_mode=parse_mode,
            entities=list(entities or []),
            caption=caption,
            raw_caption=raw_caption,
            caption_entities=list(caption_entities or []),
            reply_markup=reply_markup,
            document=document,
            reply_to_message_id=reply_to,
        )
        self._messages.setdefault(chat.id, {})[message_id] = message
        return message

    def _message_dict(self, message: FakeMessage, *, with_reply: bool = True) -> JSON:
        data: JSON = {
            "message_id": message.message_id,
            "from": message.sender.to_dict(),
            "chat": message.chat.to_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.document is not None:
            data["document"] = message.document.document_dict()
        if message.caption:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if with_reply and message.reply_to_message_id is not None:
            target = self._messages.get(message.chat.id, {}).get(message.reply_to_message_id)
            if target is not None:
                data["reply_to_message"] = self._message_dict(target, with_reply=False)
        data.update(message.extra)
        return data

    # ---- inspection ------------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[FakeMessage]:
        """The bot's messages in a chat that were not deleted, oldest first."""
        return [m for m in self.history(chat_id) if m.outgoing]

    def history(self, chat_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """All messages of a chat (the users' and the bot's), oldest first."""
        return [
            m for m in self._messages.get(chat_id, {}).values() if include_deleted or not m.deleted
        ]

    def message(self, chat_id: int, message_id: int) -> FakeMessage:
        """One message by id (KeyError if unknown)."""
        return self._messages[chat_id][message_id]

    def last_message(self, chat_id: int) -> FakeMessage | None:
        """The bot's latest non-deleted message in a chat."""
        sent = self.messages(chat_id)
        return sent[-1] if sent else None

    def documents(self, chat_id: int) -> list[FakeMessage]:
        """The bot's non-deleted document messages; see ``.document`` and ``.caption``."""
        return [m for m in self.messages(chat_id) if m.document is not None]

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        """Commands set for a scope key (see :attr:`commands`) and language."""
        return list(self.commands.get((scope, language_code), []))

    @property
    def last_inline_answer(self) -> InlineAnswer | None:
        return self.inline_answers[-1] if self.inline_answers else None

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a ``getUpdates`` offset."""
        return list(self._updates)

    # ---- change notification ---------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()
