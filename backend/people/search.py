"""Finding people in a station subtree: by name (any part) or phone number (digits anywhere in it),
optionally by role and account status; the people page and the console's search box both use it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.models import Person, Station

STATUSES = ("pending", "verified", "frozen", "closed")
PAGE_SIZE = 20


@dataclass(frozen=True)
class PeopleSearch:
    """``q``: a name or a phone number; ``role``: elder | volunteer | family; ``status``: one of STATUSES."""

    q: str = ""
    role: str = ""
    status: str = ""


def search(session: Session, scope_path: str, wanted: PeopleSearch, *, limit: int = PAGE_SIZE,
           offset: int = 0) -> tuple[list[tuple[Person, Station]], int]:
    """People whose station lies in the subtree, by name (contains) or phone digits (contains)."""
    query = select(Person, Station).join(Station, Station.id == Person.station_id).where(
        Station.path.startswith(scope_path, autoescape=True))
    text = wanted.q.strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        matches = [Person.name.contains(text, autoescape=True)]
        if digits:
            matches.append(Person.phone.contains(digits, autoescape=True))
        query = query.where(or_(*matches))
    role_column = {"elder": Person.is_elder, "volunteer": Person.is_volunteer, "family": Person.is_family}
    if wanted.role in role_column:
        query = query.where(role_column[wanted.role].is_(True))
    if wanted.status in STATUSES:
        query = query.where(Person.status == wanted.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Person.id).limit(limit).offset(offset)).all()
    return [tuple(r) for r in rows], total
