"""Paper back-fill (补登): services recorded on paper while the platform was down.

A back-filled order walks the normal states in one transaction, every step marked with the
back-fill reason, and credits the volunteer through the ledger under an idempotency key derived
from the paper record, so importing the same sheet twice credits nobody twice.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import InvalidInput, PolicyViolation
from backend.ledger.operations import Actor, credit_service
from backend.models import LedgerEntry, Order
from backend.orders import states
from backend.orders.service import _record, check_recipient
from backend.people.registry import get_person, has_valid_qualification
from backend.policy import PolicyProfile

PATH = (states.OPEN, states.ACCEPTED, states.CHECKED_IN, states.CHECKED_OUT, states.COMPLETED)


@dataclass(frozen=True)
class PaperRecord:
    volunteer_id: int
    recipient_id: int
    service_slug: str
    started_at: datetime
    ended_at: datetime
    reason: str
    recorded_by: str  # operator or station clerk who keyed it in

    def fingerprint(self) -> str:
        raw = "|".join(map(str, (self.volunteer_id, self.recipient_id, self.service_slug,
                                  self.started_at.isoformat(), self.ended_at.isoformat())))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def backfill(session: Session, record: PaperRecord, *, policy: PolicyProfile, now: datetime, today: date) -> Order:
    """Create the completed order and its credit; return the existing order if already imported."""
    key = f"paper:{record.fingerprint()}"
    seq = session.scalar(select(LedgerEntry.seq).where(LedgerEntry.idempotency_key == key))
    if seq is not None:
        return session.scalar(select(Order).where(Order.credit_entry_seq == seq))
    if not record.reason.strip():
        raise InvalidInput("paper back-fill needs a reason", code="reason_required", message="补登要写明原因。")
    for stamp in (record.started_at, record.ended_at):
        if stamp.tzinfo is None:
            raise InvalidInput("times need a UTC offset", code="invalid_time")
    if not record.started_at < record.ended_at <= now:
        raise InvalidInput("service must have ended, after it started, before now", code="invalid_time",
                           message="服务时间不对。")
    minutes = int((record.ended_at - record.started_at).total_seconds() // 60)
    if minutes > policy.max_service_hours_per_day * 60:
        raise PolicyViolation(f"{minutes} min exceeds the daily maximum", code="too_many_hours",
                              message="一天的服务时长超过上限。")
    volunteer = get_person(session, record.volunteer_id)
    if not volunteer.is_volunteer:
        raise InvalidInput(f"person {volunteer.id} is not a volunteer", code="not_a_volunteer",
                           message="这个人不是志愿者。")
    recipient = get_person(session, record.recipient_id)
    check_recipient(recipient, policy, record.started_at.date())
    service = get_service(session, record.service_slug)
    if service.qualification and not has_valid_qualification(session, volunteer.id, service.qualification,
                                                              record.started_at.date()):
        raise PolicyViolation(f"volunteer {volunteer.id} lacks {service.qualification}", code="not_qualified",
                              message="这位志愿者没有相应资质。")
    order = Order(recipient_id=recipient.id, volunteer_id=volunteer.id, service_slug=service.slug,
                  start_at=record.started_at.astimezone(timezone.utc), duration_minutes=minutes,
                  end_at=record.ended_at.astimezone(timezone.utc),
                  address=recipient.address, lat=recipient.lat, lon=recipient.lon, station_id=recipient.station_id,
                  state=states.REQUESTED, channel="paper", paper_backfill=True, served_minutes=minutes)
    session.add(order)
    session.flush()
    reason = f"补登：{record.reason.strip()}"
    _record(session, order, None, states.REQUESTED, record.recorded_by, "paper", reason)
    previous = states.REQUESTED
    for target in PATH:
        _record(session, order, previous, target, record.recorded_by, "paper", reason)
        previous = target
    order.state = states.COMPLETED
    entries = credit_service(session, volunteer_id=volunteer.id, station_id=recipient.station_id,
                             served_minutes=minutes, tier=service.tier, policy=policy,
                             actor=Actor(record.recorded_by, "paper"), order_id=order.id, key=key, memo=reason)
    order.credit_entry_seq = entries[0].seq
    session.flush()
    return order
