"""Invariants a transaction must satisfy before it is appended.

Each validator is a pure function ``(txn, accounts) -> list[Problem]``; ``check`` runs them all so
one pass reports every problem with the transaction. The journal turns problems into errors.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backend.core.errors import AccountFrozen, InsufficientBalance, LedgerError
from backend.ledger.records import Kind, Transaction

NON_NEGATIVE_KINDS = frozenset({"person", "fund"})


@dataclass(frozen=True)
class AccountState:
    """What the validators may know of an account at the moment of appending."""

    id: int
    kind: str
    balance: int
    frozen: bool


@dataclass(frozen=True)
class Problem:
    error: type[LedgerError]
    detail: str


Validator = Callable[[Transaction, Mapping[int, AccountState]], list[Problem]]


def known_kind(txn: Transaction, _accounts) -> list[Problem]:
    return [] if txn.kind in Kind.ALL else [Problem(LedgerError, f"unknown transaction kind {txn.kind!r}")]


def postings_well_formed(txn: Transaction, _accounts) -> list[Problem]:
    problems = []
    if len(txn.postings) < 2:
        problems.append(Problem(LedgerError, "a transaction needs at least two postings"))
    for p in txn.postings:
        if not isinstance(p.amount, int) or isinstance(p.amount, bool) or p.amount == 0:
            problems.append(Problem(LedgerError, f"posting to account {p.account_id}: amount must be a non-zero integer, got {p.amount!r}"))
    return problems


def postings_sum_to_zero(txn: Transaction, _accounts) -> list[Problem]:
    total = sum(p.amount for p in txn.postings if isinstance(p.amount, int))
    return [] if total == 0 else [Problem(LedgerError, f"postings sum to {total}, not zero")]


def accounts_exist(txn: Transaction, accounts: Mapping[int, AccountState]) -> list[Problem]:
    return [Problem(LedgerError, f"account {p.account_id} does not exist")
            for p in txn.postings if p.account_id not in accounts]


def accounts_not_frozen(txn: Transaction, accounts: Mapping[int, AccountState]) -> list[Problem]:
    if txn.kind == Kind.REVERSAL:  # claw-back must work on the frozen account of a fraudster
        return []
    return [Problem(AccountFrozen, f"account {p.account_id} is frozen")
            for p in txn.postings if p.account_id in accounts and accounts[p.account_id].frozen]


def balances_covered(txn: Transaction, accounts: Mapping[int, AccountState]) -> list[Problem]:
    delta: dict[int, int] = defaultdict(int)
    for p in txn.postings:
        if isinstance(p.amount, int):
            delta[p.account_id] += p.amount
    problems = []
    for account_id, change in delta.items():
        acc = accounts.get(account_id)
        if acc is not None and acc.kind in NON_NEGATIVE_KINDS and acc.balance + change < 0:
            problems.append(Problem(
                InsufficientBalance,
                f"account {account_id} ({acc.kind}) holds {acc.balance} min, cannot pay {-change} min"))
    return problems


def reversal_points_back(txn: Transaction, _accounts) -> list[Problem]:
    if (txn.kind == Kind.REVERSAL) != (txn.reverses_seq is not None):
        return [Problem(LedgerError, "reverses_seq is set exactly on reversal entries")]
    return []


VALIDATORS: tuple[Validator, ...] = (
    known_kind, postings_well_formed, postings_sum_to_zero, accounts_exist,
    accounts_not_frozen, balances_covered, reversal_points_back,
)


def check(txn: Transaction, accounts: Mapping[int, AccountState]) -> list[Problem]:
    return [problem for validator in VALIDATORS for problem in validator(txn, accounts)]


def error_for(problems: list[Problem]) -> LedgerError | None:
    """The error of the first problem, with every problem's detail; None if there is none."""
    if not problems:
        return None
    return problems[0].error("; ".join(p.detail for p in problems))


def raise_for(problems: list[Problem]) -> None:
    """Raise ``error_for(problems)`` if there is a problem."""
    error = error_for(problems)
    if error is not None:
        raise error
