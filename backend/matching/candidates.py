"""Gathering the eligible volunteers for one order, in a handful of indexed queries."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.matching.availability import covers
from backend.matching.geo import bounding_box, cell_ranges, haversine_km
from backend.matching.ranking import Candidate
from backend.models import (AvailabilityException, AvailabilityWindow, Order, Person, Qualification, Rating,
                            VolunteerProfile, VolunteerService)
from backend.orders import states
from backend.people.identity import age_on

MAX_RADIUS_KM = 10.0
# The SQL prefilters must never drop anyone the exact haversine test would keep: bounding_box counts
# 111.32 km per degree where the haversine gives 111.19, and the flat-earth circle below uses 111.0
# and a 2 % wider radius; at city scale the curvature error is far below these margins.
BOX_SLACK = 1.01
FLAT_KM_PER_DEGREE = 111.0
CIRCLE_SLACK = 1.02
BUSY_STATES = (states.ASSIGNED, states.ACCEPTED, states.CHECKED_IN)
WORK_STATES = (states.ACCEPTED, states.CHECKED_IN, states.CHECKED_OUT, states.COMPLETED, states.RATED)


def eligible_candidates(session: Session, order: Order, *, tz: str, exclude: set[int] = frozenset()) -> list[Candidate]:
    """Volunteers who offer the service, hold any required qualification, live within their own
    radius of the address, are available for the whole span and not booked elsewhere in it."""
    if order.lat is None:
        return []
    service = get_service(session, order.service_slug)
    start_utc, end_utc = order.start_at, order.end_at
    local_start, local_end = start_utc.astimezone(ZoneInfo(tz)), end_utc.astimezone(ZoneInfo(tz))
    widest_km = _widest_radius(session)
    lat0, lat1, lon0, lon1 = bounding_box(order.lat, order.lon, min(MAX_RADIUS_KM, widest_km * BOX_SLACK))
    ky, kx = FLAT_KM_PER_DEGREE, FLAT_KM_PER_DEGREE * math.cos(math.radians(order.lat))
    # The box and both circles are tested on the copies of the volunteer's home and radius kept in the
    # index (service_slug, cell, lat, lon, radius_km, person_id), read for the cells round the box only;
    # persons and profiles are read for the volunteers within reach, not for everyone in the box.
    dy, dx = (VolunteerService.lat - order.lat) * ky, (VolunteerService.lon - order.lon) * kx
    reach, widest = VolunteerService.radius_km * CIRCLE_SLACK, widest_km * CIRCLE_SLACK
    cells = [cell for first, last in cell_ranges(lat0, lat1, lon0, lon1) for cell in range(first, last + 1)]
    # A necessary condition for ``covers`` (a weekly slot under way at the start, or an exception that
    # day), so most of the unavailable never leave the database; ``_available`` then decides exactly.
    may_be_free = or_(
        select(AvailabilityWindow.id).where(
            AvailabilityWindow.person_id == Person.id, AvailabilityWindow.weekday == local_start.weekday(),
            AvailabilityWindow.start <= local_start.time(), AvailabilityWindow.end > local_start.time()).exists(),
        select(AvailabilityException.id).where(
            AvailabilityException.person_id == Person.id, AvailabilityException.day == local_start.date()).exists())
    query = (
        select(Person.id, Person.lat, Person.lon, Person.birth_date, VolunteerProfile.radius_km,
               VolunteerProfile.max_open_orders)
        .select_from(VolunteerService)
        .join(Person, Person.id == VolunteerService.person_id)
        .join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
        .where(VolunteerService.service_slug == service.slug, VolunteerService.cell.in_(cells),
               VolunteerService.lat.between(lat0, lat1), VolunteerService.lon.between(lon0, lon1),
               dy * dy + dx * dx <= widest * widest, dy * dy + dx * dx <= reach * reach,
               Person.is_volunteer, Person.status == "verified", VolunteerProfile.active,
               Person.id != order.recipient_id, may_be_free))
    if service.qualification:
        query = query.where(select(Qualification.id).where(
            Qualification.person_id == Person.id, Qualification.kind == service.qualification,
            or_(Qualification.expires_on.is_(None), Qualification.expires_on >= local_start.date())).exists())
    rows = [r for r in session.execute(query) if r.id not in exclude]
    near = {r.id: (r, haversine_km(order.lat, order.lon, r.lat, r.lon)) for r in rows}
    near = {pid: (r, d) for pid, (r, d) in near.items() if d <= r.radius_km}
    # Availability first: it is the sharpest filter, and the remaining queries then ask about few ids.
    ids = sorted(_available(session, list(near), local_start, local_end)) if near else []
    if not ids:
        return []
    busy, load, recent = _order_stats(session, ids, order)
    ratings = _ratings(session, ids)
    today = local_start.date()
    out = []
    for pid in ids:
        row, distance = near[pid]
        if pid in busy or load.get(pid, 0) >= row.max_open_orders:
            continue
        out.append(Candidate(person_id=pid, distance_km=round(distance, 4), radius_km=row.radius_km,
                             age=age_on(row.birth_date, today), recent_minutes=recent.get(pid, 0),
                             rating_avg=ratings.get(pid)))
    return out


def _widest_radius(session: Session) -> float:
    """The widest radius anyone offers (an indexed max). Nobody is farther than that from an order they
    may take, so with typical radii of 1–5 km the search box is a quarter of the capped one or less."""
    return session.scalar(select(func.max(VolunteerProfile.radius_km))) or 0.0


def _available(session: Session, ids: list[int], start: datetime, end: datetime) -> set[int]:
    windows, exceptions = defaultdict(list), defaultdict(list)
    for pid, wd, s, e in session.execute(select(AvailabilityWindow.person_id, AvailabilityWindow.weekday,
                                                AvailabilityWindow.start, AvailabilityWindow.end)
                                         .where(AvailabilityWindow.person_id.in_(ids),
                                                AvailabilityWindow.weekday == start.weekday())):
        windows[pid].append((wd, s, e))
    for pid, day, ok, s, e in session.execute(
            select(AvailabilityException.person_id, AvailabilityException.day, AvailabilityException.available,
                   AvailabilityException.start, AvailabilityException.end)
            .where(AvailabilityException.person_id.in_(ids), AvailabilityException.day == start.date())):
        exceptions[pid].append((day, ok, s, e))
    return {pid for pid in ids if covers(windows[pid], exceptions[pid], start, end)}


def busy_volunteers(session: Session, ids: list[int], start: datetime, end: datetime, order_id: int) -> set[int]:
    return set(session.scalars(select(Order.volunteer_id).where(
        Order.volunteer_id.in_(ids), Order.state.in_(BUSY_STATES), Order.id != order_id,
        Order.start_at < end, Order.end_at > start)))


def _order_stats(session: Session, ids: list[int], order: Order) -> tuple[set[int], dict[int, int], dict[int, int]]:
    """In one pass over the volunteers' orders: who is booked elsewhere during ``order`` (as
    ``busy_volunteers``), how many open orders each holds, and their minutes of work in the 30 days
    before it (accepted or done)."""
    since = order.start_at - timedelta(days=30)
    is_busy = Order.state.in_(BUSY_STATES)
    overlaps = and_(is_busy, Order.id != order.id, Order.start_at < order.end_at, Order.end_at > order.start_at)
    counts = and_(Order.state.in_(WORK_STATES), Order.start_at >= since)
    busy, load, recent = set(), {}, {}
    for pid, clash, open_load, minutes in session.execute(
            select(Order.volunteer_id, func.max(case((overlaps, 1), else_=0)), func.sum(case((is_busy, 1), else_=0)),
                   func.sum(case((counts, Order.duration_minutes), else_=0)))
            .where(Order.volunteer_id.in_(ids)).group_by(Order.volunteer_id)):
        if clash:
            busy.add(pid)
        load[pid], recent[pid] = int(open_load), int(minutes)
    return busy, load, recent


def _ratings(session: Session, ids: list[int]) -> dict[int, float]:
    return {pid: float(avg) for pid, avg in session.execute(
        select(Order.volunteer_id, func.avg(Rating.stars)).join(Rating, Rating.order_id == Order.id)
        .where(Order.volunteer_id.in_(ids), Rating.role == "recipient").group_by(Order.volunteer_id))}


def recipient_age(session: Session, order: Order, on: date) -> int:
    return age_on(session.get(Person, order.recipient_id).birth_date, on)
