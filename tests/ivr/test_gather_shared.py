"""Gather-mode calls kept between webhooks (``ivr.gather_store``), in this process and in Redis, against
the real backend with signed webhooks: two webhooks of one call at once keep exactly one step (the other
is dropped whole, record writes too), a store that does not answer is told to the caller plainly, and
``yinling_active_calls{mode="gather"}`` counts the calls in the shared store, whichever worker began them."""
from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET

import pytest

from prometheus_client import REGISTRY

from ivr import prompts
from ivr.assistant import Reply
from ivr.call_log import CallLog
from ivr.gather import GatherCall
from ivr.gather_store import MemoryGatherCalls
from observe.metrics import ACTIVE_CALLS
from tests.ivr.conftest import AUTH_TOKEN, PUBLIC_URL, call_record
from tests.ivr.scripted import ScriptedAssistant
from tests.ivr.simulator import post_webhook
from tests.ivr.test_gather_store import NOTHING_LISTENS, REDIS_URL, redis_calls

pytestmark = pytest.mark.anyio
SIDS = {"memory": "CA" + "9a" * 16, "redis": "CA" + "9b" * 16}


class SlowAssistant(ScriptedAssistant):
    """Answers ``slow`` after ``delay_s`` (the hotline's own event loop waits, as it waits for Rasa)."""

    def __init__(self, turns: dict[str, list[Reply]], slow: str, delay_s: float):
        super().__init__(turns)
        self.slow, self.delay_s = slow, delay_s

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        if text == self.slow:
            await asyncio.sleep(self.delay_s)
        return await super().send(sender, text, metadata)


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_two_webhooks_of_one_call_at_once_the_first_saved_is_kept_whole(backend, hotline_factory, store):
    if store == "redis":
        await (await redis_calls(60)).aclose()
    call = {"CallSid": SIDS[store], "From": backend.new_elder()["phone"], "To": "+862568712349"}
    assistant = SlowAssistant({"/greet": [Reply(text="您好。")], "我要约服务": [Reply(text="约什么服务？")],
                               "/deny": [Reply(text="好的，不约了。")]}, slow="我要约服务", delay_s=1.5)
    async with hotline_factory(mode="gather", assistant=assistant,
                               state_url=REDIS_URL if store == "redis" else "") as line:
        async def post(delay_s: float, **params: str) -> ET.Element:
            await asyncio.sleep(delay_s)
            answer = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather", {**call, **params})
            assert answer.status_code == 200, answer.text
            return ET.fromstring(answer.text)

        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", call)
        # Speech whose assistant turn is slow, and a key sent meanwhile: both loaded the call as the
        # greeting left it; the key's step is saved first, so the speech's step is the one dropped.
        slow, quick = await asyncio.gather(post(0, SpeechResult="我要约服务", Confidence="0.9"), post(0.3, Digits="2"))
        assert [s.text for s in quick.iter("Say")] == ["好的，不约了。"]
        assert [s.text for s in slow.iter("Say")] == ["约什么服务？"]  # answered, but not kept
        silence = await post(0)  # the next step goes on from the key's step
        assert [s.text for s in silence.iter("Say")] == [prompts.REPROMPT]
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "completed"})

    record = call_record(backend, call["CallSid"])
    assert [(t["speaker"], t["text"]) for t in record["turns"]] == [
        ("assistant", "您好。"), ("caller", "不对"), ("assistant", "好的，不约了。"), ("assistant", prompts.REPROMPT)]
    assert [(e["kind"], e["detail"]) for e in record["events"]] == [("dtmf", "2"), ("reprompt", "silent 1")]
    seqs = sorted([t["seq"] for t in record["turns"]] + [e["seq"] for e in record["events"]])
    assert seqs == list(range(1, len(seqs) + 1))
    assert record["status"] == "completed"


async def test_store_unreachable_the_caller_hears_the_line_is_busy(backend, hotline_factory):
    call = {"CallSid": "CA" + "9c" * 16, "From": backend.new_elder()["phone"], "To": "+862568712349"}
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")]})
    async with hotline_factory(mode="gather", assistant=assistant, state_url=NOTHING_LISTENS) as line:
        for path, params in (("/ivr/voice", {}), ("/ivr/gather", {"Digits": "1"})):
            answer = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, path, {**call, **params})
            assert answer.status_code == 200
            root = ET.fromstring(answer.text)
            assert [s.text for s in root.iter("Say")] == [prompts.LINE_BUSY]
            assert root.find("Hangup") is not None and root.find("Gather") is None
        done = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "completed"})
        assert done.status_code == 204  # the record is still closed with Twilio's status
    assert assistant.received == []  # nothing was taken from a call nobody could keep
    assert call_record(backend, call["CallSid"])["status"] == "completed"


def active_gather_calls() -> float:
    return REGISTRY.get_sample_value("yinling_active_calls", {"mode": "gather"})


async def test_active_calls__a_call_begun_on_another_worker_and_ended_on_this_one_counts_1_then_0(
        backend, hotline_factory):
    """The gauge is the shared store's count: a call whose first webhook another worker answered is counted
    here, and its end here brings the gauge to 0. Counting up where a call began and down where it ended left
    this worker at -1 (and the other at +1 for ever)."""
    ACTIVE_CALLS.labels("gather").set(0)  # this process has begun no gather call of its own
    store = MemoryGatherCalls(60)  # shared by both workers, as Redis is by worker processes
    caller = backend.new_elder()["phone"]
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": "+862568712349"}
    assistant = ScriptedAssistant({"不用了": [Reply(text="好的。")]})
    async with hotline_factory(mode="gather", assistant=assistant, gather_calls=store) as line:
        begun = GatherCall(CallLog(line.services.backend, call["CallSid"], held=True), caller)
        begun.log.open(caller, "phone", "gather")  # the other worker's first step; this one writes the record
        assert await store.save(call["CallSid"], 0, begun.snapshot())
        assert active_gather_calls() == 1
        step = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather",
                                  {**call, "SpeechResult": "不用了", "Confidence": "0.9"})
        assert [s.text for s in ET.fromstring(step.text).iter("Say")] == ["好的。"]
        assert active_gather_calls() == 1
        ended = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "completed"})
        assert ended.status_code == 204
        assert active_gather_calls() == 0
    assert call_record(backend, call["CallSid"])["status"] == "completed"


async def test_a_steps_record_is_written_before_its_answer__a_worker_killed_once_it_answered_loses_none(
        backend, hotline_factory):
    """Twilio hears a step's answer only once the step's turns are in the record, so a worker killed right after
    answering (kill -9 in tests/tools/test_run_prod_gather.py) leaves no gap for the next worker to number past.
    The record is read the moment the answer arrives, with every turn write 0.4 s slow."""
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": backend.new_elder()["phone"], "To": "+862568712349"}
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")], "我要约服务": [Reply(text="约什么服务？")]})
    async with hotline_factory(mode="gather", assistant=assistant) as line:
        add_turn = line.services.backend.add_turn

        async def slow_add_turn(*args):
            await asyncio.sleep(0.4)
            return await add_turn(*args)

        line.services.backend.add_turn = slow_add_turn
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", call)
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/gather",
                           {**call, "SpeechResult": "我要约服务", "Confidence": "0.9"})
        record = call_record(backend, call["CallSid"])
    assert [(t["speaker"], t["text"]) for t in record["turns"]] == [
        ("assistant", "您好。"), ("caller", "我要约服务"), ("assistant", "约什么服务？")]
