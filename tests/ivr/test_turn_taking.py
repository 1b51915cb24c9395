"""Turn-taking through the real gateway (Twilio Media Streams simulator, real Vosk with the Korean
test model, Silero VAD): a TV under the caller neither barges in nor keeps a turn open, a thinking
pause mid-sentence is not a turn, a yes at a read-back ends the turn after a short silence.

The caller's audio is the gateway's clock, so each test sends exactly the silence it is about
(no timed assertions): e.g. a yes followed by 0.6 s of line silence and nothing more is heard as
a turn only if the silence that ends it is shorter than the old fixed 1.5 s."""
from __future__ import annotations

import numpy as np
import pytest

from ivr.assistant import Reply
from speech import FinalUtterance, SpeechStarted, mulaw
from tests.ivr.conftest import place_call
from tests.ivr.test_confirmation_grammar import BOOKED, KOREAN_YES_NO, READ_BACK, InTurnAssistant
from tests.speech import factories as speech_factories

pytestmark = pytest.mark.anyio
LONG_GREETING = [Reply(text="您好，这里是时间银行服务热线，请问您需要什么帮助？我们可以帮您预约助餐、助洁、陪同就医等服务。")]


class EventsRecogniser:
    """The real call recogniser, keeping every event it gave."""

    def __init__(self, inner):  # noqa: ANN001
        self.inner, self.events = inner, []

    async def feed(self, chunk: bytes) -> list:
        events = await self.inner.feed(chunk)
        self.events += events
        return events

    def __getattr__(self, name: str):  # noqa: ANN204 - in_speech, finish, use_grammar, set_profile, close
        return getattr(self.inner, name)


def _opener(watched: list):
    def open_recogniser(profile, vosk):  # noqa: ANN001, ANN202
        watched.append(EventsRecogniser(vosk.open_call(profile)))
        return watched[-1]
    return open_recogniser


def _pcm(text: str, tmp_path) -> np.ndarray:  # noqa: ANN001
    samples = speech_factories.espeak_phone_pcm(text, tmp_path, voice="cmn")
    loud = np.flatnonzero(np.abs(samples) > 300)
    return samples[loud[0]:loud[-1] + 1]  # espeak's own silences off: the pauses are the ones we insert


async def test_tv_babble_under_a_prompt_does_not_barge_in_and_the_callers_turn_ends_under_it(
        backend, hotline_factory, vosk, tmp_path):
    watched: list = []
    assistant = InTurnAssistant([LONG_GREETING])
    speech = _pcm("我想预约明天上午送饭", tmp_path)
    tv = speech_factories.under(speech, speech_factories.tv_babble(12.0, tmp_path), 10)
    caller = np.concatenate([np.zeros(4 * 8000, np.int16), speech])
    caller = np.concatenate([caller, np.zeros(len(tv) - len(caller), np.int16)])
    line = mulaw.encode(np.clip(caller.astype(np.int32) + tv, -32768, 32767).astype(np.int16))
    async with hotline_factory(assistant=assistant, open_recogniser=lambda p: _opener(watched)(p, vosk),
                               min_confidence=0.0) as hotline:
        # echo_marks=False: the greeting is still playing at the caller's end all along
        stream = await place_call(hotline, backend.new_elder()["phone"], "CA" + "7b" * 16, echo_marks=False)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(line, realtime=True, speed=4)
        await stream.wait_for(lambda: len(assistant.received) >= 2, timeout=40,
                              what=f"the caller's turn ({[type(e).__name__ for e in watched[0].events]})")
        await stream.stop()
    [recogniser] = watched
    starts = [e.at_s for e in recogniser.events if isinstance(e, SpeechStarted)]
    finals = [e for e in recogniser.events if isinstance(e, FinalUtterance)]
    assert len(starts) == 1 and starts[0] >= 3.8  # the TV alone (first 4 s) started nothing: no barge-in
    assert stream.clears == 1  # the caller's own speech did
    assert finals[0].reason == "silence" and finals[0].end_s < 12.0  # ended while the TV went on


async def test_a_thinking_pause_mid_sentence_is_not_the_end_of_the_turn(backend, hotline_factory, vosk, tmp_path):
    watched: list = []
    assistant = InTurnAssistant([[Reply(text="您好。")]])
    first, second = _pcm("我想预约", tmp_path), _pcm("明天上午送饭", tmp_path)
    pause = np.zeros(int(1.2 * 8000), np.int16)
    line = mulaw.encode(np.concatenate([np.zeros(4000, np.int16), first, pause, second, np.zeros(3 * 8000, np.int16)]))
    async with hotline_factory(assistant=assistant, open_recogniser=lambda p: _opener(watched)(p, vosk),
                               min_confidence=0.0) as hotline:
        stream = await place_call(hotline, backend.new_elder()["phone"], "CA" + "7c" * 16)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(line, realtime=True, speed=4)
        await stream.wait_for(lambda: len(assistant.received) >= 2, timeout=40, what="the caller's turn")
        await stream.stop()
    [recogniser] = watched
    finals = [e for e in recogniser.events if isinstance(e, FinalUtterance) and e.reason == "silence"]
    assert len(finals) == 1 and len(assistant.received) == 2
    assert finals[0].start_s < 0.5 + len(first) / 8000 < 0.5 + (len(first) + len(pause)) / 8000 < finals[0].end_s


async def test_a_yes_at_a_read_back_ends_the_turn_after_a_short_silence(backend, hotline_factory, vosk, tmp_path):
    watched: list = []
    assistant = InTurnAssistant([[Reply(text="您好。")], READ_BACK, BOOKED])

    def korean(text: str, after_s: float) -> bytes:
        return (mulaw.encode(np.zeros(4000, np.int16)) + mulaw.encode(speech_factories.espeak_phone_pcm(text, tmp_path))
                + mulaw.encode(np.zeros(int(after_s * 8000), np.int16)))

    async with hotline_factory(assistant=assistant, open_recogniser=lambda p: _opener(watched)(p, vosk),
                               min_confidence=0.0, confirm_grammar=KOREAN_YES_NO) as hotline:
        stream = await place_call(hotline, backend.new_elder()["phone"], "CA" + "7d" * 16)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(korean("내일 아침 아홉 시에 와 주세요", 2.5), realtime=True, speed=4)
        await stream.wait_for(lambda: len(assistant.received) >= 2 and len(stream.marks) >= 3, timeout=40,
                              what="the read-back")
        # 0.6 s of silence after the yes, then the line sends nothing more: only a quick end hears it
        await stream.audio(korean("네", 0.6), realtime=True, speed=4)
        await stream.wait_for(lambda: len(assistant.received) >= 3, timeout=40, what="the yes")
        await stream.stop()
    [recogniser] = watched
    yes = [e for e in recogniser.events if isinstance(e, FinalUtterance)][1]
    assert yes.reason == "silence" and yes.grammar and assistant.received[2] == yes.text
