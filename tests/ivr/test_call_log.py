"""The call record written by more than one worker (gather mode): against the real backend, a worker that
goes on from another's snapshot numbers its turns after the other's, opens the call itself when its
writes arrive first, and a step's held writes go out on release or never (discard)."""
from __future__ import annotations

import asyncio

import pytest

from ivr.backend_client import BackendClient
from ivr.call_log import CallLog
from tests.ivr.conftest import call_record, ivr_settings

pytestmark = pytest.mark.anyio


async def test_a_second_worker_writing_before_the_first_opens_the_call_and_numbers_after_it(backend):
    client = BackendClient(ivr_settings(backend.url))
    sid, phone = "CA" + "9d" * 16, backend.new_elder()["phone"]
    try:
        first = CallLog(client, sid, held=True)  # the first worker's webhook: its writes not sent yet
        first.open(phone, "phone", "gather")
        first.turn("assistant", "您好。", source="prompt")
        second = CallLog.restore(client, sid, first.snapshot())  # the next webhook, on another worker
        second.turn("caller", "按键1", source="keypad")
        second.event("dtmf", "1")
        await second.close("completed", "Twilio: completed")  # 404 → opens the call, then writes
        dropped = CallLog.restore(client, sid, second.snapshot(), held=True)  # a step that was not saved
        dropped.turn("caller", "按键9", source="keypad")
        dropped.discard()
        dropped.release()
        first.release()
        for _ in range(100):
            if len(call_record(backend, sid)["turns"]) == 2:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # anything the dropped step might wrongly have sent
    finally:
        await client.aclose()
    record = call_record(backend, sid)
    assert [(t["seq"], t["speaker"], t["text"]) for t in record["turns"]] == [
        (1, "assistant", "您好。"), (2, "caller", "按键1")]
    assert [(e["seq"], e["kind"]) for e in record["events"]] == [(3, "dtmf")]
    assert record["status"] == "completed" and record["mode"] == "gather"
    assert record["caller_phone"] == phone
