"""The Rasa assistant as the gateway sees it: text and metadata in, replies out.

``Assistant`` is the small interface the call handler depends on; ``RasaAssistant`` talks to
Rasa's REST channel (``POST /webhooks/rest/webhook``). Metadata keys are the ones bot/actions
read (``channel``, ``phone``; see bot/actions/common.py) plus ``call_sid`` and ``speech_rate``
for logs and future use. A reply is text to speak, or a custom instruction such as
``{"action": "transfer", "to": "+86…"}`` (bot/actions/handoff.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ivr.errors import AssistantUnavailable
from ivr.settings import IvrSettings


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

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        try:
            response = await self._http.post("/webhooks/rest/webhook",
                                              json={"sender": sender, "message": text, "metadata": metadata})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AssistantUnavailable(f"Rasa did not answer properly: {exc!r}") from exc
        return parse_replies(body)

    async def aclose(self) -> None:
        await self._http.aclose()
