"""One codec for callback data: ``prefix:field:field``, each field checked on the way in.

Views build button data with :meth:`Codec.encode`; front ends route a press with
:func:`decode`, which returns ``None`` for anything forged, stale or out of range, so a handler
never indexes a list with an unchecked number. Telegram allows 64 bytes of callback data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.replies import MAX_CALLBACK_BYTES

Value = int | str


@dataclass(frozen=True)
class Field:
    """One ``:``-separated field: a regex it must match and a converter for the match."""

    pattern: str
    convert: Callable[[str], Value] = str


def Int(lo: int = 0, hi: int = 2**63 - 1) -> Field:
    """A non-negative integer within [lo, hi]; the range check happens in :meth:`Codec.decode`."""
    return Field(r"\d{1,19}", lambda s: _in_range(int(s), lo, hi))


def Choice(*options: str) -> Field:
    return Field("|".join(re.escape(o) for o in options))


#: Rule ids look like ``zzsh.zhiweihui_pinci``.
RULE_ID = Field(r"[a-z][a-z0-9_]*\.[a-z0-9_.]+")
SIGN = Choice("+", "-")


class _OutOfRange(ValueError):
    pass


def _in_range(n: int, lo: int, hi: int) -> int:
    if not lo <= n <= hi:
        raise _OutOfRange(n)
    return n


class Codec:
    """Callback data of one kind of button, e.g. ``Codec("sc", Choice("a"), Int(1, 5))``."""

    def __init__(self, prefix: str, *fields: Field) -> None:
        self.prefix = prefix
        self.fields = fields
        body = "".join(f":({f.pattern})" for f in fields)
        self._re = re.compile(f"{re.escape(prefix)}{body}")
        _REGISTRY.append(self)

    @property
    def pattern(self) -> str:
        """A regex for the front end's router (PTB's ``CallbackQueryHandler(pattern=...)``)."""
        return f"^{self._re.pattern}$"

    def encode(self, *values: Value) -> str:
        data = ":".join([self.prefix, *(str(v) for v in values)])
        if self.decode(data) is None:
            raise ValueError(f"not valid for {self.prefix}: {data!r}")
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    def decode(self, data: str | None) -> tuple[Any, ...] | None:
        """The converted fields, or None when ``data`` is not this codec's or out of range."""
        if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            return None
        m = self._re.fullmatch(data)
        if m is None:
            return None
        try:
            return tuple(f.convert(v) for f, v in zip(self.fields, m.groups(), strict=True))
        except ValueError:
            return None


_REGISTRY: list[Codec] = []


def registered() -> Sequence[Codec]:
    """Every codec defined so far (tests check that prefixes never shadow each other)."""
    return tuple(_REGISTRY)
