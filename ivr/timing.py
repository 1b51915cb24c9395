"""Per-turn latency stamps, for the hotline benchmark (``bench/ivr_bench.py``).

A spoken turn is stamped when the frame that ended the caller's utterance reached the
recogniser (endpoint detected), when the recogniser returned the final result, when the
assistant was asked and when it answered, and when the first audio of the answer was sent.
Each turn is one JSON line on the ``ivr.timing`` logger at DEBUG level. That logger is off
unless someone attaches a handler and lowers its level, so in service a turn costs a few
clock reads and nothing is written; the stamps never change what the call does.

Times are ``time.monotonic()``: on Linux that is CLOCK_MONOTONIC, one clock for every process
on the machine, so a caller simulator in another process can line the stamps up with its own.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass

from observe.metrics import TURN_LATENCY

log = logging.getLogger("ivr.timing")
now = time.monotonic


@dataclass
class TurnClock:
    """``endpoint``: the frame that ended the utterance began processing; ``final``: the
    recogniser returned the final result; ``asked`` / ``answered``: the assistant request was
    sent / its replies came back; ``first_audio``: the first media message of the answer was
    about to be sent. 0.0 = not reached (e.g. the turn was dropped); a turn that did not start
    with speech (a key, the greeting) has ``endpoint`` 0.0 and is not logged."""

    call_sid: str
    endpoint: float
    final: float = 0.0
    asked: float = 0.0
    answered: float = 0.0
    first_audio: float = 0.0

    def first_audio_sent(self) -> None:
        if self.first_audio:
            return
        self.first_audio = now()
        if self.endpoint:
            TURN_LATENCY.observe(self.first_audio - self.endpoint)
        if self.endpoint and log.isEnabledFor(logging.DEBUG):
            log.debug(json.dumps(asdict(self)))
