"""Silero VAD and the call endpointer on real audio: espeak-ng Mandarin speech against generated
noise and a TV-like babble of six Mandarin voices under the caller."""
from __future__ import annotations

import numpy as np
import pytest

from speech import mulaw
from speech.endpointing import Boundary
from speech.profile import CallProfile
from speech.turn_taker import TurnTaker
from speech.vad import LineVad, VadModel
from tests.speech.factories import babble, espeak_phone_pcm, settings, silence, tv_babble, under

SENTENCE = "我想预约明天上午送饭"


def _trimmed(text: str, audio_dir) -> np.ndarray:
    """espeak-ng's own lead-in and trailing silence cut off, so a pause is the pause we insert."""
    samples = espeak_phone_pcm(text, audio_dir, voice="cmn")
    loud = np.flatnonzero(np.abs(samples) > 300)
    return samples[loud[0]:loud[-1] + 1]


def _probs(samples: np.ndarray) -> np.ndarray:
    vad = LineVad(VadModel.load())
    return np.array([vad.push(samples[i:i + 160]).prob for i in range(0, len(samples) - 159, 160)])


def _boundaries(samples: np.ndarray) -> list[tuple[float, Boundary]]:
    s = settings()
    taker = TurnTaker(s, CallProfile.for_call(s))
    assert taker.mode == "vad"
    line = mulaw.encode(samples)  # through the phone channel
    out = []
    for i in range(0, len(line) - 159, 160):
        boundary = taker.push(mulaw.decode(line[i:i + 160]))
        if boundary is not Boundary.NONE:
            out.append(((i + 160) / 8000, boundary))
    return out


def test_vad__mandarin_speech_scores_as_voice_and_generated_noise_does_not(audio_dir):
    speech = _probs(espeak_phone_pcm(SENTENCE, audio_dir, voice="cmn"))
    noise = _probs(babble(3.0))
    white = _probs((np.random.default_rng(3).normal(0, 3000, 24000)).astype(np.int16))
    assert np.mean(speech > 0.5) > 0.6
    assert np.mean(noise > 0.5) < 0.05 and np.mean(white > 0.5) < 0.05


def test_turn_taker__tv_babble_10db_under_the_caller_starts_no_speech_while_they_listen(audio_dir):
    speech = espeak_phone_pcm(SENTENCE, audio_dir, voice="cmn")
    tv = under(speech, tv_babble(12.0, audio_dir), 10)
    assert _boundaries(tv) == []


def test_turn_taker__caller_over_tv_babble_starts_and_the_turn_ends_while_the_tv_goes_on(audio_dir):
    speech = espeak_phone_pcm(SENTENCE, audio_dir, voice="cmn")
    tv = under(speech, tv_babble(9.0, audio_dir), 10)
    caller = np.concatenate([silence(2.0), speech, silence(9.0 - 2.0 - len(speech) / 8000)])
    line = np.clip(caller.astype(np.int32) + tv, -32768, 32767).astype(np.int16)
    boundaries = _boundaries(line)
    said_end = 2.0 + len(speech) / 8000
    assert [b for _, b in boundaries][:2] == [Boundary.STARTED, Boundary.ENDED]
    assert 2.0 <= boundaries[0][0] < said_end and said_end < boundaries[1][0] < 9.0


@pytest.mark.parametrize("pause_s", [0.6, 1.2])
def test_turn_taker__a_thinking_pause_mid_sentence_does_not_end_the_turn(audio_dir, pause_s):
    first, second = (_trimmed(t, audio_dir) for t in ("我想预约", "明天上午送饭"))
    line = np.concatenate([silence(0.6), first, silence(pause_s), second, silence(3.0)])
    boundaries = [b for _, b in _boundaries(line)]
    assert boundaries == [Boundary.STARTED, Boundary.ENDED]


def test_turn_taker__a_bare_quarter_second_yes_at_a_read_back_is_heard(audio_dir):
    yes = _trimmed("是", audio_dir)
    assert len(yes) < 0.35 * 8000  # espeak's 是 is short: shorter than the voice that starts an ordinary turn
    s = settings()
    taker = TurnTaker(s, CallProfile.for_call(s))
    taker.expect_yes_no(True)
    line = mulaw.encode(np.concatenate([silence(1.0), yes, silence(1.0)]))
    boundaries = [taker.push(mulaw.decode(line[i:i + 160])) for i in range(0, len(line) - 159, 160)]
    assert [b for b in boundaries if b is not Boundary.NONE] == [Boundary.STARTED, Boundary.ENDED]


def test_turn_taker__a_bare_yes_right_after_a_sentence_is_heard(mandarin_voice):
    # The test voice's 对 (250 ms) after a sentence on the same line: with Silero's state carried over from
    # the sentence it never scored as voice while it lasted; the state is now started afresh at each turn's end.
    s = settings()
    taker = TurnTaker(s, CallProfile.for_call(s, elder=True))
    line = (mulaw.encode(silence(1.0)) + mandarin_voice.phone("我要取消刚才的订单。") + mulaw.encode(silence(2.5)))
    said = [taker.push(mulaw.decode(line[i:i + 160])) for i in range(0, len(line) - 159, 160)]
    assert [b for b in said if b is not Boundary.NONE] == [Boundary.STARTED, Boundary.ENDED]
    taker.expect_yes_no(True)
    line = mulaw.encode(silence(1.0)) + mandarin_voice.phone("对。") + mulaw.encode(silence(1.0))
    answer = [taker.push(mulaw.decode(line[i:i + 160])) for i in range(0, len(line) - 159, 160)]
    assert [b for b in answer if b is not Boundary.NONE] == [Boundary.STARTED, Boundary.ENDED]
