"""Transfer to a person: 0 or the assistant's instruction redirects the live call (Twilio REST)."""
from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import HandoffTicket
from ivr.assistant import Reply
from tests.ivr.conftest import OPERATOR_PHONE, call_record, place_call
from tests.ivr.scripted import ScriptedAssistant, ScriptedTranscriptRecogniser
from tests.ivr.simulator import silence, tone

pytestmark = pytest.mark.anyio


def dialled(update) -> str:
    root = ET.fromstring(update.params["Twiml"])
    return root.find("Dial").text


async def test_pressing_0_opens_a_ticket_and_transfers_to_the_stations_operator(backend, hotline_factory):
    elder = backend.new_elder(name="转人工老人")
    call_sid = "CA" + "c" * 32
    async with hotline_factory() as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        await stream.dtmf("2")  # hear the balance first, so the ticket has a conversation
        await stream.wait_for(lambda: len(stream.marks) >= 4, what="balance")
        await stream.dtmf("0")
        await stream.wait_for(lambda: line.twilio.updates, what="REST update")
        await stream.stop()  # Twilio ends the stream once the call is redirected
        await asyncio.sleep(0.5)

    [update] = line.twilio.updates
    assert update.call_sid == call_sid
    assert dialled(update) == OPERATOR_PHONE
    with unit_of_work(backend.state.sessions) as session:
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.conversation_id == call_sid))
        transcript = json.loads(ticket.transcript_json)
        assert ticket.person_id == elder["id"]
    assert any("时间币" in turn["text"] for turn in transcript)  # the operator sees what was said
    record = call_record(backend, call_sid)
    assert record["status"] == "transferred"
    assert [e["handoff_id"] for e in record["events"] if e["kind"] == "handoff"] == [ticket.id]
    assert [e["detail"] for e in record["events"] if e["kind"] == "transfer"] == [OPERATOR_PHONE]


async def test_assistant_transfer_instruction_redirects_the_call(backend, hotline_factory):
    elder = backend.new_elder()
    call_sid = "CA" + "d" * 32
    assistant = ScriptedAssistant({
        "/greet": [Reply(text="您好，有什么要帮忙的？")],
        "转人工": [Reply(text="好的，马上帮您转人工。"), Reply(custom={"action": "transfer", "to": "+862599990000"})],
    })
    recogniser = ScriptedTranscriptRecogniser(["转人工"])
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser) as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 1, what="greeting")
        await stream.audio(tone(0.8) + silence(1.0))
        await stream.wait_for(lambda: line.twilio.updates, what="REST update")
        await stream.stop()
        await asyncio.sleep(0.5)

    [update] = line.twilio.updates
    assert dialled(update) == "+862599990000"
    sender, text, metadata = assistant.received[-1]
    assert (sender, text) == (call_sid, "转人工")
    assert metadata["channel"] == "phone" and metadata["phone"] == elder["phone"]
    assert metadata["call_sid"] == call_sid
    record = call_record(backend, call_sid)
    assert record["status"] == "transferred"
    caller_turns = [t for t in record["turns"] if t["speaker"] == "caller"]
    assert caller_turns[0]["text"] == "转人工" and caller_turns[0]["confidence"] == pytest.approx(0.9)


async def test_transfer_refused_by_twilio_tells_the_caller_and_keeps_the_call(backend, hotline_factory):
    call_sid = "CA" + "e" * 32
    async with hotline_factory() as line:
        line.twilio.live_calls = set()  # Twilio does not know this call (it ended meanwhile)
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        await stream.dtmf("0")
        await stream.wait_for(lambda: len(stream.marks) >= 3, what="apology")
        await stream.stop()
        await asyncio.sleep(0.5)
    assert line.twilio.updates == []
    record = call_record(backend, call_sid)
    assert record["status"] == "completed"
    assert [e["kind"] for e in record["events"] if e["kind"] in ("transfer", "error")] == ["transfer", "error"]
    assert any("转不过去" in t["text"] for t in record["turns"])
