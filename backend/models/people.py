from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Person(Base):
    """Anyone the time bank knows: elder (recipient), volunteer, family member, or several.

    The ID number is never stored: ``id_hash`` is a keyed HMAC of it (to find duplicates) and
    ``id_masked`` keeps the first four and last four characters for read-back and certificates.
    """

    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_lat_lon", "lat", "lon"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    birth_date: Mapped[date] = mapped_column(Date)
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str | None] = mapped_column(String(20))
    is_elder: Mapped[bool] = mapped_column(Boolean, default=False)
    is_volunteer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_family: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|verified|frozen|closed
    password_hash: Mapped[str | None] = mapped_column(String(200))  # family members using the web
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def roles(self) -> list[str]:
        return [r for r, on in (("elder", self.is_elder), ("volunteer", self.is_volunteer),
                                ("family", self.is_family)) if on]


class FamilyLink(Base):
    """A relative who may act for an elder once the link is consented."""

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("elder_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relation: Mapped[str] = mapped_column(String(12))  # spouse|child|parent|grandchild|sibling|other
    consent: Mapped[str] = mapped_column(String(12), default="pending")  # pending|consented|revoked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organisation(Base):
    """A volunteer team (团体志愿者): a company, school or community group."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))


class OrganisationMember(Base):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))


class Qualification(Base):
    """A professional licence a volunteer holds (doctor, nurse, lawyer, counsellor, ...)."""

    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    expires_on: Mapped[date | None] = mapped_column(Date)


class Training(Base):
    """A completed training course; volunteers serve after the general training."""

    __tablename__ = "trainings"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    course: Mapped[str] = mapped_column(String(60))
    completed_on: Mapped[date] = mapped_column(Date)
