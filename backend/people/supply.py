"""What a volunteer offers: radius, load, services, weekly availability and its exceptions."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import InvalidInput
from backend.matching.geo import cell_of
from backend.models import AvailabilityException, AvailabilityWindow, VolunteerProfile, VolunteerService
from backend.people.registry import get_person


def _volunteer(session: Session, person_id: int):
    person = get_person(session, person_id)
    if not person.is_volunteer:
        raise InvalidInput(f"person {person_id} is not a volunteer", code="not_a_volunteer", message="这个人不是志愿者。")
    return person


def set_supply(session: Session, person_id: int, *, radius_km: float, max_open_orders: int, services: list[str],
               weekly: list[tuple[int, time, time]]) -> VolunteerProfile:
    """Replace the volunteer's offer as a whole (validated first; nothing changes on bad input)."""
    volunteer = _volunteer(session, person_id)
    if not 0.1 <= radius_km <= 50:
        raise InvalidInput("radius_km must be 0.1-50", code="invalid_radius", message="服务半径不对。")
    if not 1 <= max_open_orders <= 20:
        raise InvalidInput("max_open_orders must be 1-20", code="invalid_load")
    slugs = sorted({get_service(session, s).slug for s in services})
    for weekday, start, end in weekly:
        if not 0 <= weekday <= 6 or start >= end:
            raise InvalidInput(f"bad weekly slot {weekday} {start}-{end}", code="invalid_availability",
                               message="空闲时间不对。")
    profile = session.get(VolunteerProfile, person_id) or VolunteerProfile(person_id=person_id)
    profile.radius_km, profile.max_open_orders, profile.active = radius_km, max_open_orders, True
    session.add(profile)
    session.execute(delete(VolunteerService).where(VolunteerService.person_id == person_id))
    session.execute(delete(AvailabilityWindow).where(AvailabilityWindow.person_id == person_id))
    cell = cell_of(volunteer.lat, volunteer.lon)
    session.add_all(VolunteerService(person_id=person_id, service_slug=s, cell=cell, lat=volunteer.lat, lon=volunteer.lon,
                                     radius_km=radius_km) for s in slugs)
    session.add_all(AvailabilityWindow(person_id=person_id, weekday=w, start=s, end=e) for w, s, e in weekly)
    session.flush()
    return profile


def add_exception(session: Session, person_id: int, day: date, *, available: bool, start: time | None = None,
                  end: time | None = None, reason: str | None = None) -> AvailabilityException:
    _volunteer(session, person_id)
    if available and (start is None or end is None or start >= end):
        raise InvalidInput("an available exception needs start < end", code="invalid_availability")
    row = AvailabilityException(person_id=person_id, day=day, available=available, start=start, end=end, reason=reason)
    session.add(row)
    session.flush()
    return row


def supply_of(session: Session, person_id: int) -> dict:
    profile = session.get(VolunteerProfile, person_id)
    return {
        "person_id": person_id,
        "radius_km": profile.radius_km if profile else None,
        "max_open_orders": profile.max_open_orders if profile else None,
        "services": list(session.scalars(select(VolunteerService.service_slug).where(VolunteerService.person_id == person_id))),
        "weekly": [{"weekday": w.weekday, "start": w.start.isoformat(), "end": w.end.isoformat()}
                   for w in session.scalars(select(AvailabilityWindow).where(AvailabilityWindow.person_id == person_id)
                                            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start))],
    }
