"""Appending to the ledger: the only code that writes entries, postings and balances.

Writers serialise on the single ``ledger_head`` row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already gives one writer at a time), so sequence numbers have no
gaps, each entry links to the true previous hash, and balance checks see committed balances.

``write_batch`` appends any number of requests under one lock in the caller's transaction: each is
checked against the balances its predecessors in the batch left, and a refused request is reported
as its own error without touching the others. ``append`` is a batch of one; the group-committing
``appender`` and the bulk ``importer`` send bigger batches through the same code.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.core.errors import IdempotencyConflict, LedgerError, NotFound, PolicyViolation, YinlingError
from backend.ledger.hashing import GENESIS_HASH, entry_hash
from backend.ledger.records import Entry, Kind, Posting, Transaction
from backend.ledger.validators import AccountState, check, error_for
from backend.models import Account, LedgerEntry, LedgerHead
from backend.models import Posting as PostingRow
from backend.models.base import utcnow

_ENTRIES, _POSTINGS, _ACCOUNTS = LedgerEntry.__table__, PostingRow.__table__, Account.__table__
_HEAD = LedgerHead.__table__
_ADD_TO_ACCOUNT = (
    update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account"))
    .values(balance=_ACCOUNTS.c.balance + bindparam("delta"),
            service_minutes=_ACCOUNTS.c.service_minutes + bindparam("served")))
_CHUNK = 500  # ids per IN (…): well under SQLite's bound-parameter limit
COPY_FROM = 1_000  # entries in a batch from which PostgreSQL is sent COPY rather than INSERTs


@dataclass(frozen=True)
class Cap:
    """The account cap a service credit is subject to, decided against the balance at append time.

    account_id: the credited person's account; limit: the largest balance allowed (minutes);
    overflow_to: the fund account that takes the excess, or None to refuse a credit that would
    exceed the cap (PolicyViolation "account_cap").
    """

    account_id: int
    limit: int
    overflow_to: int | None


@dataclass(frozen=True)
class Request:
    """One caller's append: a transaction, for a service credit under a cap the cap, and for an
    imported record the time it happened (otherwise the entry is stamped when it is appended)."""

    txn: Transaction
    cap: Cap | None = None
    at: datetime | None = None


Outcome = list[Entry] | YinlingError  # the entries a request made (or had made), or why it was refused


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

    A writer that decides from a balance before appending takes it first, so the balance it reads
    is the one its append will change.
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
    return append_request(session, Request(txn), now=now)[0]


def append_request(session: Session, request: Request, *, now: datetime | None = None) -> list[Entry]:
    (outcome,) = write_batch(session, [request], now=now)
    if isinstance(outcome, YinlingError):
        raise outcome
    return outcome


def _chunks(values: list):
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


class _Batch:
    """The state of one batch under the lock: the head, running account states, keys seen."""

    def __init__(self, session: Session, requests: list[Request]):
        self.session = session
        row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()).first()
        if row is None:
            ensure_head(session)
            row = (0, GENESIS_HASH)
        self.seq, self.hash = row
        self.first_seq = self.seq + 1
        self.stored_keys: dict[str, int] = {}
        self.states: dict[int, AccountState] = {}
        self.new_keys: dict[str, list[Entry]] = {}
        self.reversed: set[int] = set()
        self.entries: list[dict] = []
        self.postings: list[dict] = []
        self.delta: dict[int, int] = defaultdict(int)
        self.served: dict[int, int] = defaultdict(int)
        self.load(requests)

    def load(self, requests: list[Request]) -> None:
        """Read the stored keys of ``requests`` and the accounts they touch that this batch has not read yet
        (an account already read keeps its running state: the balance its earlier requests left)."""
        keys = {k for r in requests for k in (r.txn.idempotency_key, _overflow_key(r)) if k}
        for chunk in _chunks(sorted(keys)):
            self.stored_keys.update(self.session.execute(
                select(_ENTRIES.c.idempotency_key, _ENTRIES.c.seq).where(_ENTRIES.c.idempotency_key.in_(chunk))).all())
        ids = sorted(({p.account_id for r in requests for p in r.txn.postings}
                      | {r.cap.overflow_to for r in requests if r.cap and r.cap.overflow_to is not None})
                     - set(self.states))
        for chunk in _chunks(ids):
            for r in self.session.execute(select(_ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.balance,
                                                 _ACCOUNTS.c.frozen).where(_ACCOUNTS.c.id.in_(chunk))):
                self.states[r.id] = AccountState(r.id, r.kind, r.balance, r.frozen)

    def run(self, request: Request, now: datetime | None) -> Outcome:
        txn = request.txn
        key = txn.idempotency_key
        try:
            if key and key in self.new_keys:
                earlier = self.new_keys[key]
                return _retried(earlier, txn, key)
            if key and key in self.stored_keys:
                earlier = [load_entry(self.session, self.stored_keys[key])]
                if request.cap is not None and _overflow_key(request) in self.stored_keys:
                    # A retried credit returns what the first call made, overflow included; the cap
                    # is not worked out again (the balance has moved since).
                    earlier.append(load_entry(self.session, self.stored_keys[_overflow_key(request)]))
                return _retried(earlier, txn, key)
            if txn.kind == Kind.REVERSAL and txn.reverses_seq is not None:
                self._check_reversible(txn.reverses_seq)
            overflow = self._overflow(request)  # the cap is decided first, as before the batch existed
            error = error_for(check(txn, self.states))
            if error is None and overflow is not None:
                coming = sum(p.amount for p in txn.postings if p.account_id == request.cap.account_id)
                after = replace(self.states[request.cap.account_id],
                                balance=self.states[request.cap.account_id].balance + coming)
                error = error_for(check(overflow, {**self.states, after.id: after}))
            if error is not None:
                return error
        except YinlingError as exc:
            return exc
        when = request.at or now
        made = [self._write(txn, when)]
        if overflow is not None:
            made.append(self._write(overflow, when))
        if key:
            self.new_keys[key] = made
        return made

    def _overflow(self, request: Request) -> Transaction | None:
        """The cap-overflow entry a credit needs, None if it fits; PolicyViolation if it must be refused."""
        cap, txn = request.cap, request.txn
        if cap is None or cap.account_id not in self.states:
            return None
        coming = sum(p.amount for p in txn.postings if p.account_id == cap.account_id)
        excess = max(0, self.states[cap.account_id].balance + coming - cap.limit)
        if not excess:
            return None
        if cap.overflow_to is None:
            raise PolicyViolation(f"credit of {coming} min would exceed the account cap of {cap.limit} min",
                                  code="account_cap", message="账户时间币已到上限。")
        return Transaction(
            kind=Kind.CAP_OVERFLOW, postings=(Posting(cap.account_id, -excess), Posting(cap.overflow_to, excess)),
            actor=txn.actor, channel=txn.channel, memo="超出账户上限，转入公益基金", order_id=txn.order_id,
            idempotency_key=_overflow_key(request))

    def _check_reversible(self, seq: int) -> None:
        if self.first_seq <= seq <= self.seq:
            written = self.entries[seq - self.first_seq]
            kind, already = written["kind"], seq in self.reversed
        else:
            kind = self.session.scalar(select(_ENTRIES.c.kind).where(_ENTRIES.c.seq == seq))
            if kind is None:
                raise NotFound(f"ledger entry {seq} does not exist", code="entry_not_found")
            already = seq in self.reversed or self.session.scalar(
                select(_ENTRIES.c.seq).where(_ENTRIES.c.reverses_seq == seq)) is not None
        if kind == Kind.REVERSAL:
            raise LedgerError(f"entry {seq} is itself a reversal; append a new transaction instead")
        if already:
            raise LedgerError(f"entry {seq} is already reversed", code="already_reversed",
                              message="这笔记录已经撤销过了。")

    def _write(self, txn: Transaction, now: datetime | None) -> Entry:
        seq, prev_hash = self.seq + 1, self.hash
        created_at = now or utcnow()
        legs = [(p.account_id, p.amount) for p in txn.postings]
        digest = entry_hash(
            seq=seq, created_at=created_at, kind=txn.kind, actor=txn.actor, channel=txn.channel,
            memo=txn.memo, order_id=txn.order_id, reverses_seq=txn.reverses_seq,
            service_minutes=txn.service_minutes, idempotency_key=txn.idempotency_key,
            postings=legs, prev_hash=prev_hash)
        self.entries.append({
            "seq": seq, "kind": txn.kind, "created_at": created_at, "actor": txn.actor, "channel": txn.channel,
            "memo": txn.memo, "order_id": txn.order_id, "reverses_seq": txn.reverses_seq,
            "service_minutes": txn.service_minutes, "idempotency_key": txn.idempotency_key,
            "prev_hash": prev_hash, "hash": digest})
        self.postings.extend({"entry_seq": seq, "account_id": a, "amount": m} for a, m in legs)
        for account_id, amount in legs:
            self.delta[account_id] += amount
            state = self.states[account_id]  # a new frozen record (faster than dataclasses.replace)
            self.states[account_id] = AccountState(state.id, state.kind, state.balance + amount, state.frozen)
        kinds = {a: self.states[a].kind for a, _ in legs}
        for account_id, minutes in service_minutes_by_account(txn.service_minutes, legs, kinds).items():
            self.served[account_id] += minutes
        if txn.reverses_seq is not None:
            self.reversed.add(txn.reverses_seq)
        self.seq, self.hash = seq, digest
        return Entry(seq=seq, created_at=created_at, transaction=txn, prev_hash=prev_hash, hash=digest)

    def flush(self) -> None:
        """Write what the batch made: a few ``executemany`` statements, whatever its size."""
        if not self.entries:
            return
        self.write_rows()
        self.write_accounts()

    def write_rows(self) -> None:
        """Write the entries and postings made since the last call and forget them (they are in the
        transaction now, where ``load`` and ``_check_reversible`` find them); balances stay in memory."""
        if not self.entries:
            return
        # Core statements on the tables, not ORM objects: this runs under the head lock. A big batch
        # on PostgreSQL (an import) goes in with COPY, several times cheaper than executemany.
        if len(self.entries) >= COPY_FROM and self.session.get_bind().dialect.name == "postgresql":
            _copy(self.session, _ENTRIES, self.entries)
            _copy(self.session, _POSTINGS, self.postings)
        else:
            self.session.execute(insert(_ENTRIES), self.entries)
            self.session.execute(insert(_POSTINGS), self.postings)
        self.entries, self.postings = [], []
        self.new_keys.clear()
        self.stored_keys.clear()
        self.first_seq = self.seq + 1

    def write_accounts(self) -> None:
        """Add the balances' changes to the accounts and move the head: once per batch or stream."""
        changed = sorted(a for a in self.delta if self.delta[a] or self.served.get(a))
        if changed:
            self.session.execute(_ADD_TO_ACCOUNT, [{"account": a, "delta": self.delta[a], "served": self.served.get(a, 0)}
                                                   for a in changed])
        self.delta.clear()
        self.served.clear()
        self.session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(seq=self.seq, hash=self.hash))
        for account_id in changed:  # loaded Account objects would otherwise show the old balance
            cached = self.session.identity_map.get(Session.identity_key(Account, account_id))
            if cached is not None:
                self.session.expire(cached, ["balance", "service_minutes"])
        head = self.session.identity_map.get(Session.identity_key(LedgerHead, 1))
        if head is not None:
            set_committed_value(head, "seq", self.seq)
            set_committed_value(head, "hash", self.hash)


def _copy(session: Session, table, rows: list[dict]) -> None:
    """``rows`` into ``table`` with PostgreSQL's COPY (psycopg 3), in the session's transaction."""
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    finally:
        cursor.close()


def write_batch(session: Session, requests: list[Request], *, now: datetime | None = None) -> list[Outcome]:
    """Append ``requests`` in order in the session's transaction; one outcome per request.

    Takes the head lock, reads every key and account the batch needs in a few queries, runs the
    validators for each request against the balances the earlier ones left, and writes the
    accepted entries together. The caller commits (or rolls back everything).
    """
    batch = _Batch(session, requests)
    outcomes = [batch.run(r, now) for r in requests]
    batch.flush()
    return outcomes


def write_stream(session: Session, batches: Iterable[list[Request]]) -> Iterator[list[Outcome]]:
    """Append batch after batch in the session's transaction under one head lock; yields each batch's
    outcomes. Balances are carried from batch to batch in memory and written to the accounts once, after
    the last batch: each account row changes once instead of once per batch (on PostgreSQL an import of a
    million records otherwise left hundreds of versions of every busy account row in its transaction, which
    every later update and foreign-key check walked). Rows are written per batch. For the importer: stop
    early only by raising, so the transaction rolls back with balances not written."""
    batch = None
    for requests in batches:
        if batch is None:
            batch = _Batch(session, requests)
        else:
            batch.load(requests)
        outcomes = [batch.run(r, None) for r in requests]
        batch.write_rows()
        yield outcomes
    if batch is not None:
        batch.write_accounts()


def _overflow_key(request: Request) -> str | None:
    key = request.txn.idempotency_key
    return f"{key}:overflow" if key and request.cap is not None else None


def _retried(earlier: list[Entry], txn: Transaction, key: str) -> Outcome:
    if _same_request(earlier[0].transaction, txn):
        return earlier
    return IdempotencyConflict(f"idempotency key {key!r} was used for a different transaction")


def _same_request(a: Transaction, b: Transaction) -> bool:
    def key(t: Transaction):
        return (t.kind, sorted((p.account_id, p.amount) for p in t.postings), t.order_id,
                t.reverses_seq, t.service_minutes)
    return key(a) == key(b)


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
