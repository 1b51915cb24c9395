"""Checking the whole ledger: hash chain, sequence, zero sums, and the cached balances.

Reads entries and postings in ``seq`` order in two streams and merges them, so memory stays flat
for millions of entries. Returns every problem found, first bad entry first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.ledger.hashing import GENESIS_HASH, entry_hash
from backend.ledger.journal import service_minutes_by_account
from backend.ledger.validators import NON_NEGATIVE_KINDS
from backend.models import Account, LedgerEntry, LedgerHead, Posting

BATCH = 20_000


@dataclass
class VerifyReport:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, seq: int | None, text: str) -> None:
        if self.first_bad_seq is None and seq is not None:
            self.first_bad_seq = seq
        self.problems.append(text)


def _postings_by_entry(session: Session):
    stream = session.connection().execute(
        select(Posting.entry_seq, Posting.account_id, Posting.amount).order_by(Posting.entry_seq, Posting.id)
        .execution_options(yield_per=BATCH))
    current, legs = None, []
    for seq, account_id, amount in stream:
        if seq != current:
            if current is not None:
                yield current, legs
            current, legs = seq, []
        legs.append((account_id, amount))
    if current is not None:
        yield current, legs


def verify(session: Session) -> VerifyReport:
    report = VerifyReport()
    kinds = dict(session.execute(select(Account.id, Account.kind)).all())
    balances: dict[int, int] = defaultdict(int)
    served: dict[int, int] = defaultdict(int)
    postings = _postings_by_entry(session)
    pending = next(postings, None)
    expected_seq, prev_hash = 1, GENESIS_HASH
    # Plain tuples through the Core connection, not ORM objects or named row access: at a million
    # entries the per-row overhead of those would take most of the time.
    entries = session.connection().execute(
        select(LedgerEntry.seq, LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.actor, LedgerEntry.channel,
               LedgerEntry.memo, LedgerEntry.order_id, LedgerEntry.reverses_seq, LedgerEntry.service_minutes,
               LedgerEntry.idempotency_key, LedgerEntry.prev_hash, LedgerEntry.hash)
        .order_by(LedgerEntry.seq).execution_options(yield_per=BATCH))
    for (seq, created_at, kind, actor, channel, memo, order_id, reverses_seq, service_minutes, key,
         row_prev_hash, row_hash) in entries:
        report.entries += 1
        if seq != expected_seq:
            report.add(expected_seq, f"entry {expected_seq}: missing (next stored entry is {seq})")
        if row_prev_hash != prev_hash:
            report.add(seq, f"entry {seq}: prev_hash does not link to entry {seq - 1} (deleted, reordered or edited)")
        while pending is not None and pending[0] < seq:
            report.add(pending[0], f"postings of entry {pending[0]} have no entry")
            pending = next(postings, None)
        legs = pending[1] if pending is not None and pending[0] == seq else []
        if legs:
            pending = next(postings, None)
        recomputed = entry_hash(
            seq=seq, created_at=created_at, kind=kind, actor=actor, channel=channel, memo=memo, order_id=order_id,
            reverses_seq=reverses_seq, service_minutes=service_minutes, idempotency_key=key, postings=legs,
            prev_hash=row_prev_hash)
        if recomputed != row_hash:
            report.add(seq, f"entry {seq}: content does not match its hash (edited)")
        if sum(a for _, a in legs) != 0 or len(legs) < 2:
            report.add(seq, f"entry {seq}: postings do not balance")
        for account_id, amount in legs:
            balances[account_id] += amount
            if balances[account_id] < 0 and kinds.get(account_id) in NON_NEGATIVE_KINDS:
                report.add(seq, f"entry {seq}: account {account_id} goes negative on replay")
        if service_minutes:
            for account_id, minutes in service_minutes_by_account(service_minutes, legs, kinds).items():
                served[account_id] += minutes
        prev_hash, expected_seq = row_hash, seq + 1
    while pending is not None:
        report.add(pending[0], f"postings of entry {pending[0]} have no entry")
        pending = next(postings, None)
    head = session.get(LedgerHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        report.add(min(head_seq, expected_seq - 1) + 1 if head_seq != expected_seq - 1 else head_seq,
                   f"chain head says entry {head_seq} but the last stored entry is {expected_seq - 1} (entries removed at the end?)")
    for account_id, balance, service_minutes in session.execute(select(Account.id, Account.balance, Account.service_minutes)):
        if balance != balances.get(account_id, 0):
            report.add(None, f"account {account_id}: cached balance {balance} != replayed {balances.get(account_id, 0)}")
        if service_minutes != served.get(account_id, 0):
            report.add(None, f"account {account_id}: cached service minutes {service_minutes} != replayed {served.get(account_id, 0)}")
    return report
