"""One-time stream tokens: issued in the voice webhook (which Twilio signed), burned when the
websocket presents them. A websocket cannot carry Twilio's signature, so this is what proves a
stream belongs to a call we answered; a token is good once, for one call, for a short time.

Kept in memory: one IVR process answers both the webhook and the websocket of a call.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ivr.errors import StreamRefused


@dataclass(frozen=True)
class StreamGrant:
    """What a burned token vouches for: the call's SID and caller number as the webhook saw them."""

    call_sid: str
    caller: str
    mode: str  # "phone" (Twilio) or "browser" (the browser phone page)


class StreamTokens:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._ttl_s, self._clock = ttl_s, clock
        self._issued: dict[str, tuple[StreamGrant, float]] = {}
        self._lock = threading.Lock()

    def issue(self, grant: StreamGrant) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            self._issued[token] = (grant, self._clock() + self._ttl_s)
        return token

    def burn(self, token: str | None, call_sid: str | None) -> StreamGrant:
        """Use the token; raises ``StreamRefused`` if it is unknown, expired, used, or was issued
        for another call."""
        if not token:
            raise StreamRefused("no stream token")
        with self._lock:
            self._expire()
            entry = self._issued.pop(token, None)
        if entry is None:
            raise StreamRefused("unknown, expired or already used stream token")
        grant, _ = entry
        if call_sid and grant.call_sid != call_sid:
            raise StreamRefused(f"token was issued for call {grant.call_sid}, not {call_sid}")
        return grant

    def _expire(self) -> None:
        now = self._clock()
        for token in [t for t, (_, until) in self._issued.items() if until < now]:
            del self._issued[token]
