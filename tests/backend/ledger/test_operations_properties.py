"""Property-based tests of the ledger operations against a real database of each kind.

Hypothesis draws a sequence of operations (service credits, gifts, donations, grants, redemptions,
reversals, freezes, retried and conflicting idempotency keys), many of which must fail. A small
model predicts each outcome; the test runs each operation in its own transaction and checks:
the outcome matches the model, a failed operation stores nothing, and after every sequence the
books sum to zero, no person or fund account is negative, replaying the postings reproduces every
cached balance, and ``verify`` is OK.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backend.core.db import unit_of_work
from backend.core.errors import (
    AccountFrozen, IdempotencyConflict, InsufficientBalance, InvalidInput, LedgerError, NotFound,
    PolicyViolation,
)
from backend.ledger import operations as ops
from backend.ledger.accounts import clearing_account, fund_account, person_account
from backend.ledger.records import Kind
from backend.people.registry import set_frozen
from backend.policy import load_profile
from tests import factories
from tests.backend.ledger.databases import empty_database
from tests.backend.ledger.invariants import assert_ledger_sound, snapshot

ACTOR = ops.Actor("operator:test", "operator")
CAP_MINUTES = 600
MULTIPLIERS = {"ordinary": 1, "technical": 2, "professional": 3}
# (age, roles): two elders, a young volunteer who may not redeem, a 65-year-old who serves and is served
PEOPLE = [(75, ("elder",)), (82, ("elder",)), (30, ("volunteer",)), (65, ("volunteer", "elder"))]
STATIONS = ("comm_a", "comm_b")  # in two districts, so two clearing accounts

person_ix = st.integers(0, len(PEOPLE) - 1)
minutes = st.integers(1, 400)
operation = st.one_of(
    st.tuples(st.just("credit"), person_ix, st.sampled_from(STATIONS), minutes, st.sampled_from(sorted(MULTIPLIERS))),
    st.tuples(st.just("redeem"), person_ix, st.sampled_from(STATIONS), minutes),
    st.tuples(st.just("gift"), person_ix, person_ix, minutes),
    st.tuples(st.just("donate"), person_ix, minutes),
    st.tuples(st.just("grant"), person_ix, minutes),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("freeze"), person_ix, st.booleans()),
    st.tuples(st.just("retry"), st.integers(0, 30)),      # same key, same request as an earlier operation
    st.tuples(st.just("conflict"), st.integers(0, 30)),   # same key, different amount
)


@dataclass
class Model:
    """What the ledger should hold: balances by account id, and what each key produced."""

    people: list[int]                    # person ids
    person_acc: list[int]                # their account ids
    clearing: dict[str, int]             # station label -> clearing account id
    fund: int
    cap_mode: str                        # the policy's cap_overflow: "reject" or "to_fund"
    balance: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    served: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    frozen: set[int] = field(default_factory=set)      # account ids
    entries: dict[int, tuple[str, tuple[tuple[int, int], ...], int]] = field(default_factory=dict)
    reversed: set[int] = field(default_factory=set)
    keyed: dict[str, list[int]] = field(default_factory=dict)  # key -> seqs it made

    def expect(self, op) -> list[tuple[str, tuple[tuple[int, int], ...], int]] | type[Exception]:
        """The entries ``op`` must append (kind, legs, service minutes), or the error it must raise."""
        name = op[0]
        if name == "credit":
            _, who, station, served, tier = op
            acc, coins = self.person_acc[who], served * MULTIPLIERS[tier]
            excess = max(0, self.balance[acc] + coins - CAP_MINUTES)
            if excess and self.cap_mode == "reject":
                return PolicyViolation
            if acc in self.frozen:
                return AccountFrozen
            made = [(Kind.SERVICE_CREDIT, ((self.clearing[station], -coins), (acc, coins)), served)]
            if excess:
                made.append((Kind.CAP_OVERFLOW, ((acc, -excess), (self.fund, excess)), 0))
            return made
        if name == "redeem":
            _, who, station, amount = op
            if PEOPLE[who][0] < 60:
                return PolicyViolation
            return self._move(self.person_acc[who], self.clearing[station], amount, Kind.REDEMPTION)
        if name == "gift":
            _, giver, taker, amount = op
            if giver == taker:
                return InvalidInput
            return self._move(self.person_acc[giver], self.person_acc[taker], amount, Kind.GIFT)
        if name == "donate":
            return self._move(self.person_acc[op[1]], self.fund, op[2], Kind.DONATION)
        if name == "grant":
            return self._move(self.fund, self.person_acc[op[1]], op[2], Kind.GRANT)
        if name == "reverse":
            seq = op[1]
            if seq not in self.entries:
                return NotFound
            kind, legs, served = self.entries[seq]
            if kind == Kind.REVERSAL or seq in self.reversed:
                return LedgerError
            undo = tuple((a, -m) for a, m in legs)
            if self._overdraws(undo):
                return InsufficientBalance
            return [(Kind.REVERSAL, undo, -served)]
        raise AssertionError(name)

    def _move(self, source: int, target: int, amount: int, kind: str):
        if source in self.frozen or target in self.frozen:
            return AccountFrozen
        legs = ((source, -amount), (target, amount))
        return InsufficientBalance if self._overdraws(legs) else [(kind, legs, 0)]

    def _overdraws(self, legs) -> bool:
        guarded = set(self.person_acc) | {self.fund}
        return any(a in guarded and self.balance[a] + m < 0 for a, m in legs)

    def apply(self, made, first_seq: int, key: str, reverses: int | None) -> None:
        seqs = []
        for offset, (kind, legs, served) in enumerate(made):
            seq = first_seq + offset
            self.entries[seq] = (kind, legs, served)
            seqs.append(seq)
            for account, amount in legs:
                self.balance[account] += amount
                if served and account in self.person_acc:
                    self.served[account] += served
        if reverses is not None:
            self.reversed.add(reverses)
        self.keyed[key] = seqs


def _setup(state, policy) -> tuple[dict[str, int], Model]:
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        people = [factories.person(s, policy, tree["comm_a"], age=age, roles=roles, name=f"测试{i}")
                  for i, (age, roles) in enumerate(PEOPLE)]
        model = Model(
            people=[p.id for p in people],
            person_acc=[person_account(s, p.id).id for p in people],
            clearing={label: clearing_account(s, tree[label]).id for label in STATIONS},
            fund=fund_account(s).id,
            cap_mode=policy.cap_overflow,
        )
        return tree, model


def _run(session, op, key, tree, model: Model, policy):
    name = op[0]
    if name == "credit":
        _, who, station, served, tier = op
        return ops.credit_service(session, volunteer_id=model.people[who], station_id=tree[station],
                                  served_minutes=served, tier=tier, policy=policy, actor=ACTOR, key=key)
    if name == "redeem":
        _, who, station, amount = op
        return [ops.redeem(session, person_id=model.people[who], station_id=tree[station], minutes=amount,
                           policy=policy, today=factories.TODAY, actor=ACTOR, key=key)]
    if name == "gift":
        _, giver, taker, amount = op
        return [ops.gift(session, from_id=model.people[giver], to_id=model.people[taker], minutes=amount,
                         policy=policy, actor=ACTOR, key=key)]
    if name == "donate":
        return [ops.donate(session, from_id=model.people[op[1]], minutes=op[2], policy=policy, actor=ACTOR, key=key)]
    if name == "grant":
        return [ops.grant(session, to_id=model.people[op[1]], minutes=op[2], actor=ACTOR, key=key)]
    if name == "reverse":
        return [ops.reverse(session, seq=op[1], reason="核查发现虚假服务", actor=ACTOR, key=key)]
    raise AssertionError(name)


def _with_other_amount(op):
    """The same operation with a different amount (the last field of every keyed operation but reverse)."""
    if op[0] == "credit":
        return op[:3] + (op[3] + 1,) + op[4:]
    return op[:-1] + (op[-1] + 1,)


def _check_sequence(state, policy, sequence):
    tree, model = _setup(state, policy)
    done: list[tuple[tuple, str]] = []  # every keyed operation attempted, with its key
    for i, step in enumerate(sequence):
        if step[0] == "freeze":
            with unit_of_work(state.sessions) as s:
                set_frozen(s, model.people[step[1]], step[2])
            (model.frozen.add if step[2] else model.frozen.discard)(model.person_acc[step[1]])
            continue
        if step[0] in ("retry", "conflict"):
            if not done:
                continue
            earlier, key = done[step[1] % len(done)]
            if step[0] == "conflict" and key in model.keyed and earlier[0] != "reverse":
                _expect_failure(state, _with_other_amount(earlier), key, tree, model, policy, IdempotencyConflict)
                continue
            if key in model.keyed:  # a retry returns what the key made the first time and stores nothing
                before = _snap(state)
                with unit_of_work(state.sessions) as s:
                    entries = _run(s, earlier, key, tree, model, policy)
                assert [e.seq for e in entries] == model.keyed[key], (earlier, key)
                assert _snap(state) == before, f"retry of {earlier} with key {key} stored something"
                continue
            step = earlier  # the first attempt failed, so the key is free: this is a fresh attempt
        else:
            key = f"op-{i}"
            done.append((step, key))
        expected = model.expect(step)
        if isinstance(expected, type):
            _expect_failure(state, step, key, tree, model, policy, expected)
            continue
        before = _snap(state)
        with unit_of_work(state.sessions) as s:
            entries = _run(s, step, key, tree, model, policy)
        got = [(e.transaction.kind, tuple((p.account_id, p.amount) for p in e.transaction.postings),
                e.transaction.service_minutes) for e in entries]
        assert got == list(expected), step
        assert [e.seq for e in entries] == list(range(before.entries + 1, before.entries + 1 + len(expected)))
        model.apply(expected, before.entries + 1, key, step[1] if step[0] == "reverse" else None)
        after = _snap(state)
        assert after.entries == before.entries + len(expected)
        assert after.postings == before.postings + sum(len(legs) for _, legs, _ in expected)
        assert after.balances == {a: model.balance[a] for a in after.balances}, step
    with unit_of_work(state.sessions) as s:
        assert_ledger_sound(s)
        served = {acc: sm for acc, _, sm, _ in snapshot(s).accounts}
    assert {a: served[a] for a in model.person_acc} == {a: model.served[a] for a in model.person_acc}


def _snap(state):
    with unit_of_work(state.sessions) as s:
        return snapshot(s)


def _expect_failure(state, step, key, tree, model, policy, error):
    before = _snap(state)
    with pytest.raises(error) as caught, unit_of_work(state.sessions) as s:
        _run(s, step, key, tree, model, policy)
    # The model names the most specific error; InsufficientBalance etc. are LedgerErrors too.
    assert type(caught.value) is error, (step, caught.value)
    assert _snap(state) == before, f"failed {step} stored something"


# One database per test (conftest's `state`), emptied before each example: migrating a new one per
# example would cost about a second each.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sequence=st.lists(operation, min_size=1, max_size=16), cap_overflow=st.sampled_from(["to_fund", "reject"]))
# Each kind of refusal at least once: frozen sender, overdraft, reversing twice, a reversal of a
# reversal, the redemption age, a gift to oneself, an unknown entry, a reused key with another amount.
@example(sequence=[("credit", 2, "comm_a", 100, "ordinary"), ("freeze", 2, True), ("gift", 2, 0, 10),
                   ("freeze", 2, False), ("gift", 2, 0, 500), ("reverse", 1), ("reverse", 1), ("reverse", 2),
                   ("redeem", 2, "comm_a", 10), ("gift", 1, 1, 5), ("reverse", 9), ("conflict", 0)],
         cap_overflow="reject")
# A retried credit once the balance has moved towards the cap: the retry must return the original
# entry, not be refused (reject) or send a second overflow to the fund (to_fund).
@example(sequence=[("credit", 0, "comm_a", 151, "technical"), ("retry", 0)], cap_overflow="reject")
@example(sequence=[("credit", 0, "comm_a", 151, "technical"), ("retry", 0)], cap_overflow="to_fund")
def test_operations__any_sequence_keeps_books_balanced_and_verifiable(state, sequence, cap_overflow):
    policy = load_profile("zhengzhou").model_copy(update={
        "tier_multipliers": MULTIPLIERS, "account_cap_coins": CAP_MINUTES // 60, "cap_overflow": cap_overflow})
    empty_database(state)
    _check_sequence(state, policy, sequence)
