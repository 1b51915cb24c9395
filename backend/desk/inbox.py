"""The inbox's read side: counts of what waits in an operator's subtree, the requests for a person and
the disputes.

Scope is the operator's station path, as everywhere (``backend.access.scope``): records without a
station (an unknown number's request) belong to the city-level operators only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from backend.access.principal import Principal
from backend.models import Dispute, FamilyLink, FollowUp, HandoffTicket, Order, Person, Registration, Station
from backend.orders import states

WAITING = ("open", "claimed")


def _in_scope(who: Principal, station_column):
    inside = Station.path.startswith(who.scope_path, autoescape=True)
    return or_(inside, station_column.is_(None)) if who.city_level else inside


@dataclass(frozen=True)
class Counts:
    """What waits: ``handoffs`` (open or claimed requests for a person; ``unclaimed`` of them nobody took),
    ``reviews`` (services held for a reviewer), ``registrations``, ``family_links`` (to verify), ``followups``,
    ``disputes`` (complaints open as cases)."""

    handoffs: int
    unclaimed: int
    reviews: int
    registrations: int
    family_links: int
    followups: int
    disputes: int = 0

    @property
    def total(self) -> int:
        return self.handoffs + self.reviews + self.registrations + self.family_links + self.followups + self.disputes


def counts(session: Session, who: Principal) -> Counts:
    def count(query) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    tickets = (select(HandoffTicket.id, HandoffTicket.status).outerjoin(Station, Station.id == HandoffTicket.station_id)
               .where(_in_scope(who, HandoffTicket.station_id), HandoffTicket.status.in_(WAITING)))
    elder = aliased(Person)
    return Counts(
        handoffs=count(tickets),
        unclaimed=count(tickets.where(HandoffTicket.status == "open")),
        reviews=count(select(Order.id).join(Station, Station.id == Order.station_id)
                      .where(_in_scope(who, Order.station_id), Order.state == states.HELD)),
        registrations=count(select(Registration.id).outerjoin(Station, Station.id == Registration.station_id)
                            .where(_in_scope(who, Registration.station_id), Registration.status == "pending")),
        family_links=count(select(FamilyLink.id).join(elder, elder.id == FamilyLink.elder_id)
                           .join(Station, Station.id == elder.station_id)
                           .where(_in_scope(who, elder.station_id), FamilyLink.consent == "pending")),
        followups=count(select(FollowUp.id).join(Order, Order.id == FollowUp.order_id)
                        .join(Station, Station.id == Order.station_id)
                        .where(_in_scope(who, Order.station_id), FollowUp.status == "pending")),
        disputes=count(select(Dispute.id).join(Station, Station.id == Dispute.station_id)
                       .where(_in_scope(who, Dispute.station_id), Dispute.status == "open")),
    )


def disputes(session: Session, who: Principal, *, waiting: bool = True, limit: int = 100) -> list[Dispute]:
    """Cases in scope: open ones oldest first, or the decided ones newest first."""
    query = select(Dispute).join(Station, Station.id == Dispute.station_id).where(_in_scope(who, Dispute.station_id))
    if waiting:
        query = query.where(Dispute.status == "open").order_by(Dispute.opened_at, Dispute.id)
    else:
        query = query.where(Dispute.status == "decided").order_by(Dispute.decided_at.desc(), Dispute.id.desc())
    return list(session.scalars(query.limit(limit)))


def handoffs(session: Session, who: Principal, *, waiting: bool = True, limit: int = 100) -> list[HandoffTicket]:
    """Requests for a person in scope: waiting ones oldest first (the longest wait on top), or the
    resolved ones newest first."""
    query = (select(HandoffTicket).outerjoin(Station, Station.id == HandoffTicket.station_id)
             .where(_in_scope(who, HandoffTicket.station_id)))
    if waiting:
        query = query.where(HandoffTicket.status.in_(WAITING)).order_by(HandoffTicket.created_at, HandoffTicket.id)
    else:
        query = query.where(HandoffTicket.status == "resolved").order_by(HandoffTicket.resolved_at.desc())
    return list(session.scalars(query.limit(limit)))


def transcript(ticket: HandoffTicket) -> list[dict]:
    """The conversation so far as the assistant sent it: [{speaker: caller|assistant, text, at}]."""
    try:
        turns = json.loads(ticket.transcript_json or "[]")
    except ValueError:
        return []
    return [t for t in turns if isinstance(t, dict) and t.get("text")]


def waited_minutes(ticket: HandoffTicket, now: datetime) -> int:
    """How long the person has waited: until claimed, or until now."""
    until = ticket.claimed_at or ticket.resolved_at or now
    return max(0, int((until - ticket.created_at).total_seconds() // 60))


def requests_of(session: Session, person_id: int, *, since: datetime) -> list[HandoffTicket]:
    """A member's own requests for a person: every unresolved one, and those resolved since ``since``."""
    return list(session.scalars(select(HandoffTicket).where(
        HandoffTicket.person_id == person_id,
        or_(HandoffTicket.status.in_(WAITING), HandoffTicket.resolved_at >= since))
        .order_by(HandoffTicket.created_at.desc()).limit(5)))
