"""What a volunteer may take: the offers made to them by dispatch and the open orders near them (抢单).

An offer shows what, when, how long and how far, never the address: the address is for the one
volunteer who accepted (``services``). Accepting is ``dispatch.accept`` (one conditional UPDATE, so of
simultaneous accepts exactly one wins); declining is ``dispatch.decline``, which offers the order on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import InvalidInput
from backend.matching import dispatch
from backend.matching.geo import haversine_km
from backend.models import Offer, Order, Person
from backend.orders import states
from backend.people.registry import get_person
from backend.policy import PolicyProfile
from backend.volunteers.words import distance_text, duration_text, when_text


@dataclass(frozen=True)
class OfferView:
    order_id: int
    service_name: str
    when: str
    duration: str
    distance: str
    direct: bool  # offered to this volunteer by dispatch (else an open order anyone near may take)
    expires: str | None


def service_name(session: Session, slug: str) -> str:
    try:
        return get_service(session, slug).name_zh
    except InvalidInput:
        return slug


def distance_between(person: Person, order: Order) -> float | None:
    """Metres from the volunteer's home to the service address; None if either has no position."""
    if None in (person.lat, person.lon, order.lat, order.lon):
        return None
    return haversine_km(person.lat, person.lon, order.lat, order.lon) * 1000


def _view(session: Session, me: Person, order: Order, offer: Offer | None, tz: str) -> OfferView:
    return OfferView(order_id=order.id, service_name=service_name(session, order.service_slug),
                     when=when_text(order.start_at, tz), duration=duration_text(order.duration_minutes),
                     distance=distance_text(distance_between(me, order)), direct=offer is not None,
                     expires=when_text(offer.expires_at, tz) if offer is not None else None)


def open_for(session: Session, volunteer_id: int, *, now: datetime, tz: str) -> list[OfferView]:
    """Pending offers to this volunteer first, then open orders on their board."""
    me = get_person(session, volunteer_id)
    offered = session.execute(
        select(Offer, Order).join(Order, Order.id == Offer.order_id)
        .where(Offer.volunteer_id == volunteer_id, Offer.outcome == "pending", Offer.expires_at > now,
               Order.state == states.ASSIGNED, Order.volunteer_id == volunteer_id)
        .order_by(Order.start_at)).all()
    views = [_view(session, me, order, offer, tz) for offer, order in offered]
    views += [_view(session, me, order, None, tz) for order in dispatch.board(session, volunteer_id, now=now)]
    return views


def accept(session: Session, volunteer_id: int, order_id: int, *, channel: str, now: datetime) -> Order:
    return dispatch.accept(session, order_id, volunteer_id, channel=channel, now=now)


def decline(session: Session, volunteer_id: int, order_id: int, *, policy: PolicyProfile, tz: str,
            now: datetime) -> Order:
    return dispatch.decline(session, order_id, volunteer_id, policy=policy, tz=tz, now=now)
