from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class OrderMessage(Base):
    """One text message about an order (an offer to a volunteer, a confirmation to the elder or the family
    member who booked, a reminder), kept on the order whether it was sent or not: the outbox.

    ``event_id``: the order event it answers (one message per event, person and kind, so collecting the
    events twice never sends twice). ``status``: pending (waiting for its next attempt) | sent (Twilio
    accepted it; ``provider_sid`` is Twilio's SM… id) | failed (given up: ``last_error`` says why).
    ``link_code``: the short link's code in an offer (``/v/<code>`` opens the volunteer pages; it grants
    nothing by itself, the volunteer still logs in)."""

    __tablename__ = "order_messages"
    __table_args__ = (UniqueConstraint("event_id", "person_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("order_events.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    to_phone: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    kind: Mapped[str] = mapped_column(String(16))  # offer | confirmation | reminder | dispute
    body: Mapped[str] = mapped_column(Text)
    link_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    provider_sid: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class MessageCursor(Base):
    """How far the outbox has read the order events (one row per reader, ``name``)."""

    __tablename__ = "message_cursors"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
