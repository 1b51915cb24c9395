"""Ratings (互评) and the follow-up call queue (回访). A rating marked as a complaint also opens a
dispute on the order (``backend.disputes``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from backend.disputes.cases import from_rating
from backend.fulfilment.completion import queue_follow_up
from backend.models import FamilyLink, FollowUp, Order, Rating
from backend.orders import states
from backend.orders.service import get_order, transition

LOW_RATING = 2


def _role_of(session: Session, order: Order, person_id: int) -> str:
    if person_id == order.volunteer_id:
        return "volunteer"
    if person_id in (order.recipient_id, order.requested_by_id):
        return "recipient"
    consented = session.scalar(select(FamilyLink.id).where(
        FamilyLink.elder_id == order.recipient_id, FamilyLink.member_id == person_id, FamilyLink.consent == "consented"))
    if consented is not None:
        return "recipient"
    raise Forbidden(f"person {person_id} took no part in order {order.id}", code="not_your_order",
                    message="您不能评价这个订单。")


def rate(session: Session, order_id: int, *, by_person_id: int, stars: int, comment: str | None,
         complaint: bool, channel: str, at: datetime) -> Rating:
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(f"stars must be 1-5, got {stars!r}", code="invalid_rating", message="请打一到五颗星。")
    order = get_order(session, order_id, for_update=True)
    if order.state not in (states.COMPLETED, states.RATED):
        raise IllegalTransition(f"order {order_id} is {order.state}; only completed services are rated",
                                message="服务完成后才能评价。")
    role = _role_of(session, order, by_person_id)
    if session.scalar(select(Rating.id).where(Rating.order_id == order_id, Rating.role == role)) is not None:
        raise Conflict(f"order {order_id} already has a {role} rating", code="already_rated", message="已经评价过了。")
    rating = Rating(order_id=order_id, by_person_id=by_person_id, role=role, stars=stars, comment=comment,
                    complaint=complaint, at=at)
    session.add(rating)
    if role == "recipient":
        if order.state == states.COMPLETED:
            transition(session, order, states.RATED, actor=f"person:{by_person_id}", channel=channel,
                       reason=f"评价{stars}星")
        if complaint:
            queue_follow_up(session, order_id, "complaint")
        elif stars <= LOW_RATING:
            queue_follow_up(session, order_id, "low_rating")
    session.flush()
    if complaint:  # either side's complaint becomes a case on the order (纠纷处理)
        from_rating(session, order, role=role, stars=stars, comment=comment, by_person_id=by_person_id, now=at)
    return rating


def follow_up_queue(session: Session, status: str = "pending") -> list[FollowUp]:
    priority = {"complaint": 0, "low_rating": 1, "sample": 2}
    rows = list(session.scalars(select(FollowUp).where(FollowUp.status == status)))
    return sorted(rows, key=lambda f: (priority.get(f.reason, 9), f.created_at))


def record_follow_up(session: Session, follow_up_id: int, *, operator_id: int, outcome: str, at: datetime) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise InvalidInput(f"follow-up {follow_up_id} does not exist", code="not_found")
    if not outcome.strip():
        raise InvalidInput("record what the elder said", code="outcome_required", message="请填写回访结果。")
    follow_up.status, follow_up.outcome, follow_up.operator_id, follow_up.done_at = "done", outcome, operator_id, at
    session.flush()
    return follow_up
