"""Keep the bot token out of every log line, at every level.

python-telegram-bot and httpx log request URLs, and a Bot API URL contains the token
(``…/bot<token>/getUpdates``); exception texts can contain it too. :func:`install` wraps the
log-record factory, so every record, whichever logger or handler it goes through (pytest's
caplog included), has the token replaced before anything formats it.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

MASK = "<TOKEN>"
_installed: set[str] = set()


def redact(text: str, secrets: set[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _redacted(record: logging.LogRecord, secrets: set[str]) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a bad format string: keep the raw message, not lose the line
        message = str(record.msg)
    record.msg, record.args = redact(message, secrets), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip(), secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)
    return record


def install(token: str | None) -> None:
    """Redact ``token`` from every log record created from now on (idempotent)."""
    if not token or token in _installed:
        return
    _installed.add(token)
    if len(_installed) > 1:
        return  # the factory below already reads the shared set
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redacted(previous(*args, **kwargs), _installed)

    logging.setLogRecordFactory(factory)
