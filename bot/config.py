"""Settings from the environment, with ``.env`` as a fallback for local runs.

Real environment variables win over ``.env`` so a deployment can override a developer's file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_DB = "data/dangwu.db"
DEFAULT_TZ = "Asia/Shanghai"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"
# A Bot API token is "<digits>:<35 url-safe characters>"; checked before we try to connect.
TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


class ConfigError(ValueError):
    """A setting is present but unusable; the message is shown to the operator as one line."""


def _ids(raw: str | None, name: str) -> frozenset[int]:
    if not raw or not raw.strip():
        return frozenset()
    out: set[int] = set()
    for part in re.split(r"[,\s，]+", raw.strip()):
        if not part:
            continue
        try:
            out.add(int(part))
        except ValueError as exc:
            raise ConfigError(f"{name} 应为逗号分隔的数字 ID，无法识别: {part!r}") from exc
    return frozenset(out)


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    db_path: Path = Path(DEFAULT_DB)
    tz_name: str = DEFAULT_TZ
    api_base_url: str = TELEGRAM_API
    api_file_url: str = TELEGRAM_FILE_API
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    allowed_user_ids: frozenset[int] = field(default_factory=frozenset)
    allowed_chat_ids: frozenset[int] = field(default_factory=frozenset)
    tick_seconds: float = 30.0
    max_upload_bytes: int = 5 * 1024 * 1024
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def token_ok(self) -> bool:
        return bool(self.token and TOKEN_RE.match(self.token))

    @classmethod
    def load(cls, env_file: str | Path | None = ".env") -> Settings:
        """Read settings; ``env_file`` values fill in only what the environment lacks."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ)

        def get(name: str, default: str = "") -> str:
            return values.get(name, default).strip()

        tz_name = get("DANGWU_TZ", DEFAULT_TZ) or DEFAULT_TZ
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"DANGWU_TZ 时区无效: {tz_name!r}（例如 Asia/Shanghai）") from exc
        try:
            tick = float(get("DANGWU_TICK_SECONDS", "30") or 30)
            max_upload = int(get("DANGWU_MAX_UPLOAD_MB", "5") or 5) * 1024 * 1024
        except ValueError as exc:
            raise ConfigError(f"数值设置无效: {exc}") from exc
        return cls(
            token=get("TELEGRAM_BOT_TOKEN") or None,
            db_path=Path(get("DANGWU_DB", DEFAULT_DB) or DEFAULT_DB),
            tz_name=tz_name,
            api_base_url=get("TELEGRAM_API_BASE_URL", TELEGRAM_API) or TELEGRAM_API,
            api_file_url=get("TELEGRAM_API_FILE_URL", TELEGRAM_FILE_API) or TELEGRAM_FILE_API,
            admin_ids=_ids(get("ADMIN_USER_IDS"), "ADMIN_USER_IDS"),
            allowed_user_ids=_ids(get("ALLOWED_USER_IDS"), "ALLOWED_USER_IDS"),
            allowed_chat_ids=_ids(get("ALLOWED_CHAT_IDS"), "ALLOWED_CHAT_IDS"),
            tick_seconds=max(tick, 1.0),
            max_upload_bytes=max_upload,
            log_level=get("DANGWU_LOG_LEVEL", "INFO").upper() or "INFO",
        )
