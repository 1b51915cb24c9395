"""Creating orders and moving them through their states."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import IllegalTransition, InvalidInput, NotFound, PolicyViolation
from backend.models import LedgerEntry, Order, OrderTransition, Person, Qualification
from backend.orders import states
from backend.people.identity import age_on
from backend.people.registry import check_coordinates, get_person
from backend.policy import PolicyProfile

CHANNELS = ("phone", "chat", "operator", "paper")
MIN_MINUTES, MAX_MINUTES = 15, 8 * 60


@dataclass
class NewOrder:
    recipient_id: int
    service_slug: str
    start_at: datetime
    duration_minutes: int
    channel: str
    actor: str
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    note: str | None = None
    requested_by_id: int | None = None


def check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {CHANNELS}", code="invalid_channel")


def check_recipient(recipient: Person, policy: PolicyProfile, today: date) -> None:
    age = age_on(recipient.birth_date, today)
    if age < policy.recipient_min_age:
        raise PolicyViolation(f"service recipients must be {policy.recipient_min_age}+; person {recipient.id} is {age}",
                              code="recipient_too_young", message=f"服务对象要年满{policy.recipient_min_age}周岁。")
    if recipient.status in ("frozen", "closed"):
        raise PolicyViolation(f"person {recipient.id} is {recipient.status}", code="account_frozen",
                              message="这个账户已冻结，暂时不能预约。")


def qualified_volunteer_exists(session: Session, kind: str, on: date) -> bool:
    return session.scalar(
        select(Qualification.id).join(Person, Person.id == Qualification.person_id)
        .where(Qualification.kind == kind, Person.is_volunteer, Person.status == "verified",
               (Qualification.expires_on.is_(None)) | (Qualification.expires_on >= on)).limit(1)) is not None


def create_order(session: Session, new: NewOrder, *, policy: PolicyProfile, now: datetime, today: date) -> Order:
    """Validate the whole request, then insert it; a verified recipient's order opens at once."""
    check_channel(new.channel)
    recipient = get_person(session, new.recipient_id)
    check_recipient(recipient, policy, today)
    service = get_service(session, new.service_slug)
    if new.start_at.tzinfo is None:
        raise InvalidInput("start_at needs a UTC offset", code="invalid_time", message="时间不清楚，请再说一遍。")
    if new.start_at < now - timedelta(minutes=5):
        raise InvalidInput(f"start_at {new.start_at.isoformat()} is in the past", code="time_in_past",
                           message="这个时间已经过去了，请换个时间。")
    if not MIN_MINUTES <= new.duration_minutes <= MAX_MINUTES:
        raise InvalidInput(f"duration must be {MIN_MINUTES}-{MAX_MINUTES} minutes", code="invalid_duration",
                           message="服务时长不对。")
    if service.qualification and not qualified_volunteer_exists(session, service.qualification, new.start_at.date()):
        raise PolicyViolation(f"no verified volunteer holds a valid {service.qualification!r} qualification",
                              code="no_qualified_volunteer", message=f"暂时没有能提供{service.name_zh}的志愿者。")
    lat, lon = (new.lat, new.lon) if new.lat is not None else (recipient.lat, recipient.lon)
    check_coordinates(lat, lon)
    order = Order(
        recipient_id=recipient.id, requested_by_id=new.requested_by_id, service_slug=service.slug,
        start_at=new.start_at.astimezone(timezone.utc), duration_minutes=new.duration_minutes,
        end_at=new.start_at.astimezone(timezone.utc) + timedelta(minutes=new.duration_minutes),
        address=new.address or recipient.address, lat=lat, lon=lon, note=new.note,
        station_id=recipient.station_id, state=states.REQUESTED, channel=new.channel,
    )
    session.add(order)
    session.flush()
    _record(session, order, None, states.REQUESTED, new.actor, new.channel, new.note)
    if recipient.status == "verified":
        transition(session, order, states.OPEN, actor="system", channel=new.channel,
                   reason="自动审核：已核实的服务对象")
    return order


def get_order(session: Session, order_id: int, *, for_update: bool = False) -> Order:
    order = session.get(Order, order_id, with_for_update=for_update)
    if order is None:
        raise NotFound(f"order {order_id} does not exist", code="order_not_found", message="没有找到这个订单。")
    return order


def transition(session: Session, order: Order, target: str, *, actor: str, channel: str,
               reason: str | None = None) -> Order:
    """Move ``order`` to ``target`` and record it. Only the use cases call this (there is no generic
    endpoint): ``backend.fulfilment.completion`` credits before completing and reverses before revoking,
    and the ledger checks below refuse a move that would leave the coins behind."""
    if not states.allowed(order.state, target):
        raise IllegalTransition(f"order {order.id} cannot go from {order.state} to {target}",
                                message=f"订单{states.STATE_ZH.get(order.state, order.state)}，不能这样改。")
    _check_ledger(session, order, target)
    _record(session, order, order.state, target, actor, channel, reason)
    order.state = target
    session.flush()
    return order


def _check_ledger(session: Session, order: Order, target: str) -> None:
    """A completed order has its credit; a revoked one has every ledger entry of it reversed."""
    if target == states.COMPLETED and order.credit_entry_seq is None:
        raise IllegalTransition(f"order {order.id} cannot complete without its credit entry",
                                code="completion_without_credit", message="订单还没有记账，不能完成。")
    if target == states.REVOKED:
        entries = select(LedgerEntry.seq).where(LedgerEntry.order_id == order.id, LedgerEntry.kind != "reversal")
        reversed_ = select(LedgerEntry.reverses_seq).where(LedgerEntry.reverses_seq.is_not(None))
        if session.scalar(entries.where(LedgerEntry.seq.not_in(reversed_)).limit(1)) is not None:
            raise IllegalTransition(f"order {order.id} cannot be revoked while its credit stands",
                                    code="revoke_without_reversal", message="订单的记账还没有冲正，不能撤销。")


def open_request(session: Session, order_id: int, *, actor: str, reason: str | None) -> Order:
    """An operator checked a request from an elder not yet verified and opens it for dispatch (待审核 → 待接单).
    A second call finds it open already and is refused, so a form sent twice opens once."""
    order = get_order(session, order_id, for_update=True)
    if order.state != states.REQUESTED:
        raise InvalidInput(f"order {order_id} is {order.state}, not requested", code="not_requested",
                           message="这个订单已经审核过了。")
    return transition(session, order, states.OPEN, actor=actor, channel="operator", reason=reason or "人工审核通过")


def cancel_order(session: Session, order_id: int, *, actor: str, channel: str, reason: str) -> Order:
    order = get_order(session, order_id, for_update=True)
    if order.state not in states.CANCELLABLE:
        raise IllegalTransition(f"order {order.id} is {order.state} and cannot be cancelled",
                                message="这个订单已经不能取消了。")
    return transition(session, order, states.CANCELLED, actor=actor, channel=channel, reason=reason or "用户取消")


def list_orders(session: Session, recipient_id: int, wanted: set[str] | None = None, limit: int = 50) -> list[Order]:
    query = select(Order).where(Order.recipient_id == recipient_id)
    if wanted:
        query = query.where(Order.state.in_(wanted))
    return list(session.scalars(query.order_by(Order.start_at.desc()).limit(limit)))


def _record(session: Session, order: Order, source: str | None, target: str, actor: str, channel: str,
            reason: str | None) -> None:
    session.add(OrderTransition(order_id=order.id, from_state=source, to_state=target, actor=actor,
                                channel=channel, reason=reason))
