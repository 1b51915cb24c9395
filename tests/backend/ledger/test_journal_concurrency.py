"""Many writers at once on PostgreSQL: the journal's head lock must serialise them so that every
successful operation is stored exactly once, sequence numbers have no gaps, retried keys make one
entry, an entry is reversed at most once, and the invariants hold afterwards."""
from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.errors import LedgerError
from backend.ledger import operations as ops
from backend.models import Account, LedgerEntry, Posting
from tests import factories
from tests.backend.conftest import make_state
from tests.backend.ledger.databases import fresh_url
from tests.backend.ledger.invariants import assert_ledger_sound

THREADS = 16
OPS_PER_THREAD = 10
SHARED_GIFT_STEPS = (0, 2, 4)    # at these steps the two threads of a pair send one gift, one key
SHARED_CREDIT_STEPS = (1, 3, 5)  # ... and here one service credit, one key
CONTESTED_REVERSALS = 4  # seed entries every thread tries to reverse at once, each with its own key


@dataclass(frozen=True)
class Done:
    """An operation that returned: the entries it reported, as (seq, kind, legs)."""

    key: str
    entries: tuple[tuple[int, str, tuple[tuple[int, int], ...]], ...]


def _as_done(key, entries) -> Done:
    return Done(key, tuple(
        (e.seq, e.transaction.kind, tuple(sorted((p.account_id, p.amount) for p in e.transaction.postings)))
        for e in entries))


@pytest.fixture
def pg_state(tmp_path):
    with fresh_url("postgres", tmp_path) as url:
        state = make_state(url, "zhengzhou")  # gifts to anyone, so any pair of people may trade
        yield state
        state.engine.dispose()


def _seed(state, people: int = 8):
    """People with 10 coins each from service (entries 1..8), a rich volunteer (entry 9), and the
    rich volunteer's gifts to a bystander who never spends (the contested reversals' targets)."""
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        ids = [factories.person(s, state.policy, tree["comm_a"], age=70 + i, name=f"老人{i}").id for i in range(people)]
        rich = factories.person(s, state.policy, tree["comm_b"], roles=("volunteer",), age=40, name="志愿者").id
        for pid in ids:
            ops.credit_service(s, volunteer_id=pid, station_id=tree["comm_a"], served_minutes=600, tier="ordinary",
                               policy=state.policy, actor=ops.Actor("system", "system"), key=f"seed-{pid}")
        ops.credit_service(s, volunteer_id=rich, station_id=tree["comm_b"], served_minutes=6000, tier="ordinary",
                           policy=state.policy, actor=ops.Actor("system", "system"), key="seed-rich")
        bystander = factories.person(s, state.policy, tree["comm_b"], age=90, name="旁观者").id
        contested = [ops.gift(s, from_id=rich, to_id=bystander, minutes=10, policy=state.policy,
                              actor=ops.Actor("system", "system")).seq for _ in range(CONTESTED_REVERSALS)]
    return tree, ids, rich, contested


@pytest.mark.postgres
def test_journal__sixteen_concurrent_writers_lose_and_double_nothing(pg_state):
    state = pg_state
    tree, people, rich, contested = _seed(state)
    with unit_of_work(state.sessions) as s:
        seeded = s.scalar(select(func.count()).select_from(LedgerEntry))
    policy, actor = state.policy, ops.Actor("operator:load", "operator")
    barrier = threading.Barrier(THREADS)
    pair_barriers = [threading.Barrier(2) for _ in range(THREADS // 2)]
    lock = threading.Lock()
    done: list[Done] = []
    failures: dict[str, str] = {}  # key -> error code, for the failures a ledger must produce
    unexpected: list[BaseException] = []
    # Random reversals may hit the people's seed credits and anything written later, not the rich
    # volunteer's credit (the shared-key gifts must not fail for want of coins) nor the contested gifts.
    known_seqs = list(range(1, len(people) + 1))

    def random_op(rng, s, key):
        a, b = rng.sample(people, 2)
        amount = rng.randint(1, 240)
        choice = rng.choice(["gift", "gift", "donate", "grant", "redeem", "credit", "reverse", "reverse"])
        if choice == "gift":
            return [ops.gift(s, from_id=a, to_id=b, minutes=amount, policy=policy, actor=actor, key=key)]
        if choice == "donate":
            return [ops.donate(s, from_id=a, minutes=amount, policy=policy, actor=actor, key=key)]
        if choice == "grant":
            return [ops.grant(s, to_id=b, minutes=amount, actor=actor, key=key)]
        if choice == "redeem":
            return [ops.redeem(s, person_id=a, station_id=tree["comm_b"], minutes=amount, policy=policy,
                               today=factories.TODAY, actor=actor, key=key)]
        if choice == "credit":
            return ops.credit_service(s, volunteer_id=a, station_id=tree["comm_a"], served_minutes=amount,
                                      tier="ordinary", policy=policy, actor=actor, key=key)
        with lock:
            target = rng.choice(known_seqs)
        return [ops.reverse(s, seq=target, reason="并发撤销测试", actor=actor, key=key)]

    def attempt(key, work):
        try:
            with unit_of_work(state.sessions) as s:
                entries = work(s)
        except LedgerError as exc:  # overdrafts, reversing twice, reversing a reversal
            with lock:
                failures[key] = exc.code
            return
        except BaseException as exc:  # noqa: BLE001 - every other error fails the test below
            with lock:
                unexpected.append(exc)
            return
        with lock:
            done.append(_as_done(key, entries))
            known_seqs.extend(e.seq for e in entries)

    def worker(n: int):
        rng = random.Random(n)
        barrier.wait()
        for i in range(OPS_PER_THREAD):
            key = f"t{n}-{i}"
            attempt(key, lambda s, key=key: random_op(rng, s, key))
            # Threads 2k and 2k+1 send the same request with the same key at the same moment,
            # as a client retrying over a flaky line would.
            if i in SHARED_GIFT_STEPS:
                shared = f"shared-{n // 2}-{i}"
                to_id = people[(n // 2 + i) % len(people)]
                pair_barriers[n // 2].wait()
                attempt(shared, lambda s, shared=shared, to_id=to_id: [ops.gift(
                    s, from_id=rich, to_id=to_id, minutes=30, policy=policy, actor=actor, key=shared)])
            elif i in SHARED_CREDIT_STEPS:
                shared = f"credit-{n // 2}-{i}"
                pair_barriers[n // 2].wait()
                attempt(shared, lambda s, shared=shared: ops.credit_service(
                    s, volunteer_id=rich, station_id=tree["comm_b"], served_minutes=45, tier="ordinary",
                    policy=policy, actor=actor, key=shared))
            if i < CONTESTED_REVERSALS:
                target = contested[(n + i) % CONTESTED_REVERSALS]
                attempt(f"rev-{n}-{i}", lambda s, target=target, n=n, i=i: [ops.reverse(
                    s, seq=target, reason="重复撤销", actor=actor, key=f"rev-{n}-{i}")])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    assert not unexpected, unexpected[:3]
    by_seq: dict[int, set] = defaultdict(set)
    for d in done:
        for seq, kind, legs in d.entries:
            by_seq[seq].add((d.key, kind, legs))
    # Each seq was reported by one request, or by the two requests that shared its key.
    for seq, reports in by_seq.items():
        assert len(reports) == 1, (seq, reports)
    with unit_of_work(state.sessions) as s:
        rows = s.execute(select(LedgerEntry.seq, LedgerEntry.kind, LedgerEntry.idempotency_key,
                                LedgerEntry.reverses_seq).order_by(LedgerEntry.seq)).all()
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1)), "sequence has gaps or repeats"
        assert len(rows) == seeded + len(by_seq), "stored entries != distinct entries the writers were given"
        stored = {r.seq: (r.kind, r.idempotency_key) for r in rows}
        for seq, reports in by_seq.items():
            ((key, kind, _legs),) = reports
            assert stored[seq] == (kind, key), seq
        # Two threads, one key: one entry, the same seq returned to both.
        for prefix, steps in (("shared-", SHARED_GIFT_STEPS), ("credit-", SHARED_CREDIT_STEPS)):
            keyed = [d for d in done if d.key.startswith(prefix)]
            assert len(keyed) == THREADS * len(steps), "a shared-key request failed"
            seqs = Counter(d.entries[0][0] for d in keyed)
            assert set(seqs.values()) == {2}, seqs
        reversed_seqs = [r.reverses_seq for r in rows if r.reverses_seq is not None]
        assert len(reversed_seqs) == len(set(reversed_seqs)), "an entry was reversed twice"
        # Every thread tried to reverse each contested gift: exactly one succeeded per gift.
        assert Counter(r for r in reversed_seqs if r in contested) == {seq: 1 for seq in contested}
        contested_failures = Counter(code for key, code in failures.items() if key.startswith("rev-"))
        assert contested_failures == {"already_reversed": THREADS * CONTESTED_REVERSALS - len(contested)}
        # Nothing lost or doubled: the writers' own reports, replayed, give every cached balance.
        balances: dict[int, int] = defaultdict(int)
        for seq in range(1, seeded + 1):
            for account_id, amount in _legs_of(s, seq):
                balances[account_id] += amount
        for reports in by_seq.values():
            ((_key, _kind, legs),) = reports
            for account_id, amount in legs:
                balances[account_id] += amount
        cached = dict(s.execute(select(Account.id, Account.balance)).all())
        assert cached == {a: balances.get(a, 0) for a in cached}
        assert s.scalar(select(func.count()).where(Account.kind == "fund")) == 1, "more than one fund account"
        assert_ledger_sound(s)
    assert len(done) >= THREADS * OPS_PER_THREAD // 3, (len(done), Counter(failures.values()))


def _legs_of(session, seq):
    return session.execute(select(Posting.account_id, Posting.amount).where(Posting.entry_seq == seq)).all()
