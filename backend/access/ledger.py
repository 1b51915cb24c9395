"""Coin moves an operator decides (a grant from the fund, a reversal) and those the assistant makes for a
caller (gift, donation, redemption), through the gate: role, the people's scope, audit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import Conflict
from backend.ledger import operations
from backend.ledger.records import Entry
from backend.models import MallRedemption
from backend.policy import PolicyProfile


def _key(key: str | None, kind: str) -> str | None:
    return f"{kind}:{key}" if key else None


def _done(session: Session, gate, entry: Entry, station_id: int | None, *, reason: str | None = None,
          **detail) -> Done[Entry]:
    return Done(entry, gate.audit(session, f"ledger:{entry.seq}", station_id, reason=reason,
                                  detail={"seq": entry.seq, **detail}))


def gift(session: Session, who: Principal, *, from_id: int, to_id: int, minutes: int, channel: str,
         policy: PolicyProfile, key: str | None, memo: str = "") -> Done[Entry]:
    """From a person in scope to anyone (earn anywhere, spend anywhere); the policy decides who may receive."""
    gate = permit(who, "transfer.gift")
    giver = scope.person(session, who, from_id)
    entry = operations.gift(session, from_id=giver.id, to_id=to_id, minutes=minutes, policy=policy,
                            actor=operations.Actor(who.name, channel), key=_key(key, "gift"), memo=memo)
    return _done(session, gate, entry, giver.station_id, from_person_id=giver.id, to_person_id=to_id, minutes=minutes)


def donation(session: Session, who: Principal, *, from_id: int, minutes: int, channel: str, policy: PolicyProfile,
             key: str | None, memo: str = "") -> Done[Entry]:
    gate = permit(who, "transfer.donation")
    giver = scope.person(session, who, from_id)
    entry = operations.donate(session, from_id=giver.id, minutes=minutes, policy=policy,
                              actor=operations.Actor(who.name, channel), key=_key(key, "donation"), memo=memo)
    return _done(session, gate, entry, giver.station_id, from_person_id=giver.id, minutes=minutes)


def redemption(session: Session, who: Principal, *, person_id: int, station_id: int, minutes: int, channel: str,
               goods: bool, policy: PolicyProfile, today: date, key: str | None, memo: str = "") -> Done[Entry]:
    gate = permit(who, "transfer.redemption")
    person = scope.person(session, who, person_id)
    entry = operations.redeem(session, person_id=person.id, station_id=station_id, minutes=minutes, policy=policy,
                              today=today, actor=operations.Actor(who.name, channel), goods=goods,
                              key=_key(key, "redemption"), memo=memo)
    return _done(session, gate, entry, person.station_id, person_id=person.id, minutes=minutes, goods=goods)


def grant(session: Session, who: Principal, *, to_id: int, minutes: int, key: str | None, memo: str = "") -> Done[Entry]:
    """Fund coins to a priority elder in scope: a reviewer's or admin's decision."""
    gate = permit(who, "transfer.grant")
    receiver = scope.person(session, who, to_id)
    entry = operations.grant(session, to_id=receiver.id, minutes=minutes, actor=operations.Actor(who.name, "operator"),
                             key=_key(key, "grant"), memo=memo)
    return _done(session, gate, entry, receiver.station_id, reason=memo or None, to_person_id=receiver.id,
                 minutes=minutes)


def reversal(session: Session, who: Principal, *, seq: int, reason: str, key: str | None) -> Done[Entry]:
    """Undo an entry whose people are all in scope (an entry of another street is not found)."""
    gate = permit(who, "ledger.reversal")
    original = scope.ledger_entry(session, who, seq)
    if session.scalar(select(MallRedemption.id).where(MallRedemption.entry_seq == original.seq)) is not None:
        # Its collection code and the stock must change with it: backend.access.mall.reverse_redemption.
        raise Conflict(f"entry {seq} is a mall redemption", code="mall_redemption",
                       message="这是商城物品兑换，请在“商城”页面撤销（会同时作废领取码、加回库存）。")
    entry = operations.reverse(session, seq=original.seq, reason=reason, actor=operations.Actor(who.name, "operator"),
                               key=_key(key, "reversal"))
    return _done(session, gate, entry, None, reason=reason.strip(), reverses_seq=original.seq)
