from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Order(Base):
    """One requested service. ``state`` moves only through ``backend.orders.states``."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    service_slug: Mapped[str] = mapped_column(ForeignKey("service_items.slug"))
    start_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    end_at: Mapped[datetime] = mapped_column(index=True)  # start_at + duration, for overlap queries
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(12))  # phone | chat | operator | paper
    paper_backfill: Mapped[bool] = mapped_column(default=False)
    served_minutes: Mapped[int | None] = mapped_column(Integer)
    credit_entry_seq: Mapped[int | None] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderTransition(Base):
    """Audit trail: who moved an order, when, through which channel, and why."""

    __tablename__ = "order_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(60))  # "person:12", "operator:3", "service:bot"
    channel: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
                      UniqueConstraint("order_id", "by_person_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    by_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(12), default="recipient")  # recipient | volunteer (互评)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    complaint: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
