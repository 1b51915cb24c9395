"""Gathering the eligible volunteers for one order, in a handful of indexed queries."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.matching.availability import covers
from backend.matching.geo import bounding_box, haversine_km
from backend.matching.ranking import Candidate
from backend.models import (AvailabilityException, AvailabilityWindow, Order, Person, Qualification, Rating,
                            VolunteerProfile, VolunteerService)
from backend.orders import states
from backend.people.identity import age_on

MAX_RADIUS_KM = 10.0
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
    lat0, lat1, lon0, lon1 = bounding_box(order.lat, order.lon, MAX_RADIUS_KM)
    query = (
        select(Person.id, Person.lat, Person.lon, Person.birth_date, VolunteerProfile.radius_km,
               VolunteerProfile.max_open_orders)
        .join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
        .join(VolunteerService, and_(VolunteerService.person_id == Person.id,
                                     VolunteerService.service_slug == service.slug))
        .where(Person.is_volunteer, Person.status == "verified", VolunteerProfile.active,
               Person.id != order.recipient_id, Person.lat.between(lat0, lat1), Person.lon.between(lon0, lon1)))
    if service.qualification:
        query = query.where(select(Qualification.id).where(
            Qualification.person_id == Person.id, Qualification.kind == service.qualification,
            or_(Qualification.expires_on.is_(None), Qualification.expires_on >= local_start.date())).exists())
    rows = [r for r in session.execute(query) if r.id not in exclude]
    near = {r.id: (r, haversine_km(order.lat, order.lon, r.lat, r.lon)) for r in rows}
    near = {pid: (r, d) for pid, (r, d) in near.items() if d <= r.radius_km}
    if not near:
        return []
    ids = list(near)
    available = _available(session, ids, local_start, local_end)
    busy = busy_volunteers(session, ids, start_utc, end_utc, order.id)
    load = _open_load(session, ids)
    recent = _recent_minutes(session, ids, start_utc)
    ratings = _ratings(session, ids)
    today = local_start.date()
    out = []
    for pid in ids:
        row, distance = near[pid]
        if pid not in available or pid in busy or load.get(pid, 0) >= row.max_open_orders:
            continue
        out.append(Candidate(person_id=pid, distance_km=round(distance, 4), radius_km=row.radius_km,
                             age=age_on(row.birth_date, today), recent_minutes=recent.get(pid, 0),
                             rating_avg=ratings.get(pid)))
    return out


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


def _open_load(session: Session, ids: list[int]) -> dict[int, int]:
    return dict(session.execute(select(Order.volunteer_id, func.count()).where(
        Order.volunteer_id.in_(ids), Order.state.in_(BUSY_STATES)).group_by(Order.volunteer_id)).all())


def _recent_minutes(session: Session, ids: list[int], around: datetime) -> dict[int, int]:
    since = around - timedelta(days=30)
    return {pid: int(m) for pid, m in session.execute(
        select(Order.volunteer_id, func.sum(Order.duration_minutes)).where(
            Order.volunteer_id.in_(ids), Order.state.in_(WORK_STATES), Order.start_at >= since)
        .group_by(Order.volunteer_id))}


def _ratings(session: Session, ids: list[int]) -> dict[int, float]:
    return {pid: float(avg) for pid, avg in session.execute(
        select(Order.volunteer_id, func.avg(Rating.stars)).join(Rating, Rating.order_id == Order.id)
        .where(Order.volunteer_id.in_(ids), Rating.role == "recipient").group_by(Order.volunteer_id))}


def recipient_age(session: Session, order: Order, on: date) -> int:
    return age_on(session.get(Person, order.recipient_id).birth_date, on)
