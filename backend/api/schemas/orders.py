from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["phone", "chat", "operator", "paper"]


class OrderCreate(BaseModel):
    recipient_id: int
    service_slug: str
    start_at: datetime
    duration_minutes: int = Field(60, ge=15, le=480)
    address: str | None = Field(None, max_length=200)
    lat: float | None = None
    lon: float | None = None
    note: str | None = Field(None, max_length=500)
    channel: Channel
    requested_by_person_id: int | None = None


class OrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    recipient_id: int
    volunteer_id: int | None
    service_slug: str
    service_name: str = ""
    state: str
    state_zh: str = ""
    start_at: datetime
    duration_minutes: int
    address: str | None
    note: str | None
    channel: str
    paper_backfill: bool
    station_id: int


class CancelRequest(BaseModel):
    reason: str = Field("用户取消", max_length=200)
    channel: Channel


class TransitionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_state: str | None
    to_state: str
    actor: str
    channel: str
    reason: str | None
    at: datetime


class PaperBackfillCreate(BaseModel):
    volunteer_id: int
    recipient_id: int
    service_slug: str
    started_at: datetime
    ended_at: datetime
    reason: str = Field(min_length=1, max_length=300)


class ServicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name_zh: str
    category: str
    tier: str
    qualification: str | None
    synonyms: list[str]
