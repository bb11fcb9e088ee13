"""The console chat: the same core as Telegram, as one private chat on this machine.

``make run`` without a token opens it. Commands are typed as in Telegram; buttons are numbered
and a number presses one; a page that Telegram would edit in place is printed again; files
(.docx, .ics) are written to a folder the reply names.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.app.core import Core, Request
from bot.app.views.ask import HELP
from bot.config import Settings
from bot.replies import Button, Reply

CONSOLE_CHAT = 0  # the console behaves as one private chat, id 0, of its administrator


class Console:
    """Line-based chat over :class:`Core`; numbers press the buttons of the last replies."""

    def __init__(self, settings: Settings, export_dir: Path | None = None) -> None:
        from bot.db import open_db
        from bot.fanwen.corpus import ensure_bundled
        from bot.rules.engine import load_rulebook

        self.settings = settings
        db = open_db(settings.db_path)
        ensure_bundled(db)
        self.core = Core(settings, db, load_rulebook(db))
        self.export_dir = export_dir or Path(settings.db_path).parent / "exports"
        self.buttons: list[tuple[int, Button]] = []  # (message id, button) by number
        self._next_id = 0

    def _request(self, **fields: object) -> Request:
        return Request(
            chat_id=CONSOLE_CHAT, user_id=CONSOLE_CHAT, now=datetime.now(self.settings.tz),
            is_admin=True, **fields,  # type: ignore[arg-type]
        )

    def handle(self, line: str) -> list[Reply]:
        text = line.strip()
        if text.isdigit() and 0 < int(text) <= len(self.buttons):
            message_id, button = self.buttons[int(text) - 1]
            if button.data is None:
                return [Reply(f"（这个按钮在手机上使用：{button.text}）")]
            return self.core.handle(self._request(data=button.data, message_id=message_id))
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return self.core.handle(self._request(command=name.split("@")[0].lower(), text=args.strip()))
        return self.core.handle(self._request(text=text))

    def render(self, replies: list[Reply]) -> str:
        """Plain text with numbered buttons; a toast shows in brackets; files are saved."""
        self.buttons = []
        lines: list[str] = []
        for reply in replies:
            if reply.toast:
                lines.append(f"（{reply.toast}）")
            if not reply.is_message:
                continue
            self._next_id += 1
            if reply.state is not None:
                self.core.bind(CONSOLE_CHAT, self._next_id, reply.state)
            if reply.document is not None:
                lines.append(self._save(reply))
            lines.extend(p for p in (reply.lead, reply.title, reply.subtitle, reply.body, reply.footer) if p)
            for row in reply.buttons:
                labels = []
                for b in row:
                    self.buttons.append((self._next_id, b))
                    labels.append(f"[{len(self.buttons)}] {b.text}")
                lines.append("  ".join(labels))
        return "\n".join(lines)

    def _save(self, reply: Reply) -> str:
        assert reply.document is not None
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / Path(reply.document.filename).name
        path.write_bytes(reply.document.data)
        caption = f"{reply.document.caption}：" if reply.document.caption else ""
        return f"{caption}已保存到 {path}"


def run_console(settings: Settings, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Interactive when stdin is a terminal; with piped input, one reply block per line."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    console = Console(settings)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(HELP + f"\n文件保存在 {console.export_dir}。输入 q 退出；输入按钮前的数字可点按钮。\n")
    while True:
        if interactive:
            stdout.write("\n你> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if interactive and line.strip().lower() in {"q", "quit", "exit"}:
            break
        try:
            out = console.render(console.handle(line))
        except Exception as exc:  # noqa: BLE001 — the console survives any one bad message
            out = f"出错了，请换个说法再试。（{type(exc).__name__}）"
        stdout.write(("助手> " if interactive else "") + out + "\n")
        if not interactive:
            stdout.write("---\n")
        stdout.flush()
    return 0
