"""The call record, written to the backend as the call goes (operators see a live call's
conversation, and a transferred caller's history is there before the operator picks up).

Writes are queued and sent in order by one background task, so speaking to the caller never
waits for the backend. Each turn and event carries its sequence number, which the backend uses
to store a retried write once; a write the backend did not acknowledge is retried a few times.
``close()`` flushes the queue (bounded in time) and writes the final status.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from ivr.backend_client import BackendClient
from ivr.errors import BackendRefused, BackendUnavailable

log = logging.getLogger(__name__)
_RETRIES = 3
_RETRY_DELAY_S = 0.5


@dataclass(frozen=True)
class Said:
    """One turn kept locally too (for the handoff ticket's transcript)."""

    speaker: str
    text: str
    at: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CallLog:
    def __init__(self, backend: BackendClient, call_sid: str):
        self.call_sid = call_sid
        self._backend = backend
        self._seq = 0
        self._queue: asyncio.Queue = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self.transcript: list[Said] = []
        self.closed = False

    def open(self, caller: str, channel: str, mode: str) -> None:
        self._put(self._backend.open_call, {"call_sid": self.call_sid, "caller_phone": caller or None,
                                            "channel": channel, "mode": mode, "started_at": _now().isoformat()})

    def turn(self, speaker: str, text: str, *, source: str = "speech", confidence: float | None = None,
             audio_start_s: float | None = None, audio_end_s: float | None = None,
             started_at: datetime | None = None) -> None:
        at = _now()
        self.transcript.append(Said(speaker, text, at.isoformat()))
        self._put(self._backend.add_turn, self.call_sid, {
            "seq": self._next(), "speaker": speaker, "source": source, "text": text, "confidence": confidence,
            "started_at": (started_at or at).isoformat(), "ended_at": at.isoformat(),
            "audio_start_s": audio_start_s, "audio_end_s": audio_end_s})

    def event(self, kind: str, detail: str | None = None, *, order_id: int | None = None,
              handoff_id: int | None = None) -> None:
        self._put(self._backend.add_event, self.call_sid, {
            "seq": self._next(), "kind": kind, "detail": detail, "order_id": order_id, "handoff_id": handoff_id,
            "at": _now().isoformat()})

    async def close(self, status: str, reason: str, *, timeout_s: float = 10.0) -> None:
        """Write the final status after everything queued; give up on the backend after ``timeout_s``."""
        if self.closed:
            return
        self.closed = True
        self._put(self._backend.update_call, self.call_sid,
                  {"status": status, "end_reason": reason[:200], "ended_at": _now().isoformat()})
        self._queue.put_nowait(None)
        if self._writer is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._writer), timeout_s)
            except asyncio.TimeoutError:
                log.error("ivr: call %s: record not fully written (backend too slow)", self.call_sid)
                self._writer.cancel()

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _put(self, method, *args) -> None:  # noqa: ANN001 - a bound BackendClient method
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_all())
        self._queue.put_nowait((method, args))

    async def _write_all(self) -> None:
        while (item := await self._queue.get()) is not None:
            method, args = item
            for attempt in range(_RETRIES):
                try:
                    await method(*args)
                    break
                except BackendUnavailable as exc:
                    if attempt == _RETRIES - 1:
                        log.error("ivr: call %s: record write lost after retries: %s", self.call_sid, exc)
                    else:
                        await asyncio.sleep(_RETRY_DELAY_S * (attempt + 1))
                except BackendRefused as exc:
                    log.error("ivr: call %s: backend refused a record write: %s", self.call_sid, exc)
                    break
