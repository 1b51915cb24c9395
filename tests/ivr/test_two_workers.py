"""Two hotline workers as separate processes behind one address (as a reverse proxy spreads requests):
Twilio's voice webhook reaches one, the call's Media Streams websocket the other. With the per-call
state in Redis (``IVR_STATE_URL``) the second worker serves the call to the end (a keypad booking,
recorded in the real backend); with each worker's own memory, the embedded default, it must refuse."""
from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.ivr.conftest import ACCOUNT_SID, AUTH_TOKEN, CLAIM_SECRET, PUBLIC_URL, SERVICE_TOKEN, call_record
from tests.ivr.servers import HotlineWorker
from tests.ivr.simulator import SimulatedStream, post_webhook, stream_parameters
from tests.ivr.test_keypad_call import keypad_to_readback, orders_of, press
from tests.ivr.test_tokens import REDIS_URL, redis_tokens

pytestmark = pytest.mark.anyio
POLICY_VIOLATION = 1008


def worker_env(backend_url: str, state_url: str) -> dict[str, str]:
    return {"IVR_PUBLIC_URL": PUBLIC_URL, "IVR_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "IVR_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "IVR_BACKEND_URL": backend_url, "IVR_SERVICE_TOKEN": SERVICE_TOKEN, "IVR_CLAIM_SECRET": CLAIM_SECRET,
            "IVR_RASA_URL": "http://127.0.0.1:9", "IVR_STATE_URL": state_url, "YINLING_ENV": "test"}


async def answer_on(worker: HotlineWorker, caller: str, call_sid: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=worker.url, timeout=30) as http:
        answer = await post_webhook(http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", {
            "CallSid": call_sid, "From": caller, "To": "+862568712349", "AccountSid": ACCOUNT_SID})
    assert answer.status_code == 200, answer.text
    return stream_parameters(answer.text)


async def test_webhook_on_one_worker_and_stream_on_the_other_book_with_redis(backend, tmp_path):
    redis_tokens(60)  # Redis must be there (skips or fails naming it otherwise)
    elder = backend.new_elder(name="两个进程")
    call_sid = "CA" + uuid.uuid4().hex  # unique: the backend is shared by the session's hotline tests
    env = worker_env(backend.url, REDIS_URL)
    with HotlineWorker(env, tmp_path / "a.log") as first, HotlineWorker(env, tmp_path / "b.log") as second:
        parameters = await answer_on(first, elder["phone"], call_sid)
        stream = SimulatedStream(second.ws_url, call_sid, parameters)
        await stream.connect()
        await keypad_to_readback(stream)
        await press(stream, "1", len(stream.marks), expect_marks=2)  # booked + the menu again
        await stream.stop()
        await asyncio.sleep(1)
        replay = SimulatedStream(first.ws_url, call_sid, parameters)  # the token was burned by the other
        await replay.connect()
        await replay.wait_for(lambda: replay.close_code is not None, what="refusal of a reused token")
    assert replay.close_code == POLICY_VIOLATION
    orders = orders_of(backend, elder["id"])
    assert [o.service_slug for o in orders] == ["escort_medical"]
    record = call_record(backend, call_sid)
    assert record["status"] == "completed" and record["person_id"] == elder["id"]
    assert record["order_ids"] == [orders[0].id]


async def test_without_shared_state_the_other_worker_refuses_the_stream(backend, tmp_path):
    elder = backend.new_elder(name="各自内存")
    call_sid = "CA" + uuid.uuid4().hex
    env = worker_env(backend.url, "")
    with HotlineWorker(env, tmp_path / "a.log") as first, HotlineWorker(env, tmp_path / "b.log") as second:
        parameters = await answer_on(first, elder["phone"], call_sid)
        stream = SimulatedStream(second.ws_url, call_sid, parameters)
        await stream.connect()
        await stream.wait_for(lambda: stream.close_code is not None, what="refusal")
    assert stream.close_code == POLICY_VIOLATION and stream.media == []
