"""The volunteer mall (志愿商城) and care measures (关爱措施): partners, goods, benefits, redemptions.

Prices are integer minutes, as every amount in the ledger (60 = one coin)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class MallPartner(Base):
    """A place that hands out goods or gives star volunteers something (a museum, the bus company, a
    restaurant, the station's own desk). ``kind``: museum | park | transit | restaurant | shop | station |
    other. ``login`` / ``password_hash``: the partner page's account (argon2); a partner without a
    password cannot log in. ``station_id``: the station that manages it (operators' scope)."""

    __tablename__ = "mall_partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="other")
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    login: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MallGoods(Base):
    """One item volunteers can exchange coins for. ``price_minutes``: the price (minutes; 60 = one coin).
    ``stock``: items left, never below zero. ``pickup``: where and when to collect it, in words.
    ``partner_id``: who hands it out and confirms the collection code. ``station_id``: the managing
    station; the coins are spent in its district's clearing account."""

    __tablename__ = "mall_goods"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      CheckConstraint("price_minutes > 0", name="price_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    price_minutes: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    pickup: Mapped[str] = mapped_column(String(200), default="")
    partner_id: Mapped[int] = mapped_column(ForeignKey("mall_partners.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MallBenefit(Base):
    """A care measure a partner gives volunteers who reached ``min_stars`` star level or ``min_hours``
    lifetime service hours (at least one is set; both set means both are needed). ``offer``: what they
    give, in words (免费参观一次、乘公交八折 …)."""

    __tablename__ = "mall_benefits"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("mall_partners.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    offer: Mapped[str] = mapped_column(String(200))
    min_stars: Mapped[int | None] = mapped_column(Integer)
    min_hours: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MallRedemption(Base):
    """One item exchanged for coins. ``code``: the one-time collection code the partner confirms.
    ``status``: issued (to collect) | collected | reversed (coins and stock given back).
    ``idempotency_key``: the volunteer's form key, so a retried form makes one redemption.
    ``entry_seq`` / ``reversal_seq``: the ledger's goods redemption and its reversal."""

    __tablename__ = "mall_redemptions"
    __table_args__ = (UniqueConstraint("person_id", "idempotency_key", name="uq_mall_redemptions_person_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("mall_goods.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    price_minutes: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="issued", index=True)
    entry_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_entries.seq"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    collected_at: Mapped[datetime | None]
    collected_by: Mapped[int | None] = mapped_column(ForeignKey("mall_partners.id"))
    reversed_at: Mapped[datetime | None]
    reversal_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("ledger_entries.seq"))
    reverse_reason: Mapped[str | None] = mapped_column(Text)
