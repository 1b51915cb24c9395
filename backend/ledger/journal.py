"""Appending to the ledger: the only code that writes entries, postings and balances.

Writers serialise on the single ``ledger_head`` row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already gives one writer at a time), so sequence numbers have no
gaps, each entry links to the true previous hash, and balance checks see committed balances.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.core.errors import IdempotencyConflict, LedgerError, NotFound
from backend.ledger.hashing import GENESIS_HASH, entry_hash
from backend.ledger.records import Entry, Kind, Posting, Transaction
from backend.ledger.validators import AccountState, check, raise_for
from backend.models import Account, LedgerEntry, LedgerHead
from backend.models import Posting as PostingRow
from backend.models.base import utcnow

_ENTRIES, _POSTINGS, _ACCOUNTS = LedgerEntry.__table__, PostingRow.__table__, Account.__table__
_ADD_TO_ACCOUNT = (
    update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account"))
    .values(balance=_ACCOUNTS.c.balance + bindparam("delta"),
            service_minutes=_ACCOUNTS.c.service_minutes + bindparam("served")))


def ensure_head(session: Session) -> None:
    if session.get(LedgerHead, 1) is None:
        session.add(LedgerHead(id=1, seq=0, hash=GENESIS_HASH))
        session.flush()


def service_minutes_by_account(txn_service_minutes: int, postings, kinds: dict[int, str]) -> dict[int, int]:
    """Stars follow minutes served: they go to the person account(s) an entry touches."""
    if not txn_service_minutes:
        return {}
    return {p[0]: txn_service_minutes for p in postings if kinds.get(p[0]) == "person"}


def lock_head(session: Session) -> LedgerHead:
    """Take the writers' lock (held to the end of the transaction) and return the chain head.

    A writer that decides from a balance before appending (the account cap) takes it first, so
    the balance it reads is the one its append will change.
    """
    head = session.execute(
        select(LedgerHead).where(LedgerHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        ensure_head(session)
        head = session.get(LedgerHead, 1, with_for_update=True)
    return head


def seq_for_key(session: Session, key: str) -> int | None:
    """The entry an idempotency key already made, if any."""
    return session.scalar(select(LedgerEntry.seq).where(LedgerEntry.idempotency_key == key))


def append(session: Session, txn: Transaction, *, now: datetime | None = None) -> Entry:
    """Validate and append ``txn``; return the new entry (or the earlier one for a retried key)."""
    head = lock_head(session)

    if txn.idempotency_key:
        existing = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == txn.idempotency_key))
        if existing is not None:
            earlier = load_entry(session, existing.seq)
            if _same_request(earlier.transaction, txn):
                return earlier
            raise IdempotencyConflict(f"idempotency key {txn.idempotency_key!r} was used for a different transaction")

    ids = sorted({p.account_id for p in txn.postings})
    rows = session.execute(
        select(Account.id, Account.kind, Account.balance, Account.frozen).where(Account.id.in_(ids))
    ).all()
    states = {r.id: AccountState(r.id, r.kind, r.balance, r.frozen) for r in rows}
    # Before the balance checks, so reversing twice is refused as such, not as an overdraft.
    if txn.kind == Kind.REVERSAL and txn.reverses_seq is not None:
        _check_reversible(session, txn.reverses_seq)
    raise_for(check(txn, states))

    seq, prev_hash = head.seq + 1, head.hash
    created_at = now or utcnow()
    legs = [(p.account_id, p.amount) for p in txn.postings]
    digest = entry_hash(
        seq=seq, created_at=created_at, kind=txn.kind, actor=txn.actor, channel=txn.channel,
        memo=txn.memo, order_id=txn.order_id, reverses_seq=txn.reverses_seq,
        service_minutes=txn.service_minutes, idempotency_key=txn.idempotency_key,
        postings=legs, prev_hash=prev_hash,
    )
    # Core statements on the tables, not ORM bulk operations or a unit-of-work flush: every writer
    # waits for this section (it runs under the head lock), so its cost caps ledger throughput.
    session.execute(insert(_ENTRIES), {
        "seq": seq, "kind": txn.kind, "created_at": created_at, "actor": txn.actor, "channel": txn.channel,
        "memo": txn.memo, "order_id": txn.order_id, "reverses_seq": txn.reverses_seq,
        "service_minutes": txn.service_minutes, "idempotency_key": txn.idempotency_key,
        "prev_hash": prev_hash, "hash": digest})
    session.execute(insert(_POSTINGS), [{"entry_seq": seq, "account_id": a, "amount": m} for a, m in legs])
    balance_delta: dict[int, int] = defaultdict(int)
    for account_id, amount in legs:
        balance_delta[account_id] += amount
    served = service_minutes_by_account(txn.service_minutes, legs, {i: s.kind for i, s in states.items()})
    session.execute(_ADD_TO_ACCOUNT, [{"account": a, "delta": balance_delta[a], "served": served.get(a, 0)}
                                      for a in sorted(balance_delta)])
    for account_id in balance_delta:  # loaded Account objects would otherwise show the old balance
        cached = session.identity_map.get(Session.identity_key(Account, account_id))
        if cached is not None:
            session.expire(cached, ["balance", "service_minutes"])
    session.execute(update(LedgerHead.__table__).where(LedgerHead.id == 1).values(seq=seq, hash=digest))
    set_committed_value(head, "seq", seq)
    set_committed_value(head, "hash", digest)
    return Entry(seq=seq, created_at=created_at, transaction=txn, prev_hash=prev_hash, hash=digest)


def _same_request(a: Transaction, b: Transaction) -> bool:
    def key(t: Transaction):
        return (t.kind, sorted((p.account_id, p.amount) for p in t.postings), t.order_id,
                t.reverses_seq, t.service_minutes)
    return key(a) == key(b)


def _check_reversible(session: Session, seq: int | None) -> None:
    target = session.get(LedgerEntry, seq)
    if target is None:
        raise NotFound(f"ledger entry {seq} does not exist", code="entry_not_found")
    if target.kind == Kind.REVERSAL:
        raise LedgerError(f"entry {seq} is itself a reversal; append a new transaction instead")
    if session.scalar(select(LedgerEntry.seq).where(LedgerEntry.reverses_seq == seq)) is not None:
        raise LedgerError(f"entry {seq} is already reversed", code="already_reversed",
                          message="这笔记录已经撤销过了。")


def load_entry(session: Session, seq: int) -> Entry:
    row = session.get(LedgerEntry, seq)
    if row is None:
        raise NotFound(f"ledger entry {seq} does not exist", code="entry_not_found")
    legs = session.execute(
        select(PostingRow.account_id, PostingRow.amount).where(PostingRow.entry_seq == seq).order_by(PostingRow.id)
    ).all()
    txn = Transaction(
        kind=row.kind, postings=tuple(Posting(a, m) for a, m in legs), actor=row.actor,
        channel=row.channel, memo=row.memo, order_id=row.order_id, reverses_seq=row.reverses_seq,
        service_minutes=row.service_minutes, idempotency_key=row.idempotency_key,
    )
    return Entry(seq=row.seq, created_at=row.created_at, transaction=txn, prev_hash=row.prev_hash, hash=row.hash)
