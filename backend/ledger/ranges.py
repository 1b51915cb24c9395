"""Checking one range of ledger entries on its own, for ``verify`` to join with its neighbours.

Every entry stores its predecessor's hash, so a range can be checked without the entries before
it: inside the range each entry must follow the one before (seq + 1, prev_hash = its hash), its
content must match its hash and its postings must balance. What only the whole ledger can tell is
left for the join: whether the range's first entry follows the previous range's last, and whether
a person or fund account dips below zero (that needs the balance the range starts from, so the
range reports each new low of every account's running sum instead).

Rows are read as plain tuples straight from the driver on one connection (statements compiled from
Core selects; server-side cursors on PostgreSQL), entries and postings in two streams merged by seq, so
memory stays flat. Skipping SQLAlchemy's result rows takes about a fifth off the check's CPU time.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from backend.ledger.hashing import entry_hash
from backend.ledger.journal import service_minutes_by_account
from backend.ledger.validators import NON_NEGATIVE_KINDS
from backend.models import LedgerEntry, Posting

BATCH = 20_000
_E, _P = LedgerEntry.__table__.c, Posting.__table__.c


@dataclass
class RangeResult:
    """What one range found, in plain values (it crosses process boundaries).

    lo, hi: the range's bounds (None: open); entries: rows read; first: (seq, prev_hash) of the
    first stored entry; last: (seq, hash) of the last; problems: (seq or None, text) in seq order;
    sums / served: per account, the range's total postings and service minutes; lows: per person
    or fund account, [(seq, running sum)] at each new low of its running sum within the range.
    """

    lo: int | None
    hi: int | None
    entries: int = 0
    first: tuple[int, str] | None = None
    last: tuple[int, str] | None = None
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    sums: dict[int, int] = field(default_factory=dict)
    served: dict[int, int] = field(default_factory=dict)
    lows: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def split(last_seq: int, parts: int) -> list[tuple[int | None, int]]:
    """``parts`` contiguous ranges covering seqs up to ``last_seq``; the first is open below, so
    stray rows before seq 1 are still read."""
    parts = max(1, min(parts, last_seq or 1))
    bounds = [round(last_seq * i / parts) for i in range(1, parts)]
    return list(zip([None] + [b + 1 for b in bounds], bounds + [last_seq]))


def _between(column, lo, hi):
    conditions = []
    if lo is not None:
        conditions.append(column >= lo)
    if hi is not None:
        conditions.append(column <= hi)
    return conditions


def _rows(conn: Connection, name: str, query):
    """The rows of ``query`` as the driver's tuples, fetched ``BATCH`` at a time (a named, server-side
    cursor on PostgreSQL); in the connection's transaction."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    driver = conn.connection.driver_connection
    postgres = conn.dialect.name == "postgresql"
    cursor = driver.cursor(name=name) if postgres else driver.cursor()
    try:
        if postgres:
            cursor.itersize = BATCH
            cursor.execute(compiled.string, compiled.params)
        else:
            cursor.execute(compiled.string, [compiled.params[k] for k in compiled.positiontup])
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def _created_at(value) -> datetime:
    """SQLite's driver hands back the stored text; SQLAlchemy would parse it the same way."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _postings_by_entry(conn: Connection, lo, hi):
    stream = _rows(conn, "verify_postings", select(_P.entry_seq, _P.account_id, _P.amount)
                   .where(*_between(_P.entry_seq, lo, hi)).order_by(_P.entry_seq, _P.id))
    current, legs = None, []
    for seq, account_id, amount in stream:
        if seq != current:
            if current is not None:
                yield current, legs
            current, legs = seq, []
        legs.append((account_id, amount))
    if current is not None:
        yield current, legs


def check_range(conn: Connection, kinds: dict[int, str], lo: int | None, hi: int | None) -> RangeResult:
    """Check entries with ``lo <= seq <= hi`` (and their postings) on ``conn``."""
    result = RangeResult(lo, hi)
    problems = result.problems
    sums: dict[int, int] = defaultdict(int)
    served: dict[int, int] = defaultdict(int)
    lowest: dict[int, int] = defaultdict(int)
    lows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    guarded = {a for a, kind in kinds.items() if kind in NON_NEGATIVE_KINDS}
    postings = _postings_by_entry(conn, lo, hi)
    pending = next(postings, None)
    expected_seq, prev_hash = None, None
    entries = _rows(conn, "verify_entries", select(
        _E.seq, _E.created_at, _E.kind, _E.actor, _E.channel, _E.memo, _E.order_id, _E.reverses_seq,
        _E.service_minutes, _E.idempotency_key, _E.prev_hash, _E.hash).where(*_between(_E.seq, lo, hi)).order_by(_E.seq))
    for (seq, created_at, kind, actor, channel, memo, order_id, reverses_seq, service_minutes, key,
         row_prev_hash, row_hash) in entries:
        result.entries += 1
        if expected_seq is None:
            result.first = (seq, row_prev_hash)
        else:
            if seq != expected_seq:
                problems.append((expected_seq, f"entry {expected_seq}: missing (next stored entry is {seq})"))
            if row_prev_hash != prev_hash:
                problems.append((seq, f"entry {seq}: prev_hash does not link to entry {seq - 1} "
                                      "(deleted, reordered or edited)"))
        while pending is not None and pending[0] < seq:
            problems.append((pending[0], f"postings of entry {pending[0]} have no entry"))
            pending = next(postings, None)
        legs = pending[1] if pending is not None and pending[0] == seq else []
        if legs:
            pending = next(postings, None)
        recomputed = entry_hash(
            seq=seq, created_at=_created_at(created_at), kind=kind, actor=actor, channel=channel, memo=memo, order_id=order_id,
            reverses_seq=reverses_seq, service_minutes=service_minutes, idempotency_key=key, postings=legs,
            prev_hash=row_prev_hash)
        if recomputed != row_hash:
            problems.append((seq, f"entry {seq}: content does not match its hash (edited)"))
        if sum(a for _, a in legs) != 0 or len(legs) < 2:
            problems.append((seq, f"entry {seq}: postings do not balance"))
        for account_id, amount in legs:
            total = sums[account_id] = sums[account_id] + amount
            if total < lowest[account_id] and account_id in guarded:
                lowest[account_id] = total
                lows[account_id].append((seq, total))
        if service_minutes:
            for account_id, minutes in service_minutes_by_account(service_minutes, legs, kinds).items():
                served[account_id] += minutes
        prev_hash, expected_seq = row_hash, seq + 1
        result.last = (seq, row_hash)
    while pending is not None:
        problems.append((pending[0], f"postings of entry {pending[0]} have no entry"))
        pending = next(postings, None)
    result.sums, result.served, result.lows = dict(sums), dict(served), dict(lows)
    return result
