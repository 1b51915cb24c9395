"""The dashboard's numbers for one station subtree and one period (the last 7, 30 or 90 days).

Definitions (also shown under the page's table, so an operator reads the same thing the code does):
- elders / volunteers: people registered at a station in the subtree with that role, closed accounts
  excluded (a person may be both);
- hours served: minutes served by completed or rated orders (paper back-fills included) whose service
  started in the period;
- orders by state: orders created in the period, by their current state;
- satisfaction: elders' ratings given in the period: their count, average stars, and the share of low
  ratings (``LOW_RATING`` stars or fewer);
- unmatched rate: of the orders created in the period that went through matching (paper back-fills did
  not), the share that expired or waited past the escalation time for an operator.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.fulfilment.ratings import LOW_RATING
from backend.models import Order, Person, Rating, Station
from backend.orders import states

PERIODS = (7, 30, 90)
SERVED_STATES = (states.COMPLETED, states.RATED)


@dataclass
class DashboardStats:
    days: int
    elders: int
    volunteers: int
    served_minutes: int
    served_by_day: list[tuple[date, int]]
    orders_by_state: dict[str, int]
    orders_created: int
    ratings: int
    rating_avg: float | None
    low_ratings: int
    stars: dict[int, int] = field(default_factory=dict)
    matched_orders: int = 0  # orders created in the period that went through matching
    unmatched_orders: int = 0

    @property
    def low_share(self) -> float | None:
        return self.low_ratings / self.ratings if self.ratings else None

    @property
    def unmatched_rate(self) -> float | None:
        return self.unmatched_orders / self.matched_orders if self.matched_orders else None


def _in_subtree(path: str):
    return Station.path.startswith(path)


def _people(session: Session, path: str, role) -> int:
    return session.scalar(select(func.count()).select_from(Person).join(Station, Station.id == Person.station_id)
                          .where(_in_subtree(path), role, Person.status != "closed")) or 0


def compute(session: Session, path: str, days: int, *, now: datetime, tz: str) -> DashboardStats:
    since = now - timedelta(days=days)
    zone = ZoneInfo(tz)
    orders = select(Order).join(Station, Station.id == Order.station_id).where(_in_subtree(path))

    served = session.execute(select(Order.start_at, Order.served_minutes).join(Station, Station.id == Order.station_id)
                             .where(_in_subtree(path), Order.state.in_(SERVED_STATES), Order.start_at >= since)).all()
    per_day: Counter[date] = Counter()
    for start, minutes in served:
        per_day[start.astimezone(zone).date()] += minutes or 0
    first = since.astimezone(zone).date()
    last = max([now.astimezone(zone).date(), *per_day])
    served_by_day = [(first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0))
                     for i in range((last - first).days + 1)]

    created = orders.where(Order.created_at >= since).subquery()
    by_state = dict(session.execute(select(created.c.state, func.count()).group_by(created.c.state)).all())
    matched = session.scalar(select(func.count()).select_from(created).where(created.c.paper_backfill.is_(False))) or 0
    unmatched = session.scalar(select(func.count()).select_from(created).where(
        created.c.paper_backfill.is_(False),
        or_(created.c.state == states.EXPIRED, created.c.escalated_at.is_not(None)))) or 0

    stars = dict(session.execute(
        select(Rating.stars, func.count()).join(Order, Order.id == Rating.order_id)
        .join(Station, Station.id == Order.station_id)
        .where(_in_subtree(path), Rating.role == "recipient", Rating.at >= since).group_by(Rating.stars)).all())
    rated = sum(stars.values())
    return DashboardStats(
        days=days, elders=_people(session, path, Person.is_elder), volunteers=_people(session, path, Person.is_volunteer),
        served_minutes=sum(minutes for _, minutes in served_by_day), served_by_day=served_by_day,
        orders_by_state={s: int(by_state.get(s, 0)) for s in states.STATE_ZH if by_state.get(s)},
        orders_created=sum(by_state.values()), ratings=rated,
        rating_avg=sum(s * n for s, n in stars.items()) / rated if rated else None,
        low_ratings=sum(n for s, n in stars.items() if s <= LOW_RATING),
        stars={s: int(stars.get(s, 0)) for s in range(1, 6)}, matched_orders=matched, unmatched_orders=unmatched)
