"""Per-call pace: elder mode and the speaking rate that follows the caller's 'slow down' requests.

A ``CallProfile`` is immutable; the IVR keeps the current one for a call and replaces it with
``profile.slow_down(settings)`` when the dialogue hears 慢一点.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from speech.settings import SpeechSettings


@dataclass(frozen=True)
class CallProfile:
    """``elder``: elder mode (slower speech, longer pause before an utterance counts as ended);
    ``rate_wpm``: espeak rate for this call's next prompts."""

    elder: bool
    rate_wpm: int

    @classmethod
    def for_call(cls, settings: SpeechSettings, *, elder: bool = True) -> "CallProfile":
        rate = settings.elder_rate_wpm if elder else settings.normal_rate_wpm
        return cls(elder=elder, rate_wpm=rate)

    def slow_down(self, settings: SpeechSettings) -> "CallProfile":
        """One step slower, never below ``min_rate_wpm``; slowing also switches elder mode on."""
        slower = max(settings.min_rate_wpm, round(self.rate_wpm * settings.slow_down_factor))
        return replace(self, elder=True, rate_wpm=slower)

    def endpoint_silence_ms(self, settings: SpeechSettings) -> int:
        return settings.elder_endpoint_silence_ms if self.elder else settings.endpoint_silence_ms
