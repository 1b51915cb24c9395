from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class IdempotencyRecord(Base):
    """The first response to a retried write, replayed for the same key and body."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Operator(Base):
    """A staff account at a station; it sees that station and everything below it."""

    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | reviewer | clerk
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    active: Mapped[bool] = mapped_column(default=True)


class Registration(Base):
    """A caller asking to join; an operator verifies it (人工辅助审核) before a Person exists."""

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_hash: Mapped[str | None] = mapped_column(String(64))
    id_masked: Mapped[str | None] = mapped_column(String(20))
    roles: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # set by a volunteer registering on the web; becomes the person's login password once verified
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoffTicket(Base):
    """A request for a person: the conversation so far, for the operator who picks up.

    ``status``: open (waiting), claimed (an operator took it: ``claimed_by``, ``claimed_at``) or resolved
    (``resolved_at``, ``outcome``: what was done, in the operator's words). Call-back attempts are audit
    entries (``handoff.call_back``)."""

    __tablename__ = "handoff_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    channel: Mapped[str] = mapped_column(String(12))
    conversation_id: Mapped[str] = mapped_column(String(100))
    transcript_json: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    claimed_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(Text)


class Certificate(Base):
    """An issued service-record certificate (服务记录证明) and what it stated."""

    __tablename__ = "certificates"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    service_minutes: Mapped[int] = mapped_column(Integer)
    star_level: Mapped[int] = mapped_column(Integer)
    ledger_seq: Mapped[int] = mapped_column(Integer)  # the chain head when issued
    content_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
