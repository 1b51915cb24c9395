"""One call's endpointer: the VAD turn policy (``speech.turn``, the default) or the old fixed-silence
energy threshold (``speech.endpointing``, ``YINLING_SPEECH_TURN_TAKING=energy``, kept for comparison).

The recogniser pushes every 20 ms frame and gets a ``Boundary``; it tells the taker what the
words so far are (``hint_text``) and whether a read-back waits for yes/no (``expect_yes_no``).
If Silero cannot be loaded the call falls back to energy endpointing, with one log line.
"""
from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from speech import endpointing, turn
from speech.endpointing import Boundary
from speech.errors import VadUnavailable
from speech.pcm import level_dbfs
from speech.profile import CallProfile
from speech.settings import SpeechSettings
from speech.vad import LineVad, VadModel

log = logging.getLogger(__name__)


def turn_config(settings: SpeechSettings, profile: CallProfile, frame_ms: int = 20) -> turn.TurnConfig:
    return turn.TurnConfig(
        frame_ms=frame_ms, start_ms=settings.turn_start_ms, margin_db=settings.vad_margin_db,
        quick_ms=settings.turn_quick_ms, complete_ms=settings.turn_complete_ms,
        elder_ms=settings.turn_elder_ms if profile.elder else settings.endpoint_silence_ms,
        continue_ms=settings.turn_continue_ms, max_utterance_ms=settings.max_utterance_ms)


def energy_config(settings: SpeechSettings, profile: CallProfile, frame_ms: int = 20) -> endpointing.EndpointConfig:
    return endpointing.EndpointConfig(
        frame_ms=frame_ms, threshold_dbfs=settings.speech_threshold_dbfs, start_ms=settings.speech_start_ms,
        end_silence_ms=profile.endpoint_silence_ms(settings), max_utterance_ms=settings.max_utterance_ms)


class TurnTaker:
    """``mode``: "vad" or "energy"; ``in_speech``, ``silence_ms``: the caller is talking / the
    trailing silence so far; ``ended_silence_ms``: the silence that ended the last utterance."""

    def __init__(self, settings: SpeechSettings, profile: CallProfile, sample_rate: int = 8000,
                 frame_ms: int = 20):
        self._settings, self._frame_ms = settings, frame_ms
        self._vad: LineVad | None = None
        if settings.turn_taking == "vad":
            try:
                self._vad = LineVad(VadModel.load(settings.vad_model_path), sample_rate)
            except VadUnavailable as exc:
                log.warning("speech: %s; endpointing on energy instead", exc)
        self.mode = "vad" if self._vad is not None else "energy"
        self._hint = turn.TurnHint()
        self._turn_state, self._energy_state = turn.TurnState(), endpointing.EndpointState()
        self.set_profile(profile)
        self.ended_silence_ms = 0
        self.hold_ms = 0

    def set_profile(self, profile: CallProfile) -> None:
        self._turn_config = turn_config(self._settings, profile, self._frame_ms)
        self._energy_config = energy_config(self._settings, profile, self._frame_ms)

    @property
    def start_ms(self) -> int:
        return self._turn_config.start_ms if self._vad is not None else self._energy_config.start_ms

    @property
    def preroll_ms(self) -> int:
        """Audio to keep from before the start: the VAD's start may come a few hundred ms into speech."""
        return 3 * self.start_ms if self._vad is not None else self._energy_config.start_ms

    @property
    def in_speech(self) -> bool:
        return self._turn_state.in_speech if self._vad is not None else self._energy_state.in_speech

    @property
    def silence_ms(self) -> int:
        return self._turn_state.silence_ms if self._vad is not None else self._energy_state.silence_ms

    def expect_yes_no(self, waiting: bool) -> None:
        self._hint = replace(self._hint, expect_yes_no=waiting)

    def hint_text(self, text: str) -> None:
        """The caller's words so far in this utterance (partial results, or a script's)."""
        self._hint = replace(self._hint, text=text)

    def push(self, samples: np.ndarray) -> Boundary:
        if self._vad is None:
            before = self._energy_state.silence_ms
            self._energy_state, boundary = endpointing.step(self._energy_state, level_dbfs(samples),
                                                            self._energy_config)
            if boundary is Boundary.ENDED:
                self.ended_silence_ms = before + self._frame_ms
            return boundary
        frame = self._vad.push(samples)
        state = self._turn_state
        voiced = turn.is_voice(frame, state.in_speech, self._turn_config)
        if not state.in_speech:
            self._vad.heard_background(frame.level_dbfs)
        self.hold_ms = turn.hold_ms(self._hint, state.speech_ms, self._turn_config)
        self._turn_state, boundary = turn.step(state, voiced, self.hold_ms, self._turn_config,
                                               self._hint.expect_yes_no, turn.above_room(frame, self._turn_config))
        if boundary is Boundary.STARTED:
            self._vad.speech_started()
        if boundary is Boundary.ENDED:
            self.ended_silence_ms = state.silence_ms + self._frame_ms
            self._vad.forget_voice()
        if boundary in (Boundary.ENDED, Boundary.CUT, Boundary.STARTED):
            self._hint = replace(self._hint, text="")
        return boundary
