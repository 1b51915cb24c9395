"""Phone calls for operators to review: the call, what each side said, and what happened in it.

Rows are written by the IVR with the service token while the call runs (each turn and event
carries the IVR's own sequence number, so a retried write is stored once) and read by operators
scoped to their station subtree.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Call(Base):
    """One phone (or browser-phone) call.

    ``call_sid``: Twilio's CallSid (or the browser phone's own id); ``caller_phone``: E.164 as
    Twilio reported it; ``person_id``/``station_id``: the registered caller and their station,
    None for an unknown number (the call is then visible to city-level operators only);
    ``mode``: stream (Media Streams gateway) or gather (TwiML-only); ``status``: in_progress,
    completed, dropped (websocket lost), transferred (to a person) or failed;
    ``twilio_status``: the last CallStatus Twilio reported; ``end_reason``: why it ended, in words.
    ``review_status``: unreviewed, reviewed or flagged by an operator in the console
    (``reviewed_by``: operators.id; ``review_note``: why it was flagged, or a remark).
    """

    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12), default="phone")
    mode: Mapped[str] = mapped_column(String(12), default="stream")
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    twilio_status: Mapped[str | None] = mapped_column(String(20))
    end_reason: Mapped[str | None] = mapped_column(String(200))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column()
    review_status: Mapped[str] = mapped_column(String(12), default="unreviewed", server_default="unreviewed")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)


class CallTurn(Base):
    """One thing said in a call.

    ``seq``: the IVR's order of turns and events within the call (shared numbering with
    ``CallEvent``); ``speaker``: caller or assistant; ``source``: speech (recognised), keypad
    (a key press turned into words) or prompt (a fixed IVR prompt); ``confidence``: the
    recogniser's lowest word confidence, None for the assistant; ``audio_start_s``/
    ``audio_end_s``: offsets into the call recording.
    """

    __tablename__ = "call_turns"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12), default="speech")
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    audio_start_s: Mapped[float | None] = mapped_column(Float)
    audio_end_s: Mapped[float | None] = mapped_column(Float)


class CallEvent(Base):
    """Something that happened in a call besides speech.

    ``kind``: dtmf (``detail`` = the key), handoff (``handoff_id`` = the operator ticket),
    transfer (``detail`` = the number dialled), order (``order_id`` = an order the call
    created), redemption (``detail`` names the mall exchange the keypad made), reprompt, error;
    ``detail``: short free text.
    """

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_tickets.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
