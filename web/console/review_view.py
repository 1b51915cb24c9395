"""Read side of the review queue (审核): orders held by the fulfilment checks, low ratings and
complaints not yet dealt with, and suspicious patterns, all within the operator's subtree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy.orm import Session

from backend.access.orders import KEEP_ACTION  # "looked at it, nothing to do": takes a low rating off the queue
from backend.access.scope import sees_suspicion
from backend.fulfilment.ratings import LOW_RATING
from backend.fulfilment.review import suspicious_patterns
from backend.models import Account, Anomaly, AuditEntry, Order, Person, Rating, Station
from backend.orders import states
from backend.policy import PolicyProfile
from web.console.deps import ConsoleOperator
from web.console.pagekit import scope_clause

RATING_DAYS = 90


def balance(session: Session, person_id: int | None) -> int | None:
    """A person's balance in minutes, read without opening an account (None: no person)."""
    if person_id is None:
        return None
    return session.scalar(select(Account.balance).where(Account.person_id == person_id)) or 0


def held(session: Session, current: ConsoleOperator) -> list[tuple[Order, list[Anomaly]]]:
    orders = session.scalars(select(Order).join(Station, Station.id == Order.station_id)
                             .where(scope_clause(current), Order.state == states.HELD).order_by(Order.updated_at))
    return [(o, list(session.scalars(select(Anomaly).where(Anomaly.order_id == o.id).order_by(Anomaly.id))))
            for o in orders]


def low_ratings(session: Session, current: ConsoleOperator, now: datetime) -> list[tuple[Rating, Order]]:
    """Recipient ratings of LOW_RATING stars or less, or complaints, on services still credited,
    newest first, minus those an operator already marked as needing nothing."""
    kept = select(AuditEntry.target).where(AuditEntry.action == KEEP_ACTION)
    rows = session.execute(
        select(Rating, Order).join(Order, Order.id == Rating.order_id).join(Station, Station.id == Order.station_id)
        .where(scope_clause(current), Rating.role == "recipient", or_(Rating.stars <= LOW_RATING, Rating.complaint),
               Order.state.in_((states.COMPLETED, states.RATED)), Rating.at >= now - timedelta(days=RATING_DAYS),
               (literal("order:", String) + cast(Order.id, String)).not_in(kept))
        .order_by(Rating.at.desc()))
    return [(rating, order) for rating, order in rows]


@dataclass
class Pattern:
    kind_zh: str
    text: str
    volunteer_id: int | None
    recipient_id: int | None


def patterns(session: Session, current: ConsoleOperator, *, policy: PolicyProfile, now: datetime) -> list[Pattern]:
    """The backend's suspicious patterns, worded in Chinese, only those about people or stations in scope."""
    out = []
    for s in suspicious_patterns(session, policy=policy, now=now):
        if not sees_suspicion(session, current.principal, s):
            continue
        if s.kind == "frequent_pair":
            elder, volunteer = session.get(Person, s.recipient_id), session.get(Person, s.volunteer_id)
            out.append(Pattern("同一对人频繁服务", f"志愿者{volunteer.name}近30天为老人{elder.name}服务了{s.count}次",
                               s.volunteer_id, s.recipient_id))
        elif s.kind == "paper_heavy_station":
            station = session.get(Station, s.station_id)
            out.append(Pattern("补登比例过高", f"{station.name}近30天有{s.count}条服务是纸质补登，超过一半", None, None))
    return out
