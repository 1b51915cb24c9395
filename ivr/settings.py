"""IvrSettings: the IVR's configuration, read once from ``IVR_*`` environment variables.

Nothing else in ``ivr/`` reads the environment. Tests build ``IvrSettings(...)`` explicitly.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class IvrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IVR_", extra="ignore", frozen=True)

    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Base URL Twilio uses to reach this app (scheme://host[:port]). Signatures are "
                    "checked against it, not against the URL the request arrived on: proxies rewrite that.")
    twilio_auth_token: str = Field("", description="Signs webhooks; empty = every webhook is refused.")
    twilio_account_sid: str = Field("", description="Account of the REST API calls (transfers).")
    rasa_url: str = Field("http://127.0.0.1:5005", description="Rasa server (REST channel).")
    backend_url: str = Field("http://127.0.0.1:8000", description="Backend, without /api/v1.")
    service_token: str = Field("dev-service-token", description="Bearer token for the backend.")
    operator_fallback_number: str = Field(
        "", description="Dialled when the backend names no on-duty operator (or is down).")
    mode: Literal["stream", "gather"] = Field(
        "stream", description="stream: Media Streams gateway; gather: TwiML <Gather> only (no websocket).")
    gather_speech: bool = Field(
        True, description="gather mode: listen with Twilio's recogniser. false: recognition is not available "
                          "(or not wanted), so gather mode runs the keypad menu from the first prompt.")
    browser_phone: bool = Field(
        True, description="Serve the browser phone (/ivr/phone) for demos and training. Anyone who can "
                          "reach it can call as any number: turn it off where the app is public.")
    language: str = Field("zh-CN", description="Language of Twilio's own <Say>/<Gather>.")
    stream_token_ttl_s: float = Field(120.0, gt=0, description="How long a stream token may wait for use.")
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

    @field_validator("public_url", "rasa_url", "backend_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def websocket_url(self) -> str:
        """The gateway's public URL: the public URL with ws(s) instead of http(s)."""
        scheme, rest = self.public_url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ivr/stream"
