from __future__ import annotations

from datetime import date, time

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class VolunteerProfile(Base):
    """How far a volunteer travels and how many orders they take at once."""

    __tablename__ = "volunteer_profiles"
    __table_args__ = (Index("ix_volunteer_profiles_radius_km", "radius_km"),)  # widest radius = search box
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    radius_km: Mapped[float] = mapped_column(Float, default=3.0)
    max_open_orders: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # how offers reach them: "sms" (a text with a link) or "call" (an outbound call: key 1/2 or 好/不去)
    offer_by: Mapped[str] = mapped_column(String(8), default="sms", server_default="sms")


class VolunteerService(Base):
    """A service a volunteer offers (by catalogue slug).

    ``cell``: the grid cell of the volunteer's home (``matching.geo.cell_of`` of the person's lat/lon);
    ``lat``, ``lon``: copies of the person's home; ``radius_km``: a copy of the profile's radius. All four
    are written by ``people.supply.set_supply``, the only writer of these rows and of the radius (a home
    does not change after registration). Candidate search tests the box and both circles on the index
    ``(service_slug, cell, lat, lon, radius_km, person_id)`` alone, so only volunteers within reach are
    read from persons (docs/benchmarks.md, issue 16).
    """

    __tablename__ = "volunteer_services"
    __table_args__ = (UniqueConstraint("person_id", "service_slug"),
                      Index("ix_volunteer_services_slug_person", "service_slug", "person_id"),
                      Index("ix_volunteer_services_slug_cell_place", "service_slug", "cell", "lat", "lon", "radius_km",
                            "person_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    service_slug: Mapped[str] = mapped_column(ForeignKey("service_items.slug"), index=True)
    cell: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)


class AvailabilityWindow(Base):
    """A weekly slot: ``weekday`` 0 = Monday, local times in the deployment's zone."""

    __tablename__ = "availability_windows"
    # covers "is this volunteer's weekly slot under way then?" without reading the table
    __table_args__ = (Index("ix_availability_windows_person_weekday", "person_id", "weekday", "start", "end"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer, index=True)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)


class AvailabilityException(Base):
    """One day that overrides the weekly pattern: unavailable all day, or available in a slot."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (Index("ix_availability_exceptions_person_day", "person_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[time | None] = mapped_column(Time)
    end: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str | None] = mapped_column(String(200))
