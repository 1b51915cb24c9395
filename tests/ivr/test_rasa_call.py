"""Calls with the real assistant: the Rasa server and action server (from .venv-bot, the trained
model in var/models/bot) against the real backend. Mandarin speech comes from the scripted
transcript recogniser (no Mandarin model here); everything after recognition is real."""
from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Order
from ivr.assistant import RasaAssistant, Reply
from ivr.settings import IvrSettings
from speech.grammars import YES_NO_CN
from tests.ivr.conftest import OPERATOR_PHONE, call_record, ivr_settings, place_call
from tests.ivr.scripted import ScriptedTranscriptRecogniser
from tests.ivr.simulator import silence, tone

pytestmark = pytest.mark.anyio
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ObservedAssistant:
    """The real Rasa client, with a record of each exchange so the test knows when a turn is done."""

    def __init__(self, settings: IvrSettings):
        self.inner = RasaAssistant(settings)
        self.exchanges: list[tuple[str, list[Reply]]] = []

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        replies = await self.inner.send(sender, text, metadata)
        self.exchanges.append((text, replies))
        return replies

    async def aclose(self) -> None:
        await self.inner.aclose()


async def say(stream, assistant: ObservedAssistant, *, turns_before: int) -> list[str]:
    """Speak one scripted utterance (a burst of voice, then silence) and wait for the answer."""
    await stream.audio(tone(0.8) + silence(1.0))
    await stream.wait_for(lambda: len(assistant.exchanges) > turns_before, timeout=60, what="assistant")
    await asyncio.sleep(0.3)
    return [r.text for r in assistant.exchanges[-1][1] if r.text]


def orders_of(backend, person_id: int) -> list[Order]:
    with unit_of_work(backend.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == person_id)))


async def test_scripted_mandarin_call_books_corrects_the_time_after_no_and_confirms(backend, rasa, hotline_factory):
    elder = backend.new_elder(name="张桂兰")
    call_sid = "CA" + "2a" * 16
    lines = ["俺想预约送饭", "明天中午吧", "不用了", "不对", "时间改成后天中午", "行"]
    assistant = ObservedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
    recogniser = ScriptedTranscriptRecogniser(list(lines))
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser, rasa_url=rasa.url) as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await stream.wait_for(lambda: assistant.exchanges and stream.marks, timeout=60, what="greeting")
        heard = []
        for _ in lines:
            heard.append(await say(stream, assistant, turns_before=len(assistant.exchanges)))
            if len(lines) - len(heard) == 1:
                assert orders_of(backend, elder["id"]) == []  # read back, not yet confirmed
        await stream.stop()
        await asyncio.sleep(0.5)

    assert any("对吗" in text for text in heard[2])  # read-back after the note question
    assert any("改" in text for text in heard[3])  # "哪里要改？"
    # Grammar mode exactly while a read-back waited: set after the 3rd and 5th utterances, lifted after the next.
    assert recogniser.grammars == [(3, YES_NO_CN), (4, None), (5, YES_NO_CN), (6, None)]
    [order] = orders_of(backend, elder["id"])
    start = order.start_at.astimezone(SHANGHAI)
    assert order.service_slug == "meal_delivery" and order.channel == "phone"
    assert start.date() == dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=2) and start.hour == 12
    record = call_record(backend, call_sid)
    assert [t["text"] for t in record["turns"] if t["speaker"] == "caller"] == lines
    assert record["order_ids"] == [order.id]


async def test_balance_and_stars_call(backend, rasa, hotline_factory):
    elder = backend.new_elder(name="查询老人")
    lines = ["我还有多少时间币", "我现在几星了"]
    assistant = ObservedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
    recogniser = ScriptedTranscriptRecogniser(list(lines))
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser, rasa_url=rasa.url) as line:
        stream = await place_call(line, elder["phone"], "CA" + "2b" * 16)
        await stream.wait_for(lambda: assistant.exchanges and stream.marks, timeout=60, what="greeting")
        balance = await say(stream, assistant, turns_before=1)
        stars = await say(stream, assistant, turns_before=2)
        await stream.stop()
    assert any("时间币" in text for text in balance)
    assert any("星" in text for text in stars)


async def test_asking_for_a_person_transfers_through_the_assistant(backend, rasa, hotline_factory):
    elder = backend.new_elder(name="找人老人")
    call_sid = "CA" + "2c" * 16
    assistant = ObservedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
    recogniser = ScriptedTranscriptRecogniser(["我要转人工"])
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser, rasa_url=rasa.url) as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await stream.wait_for(lambda: assistant.exchanges and stream.marks, timeout=60, what="greeting")
        await stream.audio(tone(0.8) + silence(1.0))
        await stream.wait_for(lambda: line.twilio.updates, timeout=60, what="REST update")
        await stream.stop()
        await asyncio.sleep(0.5)
    assert OPERATOR_PHONE in line.twilio.updates[0].params["Twiml"]
    assert call_record(backend, call_sid)["status"] == "transferred"
