"""One-time stream tokens."""
from __future__ import annotations

import pytest

from ivr.errors import StreamRefused
from ivr.tokens import StreamGrant, StreamTokens

GRANT = StreamGrant(call_sid="CA1", caller="+8613900000001", mode="phone")


def test_burn__returns_the_grant_once():
    tokens = StreamTokens(ttl_s=60)
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


def test_burn__token_of_another_call_is_refused_and_spent():
    tokens = StreamTokens(ttl_s=60)
    token = tokens.issue(GRANT)
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA2")
    with pytest.raises(StreamRefused):
        tokens.burn(token, "CA1")  # a token shown to the wrong call is gone: it may have leaked


@pytest.mark.parametrize("token", [None, "", "guessed"])
def test_burn__missing_or_unknown_token_is_refused(token):
    with pytest.raises(StreamRefused):
        StreamTokens(ttl_s=60).burn(token, "CA1")


def test_issue__tokens_are_distinct():
    tokens = StreamTokens(ttl_s=60)
    assert len({tokens.issue(GRANT) for _ in range(100)}) == 100
