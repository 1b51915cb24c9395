"""One-time stream tokens: issued in the voice webhook (which Twilio signed), burned when the
websocket presents them. A websocket cannot carry Twilio's signature, so this is what proves a
stream belongs to a call we answered; a token is good once, for one call, for a short time.

The token is the only per-call state the webhook hands to the websocket, so it is what several
hotline workers behind one address must share (``IVR_STATE_URL``, ``stream_tokens``):

- ``StreamTokens``: this process's memory, the embedded default (one worker answers both);
- ``RedisStreamTokens``: Redis, for several workers: the webhook may reach one and the stream
  another. Keys are the token's SHA-256 (whoever reads Redis sees no usable token), expire with
  the token, and are read-and-deleted in one command (GETDEL), so two workers cannot both burn one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable, Protocol

from ivr.errors import CallStateUnavailable, StreamRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamGrant:
    """What a burned token vouches for: the call's SID and caller number as the webhook saw them."""

    call_sid: str
    caller: str
    mode: str  # "phone" (Twilio) or "browser" (the browser phone page)


class StreamTokenStore(Protocol):
    def issue(self, grant: StreamGrant) -> str:
        """A new token for ``grant``; raises ``CallStateUnavailable`` if it cannot be stored."""

    def burn(self, token: str | None, call_sid: str | None) -> StreamGrant:
        """Use the token; raises ``StreamRefused`` if it is unknown, expired, used, or was issued for
        another call (or the store cannot be reached: a stream nobody can vouch for is refused)."""

    def ping(self) -> None:
        """Raises ``CallStateUnavailable`` when the store cannot be reached (readiness)."""

    def close(self) -> None: ...


def _check(grant: StreamGrant, call_sid: str | None) -> StreamGrant:
    if call_sid and grant.call_sid != call_sid:
        raise StreamRefused(f"token was issued for call {grant.call_sid}, not {call_sid}")
    return grant


class StreamTokens:
    """In this process's memory: one worker serves both the webhook and the stream of a call."""

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
        if not token:
            raise StreamRefused("no stream token")
        with self._lock:
            self._expire()
            entry = self._issued.pop(token, None)
        if entry is None:
            raise StreamRefused("unknown, expired or already used stream token")
        return _check(entry[0], call_sid)

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None

    def _expire(self) -> None:
        now = self._clock()
        for token in [t for t, (_, until) in self._issued.items() if until < now]:
            del self._issued[token]


class RedisStreamTokens:
    """In Redis (``redis://[:password@]host:port/db``), shared by every hotline worker."""

    PREFIX = "yinling:ivr:stream:"

    def __init__(self, url: str, ttl_s: float, timeout_s: float = 1.0):
        import redis

        self._errors = redis.RedisError
        self._ttl_s = max(1, math.ceil(ttl_s))
        # Short timeouts: these calls sit in a webhook Twilio waits on, and in the stream's start.
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)

    @classmethod
    def _key(cls, token: str) -> str:
        return cls.PREFIX + hashlib.sha256(token.encode()).hexdigest()

    def issue(self, grant: StreamGrant) -> str:
        token = secrets.token_urlsafe(24)
        try:
            self._redis.set(self._key(token), json.dumps(asdict(grant)), ex=self._ttl_s, nx=True)
        except self._errors as exc:
            raise CallStateUnavailable(f"stream token not stored: {exc}") from exc
        return token

    def burn(self, token: str | None, call_sid: str | None) -> StreamGrant:
        if not token:
            raise StreamRefused("no stream token")
        try:
            stored = self._redis.getdel(self._key(token))
        except self._errors as exc:
            log.error("ivr: stream tokens unreachable: %s", exc)
            raise StreamRefused(f"stream token store unreachable: {exc}") from exc
        if stored is None:
            raise StreamRefused("unknown, expired or already used stream token")
        return _check(StreamGrant(**json.loads(stored)), call_sid)

    def ping(self) -> None:
        try:
            self._redis.ping()
        except self._errors as exc:
            raise CallStateUnavailable(f"Redis did not answer: {exc}") from exc

    def close(self) -> None:
        self._redis.close()


def stream_tokens(state_url: str, ttl_s: float) -> StreamTokenStore:
    """The store ``IVR_STATE_URL`` names: empty = this process, redis(s):// = Redis."""
    if not state_url:
        return StreamTokens(ttl_s)
    return RedisStreamTokens(state_url, ttl_s)
