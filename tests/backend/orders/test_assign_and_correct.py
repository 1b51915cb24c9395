"""Manual assignment from the ranked candidates and order correction with a reason, on both databases."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.errors import IllegalTransition, InvalidInput
from backend.matching.dispatch import accept, ranked_candidates
from backend.models import Offer, Order, OrderEvent, OrderTransition
from backend.models.base import utcnow
from backend.orders.assign import assign_volunteer
from backend.orders.correction import Correction, correct_order
from backend.orders.service import NewOrder, create_order
from tests.backend.matching.conftest import build_world, tomorrow_at, utc

TZ = "Asia/Shanghai"


@pytest.fixture
def world(state):
    return build_world(state)


def _new_order(state, world, hour=10) -> int:
    with unit_of_work(state.sessions) as s:
        order = create_order(s, NewOrder(recipient_id=world["elder"], service_slug="chat_companion",
                                         start_at=tomorrow_at(hour), duration_minutes=60, channel="phone",
                                         actor="service"), policy=state.policy, now=utcnow(),
                             today=utcnow().date())
        return order.id


def _assign(state, order_id, volunteer_id, reason="电话确认有空"):
    with unit_of_work(state.sessions) as s:
        return assign_volunteer(s, order_id, volunteer_id, policy=state.policy, tz=TZ, now=utcnow(),
                                actor="operator:1", reason=reason).id


def test_assign_volunteer__second_ranked_candidate_gets_an_offer_like_the_dispatchers(state, world):
    order_id = _new_order(state, world)
    with unit_of_work(state.sessions) as s:
        ranked = [r.candidate.person_id for r in ranked_candidates(s, s.get(Order, order_id), policy=state.policy, tz=TZ)]
    assert ranked[0] == world["vols"]["near"] and world["vols"]["mid"] in ranked
    _assign(state, order_id, world["vols"]["mid"])
    with unit_of_work(state.sessions) as s:
        order = s.get(Order, order_id)
        assert (order.state, order.volunteer_id) == ("assigned", world["vols"]["mid"])
        offer = s.scalar(select(Offer).where(Offer.order_id == order_id))
        assert offer.outcome == "pending" and offer.expires_at > utcnow()
        last = s.scalar(select(OrderTransition).where(OrderTransition.order_id == order_id)
                        .order_by(OrderTransition.id.desc()).limit(1))
        assert last.actor == "operator:1" and "电话确认有空" in last.reason
        accept(s, order_id, world["vols"]["mid"], channel="phone", now=utcnow())  # the offer is a real one
        assert order.state == "accepted"


def test_assign_volunteer__asked_twice_for_the_same_volunteer_makes_one_offer(state, world):
    order_id = _new_order(state, world)
    first = _assign(state, order_id, world["vols"]["far"])
    again = _assign(state, order_id, world["vols"]["far"])
    with unit_of_work(state.sessions) as s:
        assert first == again
        assert s.scalar(select(func.count()).select_from(Offer).where(Offer.order_id == order_id)) == 1
        assert s.scalar(select(func.count()).select_from(OrderTransition).where(
            OrderTransition.order_id == order_id, OrderTransition.to_state == "assigned")) == 1


def test_assign_volunteer__reassigning_withdraws_the_pending_offer(state, world):
    order_id = _new_order(state, world)
    _assign(state, order_id, world["vols"]["far"])
    _assign(state, order_id, world["vols"]["near"])
    with unit_of_work(state.sessions) as s:
        outcomes = dict(s.execute(select(Offer.volunteer_id, Offer.outcome).where(Offer.order_id == order_id)).all())
        assert outcomes == {world["vols"]["far"]: "withdrawn", world["vols"]["near"]: "pending"}
        assert s.get(Order, order_id).volunteer_id == world["vols"]["near"]


def test_assign_volunteer__someone_not_ranked_is_refused_and_nothing_changes(state, world):
    order_id = _new_order(state, world)
    with pytest.raises(InvalidInput) as caught:
        _assign(state, order_id, world["elder"])
    assert caught.value.code == "not_a_candidate"
    with unit_of_work(state.sessions) as s:
        assert s.get(Order, order_id).state == "open"
        assert s.scalar(select(func.count()).select_from(Offer)) == 0


def test_correct_order__needs_a_reason_and_stores_nothing_without_one(state, world):
    order_id = _new_order(state, world)
    with pytest.raises(InvalidInput) as caught, unit_of_work(state.sessions) as s:
        correct_order(s, order_id, Correction(duration_minutes=90), actor="operator:1", reason="  ", now=utcnow())
    assert caught.value.code == "reason_required"
    with unit_of_work(state.sessions) as s:
        assert s.get(Order, order_id).duration_minutes == 60
        assert s.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.kind == "corrected")) == 0


def test_correct_order__new_time_reopens_an_accepted_order_and_records_old_and_new(state, world):
    order_id = _new_order(state, world)
    _assign(state, order_id, world["vols"]["near"])
    with unit_of_work(state.sessions) as s:
        accept(s, order_id, world["vols"]["near"], channel="phone", now=utcnow())
    new_start = tomorrow_at(15)
    with unit_of_work(state.sessions) as s:
        order, changes = correct_order(s, order_id, Correction(start_at=new_start, duration_minutes=90),
                                       actor="operator:1", reason="老人改到下午", now=utcnow())
        assert set(changes) == {"start_at", "duration_minutes"}
    with unit_of_work(state.sessions) as s:
        order = s.get(Order, order_id)
        assert (order.state, order.volunteer_id) == ("open", None)
        assert order.start_at == utc(new_start) and order.end_at == utc(new_start) + timedelta(minutes=90)
        event = s.scalar(select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "corrected"))
        detail = json.loads(event.detail)
        assert detail["reason"] == "老人改到下午" and detail["changes"]["duration_minutes"] == [60, 90]
        reopened = s.scalar(select(OrderTransition).where(OrderTransition.order_id == order_id,
                                                          OrderTransition.from_state == "accepted"))
        assert reopened.to_state == "open" and "老人改到下午" in reopened.reason


def test_correct_order__address_change_keeps_the_volunteer(state, world):
    order_id = _new_order(state, world)
    _assign(state, order_id, world["vols"]["mid"])
    with unit_of_work(state.sessions) as s:
        correct_order(s, order_id, Correction(address="鼓楼区湖南路12号3栋202", note="按门铃两下"),
                      actor="operator:1", reason="门牌号记错了", now=utcnow())
    with unit_of_work(state.sessions) as s:
        order = s.get(Order, order_id)
        assert (order.state, order.volunteer_id, order.address) == ("assigned", world["vols"]["mid"],
                                                                   "鼓楼区湖南路12号3栋202")


@pytest.mark.parametrize("change,code", [
    (Correction(duration_minutes=5), "invalid_duration"),
    (Correction(service_slug="no_such_service"), "unknown_service"),
    (Correction(note=None), "nothing_changed"),
])
def test_correct_order__bad_values_are_refused(state, world, change, code):
    order_id = _new_order(state, world)
    with pytest.raises(InvalidInput) as caught, unit_of_work(state.sessions) as s:
        correct_order(s, order_id, change, actor="operator:1", reason="测试", now=utcnow())
    assert caught.value.code == code


def test_correct_order__a_time_in_the_past_is_refused(state, world):
    order_id = _new_order(state, world)
    with pytest.raises(InvalidInput) as caught, unit_of_work(state.sessions) as s:
        correct_order(s, order_id, Correction(start_at=tomorrow_at(10) - timedelta(days=3)), actor="operator:1",
                      reason="测试", now=utcnow())
    assert caught.value.code == "time_in_past"


def test_correct_order__a_cancelled_order_cannot_be_corrected(state, world):
    from backend.orders.service import cancel_order
    order_id = _new_order(state, world)
    with unit_of_work(state.sessions) as s:
        cancel_order(s, order_id, actor="operator:1", channel="operator", reason="老人住院")
    with pytest.raises(IllegalTransition), unit_of_work(state.sessions) as s:
        correct_order(s, order_id, Correction(duration_minutes=90), actor="operator:1", reason="测试", now=utcnow())


def test_correct_order__unchanged_time_that_has_passed_is_not_refused(state, world):
    """The console sends every field back; an accepted order running late can still get a new address."""
    order_id = _new_order(state, world)
    with unit_of_work(state.sessions) as s:
        start = s.get(Order, order_id).start_at
        _order, changes = correct_order(s, order_id, Correction(start_at=start, duration_minutes=60,
                                                                service_slug="chat_companion", address="新地址1号"),
                                        actor="operator:1", reason="地址写错", now=start + timedelta(minutes=30))
    assert changes == {"address": ["鼓楼区湖南路1号", "新地址1号"]}
