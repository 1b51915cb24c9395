from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas.fields import BirthDate, CalendarDay, Flag, Id, Name, Note, Reason, ShortText, Text

Role = Literal["elder", "volunteer", "family"]
Relation = Literal["spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other"]


class PersonCreate(BaseModel):
    name: Name
    phone: str = Field(max_length=32)
    birth_date: BirthDate
    station_id: Id
    roles: list[Role] = Field(min_length=1, max_length=3)
    id_number: str | None = Field(None, max_length=32)
    address: ShortText | None = None
    lat: float | None = None
    lon: float | None = None
    guardian_id: Id | None = None


class LinkedElder(BaseModel):
    id: int
    name: str
    relation: str
    consent: str


class PersonPublic(BaseModel):
    """What callers may see: the ID number only masked, never its hash."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    phone: str
    birth_date: date
    roles: list[str]
    id_masked: str | None
    address: str | None
    lat: float | None
    lon: float | None
    station_id: int
    status: str
    linked_elders: list[LinkedElder] = []


class FamilyLinkCreate(BaseModel):
    elder_id: Id
    member_id: Id
    relation: Relation
    consent: Literal["pending", "consented"] = "pending"


class FamilyLinkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    elder_id: int
    member_id: int
    relation: str
    consent: str


class FamilyLinkDetailPublic(FamilyLinkPublic):
    """A family link with both names, for the elder's read-back and the operator's review list."""

    elder_name: str
    member_name: str
    created_at: datetime


class FreezeRequest(BaseModel):
    frozen: Flag
    reason: Reason


class QualificationCreate(BaseModel):
    kind: Text(30, min_length=1)
    expires_on: CalendarDay | None = None


class BalancePublic(BaseModel):
    person_id: int
    minutes: int
    coins_text: str


class StarsPublic(BaseModel):
    person_id: int
    level: int
    lifetime_service_minutes: int
    next_level: int | None
    minutes_to_next_level: int | None


class HistoryItem(BaseModel):
    seq: int
    kind: str
    minutes: int
    at: str
    memo: str


class RegistrationCreate(BaseModel):
    name: Name
    phone: str = Field(max_length=32)
    birth_date: BirthDate | None = None
    id_number: str | None = Field(None, max_length=32)
    roles: list[Role] = Field(min_length=1, max_length=3)
    channel: Literal["phone", "chat", "operator", "paper"]
    station_id: Id | None = None
    note: Note | None = None


class RegistrationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    phone: str
    status: str


class StationCreate(BaseModel):
    name: Text(100, min_length=1)
    level: Literal["city", "district", "street", "community", "other"]
    parent_id: Id | None = None
    operator_phone: str | None = Field(None, max_length=32)


class StationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    level: str
    parent_id: int | None
    path: str
    district_id: int | None
