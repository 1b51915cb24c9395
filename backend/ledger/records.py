"""Immutable ledger records. Amounts are integer minutes; positive = into the account."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class Kind:
    """Transaction kinds."""

    SERVICE_CREDIT = "service_credit"   # hours served × tier multiplier, district clearing → volunteer
    REDEMPTION = "redemption"           # recipient spends coins on a service, → district clearing
    GOODS_REDEMPTION = "goods_redemption"  # coins exchanged for goods where the policy allows
    GIFT = "gift"                       # person → person
    DONATION = "donation"               # person → fund
    GRANT = "grant"                     # fund → priority elder
    REVERSAL = "reversal"               # undoes one earlier entry (claw-back of a fake service)
    CAP_OVERFLOW = "cap_overflow"       # balance above the policy cap → fund
    ALL = (SERVICE_CREDIT, REDEMPTION, GOODS_REDEMPTION, GIFT, DONATION, GRANT, REVERSAL, CAP_OVERFLOW)


@dataclass(frozen=True)
class Posting:
    """One leg: ``amount`` minutes into (+) or out of (−) ``account_id``."""

    account_id: int
    amount: int


@dataclass(frozen=True)
class Transaction:
    """What a writer asks the journal to append.

    kind: one of ``Kind.ALL``.
    postings: the legs; they must sum to zero.
    actor: who caused it ("operator:3", "service:bot", "person:12", "system").
    channel: phone | chat | operator | paper | system.
    memo: free text kept with the entry (Chinese allowed).
    order_id: the order a service credit or redemption belongs to.
    reverses_seq: for a reversal, the entry it undoes (each entry can be reversed once).
    service_minutes: minutes actually served (for stars); negative on the reversal of a credit.
    idempotency_key: a retried write with this key returns the entry it already made.
    """

    kind: str
    postings: tuple[Posting, ...]
    actor: str
    channel: str = "system"
    memo: str = ""
    order_id: int | None = None
    reverses_seq: int | None = None
    service_minutes: int = 0
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Entry:
    """A transaction as appended: numbered, timestamped and chained."""

    seq: int
    created_at: datetime
    transaction: Transaction
    prev_hash: str
    hash: str = field(compare=False)
