"""Turn-taking on a streamed call as pure step functions over ``Floor``: who has the floor,
how long the caller has been silent, how often we re-prompted or misheard. The call handler
(``ivr.session``) feeds events in and carries out the decisions; nothing here does I/O.

The caller's own audio is the clock: silence is counted in inbound audio, so it advances
exactly as the line does (and as fast as a simulator streams it).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal


@dataclass(frozen=True)
class Floor:
    """``playing``: our marks not yet echoed (audio still queued at the caller's end);
    ``busy``: a turn is being worked on (assistant, backend, synthesis); ``silence_ms``:
    caller silence while nothing else happens; ``reprompts``: re-prompts since the caller last
    spoke; ``misheard``: recognitions in a row that gave nothing usable; ``offered``: the
    keypad/person offer was made after the re-prompts ran out."""

    playing: int = 0
    busy: bool = False
    silence_ms: int = 0
    reprompts: int = 0
    misheard: int = 0
    offered: bool = False


@dataclass(frozen=True)
class Limits:
    silence_ms: int
    max_reprompts: int
    min_confidence: float


SilenceAction = Literal["reprompt", "offer", "goodbye"]


def on_audio(floor: Floor, ms: int, caller_speaking: bool, limits: Limits) -> tuple[Floor, SilenceAction | None]:
    """Inbound audio of ``ms``: count silence only while the caller has the floor."""
    if caller_speaking or floor.playing or floor.busy:
        return replace(floor, silence_ms=0), None
    silence = floor.silence_ms + ms
    if silence < limits.silence_ms:
        return replace(floor, silence_ms=silence), None
    floor = replace(floor, silence_ms=0)
    if floor.offered:
        return floor, "goodbye"
    if floor.reprompts < limits.max_reprompts:
        return replace(floor, reprompts=floor.reprompts + 1), "reprompt"
    return replace(floor, offered=True), "offer"


def on_speech_started(floor: Floor) -> tuple[Floor, bool]:
    """The caller started talking; True = our audio is still playing, so clear it (barge-in)."""
    return replace(floor, silence_ms=0, playing=0), floor.playing > 0


FinalAction = Literal["send", "misheard", "keypad"]


def on_final(floor: Floor, text: str, confidence: float, limits: Limits) -> tuple[Floor, FinalAction]:
    """A finished utterance: pass it on, or count a misrecognition (two in a row → keypad)."""
    if text.strip() and confidence >= limits.min_confidence:
        return replace(floor, misheard=0, reprompts=0, offered=False, silence_ms=0), "send"
    misheard = floor.misheard + 1
    if misheard >= 2:
        return replace(floor, misheard=0, silence_ms=0), "keypad"
    return replace(floor, misheard=misheard, silence_ms=0), "misheard"


def on_key(floor: Floor) -> Floor:
    """Any key press is the caller taking part: the silence count starts over."""
    return replace(floor, silence_ms=0, reprompts=0, offered=False)


def on_played(floor: Floor) -> Floor:
    """One of our marks came back: that piece of audio has been heard in full."""
    return replace(floor, playing=max(0, floor.playing - 1), silence_ms=0)


def on_sent(floor: Floor) -> Floor:
    return replace(floor, playing=floor.playing + 1, silence_ms=0)


# Every read-back in bot/domain.yml (utter_confirm_*) ends with this question; the bot sends no
# separate signal, so the phone line recognises a read-back by its wording.
_YES_NO_QUESTION = ("对吗？", "对吗?", "对吗")


def asks_yes_no(texts: list[str]) -> bool:
    """Whether the assistant's turn ends with a read-back waiting for 对 / 不对."""
    return bool(texts) and texts[-1].strip().endswith(_YES_NO_QUESTION)
