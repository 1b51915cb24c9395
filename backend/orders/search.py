"""Finding orders in a station subtree: by order number, the elder's or volunteer's name, a phone number
(any part of it), and a date range of the service's start; sortable and paged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from backend.models import Order, Person, Station

SORTS = {"id": Order.id, "start": Order.start_at, "state": Order.state, "created": Order.created_at}


@dataclass(frozen=True)
class OrderQuery:
    """``text``: an order number, a name or a phone number (digits anywhere in it); ``since``/``until``:
    the service's start, UTC, ``until`` exclusive; ``sort``: a key of ``SORTS``; ``descending``."""

    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    state: str | None = None
    sort: str = "start"
    descending: bool = True


def search(session: Session, scope_path: str, query: OrderQuery, *, limit: int, offset: int = 0
           ) -> tuple[list[Order], int]:
    elder, volunteer = aliased(Person), aliased(Person)
    where = [Station.path.startswith(scope_path, autoescape=True)]
    text = query.text.strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        said = [elder.name.contains(text, autoescape=True), volunteer.name.contains(text, autoescape=True)]
        if digits and len(digits) == len(text.lstrip("+#")) and len(digits) <= 9:
            said.append(Order.id == int(digits))
        if len(digits) >= 4:
            said += [elder.phone.contains(digits, autoescape=True), volunteer.phone.contains(digits, autoescape=True)]
        where.append(or_(*said))
    if query.since is not None:
        where.append(Order.start_at >= query.since)
    if query.until is not None:
        where.append(Order.start_at < query.until)
    if query.state:
        where.append(Order.state == query.state)
    base = (select(Order).join(Station, Station.id == Order.station_id).join(elder, elder.id == Order.recipient_id)
            .outerjoin(volunteer, volunteer.id == Order.volunteer_id).where(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    column = SORTS.get(query.sort, Order.start_at)
    order_by = [column.desc() if query.descending else column.asc(), Order.id.desc()]
    return list(session.scalars(base.order_by(*order_by).limit(limit).offset(offset))), total
