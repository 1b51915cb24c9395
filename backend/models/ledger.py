from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, BigId, utcnow


class Account(Base):
    """A place coins sit: a person's account, the fund, or a district's clearing account.

    ``balance`` and ``service_minutes`` are caches maintained in the same transaction as the
    postings; ``yinling ledger verify`` recomputes both from the postings and compares.
    """

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # person | fund | clearing
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # minutes
    service_minutes: Mapped[int] = mapped_column(BigInteger, default=0)  # lifetime served, for stars
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    """One ledger transaction, numbered by ``seq`` without gaps, chained by hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("idempotency_key"),)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(12))
    memo: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reverses_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("ledger_entries.seq"), unique=True)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Posting(Base):
    """One leg of an entry: ``amount`` minutes into (+) or out of (−) one account."""

    __tablename__ = "postings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_entries.seq"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class LedgerHead(Base):
    """The single row every writer locks: the last entry's ``seq`` and ``hash``."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
