"""Check-in and check-out: the volunteer's presence, measured, then completed or held."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.core.errors import Forbidden, IllegalTransition, InvalidInput
from backend.fulfilment.checks import VisitFacts, findings
from backend.fulfilment.completion import complete, hold
from backend.matching.dispatch import emit
from backend.matching.geo import haversine_km
from backend.models import Order, ServiceVisit
from backend.orders import states
from backend.orders.service import get_order, transition
from backend.people.registry import check_coordinates
from backend.policy import PolicyProfile


def _own_order(session: Session, order_id: int, volunteer_id: int) -> Order:
    order = get_order(session, order_id, for_update=True)
    if order.volunteer_id != volunteer_id:
        raise Forbidden(f"order {order_id} is not assigned to volunteer {volunteer_id}", code="not_your_order",
                        message="这不是您的订单。")
    return order


def distance_m(order: Order, lat: float, lon: float) -> float | None:
    """Metres from the order's address to (lat, lon); None when the address has no position."""
    if order.lat is None or lat is None or lon is None:
        return None
    return haversine_km(order.lat, order.lon, lat, lon) * 1000


def check_in(session: Session, order_id: int, volunteer_id: int, *, lat: float | None, lon: float | None, at: datetime,
             channel: str = "phone", confirmed_by: str | None = None, reason: str = "签到") -> Order:
    """``confirmed_by``: the operator confirming a presence the volunteer's position could not (no position)."""
    check_coordinates(lat, lon)
    order = _own_order(session, order_id, volunteer_id)
    if order.state != states.ACCEPTED:
        raise IllegalTransition(f"order {order_id} is {order.state}; check-in needs an accepted order",
                                message="这个订单现在不能签到。")
    session.add(ServiceVisit(order_id=order.id, volunteer_id=volunteer_id, check_in_at=at, check_in_lat=lat,
                             check_in_lon=lon, check_in_distance_m=distance_m(order, lat, lon),
                             confirmed_by=confirmed_by))
    transition(session, order, states.CHECKED_IN, actor=confirmed_by or f"person:{volunteer_id}", channel=channel,
               reason=reason)
    emit(session, order.id, "checked_in", volunteer_id, at=at)
    return order


def check_out(session: Session, order_id: int, volunteer_id: int, *, lat: float | None, lon: float | None, at: datetime,
              policy: PolicyProfile, tz: str, channel: str = "phone", confirmed_by: str | None = None,
              reason: str = "签退") -> Order:
    """Record the check-out, run every check, then credit the service or hold it for review.
    ``confirmed_by``: as for ``check_in``; the service is then held for a reviewer."""
    check_coordinates(lat, lon)
    order = _own_order(session, order_id, volunteer_id)
    visit = session.get(ServiceVisit, order.id)
    if order.state not in (states.CHECKED_IN, states.ACCEPTED):
        raise IllegalTransition(f"order {order_id} is {order.state}; nothing to check out",
                                message="这个订单现在不能签退。")
    if visit is not None and at <= visit.check_in_at:
        raise InvalidInput("check-out must come after check-in", code="checkout_before_checkin",
                           message="签退时间不能早于签到时间。")
    if visit is None:
        visit = ServiceVisit(order_id=order.id, volunteer_id=volunteer_id)
        session.add(visit)
    visit.check_out_at, visit.check_out_lat, visit.check_out_lon = at, lat, lon
    visit.confirmed_by = confirmed_by or visit.confirmed_by
    facts = VisitFacts(
        planned_minutes=order.duration_minutes, check_in_at=visit.check_in_at, check_out_at=at,
        check_in_distance_m=visit.check_in_distance_m, check_out_distance_m=distance_m(order, lat, lon),
        overlapping_order_ids=_overlapping(session, volunteer_id, order.id, visit.check_in_at, at),
        minutes_same_day_before=_same_day_minutes(session, volunteer_id, order.id, at, tz),
        position_missing=lat is None or (visit.check_in_at is not None and visit.check_in_lat is None),
        operator_confirmed=visit.confirmed_by is not None)
    problems = findings(facts, policy)
    actor = confirmed_by or f"person:{volunteer_id}"
    if order.state == states.CHECKED_IN:
        transition(session, order, states.CHECKED_OUT, actor=actor, channel=channel, reason=reason)
    if problems:
        return hold(session, order, problems, actor=actor, at=at)
    order.served_minutes = int((at - visit.check_in_at).total_seconds() // 60)
    return complete(session, order, policy=policy, actor=actor, channel=channel, reason="签退后自动核验通过", at=at)


def _overlapping(session: Session, volunteer_id: int, order_id: int, start: datetime | None, end: datetime) -> tuple[int, ...]:
    if start is None:
        return ()
    rows = session.scalars(select(ServiceVisit.order_id).where(
        ServiceVisit.volunteer_id == volunteer_id, ServiceVisit.order_id != order_id,
        ServiceVisit.check_in_at < end,
        # a visit not yet checked out is still going on
        or_(ServiceVisit.check_out_at.is_(None), ServiceVisit.check_out_at > start)))
    return tuple(sorted(rows))


def _same_day_minutes(session: Session, volunteer_id: int, order_id: int, at: datetime, tz: str) -> int:
    local = at.astimezone(ZoneInfo(tz))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    visits = session.execute(select(ServiceVisit.check_in_at, ServiceVisit.check_out_at).where(
        ServiceVisit.volunteer_id == volunteer_id, ServiceVisit.order_id != order_id,
        ServiceVisit.check_in_at >= day_start, ServiceVisit.check_in_at < day_start + timedelta(days=1),
        ServiceVisit.check_out_at.is_not(None))).all()
    return int(sum((out - inn).total_seconds() // 60 for inn, out in visits))
