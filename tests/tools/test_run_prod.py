"""`make run-prod`'s layout (tools/run_prod.py), started whole on scratch PostgreSQL databases and Redis
database numbers, then faulted: kill -9 a Rasa server in the middle of a booking made through HAProxy, and
the booking goes on on the other; kill -9 an action server, and a whole booking still goes through the other;
kill -9 the backend worker serving a hotline call's Media Stream, and the stream ends, the API still answers
through the proxy and a new call is served by the other, with the ledger verifying clean. Two Rasa model loads at once: run under the heavy lock."""
from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import httpx
import pytest

from tests.ivr.simulator import SimulatedStream, post_webhook, stream_parameters
from tests.tools import prod_layout
from tests.tools.prod_layout import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ZHANG
from tests.tools.test_run_all import listening_addresses, process_tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    prod_layout.require_layout_parts()
    records, conversations = prod_layout.scratch_databases()
    work = tmp_path_factory.mktemp("run-prod")
    env = prod_layout.scratch_env(work, database_url=records, tracker_url=conversations, lock_db=11, state_db=12,
                                  YINLING_DISPATCH_INTERVAL_SECONDS="0")
    try:
        with prod_layout.running(work, env) as running:
            yield running
    finally:
        prod_layout.drop_database(records)
        prod_layout.drop_database(conversations)


def test_every_listening_socket_of_the_layout_is_on_loopback(layout):
    found = listening_addresses(process_tree([layout.process.pid]))
    ports = {port for _address, port in found}
    assert {int(layout.env[k]) for k in ("YINLING_PORT", "YINLING_RASA_PORT", "YINLING_ACTIONS_PORT")} <= ports
    assert len(found) >= 9  # three proxy fronts, two backends + their metrics, two Rasa, two action servers
    assert {address for address, _port in found} == {"127.0.0.1"}, found


def test_kill_9_a_rasa_server_mid_booking_and_the_booking_goes_on(layout):
    sender = f"CA{uuid.uuid4().hex}"
    before = {o["id"] for o in layout.orders()}
    layout.say("我想预约送餐，明天中午", sender)
    os.kill(layout.pids["rasa-1"], signal.SIGKILL)
    read_back = layout.say("没有", sender)
    assert "送餐" in read_back and "对吗" in read_back, read_back
    done = layout.say("对", sender)
    assert "约好了" in done, done
    assert [o["service_slug"] for o in layout.orders() if o["id"] not in before] == ["meal_delivery"]


def test_kill_9_an_action_server_and_a_whole_booking_still_goes_through(layout):
    sender = f"CA{uuid.uuid4().hex}"
    before = {o["id"] for o in layout.orders()}
    os.kill(layout.pids["actions-1"], signal.SIGKILL)
    asked = layout.say("嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", sender)
    assert "交代" in asked, asked
    read_back = layout.say("没有", sender)
    assert "陪同就医" in read_back and "对吗" in read_back, read_back
    assert "约好了" in layout.say("对", sender)
    assert [o["service_slug"] for o in layout.orders() if o["id"] not in before] == ["escort_medical"]


def serving_streams(layout) -> list[str]:
    """The backend workers that serve a call's Media Stream now (their yinling_active_calls{mode="stream"})."""
    return [name for name in layout.backends() if layout.metrics(name).get('yinling_active_calls{mode="stream"}')]


async def place_call(layout, caller: str, call_sid: str) -> SimulatedStream:
    """Twilio's side of a call through the proxy's app front: the signed voice webhook, then the websocket
    its TwiML names (the front again, IVR_PUBLIC_URL)."""
    async with httpx.AsyncClient(base_url=layout.app, timeout=60) as http:
        answer = await post_webhook(http, TWILIO_AUTH_TOKEN, layout.app, "/ivr/voice", {
            "CallSid": call_sid, "From": caller, "To": "+862568712349", "AccountSid": TWILIO_ACCOUNT_SID})
    assert answer.status_code == 200, answer.text
    stream = SimulatedStream(layout.app.replace("http://", "ws://") + "/ivr/stream", call_sid,
                             stream_parameters(answer.text))
    await stream.connect()
    return stream


async def twilio_says_it_ended(layout, caller: str, call_sid: str) -> int:
    async with httpx.AsyncClient(base_url=layout.app, timeout=60) as http:
        answer = await post_webhook(http, TWILIO_AUTH_TOKEN, layout.app, "/ivr/status", {
            "CallSid": call_sid, "From": caller, "To": "+862568712349", "AccountSid": TWILIO_ACCOUNT_SID,
            "CallStatus": "completed", "CallDuration": "30"})
    return answer.status_code


async def stream_worker_dies(layout, first: str, second: str) -> dict:
    """The first call's worker killed once the caller hears the greeting; then the status callback Twilio
    sends when a stream ends, 20 API requests, and a second call served whole."""
    out: dict = {}
    stream = await place_call(layout, ZHANG, first)
    await stream.wait_for(lambda: stream.media, timeout=180, what="the first call's greeting")
    [victim] = out["victim"] = await asyncio.to_thread(serving_streams, layout)
    await stream.wait_for(lambda: stream.marks, timeout=60, what="the greeting's end")
    frames = len(stream.media)
    os.kill(layout.pids[victim], signal.SIGKILL)
    killed_at = time.monotonic()
    await stream.wait_for(lambda: stream.close_code is not None, timeout=30, what="the stream's end")
    out["stream_ended_s"], out["close_code"] = time.monotonic() - killed_at, stream.close_code
    out["frames_after_kill"] = len(stream.media) - frames
    out["status_callback"] = await twilio_says_it_ended(layout, ZHANG, first)
    with layout.api() as api:
        out["api"] = [api.get("/ledger/head").status_code for _ in range(20)]
    again = await place_call(layout, ZHANG, second)
    await again.wait_for(lambda: again.marks, timeout=180, what="the second call's greeting")
    out["second_served_by"] = await asyncio.to_thread(serving_streams, layout)
    await again.stop()
    out["second_status_callback"] = await twilio_says_it_ended(layout, ZHANG, second)
    return out


def test_kill_9_the_backend_worker_serving_a_media_stream__the_stream_ends_and_the_other_serves_on(layout):
    """A hotline call through the proxy's app front (stream mode, as run-prod starts by default), its worker
    killed with SIGKILL after the greeting: the caller hears nothing more and the stream ends; Twilio's status
    callback, 20 API requests and a new call all reach the other worker; nothing is half-stored (no order,
    the killed call's record closed by the status callback, each record's turns numbered without a gap),
    and the ledger verifies clean."""
    before = {o["id"] for o in layout.orders(ZHANG)}
    first, second = f"CA{uuid.uuid4().hex}", f"CA{uuid.uuid4().hex}"
    out = asyncio.run(stream_worker_dies(layout, first, second))
    print(f"\nstream worker killed: {out}")
    survivor = [name for name in layout.backends() if name != out["victim"][0]]
    assert out["stream_ended_s"] < 10 and out["status_callback"] == 204, out
    assert out["api"] == [200] * 20, out
    assert out["second_served_by"] == survivor and out["second_status_callback"] == 204, out
    for call_sid in (first, second):
        record = layout.call_record(call_sid)
        assert record["status"] == "completed" and record["order_ids"] == [], record
        seqs = sorted([t["seq"] for t in record["turns"]] + [e["seq"] for e in record["events"]])
        assert seqs == list(range(1, len(seqs) + 1)), record
    assert any(t["speaker"] == "assistant" for t in layout.call_record(second)["turns"])
    assert [o for o in layout.orders(ZHANG) if o["id"] not in before] == []
    layout.verify_ledger()
