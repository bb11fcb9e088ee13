"""The fake's transport: aiohttp server, ``getUpdates`` long polling, request log, ``wait_*``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, TypeVar

from aiohttp import web

from fakebotapi.common import (
    BOT_USERNAME,
    DEFAULT_TOKEN,
    JSON,
    MAX_UPLOAD_SIZE,
    TelegramAPIError,
    as_int,
    bad_request,
)
from fakebotapi.methods import BotAPIMethods
from fakebotapi.state import BotRequest, FakeMessage, UploadedFile

_T = TypeVar("_T")

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


def _decode_field(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _update_kind(update: JSON) -> str:
    return next((k for k in update if k != "update_id"), "")


class FakeTelegram(BotAPIMethods):
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
        super().__init__(
            token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            strict_html_ampersand=strict_html_ampersand,
            strict_chats=strict_chats,
        )
        self.host = host
        self.max_long_poll = max_long_poll

        self.requests: list[BotRequest] = []

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

        self._delivered: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0

        self._methods["getupdates"] = ("getUpdates", self._get_updates)

    # ---- lifecycle -------------------------------------------------------------------------------

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

    # ---- request log -----------------------------------------------------------------------------

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

    @property
    def polls_started(self) -> int:
        """How many ``getUpdates`` calls have reached the server (finished or still waiting)."""
        return self._poll_generation

    def was_delivered(self, update: JSON) -> bool:
        """Whether ``getUpdates`` has returned this update at least once."""
        return int(update["update_id"]) in self._delivered

    # ---- waiting ---------------------------------------------------------------------------------

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

    # ---- HTTP layer ------------------------------------------------------------------------------

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
                raise bad_request("can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
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

    # ---- getUpdates long polling -----------------------------------------------------------------

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = as_int(params["offset"], "offset") if params.get("offset") else 0
        limit = as_int(params["limit"], "limit") if params.get("limit") else 100
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
                raise bad_request("can't parse allowed updates list")
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
