from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from backend.access import ledger, scope
from backend.api.deps import CallerDep, IdempotencyKey, OperatorDep, PolicyDep, SessionDep, TodayDep, once
from backend.api.schemas.ledger import (DonationCreate, GiftCreate, GrantCreate, PostingPublic, RedemptionCreate,
                                        ReversalCreate, TransactionPublic, VerifyPublic)
from backend.ledger import journal
from backend.ledger.records import Entry
from backend.ledger.verify import verify
from backend.models import LedgerEntry

router = APIRouter(tags=["ledger"])


def entry_public(entry: Entry) -> TransactionPublic:
    t = entry.transaction
    return TransactionPublic(seq=entry.seq, kind=t.kind, created_at=entry.created_at, memo=t.memo,
                             postings=[PostingPublic(account_id=p.account_id, amount=p.amount) for p in t.postings],
                             hash=entry.hash, prev_hash=entry.prev_hash)


@router.post("/transfers/gift", response_model=TransactionPublic, status_code=201)
def gift(body: GiftCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep, key: IdempotencyKey = None):
    return once(session, caller, "transfers.gift", key, body, lambda: entry_public(ledger.gift(
        session, caller, from_id=body.from_person_id, to_id=body.to_person_id, minutes=body.minutes,
        channel=body.channel, policy=policy, key=key, memo=body.memo).value))


@router.post("/transfers/donation", response_model=TransactionPublic, status_code=201)
def donation(body: DonationCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
             key: IdempotencyKey = None):
    return once(session, caller, "transfers.donation", key, body, lambda: entry_public(ledger.donation(
        session, caller, from_id=body.from_person_id, minutes=body.minutes, channel=body.channel, policy=policy,
        key=key, memo=body.memo).value))


@router.post("/transfers/grant", response_model=TransactionPublic, status_code=201)
def grant(body: GrantCreate, session: SessionDep, caller: OperatorDep, key: IdempotencyKey = None):
    return once(session, caller, "transfers.grant", key, body, lambda: entry_public(ledger.grant(
        session, caller, to_id=body.to_person_id, minutes=body.minutes, key=key, memo=body.memo).value))


@router.post("/transfers/redemption", response_model=TransactionPublic, status_code=201)
def redemption(body: RedemptionCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
               today: TodayDep, key: IdempotencyKey = None):
    return once(session, caller, "transfers.redemption", key, body, lambda: entry_public(ledger.redemption(
        session, caller, person_id=body.person_id, station_id=body.station_id, minutes=body.minutes,
        channel=body.channel, goods=body.goods, policy=policy, today=today, key=key, memo=body.memo).value))


@router.post("/ledger/reversals", response_model=TransactionPublic, status_code=201)
def reversal(body: ReversalCreate, session: SessionDep, caller: OperatorDep, key: IdempotencyKey = None):
    return once(session, caller, "ledger.reversal", key, body, lambda: entry_public(ledger.reversal(
        session, caller, seq=body.seq, reason=body.reason, key=key).value))


@router.get("/ledger/entries/{seq}", response_model=TransactionPublic)
def read_entry(seq: int, session: SessionDep, caller: OperatorDep):
    """An entry whose people are all in the operator's scope; any other answers 404, like a missing one."""
    return entry_public(journal.load_entry(session, scope.ledger_entry(session, caller, seq).seq))


@router.get("/ledger/head")
def read_head(session: SessionDep, caller: CallerDep):
    row = session.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)).first()
    return {"seq": row.seq if row else 0, "hash": row.hash if row else None}


@router.get("/ledger/verify", response_model=VerifyPublic)
def verify_ledger(session: SessionDep, caller: OperatorDep):
    report = verify(session)
    return VerifyPublic(ok=report.ok, entries=report.entries, first_bad_seq=report.first_bad_seq,
                        problems=report.problems[:50])
