from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from backend.api.schemas.fields import Flag, Id, Minutes, Reason, ShortText, Text

Channel = Literal["phone", "chat", "operator", "paper", "system"]


class GiftCreate(BaseModel):
    from_person_id: Id
    to_person_id: Id
    minutes: Minutes
    channel: Channel
    memo: ShortText = ""


class DonationCreate(BaseModel):
    from_person_id: Id
    minutes: Minutes
    channel: Channel
    memo: ShortText = ""


class GrantCreate(BaseModel):
    to_person_id: Id
    minutes: Minutes
    memo: Text(200, min_length=1)


class RedemptionCreate(BaseModel):
    person_id: Id
    minutes: Minutes
    station_id: Id
    channel: Channel
    goods: Flag = False
    memo: ShortText = ""


class ReversalCreate(BaseModel):
    seq: Id
    reason: Reason


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
