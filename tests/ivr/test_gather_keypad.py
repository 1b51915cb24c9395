"""The keypad menu in the TwiML-only mode: reached after two misrecognitions, when recognition
is unavailable, or by 1 after the silence offer; the same menu and records as a streamed call,
against the real backend, every webhook signed as Twilio signs it."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Order
from ivr import prompts
from ivr.assistant import Reply
from tests.ivr.conftest import AUTH_TOKEN, OPERATOR_PHONE, PUBLIC_URL, call_record
from tests.ivr.scripted import ScriptedAssistant
from tests.ivr.simulator import post_webhook

pytestmark = pytest.mark.anyio


def orders_of(backend, person_id: int) -> list[Order]:
    with unit_of_work(backend.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == person_id)))


class GatherCaller:
    """Twilio's side of a gather-mode call: each answer posted to /ivr/gather, signed."""

    def __init__(self, line, call: dict):
        self.line, self.call = line, call

    async def post(self, path: str, **params: str) -> ET.Element:
        answer = await post_webhook(self.line.http, AUTH_TOKEN, PUBLIC_URL, path, {**self.call, **params})
        assert answer.status_code == 200, answer.text
        return ET.fromstring(answer.text)

    async def press(self, digit: str) -> list[str]:
        """A key; returns what the next <Gather> says, after checking it listens for keys only."""
        root = await self.post("/ivr/gather", Digits=digit)
        gather = root.find("Gather")
        assert gather is not None and gather.get("input") == "dtmf" and gather.get("finishOnKey") == ""
        return [say.text for say in gather.findall("Say")]


async def test_two_misrecognitions_open_the_keypad_menu_which_books_and_answers(backend, hotline_factory):
    elder = backend.new_elder(name="按键热线老人")
    call = {"CallSid": "CA" + "3a" * 16, "From": elder["phone"], "To": "+862568712349"}
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好，有什么要帮忙的？")]})
    async with hotline_factory(mode="gather", assistant=assistant, min_confidence=0.5) as line:
        caller = GatherCaller(line, call)
        await caller.post("/ivr/voice")
        first = await caller.post("/ivr/gather", SpeechResult="嗯那个", Confidence="0.2")
        assert first.find("Gather").get("input") == "speech dtmf"
        assert [s.text for s in first.findall("Gather/Say")] == [prompts.NOT_HEARD]
        second = await caller.post("/ivr/gather", SpeechResult="啊啊", Confidence="0.1")
        assert second.find("Gather").get("input") == "dtmf"
        assert [s.text for s in second.findall("Gather/Say")] == [prompts.NOT_HEARD_TWICE, prompts.KEYPAD_MENU]

        assert "陪同就医按1" in (await caller.press("1"))[0]  # book → the service list
        assert await caller.press("1") == [prompts.KEYPAD_PICK_DAY]
        assert await caller.press("2") == [prompts.KEYPAD_PICK_PART]
        [readback] = await caller.press("1")
        assert "明天上午陪同就医" in readback and "对请按1" in readback
        assert orders_of(backend, elder["id"]) == []  # read back, not yet confirmed
        booked = await caller.press("1")
        assert booked == ["约好了：明天上午陪同就医。有志愿者接单会给您打电话。", prompts.KEYPAD_MENU]
        [order] = orders_of(backend, elder["id"])
        assert order.service_slug == "escort_medical" and order.channel == "phone"

        balance, stars, last = [await caller.press(d) for d in "234"]
        assert balance[0].startswith("您还有") and balance[1] == prompts.KEYPAD_MENU
        assert stars == [prompts.KEYPAD_NO_STARS, prompts.KEYPAD_MENU]  # a new elder has served no hours
        assert last[0].startswith("您最近的预约是") and "陪同就医" in last[0]

        transfer = await caller.post("/ivr/gather", Digits="0")
        assert transfer.find("Dial").text == OPERATOR_PHONE
        done = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status",
                                  {**call, "CallStatus": "completed", "CallDuration": "95"})
        assert done.status_code == 204

    assert [m for _, m, _ in assistant.received] == ["/greet"]  # misheard speech and menu keys bypass it
    record = call_record(backend, call["CallSid"])
    assert record["mode"] == "gather" and record["status"] == "transferred"
    assert record["order_ids"] == [order.id]
    assert [e["detail"] for e in record["events"] if e["kind"] == "dtmf"] == list("112112340")
    assert [e["order_id"] for e in record["events"] if e["kind"] == "order"] == [order.id]
    caller_turns = [(t["text"], t["source"]) for t in record["turns"] if t["speaker"] == "caller"]
    assert caller_turns[:2] == [("嗯那个", "speech"), ("啊啊", "speech")]
    assert caller_turns[2:] == [("按键1", "keypad"), ("按键1", "keypad"), ("按键2", "keypad"), ("按键1", "keypad"),
                                ("对", "keypad"), ("按键2", "keypad"), ("按键3", "keypad"), ("按键4", "keypad"),
                                ("转人工", "keypad")]
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert booked[0] in said and prompts.TRANSFERRING == said[-1]


async def test_without_recognition_the_menu_starts_at_once_and_a_slot_is_booked_once(backend, hotline_factory):
    elder = backend.new_elder(name="无识别老人")
    call = {"CallSid": "CA" + "3b" * 16, "From": elder["phone"]}
    assistant = ScriptedAssistant({})
    async with hotline_factory(mode="gather", assistant=assistant, gather_speech=False) as line:
        caller = GatherCaller(line, call)
        first = await caller.post("/ivr/voice")
        assert first.find("Say").text == prompts.CONSENT
        assert first.find("Gather").get("input") == "dtmf"
        assert [s.text for s in first.findall("Gather/Say")] == [prompts.RECOGNITION_OFF, prompts.KEYPAD_MENU]

        assert await caller.press("9") == [prompts.KEYPAD_INVALID, prompts.KEYPAD_MENU]
        for digit in "123":
            await caller.press(digit)  # book, 送餐, 后天
        assert await caller.press("#") == [prompts.KEYPAD_PICK_PART]  # Twilio's voice cannot slow: repeat only
        assert await caller.press("*") == [prompts.KEYPAD_PICK_PART]
        silent = await caller.post("/ivr/gather")  # Twilio heard no key before its timeout
        assert [s.text for s in silent.findall("Gather/Say")] == [prompts.KEYPAD_PICK_PART]
        await caller.press("2")
        first_booking = await caller.press("1")
        for digit in "1232":  # the same slot again on the same call
            await caller.press(digit)
        second_booking = await caller.press("1")
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "completed"})

    assert first_booking[0] == second_booking[0] == "约好了：后天下午送餐。有志愿者接单会给您打电话。"
    [order] = orders_of(backend, elder["id"])  # the idempotency key is per call and slot
    assert order.service_slug == "meal_delivery"
    assert assistant.received == []
    record = call_record(backend, call["CallSid"])
    assert record["status"] == "completed" and record["order_ids"] == [order.id]
    assert [e["detail"] for e in record["events"] if e["kind"] == "reprompt"] == ["silent 1"]


async def test_pressing_1_after_the_silence_offer_opens_the_keypad_menu(backend, hotline_factory):
    call = {"CallSid": "CA" + "3c" * 16, "From": backend.new_elder()["phone"]}
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    async with hotline_factory(mode="gather", assistant=assistant, max_reprompts=0) as line:
        caller = GatherCaller(line, call)
        await caller.post("/ivr/voice")
        offer = await caller.post("/ivr/gather")
        assert [s.text for s in offer.findall("Gather/Say")] == [prompts.OFFER_KEYPAD]
        assert await caller.press("1") == [prompts.KEYPAD_MENU]
        assert await caller.press("3") == [prompts.KEYPAD_NO_STARS, prompts.KEYPAD_MENU]
    assert [m for _, m, _ in assistant.received] == ["/greet"]  # the 1 opened the menu, it was not /affirm
