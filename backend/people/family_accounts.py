"""A family member's web account: registering on the family site (the counterpart of
``backend.volunteers.accounts`` for volunteers).

A member registers with name, phone, birth date and a password of their own; they become a pending
person with the family role under the top station (an operator moves them later) and can then ask to
be linked to an elder. Everything is checked before anything is stored."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.core.security import check_new_password, hash_password
from backend.models import Person, Station
from backend.people import registry
from backend.policy import PolicyProfile


def register(session: Session, *, name: str, phone: str, birth_date: date, password: str, password_again: str,
             policy: PolicyProfile, secret_key: str, today: date) -> Person:
    check_new_password(password, password_again)
    new = registry.NewPerson(name=name, phone=phone, birth_date=birth_date, station_id=_top_station(session).id,
                             roles=["family"], status="pending")
    person = registry.register_person(session, new, policy=policy, secret_key=secret_key, today=today)
    person.password_hash = hash_password(password)
    return person


def _top_station(session: Session) -> Station:
    """Members registered on the web belong to the top station until an operator moves them."""
    station = session.scalar(select(Station).where(Station.parent_id.is_(None)).order_by(Station.id).limit(1))
    if station is None:
        raise InvalidInput("no station exists yet", code="no_station", message="系统还没有设置站点，请联系工作人员。")
    return station
