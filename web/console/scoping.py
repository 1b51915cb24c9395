"""What an operator may see, and the page they get when they may not.

The rule itself is the gate's (``backend.access.scope``): an operator sees their station and everything
below it, records without a station only from the top station. Out of scope and missing answer the
same 404 page, so guessing ids in URLs reveals nothing, not even that a record exists.
"""
from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.orm import Session

from backend.core.errors import NotFound, YinlingError
from backend.access import scope
from backend.models import Station
from web.console.deps import ConsoleOperator
from web.console.render import render

log = logging.getLogger("yinling.web.console")


def is_city_level(current: ConsoleOperator) -> bool:
    """The operator works at the top of the station tree (no parent above their station)."""
    return current.principal.city_level


def can_see_station(session: Session, current: ConsoleOperator, station_id: int | None) -> bool:
    """The gate's one rule (``backend.access.scope``), for the console's operator."""
    return scope.can_see_station(session, current.principal, station_id)


def require_station(session: Session, current: ConsoleOperator, station_id: int | None, what: str,
                    target: str) -> None:
    """Raises NotFound (the same as a missing record) unless the station is in the operator's scope."""
    if not can_see_station(session, current, station_id):
        raise NotFound(f"{target} (station {station_id}) is outside {current.actor}'s scope",
                       message=f"没有找到这个{what}，或者它不在您的管辖范围内。")


def stations_in_scope(session: Session, current: ConsoleOperator) -> list[Station]:
    from backend.people.stations import stations_under
    return stations_under(session, current.station.path)


def error_page(request: Request, current: ConsoleOperator, exc: YinlingError):
    """A console page with only the Chinese message; the English detail goes to the log."""
    log.info("console %s %s → %s %s: %s", request.method, request.url.path, exc.status, exc.code, exc.detail)
    return render(request, "console/base.html", {"error": exc.message}, operator=current, status_code=exc.status)
