from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas.fields import Count, Id, PastTime, Reason, ServiceTime, ShortText, Text

Channel = Literal["phone", "chat", "operator", "paper"]


class OrderCreate(BaseModel):
    recipient_id: Id
    service_slug: str = Field(max_length=40)
    start_at: ServiceTime
    duration_minutes: Count = Field(60, ge=15, le=480)
    address: ShortText | None = None
    lat: float | None = None
    lon: float | None = None
    note: Text(500, multiline=True) | None = None
    channel: Channel
    requested_by_person_id: Id | None = None


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
    reason: Text(200) = "用户取消"
    channel: Channel


class ReleaseRequest(BaseModel):
    """Live supervision: why the accepted volunteer is released (they did not come, cannot come ...)."""

    reason: Reason


class TransitionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_state: str | None
    to_state: str
    actor: str
    channel: str
    reason: str | None
    at: datetime


class MessagePublic(BaseModel):
    """A text message about the order (the outbox): to whom, what it said, and whether it went out."""
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    person_id: int | None
    to_phone: str
    channel: str
    kind: str
    body: str
    status: str
    attempts: int
    provider_sid: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class PaperBackfillCreate(BaseModel):
    volunteer_id: Id
    recipient_id: Id
    service_slug: str = Field(max_length=40)
    started_at: PastTime
    ended_at: PastTime
    reason: Reason


class ServicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name_zh: str
    category: str
    tier: str
    qualification: str | None
    synonyms: list[str]
