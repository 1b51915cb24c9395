"""The two seams the IVR programs against. ``CallRecogniser`` and ``Synthesiser`` implement them;
IVR unit tests can pass simple fakes, while the IVR's flow tests use the real ones."""
from __future__ import annotations

from typing import AsyncIterator, Protocol, Sequence

from speech.events import RecognitionEvent
from speech.profile import CallProfile
from speech.synthesis import RenderedSpeech


class CallRecognition(Protocol):
    """Recognition for one call: feed audio as it arrives, read events back."""

    async def feed(self, chunk: bytes) -> list[RecognitionEvent]: ...

    async def finish(self) -> list[RecognitionEvent]: ...

    def use_grammar(self, phrases: Sequence[str] | None) -> None: ...

    def set_profile(self, profile: CallProfile) -> None: ...

    def close(self) -> None: ...


class SpeechOutput(Protocol):
    """Synthesis shared by all calls: 8 kHz μ-law frames for any text at a call's pace."""

    async def render(self, text: str, profile: CallProfile, *, normalise: bool = True) -> RenderedSpeech: ...

    def stream(self, text: str, profile: CallProfile) -> AsyncIterator[RenderedSpeech]: ...

    async def prompt(self, text: str, profile: CallProfile) -> RenderedSpeech: ...
