from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas.fields import CalendarDay, Count, Flag, Id, Reason, ServiceTime, Text

Channel = Literal["phone", "chat", "operator", "paper"]


class WeeklySlot(BaseModel):
    weekday: Count = Field(ge=0, le=6, description="0 = Monday")
    start: time
    end: time


class SupplyUpdate(BaseModel):
    radius_km: float = Field(3.0, gt=0, le=50)
    max_open_orders: Count = Field(3, ge=1, le=20)
    services: list[Text(40, min_length=1)] = Field(min_length=1, max_length=100)
    weekly: list[WeeklySlot] = Field([], max_length=7 * 24)


class ExceptionCreate(BaseModel):
    day: CalendarDay
    available: Flag = False
    start: time | None = None
    end: time | None = None
    reason: Text(200) | None = None


class CandidatePublic(BaseModel):
    person_id: int
    score: float
    distance_km: float
    age: int
    recent_minutes: int
    rating_avg: float | None


class VolunteerAction(BaseModel):
    volunteer_id: Id
    channel: Channel = "phone"


class Location(BaseModel):
    volunteer_id: Id
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: ServiceTime | None = None


class RatingCreate(BaseModel):
    by_person_id: Id
    stars: Count = Field(ge=1, le=5)
    comment: Text(500, multiline=True) | None = None
    complaint: Flag = False
    channel: Channel = "phone"


class RatingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    by_person_id: int
    role: str
    stars: int
    comment: str | None
    complaint: bool


class ReviewDecision(BaseModel):
    reason: Reason
    freeze_volunteer: Flag = False


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    kind: str
    volunteer_id: int | None
    detail: str | None
    at: datetime


class FollowUpPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    reason: str
    status: str
    outcome: str | None


class FollowUpDone(BaseModel):
    outcome: Text(1000, min_length=1, multiline=True)


class PhoneVisit(BaseModel):
    """A volunteer called the hotline from this number to check in or out (the hotline heard the number)."""
    phone: str = Field(min_length=3, max_length=32)


class PhoneVisitPublic(BaseModel):
    action: str  # checked_in | checked_out
    order_id: int
    state: str
    message: str
