"""The TwiML-only mode: Twilio's <Gather> recognises, the same assistant answers, the same records."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ivr import prompts
from ivr.assistant import Reply
from tests.ivr.conftest import AUTH_TOKEN, OPERATOR_PHONE, PUBLIC_URL, call_record
from tests.ivr.scripted import ScriptedAssistant
from tests.ivr.simulator import post_webhook

pytestmark = pytest.mark.anyio


async def test_gather_mode_call_talks_to_the_assistant_and_transfers_on_0(backend, hotline_factory):
    elder = backend.new_elder()
    call = {"CallSid": "CA" + "1a" * 16, "From": elder["phone"], "To": "+862568712349"}
    assistant = ScriptedAssistant({
        "/greet": [Reply(text="您好，有什么要帮忙的？")],
        "我要约明天上午陪同就医": [Reply(text="您要预约明天上午9点陪同就医，到您家，对吗？")],
        # A custom payload the phone line does not use (the chat's gift link) is neither said nor a failure.
        "/affirm": [Reply(custom={"action": "gift_made", "entry_id": 7}), Reply(text="约好了。")],
    })
    async with hotline_factory(mode="gather", assistant=assistant) as line:
        first = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", call)
        root = ET.fromstring(first.text)
        gather = root.find("Gather")
        assert root.find("Connect") is None  # no websocket in this mode
        assert gather.get("input") == "speech dtmf" and gather.get("language") == "zh-CN"
        assert gather.get("action") == f"{PUBLIC_URL}/ivr/gather"
        assert gather.find("Say").text == "您好，有什么要帮忙的？"

        spoken = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather",
                                    {**call, "SpeechResult": "我要约明天上午陪同就医", "Confidence": "0.87"})
        assert "对吗" in ET.fromstring(spoken.text).find("Gather/Say").text
        pressed = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather", {**call, "Digits": "1"})
        assert [say.text for say in ET.fromstring(pressed.text).iter("Say")] == ["约好了。"]
        forged = await post_webhook(line.http, "wrong", PUBLIC_URL, "/ivr/gather", {**call, "Digits": "0"})
        assert forged.status_code == 403
        transfer = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather", {**call, "Digits": "0"})
        assert ET.fromstring(transfer.text).find("Dial").text == OPERATOR_PHONE
        done = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status",
                                  {**call, "CallStatus": "completed", "CallDuration": "60"})
        assert done.status_code == 204

    assert [m for _, m, _ in assistant.received] == ["/greet", "我要约明天上午陪同就医", "/affirm"]
    assert line.twilio.updates == []  # answering with <Dial> needs no REST call
    record = call_record(backend, call["CallSid"])
    assert record["mode"] == "gather" and record["status"] == "transferred"
    caller = [(t["text"], t["confidence"]) for t in record["turns"] if t["speaker"] == "caller"]
    assert caller == [("我要约明天上午陪同就医", 0.87), ("对", None), ("转人工", None)]
    assert [e["detail"] for e in record["events"] if e["kind"] == "dtmf"] == ["1", "0"]


async def test_gather_mode_silence_reprompts_then_offers_the_keypad_then_hangs_up(backend, hotline_factory):
    call = {"CallSid": "CA" + "1b" * 16, "From": backend.new_elder()["phone"]}
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    async with hotline_factory(mode="gather", assistant=assistant) as line:
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", call)
        answers = [ET.fromstring((await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather", call)).text)
                   for _ in range(4)]
    assert [a.find("Gather/Say").text for a in answers[:3]] == [prompts.REPROMPT] * 2 + [prompts.OFFER_KEYPAD]
    assert answers[3].find("Hangup") is not None
    assert [m for _, m, _ in assistant.received] == ["/greet"]
