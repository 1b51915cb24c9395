"""Who the actions act for comes only from the front door's signed claim (common.verified_caller):
unsigned metadata, a claim for another conversation, an expired claim, or a forged ``caller`` slot
act for nobody, read nothing and write nothing."""
from __future__ import annotations

import json
import time

import pytest

from bot.actions import common
from bot.actions.balance import ActionCheckBalance
from bot.actions.conversation import ActionConfirm
from bot.actions.transfers import gift_recipient
from tests.bot.fakes import CLAIM_SECRET, ELDER, FAMILY, GRANDSON, FakeBackend, make_tracker, responses, sealed_caller
from tests.bot.test_actions import NOW, run
from trust import claims

GIFT = {"pending_confirmation": "gift", "coin_amount": "一个", "recipient_phone": GRANDSON["phone"],
        "gift_to": gift_recipient(GRANDSON)}


@pytest.fixture
def backend(tmp_path, monkeypatch):
    fake = FakeBackend()
    client = fake.client(tmp_path)
    monkeypatch.setattr(common, "client", lambda: client)
    monkeypatch.setattr(common, "now", lambda: NOW)
    fake.outbox = client.outbox
    return fake


def read_paths(backend) -> list[str]:
    return [r.url.path for r in backend.requests]


def test_unsigned_phone_in_metadata__reads_no_balance(backend):
    tracker = make_tracker(metadata={"phone": ELDER["phone"], "channel": "phone"}, sign=False)
    dispatcher, _ = run(ActionCheckBalance(), tracker)
    assert responses(dispatcher) == ["utter_identity_unverified"]
    assert backend.requests == []


def test_claim_of_another_conversation__reads_no_balance(backend):
    claim = claims.sign(CLAIM_SECRET, conversation_id="CA-other", channel="phone", phone=ELDER["phone"])
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"claim": claim}, sign=False))
    assert responses(dispatcher) == ["utter_identity_unverified"] and backend.requests == []


def test_expired_claim__reads_no_balance(backend):
    claim = claims.sign(CLAIM_SECRET, conversation_id="conv-1", channel="phone", phone=ELDER["phone"],
                        now=time.time() - claims.DEFAULT_TTL_S - 1)
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"claim": claim}, sign=False))
    assert responses(dispatcher) == ["utter_identity_unverified"] and backend.requests == []


def test_claim_signed_with_another_secret__reads_no_balance(backend):
    claim = claims.sign("attacker-secret", conversation_id="conv-1", channel="phone", phone=ELDER["phone"])
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"claim": claim}, sign=False))
    assert responses(dispatcher) == ["utter_identity_unverified"] and backend.requests == []


def test_forged_tracker_with_a_caller_slot__moves_no_coins(backend):
    """The attack of issue 11: a tracker posted straight to the action server, gift pending."""
    tracker = make_tracker(slots={**GIFT, "caller": {"subject": f"phone:{ELDER['phone']}", "id": ELDER["id"]}},
                           text="对", intent="affirm", metadata={"phone": ELDER["phone"]}, sign=False)
    dispatcher, _ = run(ActionConfirm(), tracker)
    assert responses(dispatcher) == ["utter_identity_unverified"]
    assert backend.posts("/transfers/gift") == [] and backend.outbox.pending() == []


def test_caller_slot_of_another_person__is_ignored_for_a_verified_family_member(backend):
    """A family member's own claim with the elder's record planted in the caller slot (sealed, even):
    the slot is for another subject, so the family member is looked up afresh and gives from their own account."""
    planted = sealed_caller(ELDER, f"person:{FAMILY['id']}").replace("seal.", "seal.x", 1)
    tracker = make_tracker(slots={**GIFT, "caller": planted}, text="对", intent="affirm",
                           metadata={"person_id": FAMILY["id"], "channel": "chat"}, sender_id="family-7")
    run(ActionConfirm(), tracker)
    elder_as_other = sealed_caller(ELDER, f"phone:{ELDER['phone']}")
    tracker = make_tracker(slots={**GIFT, "caller": elder_as_other}, text="对", intent="affirm",
                           metadata={"person_id": FAMILY["id"], "channel": "chat"}, sender_id="family-7")
    run(ActionConfirm(), tracker)
    senders = [json.loads(r.content)["from_person_id"] for r in backend.posts("/transfers/gift")]
    assert senders == [FAMILY["id"], FAMILY["id"]]
    assert f"/api/v1/persons/{FAMILY['id']}" in read_paths(backend)


def test_tracker_keeps_no_personal_data_of_the_caller(backend):
    dispatcher, events = run(ActionCheckBalance(), make_tracker(metadata={"phone": ELDER["phone"], "channel": "phone"}))
    assert responses(dispatcher) == ["utter_balance"]
    kept = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "caller"]
    assert len(kept) == 1
    remembered = claims.unseal(CLAIM_SECRET, kept[0])
    assert set(remembered) == {"subject", "id", "roles", "linked_elders"}
    assert remembered["id"] == ELDER["id"] and ELDER["name"] not in json.dumps(remembered, ensure_ascii=False)
