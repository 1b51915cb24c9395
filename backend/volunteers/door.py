"""Check-in and check-out at the elder's door, by the volunteer themself.

The position the volunteer's phone reports is measured against the service address with the
fulfilment checks' own rule (``checks.too_far``): too far, and nothing is stored and the volunteer is
told how far they are and how near they must be. An operator can still confirm a visit whose position
could not make it (``backend.access.visits.confirm``: with a reason, no position, held for review).

``by_phone``: the same for a volunteer without a smartphone, calling the hotline from their registered
number: no position, so lower assurance, and the service is held for review.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, PolicyViolation
from backend.fulfilment import visits
from backend.fulfilment.checks import too_far
from backend.models import Order
from backend.orders import states
from backend.people import registry
from backend.people.registry import check_coordinates
from backend.policy import PolicyProfile
from backend.volunteers.offers import service_name
from backend.volunteers.services import own_order
from backend.volunteers.words import distance_text


def _at_the_door(order: Order, lat: float, lon: float, policy: PolicyProfile, label: str, word: str) -> None:
    check_coordinates(lat, lon)
    distance = visits.distance_m(order, lat, lon)
    problems = too_far(label, distance, policy)
    if problems:
        limit = policy.matching.checkin_max_distance_m
        raise PolicyViolation(
            f"order {order.id}: {problems[0][1]}", code="far_from_address",
            message=f"您现在离服务地址{distance_text(distance)}，要在{limit}米以内才能{word}。"
                    f"请到老人家门口再{word}；定位不准时，请联系社区站点由工作人员确认。")


def check_in(session: Session, volunteer_id: int, order_id: int, *, lat: float, lon: float, at: datetime,
             policy: PolicyProfile, channel: str = "web") -> Order:
    order = own_order(session, volunteer_id, order_id)
    _at_the_door(order, lat, lon, policy, "check-in", "签到")
    return visits.check_in(session, order.id, volunteer_id, lat=lat, lon=lon, at=at, channel=channel)


def check_out(session: Session, volunteer_id: int, order_id: int, *, lat: float, lon: float, at: datetime,
              policy: PolicyProfile, tz: str, channel: str = "web") -> Order:
    """Completes and credits the service, or holds it for review when the other checks find something."""
    order = own_order(session, volunteer_id, order_id)
    _at_the_door(order, lat, lon, policy, "check-out", "签退")
    return visits.check_out(session, order.id, volunteer_id, lat=lat, lon=lon, at=at, policy=policy, tz=tz,
                            channel=channel)


PHONE_WINDOW = timedelta(minutes=60)  # how early before the start a phone check-in is taken


@dataclass(frozen=True)
class PhoneVisit:
    """What a phone check-in or check-out did: ``action`` checked_in | checked_out, the order, and the
    sentence the hotline says."""

    action: str
    order: Order
    message: str


def by_phone(session: Session, phone: str, *, at: datetime, policy: PolicyProfile, tz: str) -> PhoneVisit:
    """Check-in or check-out for a volunteer without a smartphone, from the registered number the hotline
    heard calling: the service under way is checked out, else the one starting within the hour (or
    already started) is checked in. No position is taken, so the service is held for an operator's look
    (``checks.unmeasured_presence``) instead of credited at once."""
    volunteer = registry.find_by_phone(session, phone)
    if not volunteer.is_volunteer or volunteer.status != "verified":
        raise InvalidInput(f"{phone} is not a verified volunteer", code="not_a_volunteer",
                           message="这个号码不是已核实的志愿者，不能电话签到。")
    under_way = session.scalar(select(Order).where(Order.volunteer_id == volunteer.id,
                                                   Order.state == states.CHECKED_IN).order_by(Order.start_at).limit(1))
    if under_way is not None:
        order = visits.check_out(session, under_way.id, volunteer.id, lat=None, lon=None, at=at, policy=policy, tz=tz,
                                 channel="phone")
        return PhoneVisit("checked_out", order, "已签退。电话签退没有定位，这次服务要等站点核查以后才记入时长。谢谢您！")
    due = session.scalar(select(Order).where(Order.volunteer_id == volunteer.id, Order.state == states.ACCEPTED,
                                             Order.start_at <= at + PHONE_WINDOW, Order.end_at >= at)
                         .order_by(Order.start_at).limit(1))
    if due is None:
        raise InvalidInput(f"volunteer {volunteer.id} has no service to check in or out now", code="no_visit_now",
                           message="您现在没有可以签到的服务。服务开始前一小时内才能签到。")
    order = visits.check_in(session, due.id, volunteer.id, lat=None, lon=None, at=at, channel="phone")
    return PhoneVisit("checked_in", order,
                      f"已签到：{service_name(session, order.service_slug)}。服务结束时请再打来，按5签退。")
