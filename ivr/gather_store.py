"""Where a gather-mode call is kept between its webhooks (``ivr.gather.GatherCall`` as plain JSON
fields: silence count, keypad menu step, the call record's sequence number and transcript).

Each webhook of a call loads the call, takes one step and saves it. A save names the version it
loaded and succeeds only if nothing was saved since (compare-and-set), so two webhooks of one call
can never mix their changes: the first to save wins, the other's step is dropped whole. Twilio sends
one call's webhooks one after another, so this only matters when a request is replayed while the
first is still running (a proxy's retry, Twilio's own retry after its timeout).

- ``MemoryGatherCalls``: this process's memory, the embedded default (one worker answers every webhook);
- ``RedisGatherCalls``: Redis (``IVR_STATE_URL``), for several workers behind one address: a call's next
  webhook may reach any of them. One hash per call SID (version and fields), compared and set in one Lua
  script, expiring ``IVR_MAX_CALL_S`` after the call's last webhook.

Both raise ``CallStateUnavailable`` when the store does not answer; ``ivr.gather`` then tells the caller
plainly that the line is busy.
"""
from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ivr.errors import CallStateUnavailable


@dataclass(frozen=True)
class Stored:
    """A loaded call: ``version`` to name when saving (0 = no call under this SID, ``fields`` None)."""

    version: int
    fields: dict[str, Any] | None


class GatherCallStore(Protocol):
    async def load(self, call_sid: str) -> Stored: ...

    async def save(self, call_sid: str, version: int, fields: dict[str, Any]) -> bool:
        """Store ``fields`` if the call is still at ``version``; False (nothing stored) if another
        webhook of the call saved since, or the call finished."""

    async def pop(self, call_sid: str) -> dict[str, Any] | None:
        """The call's fields, removed (the call is over); None if none were stored."""

    async def aclose(self) -> None: ...


class MemoryGatherCalls:
    """In this process's memory, serialised as in Redis (so the embedded default keeps only what a
    second worker could rebuild the call from)."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._ttl_s, self._clock = ttl_s, clock
        self._calls: dict[str, tuple[int, str, float]] = {}  # SID → (version, JSON fields, expiry)
        self._lock = threading.Lock()

    async def load(self, call_sid: str) -> Stored:
        with self._lock:
            self._expire()
            entry = self._calls.get(call_sid)
        return Stored(0, None) if entry is None else Stored(entry[0], json.loads(entry[1]))

    async def save(self, call_sid: str, version: int, fields: dict[str, Any]) -> bool:
        data = json.dumps(fields, ensure_ascii=False)
        with self._lock:
            self._expire()
            current = self._calls.get(call_sid)
            if (current[0] if current else 0) != version:
                return False
            self._calls[call_sid] = (version + 1, data, self._clock() + self._ttl_s)
        return True

    async def pop(self, call_sid: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._calls.pop(call_sid, None)
        return None if entry is None else json.loads(entry[1])

    async def aclose(self) -> None:
        return None

    def _expire(self) -> None:
        now = self._clock()
        for sid in [sid for sid, (_, _, until) in self._calls.items() if until < now]:
            del self._calls[sid]


# KEYS[1] the call's hash; ARGV: the version loaded (0: none), the new fields, the expiry in seconds.
_SAVE = """
local current = redis.call('HGET', KEYS[1], 'version')
if (current or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tostring(tonumber(ARGV[1]) + 1), 'fields', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""
_POP = """
local fields = redis.call('HGET', KEYS[1], 'fields')
redis.call('DEL', KEYS[1])
return fields
"""


class RedisGatherCalls:
    """In Redis (``redis://[:password@]host:port/db``), shared by every hotline worker."""

    PREFIX = "yinling:ivr:gather:"

    def __init__(self, url: str, ttl_s: float, timeout_s: float = 1.0):
        import redis
        import redis.asyncio

        self._errors = redis.RedisError
        self._ttl_s = max(1, math.ceil(ttl_s))
        # Short timeouts: every call sits in a webhook Twilio waits on (15 s at most).
        self._redis = redis.asyncio.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._save = self._redis.register_script(_SAVE)
        self._pop = self._redis.register_script(_POP)

    def _key(self, call_sid: str) -> str:
        return self.PREFIX + call_sid

    async def load(self, call_sid: str) -> Stored:
        try:
            version, fields = await self._redis.hmget(self._key(call_sid), ["version", "fields"])
        except self._errors as exc:
            raise CallStateUnavailable(f"gather call not loaded: {exc}") from exc
        return Stored(0, None) if fields is None else Stored(int(version), json.loads(fields))

    async def save(self, call_sid: str, version: int, fields: dict[str, Any]) -> bool:
        data = json.dumps(fields, ensure_ascii=False)
        try:
            return bool(await self._save(keys=[self._key(call_sid)], args=[str(version), data, self._ttl_s]))
        except self._errors as exc:
            raise CallStateUnavailable(f"gather call not saved: {exc}") from exc

    async def pop(self, call_sid: str) -> dict[str, Any] | None:
        try:
            fields = await self._pop(keys=[self._key(call_sid)])
        except self._errors as exc:
            raise CallStateUnavailable(f"gather call not read at its end: {exc}") from exc
        return None if fields is None else json.loads(fields)

    async def aclose(self) -> None:
        await self._redis.aclose()


def gather_calls(state_url: str, ttl_s: float) -> GatherCallStore:
    """The store ``IVR_STATE_URL`` names: empty = this process, redis(s):// = Redis."""
    if not state_url:
        return MemoryGatherCalls(ttl_s)
    return RedisGatherCalls(state_url, ttl_s)
