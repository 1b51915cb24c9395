"""Checks every ledger test ends with: the books balance, nobody is negative, the caches replay,
and ``verify`` agrees. Each reads the database afresh, never the ORM objects a test holds."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.ledger.verify import verify
from backend.models import Account, LedgerEntry, LedgerHead, Posting


@dataclass(frozen=True)
class Snapshot:
    """Everything a ledger write may change: row counts, every account's caches, the chain head."""

    entries: int
    postings: int
    accounts: tuple[tuple[int, int, int, bool], ...]  # (id, balance, service_minutes, frozen)
    head: tuple[int, str]

    @property
    def balances(self) -> dict[int, int]:
        return {account_id: balance for account_id, balance, _, _ in self.accounts}


def snapshot(session: Session) -> Snapshot:
    head = session.get(LedgerHead, 1, populate_existing=True)
    return Snapshot(
        entries=session.scalar(select(func.count()).select_from(LedgerEntry)),
        postings=session.scalar(select(func.count()).select_from(Posting)),
        accounts=tuple(tuple(r) for r in session.execute(
            select(Account.id, Account.balance, Account.service_minutes, Account.frozen).order_by(Account.id))),
        head=(head.seq, head.hash) if head else (0, ""),
    )


def replayed_balances(session: Session) -> dict[int, int]:
    """Each account's balance computed from the postings alone, in entry order."""
    totals: dict[int, int] = defaultdict(int)
    for account_id, amount in session.execute(
            select(Posting.account_id, Posting.amount).order_by(Posting.entry_seq, Posting.id)):
        totals[account_id] += amount
    return totals


def assert_ledger_sound(session: Session) -> None:
    accounts = session.execute(select(Account.id, Account.kind, Account.balance)).all()
    assert sum(balance for _, _, balance in accounts) == 0, "the accounts do not sum to zero"
    negative = [(i, kind, b) for i, kind, b in accounts if kind in ("person", "fund") and b < 0]
    assert not negative, f"person/fund accounts below zero: {negative}"
    replayed = replayed_balances(session)
    mismatched = [(i, b, replayed.get(i, 0)) for i, _, b in accounts if b != replayed.get(i, 0)]
    assert not mismatched, f"cached balance != replayed postings (id, cached, replayed): {mismatched}"
    assert set(replayed) <= {i for i, _, _ in accounts}, "postings to accounts that do not exist"
    unbalanced = session.execute(
        select(Posting.entry_seq).group_by(Posting.entry_seq).having(func.sum(Posting.amount) != 0)).all()
    assert not unbalanced, f"entries whose postings do not sum to zero: {unbalanced}"
    report = verify(session)
    assert report.ok, report.problems
    assert report.entries == session.scalar(select(func.count()).select_from(LedgerEntry))
