"""Auto-dispatch and the open board.

Auto-dispatch offers an open order to the best-ranked volunteer not yet asked, waits for accept
until the offer expires, then offers it to the next. Orders still unmatched after the policy's
escalation time are flagged for an operator. Volunteers may also pick open orders from the board
(抢单). ``accept`` is one conditional UPDATE, so of any number of simultaneous accepts exactly one
changes the row and the others are told at once that the order is taken.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import Conflict, Forbidden, PolicyViolation
from backend.matching.candidates import busy_volunteers, eligible_candidates, recipient_age
from backend.matching.geo import haversine_km
from backend.matching.ranking import Ranked, in_words, rank
from backend.models import Offer, Order, OrderEvent, OrderTransition, Person, VolunteerProfile, VolunteerService
from backend.orders import states
from backend.orders.service import get_order, transition
from backend.people.registry import get_person, has_valid_qualification
from backend.policy import PolicyProfile


def emit(session: Session, order_id: int, kind: str, volunteer_id: int | None = None, detail: str | None = None,
         at: datetime | None = None) -> None:
    session.add(OrderEvent(order_id=order_id, kind=kind, volunteer_id=volunteer_id, detail=detail,
                           **({"at": at} if at else {})))


def ranked_candidates(session: Session, order: Order, *, policy: PolicyProfile, tz: str,
                      exclude: set[int] = frozenset()) -> list[Ranked]:
    candidates = eligible_candidates(session, order, tz=tz, exclude=exclude)
    return rank(candidates, recipient_age=recipient_age(session, order, order.start_at.date()),
                prefer_pairs=policy.matching.prefer_young_old_pairs)


def offer_next(session: Session, order: Order, *, policy: PolicyProfile, tz: str, now: datetime) -> Offer | None:
    """Offer ``order`` to the best volunteer not offered it before; None if nobody is left."""
    asked = set(session.scalars(select(Offer.volunteer_id).where(Offer.order_id == order.id)))
    ranked = ranked_candidates(session, order, policy=policy, tz=tz, exclude=asked)
    if not ranked:
        return None
    best = ranked[0]
    offer = Offer(order_id=order.id, volunteer_id=best.candidate.person_id, rank_score=best.score, offered_at=now,
                  expires_at=now + timedelta(minutes=policy.matching.offer_timeout_minutes))
    session.add(offer)
    order.volunteer_id = best.candidate.person_id
    volunteer = session.get(Person, best.candidate.person_id)
    transition(session, order, states.ASSIGNED, actor="system:dispatch", channel="operator",
               reason=f"自动派单给{volunteer.name}：{in_words(best)}")
    emit(session, order.id, "offered", best.candidate.person_id, at=now)
    session.flush()
    return offer


def check_volunteer_can_serve(session: Session, order: Order, volunteer_id: int) -> Person:
    volunteer = get_person(session, volunteer_id)
    if not volunteer.is_volunteer or volunteer.status != "verified":
        raise Forbidden(f"person {volunteer_id} is not a verified volunteer", code="not_a_volunteer",
                        message="您还不是已核实的志愿者。")
    service = get_service(session, order.service_slug)
    if service.qualification and not has_valid_qualification(session, volunteer_id, service.qualification,
                                                              order.start_at.date()):
        raise PolicyViolation(f"volunteer {volunteer_id} lacks a valid {service.qualification!r} qualification",
                              code="not_qualified", message=f"{service.name_zh}需要相应资质。")
    if volunteer_id == order.recipient_id:
        raise PolicyViolation("a volunteer cannot serve their own order", code="own_order", message="不能给自己接单。")
    return volunteer


def accept(session: Session, order_id: int, volunteer_id: int, *, channel: str, now: datetime) -> Order:
    order = get_order(session, order_id)
    check_volunteer_can_serve(session, order, volunteer_id)
    if busy_volunteers(session, [volunteer_id], order.start_at, order.end_at, order.id):
        raise Conflict(f"volunteer {volunteer_id} has another order at that time", code="time_clash",
                       message="您这个时间已经有别的服务了。")
    result = session.execute(
        update(Order).where(Order.id == order_id,
                            (Order.state == states.OPEN) |
                            ((Order.state == states.ASSIGNED) & (Order.volunteer_id == volunteer_id)))
        .values(state=states.ACCEPTED, volunteer_id=volunteer_id, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"order {order_id} is no longer open", code="order_taken", message="这个订单已经被别人接了。")
    session.refresh(order)
    previous = session.scalar(select(OrderTransition.to_state).where(OrderTransition.order_id == order_id)
                              .order_by(OrderTransition.id.desc()).limit(1))
    session.add(OrderTransition(order_id=order_id, from_state=previous, to_state=states.ACCEPTED,
                                actor=f"person:{volunteer_id}", channel=channel, reason="志愿者接单", at=now))
    for offer in session.scalars(select(Offer).where(Offer.order_id == order_id, Offer.outcome == "pending")):
        offer.outcome = "accepted" if offer.volunteer_id == volunteer_id else "withdrawn"
    emit(session, order_id, "accepted", volunteer_id, at=now)
    session.flush()
    return order


def _release(session: Session, order: Order, offer: Offer, outcome: str, now: datetime) -> None:
    offer.outcome = outcome
    order.volunteer_id = None
    transition(session, order, states.OPEN, actor="system:dispatch" if outcome == "timed_out" else
               f"person:{offer.volunteer_id}", channel="operator",
               reason="派单超时" if outcome == "timed_out" else "志愿者婉拒")
    emit(session, order.id, outcome, offer.volunteer_id, at=now)


def decline(session: Session, order_id: int, volunteer_id: int, *, policy: PolicyProfile, tz: str,
            now: datetime) -> Order:
    order = get_order(session, order_id, for_update=True)
    offer = session.scalar(select(Offer).where(Offer.order_id == order_id, Offer.volunteer_id == volunteer_id,
                                               Offer.outcome == "pending"))
    if offer is None or order.state != states.ASSIGNED:
        raise Conflict(f"order {order_id} has no pending offer for volunteer {volunteer_id}", code="no_offer",
                       message="这个订单没有派给您。")
    _release(session, order, offer, "declined", now)
    offer_next(session, order, policy=policy, tz=tz, now=now)
    return order


@dataclass
class TickReport:
    timed_out: list[int] = field(default_factory=list)
    offered: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def tick(session: Session, *, policy: PolicyProfile, tz: str, now: datetime) -> TickReport:
    """One pass of the dispatcher: expire offers, offer open orders, escalate the long-unmatched."""
    report = TickReport()
    for offer in session.scalars(select(Offer).where(Offer.outcome == "pending", Offer.expires_at <= now)).all():
        order = get_order(session, offer.order_id, for_update=True)
        if order.state == states.ASSIGNED and order.volunteer_id == offer.volunteer_id:
            _release(session, order, offer, "timed_out", now)
            report.timed_out.append(order.id)
        else:
            offer.outcome = "withdrawn"
    open_orders = session.scalars(select(Order).where(Order.state == states.OPEN, Order.start_at > now)
                                  .order_by(Order.start_at)).all()
    for order in open_orders:
        if offer_next(session, order, policy=policy, tz=tz, now=now) is not None:
            report.offered.append(order.id)
    deadline = now - timedelta(minutes=policy.matching.escalate_after_minutes)
    for order in session.scalars(select(Order).where(Order.state.in_((states.OPEN, states.REQUESTED)),
                                                     Order.escalated_at.is_(None), Order.created_at <= deadline)):
        order.escalated_at = now
        emit(session, order.id, "escalated", detail="超时未匹配，转人工处理", at=now)
        report.escalated.append(order.id)
    session.flush()
    return report


def escalated_queue(session: Session, scope_path: str | None = None) -> list[Order]:
    query = select(Order).where(Order.escalated_at.is_not(None), Order.state.in_(states.ACTIVE))
    return list(session.scalars(query.order_by(Order.escalated_at)))


def board(session: Session, volunteer_id: int, *, now: datetime, limit: int = 50) -> list[Order]:
    """Open orders a volunteer could pick: services they offer, within their radius, not yet started."""
    volunteer = get_person(session, volunteer_id)
    profile = session.get(VolunteerProfile, volunteer_id)
    radius = profile.radius_km if profile else 3.0
    offered = select(VolunteerService.service_slug).where(VolunteerService.person_id == volunteer_id)
    rows = session.scalars(select(Order).where(Order.state == states.OPEN, Order.start_at > now,
                                               Order.service_slug.in_(offered), Order.recipient_id != volunteer_id)
                           .order_by(Order.start_at).limit(limit * 4)).all()
    if volunteer.lat is None:
        return list(rows[:limit])
    return [o for o in rows if o.lat is not None and
            haversine_km(volunteer.lat, volunteer.lon, o.lat, o.lon) <= radius][:limit]
