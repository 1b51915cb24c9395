from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Channel = Literal["phone", "chat", "operator", "paper", "system"]


class GiftCreate(BaseModel):
    from_person_id: int
    to_person_id: int
    minutes: int = Field(gt=0)
    channel: Channel
    memo: str = Field("", max_length=200)


class DonationCreate(BaseModel):
    from_person_id: int
    minutes: int = Field(gt=0)
    channel: Channel
    memo: str = Field("", max_length=200)


class GrantCreate(BaseModel):
    to_person_id: int
    minutes: int = Field(gt=0)
    memo: str = Field(min_length=1, max_length=200)


class RedemptionCreate(BaseModel):
    person_id: int
    minutes: int = Field(gt=0)
    station_id: int
    channel: Channel
    goods: bool = False
    memo: str = Field("", max_length=200)


class ReversalCreate(BaseModel):
    seq: int
    reason: str = Field(min_length=1, max_length=300)


class PostingPublic(BaseModel):
    account_id: int
    amount: int


class TransactionPublic(BaseModel):
    seq: int
    kind: str
    created_at: datetime
    memo: str
    postings: list[PostingPublic]
    hash: str
    prev_hash: str


class VerifyPublic(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None
    problems: list[str]
