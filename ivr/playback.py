"""What the caller hears, as the gateway knows it: audio sent as ``media`` messages, each
piece followed by a ``mark`` that Twilio (or the browser phone) echoes once it has played, and
``clear`` to drop what has not played yet. Also feeds the assistant side of the recording.

``captions``: the stream is the browser phone's (its token was issued by a browser-phone session, so
a Twilio caller cannot ask for it), which also shows what is said as text (``yinling.text``); a
Twilio stream never gets a message outside Twilio's protocol."""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from speech import CallRecorder, RenderedSpeech

from ivr.messages import clear_message, mark_message, media_message, text_message

_CHUNK_BYTES = 8000  # 1 s of μ-law per media message


class Playback:
    def __init__(self, send: Callable[[str], Awaitable[None]], stream_sid: str, recorder: CallRecorder | None,
                 *, captions: bool = False):
        self._send, self.stream_sid, self.recorder, self.captions = send, stream_sid, recorder, captions
        self._pending: set[str] = set()
        self._count = 0
        self._all_played = asyncio.Event()
        self.interruptions = 0
        """Clears so far: a turn being spoken stops when this changes under it."""

    async def caption(self, text: str) -> None:
        """Show ``text`` (what is about to be heard) on a browser phone; nothing on a Twilio stream."""
        if self.captions:
            await self._send(text_message(self.stream_sid, text))

    async def audio(self, speech: RenderedSpeech) -> None:
        data = speech.mulaw
        for start in range(0, len(data), _CHUNK_BYTES):
            await self._send(media_message(self.stream_sid, data[start:start + _CHUNK_BYTES]))
        if self.recorder is not None:
            self.recorder.assistant(data)

    async def mark(self) -> str:
        """Mark the end of what was sent so far; returns the mark's name."""
        self._count += 1
        name = f"said-{self._count}"
        self._pending.add(name)
        self._all_played.clear()
        await self._send(mark_message(self.stream_sid, name))
        return name

    def heard(self, name: str) -> bool:
        """A mark came back; True if it was one of ours still pending."""
        if name not in self._pending:
            return False
        self._pending.discard(name)
        if not self._pending:
            self._all_played.set()
        return True

    async def clear(self) -> None:
        self.interruptions += 1
        self._pending.clear()
        self._all_played.set()
        if self.recorder is not None:
            self.recorder.clear_assistant()
        await self._send(clear_message(self.stream_sid))

    async def played(self, timeout_s: float) -> None:
        """Wait until everything sent has been heard (every mark echoed, or cleared)."""
        if self._pending:
            try:
                await asyncio.wait_for(self._all_played.wait(), timeout_s)
            except asyncio.TimeoutError:
                pass
