"""One-time stream tokens, in this process's memory and in the real local Redis (several workers)."""
from __future__ import annotations

import time

import pytest

from ivr.errors import CallStateUnavailable, StreamRefused
from ivr.tokens import RedisStreamTokens, StreamGrant, StreamTokens, stream_tokens
from tests.availability import unavailable

GRANT = StreamGrant(call_sid="CA1", caller="+8613900000001", mode="phone")
REDIS_URL = "redis://127.0.0.1:6379/13"
NOTHING_LISTENS = "redis://127.0.0.1:9/0"


def redis_tokens(ttl_s: float) -> RedisStreamTokens:
    tokens = RedisStreamTokens(REDIS_URL, ttl_s)
    try:
        tokens.ping()
    except CallStateUnavailable as exc:
        unavailable(f"Redis at {REDIS_URL}: {exc}")
    return tokens


@pytest.fixture(params=["memory", "redis"])
def make_tokens(request):
    return (lambda ttl_s: StreamTokens(ttl_s)) if request.param == "memory" else redis_tokens


def test_burn__returns_the_grant_once(make_tokens):
    tokens = make_tokens(60)
    token = tokens.issue(GRANT)
    assert tokens.burn(token, "CA1") == GRANT
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA1")


def test_burn__expired_token_is_refused():
    now = [0.0]
    tokens = StreamTokens(ttl_s=10, clock=lambda: now[0])
    token = tokens.issue(GRANT)
    now[0] = 10.5
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA1")


def test_burn__expired_token_is_refused_by_redis():
    tokens = redis_tokens(1)
    token = tokens.issue(GRANT)
    time.sleep(1.2)  # Redis expires the key itself; nothing here can move its clock
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA1")


def test_burn__token_of_another_call_is_refused_and_spent(make_tokens):
    tokens = make_tokens(60)
    token = tokens.issue(GRANT)
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA2")
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA1")  # a token shown to the wrong call is gone: it may have leaked


@pytest.mark.parametrize("token", [None, "", "guessed"])
def test_burn__missing_or_unknown_token_is_refused(make_tokens, token):
    with pytest.raises(StreamRefused):
        make_tokens(60).burn(token, "CA1")


def test_issue__tokens_are_distinct(make_tokens):
    tokens = make_tokens(60)
    assert len({tokens.issue(GRANT) for _ in range(100)}) == 100


def test_redis__a_token_issued_by_one_worker_is_burned_once_by_any_other():
    webhook_worker, stream_worker, third = redis_tokens(60), redis_tokens(60), redis_tokens(60)
    token = webhook_worker.issue(GRANT)
    assert stream_worker.burn(token, "CA1") == GRANT
    with pytest.raises(StreamRefused):
        third.burn(token, "CA1")
    with pytest.raises(StreamRefused):  # in-process tokens are not shared: why one worker was the limit
        StreamTokens(60).burn(webhook_worker.issue(GRANT), "CA1")


def test_redis__stores_no_usable_token_and_no_longer_than_the_ttl():
    import redis

    tokens = redis_tokens(60)
    token = tokens.issue(GRANT)
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in client.scan_iter(match=RedisStreamTokens.PREFIX + "*")]
    assert keys and not any(token in key for key in keys)
    key = RedisStreamTokens._key(token)
    assert token not in client.get(key).decode()
    assert 0 < client.ttl(key) <= 60


def test_redis__unreachable_store_refuses_to_issue_and_refuses_every_stream():
    tokens = RedisStreamTokens(NOTHING_LISTENS, 60, timeout_s=0.5)
    with pytest.raises(CallStateUnavailable):
        tokens.issue(GRANT)
    with pytest.raises(StreamRefused):
        tokens.burn("anything", "CA1")
    with pytest.raises(CallStateUnavailable):
        tokens.ping()


def test_stream_tokens__empty_url_is_this_process_and_a_redis_url_is_redis():
    assert isinstance(stream_tokens("", 60), StreamTokens)
    assert isinstance(stream_tokens(REDIS_URL, 60), RedisStreamTokens)
