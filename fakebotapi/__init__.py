"""A local fake of the Telegram Bot API for end-to-end tests of python-telegram-bot bots.

This package is a development tool, never shipped: the end-to-end tests (``tests/``) and the
benchmarks (``benchmarks/``) both drive the real bot against it, so it lives at the top of the
repository beside them rather than inside either (benchmarks must not import from ``tests``). It
is deliberately left out of ``[tool.setuptools.packages.find]``, so an installed ``dangwu`` never
contains it; it is importable only from a checkout's root, like ``tests`` and ``benchmarks``, and
needs the ``dev`` extra (``aiohttp``).

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
plain synchronous calls except the ``wait_*`` ones. Import it as ``from fakebotapi
import FakeTelegram`` (run from the repository root). Notes for Application tests:

* ``post_init`` only runs inside ``run_polling()``; when starting by hand call it yourself;
* stop the Application (``updater.stop()``, ``stop()``) before :meth:`FakeTelegram.stop`;
* PTB strips "Bad Request: " and capitalises error texts (``BadRequest("Message is too long")``);
  :attr:`FakeTelegram.requests` keeps the exact descriptions.

Layout: :mod:`fakebotapi.html` (HTML parsing, entities, UTF-16 lengths), :mod:`fakebotapi.state`
(users, chats, messages, files, injected failures), :mod:`fakebotapi.methods` (the Bot API
methods), :mod:`fakebotapi.server` (aiohttp transport, ``getUpdates`` long polling, request log,
``wait_*`` helpers); :mod:`fakebotapi.common` holds the JSON alias, limits and the API error.
"""

from fakebotapi.common import BOT_USERNAME, DEFAULT_TOKEN, TelegramAPIError
from fakebotapi.html import HTMLParseError, detect_entities, parse_html, utf16_len
from fakebotapi.server import FakeTelegram
from fakebotapi.state import (
    BotRequest,
    CallbackAnswer,
    FakeChat,
    FakeFile,
    FakeMessage,
    FakeUser,
    InlineAnswer,
    UploadedFile,
)

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
