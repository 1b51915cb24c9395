"""A person's ledger statement: every entry that moved coins in or out of their account, oldest first,
in plain words (what it was, the order or the other person it came from), with the running balance.

The running balance is the sum of the account's postings up to and including each entry, so the last
line's balance is the account's balance (``yinling ledger verify`` checks the cached one against it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backend.ledger.coin_words import coins_text
from backend.core.errors import NotFound
from backend.ledger.accounts import person_account
from backend.ledger.records import Kind
from backend.models import Account, LedgerEntry, Person, Posting

WORDS = {Kind.SERVICE_CREDIT: "提供服务，记入时间币", Kind.REDEMPTION: "接受服务，支付时间币",
         Kind.GOODS_REDEMPTION: "兑换物品", Kind.DONATION: "捐给公益基金", Kind.GRANT: "公益基金发放",
         Kind.CAP_OVERFLOW: "超过账户上限，转入公益基金"}


@dataclass(frozen=True)
class Line:
    """``minutes``: signed, for this person; ``balance``: after this entry; ``words``: what it was;
    ``order_id``: the order it came from; ``other_id``: the other person of a gift; ``reverses``: the
    entry a reversal undoes."""

    seq: int
    at: datetime
    kind: str
    minutes: int
    balance: int
    words: str
    order_id: int | None
    other_id: int | None
    reverses: int | None

    @property
    def amount_text(self) -> str:
        return ("+" if self.minutes > 0 else "") + coins_text(self.minutes)

    @property
    def balance_text(self) -> str:
        return coins_text(self.balance)


def statement(session: Session, person_id: int, *, limit: int = 50, offset: int = 0) -> tuple[list[Line], int]:
    """One page of the person's entries, oldest first, and how many there are in all."""
    try:
        account = person_account(session, person_id, create=False)
    except NotFound:
        return [], 0  # nobody has moved coins for them yet
    mine = select(Posting.entry_seq, Posting.amount).where(Posting.account_id == account.id)
    total = session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    rows = session.execute(select(LedgerEntry, Posting.amount).join(Posting, Posting.entry_seq == LedgerEntry.seq)
                           .where(Posting.account_id == account.id).order_by(LedgerEntry.seq)
                           .limit(limit).offset(offset)).all()
    if not rows:
        return [], total
    balance = session.scalar(select(func.coalesce(func.sum(Posting.amount), 0)).where(
        Posting.account_id == account.id, Posting.entry_seq < rows[0][0].seq)) or 0
    lines = []
    for entry, amount in rows:
        balance += amount
        other = _other_person(session, entry.seq, account.id) if entry.kind in (Kind.GIFT, Kind.REVERSAL) else None
        lines.append(Line(entry.seq, entry.created_at, entry.kind, amount, balance,
                          _words(session, entry, amount, other), entry.order_id, other, entry.reverses_seq))
    return lines, total


def position(session: Session, person_id: int, seq: int) -> int:
    """Where entry ``seq`` falls in the person's statement (1 for the oldest); 0 when they have no entries."""
    try:
        account = person_account(session, person_id, create=False)
    except NotFound:
        return 0
    return session.scalar(select(func.count()).select_from(Posting).where(
        Posting.account_id == account.id, Posting.entry_seq <= seq)) or 0


def _other_person(session: Session, seq: int, own_account: int) -> int | None:
    account = aliased(Account)
    return session.scalar(select(account.person_id).join(Posting, Posting.account_id == account.id)
                          .where(Posting.entry_seq == seq, Posting.account_id != own_account,
                                 account.person_id.is_not(None)).limit(1))


def _words(session: Session, entry: LedgerEntry, amount: int, other: int | None) -> str:
    name = session.get(Person, other).name if other else None
    if entry.kind == Kind.GIFT:
        return f"赠予给{name}" if amount < 0 else f"收到{name}的赠予"
    if entry.kind == Kind.REVERSAL:
        return f"冲正：撤销第{entry.reverses_seq}号记账" + (f"（{entry.memo}）" if entry.memo and not entry.memo.isascii() else "")
    return WORDS.get(entry.kind, "时间币变动")
