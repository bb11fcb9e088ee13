"""Shared bits of the fake Bot API: JSON alias, limits, the API error and param coercion."""

from __future__ import annotations

import contextlib
from typing import Any, Final, Literal

JSON = dict[str, Any]


ChatType = Literal["private", "group", "supergroup", "channel"]

BOT_USERNAME: Final = "dangwu_test_bot"
DEFAULT_TOKEN: Final = "123456789:AAFakeTelegramTokenForTests_dangwu"

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_INLINE_RESULTS: Final = 50
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024
MAX_UPLOAD_SIZE: Final = 50 * 1024 * 1024


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


def bad_request(message: str) -> TelegramAPIError:
    return TelegramAPIError(400, f"Bad Request: {message}")


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise bad_request(f"invalid {name} specified")


def opt_str(params: JSON, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)
