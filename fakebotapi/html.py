"""Telegram text handling: UTF-16 lengths, tdlib-compatible HTML parsing, entity detection."""

from __future__ import annotations

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
