"""BotSettings: the action server's configuration, read once from the environment.

Nothing else in bot/actions reads ``os.environ``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigurationError(RuntimeError):
    """Raised when a required setting is missing (no service token outside YINLING_ENV=dev)."""


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "BotSettings":
        env = os.environ if environ is None else environ
        token = env.get("YINLING_SERVICE_TOKEN")
        if not token:
            if env.get("YINLING_ENV", "dev") != "dev":
                raise ConfigurationError("YINLING_SERVICE_TOKEN is required outside YINLING_ENV=dev")
            token = "dev-service-token"
        return cls(
            backend_url=env.get("YINLING_BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=token,
            outbox_path=Path(env.get("YINLING_BOT_OUTBOX", str(REPO_ROOT / "var" / "bot_outbox.jsonl"))),
            timeout_s=float(env.get("YINLING_BOT_TIMEOUT", "3")),
        )
