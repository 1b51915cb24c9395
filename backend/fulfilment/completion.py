"""Completing an order (credit through the ledger), holding it for review, approving or revoking."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.core.errors import IllegalTransition, InvalidInput
from backend.ledger import operations
from backend.ledger.accounts import person_account
from backend.ledger.coin_words import coins_text
from backend.matching.dispatch import emit
from backend.models import Anomaly, FollowUp, LedgerEntry, Order, ServiceVisit
from backend.orders import states
from backend.orders.service import get_order, transition
from backend.people.registry import set_frozen
from backend.policy import PolicyProfile


def hold(session: Session, order: Order, problems: list[tuple[str, str]], *, actor: str, at: datetime) -> Order:
    for kind, detail in problems:
        session.add(Anomaly(order_id=order.id, kind=kind, detail=detail, at=at))
    transition(session, order, states.HELD, actor=actor, channel="phone",
               reason="待人工核查：" + "；".join(kind for kind, _ in problems))
    emit(session, order.id, "held", order.volunteer_id, detail="; ".join(d for _, d in problems), at=at)
    return order


def complete(session: Session, order: Order, *, policy: PolicyProfile, actor: str, channel: str, reason: str,
             at: datetime) -> Order:
    """Credit the volunteer (minutes served × tier multiplier); the recipient pays where the policy says so."""
    if not order.served_minutes or order.served_minutes <= 0:
        raise InvalidInput(f"order {order.id} has no served minutes to credit", code="nothing_to_credit")
    _credit(session, order, policy, operations.Actor(actor, channel), key=f"order:{order.id}:credit")
    _recipient_pays(session, order, policy, actor, channel)
    transition(session, order, states.COMPLETED, actor=actor, channel=channel, reason=reason)
    emit(session, order.id, "completed", order.volunteer_id, at=at)
    if _sampled(order.id, policy.matching.follow_up_sample_percent):
        queue_follow_up(session, order.id, "sample")
    return order


def _credit(session: Session, order: Order, policy: PolicyProfile, actor: operations.Actor, *, key: str,
            memo_suffix: str = "") -> None:
    service = get_service(session, order.service_slug)
    entries = operations.credit_service(
        session, volunteer_id=order.volunteer_id, station_id=order.station_id, served_minutes=order.served_minutes,
        tier=service.tier, policy=policy, actor=actor, order_id=order.id, key=key,
        memo=f"{service.name_zh} {coins_text(order.served_minutes)}{memo_suffix}")
    order.credit_entry_seq = entries[0].seq


def _recipient_pays(session: Session, order: Order, policy: PolicyProfile, actor: str, channel: str) -> None:
    """Recipients with coins (earned, gifted or granted by the fund) spend them on the service; those
    without are served free, as the seeds' priority elders are. Partial payment is never taken."""
    if not policy.recipient_pays:
        return
    account = person_account(session, order.recipient_id)
    if account.balance < order.served_minutes or account.frozen:
        return
    operations.redeem(session, person_id=order.recipient_id, station_id=order.station_id,
                      minutes=order.served_minutes, policy=policy, today=order.start_at.date(),
                      actor=operations.Actor(actor, channel), order_id=order.id, key=f"order:{order.id}:redeem",
                      memo="兑换服务")


def _sampled(order_id: int, percent: int) -> bool:
    digest = hashlib.sha256(f"follow-up:{order_id}".encode()).digest()
    return digest[0] * 100 // 256 < percent


def queue_follow_up(session: Session, order_id: int, reason: str) -> FollowUp:
    """Add the order to the follow-up queue; a low rating or complaint outranks a random sample."""
    existing = session.scalar(select(FollowUp).where(FollowUp.order_id == order_id))
    if existing is not None:
        if reason != "sample" and existing.reason == "sample":
            existing.reason = reason
        return existing
    follow_up = FollowUp(order_id=order_id, reason=reason)
    session.add(follow_up)
    session.flush()
    return follow_up


def approve_held(session: Session, order_id: int, *, policy: PolicyProfile, operator: str, reason: str,
                 at: datetime) -> Order:
    order = get_order(session, order_id, for_update=True)
    if order.state != states.HELD:
        raise IllegalTransition(f"order {order_id} is {order.state}, not held", message="这个订单不在待核查状态。")
    if not order.served_minutes:
        visit = session.get(ServiceVisit, order.id)
        start = visit.check_in_at if visit and visit.check_in_at else None
        order.served_minutes = int((visit.check_out_at - start).total_seconds() // 60) if start else order.duration_minutes
    for anomaly in session.scalars(select(Anomaly).where(Anomaly.order_id == order_id, Anomaly.resolved.is_(None))):
        anomaly.resolved = "approved"
    return complete(session, order, policy=policy, actor=operator, channel="operator", reason=f"人工核查通过：{reason}", at=at)


def revoke(session: Session, order_id: int, *, operator: str, reason: str, freeze_volunteer: bool, at: datetime) -> Order:
    """Fake service (虚假服务): revoke the order, claw back its credit (and refund the recipient), maybe freeze."""
    if not reason.strip():
        raise InvalidInput("revoking needs a reason", code="reason_required", message="请说明撤销原因。")
    order = get_order(session, order_id, for_update=True)
    if order.state not in (states.COMPLETED, states.RATED, states.HELD):
        raise IllegalTransition(f"order {order_id} is {order.state}; only completed or held orders are revoked",
                                message="这个订单现在不能撤销。")
    _reverse_entries(session, order, reason=f"撤销订单{order.id}：{reason}", actor=operations.Actor(operator, "operator"))
    for anomaly in session.scalars(select(Anomaly).where(Anomaly.order_id == order_id, Anomaly.resolved.is_(None))):
        anomaly.resolved = "revoked"
    transition(session, order, states.REVOKED, actor=operator, channel="operator", reason=reason)
    emit(session, order.id, "revoked", order.volunteer_id, detail=reason, at=at)
    if freeze_volunteer and order.volunteer_id:
        set_frozen(session, order.volunteer_id, True)
    return order


def _reverse_entries(session: Session, order: Order, *, reason: str, actor: operations.Actor) -> list[str]:
    """Reverses every entry of the order not reversed yet, newest first; returns the kinds reversed."""
    kinds = []
    for seq, kind in session.execute(select(LedgerEntry.seq, LedgerEntry.kind).where(
            LedgerEntry.order_id == order.id, LedgerEntry.kind != "reversal").order_by(LedgerEntry.seq.desc())):
        already = session.scalar(select(LedgerEntry.seq).where(LedgerEntry.reverses_seq == seq))
        if already is None:
            operations.reverse(session, seq=seq, reason=reason, actor=actor, key=f"order:{order.id}:reverse:{seq}")
            kinds.append(kind)
    return kinds


def reduce_credit(session: Session, order_id: int, *, credited_minutes: int, policy: PolicyProfile, operator: str,
                  reason: str, key: str, at: datetime) -> Order:
    """Part of a completed service stands (a dispute decided "partial"): every entry of the order is
    reversed, then the volunteer is credited ``credited_minutes`` and, if the recipient had paid, the
    recipient pays that much again. The order stays completed; ``served_minutes`` becomes what stands.
    ``key`` makes the new entries' idempotency keys (one per decision)."""
    order = get_order(session, order_id, for_update=True)
    if order.state not in (states.COMPLETED, states.RATED):
        raise IllegalTransition(f"order {order_id} is {order.state}; only credited services are reduced",
                                message="这个订单现在不能核减。")
    if not isinstance(credited_minutes, int) or not 0 < credited_minutes < (order.served_minutes or 0):
        raise InvalidInput(f"credited minutes must be between 0 and {order.served_minutes}, got {credited_minutes!r}",
                           code="invalid_minutes", message=f"核减后的时长要大于0、少于{order.served_minutes}分钟。")
    actor = operations.Actor(operator, "operator")
    reversed_kinds = _reverse_entries(session, order, reason=f"核减订单{order.id}：{reason}", actor=actor)
    order.served_minutes = credited_minutes
    _credit(session, order, policy, actor, key=f"{key}:credit", memo_suffix="（核减后）")
    if "redemption" in reversed_kinds:
        operations.redeem(session, person_id=order.recipient_id, station_id=order.station_id, minutes=credited_minutes,
                          policy=policy, today=order.start_at.date(), actor=actor, order_id=order.id,
                          key=f"{key}:redeem", memo="兑换服务（核减后）")
    emit(session, order.id, "reduced", order.volunteer_id, detail=reason, at=at)
    return order
