"""The Rasa assistant as the gateway sees it: text and metadata in, replies out.

``Assistant`` is the small interface the call handler depends on; ``RasaAssistant`` talks to
Rasa's REST channel (``POST /webhooks/rest/webhook``). The caller's number never travels as a
plain field: ``RasaAssistant`` turns the call's ``phone`` into a signed, short-lived claim
(``metadata["claim"]``, trust/claims.py) bound to the call SID, which is all the action server
believes. Other metadata (``channel``, ``call_sid``, ``speech_rate``) is informational. A reply is text to speak, or a custom instruction such as
``{"action": "transfer", "to": "+86…"}`` (bot/actions/handoff.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ivr.errors import AssistantUnavailable
from ivr.settings import IvrSettings
from observe.metrics import ASSISTANT_LATENCY
from trust import claims

# Identity fields a message must not carry in the clear: only the claim says who is calling.
UNSIGNED_IDENTITY = ("phone", "person_id", claims.METADATA_KEY)


def signed_metadata(secret: str, sender: str, metadata: dict) -> dict:
    """``metadata`` with the caller's number replaced by a claim over (call SID, number, phone channel)."""
    phone = str(metadata.get("phone") or "").strip() or None
    out = {key: value for key, value in metadata.items() if key not in UNSIGNED_IDENTITY}
    out["channel"] = "phone"
    out[claims.METADATA_KEY] = claims.sign(secret, conversation_id=sender, channel="phone", phone=phone)
    return out


@dataclass(frozen=True)
class Reply:
    """``text``: a sentence to say (None for a pure instruction); ``custom``: Rasa's custom payload."""

    text: str | None = None
    custom: dict = field(default_factory=dict)

    @property
    def action(self) -> str | None:
        value = self.custom.get("action")
        return str(value) if value else None


class Assistant(Protocol):
    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]: ...

    async def aclose(self) -> None: ...


def parse_replies(body: object) -> list[Reply]:
    """Rasa REST channel answer → replies; anything else is the assistant misbehaving."""
    if not isinstance(body, list):
        raise AssistantUnavailable(f"REST channel answered {type(body).__name__}, not a list")
    replies = []
    for item in body:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) and item["text"].strip() else None
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        if text or custom:
            replies.append(Reply(text=text, custom=custom))
    return replies


class RasaAssistant:
    def __init__(self, settings: IvrSettings, transport: httpx.AsyncBaseTransport | None = None):
        self._http = httpx.AsyncClient(base_url=settings.rasa_url, timeout=settings.assistant_timeout_s,
                                       transport=transport)
        self._claim_secret = settings.claim_secret

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        body = {"sender": sender, "message": text, "metadata": signed_metadata(self._claim_secret, sender, metadata)}
        started = time.monotonic()
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            ASSISTANT_LATENCY.labels("unavailable").observe(time.monotonic() - started)
            raise AssistantUnavailable(f"Rasa did not answer properly: {exc!r}") from exc
        ASSISTANT_LATENCY.labels("ok").observe(time.monotonic() - started)
        return parse_replies(body)

    async def aclose(self) -> None:
        await self._http.aclose()
