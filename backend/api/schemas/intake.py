"""What the assistant hands to a person: a handoff ticket with the conversation so far."""
from __future__ import annotations

from pydantic import BaseModel, Field

from backend.api.schemas.fields import Id, Text, Utterance


class TranscriptTurn(BaseModel):
    speaker: Text(20)
    text: Utterance
    at: str | None = Field(None, max_length=40)


class HandoffCreate(BaseModel):
    phone: str | None = Field(None, max_length=32)
    person_id: Id | None = None
    channel: str = Field(max_length=20)
    conversation_id: str = Field(min_length=1, max_length=100)
    transcript: list[TranscriptTurn] = Field([], max_length=200)
    reason: Text(300, multiline=True) = "caller asked for a person"
