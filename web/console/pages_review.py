"""The review queue (审核): held orders, low ratings and complaints, suspicious patterns; approve
(credit the volunteer), revoke with a reason (ledger reversal: the volunteer's credit clawed back,
the elder's payment refunded), or mark a low rating as needing nothing.

Approve and revoke check the order's state first, so a form posted twice credits or reverses once;
the flash shows the balances before and after, read in the same transaction."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep
from backend.core.errors import Conflict, YinlingError
from backend.fulfilment.completion import approve_held, revoke
from backend.models import AuditEntry
from backend.orders import states
from web.console import review_view as view
from web.console.deps import ConsoleOperator, ConsoleOperatorDep, DeciderDep
from web.console.orders_view import ANOMALY_ZH, anomaly_text, service_names
from web.console.pagekit import (Names, attempt, coins, done, flash_for, message_of, not_found, now_utc,
                                 page_tools, scoped_order)
from web.console.pages_orders import order_context
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[str, Form()]


def review_context(request: Request, session, current: ConsoleOperator, policy) -> dict:
    tools = page_tools(request, session)
    now = now_utc()
    held, ratings = view.held(session, current), view.low_ratings(session, current, now)
    tools["names"].load([o.recipient_id for o, _ in held] + [o.volunteer_id for o, _ in held] +
                        [o.recipient_id for _, o in ratings] + [o.volunteer_id for _, o in ratings])
    return {**tools, "held": held, "ratings": ratings, "patterns": view.patterns(session, current, policy=policy, now=now),
            "services": service_names(session), "anomaly_zh": ANOMALY_ZH, "anomaly_text": anomaly_text, "form": {}}


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
                done: str | None = None):
    flash = flash_for(session, current, done)
    return render(request, "console/review.html", {**review_context(request, session, current, policy),
                                                   "flash": flash}, operator=current)


def _back(order_id: int, back: str) -> str:
    return f"/console/orders/{order_id}" if back == "order" else "/console/review"


def _refused(request, session, current, policy, order_id: int, back: str, error: YinlingError, form: dict):
    if back == "order":
        context = order_context(request, session, current, scoped_order(session, current, order_id), policy)
        template = "console/order.html"
    else:
        context, template = review_context(request, session, current, policy), "console/review.html"
    return render(request, template, {**context, "error": message_of(error), "form": form}, operator=current,
                  status_code=error.status)


def _balances(session, order) -> dict:
    return {"elder": view.balance(session, order.recipient_id), "volunteer": view.balance(session, order.volunteer_id)}


@router.post("/review/orders/{order_id}/approve", response_class=HTMLResponse)
def approve(order_id: int, request: Request, session: SessionDep, current: DeciderDep, policy: PolicyDep,
            reason: Text = "", back: Text = ""):
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)
    before = _balances(session, order)

    def work():
        if order.state != states.HELD:  # a second post of the same form lands here and changes nothing
            message = ("这个订单已经核查通过并记账，不会重复记账。" if order.state in (states.COMPLETED, states.RATED)
                       else f"订单{states.STATE_ZH.get(order.state, order.state)}，不在待核查状态。")
            raise Conflict(f"order {order_id} is {order.state}, not held", code="not_held", message=message)
        return approve_held(session, order_id, policy=policy, operator=current.actor,
                            reason=reason.strip() or "核查无误", at=now_utc())
    _order, error = attempt(session, work)
    if error:
        return _refused(request, session, current, policy, order_id, back, error, {"approve_reason": reason})
    after = _balances(session, order)
    names = Names(session)
    entry = current.audit(session, "order.approve", f"order:{order_id}", order.station_id, reason=reason.strip() or None,
                          detail={"volunteer_id": order.volunteer_id, "volunteer_name": names.name(order.volunteer_id),
                                  "served_minutes": order.served_minutes,
                                  "credited": coins(after["volunteer"] - before["volunteer"]),
                                  "volunteer_before": coins(before["volunteer"]), "volunteer_after": coins(after["volunteer"]),
                                  "elder_before": coins(before["elder"]), "elder_after": coins(after["elder"])})
    return done(_back(order_id, back), entry)


@router.post("/review/orders/{order_id}/revoke", response_class=HTMLResponse)
def revoke_order(order_id: int, request: Request, session: SessionDep, current: DeciderDep,
                 policy: PolicyDep, reason: Text = "", freeze_volunteer: Text = "", back: Text = ""):
    order = scoped_order(session, current, order_id, for_update=True)
    if order is None:
        return not_found(request, current)
    before, freeze = _balances(session, order), freeze_volunteer in ("1", "on", "true")

    def work():
        if order.state == states.REVOKED:
            raise Conflict(f"order {order_id} is already revoked", code="already_revoked",
                           message="这个订单已经撤销过了，不会重复冲正。")
        return revoke(session, order_id, operator=current.actor, reason=reason.strip(), freeze_volunteer=freeze,
                      at=now_utc())
    _order, error = attempt(session, work)
    if error:
        return _refused(request, session, current, policy, order_id, back, error, {"revoke_reason": reason})
    after = _balances(session, order)
    names = Names(session)
    entry = current.audit(session, "order.revoke", f"order:{order_id}", order.station_id, reason=reason.strip(),
                          detail={"elder_id": order.recipient_id, "elder_name": names.name(order.recipient_id),
                                  "volunteer_id": order.volunteer_id, "volunteer_name": names.name(order.volunteer_id),
                                  "elder_before": coins(before["elder"]), "elder_after": coins(after["elder"]),
                                  "volunteer_before": coins(before["volunteer"]),
                                  "volunteer_after": coins(after["volunteer"]), "volunteer_frozen": freeze})
    return done(_back(order_id, back), entry)


@router.post("/review/orders/{order_id}/keep", response_class=HTMLResponse)
def keep(order_id: int, request: Request, session: SessionDep, current: DeciderDep, reason: Text = ""):
    """A low rating or complaint looked into and found to need no revocation: off the queue, audited."""
    order = scoped_order(session, current, order_id)
    if order is None:
        return not_found(request, current)
    if session.scalar(select(AuditEntry.id).where(AuditEntry.action == view.KEEP_ACTION,
                                                  AuditEntry.target == f"order:{order_id}")) is not None:
        return RedirectResponse("/console/review", status_code=303)  # marked already: a repeated post does nothing
    entry = current.audit(session, view.KEEP_ACTION, f"order:{order_id}", order.station_id,
                          reason=reason.strip() or None, detail={"state": order.state})
    return done("/console/review", entry)
