"""What the web pages need to remember: login sessions, login attempts (rate limit), the audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class WebSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored here.

    ``realm``: "console" (``subject_id`` is an operators.id) or "family" (a persons.id).
    ``csrf_token``: sent back in every form and fetch that changes something.
    ``revoked_at``: set by logout, or when the account is frozen or deactivated.
    """

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    realm: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))


class LoginAttempt(Base):
    """One try at a login form; failures within a window limit further tries per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_login_at", "realm", "login", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    realm: Mapped[str] = mapped_column(String(10))
    login: Mapped[str] = mapped_column(String(60))  # username or phone, as typed (normalised)
    address: Mapped[str] = mapped_column(String(64))  # client IP
    success: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when and why, for every operator action (and family actions that change data).

    ``actor``: "operator:3" or "person:12"; ``action``: a dotted verb such as "order.revoke";
    ``target``: "order:41", "person:7", "call:CA…"; ``station_id``: the station whose scope the target
    lies in (so an auditor sees only their subtree); ``detail_json``: what changed, as JSON.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(80))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    address: Mapped[str | None] = mapped_column(String(64))
