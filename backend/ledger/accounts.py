"""Finding and opening accounts: one per person, one fund, one clearing account per district."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.models import Account, Person, Station


def person_account(session: Session, person_id: int, *, create: bool = True) -> Account:
    account = session.scalar(select(Account).where(Account.person_id == person_id))
    if account is None:
        if not create or session.get(Person, person_id) is None:
            raise NotFound(f"person {person_id} has no account", code="person_not_found",
                           message="没有找到这个人。")
        account = Account(kind="person", person_id=person_id, balance=0, service_minutes=0)
        session.add(account)
        session.flush()
    return account


def fund_account(session: Session) -> Account:
    """The time-bank fund (公益基金): donations in, grants out to priority elders."""
    account = session.scalar(select(Account).where(Account.kind == "fund"))
    if account is None:
        account = Account(kind="fund", balance=0, service_minutes=0)
        session.add(account)
        session.flush()
    return account


def district_of(session: Session, station_id: int) -> int:
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound(f"station {station_id} does not exist", code="station_not_found")
    return station.district_id or station.id


def clearing_account(session: Session, station_id: int) -> Account:
    """The district clearing account for a station (通存通兑).

    Coins are issued from the clearing account of the district where the service was given and
    retired into the one where they are spent, so a negative balance means "this district's
    volunteers earned more than was spent here" and the flow between districts stays visible.
    """
    district_id = district_of(session, station_id)
    account = session.scalar(select(Account).where(Account.kind == "clearing", Account.station_id == district_id))
    if account is None:
        account = Account(kind="clearing", station_id=district_id, balance=0, service_minutes=0)
        session.add(account)
        session.flush()
    return account
