"""Read-side questions: balances, stars, history."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.ledger.accounts import person_account
from backend.models import LedgerEntry, Posting
from backend.policy import PolicyProfile


@dataclass(frozen=True)
class StarStatus:
    level: int
    service_minutes: int
    next_level: int | None
    minutes_to_next_level: int | None


def balance_minutes(session: Session, person_id: int) -> int:
    return person_account(session, person_id).balance


def star_status(session: Session, person_id: int, policy: PolicyProfile) -> StarStatus:
    served = person_account(session, person_id).service_minutes
    level = policy.star_level(served)
    to_next = policy.minutes_to_next_level(served)
    return StarStatus(level, served, None if to_next is None else level + 1, to_next)


def history(session: Session, person_id: int, limit: int = 3) -> list[dict]:
    """The person's latest entries, newest first, with the signed amount for their account."""
    account = person_account(session, person_id)
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.kind, LedgerEntry.created_at, LedgerEntry.memo, Posting.amount)
        .join(Posting, Posting.entry_seq == LedgerEntry.seq)
        .where(Posting.account_id == account.id)
        .order_by(LedgerEntry.seq.desc()).limit(limit)
    ).all()
    return [{"seq": r.seq, "kind": r.kind, "at": r.created_at, "memo": r.memo, "minutes": r.amount} for r in rows]
