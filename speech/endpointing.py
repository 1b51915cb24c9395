"""Endpointing as a pure step function over 20 ms frame levels.

The caller is speaking once frames stay above ``threshold_dbfs`` for ``start_ms``; the utterance
ends after ``end_silence_ms`` of frames below it, or is cut at ``max_utterance_ms`` so a monologue
cannot grow memory without bound. Energy, not the model, decides: it reacts within ~100 ms (for
barge-in) and costs nothing while the line is quiet, when the model is not fed at all.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


@dataclass(frozen=True)
class EndpointConfig:
    frame_ms: int = 20
    threshold_dbfs: float = -40.0
    start_ms: int = 100
    end_silence_ms: int = 800
    max_utterance_ms: int = 20000


class Boundary(Enum):
    NONE = "none"
    STARTED = "started"  # this frame completes the voiced run that starts an utterance
    ENDED = "ended"  # enough trailing silence: the utterance is over
    CUT = "cut"  # the utterance reached max_utterance_ms


@dataclass(frozen=True)
class EndpointState:
    """``voiced_ms``: current run of voiced frames while idle; ``silence_ms``: trailing silence
    while in speech; ``utterance_ms``: length of the utterance so far (from its first voiced
    frame)."""

    in_speech: bool = False
    voiced_ms: int = 0
    silence_ms: int = 0
    utterance_ms: int = 0


def step(state: EndpointState, level_dbfs: float, config: EndpointConfig) -> tuple[EndpointState, Boundary]:
    """Advance by one frame of the given level."""
    voiced = level_dbfs >= config.threshold_dbfs
    if not state.in_speech:
        run = state.voiced_ms + config.frame_ms if voiced else 0
        if run >= config.start_ms:
            return EndpointState(in_speech=True, utterance_ms=run), Boundary.STARTED
        return replace(state, voiced_ms=run), Boundary.NONE

    utterance_ms = state.utterance_ms + config.frame_ms
    silence_ms = 0 if voiced else state.silence_ms + config.frame_ms
    if silence_ms >= config.end_silence_ms:
        return EndpointState(), Boundary.ENDED
    if utterance_ms >= config.max_utterance_ms:
        # The caller is still talking: the next utterance starts at once, no new voiced run needed.
        return EndpointState(in_speech=True), Boundary.CUT
    return EndpointState(in_speech=True, silence_ms=silence_ms, utterance_ms=utterance_ms), Boundary.NONE
