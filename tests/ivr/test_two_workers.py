"""Two hotline workers as separate processes behind one address (as a reverse proxy spreads requests):
Twilio's voice webhook reaches one, the call's Media Streams websocket the other. With the per-call
state in Redis (``IVR_STATE_URL``) the second worker serves the call to the end (a keypad booking,
recorded in the real backend); with each worker's own memory, the embedded default, it must refuse.

In gather mode every step of a call is a webhook, and round robin sends them to the workers in turn:
with Redis the call keeps its keypad menu step and silence count from worker to worker and its record
is whole (every turn once, sequence numbers without a gap); with each worker's memory the second
worker knows nothing of the call."""
from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET

import httpx
import pytest

from ivr import prompts
from tests.ivr.conftest import ACCOUNT_SID, AUTH_TOKEN, CLAIM_SECRET, PUBLIC_URL, SERVICE_TOKEN, call_record
from tests.ivr.test_gather_store import REDIS_URL as GATHER_REDIS_URL, redis_calls
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


def gather_env(backend_url: str, state_url: str) -> dict[str, str]:
    """Gather mode with the keypad menu from the first prompt (no Rasa needed); two re-prompts."""
    return worker_env(backend_url, state_url) | {"IVR_MODE": "gather", "IVR_GATHER_SPEECH": "false",
                                                 "IVR_MAX_REPROMPTS": "2"}


class RoundRobinCaller:
    """Twilio's side of a gather-mode call behind a round-robin proxy: each webhook, signed, to the
    next worker in turn. ``said`` keeps (worker, what the answer's <Gather> says) for the assertions."""

    def __init__(self, workers: list[HotlineWorker], call: dict[str, str]):
        self.workers, self.call, self.turn = workers, call, 0
        self.said: list[tuple[int, list[str]]] = []

    async def post(self, path: str, **params: str) -> ET.Element:
        index = self.turn % len(self.workers)
        self.turn += 1
        async with httpx.AsyncClient(base_url=self.workers[index].url, timeout=30) as http:
            answer = await post_webhook(http, AUTH_TOKEN, PUBLIC_URL, path, {**self.call, **params})
        assert answer.status_code in (200, 204), answer.text
        root = ET.fromstring(answer.text) if answer.text else ET.Element("Response")
        self.said.append((index, [say.text for say in root.iter("Say")]))
        return root

    async def gather(self, **params: str) -> list[str]:
        """A key (``Digits``) or nothing heard; what the next <Gather> says, checking it is keys only."""
        root = await self.post("/ivr/gather", **params)
        gather = root.find("Gather")
        assert gather is not None and gather.get("input") == "dtmf", ET.tostring(root, encoding="unicode")
        return [say.text for say in gather.findall("Say")]


async def test_gather_call_alternating_between_workers_keeps_its_menu_and_silences_with_redis(backend, tmp_path):
    await (await redis_calls(60)).aclose()  # Redis must be there (skips or fails naming it otherwise)
    elder = backend.new_elder(name="轮流两进程")
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": elder["phone"], "To": "+862568712349",
            "AccountSid": ACCOUNT_SID}
    env = gather_env(backend.url, GATHER_REDIS_URL)
    with HotlineWorker(env, tmp_path / "a.log") as first, HotlineWorker(env, tmp_path / "b.log") as second:
        caller = RoundRobinCaller([first, second], call)
        opening = await caller.post("/ivr/voice")  # worker 0
        assert [s.text for s in opening.iter("Say")] == [prompts.CONSENT, prompts.RECOGNITION_OFF, prompts.KEYPAD_MENU]
        assert "陪同就医按1" in (await caller.gather(Digits="1"))[0]  # worker 1: the menu's step came along
        assert await caller.gather(Digits="1") == [prompts.KEYPAD_PICK_DAY]  # 0
        assert await caller.gather() == [prompts.KEYPAD_PICK_DAY]  # 1: silent 1, the step asked again
        assert await caller.gather() == [prompts.KEYPAD_PICK_DAY]  # 0: silent 2
        assert await caller.gather() == [prompts.OFFER_PERSON]  # 1: silent 3 = the re-prompts ran out
        assert await caller.gather(Digits="2") == [prompts.KEYPAD_PICK_PART]  # 0: 明天, the count starts over
        [readback] = await caller.gather(Digits="1")  # 1: 上午
        assert "明天上午陪同就医" in readback
        booked = await caller.gather(Digits="1")  # 0: confirmed
        assert booked == ["约好了：明天上午陪同就医。有志愿者接单会给您打电话。", prompts.KEYPAD_MENU]
        assert await caller.gather() == [prompts.KEYPAD_MENU]  # 1: silent 1 again (not 4: the key reset it)
        await caller.post("/ivr/status", CallStatus="completed", CallDuration="80")  # 0
        await asyncio.sleep(1)  # the last webhook's record writes are sent after its answer
    assert {worker for worker, _ in caller.said} == {0, 1}
    orders = orders_of(backend, elder["id"])
    assert [o.service_slug for o in orders] == ["escort_medical"]
    record = call_record(backend, call["CallSid"])
    assert record["mode"] == "gather" and record["status"] == "completed"
    assert record["order_ids"] == [orders[0].id]
    assert [e["detail"] for e in record["events"] if e["kind"] == "reprompt"] == [
        "silent 1", "silent 2", "silent 3", "silent 1"]
    assert [e["detail"] for e in record["events"] if e["kind"] == "dtmf"] == list("11211")
    caller_turns = [t["text"] for t in record["turns"] if t["speaker"] == "caller"]
    assert caller_turns == ["按键1", "按键1", "按键2", "按键1", "对"]
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    heard = [text for _, texts in caller.said for text in texts if text != prompts.CONSENT]
    assert said == heard  # every prompt the caller heard is in the record once, in order
    seqs = sorted([t["seq"] for t in record["turns"]] + [e["seq"] for e in record["events"]])
    assert seqs == list(range(1, len(seqs) + 1))  # two workers, one numbering: nothing lost or written twice


async def test_gather_call_without_shared_state_starts_afresh_on_the_other_worker(backend, tmp_path):
    elder = backend.new_elder(name="轮流各自内存")
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": elder["phone"], "To": "+862568712349",
            "AccountSid": ACCOUNT_SID}
    env = gather_env(backend.url, "")
    with HotlineWorker(env, tmp_path / "a.log") as first, HotlineWorker(env, tmp_path / "b.log") as second:
        caller = RoundRobinCaller([first, second], call)
        await caller.post("/ivr/voice")
        await caller.post("/ivr/gather", Digits="1")  # worker 1 has no menu: the key goes to the (absent) assistant
        silence = await caller.post("/ivr/gather")  # worker 0: its menu is still at the top
    _, texts = caller.said[1]
    assert not any("陪同就医按1" in text for text in texts)
    assert [s.text for s in silence.iter("Say")] == [prompts.KEYPAD_MENU]
