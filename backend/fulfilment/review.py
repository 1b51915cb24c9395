"""Patterns worth an operator's look (虚假服务): listed for review, never acted on automatically."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend.models import Anomaly, Order
from backend.orders import states
from backend.policy import PolicyProfile

DONE = (states.COMPLETED, states.RATED, states.HELD)


@dataclass(frozen=True)
class Suspicion:
    kind: str  # frequent_pair | paper_heavy_station
    detail: str
    volunteer_id: int | None = None
    recipient_id: int | None = None
    station_id: int | None = None
    count: int = 0


def suspicious_patterns(session: Session, *, policy: PolicyProfile, now: datetime) -> list[Suspicion]:
    since = now - timedelta(days=30)
    out = []
    pairs = session.execute(
        select(Order.volunteer_id, Order.recipient_id, func.count()).where(
            Order.state.in_(DONE), Order.start_at >= since, Order.volunteer_id.is_not(None))
        .group_by(Order.volunteer_id, Order.recipient_id)
        .having(func.count() >= policy.matching.suspicious_pair_per_30_days))
    for volunteer_id, recipient_id, count in pairs:
        out.append(Suspicion("frequent_pair", f"volunteer {volunteer_id} served elder {recipient_id} {count} times in 30 days",
                             volunteer_id=volunteer_id, recipient_id=recipient_id, count=count))
    paper = session.execute(
        select(Order.station_id, func.count(), func.sum(case((Order.paper_backfill, 1), else_=0))).where(
            Order.state.in_(DONE), Order.start_at >= since).group_by(Order.station_id))
    for station_id, total, on_paper in paper:
        if on_paper and on_paper >= 5 and on_paper * 2 > total:
            out.append(Suspicion("paper_heavy_station", f"station {station_id}: {on_paper} of {total} services back-filled on paper",
                                 station_id=station_id, count=int(on_paper)))
    return out


def held_orders(session: Session) -> list[tuple[Order, list[Anomaly]]]:
    orders = session.scalars(select(Order).where(Order.state == states.HELD).order_by(Order.updated_at)).all()
    return [(o, list(session.scalars(select(Anomaly).where(Anomaly.order_id == o.id)))) for o in orders]
