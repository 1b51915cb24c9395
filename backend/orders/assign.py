"""Manual assignment (人工派单): an operator offers an order to a volunteer chosen from the ranked
candidates, instead of the dispatcher's first choice.

The offer is the dispatcher's own kind (an ``Offer`` row that expires after the policy's timeout,
the order ASSIGNED to the volunteer, an "offered" event), so accepting, declining and timing out
work exactly as for an automatic offer. Only volunteers the ranking lists for the order right now
(``dispatch.ranked_candidates``, the same list as GET /orders/{id}/candidates) can be chosen.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import IllegalTransition, InvalidInput
from backend.matching.dispatch import emit, ranked_candidates
from backend.matching.ranking import in_words
from backend.models import Offer, Order, Person
from backend.orders import states
from backend.orders.service import get_order, transition
from backend.policy import PolicyProfile

ASSIGNABLE = (states.OPEN, states.ASSIGNED)


def assign_volunteer(session: Session, order_id: int, volunteer_id: int, *, policy: PolicyProfile, tz: str,
                     now: datetime, actor: str, reason: str | None = None) -> Offer:
    """Offer the order to ``volunteer_id``; a pending offer to someone else is withdrawn first.

    Asking again for the volunteer who already holds the pending offer changes nothing and returns
    that offer, so a form submitted twice makes one offer.
    """
    order = get_order(session, order_id, for_update=True)
    pending = list(session.scalars(select(Offer).where(Offer.order_id == order.id, Offer.outcome == "pending")))
    if order.state == states.ASSIGNED and order.volunteer_id == volunteer_id:
        same = [offer for offer in pending if offer.volunteer_id == volunteer_id]
        if same:
            return same[0]
    if order.state not in ASSIGNABLE:
        raise IllegalTransition(f"order {order.id} is {order.state}; only open or assigned orders are assigned",
                                message=f"订单{states.STATE_ZH.get(order.state, order.state)}，不能派单。")
    ranked = {r.candidate.person_id: r for r in ranked_candidates(session, order, policy=policy, tz=tz)}
    choice = ranked.get(volunteer_id)
    if choice is None:
        raise InvalidInput(f"volunteer {volunteer_id} is not among the ranked candidates of order {order.id}",
                           code="not_a_candidate", message="这位志愿者现在不能接这个订单，请从候选名单里选。")
    if order.state == states.ASSIGNED:
        for offer in pending:
            offer.outcome = "withdrawn"
            emit(session, order.id, "withdrawn", offer.volunteer_id, detail="人工改派", at=now)
        order.volunteer_id = None
        transition(session, order, states.OPEN, actor=actor, channel="operator", reason="人工改派，收回原派单")
    offer = Offer(order_id=order.id, volunteer_id=volunteer_id, rank_score=choice.score, offered_at=now,
                  expires_at=now + timedelta(minutes=policy.matching.offer_timeout_minutes))
    session.add(offer)
    order.volunteer_id = volunteer_id
    note = f"人工派单给{session.get(Person, volunteer_id).name}：{in_words(choice)}"
    transition(session, order, states.ASSIGNED, actor=actor, channel="operator",
               reason=f"{note}：{reason.strip()}" if reason and reason.strip() else note)
    emit(session, order.id, "offered", volunteer_id, detail="人工派单", at=now)
    session.flush()
    return offer


def release(session: Session, order_id: int, *, actor: str, reason: str, now: datetime) -> tuple[Order, int]:
    """An accepted order whose volunteer did not come (or cannot) goes back to open, for dispatch or a
    manual assignment; returns the order and the volunteer released."""
    if not reason.strip():
        raise InvalidInput("releasing needs a reason", code="reason_required", message="请写明改派原因。")
    order = get_order(session, order_id, for_update=True)
    if order.state != states.ACCEPTED:
        raise IllegalTransition(f"order {order_id} is {order.state}; only an accepted order is released",
                                message=f"订单{states.STATE_ZH.get(order.state, order.state)}，不能改派。")
    released = order.volunteer_id
    order.volunteer_id = None
    transition(session, order, states.OPEN, actor=actor, channel="operator", reason=f"改派：{reason.strip()}")
    emit(session, order.id, "withdrawn", released, detail=f"改派：{reason.strip()}", at=now)
    return order, released
