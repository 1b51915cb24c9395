"""The time-coin ledger: double-entry, append-only, hash-chained.

Every change of a balance is a ``Transaction`` of ``Posting`` legs that sum to zero, appended as
a numbered ``Entry`` whose hash covers its content and the previous entry's hash. Corrections are
reversal entries that point at what they reverse; nothing is updated or deleted.

Errors (all ``backend.core.errors.LedgerError``):
  InsufficientBalance   a person's or the fund's balance would go below zero
  AccountFrozen         a frozen account would send or receive (reversals excepted)
  LedgerError           postings don't sum to zero, unknown account, reversing twice ...
  ChainBroken           ``verify`` found an edited, deleted or reordered entry
"""
from backend.ledger.records import Entry, Posting, Transaction

__all__ = ["Entry", "Posting", "Transaction"]
