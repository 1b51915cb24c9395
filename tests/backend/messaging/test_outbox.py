"""The SMS outbox against the real database and a simulated Twilio: offers, confirmations and reminders
are written from the order events, sent once, retried through outages, given up with Twilio's reason,
and every one of them stays on the order."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.matching.dispatch import accept, offer_next
from backend.messaging import outbox
from backend.models import Offer, Order, OrderMessage, Person
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from tests import factories
from tests.backend.conftest import operator_headers
from tests.backend.matching.conftest import build_world, tomorrow_at
from tests.twilio_sms import TwilioSmsSimulator

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def world(state):
    world = build_world(state)
    with unit_of_work(state.sessions) as s:
        son = factories.person(s, state.policy, world["tree"]["comm_a"], roles=("family",), age=50, name="王军")
        world["son"], world["son_phone"] = son.id, son.phone
        world["elder_phone"] = s.get(Person, world["elder"]).phone
    return world


def _order(state, world, *, hour=10, offer=True, requested_by=None) -> int:
    now = utcnow()
    with unit_of_work(state.sessions) as s:
        order = create_order(s, NewOrder(recipient_id=world["elder"], service_slug="escort_medical",
                                         start_at=tomorrow_at(hour), duration_minutes=90, channel="phone",
                                         actor="service", requested_by_id=requested_by),
                             policy=state.policy, now=now, today=now.date())
        if offer:
            offer_next(s, order, policy=state.policy, tz="Asia/Shanghai", now=now)
        return order.id


def _collect(state, now=None, hours=1.0) -> int:
    with unit_of_work(state.sessions) as s:
        return outbox.collect(s, base_url=BASE, tz="Asia/Shanghai", now=now or utcnow(), reminder_hours=hours)


def _messages(state, order_id) -> list[OrderMessage]:
    with unit_of_work(state.sessions) as s:
        return outbox.for_order(s, order_id)


def test_an_offer_is_texted_once_with_a_short_link_and_no_address(state, world):
    twilio = TwilioSmsSimulator()
    order_id = _order(state, world)
    assert _collect(state) == 1
    assert _collect(state) == 0  # the cursor moved: collecting again writes nothing
    report = outbox.deliver(state.sessions, twilio.sender(), now=utcnow())
    [message] = _messages(state, order_id)
    assert report.sent == [message.id]
    with unit_of_work(state.sessions) as s:
        nearest = s.get(Person, world["vols"]["near"])
    [sms] = twilio.delivered
    assert sms.to == nearest.phone and sms.sender == twilio.number
    assert "陪同就医" in sms.body and "约1小时30分钟" in sms.body and "离您约300米" in sms.body
    assert nearest.address not in sms.body and "王秀英" not in sms.body
    link = re.search(r"http://127\.0\.0\.1:8000/v/([a-z0-9]{8})", sms.body)
    assert link and message.link_code == link.group(1)
    assert (message.status, message.kind, message.attempts, message.provider_sid) == ("sent", "offer", 1, sms.sid)
    assert outbox.deliver(state.sessions, twilio.sender(), now=utcnow()).sent == []  # never sent twice


def test_accepting_texts_the_elder_and_the_family_member_who_booked(state, world):
    twilio = TwilioSmsSimulator()
    order_id = _order(state, world, requested_by=world["son"])
    with unit_of_work(state.sessions) as s:
        accept(s, order_id, world["vols"]["near"], channel="web", now=utcnow())
    _collect(state)
    outbox.deliver(state.sessions, twilio.sender(), now=utcnow())
    kinds = sorted((m.kind, m.to_phone) for m in _messages(state, order_id))
    assert kinds == sorted([("offer", m.to_phone) for m in _messages(state, order_id) if m.kind == "offer"] +
                           [("confirmation", world["elder_phone"]), ("confirmation", world["son_phone"])])
    for phone in (world["elder_phone"], world["son_phone"]):
        [sms] = twilio.to(phone)
        assert "志愿者志愿者near接单" in sms.body and "10:00" in sms.body and "陪同就医" in sms.body


def test_an_outage_is_retried_with_backoff_and_the_offer_waits_meanwhile(state, world):
    twilio = TwilioSmsSimulator()
    order_id = _order(state, world)
    _collect(state)
    twilio.outage(1)
    twilio.drop(1)
    start = utcnow()
    assert outbox.deliver(state.sessions, twilio.sender(), now=start).retrying
    assert outbox.deliver(state.sessions, twilio.sender(), now=start + timedelta(seconds=10)).retrying == []  # not due
    assert outbox.deliver(state.sessions, twilio.sender(), now=start + timedelta(seconds=31)).retrying  # dropped
    [message] = _messages(state, order_id)
    assert (message.status, message.attempts) == ("pending", 2) and "ConnectionError" in message.last_error
    with unit_of_work(state.sessions) as s:
        assert s.get(Order, order_id).state == "assigned"
        assert s.scalar(select(Offer.outcome).where(Offer.order_id == order_id)) == "pending"
    assert outbox.deliver(state.sessions, twilio.sender(), now=start + timedelta(minutes=3)).sent == [message.id]
    [message] = _messages(state, order_id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert len(twilio.delivered) == 1


def test_a_number_twilio_refuses_is_given_up_at_once_with_twilios_reason(state, world):
    twilio = TwilioSmsSimulator()
    order_id = _order(state, world)
    _collect(state)
    with unit_of_work(state.sessions) as s:
        s.scalar(select(OrderMessage).where(OrderMessage.order_id == order_id)).to_phone = "+86123"
    report = outbox.deliver(state.sessions, twilio.sender(), now=utcnow())
    [message] = _messages(state, order_id)
    assert report.failed == [message.id] and message.status == "failed" and "21211" in message.last_error
    assert twilio.delivered == []


def test_after_the_last_attempt_a_message_is_failed_not_dropped(state, world):
    twilio = TwilioSmsSimulator()
    order_id = _order(state, world)
    _collect(state)
    twilio.outage(outbox.MAX_ATTEMPTS)
    at = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver(state.sessions, twilio.sender(), now=at)
        at += timedelta(hours=2)
    [message] = _messages(state, order_id)
    assert (message.status, message.attempts) == ("failed", outbox.MAX_ATTEMPTS) and "503" in message.last_error


def test_an_offer_answered_before_the_outbox_reads_it_is_not_texted(state, world):
    order_id = _order(state, world)
    with unit_of_work(state.sessions) as s:
        accept(s, order_id, world["vols"]["near"], channel="web", now=utcnow())
    _collect(state)
    assert [m.kind for m in _messages(state, order_id)] == ["confirmation"]


def test_reminders_go_to_volunteer_and_elder_once_before_the_visit(state, world):
    order_id = _order(state, world, hour=10)
    with unit_of_work(state.sessions) as s:
        accept(s, order_id, world["vols"]["near"], channel="web", now=utcnow())
        start = s.get(Order, order_id).start_at
    _collect(state, now=start - timedelta(hours=30), hours=18)
    assert [m.kind for m in _messages(state, order_id)] == ["confirmation"]
    _collect(state, now=start - timedelta(hours=17), hours=18)
    _collect(state, now=start - timedelta(hours=16), hours=18)
    reminders = [m for m in _messages(state, order_id) if m.kind == "reminder"]
    assert len(reminders) == 2
    with unit_of_work(state.sessions) as s:
        volunteer_phone = s.get(Person, world["vols"]["near"]).phone
        address = s.get(Order, order_id).address
    to_volunteer = next(m for m in reminders if m.to_phone == volunteer_phone)
    assert address and address in to_volunteer.body


def test_operators_read_an_orders_messages_in_their_scope_only(state, world, client):
    order_id = _order(state, world)
    _collect(state)
    own = client.get(f"/api/v1/orders/{order_id}/messages", headers=operator_headers(client, "op_a", "pw-123456"))
    assert own.status_code == 200 and [m["kind"] for m in own.json()] == ["offer"]
    other = client.get(f"/api/v1/orders/{order_id}/messages", headers=operator_headers(client, "op_b", "pw-123456"))
    assert other.status_code == 404


def test_two_passes_at_once_send_each_message_once(state, world):
    from concurrent.futures import ThreadPoolExecutor
    twilio = TwilioSmsSimulator()
    order_ids = [_order(state, world, hour=8 + n) for n in range(3)]
    _collect(state)
    now = utcnow()
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: outbox.deliver(state.sessions, twilio.sender(), now=now), range(4)))
    assert sorted(i for r in reports for i in r.sent) == sorted(m.id for o in order_ids for m in _messages(state, o))
    assert len(twilio.delivered) == len(order_ids)
