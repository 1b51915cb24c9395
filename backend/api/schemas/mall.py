from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from backend.api.schemas.fields import Id, Reason


class GoodsPublic(BaseModel):
    id: int
    name: str
    price_minutes: int
    price_text: str  # "3个时间币"
    stock: int
    pickup: str
    partner_id: int
    station_id: int
    active: bool


class RedemptionCreate(BaseModel):
    """An exchange for ``person_id``: by the hotline or chat for the caller it identified, or by an operator at
    the station's desk for a volunteer of their scope (one without a smartphone)."""

    person_id: Id
    goods_id: Id
    channel: Literal["phone", "chat", "operator"] = "operator"


class RedemptionPublic(BaseModel):
    id: int
    person_id: int
    goods_id: int
    goods_name: str
    price_minutes: int
    price_text: str
    code: str  # "ABCD-2345", to show the partner
    pickup: str
    status: Literal["issued", "collected", "reversed"]
    created_at: datetime


class RedemptionReverse(BaseModel):
    reason: Reason
