"""Signed caller claims (trust/claims.py): what verifies, and every way a claim is refused."""
from __future__ import annotations

import pytest

from trust import claims

SECRET = "claims-test-secret-0123456789"
NOW = 1_800_000_000


def sign(**overrides) -> str:
    values = dict(conversation_id="CA1", channel="phone", phone="+8613912340001", now=NOW)
    values.update(overrides)
    return claims.sign(SECRET, **values)


def test_verify__returns_what_was_signed_for_the_same_conversation():
    claim = claims.verify(SECRET, sign(), conversation_id="CA1", now=NOW + 10)
    assert (claim.conversation_id, claim.channel, claim.phone, claim.person_id) == (
        "CA1", "phone", "+8613912340001", None)
    chat = claims.verify(SECRET, sign(conversation_id="family-7", channel="chat", phone=None, person_id=7),
                         conversation_id="family-7", now=NOW)
    assert (chat.person_id, chat.phone) == (7, None)


@pytest.mark.parametrize("token, conversation, now, reason", [
    (None, "CA1", NOW, "missing"),
    ("", "CA1", NOW, "missing"),
    ("v1.abc", "CA1", NOW, "malformed"),
    ("v2.a.b", "CA1", NOW, "malformed"),
    (claims.sign("another-secret", conversation_id="CA1", channel="phone", phone="+8613912340001", now=NOW),
     "CA1", NOW, "bad_signature"),
    (sign(), "CA2", NOW, "other_conversation"),
    (sign(), "CA1", NOW + claims.DEFAULT_TTL_S, "expired"),
])
def test_verify__refuses(token, conversation, now, reason):
    with pytest.raises(claims.ClaimRefused) as refused:
        claims.verify(SECRET, token, conversation_id=conversation, now=now)
    assert refused.value.reason == reason


def test_verify__a_changed_payload_breaks_the_signature():
    version, payload, mac = sign().split(".")
    other = sign(phone="+8613912340002").split(".")[1]
    with pytest.raises(claims.ClaimRefused) as refused:
        claims.verify(SECRET, f"{version}.{other}.{mac}", conversation_id="CA1", now=NOW)
    assert refused.value.reason == "bad_signature"


def test_sign_and_verify__refuse_an_empty_secret():
    with pytest.raises(claims.ClaimRefused):
        claims.sign("", conversation_id="CA1", channel="phone")
    with pytest.raises(claims.ClaimRefused):
        claims.verify("", sign(), conversation_id="CA1", now=NOW)


def test_seal__round_trips_and_is_not_a_claim():
    sealed = claims.seal(SECRET, {"subject": "person:7", "id": 7})
    assert claims.unseal(SECRET, sealed) == {"subject": "person:7", "id": 7}
    with pytest.raises(claims.ClaimRefused):
        claims.unseal("another-secret", sealed)
    with pytest.raises(claims.ClaimRefused):
        claims.verify(SECRET, sealed, conversation_id="CA1", now=NOW)
    with pytest.raises(claims.ClaimRefused):
        claims.unseal(SECRET, sign())
