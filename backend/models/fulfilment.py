from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Offer(Base):
    """One auto-dispatch offer of an order to a volunteer, and how it ended."""

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    rank_score: Mapped[float] = mapped_column(Float)
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12), default="pending")  # pending|accepted|declined|timed_out|withdrawn


class OrderEvent(Base):
    """Something the IVR and chat may announce: offered, accepted, declined, timed_out, escalated, held ..."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceVisit(Base):
    """Check-in and check-out of one order: where and when the volunteer really was.

    ``confirmed_by``: the operator (actor label) who confirmed the volunteer's presence at a check-in or
    check-out their phone's position could not make (no position stored then); such a service is held
    for a reviewer's look, as a phone check-in is."""

    __tablename__ = "service_visits"
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    check_in_at: Mapped[datetime | None]
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    check_in_lon: Mapped[float | None] = mapped_column(Float)
    check_in_distance_m: Mapped[float | None] = mapped_column(Float)
    check_out_at: Mapped[datetime | None]
    check_out_lat: Mapped[float | None] = mapped_column(Float)
    check_out_lon: Mapped[float | None] = mapped_column(Float)
    confirmed_by: Mapped[str | None] = mapped_column(String(40))


class Anomaly(Base):
    """A reason an order was held for operator review instead of credited."""

    __tablename__ = "anomalies"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text)
    resolved: Mapped[str | None] = mapped_column(String(12))  # approved | revoked
    at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """A follow-up call (回访) an operator owes an elder after a service."""

    __tablename__ = "follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(20))  # sample | low_rating | complaint
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done
    outcome: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
