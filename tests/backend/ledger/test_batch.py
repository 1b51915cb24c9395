"""Batches of requests in one database transaction (``journal.write_batch``) and the group-committing
appender that sends them: each request is checked against the balances the earlier ones in its batch
left, a refused request gets its own error and stores nothing, and the rest of its batch commits."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.errors import (AccountFrozen, IdempotencyConflict, InsufficientBalance, LedgerError,
                                 PolicyViolation, YinlingError)
from backend.ledger import journal
from backend.ledger import operations as ops
from backend.ledger.accounts import fund_account, person_account
from backend.ledger import appender as appender_module
from backend.ledger.appender import _STOP, LINGER_MAX, GroupAppender
from backend.ledger.records import Entry, Kind, Posting, Transaction
from backend.models import LedgerEntry
from backend.people.registry import set_frozen
from tests import factories
from tests.backend.ledger.invariants import assert_ledger_sound, snapshot

ACTOR = ops.Actor("operator:test", "operator")


def _people(state, count=3, minutes=100):
    """``count`` people with ``minutes`` each (entries 1..count); returns (person ids, account ids, station tree)."""
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        people = [factories.person(s, state.policy, tree["comm_a"], name=f"老人{i}").id for i in range(count)]
        for p in people:
            ops.credit_service(s, volunteer_id=p, station_id=tree["comm_a"], served_minutes=minutes, tier="ordinary",
                               policy=state.policy, actor=ACTOR, key=f"seed-{p}")
        accounts = [person_account(s, p).id for p in people]
        fund_account(s)
    return people, accounts, tree


def _move(a, b, minutes, key=None, kind=Kind.GIFT, **extra):
    return journal.Request(Transaction(kind=kind, postings=(Posting(a, -minutes), Posting(b, minutes)),
                                       actor="operator:test", idempotency_key=key, **extra))


def test_write_batch__each_request_checked_against_the_batch_so_far_and_refusals_isolated(state):
    people, (a, b, c), _ = _people(state)
    with unit_of_work(state.sessions) as s:
        set_frozen(s, people[2], True)
    before = _snapshot(state)
    with unit_of_work(state.sessions) as s:
        outcomes = journal.write_batch(s, [
            _move(a, b, 60, "k1"),          # A 100 → 40
            _move(a, b, 60, "k2"),          # A has 40 now: refused, though A held 100 when the batch began
            _move(b, c, 10, "k3"),          # C is frozen: refused
            _move(b, a, 30, "k4"),          # B 160 → 130, A 40 → 70
            _move(a, b, 60, "k1"),          # a retry of k1 in the same batch: k1's entry again
            _move(a, b, 5, "k1"),           # k1 with another amount: conflict
            _move(a, b, 70, "k5"),          # A 70 → 0: exactly covered
        ])
    kinds = [type(o) if isinstance(o, YinlingError) else Entry for o in outcomes]
    assert kinds == [Entry, InsufficientBalance, AccountFrozen, Entry, Entry, IdempotencyConflict, Entry]
    assert [e.seq for e in outcomes[0]] == [before.head[0] + 1] == [e.seq for e in outcomes[4]]
    assert [o[0].seq for o in (outcomes[3], outcomes[6])] == [before.head[0] + 2, before.head[0] + 3]
    assert "holds 40 min, cannot pay 60 min" in outcomes[1].detail
    after = _snapshot(state)
    assert after.entries == before.entries + 3 and after.postings == before.postings + 6
    assert after.balances[a] == 0 and after.balances[b] == before.balances[b] + 60 - 30 + 70
    assert after.balances[c] == before.balances[c]
    with unit_of_work(state.sessions) as s:
        assert_ledger_sound(s)


def test_write_batch__reversing_twice_in_one_batch_is_refused_once(state):
    _people(state)
    with unit_of_work(state.sessions) as s:
        original = journal.load_entry(s, 1).transaction
        undo = journal.Request(Transaction(
            kind=Kind.REVERSAL, postings=tuple(Posting(p.account_id, -p.amount) for p in original.postings),
            actor="operator:test", memo="虚假服务", reverses_seq=1, service_minutes=-original.service_minutes))
        first, second = journal.write_batch(s, [undo, undo])
    assert isinstance(first, list) and isinstance(second, LedgerError) and second.code == "already_reversed"
    with unit_of_work(state.sessions) as s:
        assert_ledger_sound(s)


def test_write_batch__cap_is_decided_on_the_balance_the_batch_left(state):
    policy = state.policy.model_copy(update={"account_cap_coins": 3, "cap_overflow": "reject"})  # 180 min
    people, (a, _b, _c), tree = _people(state)
    with unit_of_work(state.sessions) as s:
        credit = lambda n: ops.credit_service_request(  # noqa: E731
            s, volunteer_id=people[0], station_id=tree["comm_a"], served_minutes=50, tier="ordinary", policy=policy,
            actor=ACTOR, key=f"cap-{n}")
        outcomes = journal.write_batch(s, [credit(1), credit(2)])  # 100 + 50 fits, + 50 more does not
    assert isinstance(outcomes[0], list)
    assert isinstance(outcomes[1], PolicyViolation) and outcomes[1].code == "account_cap"
    with unit_of_work(state.sessions) as s:
        assert snapshot(s).balances[a] == 150
        assert_ledger_sound(s)


@pytest.mark.parametrize("writers", [8])
def test_group_appender__concurrent_callers_each_get_their_own_outcome(state, writers):
    people, _accounts, _ = _people(state, count=4, minutes=120)
    policy = state.policy.model_copy(update={"gift_recipients": "anyone"})
    appender = GroupAppender(state.sessions, max_batch=16)
    results: dict[str, object] = {}
    lock, start = threading.Lock(), threading.Barrier(writers)

    def writer(n: int) -> None:
        start.wait()
        for i in range(12):
            key = f"w{n}-{i}"
            giver, receiver = people[(n + i) % 4], people[(n + i + 1) % 4]
            minutes = 500 if i % 5 == 4 else 3  # every fifth gift is more than anyone holds; 3s never run dry
            try:
                outcome = appender.perform(ops.gift_request, from_id=giver, to_id=receiver, minutes=minutes,
                                           policy=policy, actor=ACTOR, key=key)
            except YinlingError as exc:
                outcome = exc
            with lock:
                results[key] = outcome

    try:
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(writer, range(writers)))
    finally:
        appender.close()
    refused = {k for k, o in results.items() if isinstance(o, YinlingError)}
    assert refused == {f"w{n}-{i}" for n in range(writers) for i in (4, 9)}
    assert all(isinstance(results[k], InsufficientBalance) for k in refused)
    written = {k: o[0].seq for k, o in results.items() if k not in refused}
    with unit_of_work(state.sessions) as s:
        stored = dict(s.execute(select(LedgerEntry.idempotency_key, LedgerEntry.seq)
                                .where(LedgerEntry.idempotency_key.like("w%"))).all())
        assert stored == written
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 4 + len(written)
        assert_ledger_sound(s)


def _snapshot(state):
    with unit_of_work(state.sessions) as s:
        return snapshot(s)


def test_group_appender_gather__takes_what_is_queued_without_waiting_when_the_expected_are_there():
    appender = GroupAppender(None)
    for item in ("b", "c"):
        appender._queue.put(item)
    t0 = time.perf_counter()
    batch, stop = appender._gather("a", expected=3, took=60.0)
    assert (batch, stop) == (["a", "b", "c"], False)
    assert time.perf_counter() - t0 < 1.0


def test_group_appender_gather__waits_for_callers_the_last_batch_released_only_briefly():
    appender = GroupAppender(None)
    appender._queue.put("b")
    t0 = time.perf_counter()
    batch, stop = appender._gather("a", expected=8, took=60.0)  # six of the eight never come back
    waited = time.perf_counter() - t0
    assert (batch, stop) == (["a", "b"], False)
    assert LINGER_MAX * 0.9 <= waited < 1.0  # waited, but for LINGER_MAX, not half of the 60 s


def test_group_appender_gather__a_late_caller_joins_the_batch_and_stop_ends_it(monkeypatch):
    monkeypatch.setattr(appender_module, "LINGER_MAX", 2.0)  # room for a loaded machine's timer thread
    appender = GroupAppender(None)
    threading.Timer(0.001, appender._queue.put, args=("late",)).start()
    batch, _ = appender._gather("a", expected=2, took=4.0)
    assert batch == ["a", "late"]
    appender._queue.put(_STOP)
    assert appender._gather("a", expected=5, took=4.0) == (["a"], True)
