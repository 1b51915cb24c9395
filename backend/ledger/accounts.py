"""Finding and opening accounts: one per person, one fund, one clearing account per district.

``person_account`` and its siblings return the ORM object (for its balance, or to freeze it);
``person_account_id`` and its siblings return only the id, remembered across transactions
(``directory``), which is all a ledger write needs.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.ledger import directory
from backend.ledger.journal import lock_head
from backend.models import Account, Person, Station

_A, _S = Account.__table__.c, Station.__table__.c


def _find_or_open(session: Session, query, new: Account) -> Account:
    """The account ``query`` finds, or ``new`` saved.

    Opening happens under the ledger's writer lock after a second look, so two first-time
    writers at once (the first two donations, say) cannot open two fund accounts.
    """
    account = session.scalar(query)
    if account is None:
        lock_head(session)
        account = session.scalar(query)
    if account is None:
        session.add(new)
        session.flush()
        directory.opened(session, new.id)
        account = new
    return account


def person_account(session: Session, person_id: int, *, create: bool = True) -> Account:
    query = select(Account).where(Account.person_id == person_id)
    account = session.scalar(query)
    if account is None:
        if not create or session.get(Person, person_id) is None:
            raise NotFound(f"person {person_id} has no account", code="person_not_found",
                           message="没有找到这个人。")
        account = _find_or_open(session, query,
                                Account(kind="person", person_id=person_id, balance=0, service_minutes=0))
    return account


def fund_account(session: Session) -> Account:
    """The time-bank fund (公益基金): donations in, grants out to priority elders."""
    return _find_or_open(session, select(Account).where(Account.kind == "fund"),
                         Account(kind="fund", balance=0, service_minutes=0))


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
    return _find_or_open(session, select(Account).where(Account.kind == "clearing", Account.station_id == district_id),
                         Account(kind="clearing", station_id=district_id, balance=0, service_minutes=0))


def person_account_id(session: Session, person_id: int) -> int:
    """The id of ``person_account(session, person_id)``, opening it if the person has none;
    NotFound (person_not_found) if there is no such person."""
    owner = f"person:{person_id}"
    account_id = directory.lookup(session, owner)
    if account_id is None:
        account_id = session.scalar(select(_A.id).where(_A.person_id == person_id))
        if account_id is None:
            account_id = person_account(session, person_id).id
        directory.remember(session, owner, account_id)
    return account_id


def fund_account_id(session: Session) -> int:
    account_id = directory.lookup(session, "fund")
    if account_id is None:
        account_id = session.scalar(select(_A.id).where(_A.kind == "fund"))
        if account_id is None:
            account_id = fund_account(session).id
        directory.remember(session, "fund", account_id)
    return account_id


def clearing_account_id(session: Session, station_id: int) -> int:
    """The id of the clearing account of the station's district (NotFound: station_not_found)."""
    owner = f"station:{station_id}"
    account_id = directory.lookup(session, owner)
    if account_id is None:
        row = session.execute(select(_A.id).select_from(Account.__table__.join(
            Station.__table__, _A.station_id == _S.district_id)).where(_S.id == station_id, _A.kind == "clearing")).first()
        account_id = row[0] if row is not None else clearing_account(session, station_id).id
        directory.remember(session, owner, account_id)
    return account_id
