"""BotSettings: the action server's configuration, read once from the environment.

Nothing else in bot/actions reads ``os.environ``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from trust import local_secrets

REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigurationError(RuntimeError):
    """Raised when a required secret is missing outside YINLING_ENV=dev (in dev it comes from
    var/secrets.env, generated on first use by trust/local_secrets.py)."""


@dataclass(frozen=True)
class BotSettings:
    backend_url: str
    """Base URL of the backend, without /api/v1 (YINLING_BACKEND_URL)."""
    service_token: str
    """Bearer token of the bot's service account (YINLING_SERVICE_TOKEN)."""
    outbox_path: Path
    """JSON-lines file of writes the backend has not acknowledged yet (YINLING_BOT_OUTBOX)."""
    timeout_s: float = 3.0
    """Per-request timeout: a caller on the phone should not wait longer (YINLING_BOT_TIMEOUT)."""
    service_minutes: int = 60
    """Duration booked when the caller does not say one."""
    claim_secret: str = ""
    """Checks the caller claims the front doors sign (YINLING_CLAIM_SECRET); empty = nobody is verified."""
    action_token: str = ""
    """What the Rasa server must send as ``Authorization: Bearer …`` (YINLING_ACTION_TOKEN; bot/action_server.py)."""
    log_format: str = "text"
    """text, or json: one object per line, each naming its conversation (YINLING_LOG_FORMAT; observe/logs.py)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "BotSettings":
        env = os.environ if environ is None else environ
        names = ("YINLING_SERVICE_TOKEN", "YINLING_CLAIM_SECRET", "YINLING_ACTION_TOKEN")
        values = {name: env.get(name, "") for name in names}
        if not all(values.values()):
            if env.get("YINLING_ENV", "dev") != "dev":
                missing = ", ".join(name for name in names if not values[name])
                raise ConfigurationError(f"{missing} required outside YINLING_ENV=dev")
            local = local_secrets.load(Path(env["YINLING_SECRETS_FILE"]) if env.get("YINLING_SECRETS_FILE") else None)
            values = {name: value or local[name] for name, value in values.items()}
        return cls(
            backend_url=env.get("YINLING_BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=values["YINLING_SERVICE_TOKEN"],
            claim_secret=values["YINLING_CLAIM_SECRET"],
            action_token=values["YINLING_ACTION_TOKEN"],
            outbox_path=Path(env.get("YINLING_BOT_OUTBOX", str(REPO_ROOT / "var" / "bot_outbox.jsonl"))),
            timeout_s=float(env.get("YINLING_BOT_TIMEOUT", "3")),
            log_format=env.get("YINLING_LOG_FORMAT", "text"),
        )
