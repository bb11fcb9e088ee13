"""A local fake of the Telegram Bot API for end-to-end tests of python-telegram-bot bots.

The fake is an :mod:`aiohttp` server on ``127.0.0.1`` (random free port) that speaks the Bot API
wire protocol closely enough for a real :class:`telegram.ext.Application` to run against it::

    fake = FakeTelegram()
    await fake.start()
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.send_text(1001, "/start")
        (reply,) = await fake.wait_for_messages(1001, 1)
        ...
        await app.updater.stop()
        await app.stop()
    await fake.stop()

What it emulates:

* the ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ..., "description": ...}``
  envelope, with the HTTP status equal to ``error_code`` (PTB maps it to its exceptions);
* JSON bodies, ``application/x-www-form-urlencoded`` and ``multipart/form-data`` (PTB JSON-encodes
  nested fields such as ``reply_markup`` into form fields and uploads files as multipart parts);
* real long polling for ``getUpdates`` (``offset``/``timeout``/``limit``/``allowed_updates``),
  including 409 ``Conflict`` when a newer ``getUpdates`` supersedes a pending one;
* HTML ``parse_mode`` like tdlib's parser (same error texts and byte offsets; by default a bare
  ``&`` is rejected too, which real Telegram tolerates — see ``strict_html_ampersand``), the 4096
  limit counted in UTF-16 units on the text *after* entity parsing and whitespace trimming,
  callback data limits, "message is not modified", inline-result limits, and injectable
  403/400/429 failures.

Not emulated: Markdown/MarkdownV2 validation (text is stored as sent), media other than
documents, webhooks delivery, forum topics, payments, privacy mode in groups.

Everything runs in the event loop that calls :meth:`FakeTelegram.start`; the helper methods are
plain synchronous calls except the ``wait_*`` ones. Import it as ``from tests.fake_telegram
import FakeTelegram`` (``tests`` is a package). Notes for Application tests:

* ``post_init`` only runs inside ``run_polling()``; when starting by hand call it yourself;
* stop the Application (``updater.stop()``, ``stop()``) before :meth:`FakeTelegram.stop`;
* PTB strips "Bad Request: " and capitalises error texts (``BadRequest("Message is too long")``);
  :attr:`FakeTelegram.requests` keeps the exact descriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Literal, TypeVar, cast

from aiohttp import web

__all__ = [
    "BOT_USERNAME",
    "DEFAULT_TOKEN",
    "BotRequest",
    "CallbackAnswer",
    "FakeChat",
    "FakeFile",
    "FakeMessage",
    "FakeTelegram",
    "FakeUser",
    "HTMLParseError",
    "InlineAnswer",
    "TelegramAPIError",
    "UploadedFile",
    "detect_entities",
    "parse_html",
    "utf16_len",
]

JSON = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]
_T = TypeVar("_T")

BOT_USERNAME: Final = "dangwu_test_bot"
DEFAULT_TOKEN: Final = "123456789:AAFakeTelegramTokenForTests_dangwu"

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_INLINE_RESULTS: Final = 50
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024
MAX_UPLOAD_SIZE: Final = 50 * 1024 * 1024

#: How often ``wait_*`` re-evaluate their predicate even without a server event, so conditions
#: that depend on state outside the fake (e.g. a list filled by an error handler) are seen too.
_RECHECK_INTERVAL: Final = 0.02

#: Update types delivered when ``allowed_updates`` was never set or set to ``[]``.
_DEFAULT_EXCLUDED_UPDATES: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)

#: Form fields that are always plain strings; every other form field is JSON-decoded when it
#: parses as JSON (PTB sends ints/bools/objects JSON-encoded and strings verbatim).
_STRING_FIELDS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "file_id",
        "action",
        "url",
        "language_code",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "secret_token",
        "ip_address",
        "document",
        "photo",
        "audio",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "question",
        "explanation",
        "payload",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
    }
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_ACTIONS: Final = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)

_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")

_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class TelegramAPIError(Exception):
    """An error answer of the fake API: becomes ``{"ok": false, ...}`` with that HTTP status."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(message: str) -> TelegramAPIError:
    return TelegramAPIError(400, f"Bad Request: {message}")


class HTMLParseError(ValueError):
    """Raised by :func:`parse_html`; the message is tdlib's text (without the API prefix)."""


# --------------------------------------------------------------------------------------------
# Text helpers: UTF-16 lengths, tdlib-compatible HTML parsing, entity detection
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets/lengths)."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_ENTITIES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
# tdlib's is_space() includes NUL, which doubles as its end-of-string sentinel.
_SPACES: Final = frozenset(b" \t\r\n\v\f\x00")
_LT, _GT, _AMP, _SLASH, _EQ = 0x3C, 0x3E, 0x26, 0x2F, 0x3D
_QUOTES: Final = frozenset(b"'\"")
_ENTITY_PRIORITY: Final = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


def _is_ascii_alnum(c: int) -> bool:
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _decode_html_entity(b: bytes, pos: int) -> tuple[int, int, bool]:
    """tdlib's decode_html_entity: ``(code point or 0, end position, had ';')``."""

    def at(i: int) -> int:
        return b[i] if i < len(b) else 0

    end = pos + 1
    res = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF":
                res = res * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                res = res * 10 + at(end) - 0x30
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while 0x41 <= at(end) <= 0x5A or 0x61 <= at(end) <= 0x7A:
            end += 1
        name = b[pos + 1 : end]
        named = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
        if name not in named:
            return 0, pos, False
        res = named[name]
    if at(end) == ord(";"):
        return res, end + 1, True
    return res, end, False


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[JSON]]:
    """Parse Bot API HTML like Telegram (a port of tdlib's ``parse_html``).

    Returns the plain text and its entities (UTF-16 offsets, Bot API ``MessageEntity`` dicts).
    Raises :class:`HTMLParseError` with tdlib's message, e.g.
    ``Unsupported start tag "br" at byte offset 0``.

    With ``strict_ampersand`` a ``&`` that does not start a complete, ``;``-terminated entity
    (``&lt;``, ``&gt;``, ``&amp;``, ``&quot;``, ``&#NN;``, ``&#xHH;``) is an error too. Real
    Telegram keeps such a ``&`` literally; strict mode exists to catch text that was not passed
    through ``html.escape``.
    """
    b = text.encode("utf-8")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[JSON] = []
    # (tag name, argument, utf16 offset at start, byte position in ``out`` at start)
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < n:
        c = b[i]
        if c == _AMP:
            code, end, had_semicolon = _decode_html_entity(b, i)
            if code != 0 and (had_semicolon or not strict_ampersand):
                if 0xD800 <= code <= 0xDFFF:
                    raise HTMLParseError(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                out += chr(code).encode("utf-8")
                utf16 += 2 if code > 0xFFFF else 1
                i = end
                continue
            if strict_ampersand:
                raise HTMLParseError(
                    f'Character "&" at byte offset {i} must be escaped as "&amp;" '
                    "(fake_telegram strict mode; real Telegram would keep it literally)"
                )
        if c != _LT:
            if c & 0xC0 != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != _SLASH:
            # start tag
            while at(i) not in _SPACES and at(i) != _GT:
                i += 1
            if at(i) == 0:
                raise HTMLParseError(f"Unclosed start tag at byte offset {begin}")
            tag = b[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in _HTML_TAGS:
                raise HTMLParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != _GT:
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == _GT:
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) != _EQ and at(i) != _GT:
                    i += 1
                attr_name = b[attr_begin:i]
                if not attr_name:
                    raise HTMLParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != _EQ:
                    if tag == "blockquote" and attr_name == b"expandable":
                        argument = "1"
                        continue
                    raise HTMLParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise HTMLParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value = bytearray()
                if at(i) not in _QUOTES:
                    token_begin = i
                    while _is_ascii_alnum(at(i)) or at(i) in (0x2E, 0x2D):
                        i += 1
                    value += b[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != _GT:
                        raise HTMLParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != 0:
                        if at(i) == _AMP:
                            code, end, _ = _decode_html_entity(b, i)
                            if code != 0:
                                value += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if at(i) == 0:
                    raise HTMLParseError(f"Unclosed start tag at byte offset {begin}")
                val = value.decode("utf-8", "replace")
                if tag == "a" and attr_name == b"href":
                    argument = val
                elif tag == "code" and attr_name == b"class" and val.startswith("language-"):
                    argument = val[9:]
                elif tag == "span" and attr_name == b"class" and val.startswith("tg-"):
                    argument = val[3:]
                elif tag == "tg-emoji" and attr_name == b"emoji-id":
                    argument = val
            if tag == "span" and argument != "spoiler":
                raise HTMLParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise HTMLParseError(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != _GT:
            i += 1
        end_tag = b[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != _GT:
            raise HTMLParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start, out_start = stack[-1]
        if end_tag and end_tag != tag:
            raise HTMLParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        if utf16 > start:
            length = utf16 - start
            entity: JSON | None = None
            if tag in _SIMPLE_TAG_ENTITIES:
                entity = {"type": _SIMPLE_TAG_ENTITIES[tag]}
            elif tag == "span":
                entity = {"type": "spoiler"}
            elif tag == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0:
                    raise HTMLParseError("Invalid custom emoji identifier specified")
                entity = {"type": "custom_emoji", "custom_emoji_id": argument}
            elif tag == "a":
                url = argument or bytes(out[out_start:]).decode("utf-8", "replace")
                if url and not any(ch.isspace() for ch in url):
                    entity = {"type": "text_link", "url": url}
            elif tag == "blockquote":
                entity = {"type": "expandable_blockquote" if argument else "blockquote"}
            elif tag == "pre":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "code"
                    and last["offset"] == start
                    and last["length"] == length
                    and last.get("_language")
                ):
                    last["type"] = "pre"
                    last["language"] = last.pop("_language")
                else:
                    entity = {"type": "pre"}
            elif tag == "code":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "pre"
                    and last["offset"] == start
                    and last["length"] == length
                    and argument
                ):
                    last["language"] = argument
                else:
                    entity = {"type": "code", "_language": argument}
            if entity is not None:
                entity["offset"] = start
                entity["length"] = length
                entities.append(entity)
        stack.pop()
        i += 1  # skip '>'

    if stack:
        raise HTMLParseError(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50)))
    return out.decode("utf-8"), entities


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def detect_entities(text: str) -> list[JSON]:
    """Entities Telegram adds to a user's message: ``bot_command`` and ``mention``.

    Follows tdlib's matchers: ``/cmd`` or ``/cmd@botname`` not glued to a word or ``/<>``, and
    ``@username`` (4-32 chars) not preceded by a word character.
    """
    found: list[tuple[str, int, int]] = []
    n = len(text)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        if ch == "/":
            if prev and (_is_word_char(prev) or prev in "/<>"):
                continue
            j = i + 1
            while j < n and _is_ascii_word(text[j]):
                j += 1
            if not 1 <= j - i - 1 <= 64:
                continue
            end = j
            if j < n and text[j] == "@":
                k = j + 1
                while k < n and _is_ascii_word(text[k]):
                    k += 1
                if not 3 <= k - j - 1 <= 32:
                    continue
                end = k
            nxt = text[end] if end < n else ""
            if nxt and (_is_word_char(nxt) or nxt in "/<>"):
                continue
            found.append(("bot_command", i, end))
        elif ch == "@":
            if prev and _is_word_char(prev):
                continue
            j = i + 1
            while j < n and _is_ascii_word(text[j]):
                j += 1
            if not 4 <= j - i - 1 <= 32:
                continue
            nxt = text[j] if j < n else ""
            if nxt and _is_word_char(nxt):
                continue
            found.append(("mention", i, j))
    return [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for kind, start, end in found
    ]


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace like Telegram does, keeping entities aligned."""
    left = text.lstrip()
    shift = utf16_len(text[: len(text) - len(left)])
    stripped = left.rstrip()
    total = utf16_len(stripped)
    result: list[JSON] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - shift, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


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


_Handler = Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]


def _decode_field(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise _bad_request(f"invalid {name} specified")


def _opt_str(params: JSON, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _update_kind(update: JSON) -> str:
    return next((k for k in update if k != "update_id"), "")


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """Fake Bot API server plus helpers to play the users' side and inspect what the bot did.

    State (chats, message ids, update ids, files, recorded requests) lives in this object, not in
    the HTTP server, so several Applications can run one after another against one instance.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = "党务助手测试",
        host: str = "127.0.0.1",
        strict_html_ampersand: bool = True,
        strict_chats: bool = False,
        max_long_poll: float = 50.0,
    ) -> None:
        """
        Args:
            token: the only token accepted (others get 401 Unauthorized); the bot's user id is
                its numeric prefix.
            strict_html_ampersand: reject a bare ``&`` in HTML text (see :func:`parse_html`).
            strict_chats: sending to a chat never seen before fails with "chat not found"
                instead of creating the chat on the fly.
            max_long_poll: cap for ``getUpdates`` ``timeout`` (Telegram's is 50 s).
        """
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user = FakeUser(
            id=int(prefix) if prefix.isdigit() else 123456789,
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
            language_code=None,
        )
        self.host = host
        self.strict_html_ampersand = strict_html_ampersand
        self.strict_chats = strict_chats
        self.max_long_poll = max_long_poll

        self.requests: list[BotRequest] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        #: ``setMyCommands`` per ``(scope key, language_code)``; scope keys are "default",
        #: "all_private_chats", "all_group_chats", "all_chat_administrators", "chat:<id>",
        #: "chat_administrators:<id>", "chat_member:<chat id>:<user id>".
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        #: Values stored by simple setters (setMyDescription, setMyName, setChatMenuButton, ...).
        self.settings: dict[str, JSON] = {}
        self.webhook_url = ""

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()

        self._next_update_id = 100_000_001
        self._updates: list[JSON] = []
        self._delivered: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0

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

        methods: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "close": self._return_true,
            "logOut": self._return_true,
        }
        for name in (
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "setChatMenuButton",
            "setMyDefaultAdministratorRights",
        ):
            methods[name] = self._make_setter(name)
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler) for name, handler in methods.items()
        }

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving on ``host`` and a free port (in the running event loop)."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._closing = False
        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        address = runner.addresses[0]
        self._port = int(address[1])
        self._runner = runner

    async def stop(self) -> None:
        """Stop the server; pending long polls return at once. State is kept."""
        self._closing = True
        self._notify_updates()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not running; await start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: ``http://127.0.0.1:PORT/file/bot``."""
        return f"http://{self.host}:{self.port}/file/bot"

    # ---- users and chats ---------------------------------------------------------------------

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

    # ---- injected failures ---------------------------------------------------------------------

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

    # ---- files -------------------------------------------------------------------------------

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

    # ---- the user side: queue updates ----------------------------------------------------------

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

    # ---- inspection ----------------------------------------------------------------------------

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

    def rejected(self) -> list[BotRequest]:
        """Calls Telegram would have rejected on its own (not failures the test injected):
        a second answer to a button press, an edit that changes nothing, bad markup …"""
        return [r for r in self.requests if not r.ok and not r.injected]

    def calls(self, method: str) -> list[BotRequest]:
        """Recorded requests of one method (name compared case-insensitively)."""
        wanted = method.lower()
        return [r for r in self.requests if r.method.lower() == wanted]

    def chat_actions(self, chat_id: int) -> list[str]:
        """Successful ``sendChatAction`` actions for a chat, in order."""
        return [
            str(r.params.get("action"))
            for r in self.calls("sendChatAction")
            if r.ok and str(r.params.get("chat_id")) == str(chat_id)
        ]

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

    @property
    def polls_started(self) -> int:
        """How many ``getUpdates`` calls have reached the server (finished or still waiting)."""
        return self._poll_generation

    def was_delivered(self, update: JSON) -> bool:
        """Whether ``getUpdates`` has returned this update at least once."""
        return int(update["update_id"]) in self._delivered

    # ---- waiting -------------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], _T | None], timeout: float = 5.0, *, what: str | None = None
    ) -> _T:
        """Wait until ``predicate()`` is truthy and return its value.

        Woken by every server event (request handled, update queued) and re-checked every
        20 ms for state outside the fake. Raises :class:`TimeoutError` listing recent requests.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(what or repr(predicate), timeout))
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, _RECHECK_INTERVAL))

    async def wait_for_messages(
        self, chat_id: int, n: int = 1, timeout: float = 5.0
    ) -> list[FakeMessage]:
        """Wait until the bot has at least ``n`` (non-deleted) messages in the chat; return all."""

        def enough() -> list[FakeMessage]:
            sent = self.messages(chat_id)
            return sent if len(sent) >= n else []

        return await self.wait_for(enough, timeout, what=f"{n} bot message(s) in chat {chat_id}")

    async def wait_for_request(
        self,
        method: str,
        predicate: Callable[[BotRequest], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = 5.0,
    ) -> BotRequest:
        """Wait for a handled request of ``method`` (matching ``predicate``) and return it.

        Only requests at index ``>= since`` of :attr:`requests` count; pass
        ``since=len(fake.requests)`` to wait for a new one.
        """
        wanted = method.lower()

        def find() -> BotRequest | None:
            for request in self.requests[since:]:
                if request.method.lower() == wanted and (predicate is None or predicate(request)):
                    return request
            return None

        return await self.wait_for(find, timeout, what=f"a {method} request")

    async def wait_delivered(self, update: JSON, timeout: float = 5.0) -> None:
        """Wait until the bot fetched ``update`` via ``getUpdates``."""
        await self.wait_for(
            lambda: self.was_delivered(update),
            timeout,
            what=f"delivery of update {update['update_id']}",
        )

    def _timeout_report(self, what: str, timeout: float) -> str:
        lines = [f"timed out after {timeout}s waiting for {what}; last requests:"]
        recent = [r for r in self.requests if r.method != "getUpdates"][-10:]
        for r in recent:
            outcome = "ok" if r.ok else f"{r.status} {r.description}"
            params = {k: v for k, v in r.params.items() if k in ("chat_id", "text", "message_id")}
            lines.append(f"  {r.method} {params} -> {outcome}")
        if not recent:
            lines.append("  (none)")
        return "\n".join(lines)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    # ---- HTTP layer ----------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
        params: JSON = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = _decode_field(key, value)
        if request.method != "POST" or not request.can_read_body:
            return params, files
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = json.loads(await request.text() or "{}")
            except ValueError as exc:
                raise _bad_request("can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise _bad_request("JSON object expected")
            params.update(body)
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, item in form.items():
                if isinstance(item, web.FileField):
                    files[key] = UploadedFile(
                        filename=item.filename,
                        data=item.file.read(),
                        content_type=item.content_type,
                    )
                elif isinstance(item, bytes | bytearray):
                    params[key] = _decode_field(key, bytes(item).decode("utf-8", "replace"))
                else:
                    params[key] = _decode_field(key, str(item))
        return params, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method_name = request.match_info["method"]
        entry = self._methods.get(method_name.lower())
        canonical = entry[0] if entry else method_name
        params: JSON = {}
        files: dict[str, UploadedFile] = {}
        injected = False
        try:
            if token != self.token:
                raise TelegramAPIError(401, "Unauthorized")
            params, files = await self._read_params(request)
            if entry is None:
                raise TelegramAPIError(404, "Not Found: method not found")
            failures = self._failures.get(canonical.lower())
            injected = True
            if failures:
                failure = failures.popleft()
                raise TelegramAPIError(failure.error_code, failure.description, failure.parameters)
            if "chat_id" in params:
                self._check_chat_state(canonical, params["chat_id"])
            injected = False
            result = await entry[1](params, files)
            body: JSON = {"ok": True, "result": result}
            status = 200
        except TelegramAPIError as exc:
            body = exc.envelope()
            status = exc.error_code
        self.requests.append(
            BotRequest(
                method=canonical,
                params=params,
                files=files,
                time=time.time(),
                http_method=request.method,
                status=status,
                response=body,
                injected=injected and status != 200,
            )
        )
        self._notify()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        fake_file = self._files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self.token or fake_file is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=fake_file.data, content_type=fake_file.mime_type or "application/octet-stream"
        )

    # ---- shared validation -----------------------------------------------------------------

    def _check_chat_state(self, method: str, raw_chat_id: Any) -> None:
        chat_id = self._lookup_chat_id(raw_chat_id)
        if chat_id is None:
            return
        if chat_id in self._not_found:
            raise _bad_request("chat not found")
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
            return _as_int(raw, "chat_id")
        except TelegramAPIError:
            return None

    def _resolve_chat(self, params: JSON) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        chat_id = self._lookup_chat_id(raw)
        if chat_id is None:
            raise _bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise _bad_request("chat not found")
            chat = self._ensure_chat(chat_id, None)
        return chat

    def _format(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                plain, parsed = parse_html(text, strict_ampersand=self.strict_html_ampersand)
            except HTMLParseError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from exc
        elif mode in ("markdown", "markdownv2"):
            plain, parsed = text, []  # not validated by the fake
        elif mode == "":
            plain = text
            parsed = [dict(e) for e in entities] if isinstance(entities, list) else []
        else:
            raise _bad_request("unsupported parse_mode")
        return _trim(plain, parsed)

    def _check_markup(self, markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request("can't parse inline keyboard markup")
            count = 0
            for row in rows:
                for button in row:
                    count += 1
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad_request(
                            'can\'t parse inline keyboard button: Field "text" must be of type '
                            "String"
                        )
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad_request("BUTTON_DATA_INVALID")
                    if not _INLINE_BUTTON_ACTIONS.intersection(button):
                        raise _bad_request("text buttons are unallowed in the inline keyboard")
            if count > 100:
                raise _bad_request("reply markup is too long")
        return markup

    def _reply_target(self, chat: FakeChat, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            message_id = _as_int(reply["message_id"], "message_id")
            allow = _truthy(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = _as_int(params["reply_to_message_id"], "reply_to_message_id")
            allow = _truthy(params.get("allow_sending_without_reply"))
        else:
            return None
        target = self._messages.get(chat.id, {}).get(message_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise _bad_request("message to be replied not found")
        return message_id

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

    def _edit_target(self, params: JSON) -> FakeMessage:
        chat = self._resolve_chat(params)
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        message_id = _as_int(params["message_id"], "message_id")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted:
            raise _bad_request("message to edit not found")
        if not message.outgoing:
            raise _bad_request("message can't be edited")
        return message

    def _checked_text(self, params: JSON) -> tuple[str, list[JSON]]:
        raw = params.get("text")
        if raw is None or raw == "":
            raise _bad_request("message text is empty")
        plain, entities = self._format(str(raw), params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise _bad_request("message text is empty")
        if utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        return plain, entities

    def _checked_caption(self, params: JSON) -> tuple[str | None, list[JSON]]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, []
        plain, entities = self._format(
            str(raw), params.get("parse_mode"), params.get("caption_entities")
        )
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        return plain or None, entities

    # ---- API methods ---------------------------------------------------------------------------

    async def _return_true(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return True

    def _make_setter(self, name: str) -> _Handler:
        async def setter(params: JSON, files: dict[str, UploadedFile]) -> Any:
            self.settings[name] = dict(params)
            return True

        return setter

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return {
            **self.bot_user.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params["offset"], "offset") if params.get("offset") else 0
        limit = _as_int(params["limit"], "limit") if params.get("limit") else 100
        limit = min(max(limit, 1), 100)
        timeout = params.get("timeout") or 0
        if isinstance(timeout, str):
            timeout = float(timeout) if timeout.strip() else 0
        timeout = min(max(float(timeout), 0.0), self.max_long_poll)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if isinstance(allowed, str):
                allowed = json.loads(allowed) if allowed else []
            if not isinstance(allowed, list):
                raise _bad_request("can't parse allowed updates list")
            self._allowed_updates = [str(a) for a in allowed] or None

        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older pending poll now answers 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise TelegramAPIError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            batch = self._select_updates(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                self._delivered.update(int(u["update_id"]) for u in batch)
                return batch
            event = self._updates_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _select_updates(self, limit: int) -> list[JSON]:
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._updates = [u for u in self._updates if _update_kind(u) in allowed]
        else:
            self._updates = [
                u for u in self._updates if _update_kind(u) not in _DEFAULT_EXCLUDED_UPDATES
            ]
        return self._updates[:limit]

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self.webhook_url = ""
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self._notify_updates()
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = cleaned
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self.commands.get(key, []))

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        plain, entities = self._checked_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._store_message(
            chat,
            self.bot_user,
            outgoing=True,
            text=plain,
            raw_text=str(params["text"]),
            parse_mode=_opt_str(params, "parse_mode"),
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return self._message_dict(message)

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._checked_text(params)
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        if message.text is None:
            raise _bad_request("there is no text in the message to edit")
        plain, entities = self._checked_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            plain == message.text
            and entities == message.entities
            and markup == (message.reply_markup)
        ):
            raise _bad_request(_NOT_MODIFIED)
        message.text = plain
        message.raw_text = str(params["text"])
        message.parse_mode = _opt_str(params, "parse_mode")
        message.entities = entities
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    async def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._checked_caption(params)
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        if message.document is None:
            raise _bad_request("there is no caption in the message to edit")
        caption, entities = self._checked_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            caption == message.caption
            and entities == message.caption_entities
            and markup == (message.reply_markup)
        ):
            raise _bad_request(_NOT_MODIFIED)
        message.caption = caption
        message.raw_caption = _opt_str(params, "caption")
        message.caption_entities = entities
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise _bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    def _mark_edited(self, message: FakeMessage) -> None:
        message.edit_date = int(time.time())
        message.edit_count += 1

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        message_id = _as_int(params["message_id"], "message_id")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted:
            raise _bad_request("message to delete not found")
        message.deleted = True
        return True

    async def _delete_messages(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad_request("message identifiers are not specified")
        for raw in ids:
            message = self._messages.get(chat.id, {}).get(_as_int(raw, "message_id"))
            if message is not None:
                message.deleted = True
        return True

    async def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        info = self._pending_callbacks.get(query_id)
        if info is None:
            raise _bad_request(_QUERY_TOO_OLD)
        text = _opt_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=_truthy(params.get("show_alert")),
                url=_opt_str(params, "url"),
                cache_time=_as_int(params.get("cache_time", 0), "cache_time"),
                data=info.get("data"),
                chat_id=info.get("chat_id"),
                message_id=info.get("message_id"),
            )
        )
        return True

    async def _answer_inline_query(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._pending_inline:
            raise _bad_request(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise _bad_request("can't parse InlineQueryResult")
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            self._check_markup(result.get("reply_markup"))
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                message_text = str(content.get("message_text") or "")
                plain, _ = self._format(
                    message_text, content.get("parse_mode"), content.get("entities")
                )
                if not plain:
                    raise _bad_request("MESSAGE_EMPTY")
                if utf16_len(plain) > MAX_MESSAGE_LENGTH:
                    raise _bad_request("MESSAGE_TOO_LONG")
        query = self._pending_inline.pop(query_id)
        cache_time = params.get("cache_time")
        button = params.get("button")
        self.inline_answers.append(
            InlineAnswer(
                inline_query_id=query_id,
                query=query,
                results=results,
                cache_time=None if cache_time is None else _as_int(cache_time, "cache_time"),
                is_personal=_truthy(params.get("is_personal")),
                next_offset=_opt_str(params, "next_offset"),
                button=button if isinstance(button, dict) else None,
            )
        )
        return True

    async def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        upload = files.get("document")
        ref = params.get("document")
        if upload is None and isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref[len("attach://") :])
        if upload is not None:
            if not upload.data:
                raise _bad_request("file must be non-empty")
            document = self.register_file(upload.data, upload.filename, upload.content_type)
        elif isinstance(ref, str) and ref.startswith(("http://", "https://")):
            name = ref.rstrip("/").rsplit("/", 1)[-1] or "file"
            document = self.register_file(b"", name)
        elif isinstance(ref, str) and ref:
            known = self._files.get(ref)
            if known is None:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            document = known
        else:
            raise _bad_request("there is no document in the request")
        caption, caption_entities = self._checked_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._store_message(
            chat,
            self.bot_user,
            outgoing=True,
            parse_mode=_opt_str(params, "parse_mode"),
            caption=caption,
            raw_caption=_opt_str(params, "caption"),
            caption_entities=caption_entities,
            reply_markup=markup,
            document=document,
            reply_to=reply_to,
        )
        return self._message_dict(message)

    async def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self._resolve_chat(params)
        if str(params.get("action") or "") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_dict(self, chat: FakeChat, user_id: int) -> JSON:
        user = self.user(user_id).to_dict()
        status = self._member_status.get(chat.id, {}).get(user_id, "member")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **dict.fromkeys(rights, True),
            }
        if status == "restricted":
            permissions = (
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_send_messages",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_manage_topics",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
            )
            return {
                "status": "restricted",
                "user": user,
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(permissions, False),
            }
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status == "left":
            return {"status": "left", "user": user}
        return {"status": "member", "user": user}

    async def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if params.get("user_id") is None:
            raise _bad_request("user_id is empty")
        return self._member_dict(chat, _as_int(params["user_id"], "user_id"))

    async def _get_chat_administrators(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            raise _bad_request("there are no administrators in the private chat")
        statuses = self._member_status.get(chat.id, {})
        creators = [uid for uid, s in statuses.items() if s == "creator"]
        admins = [uid for uid, s in statuses.items() if s == "administrator"]
        return [self._member_dict(chat, uid) for uid in creators + admins]

    async def _get_chat_member_count(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            return 2
        statuses = self._member_status.get(chat.id, {})
        present = {uid for uid, s in statuses.items() if s not in ("left", "kicked")}
        senders = {m.sender.id for m in self._messages.get(chat.id, {}).values()}
        return len(present | senders | {self.bot_user.id})

    async def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        file_id = str(params.get("file_id") or "")
        fake_file = self._files.get(file_id)
        if fake_file is None:
            raise _bad_request("wrong file_id or the file is temporarily unavailable")
        if fake_file.size > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": fake_file.file_id,
            "file_unique_id": fake_file.file_unique_id,
            "file_size": fake_file.size,
            "file_path": fake_file.file_path,
        }
