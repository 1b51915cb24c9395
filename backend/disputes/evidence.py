"""What is already on file about a disputed order, for the reviewer to weigh beside both statements:
the visit (check-in/out times and how far from the address), the fulfilment checks that held it, the
ratings, the follow-up call, the calls and chats that booked it or carried the complaint, and the
order's ledger entries (with their reversals)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.chats.records import chats_of_order
from backend.models import (Anomaly, Call, CallEvent, Chat, Dispute, FollowUp, LedgerEntry, Order, Rating,
                            ServiceVisit)


@dataclass
class Evidence:
    """``visit``: None when nobody checked in or out; ``entries``: the order's ledger entries, oldest first."""

    visit: ServiceVisit | None
    anomalies: list[Anomaly]
    ratings: list[Rating]
    follow_up: FollowUp | None
    calls: list[Call] = field(default_factory=list)
    chats: list[Chat] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)


def _calls(session: Session, case: Dispute) -> list[Call]:
    booked = select(CallEvent.call_id).where(CallEvent.order_id == case.order_id)
    return list(session.scalars(select(Call).where(or_(Call.id.in_(booked), Call.id == case.call_id))
                                .order_by(Call.started_at)))


def _chats(session: Session, case: Dispute) -> list[Chat]:
    found = {c.id: c for c in chats_of_order(session, case.order_id)}
    if case.chat_id is not None and case.chat_id not in found:
        found[case.chat_id] = session.get(Chat, case.chat_id)
    return sorted(found.values(), key=lambda c: c.id)


def gather(session: Session, case: Dispute) -> Evidence:
    order_id = case.order_id
    return Evidence(
        visit=session.get(ServiceVisit, order_id),
        anomalies=list(session.scalars(select(Anomaly).where(Anomaly.order_id == order_id).order_by(Anomaly.id))),
        ratings=list(session.scalars(select(Rating).where(Rating.order_id == order_id).order_by(Rating.id))),
        follow_up=session.scalar(select(FollowUp).where(FollowUp.order_id == order_id)),
        calls=_calls(session, case), chats=_chats(session, case),
        entries=list(session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                                     .order_by(LedgerEntry.seq))))


def order_of(session: Session, case: Dispute) -> Order:
    return session.get(Order, case.order_id)
