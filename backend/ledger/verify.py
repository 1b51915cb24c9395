"""Checking the whole ledger: hash chain, sequence, zero sums, and the cached balances.

The ledger is checked in seq ranges (``ranges.check_range``) joined here at the seams: each
range's first entry must follow the previous range's last (seq + 1, prev_hash = its hash), the
running balances carry over from range to range, and the sums of all ranges must equal every
account's cached balance and service minutes. ``verify`` reads the ledger as one range in the
caller's session; ``verify_parallel`` checks ranges in worker processes (hashing is CPU work, and
one Python process uses one core), all reading one snapshot on PostgreSQL. Both return every
problem found, first bad entry first.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from backend.core.db import normalise_url
from backend.ledger.hashing import GENESIS_HASH
from backend.ledger.ranges import RangeResult, check_range, split
from backend.models import Account, LedgerEntry, LedgerHead, Posting

_A = Account.__table__.c
MIN_PARALLEL = 20_000  # entries; below this one process checks the ledger


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


@dataclass(frozen=True)
class _Books:
    """What the join compares the ranges with: the chain head and every account's cached values."""

    head: tuple[int, str]
    accounts: list[tuple[int, str, int, int]]  # (id, kind, balance, service_minutes)

    @property
    def kinds(self) -> dict[int, str]:
        return {a: kind for a, kind, _, _ in self.accounts}


def _read_books(conn: Connection) -> _Books:
    head = conn.execute(select(LedgerHead.__table__.c.seq, LedgerHead.__table__.c.hash)
                        .where(LedgerHead.__table__.c.id == 1)).first()
    accounts = [tuple(r) for r in conn.execute(select(_A.id, _A.kind, _A.balance, _A.service_minutes))]
    return _Books(tuple(head) if head else (0, GENESIS_HASH), accounts)


def verify(session: Session) -> VerifyReport:
    """Check the ledger in the session's transaction, in this process."""
    conn = session.connection()
    books = _read_books(conn)
    return join([check_range(conn, books.kinds, None, None)], books)


def verify_parallel(url: str, *, workers: int | None = None, parts: int | None = None) -> VerifyReport:
    """Check the ledger at ``url`` in ``workers`` processes over ``parts`` seq ranges (default: one
    per core). Workers read up to the last entry of the coordinator's snapshot (on PostgreSQL they
    share that snapshot), so entries appended meanwhile are left out, as they are from the cached
    balances the coordinator read."""
    workers = workers or os.cpu_count() or 1
    engine = create_engine(normalise_url(url), poolclass=NullPool)  # no BEGIN IMMEDIATE: readers only
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.connect() as conn:
            if postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if not postgres:  # pysqlite would not begin for reads: one snapshot for the three below
                    conn.exec_driver_sql("BEGIN")
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()")) if postgres else None
                books = _read_books(conn)
                # Rows are never changed once written, so whatever a worker reads up to here is what
                # this snapshot holds; entries appended later are left out, as from the balances.
                last_seq = max(conn.scalar(select(func.max(LedgerEntry.seq))) or 0,
                               conn.scalar(select(func.max(Posting.entry_seq))) or 0)
                if last_seq < MIN_PARALLEL and parts is None:
                    workers = 1  # starting processes would take longer than the check
                ranges = split(last_seq, parts or workers)
                if workers == 1 or len(ranges) == 1:
                    results = [check_range(conn, books.kinds, lo, hi) for lo, hi in ranges]
                else:
                    context = multiprocessing.get_context("spawn")  # no forked sockets or threads
                    with ProcessPoolExecutor(min(workers, len(ranges)), mp_context=context) as pool:
                        results = list(pool.map(_check_in_worker, [(url, snapshot, books.kinds, lo, hi)
                                                                   for lo, hi in ranges]))
    finally:
        engine.dispose()
    return join(results, books)


def _check_in_worker(job) -> RangeResult:
    url, snapshot, kinds, lo, hi = job
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if snapshot:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if snapshot:
                    conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                return check_range(conn, kinds, lo, hi)
    finally:
        engine.dispose()


def join(results: list[RangeResult], books: _Books) -> VerifyReport:
    """One report from consecutive ranges: the seams, the running balances, the head, the caches."""
    found: list[tuple[int | None, str]] = []
    balances: dict[int, int] = defaultdict(int)
    served: dict[int, int] = defaultdict(int)
    expected_seq, prev_hash, entries = 1, GENESIS_HASH, 0
    for r in results:
        entries += r.entries
        if r.first is not None:
            seq, first_prev = r.first
            if seq != expected_seq:
                found.append((expected_seq, f"entry {expected_seq}: missing (next stored entry is {seq})"))
            if first_prev != prev_hash:
                found.append((seq, f"entry {seq}: prev_hash does not link to entry {seq - 1} "
                                   "(deleted, reordered or edited)"))
        found.extend(r.problems)
        for account_id, lows in r.lows.items():
            start = balances[account_id]
            dip = next((seq for seq, low in lows if start + low < 0), None)
            if dip is not None:
                found.append((dip, f"entry {dip}: account {account_id} goes negative on replay"))
        for account_id, total in r.sums.items():
            balances[account_id] += total
        for account_id, minutes in r.served.items():
            served[account_id] += minutes
        if r.last is not None:
            expected_seq, prev_hash = r.last[0] + 1, r.last[1]
    head_seq, head_hash = books.head
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        found.append((min(head_seq, expected_seq - 1) + 1 if head_seq != expected_seq - 1 else head_seq,
                      f"chain head says entry {head_seq} but the last stored entry is {expected_seq - 1} "
                      "(entries removed at the end?)"))
    report = VerifyReport(entries=entries)
    for seq, problem in sorted(found, key=lambda p: p[0]):  # stable: a range's own order is kept
        report.add(seq, problem)
    for account_id, _kind, balance, minutes in books.accounts:
        if balance != balances.get(account_id, 0):
            report.add(None, f"account {account_id}: cached balance {balance} != replayed {balances.get(account_id, 0)}")
        if minutes != served.get(account_id, 0):
            report.add(None, f"account {account_id}: cached service minutes {minutes} != replayed "
                             f"{served.get(account_id, 0)}")
    return report
