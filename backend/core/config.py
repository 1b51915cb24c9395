"""The backend's settings: the only place that reads the environment."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trust import local_secrets

REPO_ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev-service-token", "dev-secret-key"}


class Settings(BaseSettings):
    """Read once per process from ``YINLING_*`` variables (and ``DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="YINLING_", extra="ignore")

    env: str = Field("dev", description="dev | test | prod; prod refuses placeholder secrets")
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{REPO_ROOT / 'var' / 'yinling.db'}",
        validation_alias="DATABASE_URL",
    )
    policy: str = Field("default", description="policy profile name or path to a YAML file")
    timezone: str = "Asia/Shanghai"
    # Secrets: empty means "not set"; outside prod they then come from var/secrets.env (generated on
    # first run, trust/local_secrets.py), in prod start-up is refused.
    secret_key: str = Field("", description="signs operator tokens and keys ID hashes")
    service_tokens: str = Field("", description="comma-separated bearer tokens for the bot and IVR")
    claim_secret: str = Field("", description="signs the caller claims the family chat sends the assistant")
    secrets_file: Path = Field(local_secrets.DEFAULT_PATH, description="where a non-prod install keeps its "
                               "generated secrets")
    operator_token_hours: int = 12
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="URL the outside world uses, for links in PDFs")
    rasa_url: str = Field("http://127.0.0.1:5005", description="the assistant (Rasa REST channel) the family chat talks to")
    metrics_host: str = Field("127.0.0.1", description="where the Prometheus metrics listener binds (loopback "
                              "unless configured)")
    metrics_port: int = Field(0, ge=0, description="the metrics listener's port; 0 = no metrics listener")
    log_format: str = Field("text", pattern="^(text|json)$", description="text, or json: one object per line")
    bot_outbox: Path = Field(REPO_ROOT / "var" / "bot_outbox.jsonl", description="the action server's outbox "
                             "(YINLING_BOT_OUTBOX), counted by the metrics")
    dispatch_interval_seconds: float = Field(15.0, description="auto-dispatch pass every N s; 0 turns it off")
    background: str = Field("embedded", pattern="^(embedded|queue)$", description="where background work runs "
                            "(dispatch passes, messages, retention): embedded, a loop in this process (one worker); "
                            "queue, jobs on the PostgreSQL job queue, run once across every worker (backend.jobs)")
    tracker_store_url: str = Field("", description="the Rasa conversation store (YINLING_TRACKER_STORE_URL) whose "
                                   "old conversations the queue's retention job prunes; empty: not pruned here")
    conversation_retention_days: float = Field(30.0, gt=0, description="conversations idle for longer are pruned")
    # Text messages (offers, confirmations, reminders) through Twilio; unset: they wait in the outbox.
    twilio_account_sid: str = Field("", description="Twilio account of the SMS REST calls (AC…)")
    twilio_auth_token: str = Field("", description="Twilio auth token of that account")
    sms_from: str = Field("", description="the Twilio number (E.164) or messaging service the SMS come from")
    reminder_hours: float = Field(18.0, gt=0, description="remind volunteer and elder this long before a visit")

    @model_validator(mode="after")
    def _queue_needs_postgres(self) -> "Settings":
        if self.background == "queue" and not self.database_url.startswith(("postgresql", "postgres://")):
            raise ValueError("YINLING_BACKGROUND=queue keeps its jobs in PostgreSQL: set DATABASE_URL to a "
                             "postgresql:// URL, or use YINLING_BACKGROUND=embedded")
        return self

    @model_validator(mode="after")
    def _real_secrets(self) -> "Settings":
        if self.env == "prod":
            if self.secret_key in _PLACEHOLDERS or len(self.secret_key) < 16:
                raise ValueError("YINLING_SECRET_KEY must be set to a real secret (16+ chars) in prod")
            if any(t.strip() in _PLACEHOLDERS or len(t.strip()) < 16 for t in self.service_tokens.split(",")):
                raise ValueError("YINLING_SERVICE_TOKENS must be set to real tokens (16+ chars each) in prod")
            if self.claim_secret in _PLACEHOLDERS or len(self.claim_secret) < 16:
                raise ValueError("YINLING_CLAIM_SECRET must be set to a real secret (16+ chars) in prod")
            return self
        if not (self.secret_key and self.service_tokens and self.claim_secret):
            local = local_secrets.load(self.secrets_file)
            self.secret_key = self.secret_key or local["YINLING_SECRET_KEY"]
            self.service_tokens = self.service_tokens or f"{local['YINLING_SERVICE_TOKEN']},{local['IVR_SERVICE_TOKEN']}"
            self.claim_secret = self.claim_secret or local["YINLING_CLAIM_SECRET"]
        return self

    @property
    def service_token_set(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.service_tokens.split(",") if t.strip())

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
