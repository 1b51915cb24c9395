"""Disputes over the API. Which sides, sources and decisions exist is the domain's rule
(``backend.disputes.cases``); these schemas only shape the request."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas.fields import Flag, Id, Minutes, Note, Reason, Text


class DisputeCreate(BaseModel):
    """A complaint about the order: ``side`` elder | volunteer; ``source`` rating | followup | chat |
    phone | operator; ``chat_id`` / ``call_id``: the conversation it was made in; ``conversation_id``:
    the same given as the assistant knows it (its sender id: a chat's conversation id, a call's SID)."""

    side: Text(12)
    statement: Note
    source: Text(12) = "operator"
    chat_id: Id | None = None
    call_id: Id | None = None
    conversation_id: Text(100) | None = None


class StatementCreate(BaseModel):
    side: Text(12)
    statement: Note
    heard_via: Text(12) = "phone"


class DisputeDecision(BaseModel):
    """``decision`` uphold | partial | revoke; ``credited_minutes``: what stands (partial only)."""

    decision: Text(12)
    reason: Reason
    credited_minutes: Minutes | None = None
    freeze_volunteer: Flag = False


class StatementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    side: str
    text: str
    heard_via: str
    recorded_by: str
    at: datetime


class DisputePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    source: str
    complainant: str
    status: str
    decision: str | None
    credited_minutes: int | None
    decision_reason: str | None
    opened_at: datetime
    decided_at: datetime | None
    statements: list[StatementPublic] = Field(default_factory=list)
