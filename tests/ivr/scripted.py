"""Stand-ins for tests only, named for what they are.

``ScriptedTranscriptRecogniser``: no Mandarin model can be downloaded here, so Mandarin calls
use this: it hears the real audio stream with the real endpointer (``speech.endpointing``), so
speech start (barge-in) and utterance end come from the audio, but the words of each finished
utterance are the next line of a script. The audio path itself is tested with Vosk.

``VoskTimedScript`` (the hotline benchmark): the real Vosk call recogniser hears the audio, so
endpointing and decoding cost what they cost, but each final carries the next Mandarin script
line instead of Vosk's (Korean) words, because the assistant behind it understands Mandarin.
Once Vosk reports words, the script line is also what the end-of-turn policy is told the caller
is saying (a perfect streaming recogniser's words, whole from the first partial).

``ScriptedAssistant``: answers like Rasa's REST channel would, from a list of canned turns,
for tests of the gateway's own behaviour that must not depend on the trained bot.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace

from speech import CallProfile, FinalUtterance, PartialResult, SpeechStarted, Word
from speech import pcm
from speech.endpointing import Boundary, EndpointConfig, EndpointState, step
from speech.frames import FRAME_BYTES, FrameBuffer
from speech import mulaw

from ivr.assistant import Reply


class ScriptedTranscriptRecogniser:
    def __init__(self, lines: list[str], confidence: float = 0.9, end_silence_ms: int = 600):
        self.lines = deque(lines)
        self.confidence = confidence
        self._config = EndpointConfig(end_silence_ms=end_silence_ms)
        self._state = EndpointState()
        self._frames = FrameBuffer(FRAME_BYTES)
        self._t = 0.0
        self._start = 0.0
        self.closed = False
        self.finished = 0
        self.grammars: list[tuple[int, tuple[str, ...] | None]] = []

    @property
    def in_speech(self) -> bool:
        return self._state.in_speech

    def set_profile(self, profile: CallProfile) -> None:
        pass

    def use_grammar(self, phrases) -> None:  # noqa: ANN001
        """Recorded as (utterances finished so far, phrases or None), for the grammar tests."""
        self.grammars.append((self.finished, tuple(phrases) if phrases else None))

    async def feed(self, chunk: bytes) -> list:
        events: list = []
        for frame in self._frames.push(chunk):
            self._t += 0.02
            self._state, boundary = step(self._state, pcm.level_dbfs(mulaw.decode(frame)), self._config)
            if boundary is Boundary.STARTED:
                self._start = self._t - self._config.start_ms / 1000
                events.append(SpeechStarted(at_s=round(self._start, 3)))
            elif boundary in (Boundary.ENDED, Boundary.CUT):
                events.append(self._final())
        return events

    def close(self) -> None:
        self.closed = True

    async def finish(self) -> list:
        self.closed = True
        return [self._final()] if self._state.in_speech else []

    def _final(self) -> FinalUtterance:
        self.finished += 1
        text = self.lines.popleft() if self.lines else ""
        words = (Word(text, self._start, self._t, self.confidence),) if text else ()
        return FinalUtterance(text=text, raw_text=text, words=words, start_s=round(self._start, 3),
                              end_s=round(self._t, 3), reason="silence")


class VoskTimedScript:
    def __init__(self, inner, lines: list[str]):  # noqa: ANN001 - a speech.CallRecogniser
        self.inner, self.lines = inner, deque(lines)

    async def feed(self, chunk: bytes) -> list:
        events = await self.inner.feed(chunk)
        if self.lines and any(isinstance(e, PartialResult) for e in events):
            self.inner.hint_text(self.lines[0])  # the words the caller is saying, for the end-of-turn policy
        return [self._swap(e) if isinstance(e, FinalUtterance) else e for e in events]

    def _swap(self, final: FinalUtterance) -> FinalUtterance:
        line = self.lines.popleft() if self.lines else "好的"
        return replace(final, text=line, words=(Word(line, final.start_s, final.end_s, 0.9),))

    def __getattr__(self, name: str):  # noqa: ANN204 - in_speech, finish, use_grammar, set_profile, close
        return getattr(self.inner, name)


class ScriptedAssistant:
    """``turns``: message → replies; messages not listed get ``default``. Records what it was sent."""

    def __init__(self, turns: dict[str, list[Reply]], default: list[Reply] | None = None):
        self.turns = turns
        self.default = default if default is not None else [Reply(text="好的。")]
        self.received: list[tuple[str, str, dict]] = []

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        self.received.append((sender, text, metadata))
        return self.turns.get(text, self.default)

    async def aclose(self) -> None:
        pass
