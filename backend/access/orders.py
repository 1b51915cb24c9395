"""Operator actions on orders: open a request, assign, release a volunteer who did not come, correct, cancel, approve or revoke a held or
completed service, mark a complaint as needing nothing, and paper back-fill. Each passes the gate
(role, scope, audit) and checks the order's state first, so a form or request sent twice acts once."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import Conflict, InvalidInput
from backend.fulfilment import completion
from backend.ledger.accounts import person_account
from backend.ledger.coin_words import coins_text
from backend.models import AuditEntry, Order, Person
from backend.orders import states
from backend.orders.assign import assign_volunteer
from backend.orders.assign import release as release_volunteer
from backend.orders.backfill import PaperRecord, backfill
from backend.orders.correction import Correction, correct_order
from backend.orders.service import cancel_order, open_request
from backend.policy import PolicyProfile

FIELD_ZH = {"start_at": "时间", "duration_minutes": "时长", "service_slug": "服务", "address": "地址", "note": "备注"}
KEEP_ACTION = "order.keep"


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id else None
    return person.name if person else "—"


def _balance(session: Session, person_id: int | None) -> int | None:
    return person_account(session, person_id).balance if person_id else None


def _coins(minutes: int | None) -> str:
    return "—" if minutes is None else coins_text(minutes)


def open_for_dispatch(session: Session, who: Principal, order_id: int, *, reason: str = "") -> Done[Order]:
    gate = permit(who, "order.open")
    order = scope.order(session, who, order_id, for_update=True)
    open_request(session, order.id, actor=who.name, reason=reason.strip() or None)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip() or None,
                                  detail={"from_state": states.REQUESTED}))


def assign(session: Session, who: Principal, order_id: int, volunteer_id: int, *, reason: str = "",
           policy: PolicyProfile, tz: str, now: datetime) -> Done[Order]:
    gate = permit(who, "order.assign")
    order = scope.order(session, who, order_id, for_update=True)
    previous = order.volunteer_id
    if order.state == states.ASSIGNED and previous == volunteer_id:
        raise InvalidInput(f"order {order_id} is already offered to {volunteer_id}", code="already_assigned",
                       message="已经派给这位志愿者了，正在等待接单，不会重复派单。")
    offer = assign_volunteer(session, order.id, volunteer_id, policy=policy, tz=tz, now=now, actor=who.name,
                             reason=reason.strip() or None)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip() or None,
                                  detail={"volunteer_id": offer.volunteer_id,
                                          "volunteer_name": _name(session, offer.volunteer_id),
                                          "score": offer.rank_score, "previous_volunteer_id": previous}))


def release(session: Session, who: Principal, order_id: int, *, reason: str, now: datetime) -> Done[Order]:
    """Live supervision: the accepted volunteer did not come; the order is open again to give to another."""
    gate = permit(who, "order.release")
    order = scope.order(session, who, order_id, for_update=True)
    _order, released = release_volunteer(session, order.id, actor=who.name, reason=reason, now=now)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip(), detail={
        "volunteer_id": released, "volunteer_name": _name(session, released)}))


def correct(session: Session, who: Principal, order_id: int, change: Correction, *, reason: str,
            now: datetime) -> Done[Order]:
    gate = permit(who, "order.correct")
    order = scope.order(session, who, order_id, for_update=True)
    _order, changes = correct_order(session, order.id, change, actor=who.name, reason=reason, now=now)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip(),
                                  detail={"changes": changes, "fields": "、".join(FIELD_ZH[f] for f in changes)}))


def cancel(session: Session, who: Principal, order_id: int, *, reason: str, channel: str = "operator") -> Done[Order]:
    """An operator cancels with a reason; the assistant cancels for the elder who asked (reason optional)."""
    gate = permit(who, "order.cancel")
    order = scope.order(session, who, order_id, for_update=True)
    if not who.is_service and not reason.strip():
        raise InvalidInput("cancelling needs a reason", code="reason_required", message="请写明取消原因。")
    before = order.state
    cancel_order(session, order.id, actor=who.name, channel="operator" if not who.is_service else channel,
                 reason=reason.strip())
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip(),
                                  detail={"from_state": before}))


def _balances(session: Session, order: Order) -> dict:
    return {"elder": _balance(session, order.recipient_id), "volunteer": _balance(session, order.volunteer_id)}


def approve(session: Session, who: Principal, order_id: int, *, reason: str, policy: PolicyProfile,
            at: datetime) -> Done[Order]:
    """A held service checked and found real: the volunteer is credited (once)."""
    gate = permit(who, "order.approve")
    order = scope.order(session, who, order_id, for_update=True)
    if order.state != states.HELD:
        message = ("这个订单已经核查通过并记账，不会重复记账。" if order.state in (states.COMPLETED, states.RATED)
                   else f"订单{states.STATE_ZH.get(order.state, order.state)}，不在待核查状态。")
        raise Conflict(f"order {order_id} is {order.state}, not held", code="not_held", message=message)
    before = _balances(session, order)
    completion.approve_held(session, order.id, policy=policy, operator=who.name,
                            reason=reason.strip() or "核查无误", at=at)
    after = _balances(session, order)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip() or None, detail={
        "volunteer_id": order.volunteer_id, "volunteer_name": _name(session, order.volunteer_id),
        "served_minutes": order.served_minutes, "credited": _coins(after["volunteer"] - before["volunteer"]),
        "volunteer_before": _coins(before["volunteer"]), "volunteer_after": _coins(after["volunteer"]),
        "elder_before": _coins(before["elder"]), "elder_after": _coins(after["elder"])}))


def revoke(session: Session, who: Principal, order_id: int, *, reason: str, freeze_volunteer: bool,
           at: datetime) -> Done[Order]:
    """A fake service (虚假服务): the credit is reversed and the elder refunded, in the same transaction."""
    gate = permit(who, "order.revoke")
    order = scope.order(session, who, order_id, for_update=True)
    if order.state == states.REVOKED:
        raise Conflict(f"order {order_id} is already revoked", code="already_revoked",
                       message="这个订单已经撤销过了，不会重复冲正。")
    before = _balances(session, order)
    completion.revoke(session, order.id, operator=who.name, reason=reason.strip(), freeze_volunteer=freeze_volunteer,
                      at=at)
    after = _balances(session, order)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason.strip(), detail={
        "elder_id": order.recipient_id, "elder_name": _name(session, order.recipient_id),
        "volunteer_id": order.volunteer_id, "volunteer_name": _name(session, order.volunteer_id),
        "elder_before": _coins(before["elder"]), "elder_after": _coins(after["elder"]),
        "volunteer_before": _coins(before["volunteer"]), "volunteer_after": _coins(after["volunteer"]),
        "volunteer_frozen": freeze_volunteer}))


def keep(session: Session, who: Principal, order_id: int, *, reason: str = "") -> Done[Order]:
    """A low rating or complaint looked into and found to need no revocation: off the review queue."""
    gate = permit(who, KEEP_ACTION)
    order = scope.order(session, who, order_id)
    target = f"order:{order.id}"
    if session.scalar(select(AuditEntry.id).where(AuditEntry.action == KEEP_ACTION, AuditEntry.target == target)):
        return Done(order, None)  # marked already: a repeated post changes nothing
    return Done(order, gate.audit(session, target, order.station_id, reason=reason.strip() or None,
                                  detail={"state": order.state}))


def paper_backfill(session: Session, who: Principal, record: PaperRecord, *, policy: PolicyProfile, now: datetime,
                   today: date) -> Done[Order]:
    """A service recorded on paper during an outage, for an elder in scope; the same record twice credits once
    (and is audited once)."""
    gate = permit(who, "order.backfill")
    scope.person(session, who, record.recipient_id)
    newest = session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1)) or 0
    order = backfill(session, record, policy=policy, now=now, today=today)
    if order.id <= newest:
        return Done(order, None)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=record.reason.strip(), detail={
        "order_id": order.id, "elder_id": order.recipient_id, "volunteer_id": order.volunteer_id,
        "service": order.service_slug, "minutes": order.served_minutes, "started_at": order.start_at.isoformat()}))
