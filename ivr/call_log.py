"""The call record, written to the backend as the call goes (operators see a live call's
conversation, and a transferred caller's history is there before the operator picks up).

Writes are queued and sent in order by a background task (which ends when the queue is empty),
so speaking to the caller never waits for the backend. Each turn and event carries its sequence
number, which the backend uses to store a retried write once; a write the backend did not
acknowledge is retried a few times. ``close()`` flushes the queue (bounded in time) and writes
the final status.

A gather-mode call is one webhook after another, perhaps on different workers: its record is
rebuilt for each from ``snapshot()`` (the sequence number goes on where the last webhook left it,
so turns are neither overwritten nor dropped as repeats), and its writes are ``held`` until the
webhook's step is saved (``release()``), or dropped with the step (``discard()``); the webhook then waits
for them (``sent()``) before answering. A write that
finds the call not yet opened (404: the worker that opened it has not written it yet) opens it
here too, which the backend does once per SID, and writes again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict, dataclass
from typing import Any
from datetime import datetime, timezone

from ivr.backend_client import BackendClient
from ivr.errors import BackendRefused, BackendUnavailable, IvrError

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
    def __init__(self, backend: BackendClient, call_sid: str, *, held: bool = False):
        self.call_sid = call_sid
        self._backend = backend
        self._seq = 0
        self._opening: dict[str, Any] | None = None  # the open_call body, to open again on a 404
        self._queue: asyncio.Queue = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self._held: list | None = [] if held else None
        self.transcript: list[Said] = []
        self.closed = False

    def snapshot(self) -> dict[str, Any]:
        """What another worker needs to go on writing this record (JSON-ready)."""
        return {"seq": self._seq, "opening": self._opening, "transcript": [asdict(s) for s in self.transcript]}

    @classmethod
    def restore(cls, backend: BackendClient, call_sid: str, fields: dict[str, Any], *, held: bool = False) -> "CallLog":
        record = cls(backend, call_sid, held=held)
        record._seq, record._opening = int(fields["seq"]), fields.get("opening")
        record.transcript = [Said(**said) for said in fields["transcript"]]
        return record

    def release(self) -> None:
        """Send the held writes (the step they belong to was saved); write at once from now on."""
        held, self._held = self._held or [], None
        for method, args in held:
            self._put(method, *args)

    def discard(self) -> None:
        """Drop the held writes: their step was not kept, so they never happened."""
        self._held = []

    def open(self, caller: str, channel: str, mode: str) -> None:
        self._opening = {"call_sid": self.call_sid, "caller_phone": caller or None,
                         "channel": channel, "mode": mode, "started_at": _now().isoformat()}
        self._put(self._backend.open_call, self._opening)

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

    async def sent(self, timeout_s: float) -> bool:
        """Wait (at most ``timeout_s``) until the writes queued so far are sent; False if they are still
        going (they go on in the background)."""
        if self._writer is None:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), timeout_s)
        except asyncio.TimeoutError:
            return False
        return True

    async def close(self, status: str, reason: str, *, timeout_s: float = 10.0) -> None:
        """Write the final status after everything queued; give up on the backend after ``timeout_s``."""
        if self.closed:
            return
        self.closed = True
        self._put(self._backend.update_call, self.call_sid,
                  {"status": status, "end_reason": reason[:200], "ended_at": _now().isoformat()})
        self.release()
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
        if self._held is not None:
            self._held.append((method, args))
            return
        self._queue.put_nowait((method, args))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        # Ends when the queue is empty (no await between the check and forgetting the task, so a
        # write put meanwhile starts a new one): a record rebuilt per webhook leaves no task behind.
        while not self._queue.empty():
            method, args = self._queue.get_nowait()
            await self._write(method, args)
        self._writer = None

    async def _write(self, method, args: tuple) -> None:  # noqa: ANN001
        for attempt in range(_RETRIES):
            try:
                await method(*args)
                return
            except BackendUnavailable as exc:
                if attempt == _RETRIES - 1:
                    log.error("ivr: call %s: record write lost after retries: %s", self.call_sid, exc)
                else:
                    await asyncio.sleep(_RETRY_DELAY_S * (attempt + 1))
            except BackendRefused as exc:
                if exc.status == 404 and self._opening is not None and attempt < _RETRIES - 1:
                    with contextlib.suppress(IvrError):  # a failure shows as the next attempt's 404
                        await self._backend.open_call(self._opening)
                    continue
                log.error("ivr: call %s: backend refused a record write: %s", self.call_sid, exc)
                return
