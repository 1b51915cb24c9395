"""What a call recogniser reports. Times are seconds since the call's audio began."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union


@dataclass(frozen=True)
class Word:
    """One recognised word. ``confidence`` is Vosk's posterior in [0, 1]."""

    text: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True)
class SpeechStarted:
    """The caller began speaking (voice energy held for ``speech_start_ms``): stop prompts for
    barge-in. ``at_s`` is when the voiced run began."""

    at_s: float


@dataclass(frozen=True)
class PartialResult:
    """Best guess so far for the utterance in progress (normalised text); may still change."""

    text: str


EndReason = Literal["silence", "max_length", "end_of_stream"]


@dataclass(frozen=True)
class FinalUtterance:
    """A finished utterance.

    ``text``: normalised (no spaces between Chinese characters, numerals as digits);
    ``raw_text``: as the model produced it; ``words``: per-word timing and confidence;
    ``start_s``/``end_s``: the voiced span as the endpointer saw it; ``reason``: why it ended;
    ``grammar``: True when decoded in the restricted (yes/no/digits) mode.
    """

    text: str
    raw_text: str
    words: tuple[Word, ...]
    start_s: float
    end_s: float
    reason: EndReason
    grammar: bool = False

    @property
    def confidence(self) -> float:
        """Lowest word confidence (0.0 if no words): one unsure word makes the answer unsure."""
        return min((w.confidence for w in self.words), default=0.0)


RecognitionEvent = Union[SpeechStarted, PartialResult, FinalUtterance]
