"""IvrSettings: the IVR's configuration, read once from ``IVR_*`` environment variables.

Nothing else in ``ivr/`` reads the environment. Tests build ``IvrSettings(...)`` explicitly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trust import local_secrets


class IvrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IVR_", extra="ignore", frozen=True, populate_by_name=True)

    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Base URL Twilio uses to reach this app (scheme://host[:port]). Signatures are "
                    "checked against it, not against the URL the request arrived on: proxies rewrite that.")
    twilio_auth_token: str = Field("", description="Signs webhooks; empty = every webhook is refused.")
    twilio_account_sid: str = Field("", description="Account of the REST API calls (transfers).")
    rasa_url: str = Field("http://127.0.0.1:5005", description="Rasa server (REST channel).")
    backend_url: str = Field("http://127.0.0.1:8000", description="Backend, without /api/v1.")
    service_token: str = Field(
        "", description="Bearer token for the backend. Unset: var/secrets.env's (generated), refused in prod.")
    claim_secret: str = Field(
        "", validation_alias=AliasChoices("IVR_CLAIM_SECRET", "YINLING_CLAIM_SECRET"),
        description="Signs the caller claim sent with every message to the assistant (trust/claims.py). "
                    "Unset: var/secrets.env's (generated), refused in prod.")
    deployment: str = Field("dev", validation_alias="YINLING_ENV", description="dev | test | prod (YINLING_ENV).")
    secrets_file: Path = Field(local_secrets.DEFAULT_PATH, description="Generated secrets outside prod.")
    operator_fallback_number: str = Field(
        "", description="Dialled when the backend names no on-duty operator (or is down).")
    mode: Literal["stream", "gather"] = Field(
        "stream", description="stream: Media Streams gateway; gather: TwiML <Gather> only (no websocket).")
    gather_speech: bool = Field(
        True, description="gather mode: listen with Twilio's recogniser. false: recognition is not available "
                          "(or not wanted), so gather mode runs the keypad menu from the first prompt.")
    browser_phone: Literal["off", "local", "operators"] = Field(
        "off", description="The browser phone (/ivr/phone): off; local = a demo on this machine (loopback "
                           "clients only, any number; `make run` sets it); operators = console login required, "
                           "and only as the number of a person in the operator's scope.")
    language: str = Field("zh-CN", description="Language of Twilio's own <Say>/<Gather>.")
    state_url: str = Field(
        "", description="Per-call state the workers share (stream tokens, gather-mode calls between webhooks): "
                        "empty = this process's memory (one worker); redis://[:password@]host:6379/2 = Redis, for "
                        "several workers behind one address.")
    stream_token_ttl_s: float = Field(120.0, gt=0, description="How long a stream token may wait for use.")
    max_call_s: float = Field(
        14400.0, gt=0, description="Longest call (Twilio's default limit is 4 h): a gather-mode call's state is "
                                   "forgotten this long after its last webhook if Twilio never said it ended.")
    silence_reprompt_s: float = Field(8.0, gt=0, description="Caller silence after a prompt before re-prompting.")
    max_reprompts: int = Field(2, ge=0, description="Re-prompts before offering the keypad or a person.")
    assistant_timeout_s: float = Field(8.0, gt=0, description="Longest wait for the Rasa server.")
    backend_timeout_s: float = Field(3.0, gt=0, description="Longest wait for one backend request.")
    min_confidence: float = Field(0.3, ge=0, le=1, description="Below this an utterance counts as misheard.")
    timezone: str = Field("Asia/Shanghai", description="Local time of keypad bookings.")
    keypad_services: tuple[str, ...] = Field(
        ("escort_medical", "meal_delivery", "cleaning", "chat_companion"),
        description="Service slugs on the keypad menu, keys 1..n.")
    keypad_duration_minutes: int = Field(60, ge=15, description="Length of a keypad booking.")

    @field_validator("browser_phone", mode="before")
    @classmethod
    def _browser_phone_words(cls, value: object) -> object:
        if isinstance(value, bool) or str(value).lower() in ("false", "0", "no", "true", "1", "yes"):
            if str(value).lower() in ("true", "1", "yes"):
                raise ValueError("IVR_BROWSER_PHONE is off, local or operators (true is ambiguous)")
            return "off"
        return value

    @model_validator(mode="after")
    def _secrets(self) -> "IvrSettings":
        if self.service_token and self.claim_secret:
            return self
        if self.deployment == "prod":
            raise ValueError("IVR_SERVICE_TOKEN and YINLING_CLAIM_SECRET must be set in prod")
        local = local_secrets.load(self.secrets_file)
        # frozen model: fill the unset secrets the way pydantic itself sets fields
        object.__setattr__(self, "service_token", self.service_token or local["IVR_SERVICE_TOKEN"])
        object.__setattr__(self, "claim_secret", self.claim_secret or local["YINLING_CLAIM_SECRET"])
        return self

    @field_validator("state_url")
    @classmethod
    def _redis_or_nothing(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("IVR_STATE_URL is empty (this process) or a Redis URL (redis://host:6379/2)")
        return value

    @field_validator("public_url", "rasa_url", "backend_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def websocket_url(self) -> str:
        """The gateway's public URL: the public URL with ws(s) instead of http(s)."""
        scheme, rest = self.public_url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ivr/stream"
