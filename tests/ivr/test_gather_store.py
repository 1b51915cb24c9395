"""Gather-mode calls between webhooks, in this process's memory and in the real local Redis (several
workers): loaded and saved as JSON fields, a save only on top of the version loaded, forgotten at the end,
and counted (the calls in progress, for every worker alike)."""
from __future__ import annotations

import asyncio
import time

import pytest

from ivr.errors import CallStateUnavailable
from ivr.gather_store import MemoryGatherCalls, RedisGatherCalls, gather_calls
from tests.availability import unavailable

pytestmark = pytest.mark.anyio
# No other test uses these databases (test_tokens 13, test_run_prod 11/12, test_run_prod_postgres 9/10,
# test_run_prod_gather 7/8, bot 14). Database 5 is the counting tests' alone, so they can count exactly.
REDIS_URL = "redis://127.0.0.1:6379/6"
COUNT_REDIS_URL = "redis://127.0.0.1:6379/5"
NOTHING_LISTENS = "redis://127.0.0.1:9/0"
FIELDS = {"caller": "+8613900000001", "silent": 2, "keypad": {"state": {"step": "day", "service": 0}}, "text": "陪同就医"}


async def redis_calls(ttl_s: float) -> RedisGatherCalls:
    calls = RedisGatherCalls(REDIS_URL, ttl_s)
    try:
        await calls.load("CA-ping")
    except CallStateUnavailable as exc:
        unavailable(f"Redis at {REDIS_URL}: {exc}")
    return calls


@pytest.fixture(params=["memory", "redis"])
async def make_calls(request):
    made: list = []

    async def make(ttl_s: float = 60):
        calls = MemoryGatherCalls(ttl_s) if request.param == "memory" else await redis_calls(ttl_s)
        made.append(calls)
        return calls

    yield make
    for calls in made:
        await calls.aclose()


async def test_load__an_unknown_call_is_version_0_without_fields(make_calls):
    stored = await (await make_calls()).load("CA-unknown")
    assert (stored.version, stored.fields) == (0, None)


async def test_save__each_save_on_the_version_loaded_moves_it_on(make_calls):
    calls = await make_calls()
    sid = f"CA-saves-{time.time_ns()}"
    assert await calls.save(sid, 0, FIELDS)
    first = await calls.load(sid)
    assert first.version == 1 and first.fields == FIELDS
    assert await calls.save(sid, 1, {**FIELDS, "silent": 3})
    second = await calls.load(sid)
    assert second.version == 2 and second.fields["silent"] == 3


async def test_save__a_save_on_an_older_version_is_refused_and_changes_nothing(make_calls):
    calls = await make_calls()
    sid = f"CA-race-{time.time_ns()}"
    await calls.save(sid, 0, FIELDS)
    loaded_by_both = await calls.load(sid)
    assert await calls.save(sid, loaded_by_both.version, {**FIELDS, "silent": 0})  # the first webhook
    assert not await calls.save(sid, loaded_by_both.version, {**FIELDS, "silent": 9})  # its replay
    assert not await calls.save(sid, 0, {**FIELDS, "silent": 9})  # a second "first" webhook
    assert (await calls.load(sid)).fields["silent"] == 0


async def test_save__concurrent_saves_of_one_version_exactly_one_wins(make_calls):
    calls = await make_calls()
    sid = f"CA-concurrent-{time.time_ns()}"
    await calls.save(sid, 0, FIELDS)
    results = await asyncio.gather(*[calls.save(sid, 1, {**FIELDS, "silent": i}) for i in range(20)])
    assert sum(results) == 1
    stored = await calls.load(sid)
    assert stored.version == 2 and stored.fields["silent"] == results.index(True)


async def test_pop__returns_the_fields_once_and_a_late_save_does_not_bring_the_call_back(make_calls):
    calls = await make_calls()
    sid = f"CA-pop-{time.time_ns()}"
    await calls.save(sid, 0, FIELDS)
    assert await calls.pop(sid) == FIELDS
    assert await calls.pop(sid) is None
    assert not await calls.save(sid, 1, FIELDS)  # a webhook still running when the call ended
    assert (await calls.load(sid)).fields is None


async def test_redis__a_call_saved_by_one_worker_is_loaded_and_moved_on_by_another():
    first, second = await redis_calls(60), await redis_calls(60)
    sid = f"CA-workers-{time.time_ns()}"
    try:
        assert await first.save(sid, 0, FIELDS)
        stored = await second.load(sid)
        assert stored.fields == FIELDS
        assert await second.save(sid, stored.version, {**FIELDS, "silent": 3})
        assert not await first.save(sid, 1, FIELDS)  # the first worker's view is out of date
        assert (await first.load(sid)).fields["silent"] == 3
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis__a_call_expires_its_ttl_after_the_last_save():
    calls = await redis_calls(1)
    sid = f"CA-expiry-{time.time_ns()}"
    try:
        await calls.save(sid, 0, FIELDS)
        await asyncio.sleep(0.6)
        await calls.save(sid, 1, FIELDS)  # the expiry starts over with each webhook
        await asyncio.sleep(0.6)
        assert (await calls.load(sid)).version == 2
        await asyncio.sleep(0.6)
        assert (await calls.load(sid)).fields is None  # Redis expired it itself
    finally:
        await calls.aclose()


async def test_memory__a_call_expires_its_ttl_after_the_last_save():
    now = [0.0]
    calls = MemoryGatherCalls(ttl_s=10, clock=lambda: now[0])
    await calls.save("CA-m", 0, FIELDS)
    now[0] = 8.0
    await calls.save("CA-m", 1, FIELDS)
    now[0] = 17.0
    assert (await calls.load("CA-m")).version == 2
    now[0] = 18.5
    assert (await calls.load("CA-m")).fields is None


async def test_redis__unreachable_is_call_state_unavailable_for_every_operation():
    calls = gather_calls(NOTHING_LISTENS, 60)
    assert isinstance(calls, RedisGatherCalls)
    for operation in (calls.load("CA1"), calls.save("CA1", 0, FIELDS), calls.pop("CA1")):
        with pytest.raises(CallStateUnavailable):
            await operation
    with pytest.raises(CallStateUnavailable):
        calls.count()
    await calls.aclose()


async def counting_redis(ttl_s: float) -> RedisGatherCalls:
    """Redis database 5, its calls' index emptied: the count starts at 0."""
    await (await redis_calls(60)).aclose()  # Redis must be there (skips or fails naming it otherwise)
    calls = RedisGatherCalls(COUNT_REDIS_URL, ttl_s)
    calls._counter.delete(RedisGatherCalls.INDEX)
    return calls


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_count__each_call_stored_once_until_it_ends(store):
    calls = MemoryGatherCalls(60) if store == "memory" else await counting_redis(60)
    first, second = f"CA-count-1-{time.time_ns()}", f"CA-count-2-{time.time_ns()}"
    try:
        assert calls.count() == 0
        assert await calls.save(first, 0, FIELDS)  # one worker answered its first webhook
        assert await calls.save(second, 0, FIELDS)
        assert await calls.save(first, 1, FIELDS)  # the next step, on any worker: still one call
        assert not await calls.save(first, 1, FIELDS)  # a replayed step, refused
        assert calls.count() == 2
        await calls.pop(first)  # Twilio says it ended, to any worker
        await calls.pop(first)
        assert calls.count() == 1
        await calls.pop(second)
        assert calls.count() == 0
    finally:
        await calls.aclose()


async def test_memory__an_expired_call_is_not_counted():
    now = [0.0]
    calls = MemoryGatherCalls(ttl_s=10, clock=lambda: now[0])
    await calls.save("CA-m1", 0, FIELDS)
    now[0] = 5.0
    await calls.save("CA-m2", 0, FIELDS)
    now[0] = 12.0
    assert calls.count() == 1


async def test_redis__an_expired_call_is_not_counted():
    calls = await counting_redis(1)
    try:
        await calls.save(f"CA-expires-{time.time_ns()}", 0, FIELDS)
        assert calls.count() == 1
        await asyncio.sleep(1.3)  # Twilio never said it ended: forgotten with its state, 1 s after its last step
        assert calls.count() == 0
    finally:
        await calls.aclose()


def test_gather_calls__empty_url_keeps_calls_in_this_process():
    assert isinstance(gather_calls("", 60), MemoryGatherCalls)
