"""A caller who never stops: memory stays bounded because utterances are cut at max length."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from speech import mulaw
from speech.events import FinalUtterance
from speech.profile import CallProfile
from speech.service import RecognitionService
from speech.vosk_engine import Segment, VoskEngine
from tests.speech.factories import as_mulaw, babble, espeak_phone_pcm, settings

MINUTE = 60


class RecordingDecoder:
    """Stands in for Vosk where only our own buffering is under test (20 minutes of audio
    through the real model would take longer than the whole suite may)."""

    largest_input = 0
    in_utterance = False

    def __init__(self, model, sample_rate, phrases=None):
        self.grammar, self.sample_rate, self.fed_samples = phrases, sample_rate, 0

    def accept(self, pcm16: bytes):
        RecordingDecoder.largest_input = max(RecordingDecoder.largest_input, len(pcm16))
        self.fed_samples += len(pcm16) // 2
        return None

    def partial(self) -> str:
        return ""

    def finish(self) -> Segment:
        return Segment("", ())

    @property
    def fed_seconds(self) -> float:
        return self.fed_samples / self.sample_rate


def test_call__twenty_minute_monologue_is_cut_into_bounded_utterances(service, monkeypatch):
    monkeypatch.setattr(VoskEngine, "new_decoder",
                        lambda engine, phrases=None: RecordingDecoder(engine.model, engine.sample_rate, phrases))
    svc = RecognitionService(settings(max_utterance_ms=20_000, turn_taking="energy"), store=service.store)
    svc.start()

    async def scenario():
        call = svc.open_call(CallProfile.for_call(svc.settings, elder=True))
        finals, rss, held = [], {}, 0
        for second in range(20 * MINUTE):  # fed as fast as the pipeline takes it
            events = await call.feed(mulaw.encode(babble(1.0, seed=second % 50)))
            finals += [e for e in events if isinstance(e, FinalUtterance)]
            held = max(held, sum(len(b) for b in call._batch) + len(call._segments) + len(call._gaps))
            if second in (2 * MINUTE, 20 * MINUTE - 1):
                rss[second] = _rss_mb()
        return finals + [e for e in await call.finish() if isinstance(e, FinalUtterance)], rss, held

    try:
        finals, rss, held = asyncio.run(scenario())
    finally:
        svc.close()
    assert [f.reason for f in finals] == ["max_length"] * 60
    assert finals[-1].end_s == pytest.approx(20 * MINUTE, abs=0.05)
    assert all(f.end_s - f.start_s <= 20.01 for f in finals)
    assert held <= 1600  # never more than ~200 ms of audio waiting for the decoder
    assert rss[20 * MINUTE - 1] - rss[2 * MINUTE] < 15  # keeping the audio would add ~38 MB
    assert RecordingDecoder.largest_input <= 2 * 16000 * 0.2  # Vosk gets at most ~200 ms at a time


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def test_call__continuous_speech_with_real_vosk_is_cut_and_memory_stays_flat(service, audio_dir):
    svc = RecognitionService(settings(max_utterance_ms=6_000, turn_taking="energy"), store=service.store)
    svc.start()
    sentence = espeak_phone_pcm("네 아니요 네 아니요 네 아니요", audio_dir)
    audio = as_mulaw(*([sentence] * int(np.ceil(30 * 8000 / len(sentence)))))

    async def scenario():
        call = svc.open_call(CallProfile.for_call(svc.settings, elder=True))
        call.use_grammar(["네", "아니요"])
        events, rss = [], []
        for i in range(0, len(audio), 8000):
            events += await call.feed(audio[i : i + 8000])
            rss.append(_rss_mb())
        return events + await call.finish(), rss

    try:
        events, rss = asyncio.run(scenario())
    finally:
        svc.close()
    finals = [e for e in events if isinstance(e, FinalUtterance)]
    assert [f.reason for f in finals].count("max_length") >= 4
    assert all(f.end_s - f.start_s <= 6.0 + svc.settings.preroll_ms / 1000 for f in finals)
    assert sum(len(f.words) for f in finals) >= 20
    assert max(rss[len(rss) // 2 :]) - rss[len(rss) // 2] < 30  # no growth in the second half
