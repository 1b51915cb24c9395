from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["phone", "chat", "operator", "paper"]


class WeeklySlot(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time
    end: time


class SupplyUpdate(BaseModel):
    radius_km: float = Field(3.0, gt=0, le=50)
    max_open_orders: int = Field(3, ge=1, le=20)
    services: list[str] = Field(min_length=1)
    weekly: list[WeeklySlot] = []


class ExceptionCreate(BaseModel):
    day: date
    available: bool = False
    start: time | None = None
    end: time | None = None
    reason: str | None = Field(None, max_length=200)


class CandidatePublic(BaseModel):
    person_id: int
    score: float
    distance_km: float
    age: int
    recent_minutes: int
    rating_avg: float | None


class VolunteerAction(BaseModel):
    volunteer_id: int
    channel: Channel = "phone"


class Location(BaseModel):
    volunteer_id: int
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: datetime | None = None


class RatingCreate(BaseModel):
    by_person_id: int
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=500)
    complaint: bool = False
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
    reason: str = Field(min_length=1, max_length=300)
    freeze_volunteer: bool = False


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
    outcome: str = Field(min_length=1, max_length=1000)
