"""The order page's actions: releasing a request for dispatch (待审核 → 待接单), manual assignment from
the ranked candidates, correction with a reason, cancellation with a reason, and confirming a check-in or
check-out the volunteer's position could not make (with a reason; held for review).

Each is one use case of the gate (``backend.access.orders``: role, scope, audit) run in a savepoint
(a refused one stores nothing and re-shows the page with the Chinese reason), then redirects back (PRG)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from backend.access import orders as order_actions
from backend.access import visits as visit_actions
from backend.api.deps import PolicyDep, SessionDep
from backend.core.errors import InvalidInput, YinlingError
from backend.core.text import FormText
from backend.orders.correction import Correction
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.pagekit import attempt, done, message_of, not_found, now_utc, refusal, scoped_order
from web.console.pages_orders import order_context
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[FormText, Form()]  # cleaned of control and bidi characters


def _answer(request: Request, session, current: ConsoleOperator, order_id: int, policy, result, error: YinlingError,
            form: dict | None = None):
    if error is None:
        return done(f"/console/orders/{order_id}", result.entry)
    page = refusal(request, current, error)
    if page is not None:
        return page
    order = scoped_order(session, current, order_id)
    if order is None:
        return not_found(request, current)
    context = order_context(request, session, current, order, policy)
    return render(request, "console/order.html", {**context, "error": message_of(error), "form": form or {}},
                  operator=current, status_code=error.status)


def _whole_number(raw: str, what: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise InvalidInput(f"{what} is not a whole number: {raw!r}", code="invalid_number",
                           message="请填写整数。") from None


def _local_start(day: str, clock: str, tz: str) -> datetime:
    try:
        return datetime.fromisoformat(f"{day.strip()}T{clock.strip()}").replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        raise InvalidInput(f"bad date/time {day!r} {clock!r}", code="invalid_time",
                           message="日期或时间格式不对。") from None


@router.post("/orders/{order_id}/assign", response_class=HTMLResponse)
def assign(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
           volunteer_id: Text = "", reason: Text = ""):
    tz = request.app.state.yinling.settings.timezone
    result, error = attempt(session, lambda: order_actions.assign(
        session, current.principal, order_id, _whole_number(volunteer_id, "volunteer_id"), reason=reason,
        policy=policy, tz=tz, now=now_utc()))
    return _answer(request, session, current, order_id, policy, result, error)


@router.post("/orders/{order_id}/correct", response_class=HTMLResponse)
def correct(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
            day: Text = "", clock: Text = "", duration: Text = "", service: Text = "", address: Text = "",
            note: Text = "", reason: Text = ""):
    tz = request.app.state.yinling.settings.timezone
    form = {"day": day, "clock": clock, "duration": duration, "service": service, "address": address,
            "note": note, "reason": reason}

    def work():
        change = Correction(start_at=_local_start(day, clock, tz), duration_minutes=_whole_number(duration, "duration"),
                            service_slug=service.strip() or None, address=address, note=note)
        return order_actions.correct(session, current.principal, order_id, change, reason=reason, now=now_utc())
    result, error = attempt(session, work)
    return _answer(request, session, current, order_id, policy, result, error, form)


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
def cancel(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
           reason: Text = ""):
    result, error = attempt(session, lambda: order_actions.cancel(session, current.principal, order_id, reason=reason))
    return _answer(request, session, current, order_id, policy, result, error, {"cancel_reason": reason})


@router.post("/orders/{order_id}/open", response_class=HTMLResponse)
def release(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
            reason: Text = ""):
    """A request from an elder not yet verified, checked by the operator and opened for dispatch."""
    result, error = attempt(session, lambda: order_actions.open_for_dispatch(session, current.principal, order_id,
                                                                             reason=reason))
    return _answer(request, session, current, order_id, policy, result, error)


@router.post("/orders/{order_id}/confirm-visit", response_class=HTMLResponse)
def confirm_visit(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
                  step: Text = "", reason: Text = ""):
    """A check-in or check-out the volunteer's position could not make, confirmed with a reason (held for review)."""
    tz = request.app.state.yinling.settings.timezone
    result, error = attempt(session, lambda: visit_actions.confirm(session, current.principal, order_id, step=step,
                                                                   reason=reason, policy=policy, tz=tz, at=now_utc()))
    return _answer(request, session, current, order_id, policy, result, error, {"confirm_reason": reason})
