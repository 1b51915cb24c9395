"""The order page's actions: releasing a request for dispatch (待审核 → 待接单), manual assignment from
the ranked candidates, correction with a reason, cancellation with a reason.

Each runs in a savepoint (a refused one stores nothing and re-shows the page with the Chinese reason),
is audited in the same transaction, and redirects back (PRG)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep
from backend.core.errors import InvalidInput, YinlingError
from backend.orders import states
from backend.orders.assign import assign_volunteer
from backend.orders.correction import Correction, correct_order
from backend.orders.service import cancel_order, get_order, transition
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.orders_view import FIELD_ZH
from web.console.pagekit import Names, attempt, done, message_of, not_found, now_utc, scoped_order
from web.console.pages_orders import order_context
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[str, Form()]


def _refused(request: Request, session, current: ConsoleOperator, order_id: int, policy, error: YinlingError,
             form: dict | None = None):
    order = scoped_order(session, current, order_id)
    context = order_context(request, session, current, order, policy)
    return render(request, "console/order.html", {**context, "error": message_of(error), "form": form or {}},
                  operator=current, status_code=error.status)


def _whole_number(raw: str, what: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise InvalidInput(f"{what} is not a whole number: {raw!r}", code="invalid_number",
                           message="请填写整数。") from None


@router.post("/orders/{order_id}/assign", response_class=HTMLResponse)
def assign(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
           volunteer_id: Text = "", reason: Text = ""):
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)
    tz = request.app.state.yinling.settings.timezone
    previous, already = order.volunteer_id, order.state

    def work():
        chosen = _whole_number(volunteer_id, "volunteer_id")
        if already == states.ASSIGNED and previous == chosen:
            raise InvalidInput(f"order {order_id} is already offered to {chosen}", code="already_assigned",
                               message="已经派给这位志愿者了，正在等待接单，不会重复派单。")
        return assign_volunteer(session, order_id, chosen, policy=policy, tz=tz, now=now_utc(),
                                actor=current.actor, reason=reason.strip() or None)
    offer, error = attempt(session, work)
    if error:
        return _refused(request, session, current, order_id, policy, error)
    entry = current.audit(session, "order.assign", f"order:{order_id}", order.station_id, reason=reason.strip() or None,
                          detail={"volunteer_id": offer.volunteer_id,
                                  "volunteer_name": Names(session).name(offer.volunteer_id),
                                  "score": offer.rank_score, "previous_volunteer_id": previous})
    return done(f"/console/orders/{order_id}", entry)


def _local_start(day: str, clock: str, tz: str) -> datetime:
    try:
        return datetime.fromisoformat(f"{day.strip()}T{clock.strip()}").replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        raise InvalidInput(f"bad date/time {day!r} {clock!r}", code="invalid_time",
                           message="日期或时间格式不对。") from None


@router.post("/orders/{order_id}/correct", response_class=HTMLResponse)
def correct(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
            day: Text = "", clock: Text = "", duration: Text = "", service: Text = "", address: Text = "",
            note: Text = "", reason: Text = ""):
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)
    tz = request.app.state.yinling.settings.timezone
    form = {"day": day, "clock": clock, "duration": duration, "service": service, "address": address,
            "note": note, "reason": reason}

    def work():
        change = Correction(start_at=_local_start(day, clock, tz), duration_minutes=_whole_number(duration, "duration"),
                            service_slug=service.strip() or None, address=address, note=note)
        return correct_order(session, order_id, change, actor=current.actor, reason=reason, now=now_utc())
    result, error = attempt(session, work)
    if error:
        return _refused(request, session, current, order_id, policy, error, form)
    _order, changes = result
    entry = current.audit(session, "order.correct", f"order:{order_id}", order.station_id, reason=reason.strip(),
                          detail={"changes": changes, "fields": "、".join(FIELD_ZH[f] for f in changes)})
    return done(f"/console/orders/{order_id}", entry)


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
def cancel(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
           reason: Text = ""):
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)
    before = order.state

    def work():
        if not reason.strip():
            raise InvalidInput("cancelling needs a reason", code="reason_required", message="请写明取消原因。")
        return cancel_order(session, order_id, actor=current.actor, channel="operator", reason=reason.strip())
    _order, error = attempt(session, work)
    if error:
        return _refused(request, session, current, order_id, policy, error, {"cancel_reason": reason})
    entry = current.audit(session, "order.cancel", f"order:{order_id}", order.station_id, reason=reason.strip(),
                          detail={"from_state": before})
    return done(f"/console/orders/{order_id}", entry)


@router.post("/orders/{order_id}/open", response_class=HTMLResponse)
def release(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
            reason: Text = ""):
    """A request from an elder not yet verified, checked by the operator and opened for dispatch."""
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)

    def work():
        if order.state != states.REQUESTED:  # a second post finds it open already and changes nothing
            raise InvalidInput(f"order {order_id} is {order.state}, not requested", code="not_requested",
                               message="这个订单已经审核过了。")
        note = reason.strip() or "人工审核通过"
        return transition(session, get_order(session, order_id, for_update=True), states.OPEN, actor=current.actor,
                          channel="operator", reason=note)
    _order, error = attempt(session, work)
    if error:
        return _refused(request, session, current, order_id, policy, error)
    entry = current.audit(session, "order.open", f"order:{order_id}", order.station_id, reason=reason.strip() or None,
                          detail={"from_state": states.REQUESTED})
    return done(f"/console/orders/{order_id}", entry)
