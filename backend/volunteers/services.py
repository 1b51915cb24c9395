"""A volunteer's own services: the accepted ones ahead (with the elder's address and phone number, now
that they are the one going) and the finished ones they may still rate (互评)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.models import Order, Person, Rating
from backend.orders import states
from backend.orders.service import get_order
from backend.volunteers.offers import service_name
from backend.volunteers.words import duration_text, when_text

AHEAD = (states.ACCEPTED, states.CHECKED_IN)
FINISHED = (states.CHECKED_OUT, states.HELD, states.COMPLETED, states.RATED)


@dataclass(frozen=True)
class ServiceView:
    order_id: int
    service_name: str
    when: str
    duration: str
    state: str
    state_zh: str
    elder_name: str
    address: str
    phone: str
    note: str | None
    rated: bool

    @property
    def can_check_in(self) -> bool:
        return self.state == states.ACCEPTED

    @property
    def can_check_out(self) -> bool:
        return self.state == states.CHECKED_IN

    @property
    def can_rate(self) -> bool:
        return self.state in (states.COMPLETED, states.RATED) and not self.rated


def own_order(session: Session, volunteer_id: int, order_id: int) -> Order:
    """The order if it is this volunteer's; NotFound otherwise (the same answer as a missing one)."""
    order = session.get(Order, order_id)
    if order is None or order.volunteer_id != volunteer_id or order.state in (states.OPEN, states.ASSIGNED):
        raise NotFound(f"order {order_id} is not volunteer {volunteer_id}'s", code="not_your_order",
                       message="没有找到这个服务。")
    return get_order(session, order.id)


def _view(session: Session, order: Order, volunteer_id: int, tz: str) -> ServiceView:
    elder = session.get(Person, order.recipient_id)
    rated = session.scalar(select(Rating.id).where(Rating.order_id == order.id,
                                                   Rating.by_person_id == volunteer_id)) is not None
    return ServiceView(order_id=order.id, service_name=service_name(session, order.service_slug),
                       when=when_text(order.start_at, tz), duration=duration_text(order.duration_minutes),
                       state=order.state, state_zh=states.STATE_ZH.get(order.state, order.state),
                       elder_name=elder.name, address=order.address or elder.address or "（地址请联系站点）",
                       phone=elder.phone, note=order.note, rated=rated)


def mine(session: Session, volunteer_id: int, *, tz: str, finished_limit: int = 10) -> tuple[list[ServiceView], list[ServiceView]]:
    """(services ahead, soonest first; finished services, latest first)."""
    ahead = session.scalars(select(Order).where(Order.volunteer_id == volunteer_id, Order.state.in_(AHEAD))
                            .order_by(Order.start_at)).all()
    done = session.scalars(select(Order).where(Order.volunteer_id == volunteer_id, Order.state.in_(FINISHED))
                           .order_by(Order.start_at.desc()).limit(finished_limit)).all()
    return [_view(session, o, volunteer_id, tz) for o in ahead], [_view(session, o, volunteer_id, tz) for o in done]
