"""A request for a person that is a complaint about a service: which orders it can be about, which side
is complaining, and the conversation it was heard in.

A request is about the orders of the person who asked: services they received (the elder calling), the
services of the elders they act for with consent (the family member in the chat, or calling), and
services they gave (a volunteer calling). Of those, only credited services (``cases.DISPUTABLE``) whose
case is not decided yet can become a case; an order with an open case gets the words added to it.
The operator's scope is applied by the caller (``backend.access.handoffs.open_case``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.chats.records import chat_of_handoff
from backend.disputes import cases
from backend.models import Call, Dispute, FamilyLink, HandoffTicket, Order

SOURCE_OF_CHANNEL = {"chat": "chat", "phone": "phone"}


@dataclass(frozen=True)
class Heard:
    """Where the complaint was heard: ``source`` as a case names it, and the conversation (one of
    ``chat_id`` / ``call_id``, or neither when the conversation was not kept)."""

    source: str
    chat_id: int | None = None
    call_id: int | None = None


def heard(session: Session, ticket: HandoffTicket) -> Heard:
    if ticket.channel == "chat":
        chat = chat_of_handoff(session, ticket)
        return Heard("chat", chat_id=chat.id if chat else None)
    if ticket.channel == "phone":
        call_id = session.scalar(select(Call.id).where(Call.call_sid == ticket.conversation_id))
        return Heard("phone", call_id=call_id)
    return Heard("operator")


def _elders_of(session: Session, person_id: int) -> list[int]:
    """The person and every elder they act for with consent."""
    acting = session.scalars(select(FamilyLink.elder_id).where(FamilyLink.member_id == person_id,
                                                               FamilyLink.consent == "consented"))
    return [person_id, *acting]


def _candidates(session: Session, ticket: HandoffTicket):
    decided = select(Dispute.order_id).where(Dispute.status == "decided")
    return select(Order).where(or_(Order.recipient_id.in_(_elders_of(session, ticket.person_id)),
                                   Order.volunteer_id == ticket.person_id),
                               Order.state.in_(cases.DISPUTABLE), Order.id.not_in(decided))


def candidate_orders(session: Session, ticket: HandoffTicket, *, limit: int = 30) -> list[Order]:
    """The credited services the request can be about, newest first; none for an unknown number."""
    if ticket.person_id is None:
        return []
    return list(session.scalars(_candidates(session, ticket).order_by(Order.start_at.desc(), Order.id.desc())
                                .limit(limit)))


def candidate(session: Session, ticket: HandoffTicket, order_id: int) -> Order | None:
    """The order if the request can be about it (locked for the case), else None."""
    if ticket.person_id is None:
        return None
    return session.scalar(_candidates(session, ticket).where(Order.id == order_id).with_for_update())


def side(ticket: HandoffTicket, order: Order) -> str:
    """The volunteer who served the order complains as the volunteer; anyone else for the elder."""
    return "volunteer" if ticket.person_id is not None and order.volunteer_id == ticket.person_id else "elder"
