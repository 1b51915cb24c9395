"""Check-in and check-out by phone for volunteers without a smartphone: calling the hotline from the
registered number and pressing 5 in the keypad menu checks the service in, then out; with no position
taken, the service is held for review (lower assurance) instead of credited. Other numbers are refused."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.matching.dispatch import accept
from backend.models import Anomaly, Order, ServiceVisit
from backend.orders.service import NewOrder, create_order
from backend.people.supply import set_supply
from ivr import prompts
from tests import factories
from tests.ivr.conftest import AUTH_TOKEN, PUBLIC_URL, call_record
from tests.ivr.simulator import post_webhook
from tests.ivr.test_gather_keypad import GatherCaller

pytestmark = pytest.mark.anyio


def _accepted_soon(backend) -> tuple[int, str]:
    """An order starting in half an hour, accepted by a volunteer with no smartphone; (order id, their phone)."""
    state, now = backend.state, datetime.now(timezone.utc)
    with unit_of_work(state.sessions) as s:
        elder = factories.person(s, state.policy, backend.stations["comm_a"], name="电话签到老人", age=83,
                                 lat=29.5, lon=116.0)
        volunteer = factories.person(s, state.policy, backend.stations["comm_a"], roles=("volunteer",), age=66,
                                     name="老年志愿者", lat=29.501, lon=116.0)
        set_supply(s, volunteer.id, radius_km=3.0, max_open_orders=3, services=["chat_companion"],
                   weekly=[(d, time(0, 0), time(23, 59)) for d in range(7)])
        order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="chat_companion",
                                         start_at=now + timedelta(minutes=30), duration_minutes=60, channel="phone",
                                         actor="service"), policy=state.policy, now=now, today=now.date())
        accept(s, order.id, volunteer.id, channel="phone", now=now)
        return order.id, volunteer.phone


async def _press_5(line, phone: str, call_sid: str) -> list[str]:
    caller = GatherCaller(line, {"CallSid": call_sid, "From": phone})
    await caller.post("/ivr/voice")
    said = await caller.press("5")
    await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status",
                       {"CallSid": call_sid, "From": phone, "CallStatus": "completed"})
    return said


async def test_a_volunteer_checks_in_and_out_by_phone_and_the_service_waits_for_review(backend, hotline_factory):
    order_id, phone = _accepted_soon(backend)
    async with hotline_factory(mode="gather", gather_speech=False) as line:
        checked_in = await _press_5(line, phone, "CA" + "5a" * 16)
        assert checked_in[0] == "已签到：陪伴聊天。服务结束时请再打来，按5签退。" and checked_in[1] == prompts.KEYPAD_MENU
        with unit_of_work(backend.state.sessions) as s:
            visit = s.get(ServiceVisit, order_id)
            assert s.get(Order, order_id).state == "checked_in"
            assert visit.check_in_at is not None and visit.check_in_lat is None and visit.check_in_distance_m is None
        checked_out = await _press_5(line, phone, "CA" + "5b" * 16)
        assert "已签退" in checked_out[0] and "核查" in checked_out[0]
    with unit_of_work(backend.state.sessions) as s:
        order = s.get(Order, order_id)
        kinds = set(s.scalars(select(Anomaly.kind).where(Anomaly.order_id == order_id)))
        assert order.state == "held" and order.credit_entry_seq is None
    assert "phone_presence" in kinds
    record = call_record(backend, "CA" + "5a" * 16)
    assert [e["order_id"] for e in record["events"] if e["kind"] == "order"] == [order_id]


async def test_pressing_5_from_another_number_changes_nothing(backend, hotline_factory):
    order_id, _phone = _accepted_soon(backend)
    elder = backend.new_elder(name="不是志愿者")
    async with hotline_factory(mode="gather", gather_speech=False) as line:
        not_volunteer = await _press_5(line, elder["phone"], "CA" + "5c" * 16)
        unknown = await _press_5(line, "+8613800000999", "CA" + "5d" * 16)
    assert not_volunteer[0] == "这个号码不是已核实的志愿者，不能电话签到。"
    assert unknown[0] == "这个号码还没有登记。"
    with unit_of_work(backend.state.sessions) as s:
        assert s.get(Order, order_id).state == "accepted" and s.get(ServiceVisit, order_id) is None
