"""What an operator may see: their station and everything below it (``Station.path`` prefix).

Records without a station (a call or registration from a number nobody could place) belong to the
whole city, so only an operator at the top station sees them. Whatever is out of scope answers exactly
as a missing record does (``NotFound``), so guessing ids reveals nothing, not even that a record exists.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access.principal import Principal
from backend.core.errors import NotFound
from backend.models import Account, FamilyLink, FollowUp, LedgerEntry, Order, Person, Posting, Registration, Station

WHAT_ZH = {"order": "订单", "person": "人", "station": "站点", "registration": "登记", "family_link": "绑定",
           "followup": "回访", "ledger_entry": "记账记录", "call": "通话", "chat": "聊天记录",
           "handoff": "转人工请求", "mall_partner": "合作单位", "mall_goods": "物品", "mall_benefit": "优惠",
           "mall_redemption": "兑换记录", "dispute": "投诉"}


def can_see_station(session: Session, who: Principal, station_id: int | None) -> bool:
    if who.is_service:
        return True
    if station_id is None:
        return who.city_level
    station = session.get(Station, station_id)
    return station is not None and who.can_see_path(station.path)


def missing(kind: str, ident) -> NotFound:
    return NotFound(f"{kind} {ident} does not exist or is outside the caller's scope", code=f"{kind}_not_found",
                    message=f"没有找到这个{WHAT_ZH.get(kind, '记录')}，或者它不在您的管辖范围内。")


def require_station(session: Session, who: Principal, station_id: int | None, kind: str = "station",
                    ident=None) -> None:
    if not can_see_station(session, who, station_id):
        raise missing(kind, station_id if ident is None else ident)


def visible(session: Session, who: Principal, model, ident, *, kind: str, station_of=None, for_update: bool = False):
    """The row ``model[ident]`` if it exists and its station is in scope; NotFound otherwise (the same either way)."""
    row = session.get(model, ident, with_for_update=for_update or None)
    if row is None or not can_see_station(session, who, station_of(row) if station_of else row.station_id):
        raise missing(kind, ident)
    return row


def order(session: Session, who: Principal, order_id: int, *, for_update: bool = False) -> Order:
    return visible(session, who, Order, order_id, kind="order", for_update=for_update)


def person(session: Session, who: Principal, person_id: int) -> Person:
    return visible(session, who, Person, person_id, kind="person")


def registration(session: Session, who: Principal, registration_id: int) -> Registration:
    return visible(session, who, Registration, registration_id, kind="registration", for_update=True)


def family_link(session: Session, who: Principal, link_id: int) -> FamilyLink:
    return visible(session, who, FamilyLink, link_id, kind="family_link", for_update=True,
                   station_of=lambda link: session.get(Person, link.elder_id).station_id)


def follow_up(session: Session, who: Principal, follow_up_id: int) -> FollowUp:
    return visible(session, who, FollowUp, follow_up_id, kind="followup", for_update=True,
                   station_of=lambda f: session.get(Order, f.order_id).station_id)


def ledger_entry(session: Session, who: Principal, seq: int) -> LedgerEntry:
    """An entry is in scope when every person it moves coins for is (fund and clearing legs are
    everyone's); an entry with no person leg (a fund-only move) belongs to the city level."""
    entry = session.get(LedgerEntry, seq)
    if entry is None:
        raise missing("ledger_entry", seq)
    if who.is_service:
        return entry
    stations = set(session.scalars(select(Person.station_id).join(Account, Account.person_id == Person.id)
                                   .join(Posting, Posting.account_id == Account.id).where(Posting.entry_seq == seq)))
    if not all(can_see_station(session, who, s) for s in stations or {None}):
        raise missing("ledger_entry", seq)
    return entry


def sees_suspicion(session: Session, who: Principal, suspicion) -> bool:
    """A suspicious pattern is the operator's when its elder (a frequent pair) or its station (paper-heavy)
    is in scope; the API's and the console's review lists both filter with this."""
    if suspicion.recipient_id is not None:
        elder = session.get(Person, suspicion.recipient_id)
        return elder is not None and can_see_station(session, who, elder.station_id)
    return suspicion.station_id is not None and can_see_station(session, who, suspicion.station_id)
