"""Family chat conversations, kept as transcripts for the family page's history and operators' review.

Rows are written by the family chat proxy as messages pass (the member's words before the assistant is
asked, the assistant's answer after), and read by operators scoped to the chat's station, as calls are.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Chat(Base):
    """One conversation of a family member with the assistant, from the first message to 重新开始.

    ``conversation_id``: the assistant's sender id for it (``family-<person>-<n>``), also on the handoff
    tickets it opened; ``person_id``: the family member typing; ``station_id``: the member's station (scope);
    ``status``: open or ended; ``end_reason``: restart (the member pressed 重新开始) or idle;
    ``review_status``/``reviewed_by``/``reviewed_at``/``review_note``: as on calls.
    """

    __tablename__ = "chats"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(100), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    end_reason: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    review_status: Mapped[str] = mapped_column(String(12), default="unreviewed", server_default="unreviewed")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)


class ChatMessage(Base):
    """One message: ``speaker`` member or assistant; ``seq`` orders messages and events within the chat;
    ``kind``: text, or order / handoff / gift (what the message produced: ``order_id`` / ``handoff_id`` /
    ``entry_seq``, the ledger entry of a gift or donation)."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("chat_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_tickets.id"), index=True)
    entry_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("ledger_entries.seq"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
