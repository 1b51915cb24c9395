"""Today's services in an operator's subtree and how each stands, worst first.

``status_of`` is the one rule (a pure function of the order, its visit and the clock):

- ``no_check_in``: accepted, the start more than ``GRACE`` ago, nobody checked in (过了开始时间没签到);
- ``location``: checked in farther from the address than the policy's check-in limit (签到位置异常);
- ``overrunning``: checked in for longer than planned plus ``GRACE`` without checking out (超时未签退);
- ``late``: checked in more than ``GRACE`` after the start (迟到签到);
- ``unassigned``: nobody has accepted it yet (还没有志愿者);
- ``under_way`` / ``upcoming`` / ``held`` / ``done``: nothing to act on.

Scope is the operator's station path, as everywhere (``backend.access.scope``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.access.principal import Principal
from backend.models import Order, ServiceVisit, Station
from backend.orders import states
from backend.policy import PolicyProfile

GRACE = timedelta(minutes=15)  # a volunteer a few minutes late is not yet a case for the desk
SEVERITY = ("no_check_in", "location", "overrunning", "late", "unassigned", "under_way", "upcoming", "held", "done")
PROBLEMS = frozenset(SEVERITY[:5])
SHOWN = (states.OPEN, states.ASSIGNED, states.ACCEPTED, states.CHECKED_IN, states.CHECKED_OUT, states.HELD,
         states.COMPLETED, states.RATED)


@dataclass(frozen=True)
class Finding:
    """``kind``: one of ``SEVERITY``; ``minutes``: how late, how far over (0 when it says nothing);
    ``metres``: how far from the address (location only)."""

    kind: str
    minutes: int = 0
    metres: int = 0


@dataclass(frozen=True)
class Row:
    order: Order
    visit: ServiceVisit | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.findings[0].kind

    @property
    def needs_action(self) -> bool:
        return self.status in PROBLEMS


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def status_of(order: Order, visit: ServiceVisit | None, *, now: datetime, max_distance_m: float) -> list[Finding]:
    """Everything that applies, worst first (never empty)."""
    found: list[Finding] = []
    checked_in = visit.check_in_at if visit else None
    if order.state in (states.OPEN, states.ASSIGNED):
        found.append(Finding("unassigned"))
    elif order.state == states.ACCEPTED:
        overdue = now - order.start_at
        found.append(Finding("no_check_in", _minutes(overdue)) if overdue > GRACE else Finding("upcoming"))
    elif order.state == states.CHECKED_IN and checked_in is not None:
        if visit.check_in_distance_m is not None and visit.check_in_distance_m > max_distance_m:
            found.append(Finding("location", metres=round(visit.check_in_distance_m)))
        over = now - (checked_in + timedelta(minutes=order.duration_minutes))
        if over > GRACE:
            found.append(Finding("overrunning", _minutes(over)))
        if checked_in - order.start_at > GRACE:
            found.append(Finding("late", _minutes(checked_in - order.start_at)))
        found.append(Finding("under_way"))
    else:
        found.append(Finding("held" if order.state == states.HELD else "done"))
    return sorted(found, key=lambda f: SEVERITY.index(f.kind))


def today_bounds(now: datetime, tz: str) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def board(session: Session, who: Principal, *, now: datetime, tz: str, policy: PolicyProfile,
          limit: int = 300) -> list[Row]:
    """Services due today (local day) in scope, and any still under way or not checked in from the last
    12 hours, worst first, then by start."""
    day_start, day_end = today_bounds(now, tz)
    inside = Station.path.startswith(who.scope_path, autoescape=True)
    due_today = and_(Order.start_at >= day_start, Order.start_at < day_end)
    left_over = and_(Order.state.in_((states.ACCEPTED, states.CHECKED_IN)), Order.start_at >= now - timedelta(hours=12),
                     Order.start_at < day_end)
    rows = session.execute(select(Order, ServiceVisit).join(Station, Station.id == Order.station_id)
                           .outerjoin(ServiceVisit, ServiceVisit.order_id == Order.id)
                           .where(inside, Order.state.in_(SHOWN), or_(due_today, left_over))
                           .order_by(Order.start_at, Order.id).limit(limit)).all()
    limit_m = policy.matching.checkin_max_distance_m
    out = [Row(order, visit, status_of(order, visit, now=now, max_distance_m=limit_m)) for order, visit in rows]
    return sorted(out, key=lambda r: (SEVERITY.index(r.status), r.order.start_at, r.order.id))


def counts(rows: list[Row]) -> dict[str, int]:
    found = {kind: 0 for kind in SEVERITY}
    for row in rows:
        found[row.status] += 1
    return found
