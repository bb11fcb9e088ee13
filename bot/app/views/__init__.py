"""Feature views: each takes the core and a request and returns ``Reply`` objects."""

from bot.app.views import admin, ask, drafts, fanwen, ledger, meetings

STALE = "这个按钮已失效，请重新发送命令。"

__all__ = ["STALE", "admin", "ask", "drafts", "fanwen", "ledger", "meetings"]
