"""The station tree: city > district > street > community, any depth."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, NotFound
from backend.models import Station

LEVELS = ("city", "district", "street", "community", "other")


def add_station(session: Session, name: str, level: str, parent_id: int | None,
                operator_phone: str | None = None) -> Station:
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {LEVELS}", code="invalid_level")
    parent = None
    if parent_id is not None:
        parent = session.get(Station, parent_id)
        if parent is None:
            raise NotFound(f"station {parent_id} does not exist", code="station_not_found")
    station = Station(name=name, level=level, parent_id=parent_id, operator_phone=operator_phone, path="/")
    session.add(station)
    session.flush()
    station.path = f"{parent.path if parent else '/'}{station.id}/"
    if level == "district":
        station.district_id = station.id
    elif parent is not None:
        station.district_id = parent.district_id
    session.flush()
    return station


def stations_under(session: Session, path: str) -> list[Station]:
    return list(session.scalars(select(Station).where(Station.path.startswith(path)).order_by(Station.path)))


def on_duty_phone(session: Session, station_id: int | None) -> str | None:
    """The nearest operator number walking up from a station."""
    station = session.get(Station, station_id) if station_id else None
    while station is not None:
        if station.operator_phone:
            return station.operator_phone
        station = session.get(Station, station.parent_id) if station.parent_id else None
    return None
