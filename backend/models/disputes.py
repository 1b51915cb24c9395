"""Disputes (纠纷): a complaint about a service becomes a case on its order, with both sides' statements
and a reviewer's decision. The rules live in ``backend.disputes``; these rows only store them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Dispute(Base):
    """One case per order.

    ``station_id``: the order's station (scope); ``source``: where the complaint came from (rating |
    followup | chat | phone | operator); ``complainant``: the side that complained (elder | volunteer);
    ``chat_id`` / ``call_id``: the conversation the complaint was made in, when there is one;
    ``status``: open | decided; ``decision``: uphold (the service record stands) | partial (the credit
    is cut to ``credited_minutes``) | revoke (the service is revoked, its coins moved back);
    ``served_minutes_before``: what had been credited when the case was decided."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    source: Mapped[str] = mapped_column(String(12))
    complainant: Mapped[str] = mapped_column(String(12))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    opened_by: Mapped[str] = mapped_column(String(60))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    decision: Mapped[str | None] = mapped_column(String(12))
    credited_minutes: Mapped[int | None] = mapped_column(Integer)
    served_minutes_before: Mapped[int | None] = mapped_column(Integer)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    decided_at: Mapped[datetime | None] = mapped_column()


class DisputeStatement(Base):
    """What one side said about the service. ``side``: elder (the elder or the family acting for them) |
    volunteer; ``heard_via``: rating | followup | chat | phone | operator (told an operator in person);
    ``recorded_by``: the actor who wrote it down ("operator:3", "person:12", "service")."""

    __tablename__ = "dispute_statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    side: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    heard_via: Mapped[str] = mapped_column(String(12))
    recorded_by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(default=utcnow)
