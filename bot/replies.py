"""Front-end-neutral replies: the Telegram handlers render them as HTML, the console chat as text.

Text fields hold plain text (never markup); each front end escapes/decorates as it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Telegram's limit for one message.
MAX_MESSAGE = 4096
#: Telegram's limit for callback data, in bytes.
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Button:
    """An inline button. ``data`` is a short callback token (≤ 64 bytes UTF-8), ``url`` a link."""

    text: str
    data: str | None = None
    url: str | None = None
    switch_inline: str | None = None

    def __post_init__(self) -> None:
        if self.data is not None and len(self.data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data too long: {self.data!r}")


@dataclass(frozen=True)
class Document:
    filename: str
    data: bytes
    caption: str = ""


@dataclass
class Reply:
    """One message to show: ``lead`` (italic), ``title`` (bold), ``subtitle`` (italic),
    ``body`` as is, ``footer`` (italic).

    ``buttons`` is a list of rows. ``copyable`` marks a body the user will long-press to copy:
    front ends must not decorate inside it. For a button press: ``toast`` is the short answer
    shown on the phone (a reply with nothing but a toast sends no message), ``alert`` shows it
    as a dialog, ``edit`` replaces the message the button was on instead of sending a new one.
    ``state`` is remembered with the sent message, for the buttons under it (a search's query,
    so its paging and filters keep working).
    """

    body: str = ""
    title: str = ""
    footer: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    document: Document | None = None
    copyable: bool = False
    lead: str = ""
    subtitle: str = ""
    toast: str | None = None
    alert: bool = False
    edit: bool = False
    state: dict[str, Any] | None = None

    @property
    def is_message(self) -> bool:
        """False for a reply that only answers a button press."""
        return bool(self.body or self.title or self.lead or self.document)

    def plain(self) -> str:
        """Plain-text rendering for the console chat and logs."""
        parts = [p for p in (self.lead, self.title, self.subtitle, self.body, self.footer) if p]
        text = "\n".join(parts)
        for row in self.buttons:
            text += "\n" + "  ".join(f"[{b.text}]" for b in row)
        if self.document:
            text += f"\n(文件: {self.document.filename}, {len(self.document.data)} 字节)"
        return text


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split long text into chunks ≤ ``limit`` characters, preferring paragraph boundaries.

    A paragraph longer than the limit is cut at the last sentence end (。！？), then hard-cut.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for para in text.split("\n"):
        candidate = f"{current}\n{para}" if current else para
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        while len(para) > limit:
            cut = max(para.rfind(p, 0, limit) for p in "。！？；.!?;")
            cut = cut + 1 if cut > limit // 2 else limit
            chunks.append(para[:cut])
            para = para[cut:]
        current = para
    if current:
        chunks.append(current)
    return chunks
