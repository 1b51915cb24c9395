"""Stream faults: reused or missing tokens, malformed frames."""
from __future__ import annotations

import asyncio

import pytest

from ivr.gateway import POLICY_VIOLATION
from tests.ivr.conftest import call_record, place_call
from tests.ivr.simulator import SimulatedStream

pytestmark = pytest.mark.anyio


async def test_reused_stream_token_is_refused(backend, hotline_factory):
    elder = backend.new_elder()
    call_sid = "CA" + "3" * 32
    async with hotline_factory() as line:
        first = await place_call(line, elder["phone"], call_sid)
        await first.wait_for(lambda: len(first.marks) >= 1, what="greeting")
        replay = SimulatedStream(line.ws_url, call_sid, dict(first.parameters))
        await replay.connect()
        await replay.wait_for(lambda: replay.close_code is not None, what="refusal")
        assert replay.close_code == POLICY_VIOLATION
        assert replay.media == []  # nothing was said to the intruder
        assert first.close_code is None  # the real call goes on
        await first.stop()


async def test_stream_without_token_is_refused(hotline_factory):
    async with hotline_factory() as line:
        stream = SimulatedStream(line.ws_url, "CA" + "4" * 32, {"callSid": "CA" + "4" * 32})
        await stream.connect()
        await stream.wait_for(lambda: stream.close_code is not None, what="refusal")
    assert stream.close_code == POLICY_VIOLATION


async def test_token_for_another_call_is_refused(backend, hotline_factory):
    async with hotline_factory() as line:
        genuine = await place_call(line, backend.new_elder()["phone"], "CA" + "5" * 32)
        await genuine.close()
        # A token is bound to its call: presenting it as another call's stream fails even unused.
        answer_params = dict(genuine.parameters)
        stolen = SimulatedStream(line.ws_url, "CA" + "6" * 32, {**answer_params, "callSid": "CA" + "6" * 32})
        await stolen.connect()
        await stolen.wait_for(lambda: stolen.close_code is not None, what="refusal")
    assert stolen.close_code == POLICY_VIOLATION


async def test_malformed_frames_are_skipped_and_the_call_goes_on(backend, hotline_factory):
    call_sid = "CA" + "7" * 32
    async with hotline_factory() as line:
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        for bad in ("not json", "[1, 2]", '{"event": 5}', '{"event": "media", "media": {"payload": "%%%"}}',
                    '{"event": "dtmf", "dtmf": {"digit": "x"}}', '{"event": "media"}'):
            await stream.send_raw(bad)
        marks = len(stream.marks)
        await stream.dtmf("2")  # balance: the call still works
        await stream.wait_for(lambda: len(stream.marks) >= marks + 2, what="balance answer")
        assert stream.close_code is None
        await stream.stop()
        await asyncio.sleep(0.5)
    record = call_record(backend, call_sid)
    errors = [e for e in record["events"] if e["kind"] == "error"]
    assert len(errors) == 6 and all(e["detail"].startswith("malformed frame") for e in errors)
    assert any("时间币" in t["text"] for t in record["turns"] if t["speaker"] == "assistant")
    assert record["status"] == "completed"


async def test_flood_of_malformed_frames_closes_the_stream(backend, hotline_factory):
    async with hotline_factory() as line:
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "8" * 32)
        for _ in range(25):
            await stream.send_raw("{")
        await stream.wait_for(lambda: stream.close_code is not None, what="close")
    assert stream.close_code == 1007


async def test_dtmf_flood_is_recorded_but_answered_only_a_few_times(backend, hotline_factory):
    call_sid = "CA" + "0d" * 16
    async with hotline_factory() as line:
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        for _ in range(40):
            await stream.dtmf("2")
        await stream.dtmf("0")  # a person is always reachable, flood or not
        await stream.wait_for(lambda: line.twilio.updates, timeout=30, what="transfer")
        await stream.stop()
        await asyncio.sleep(0.5)
    record = call_record(backend, call_sid)
    assert len([e for e in record["events"] if e["kind"] == "dtmf"]) == 41
    answers = [t for t in record["turns"] if t["speaker"] == "assistant" and t["text"].startswith("您还有")]
    assert 1 <= len(answers) <= 4
    assert record["status"] == "transferred"


async def test_assistant_down_apologises_and_0_still_reaches_a_person(backend, hotline_factory):
    from tests.ivr.scripted import ScriptedTranscriptRecogniser
    call_sid = "CA" + "0e" * 16
    recogniser = ScriptedTranscriptRecogniser([])
    async with hotline_factory(open_recogniser=lambda _p: recogniser, assistant_timeout_s=2) as line:  # no Rasa
        stream = await place_call(line, backend.new_elder()["phone"], call_sid)
        await stream.wait_for(lambda: stream.marks, what="apology")
        await stream.dtmf("0")
        await stream.wait_for(lambda: line.twilio.updates, what="transfer")
        await stream.stop()
        await asyncio.sleep(0.5)
    record = call_record(backend, call_sid)
    from ivr import prompts
    assert [t["text"] for t in record["turns"] if t["speaker"] == "assistant"][0] == prompts.ASSISTANT_DOWN
    assert any(e["kind"] == "error" and e["detail"] == "assistant unavailable" for e in record["events"])
    assert record["status"] == "transferred"
