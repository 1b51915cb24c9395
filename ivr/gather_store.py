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
  script, expiring ``IVR_MAX_CALL_S`` after the call's last webhook; beside them one sorted set of the
  calls' SIDs by that expiry, so ``count`` needs no scan of the database.

``count`` is the number of calls in progress (stored, not yet popped or expired), the same for every
worker: ``yinling_active_calls{mode="gather"}`` reads it when Prometheus scrapes (``ivr.gather``), since
a worker cannot count its own gather calls (a call begun on one worker may end on another). It is
synchronous: Prometheus asks from its own thread, outside any event loop.

Every operation raises ``CallStateUnavailable`` when the store does not answer; ``ivr.gather`` then tells
the caller plainly that the line is busy.
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

    def count(self) -> int:
        """Calls stored now (neither popped nor expired), across every worker sharing the store."""

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

    def count(self) -> int:
        with self._lock:
            self._expire()
            return len(self._calls)

    async def aclose(self) -> None:
        return None

    def _expire(self) -> None:
        now = self._clock()
        for sid in [sid for sid, (_, _, until) in self._calls.items() if until < now]:
            del self._calls[sid]


# Redis's own clock (seconds, with microseconds), the same for every worker.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000"
# KEYS[1] the call's hash, KEYS[2] the calls by expiry; ARGV: the version loaded (0: none), the new fields,
# the expiry in seconds, the call SID. Expired calls leave the index here (their hashes Redis expires itself).
_SAVE = _NOW + """
local current = redis.call('HGET', KEYS[1], 'version')
if (current or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tostring(tonumber(ARGV[1]) + 1), 'fields', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
return 1
"""
# KEYS as _SAVE's; ARGV[1] the call SID.
_POP = """
local fields = redis.call('HGET', KEYS[1], 'fields')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return fields
"""
# KEYS[1] the calls by expiry: those not expired yet.
_COUNT = _NOW + """
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""


class RedisGatherCalls:
    """In Redis (``redis://[:password@]host:port/db``), shared by every hotline worker."""

    PREFIX = "yinling:ivr:gather:"
    INDEX = "yinling:ivr:gather-calls"  # the calls' SIDs by expiry; outside PREFIX, so no SID can name it

    def __init__(self, url: str, ttl_s: float, timeout_s: float = 1.0):
        import redis
        import redis.asyncio

        self._errors = redis.RedisError
        self._ttl_s = max(1, math.ceil(ttl_s))
        # Short timeouts: every call sits in a webhook Twilio waits on (15 s at most).
        self._redis = redis.asyncio.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._save = self._redis.register_script(_SAVE)
        self._pop = self._redis.register_script(_POP)
        # count() is asked from Prometheus's thread: a blocking client of its own (connecting on first use).
        self._counter = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._count = self._counter.register_script(_COUNT)

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
            return bool(await self._save(keys=[self._key(call_sid), self.INDEX],
                                         args=[str(version), data, self._ttl_s, call_sid]))
        except self._errors as exc:
            raise CallStateUnavailable(f"gather call not saved: {exc}") from exc

    async def pop(self, call_sid: str) -> dict[str, Any] | None:
        try:
            fields = await self._pop(keys=[self._key(call_sid), self.INDEX], args=[call_sid])
        except self._errors as exc:
            raise CallStateUnavailable(f"gather call not read at its end: {exc}") from exc
        return None if fields is None else json.loads(fields)

    def count(self) -> int:
        try:
            return int(self._count(keys=[self.INDEX]))
        except self._errors as exc:
            raise CallStateUnavailable(f"gather calls not counted: {exc}") from exc

    async def aclose(self) -> None:
        await self._redis.aclose()
        self._counter.close()


def gather_calls(state_url: str, ttl_s: float) -> GatherCallStore:
    """The store ``IVR_STATE_URL`` names: empty = this process, redis(s):// = Redis."""
    if not state_url:
        return MemoryGatherCalls(ttl_s)
    return RedisGatherCalls(state_url, ttl_s)
