"""Correcting an order (更正): an operator fixes the time, length, service, address or note of an
order that has not started, and must say why.

The change is recorded as an "corrected" order event whose detail is JSON
``{"reason": …, "changes": {field: [old, new]}}`` (times as ISO 8601 UTC). A change of time, length
or service takes the order back from its volunteer (the assignment or acceptance was for the old
order): pending offers are withdrawn and the order is open again for dispatch, as a recorded
transition carrying the same reason. Address and note changes keep the volunteer.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import IllegalTransition, InvalidInput, PolicyViolation
from backend.matching.dispatch import emit
from backend.models import Offer, Order
from backend.orders import states
from backend.orders.service import MAX_MINUTES, MIN_MINUTES, get_order, qualified_volunteer_exists, transition

CORRECTABLE = (states.REQUESTED, states.OPEN, states.ASSIGNED, states.ACCEPTED)
REMATCH_FIELDS = ("start_at", "duration_minutes", "service_slug")


@dataclass(frozen=True)
class Correction:
    """The new values; None leaves a field as it is (an empty string clears the note)."""

    start_at: datetime | None = None
    duration_minutes: int | None = None
    service_slug: str | None = None
    address: str | None = None
    note: str | None = None


def _wanted(session: Session, order: Order, change: Correction, now: datetime) -> dict:
    """The validated new values of the fields that really change."""
    new: dict = {}
    if change.start_at is not None and change.start_at.tzinfo is None:
        raise InvalidInput("start_at needs a UTC offset", code="invalid_time", message="时间不清楚。")
    if change.start_at is not None and change.start_at != order.start_at:  # an unchanged time may have passed
        if change.start_at < now - timedelta(minutes=5):
            raise InvalidInput(f"start_at {change.start_at.isoformat()} is in the past", code="time_in_past",
                               message="这个时间已经过去了，请换个时间。")
        new["start_at"] = change.start_at.astimezone(timezone.utc)
    if change.duration_minutes is not None:
        if not MIN_MINUTES <= change.duration_minutes <= MAX_MINUTES:
            raise InvalidInput(f"duration must be {MIN_MINUTES}-{MAX_MINUTES} minutes", code="invalid_duration",
                               message=f"服务时长要在{MIN_MINUTES}到{MAX_MINUTES}分钟之间。")
        new["duration_minutes"] = change.duration_minutes
    if change.service_slug is not None and change.service_slug != order.service_slug:
        service = get_service(session, change.service_slug)
        day = (new.get("start_at") or order.start_at).date()
        if service.qualification and not qualified_volunteer_exists(session, service.qualification, day):
            raise PolicyViolation(f"no verified volunteer holds a valid {service.qualification!r} qualification",
                                  code="no_qualified_volunteer", message=f"暂时没有能提供{service.name_zh}的志愿者。")
        new["service_slug"] = service.slug
    if change.address is not None:
        address = change.address.strip()
        if not address or len(address) > 200:
            raise InvalidInput("address must be 1-200 characters", code="invalid_address", message="地址不对。")
        new["address"] = address
    if change.note is not None:
        if len(change.note) > 500:
            raise InvalidInput("note must be at most 500 characters", code="invalid_note", message="备注太长了。")
        new["note"] = change.note.strip() or None
    return {field: value for field, value in new.items() if getattr(order, field) != value}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def correct_order(session: Session, order_id: int, change: Correction, *, actor: str, reason: str,
                  now: datetime) -> tuple[Order, dict[str, list]]:
    """Apply ``change`` with ``reason``; return the order and {field: [old, new]} of what changed."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a correction needs a reason", code="reason_required", message="请写明更正原因。")
    order = get_order(session, order_id, for_update=True)
    if order.state not in CORRECTABLE:
        raise IllegalTransition(f"order {order.id} is {order.state}; only orders not yet started are corrected",
                                message=f"订单{states.STATE_ZH.get(order.state, order.state)}，不能再更正。")
    new = _wanted(session, order, change, now)
    if not new:
        raise InvalidInput("the correction changes nothing", code="nothing_changed", message="没有改动任何内容。")
    changes = {field: [_plain(getattr(order, field)), _plain(value)] for field, value in new.items()}
    for field, value in new.items():
        setattr(order, field, value)
    order.end_at = order.start_at + timedelta(minutes=order.duration_minutes)
    if order.state in (states.ASSIGNED, states.ACCEPTED) and any(f in new for f in REMATCH_FIELDS):
        for offer in session.scalars(select(Offer).where(Offer.order_id == order.id, Offer.outcome == "pending")):
            offer.outcome = "withdrawn"
        released = order.volunteer_id
        order.volunteer_id = None
        transition(session, order, states.OPEN, actor=actor, channel="operator", reason=f"订单更正，重新派单：{reason}")
        emit(session, order.id, "withdrawn", released, detail="订单更正", at=now)
    emit(session, order.id, "corrected", None, at=now,
         detail=json.dumps({"reason": reason, "changes": changes}, ensure_ascii=False, sort_keys=True))
    session.flush()
    return order, changes
