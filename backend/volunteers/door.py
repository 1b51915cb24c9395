"""Check-in and check-out at the elder's door, by the volunteer themself.

The position the volunteer's phone reports is measured against the service address with the
fulfilment checks' own rule (``checks.too_far``): too far, and nothing is stored and the volunteer is
told how far they are and how near they must be. An operator can still confirm a visit whose position
could not be taken (the operators' check-in, which holds the order for review instead).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.core.errors import PolicyViolation
from backend.fulfilment import visits
from backend.fulfilment.checks import too_far
from backend.models import Order
from backend.people.registry import check_coordinates
from backend.policy import PolicyProfile
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
