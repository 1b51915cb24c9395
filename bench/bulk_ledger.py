"""Fill a migrated database with a large, valid ledger fast, bypassing the API and the journal.

The chain is built in Python exactly as ``journal.append`` would build it (same ``entry_hash``,
same running balances, same service-minute rule), then written with ``executemany`` (SQLite) or
``COPY`` (PostgreSQL). Cached balances, service minutes and ``ledger_head`` are set to match, so
``verify`` must report the result as intact; if it does not, the loader (not the ledger) is wrong.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, text

from backend.ledger.hashing import GENESIS_HASH, entry_hash
from backend.ledger.journal import service_minutes_by_account
from backend.ledger.records import Kind

BATCH = 50_000
ENTRY_COLUMNS = ("seq", "kind", "created_at", "actor", "channel", "memo", "order_id", "reverses_seq",
                 "service_minutes", "idempotency_key", "prev_hash", "hash")
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
MEMOS = ("", "", "", "陪同就医", "上门助餐", "智能手机教学")


@dataclass
class Accounts:
    """The accounts the generated entries move coins between."""

    persons: list[int]
    clearing: list[int]
    fund: int
    kinds: dict[int, str] = field(init=False)

    def __post_init__(self) -> None:
        self.kinds = {a: "person" for a in self.persons} | {a: "clearing" for a in self.clearing}
        self.kinds[self.fund] = "fund"


@dataclass
class ChainState:
    """What the generator knows after the last entry: the values to cache in accounts and head."""

    seq: int = 0
    hash: str = GENESIS_HASH
    balances: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    served: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _pick(rng: random.Random, acc: Accounts, balances) -> tuple[str, list[tuple[int, int]], int]:
    """One transaction's kind, legs and served minutes; never takes a person or the fund below zero."""
    r = rng.random()
    person = rng.choice(acc.persons)
    amount = rng.choice((10, 30, 60))
    if 0.45 <= r < 0.70 and balances[person] >= amount:
        other = rng.choice(acc.persons)
        if other != person:
            return Kind.GIFT, [(person, -amount), (other, amount)], 0
    if 0.70 <= r < 0.90 and balances[person] >= amount:
        return Kind.REDEMPTION, [(person, -amount), (rng.choice(acc.clearing), amount)], 0
    if 0.90 <= r < 0.96 and balances[person] >= amount:
        return Kind.DONATION, [(person, -amount), (acc.fund, amount)], 0
    if r >= 0.96 and balances[acc.fund] >= amount:
        return Kind.GRANT, [(acc.fund, -amount), (person, amount)], 0
    served = rng.choice((30, 60, 90, 120, 180))
    return Kind.SERVICE_CREDIT, [(rng.choice(acc.clearing), -served), (person, served)], served


def generate(acc: Accounts, count: int, state: ChainState, seed: int = 2) -> Iterator[tuple[list, list]]:
    """Yield (entry rows, posting rows) in batches; ``state`` follows along."""
    rng = random.Random(seed)
    entries, postings = [], []
    for _ in range(count):
        seq = state.seq + 1
        kind, legs, served = _pick(rng, acc, state.balances)
        created_at = START + timedelta(seconds=seq * 20, microseconds=rng.randrange(1_000_000))
        channel = rng.choice(("phone", "chat", "operator"))
        memo = rng.choice(MEMOS)
        order_id = seq if kind in (Kind.SERVICE_CREDIT, Kind.REDEMPTION) else None
        key = f"bench:{seq}"
        digest = entry_hash(seq=seq, created_at=created_at, kind=kind, actor="service:bench", channel=channel,
                            memo=memo, order_id=order_id, reverses_seq=None, service_minutes=served,
                            idempotency_key=key, postings=legs, prev_hash=state.hash)
        entries.append((seq, kind, created_at, "service:bench", channel, memo, order_id, None, served, key,
                        state.hash, digest))
        postings.extend((seq, a, m) for a, m in legs)
        for a, m in legs:
            state.balances[a] += m
        for a, m in service_minutes_by_account(served, legs, acc.kinds).items():
            state.served[a] += m
        state.seq, state.hash = seq, digest
        if len(entries) >= BATCH:
            yield entries, postings
            entries, postings = [], []
    if entries:
        yield entries, postings


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's storage format for DateTime on SQLite (naive UTC, see models.base.UTCDateTime)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _write_sqlite(dbapi, batches) -> None:
    cur = dbapi.cursor()
    marks = ",".join("?" * len(ENTRY_COLUMNS))
    for entries, postings in batches:
        cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO ledger_entries ({','.join(ENTRY_COLUMNS)}) VALUES ({marks})",
                        [e[:2] + (_sqlite_time(e[2]),) + e[3:] for e in entries])
        cur.executemany("INSERT INTO postings (entry_seq, account_id, amount) VALUES (?,?,?)", postings)
        cur.execute("COMMIT")
    cur.close()


def _write_postgres(dbapi, batches) -> None:
    for entries, postings in batches:
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY ledger_entries ({','.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            with cur.copy("COPY postings (entry_seq, account_id, amount) FROM STDIN") as copy:
                for row in postings:
                    copy.write_row(row)
        dbapi.commit()


def load(engine: Engine, acc: Accounts, count: int) -> ChainState:
    """Append ``count`` generated entries after an empty ledger; return the final chain state."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT seq FROM ledger_head WHERE id = 1")).scalar_one() != 0:
            raise RuntimeError("bulk load expects an empty ledger")
    state = ChainState()
    raw = engine.raw_connection()
    try:
        writer = _write_postgres if engine.dialect.name == "postgresql" else _write_sqlite
        writer(raw.driver_connection, generate(acc, count, state))
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET balance = :b, service_minutes = :s WHERE id = :i"),
                     [{"i": a, "b": state.balances.get(a, 0), "s": state.served.get(a, 0)} for a in acc.kinds])
        conn.execute(text("UPDATE ledger_head SET seq = :seq, hash = :hash WHERE id = 1"),
                     {"seq": state.seq, "hash": state.hash})
    with engine.connect() as conn:  # fresh statistics, as autovacuum / a maintenance job would give
        conn.execute(text("ANALYZE"))
        conn.commit()
    return state


def write_import_file(path, acc: Accounts, refs: dict[int, str], count: int, seed: int = 2) -> ChainState:
    """The same generated ledger as ``load``, as an old platform's export for ``yinling ledger import``
    (JSON Lines, one record a line; ``refs`` names each account as the file does: person:<id> …)."""
    import json
    state = ChainState()
    with open(path, "w", encoding="utf-8") as f:
        for entries, postings in generate(acc, count, state, seed):
            legs: dict[int, list] = {}
            for seq, account, amount in postings:
                legs.setdefault(seq, []).append([refs[account], amount])
            for seq, kind, created_at, _actor, channel, memo, order_id, _rev, served, _key, _prev, _hash in entries:
                record = {"ref": f"old-{seq}", "kind": kind, "at": created_at.isoformat(), "postings": legs[seq],
                          "service_minutes": served, "memo": memo, "channel": channel, "order_id": order_id}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return state
