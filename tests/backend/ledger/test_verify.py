"""Tampering with the stored ledger directly in the database, one way per test: ``verify()`` and
the real ``yinling ledger verify`` console script must both fail and name the first bad entry.

The seeded ledger (people A, B, C):
  1 credit A 600   2 credit B 300   3 gift A→B 100   4 donation B→fund 50
  5 grant fund→C 30   6 reversal of 2   7 credit C 120
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from backend.core.db import unit_of_work
from backend.ledger import operations as ops
from backend.ledger.accounts import person_account
from backend.ledger.hashing import entry_hash
from backend.ledger.journal import load_entry
from backend.ledger.verify import verify, verify_parallel
from backend.models import LedgerEntry
from backend.people.registry import link_family
from tests import factories
from tests.backend.ledger.invariants import assert_ledger_sound

YINLING = Path(sys.executable).parent / "yinling"
ACTOR = ops.Actor("operator:test", "operator")
ENTRY_COLUMNS = ("kind", "created_at", "actor", "channel", "memo", "order_id", "reverses_seq",
                 "service_minutes", "idempotency_key", "prev_hash", "hash")


def _seed(state) -> dict[str, int]:
    """The ledger in the module docstring; returns the person account ids by letter."""
    policy = state.policy
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        a, b, c = (factories.person(s, policy, tree["comm_a"], name=f"老人{x}") for x in "ABC")
        link_family(s, a.id, b.id, "spouse", consent="consented")  # the default policy gifts within family
        for who, station, minutes in ((a, "comm_a", 600), (b, "comm_b", 300)):
            ops.credit_service(s, volunteer_id=who.id, station_id=tree[station], served_minutes=minutes,
                               tier="ordinary", policy=policy, actor=ACTOR)
        ops.gift(s, from_id=a.id, to_id=b.id, minutes=100, policy=policy, actor=ACTOR, memo="给老伴")
        ops.donate(s, from_id=b.id, minutes=50, policy=policy, actor=ACTOR)
        ops.grant(s, to_id=c.id, minutes=30, actor=ACTOR, memo="高龄补贴")
        ops.reverse(s, seq=2, reason="虚假服务", actor=ACTOR)
        ops.credit_service(s, volunteer_id=c.id, station_id=tree["comm_a"], served_minutes=120, tier="ordinary",
                           policy=policy, actor=ACTOR)
        accounts = {x: person_account(s, p.id).id for x, p in zip("ABC", (a, b, c))}
    with unit_of_work(state.sessions) as s:
        assert_ledger_sound(s)  # the untouched ledger verifies, so each failure below is the tampering
        assert verify(s).entries == 7
    return accounts


def _tamper(state, *statements: tuple[str, dict]) -> None:
    with state.engine.begin() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)


def _assert_caught(state, first_bad: int | None, problem: str, *, cli: bool = True) -> None:
    """Both verifiers fail and name ``first_bad`` (None: no entry was altered) and ``problem``."""
    # The console script starts first and runs while the in-process check does: it takes a second or two.
    script = None
    if cli:
        script = subprocess.Popen([str(YINLING), "ledger", "verify"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env={**os.environ, "DATABASE_URL": state.settings.database_url})
    with unit_of_work(state.sessions) as s:
        report = verify(s)
    assert not report.ok
    assert report.first_bad_seq == first_bad, report.problems
    assert any(problem in p for p in report.problems), report.problems
    if script is None:
        return
    stdout, stderr = script.communicate(timeout=120)
    assert script.returncode == 1, stdout
    named = f"first bad entry {first_bad}" if first_bad is not None else "no entry was altered"
    assert named in stderr, stderr
    assert problem in stderr, stderr


def test_verify__detects_edited_posting_amount(state):
    accounts = _seed(state)
    _tamper(state, ("UPDATE postings SET amount = amount + 60 WHERE entry_seq = 3 AND account_id = :b",
                    {"b": accounts["B"]}))
    _assert_caught(state, 3, "entry 3: content does not match its hash")


def test_verify__detects_edited_posting_amounts_that_still_balance(state):
    accounts = _seed(state)
    _tamper(state,
            ("UPDATE postings SET amount = amount + 60 WHERE entry_seq = 3 AND account_id = :b", {"b": accounts["B"]}),
            ("UPDATE postings SET amount = amount - 60 WHERE entry_seq = 3 AND account_id = :a", {"a": accounts["A"]}),
            ("UPDATE accounts SET balance = balance + 60 WHERE id = :b", {"b": accounts["B"]}),
            ("UPDATE accounts SET balance = balance - 60 WHERE id = :a", {"a": accounts["A"]}))
    # Sums and cached balances all agree now; only the hash can tell (the script is run for the others).
    _assert_caught(state, 3, "entry 3: content does not match its hash", cli=False)


def test_verify__detects_edited_entry_memo(state):
    _seed(state)
    _tamper(state, ("UPDATE ledger_entries SET memo = :memo WHERE seq = 5", {"memo": "改过的备注"}))
    _assert_caught(state, 5, "entry 5: content does not match its hash")


def test_verify__detects_deleted_middle_entry(state):
    _seed(state)
    _tamper(state, ("DELETE FROM postings WHERE entry_seq = 4", {}),
            ("DELETE FROM ledger_entries WHERE seq = 4", {}))
    _assert_caught(state, 4, "entry 4: missing")


def test_verify__detects_deleted_last_entry(state):
    _seed(state)
    _tamper(state, ("DELETE FROM postings WHERE entry_seq = 7", {}),
            ("DELETE FROM ledger_entries WHERE seq = 7", {}))
    _assert_caught(state, 7, "chain head says entry 7 but the last stored entry is 6")


def test_verify__detects_swapped_entries(state):
    _seed(state)
    entries = LedgerEntry.__table__
    with state.engine.connect() as conn:
        rows = {r.seq: r._mapping for r in conn.execute(select(entries).where(entries.c.seq.in_((3, 4))))}
    # Entries 3 and 4 trade every column but seq, and their postings move with them: the rows now
    # read as if the donation had come before the gift.
    with state.engine.begin() as conn:
        for seq, other in ((3, 4), (4, 3)):
            conn.execute(update(entries).where(entries.c.seq == seq).values(
                {c: rows[other][c] for c in ENTRY_COLUMNS}))
        conn.execute(text("UPDATE postings SET entry_seq = CASE entry_seq WHEN 3 THEN 4 ELSE 3 END "
                          "WHERE entry_seq IN (3, 4)"))
    _assert_caught(state, 3, "entry 3: prev_hash does not link to entry 2")


def test_verify__detects_edited_cached_balance(state):
    accounts = _seed(state)
    _tamper(state, ("UPDATE accounts SET balance = balance + 600 WHERE id = :c", {"c": accounts["C"]}))
    _assert_caught(state, None, f"account {accounts['C']}: cached balance 750 != replayed 150")


# -- ranges checked apart and joined at the seams -------------------------------------------------------
# Three ranges over the seven entries: 1-2 | 3-5 | 6-7 (ranges.split(7, 3)).

def _rehash_with_memo(state, seq: int, memo: str) -> None:
    """What a careful forger does: edit an entry and store the hash its new content has."""
    with unit_of_work(state.sessions) as s:
        entry = load_entry(s, seq)
        t = entry.transaction
        digest = entry_hash(seq=seq, created_at=entry.created_at, kind=t.kind, actor=t.actor, channel=t.channel,
                            memo=memo, order_id=t.order_id, reverses_seq=t.reverses_seq,
                            service_minutes=t.service_minutes, idempotency_key=t.idempotency_key,
                            postings=[(p.account_id, p.amount) for p in t.postings], prev_hash=entry.prev_hash)
    _tamper(state, ("UPDATE ledger_entries SET memo = :m, hash = :h WHERE seq = :s", {"m": memo, "h": digest, "s": seq}))


SEAM_CASES = {
    # the last entry of the first range re-hashed: only the next range's first entry can tell
    "rehashed_last_of_range": (lambda st: _rehash_with_memo(st, 2, "改过的备注"), 3,
                               "entry 3: prev_hash does not link to entry 2"),
    "edited_first_of_range": (lambda st: _tamper(st, ("UPDATE ledger_entries SET memo = 'x' WHERE seq = 6", {})),
                              6, "entry 6: content does not match its hash"),
    "deleted_first_of_range": (lambda st: _tamper(st, ("DELETE FROM postings WHERE entry_seq = 3", {}),
                                                  ("DELETE FROM ledger_entries WHERE seq = 3", {})),
                               3, "entry 3: missing (next stored entry is 4)"),
}


@pytest.mark.parametrize("case", sorted(SEAM_CASES))
def test_verify_parallel__finds_tampering_at_a_range_seam(state, case):
    tamper, first_bad, problem = SEAM_CASES[case]
    _seed(state)
    assert verify_parallel(state.settings.database_url, workers=1, parts=3).ok
    tamper(state)
    report = verify_parallel(state.settings.database_url, workers=1, parts=3)
    assert not report.ok and report.first_bad_seq == first_bad, report.problems
    assert any(problem in p for p in report.problems), report.problems
    with unit_of_work(state.sessions) as s:  # one range in one process reports the same
        assert verify(s).first_bad_seq == first_bad


def test_verify_parallel__worker_processes_join_like_one_pass(state):
    _seed(state)
    url = state.settings.database_url
    clean = verify_parallel(url, workers=2, parts=2)
    assert clean.ok and clean.entries == 7
    _rehash_with_memo(state, 4, "改过")  # 4 ends the first of the two ranges (1-4 | 5-7)
    broken = verify_parallel(url, workers=2, parts=2)
    assert broken.first_bad_seq == 5 and broken.entries == 7
    assert "entry 5: prev_hash does not link to entry 4 (deleted, reordered or edited)" in broken.problems
