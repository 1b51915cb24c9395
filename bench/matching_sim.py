"""The matching benchmark's in-memory city: the same eligibility as ``candidates.py``, and a dispatch simulation.

``World.load`` reads everything ``eligible_candidates`` reads (volunteers, profiles, services,
qualifications, weekly windows, exceptions, busy and worked orders, ratings) once, and
``World.candidates`` applies the same rules in the same order, building the same ``Candidate``
records, so ``backend.matching.ranking.rank`` can be reused unchanged. The benchmark checks the
two agree on a sample of orders before trusting the simulation.

``simulate`` dispatches orders in the order they were requested (``created_at``). A volunteer's
open load is the number of accepted orders not yet ended at that moment (ended ones count as
completed); overlapping orders are refused; accepted work counts toward the fairness term at once,
as it does in the database (accepted is a work state).
"""
from __future__ import annotations

import math
import random
from bisect import insort
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.matching.availability import covers
from backend.matching.candidates import BUSY_STATES, MAX_RADIUS_KM, WORK_STATES
from backend.matching.geo import bounding_box, haversine_km
from backend.matching.ranking import Candidate, rank
from backend.models import (AvailabilityException, AvailabilityWindow, Order, Person, Qualification, Rating,
                            ServiceItem, VolunteerProfile, VolunteerService)
from backend.people.identity import age_on


@dataclass
class OpenOrder:
    id: int
    recipient_id: int
    recipient_birth: date
    slug: str
    lat: float
    lon: float
    start_at: datetime
    end_at: datetime
    created_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


@dataclass
class Ledger:
    """Dynamic per-volunteer state: accepted (start, end, order id) spans and worked (start, minutes)."""

    busy: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    work: dict[int, list] = field(default_factory=lambda: defaultdict(list))

    def copy(self) -> "Ledger":
        new = Ledger()
        new.busy.update({k: list(v) for k, v in self.busy.items()})
        new.work.update({k: list(v) for k, v in self.work.items()})
        return new

    def take(self, pid: int, order: OpenOrder) -> None:
        insort(self.busy[pid], (order.start_at, order.end_at, order.id))
        self.work[pid].append((order.start_at, order.minutes))


class World:
    def __init__(self, tz: str):
        self.tz = ZoneInfo(tz)

    def load(self, session: Session) -> "World":
        rows = session.execute(
            select(Person.id, Person.lat, Person.lon, Person.birth_date, VolunteerProfile.radius_km,
                   VolunteerProfile.max_open_orders)
            .join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
            .where(Person.is_volunteer, Person.status == "verified", VolunteerProfile.active,
                   Person.lat.is_not(None))).all()
        self.pids = np.array([r.id for r in rows])
        self.lat = np.array([r.lat for r in rows])
        self.lon = np.array([r.lon for r in rows])
        self.radius = np.array([r.radius_km for r in rows])
        self.info = {r.id: r for r in rows}
        index = {pid: i for i, pid in enumerate(self.pids.tolist())}
        by_slug = defaultdict(list)
        for pid, slug in session.execute(select(VolunteerService.person_id, VolunteerService.service_slug)):
            if pid in index:
                by_slug[slug].append(index[pid])
        self.by_slug = {s: np.array(sorted(ix)) for s, ix in by_slug.items()}
        self.qualification = dict(session.execute(select(ServiceItem.slug, ServiceItem.qualification)).all())
        self.quals = defaultdict(list)
        for pid, kind, expires in session.execute(select(Qualification.person_id, Qualification.kind,
                                                         Qualification.expires_on)):
            self.quals[pid].append((kind, expires))
        self.windows = defaultdict(list)
        for pid, wd, s, e in session.execute(select(AvailabilityWindow.person_id, AvailabilityWindow.weekday,
                                                    AvailabilityWindow.start, AvailabilityWindow.end)):
            self.windows[pid, wd].append((wd, s, e))
        self.exceptions = defaultdict(list)
        for pid, day, ok, s, e in session.execute(select(
                AvailabilityException.person_id, AvailabilityException.day, AvailabilityException.available,
                AvailabilityException.start, AvailabilityException.end)):
            self.exceptions[pid, day].append((day, ok, s, e))
        self.initial = Ledger()
        for oid, vid, st, s, e, minutes in session.execute(select(
                Order.id, Order.volunteer_id, Order.state, Order.start_at, Order.end_at, Order.duration_minutes)
                .where(Order.volunteer_id.is_not(None))):
            if st in BUSY_STATES:
                insort(self.initial.busy[vid], (s, e, oid))
            if st in WORK_STATES:
                self.initial.work[vid].append((s, minutes))
        self.ratings = {pid: float(avg) for pid, avg in session.execute(
            select(Order.volunteer_id, func.avg(Rating.stars)).join(Rating, Rating.order_id == Order.id)
            .where(Order.volunteer_id.is_not(None), Rating.role == "recipient").group_by(Order.volunteer_id))}
        return self

    def open_orders(self, session: Session, ids: list[int]) -> list[OpenOrder]:
        out = []
        for o, birth in session.execute(select(Order, Person.birth_date).join(Person, Person.id == Order.recipient_id)
                                        .where(Order.id.in_(ids))):
            out.append(OpenOrder(o.id, o.recipient_id, birth, o.service_slug, o.lat, o.lon, o.start_at, o.end_at,
                                 o.created_at))
        return sorted(out, key=lambda o: (o.created_at, o.id))

    def static(self, order: OpenOrder) -> list[tuple[int, float]]:
        """(person id, km) of volunteers eligible for ``order`` whatever else they have taken on."""
        ix = self.by_slug.get(order.slug)
        if ix is None or not len(ix):
            return []
        local_start, local_end = order.start_at.astimezone(self.tz), order.end_at.astimezone(self.tz)
        lat0, lat1, lon0, lon1 = bounding_box(order.lat, order.lon, MAX_RADIUS_KM)
        lat, lon = self.lat[ix], self.lon[ix]
        ix = ix[(lat >= lat0) & (lat <= lat1) & (lon >= lon0) & (lon <= lon1)]
        # A vectorised, slightly generous distance filter; the exact test below uses the same function as the backend.
        p1, p2 = np.radians(order.lat), np.radians(self.lat[ix])
        a = (np.sin((p2 - p1) / 2) ** 2 +
             math.cos(p1) * np.cos(p2) * np.sin(np.radians(self.lon[ix] - order.lon) / 2) ** 2)
        rough = 2 * 6371.0088 * np.arcsin(np.sqrt(a))
        kind = self.qualification.get(order.slug)
        day = local_start.date()
        out = []
        for i in ix[rough <= self.radius[ix] + 0.01].tolist():
            pid = int(self.pids[i])
            info = self.info[pid]
            if pid == order.recipient_id:
                continue
            if kind and not any(k == kind and (exp is None or exp >= day) for k, exp in self.quals.get(pid, ())):
                continue
            d = haversine_km(order.lat, order.lon, info.lat, info.lon)
            if d > info.radius_km:
                continue
            if covers(self.windows.get((pid, local_start.weekday()), ()), self.exceptions.get((pid, day), ()),
                      local_start, local_end):
                out.append((pid, d))
        return out

    def candidates(self, order: OpenOrder, eligible: list[tuple[int, float]], ledger: Ledger,
                   now: datetime | None) -> list[Candidate]:
        """``eligible`` minus the busy and the fully loaded; load counts accepted orders not ended by ``now``
        (all of them when ``now`` is None, which is what the database sees)."""
        since = order.start_at - timedelta(days=30)
        today = order.start_at.astimezone(self.tz).date()
        out = []
        for pid, d in eligible:
            spans = ledger.busy.get(pid, ())
            if any(s < order.end_at and e > order.start_at and oid != order.id for s, e, oid in spans):
                continue
            info = self.info[pid]
            load = sum(1 for _s, e, _o in spans if now is None or e > now)
            if load >= info.max_open_orders:
                continue
            recent = sum(m for s, m in ledger.work.get(pid, ()) if s >= since)
            out.append(Candidate(person_id=pid, distance_km=round(d, 4), radius_km=info.radius_km,
                                 age=age_on(info.birth_date, today), recent_minutes=recent,
                                 rating_avg=self.ratings.get(pid)))
        return out

    def recipient_age(self, order: OpenOrder) -> int:
        return age_on(order.recipient_birth, order.start_at.date())


STRATEGIES = ("random", "nearest", "yinling")


def choose(strategy: str, candidates: list[Candidate], world: World, order: OpenOrder, rng: random.Random,
           prefer_pairs: bool) -> Candidate:
    if strategy == "random":
        return rng.choice(sorted(candidates, key=lambda c: c.person_id))
    if strategy == "nearest":
        return min(candidates, key=lambda c: (c.distance_km, c.person_id))
    return rank(candidates, recipient_age=world.recipient_age(order), prefer_pairs=prefer_pairs)[0].candidate


def simulate(world: World, orders: list[OpenOrder], eligible: dict[int, list], strategy: str, *,
             prefer_pairs: bool, seed: int = 11) -> dict:
    rng = random.Random(seed)
    ledger = world.initial.copy()
    minutes: dict[int, int] = defaultdict(int)
    distances, no_one, all_taken, pairs_80, orders_80 = [], 0, 0, 0, 0
    for order in orders:
        if not eligible[order.id]:
            no_one += 1
            continue
        cands = world.candidates(order, eligible[order.id], ledger, order.created_at)
        if not cands:
            all_taken += 1
            continue
        pick = choose(strategy, cands, world, order, rng, prefer_pairs)
        ledger.take(pick.person_id, order)
        minutes[pick.person_id] += order.minutes
        distances.append(pick.distance_km)
        if world.recipient_age(order) >= 80:
            orders_80 += 1
            pairs_80 += 60 <= pick.age < 80
    everyone = [minutes.get(pid, 0) / 60 for pid in world.info]
    working = [h for h in everyone if h > 0]
    n = len(orders)
    return {
        "strategy": strategy, "orders": n, "filled": len(distances) / n, "unfilled": (no_one + all_taken) / n,
        "unfilled_no_eligible": no_one / n, "unfilled_all_busy": all_taken / n,
        "mean_km": float(np.mean(distances)) if distances else float("nan"),
        "p95_km": float(np.percentile(distances, 95)) if distances else float("nan"),
        "gini_all": gini(everyone), "gini_working": gini(working), "volunteers_working": len(working),
        "volunteers_all": len(everyone), "max_hours": max(everyone, default=0.0),
        "pair_share_80": pairs_80 / orders_80 if orders_80 else float("nan"),
    }


def gini(values: list[float]) -> float:
    """0 = everyone has the same hours, 1 = one volunteer has them all."""
    x = np.sort(np.asarray(values, dtype=float))
    if not len(x) or x.sum() == 0:
        return 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum()))
