"""Call records: what the IVR writes (``…Create``/``…Update``) and what operators read (``…Public``)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas.fields import Count, Id, PastTime, Text, Utterance

CallStatus = Literal["in_progress", "completed", "dropped", "transferred", "failed"]


class CallCreate(BaseModel):
    call_sid: str = Field(min_length=1, max_length=64)
    caller_phone: str | None = Field(None, max_length=32)
    channel: Literal["phone", "browser"] = "phone"
    mode: Literal["stream", "gather"] = "stream"
    started_at: PastTime | None = None


class CallUpdate(BaseModel):
    status: CallStatus | None = None
    twilio_status: str | None = Field(None, max_length=20)
    end_reason: Text(200) | None = None
    duration_s: Count | None = Field(None, ge=0, le=7 * 24 * 3600)
    ended_at: PastTime | None = None


class TurnCreate(BaseModel):
    seq: Count = Field(ge=0, le=100_000)
    speaker: Literal["caller", "assistant"]
    source: Literal["speech", "keypad", "prompt"] = "speech"
    text: Utterance
    confidence: float | None = Field(None, ge=0, le=1)
    started_at: PastTime | None = None
    ended_at: PastTime | None = None
    audio_start_s: float | None = Field(None, ge=0)
    audio_end_s: float | None = Field(None, ge=0)


class EventCreate(BaseModel):
    seq: Count = Field(ge=0, le=100_000)
    kind: Literal["dtmf", "handoff", "transfer", "order", "redemption", "reprompt", "error"]
    detail: Text(2000, multiline=True) | None = None
    order_id: Id | None = None
    handoff_id: Id | None = None
    at: PastTime | None = None


class TurnPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    speaker: str
    source: str
    text: str
    confidence: float | None
    started_at: datetime
    ended_at: datetime | None
    audio_start_s: float | None
    audio_end_s: float | None


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    kind: str
    detail: str | None
    order_id: int | None
    handoff_id: int | None
    at: datetime


class CallPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    call_sid: str
    caller_phone: str | None
    person_id: int | None
    station_id: int | None
    channel: str
    mode: str
    status: str
    twilio_status: str | None
    end_reason: str | None
    duration_s: int | None
    started_at: datetime
    ended_at: datetime | None


class CallDetailPublic(CallPublic):
    """A call with everything said and done in it; ``order_ids``: orders the call created."""

    turns: list[TurnPublic] = []
    events: list[EventPublic] = []
    order_ids: list[int] = []
