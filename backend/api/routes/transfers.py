from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from backend.api.deps import (CallerDep, IdempotencyKey, OperatorDep, PolicyDep, SessionDep, TodayDep,
                              check_person_scope)
from backend.api.schemas.ledger import (DonationCreate, GiftCreate, GrantCreate, PostingPublic, RedemptionCreate,
                                        ReversalCreate, TransactionPublic, VerifyPublic)
from backend.core.idempotency import run_once
from backend.ledger import journal, operations
from backend.ledger.records import Entry
from backend.ledger.verify import verify
from backend.models import LedgerEntry
from backend.people import registry

router = APIRouter(tags=["ledger"])


def entry_public(entry: Entry) -> TransactionPublic:
    t = entry.transaction
    return TransactionPublic(seq=entry.seq, kind=t.kind, created_at=entry.created_at, memo=t.memo,
                             postings=[PostingPublic(account_id=p.account_id, amount=p.amount) for p in t.postings],
                             hash=entry.hash, prev_hash=entry.prev_hash)


def _key(key: str | None, scope: str) -> str | None:
    return f"{scope}:{key}" if key else None


@router.post("/transfers/gift", response_model=TransactionPublic, status_code=201)
def gift(body: GiftCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep, key: IdempotencyKey = None):
    check_person_scope(session, caller, registry.get_person(session, body.from_person_id))
    actor = operations.Actor(caller.name, body.channel)
    return run_once(session, "transfers.gift", key, body, lambda: entry_public(operations.gift(
        session, from_id=body.from_person_id, to_id=body.to_person_id, minutes=body.minutes, policy=policy,
        actor=actor, key=_key(key, "gift"), memo=body.memo)))


@router.post("/transfers/donation", response_model=TransactionPublic, status_code=201)
def donation(body: DonationCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
             key: IdempotencyKey = None):
    check_person_scope(session, caller, registry.get_person(session, body.from_person_id))
    actor = operations.Actor(caller.name, body.channel)
    return run_once(session, "transfers.donation", key, body, lambda: entry_public(operations.donate(
        session, from_id=body.from_person_id, minutes=body.minutes, policy=policy, actor=actor,
        key=_key(key, "donation"), memo=body.memo)))


@router.post("/transfers/grant", response_model=TransactionPublic, status_code=201)
def grant(body: GrantCreate, session: SessionDep, caller: OperatorDep, key: IdempotencyKey = None):
    check_person_scope(session, caller, registry.get_person(session, body.to_person_id))
    actor = operations.Actor(caller.name, "operator")
    return run_once(session, "transfers.grant", key, body, lambda: entry_public(operations.grant(
        session, to_id=body.to_person_id, minutes=body.minutes, actor=actor, key=_key(key, "grant"), memo=body.memo)))


@router.post("/transfers/redemption", response_model=TransactionPublic, status_code=201)
def redemption(body: RedemptionCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
               today: TodayDep, key: IdempotencyKey = None):
    check_person_scope(session, caller, registry.get_person(session, body.person_id))
    actor = operations.Actor(caller.name, body.channel)
    return run_once(session, "transfers.redemption", key, body, lambda: entry_public(operations.redeem(
        session, person_id=body.person_id, station_id=body.station_id, minutes=body.minutes, policy=policy,
        today=today, actor=actor, goods=body.goods, key=_key(key, "redemption"), memo=body.memo)))


@router.post("/ledger/reversals", response_model=TransactionPublic, status_code=201)
def reversal(body: ReversalCreate, session: SessionDep, caller: OperatorDep, key: IdempotencyKey = None):
    actor = operations.Actor(caller.name, "operator")
    return run_once(session, "ledger.reversal", key, body, lambda: entry_public(operations.reverse(
        session, seq=body.seq, reason=body.reason, actor=actor, key=_key(key, "reversal"))))


@router.get("/ledger/entries/{seq}", response_model=TransactionPublic)
def read_entry(seq: int, session: SessionDep, caller: OperatorDep):
    return entry_public(journal.load_entry(session, seq))


@router.get("/ledger/head")
def read_head(session: SessionDep, caller: CallerDep):
    row = session.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)).first()
    return {"seq": row.seq if row else 0, "hash": row.hash if row else None}


@router.get("/ledger/verify", response_model=VerifyPublic)
def verify_ledger(session: SessionDep, caller: OperatorDep):
    report = verify(session)
    return VerifyPublic(ok=report.ok, entries=report.entries, first_bad_seq=report.first_bad_seq,
                        problems=report.problems[:50])
