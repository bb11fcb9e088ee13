"""Telegram text handling: UTF-16 lengths, tdlib-compatible HTML parsing, entity detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from fakebotapi.common import JSON


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
    return _HTMLParser(text, strict_ampersand).parse()


class _HTMLParser:
    """The state of one :func:`parse_html` call, walked one token at a time.

    tdlib's parser is a single long loop over the UTF-8 bytes; here each token kind (a character
    reference, a plain byte, a start tag with its attributes, an end tag) is one method, sharing
    the byte cursor ``i``, the output bytes, the running UTF-16 length and the open-tag stack, so
    that every step can be read (and compared with tdlib) on its own. Error texts and byte
    offsets are tdlib's.
    """

    def __init__(self, text: str, strict_ampersand: bool) -> None:
        self.b = text.encode("utf-8")
        self.n = len(self.b)
        self.strict_ampersand = strict_ampersand
        self.i = 0
        self.out = bytearray()
        self.utf16 = 0
        self.entities: list[JSON] = []
        # (tag name, argument, utf16 offset at start, byte position in ``out`` at start)
        self.stack: list[tuple[str, str, int, int]] = []

    def at(self, i: int) -> int:
        """The byte at ``i``, or 0 past the end (tdlib's NUL sentinel)."""
        return self.b[i] if i < self.n else 0

    def parse(self) -> tuple[str, list[JSON]]:
        """Consume the whole text, then check every tag was closed and order the entities."""
        while self.i < self.n:
            c = self.b[self.i]
            if c == _AMP and self._character_reference():
                continue
            if c != _LT:
                self._plain_byte(c)
            elif self.at(self.i + 1) != _SLASH:
                self._start_tag()
            else:
                self._end_tag()
        return self._finish()

    def _character_reference(self) -> bool:
        """Decode ``&...`` at the cursor into ``out``; False leaves a bare ``&`` as a plain byte
        (tdlib keeps it literally; strict mode raises instead)."""
        code, end, had_semicolon = _decode_html_entity(self.b, self.i)
        if code != 0 and (had_semicolon or not self.strict_ampersand):
            if 0xD800 <= code <= 0xDFFF:
                raise HTMLParseError(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            self.out += chr(code).encode("utf-8")
            self.utf16 += 2 if code > 0xFFFF else 1
            self.i = end
            return True
        if self.strict_ampersand:
            raise HTMLParseError(
                f'Character "&" at byte offset {self.i} must be escaped as "&amp;" '
                "(fake_telegram strict mode; real Telegram would keep it literally)"
            )
        return False

    def _plain_byte(self, c: int) -> None:
        """Copy one text byte; a UTF-8 lead byte adds its character's UTF-16 length (2 for a
        4-byte sequence, a surrogate pair), continuation bytes add nothing."""
        if c & 0xC0 != 0x80:
            self.utf16 += 2 if c >= 0xF0 else 1
        self.out.append(c)
        self.i += 1

    def _skip_spaces(self) -> None:
        while self.at(self.i) != 0 and self.at(self.i) in _SPACES:
            self.i += 1

    def _skip_name(self, *stops: int) -> None:
        """Move past a tag or attribute name: up to a space (or the end) or one of ``stops``."""
        while self.at(self.i) not in _SPACES and self.at(self.i) not in stops:
            self.i += 1

    def _start_tag(self) -> None:
        """``<tag attr=value ...>``: check the tag, read its attributes into one argument (the
        href, the code language, the span class, the emoji id, blockquote's expandable) and
        push it on the stack."""
        begin = self.i
        self.i += 1
        self._skip_name(_GT)
        if self.at(self.i) == 0:
            raise HTMLParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.b[begin + 1 : self.i].lower().decode("utf-8", "replace")
        if tag not in _HTML_TAGS:
            raise HTMLParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        while self.at(self.i) != _GT:
            argument = self._attribute(tag, begin, argument)
        if tag == "span" and argument != "spoiler":
            raise HTMLParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append((tag, argument, self.utf16, len(self.out)))
        self.i += 1  # skip '>'

    def _attribute(self, tag: str, begin: int, argument: str) -> str:
        """Read one ``name=value`` (or blockquote's bare ``expandable``) and return the tag's
        argument updated by it; stops early, argument unchanged, at the closing ``>``."""
        self._skip_spaces()
        if self.at(self.i) == _GT:
            return argument
        attr_begin = self.i
        self._skip_name(_EQ, _GT)
        attr_name = self.b[attr_begin : self.i]
        if not attr_name:
            raise HTMLParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        self._skip_spaces()
        if self.at(self.i) != _EQ:
            if tag == "blockquote" and attr_name == b"expandable":
                return "1"
            raise HTMLParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {begin}'
            )
        self.i += 1
        self._skip_spaces()
        if self.at(self.i) == 0:
            raise HTMLParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value = self._quoted_value() if self.at(self.i) in _QUOTES else self._name_token()
        if self.at(self.i) == 0:
            raise HTMLParseError(f"Unclosed start tag at byte offset {begin}")
        return _tag_argument(tag, attr_name, value.decode("utf-8", "replace"), argument)

    def _name_token(self) -> bytes:
        """An unquoted value: ASCII letters, digits, ``.`` and ``-`` only, lowercased."""
        token_begin = self.i
        while _is_ascii_alnum(self.at(self.i)) or self.at(self.i) in (0x2E, 0x2D):
            self.i += 1
        if self.at(self.i) not in _SPACES and self.at(self.i) != _GT:
            raise HTMLParseError(f"Unexpected end of name token at byte offset {token_begin}")
        return self.b[token_begin : self.i].lower()

    def _quoted_value(self) -> bytes:
        """A quoted value with its character references decoded (an unterminated quote runs to
        the end of the text, where the caller reports the unclosed tag)."""
        quote = self.at(self.i)
        self.i += 1
        value = bytearray()
        while self.at(self.i) != quote and self.at(self.i) != 0:
            if self.at(self.i) == _AMP:
                code, end, _ = _decode_html_entity(self.b, self.i)
                if code != 0:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    self.i = end
                    continue
            value.append(self.at(self.i))
            self.i += 1
        if self.at(self.i) == quote:
            self.i += 1
        return bytes(value)

    def _end_tag(self) -> None:
        """``</tag>`` or ``</>``: close the innermost open tag and add its entity when the tag
        enclosed some text (an empty ``<b></b>`` gives none)."""
        begin = self.i
        self.i += 1
        if not self.stack:
            raise HTMLParseError(f"Unexpected end tag at byte offset {begin}")
        self._skip_name(_GT)
        end_tag = self.b[begin + 2 : self.i].lower().decode("utf-8", "replace")
        self._skip_spaces()
        if self.at(self.i) != _GT:
            raise HTMLParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start, out_start = self.stack[-1]
        if end_tag and end_tag != tag:
            raise HTMLParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        if self.utf16 > start:
            entity = self._entity(tag, argument, start, out_start)
            if entity is not None:
                entity["offset"] = start
                entity["length"] = self.utf16 - start
                self.entities.append(entity)
        self.stack.pop()
        self.i += 1  # skip '>'

    def _entity(self, tag: str, argument: str, start: int, out_start: int) -> JSON | None:
        """The entity a closed tag makes (without offset/length), or None when it makes none
        (a link without a usable URL, or a ``pre``/``code`` merged into the entity before)."""
        if tag in _SIMPLE_TAG_ENTITIES:
            return {"type": _SIMPLE_TAG_ENTITIES[tag]}
        return _TAG_ENTITY[tag](self, argument, start, out_start)

    def _span_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        return {"type": "spoiler"}  # the start tag accepted only class="tg-spoiler"

    def _emoji_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        if not argument.isdigit() or int(argument) == 0:
            raise HTMLParseError("Invalid custom emoji identifier specified")
        return {"type": "custom_emoji", "custom_emoji_id": argument}

    def _link_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        """``<a>`` without href links its own text; a URL with whitespace links nothing."""
        url = argument or bytes(self.out[out_start:]).decode("utf-8", "replace")
        if url and not any(ch.isspace() for ch in url):
            return {"type": "text_link", "url": url}
        return None

    def _blockquote_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        return {"type": "expandable_blockquote" if argument else "blockquote"}

    def _pre_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        """``<pre><code class="language-x">…</code></pre>``: the inner code (same span, with a
        language) becomes the pre with that language instead of a second entity."""
        last = self._last_same_span("code", start)
        if last is not None and last.get("_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_language")
            return None
        return {"type": "pre"}

    def _code_entity(self, argument: str, start: int, out_start: int) -> JSON | None:
        """``<code class="language-x"><pre>…</pre></code>``: the language goes onto the inner
        pre; otherwise a code entity that remembers its language for an enclosing pre."""
        last = self._last_same_span("pre", start)
        if last is not None and argument:
            last["language"] = argument
            return None
        return {"type": "code", "_language": argument}

    def _last_same_span(self, kind: str, start: int) -> JSON | None:
        """The last entity added when it has type ``kind`` and covers exactly the tag being
        closed (from ``start`` to the current position), else None."""
        last = self.entities[-1] if self.entities else None
        if (
            last is not None
            and last["type"] == kind
            and last["offset"] == start
            and last["length"] == self.utf16 - start
        ):
            return last
        return None

    def _finish(self) -> tuple[str, list[JSON]]:
        if self.stack:
            raise HTMLParseError(
                f"Can't find end tag corresponding to start tag {self.stack[-1][0]}"
            )
        for entity in self.entities:
            entity.pop("_language", None)
        self.entities.sort(
            key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50))
        )
        return self.out.decode("utf-8"), self.entities


#: The entity of each closing tag that is not a plain style (:data:`_SIMPLE_TAG_ENTITIES`).
_TAG_ENTITY: Final[dict[str, Callable[[_HTMLParser, str, int, int], JSON | None]]] = {
    "span": _HTMLParser._span_entity,
    "tg-emoji": _HTMLParser._emoji_entity,
    "a": _HTMLParser._link_entity,
    "blockquote": _HTMLParser._blockquote_entity,
    "pre": _HTMLParser._pre_entity,
    "code": _HTMLParser._code_entity,
}


def _tag_argument(tag: str, attr_name: bytes, value: str, argument: str) -> str:
    """The tag's argument after one attribute: the ones tdlib reads (``a href``, ``code
    class="language-…"``, ``span class="tg-…"``, ``tg-emoji emoji-id``) replace it, any other
    attribute is ignored."""
    if tag == "a" and attr_name == b"href":
        return value
    if tag == "code" and attr_name == b"class" and value.startswith("language-"):
        return value[9:]
    if tag == "span" and attr_name == b"class" and value.startswith("tg-"):
        return value[3:]
    if tag == "tg-emoji" and attr_name == b"emoji-id":
        return value
    return argument


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _glued(ch: str, extra: str = "") -> bool:
    """Whether the neighbouring character ``ch`` ("" at either end of the text) is a word
    character or one of ``extra``, which stops tdlib from seeing a command or mention."""
    return bool(ch) and (_is_word_char(ch) or ch in extra)


def _ascii_word_end(text: str, j: int) -> int:
    """The index after the run of ASCII word characters starting at ``j``."""
    while j < len(text) and _is_ascii_word(text[j]):
        j += 1
    return j


def _command_end(text: str, i: int) -> int | None:
    """End of the ``/cmd`` or ``/cmd@botname`` at ``i`` (command 1-64, bot name 3-32 ASCII
    word characters), or None when tdlib would not mark it."""
    if i and _glued(text[i - 1], "/<>"):
        return None
    end = _ascii_word_end(text, i + 1)
    if not 1 <= end - i - 1 <= 64:
        return None
    if end < len(text) and text[end] == "@":
        k = _ascii_word_end(text, end + 1)
        if not 3 <= k - end - 1 <= 32:
            return None
        end = k
    if end < len(text) and _glued(text[end], "/<>"):
        return None
    return end


def _mention_end(text: str, i: int) -> int | None:
    """End of the ``@username`` at ``i`` (4-32 ASCII word characters), or None when tdlib
    would not mark it."""
    if i and _glued(text[i - 1]):
        return None
    end = _ascii_word_end(text, i + 1)
    if not 4 <= end - i - 1 <= 32:
        return None
    if end < len(text) and _glued(text[end]):
        return None
    return end


#: The character that starts each detected entity → (its type, where it ends or None).
_ENTITY_MATCHERS: Final[dict[str, tuple[str, Callable[[str, int], int | None]]]] = {
    "/": ("bot_command", _command_end),
    "@": ("mention", _mention_end),
}


def detect_entities(text: str) -> list[JSON]:
    """Entities Telegram adds to a user's message: ``bot_command`` and ``mention``.

    Follows tdlib's matchers: ``/cmd`` or ``/cmd@botname`` not glued to a word or ``/<>``, and
    ``@username`` (4-32 chars) not preceded by a word character.
    """
    found: list[tuple[str, int, int]] = []
    for i, ch in enumerate(text):
        matcher = _ENTITY_MATCHERS.get(ch)
        if matcher is None:
            continue
        kind, match_end = matcher
        end = match_end(text, i)
        if end is not None:
            found.append((kind, i, end))
    return [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for kind, start, end in found
    ]


def trim_entities(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
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
