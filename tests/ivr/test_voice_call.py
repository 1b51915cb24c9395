"""Spoken calls: barge-in on the real Vosk audio path, silence re-prompts, and a scripted
Mandarin utterance reaching the assistant with the caller's metadata."""
from __future__ import annotations

import asyncio

import pytest

from ivr import prompts
from ivr.assistant import Reply
from speech import mulaw
from tests.ivr.conftest import call_record, place_call
from tests.ivr.scripted import ScriptedAssistant, ScriptedTranscriptRecogniser
from tests.ivr.simulator import silence
from tests.speech import factories as speech_factories

pytestmark = pytest.mark.anyio
LONG_GREETING = [Reply(text="您好，我是银龄助手。您可以说约服务、查时间币、查星级、取消预约，或者送时间币给家里人。")]


def korean_speech(tmp_path) -> bytes:
    # Line silence first: Twilio streams the line from the moment the call connects.
    return silence(0.5) + mulaw.encode(speech_factories.espeak_phone_pcm("안녕하세요 도와주세요", tmp_path))


async def test_caller_speaking_during_playback_sends_clear(backend, hotline_factory, vosk, tmp_path):
    assistant = ScriptedAssistant({"/greet": LONG_GREETING}, default=[Reply(text="好的。")])
    async with hotline_factory(assistant=assistant, open_recogniser=vosk.open_call, min_confidence=0.0) as line:
        # echo_marks=False: the greeting is still playing at the caller's end
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "f" * 32, echo_marks=False)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        assert stream.clears == 0
        await stream.audio(korean_speech(tmp_path) + silence(2.0), realtime=True, speed=4)
        await stream.wait_for(lambda: stream.clears == 1, what="clear")
        await stream.wait_for(lambda: len(assistant.received) >= 2, timeout=40, what="the utterance")
        await stream.stop()
    assert stream.log.index("clear") > stream.log.index("mark:said-1")
    heard = assistant.received[1][1]
    assert heard and heard != "/greet"  # Vosk (Korean model) recognised something and it was passed on


async def test_caller_speaking_after_playback_sends_no_clear(backend, hotline_factory, vosk, tmp_path):
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    async with hotline_factory(assistant=assistant, open_recogniser=vosk.open_call, min_confidence=0.0) as line:
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "9" * 32)  # marks echoed: played
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await asyncio.sleep(0.3)
        await stream.audio(korean_speech(tmp_path) + silence(2.0), realtime=True, speed=4)
        await stream.wait_for(lambda: len(assistant.received) >= 2, timeout=40, what="the utterance")
        await stream.stop()
    assert stream.clears == 0


async def test_silence_reprompts_twice_then_offers_keypad_then_hangs_up(backend, hotline_factory):
    call_sid = "CA" + "0a" * 16
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    recogniser = ScriptedTranscriptRecogniser([])
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser,
                               silence_reprompt_s=1.0) as line:
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        streaming = asyncio.ensure_future(stream.audio(silence(30), realtime=True, speed=5))
        await stream.wait_for(lambda: stream.close_code is not None, timeout=30, what="hang-up")
        streaming.cancel()
    record = call_record(backend, call_sid)
    assert [e["detail"] for e in record["events"] if e["kind"] == "reprompt"] == [
        "reprompt", "reprompt", "offer", "goodbye", "hung up: no answer"]
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert said.count(prompts.REPROMPT) == 2 and prompts.OFFER_KEYPAD in said and said[-1] == prompts.GOODBYE
    assert record["status"] == "completed"


async def test_pressing_1_after_the_offer_opens_the_keypad_menu(backend, hotline_factory):
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    recogniser = ScriptedTranscriptRecogniser([])
    call_sid = "CA" + "0b" * 16
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser,
                               silence_reprompt_s=1.0, max_reprompts=0) as line:
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(silence(1.5), realtime=True, speed=3)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="offer")
        await stream.dtmf("1")
        await stream.wait_for(lambda: len(stream.marks) >= 3, what="menu")
        await stream.stop()
    said = [t["text"] for t in call_record(backend, call_sid)["turns"] if t["speaker"] == "assistant"]
    assert said[-2:] == [prompts.OFFER_KEYPAD, prompts.KEYPAD_MENU]
    assert [m for _, m, _ in assistant.received] == ["/greet"]  # the 1 went to the menu, not the assistant


async def test_scripted_mandarin_utterance_and_keys_reach_the_assistant(backend, hotline_factory):
    elder = backend.new_elder()
    call_sid = "CA" + "0c" * 16
    assistant = ScriptedAssistant({
        "/greet": [Reply(text="您好。")],
        "我要约明天上午陪同就医": [Reply(text="您要预约明天上午9点陪同就医，到您家，对吗？")],
        "/affirm": [Reply(text="约好了。"), Reply(custom={"action": "order_created", "order_id": None}),
                    Reply(custom={"action": "gift_made", "entry_id": 7})],  # for the chat only: ignored here
    })
    recogniser = ScriptedTranscriptRecogniser(["我要约明天上午陪同就医", ""])
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser) as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        from tests.ivr.simulator import tone
        await stream.audio(tone(1.0) + silence(1.0))
        await stream.wait_for(lambda: len(assistant.received) == 2, what="utterance")
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="read-back")
        await stream.dtmf("1")
        await stream.wait_for(lambda: len(assistant.received) == 3, what="key")
        await stream.dtmf("#")
        await stream.wait_for(lambda: len(assistant.received) == 4, what="slower")
        await stream.stop()
    messages = [m for _, m, _ in assistant.received]
    assert messages == ["/greet", "我要约明天上午陪同就医", "/affirm", "/slow_down"]
    assert assistant.received[1][2] == {"channel": "phone", "phone": elder["phone"], "call_sid": call_sid,
                                        "speech_rate": "normal"}
    assert assistant.received[3][2]["speech_rate"] == "slow"
    turns = call_record(backend, call_sid)["turns"]
    assert [t["text"] for t in turns if t["speaker"] == "caller"] == ["我要约明天上午陪同就医", "对", "慢一点"]
