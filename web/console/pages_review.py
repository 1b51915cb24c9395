"""The review queue (审核): held orders, low ratings and complaints, suspicious patterns; approve
(credit the volunteer), revoke with a reason (ledger reversal: the volunteer's credit clawed back,
the elder's payment refunded), or mark a low rating as needing nothing.

Each is one use case of the gate (``backend.access.orders``: reviewers and admins only, scope, audit).
Approve and revoke check the order's state first, so a form posted twice credits or reverses once;
the flash shows the balances before and after, read in the same transaction."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from backend.access import orders as order_actions
from backend.api.deps import PolicyDep, SessionDep
from backend.core.errors import YinlingError
from backend.core.text import FormText
from web.console import review_view as view
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.orders_view import ANOMALY_ZH, anomaly_text, service_names
from web.console.pagekit import (attempt, done, flash_for, message_of, not_found, now_utc, page_tools, refusal,
                                 scoped_order)
from web.console.pages_orders import order_context
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[FormText, Form()]  # cleaned of control and bidi characters


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


def _answer(request, session, current, policy, order_id: int, back: str, result, error: YinlingError | None,
            form: dict):
    if error is None:
        return done(_back(order_id, back), result.entry)
    page = refusal(request, current, error)
    if page is not None:
        return page
    if back == "order":
        order = scoped_order(session, current, order_id)
        if order is None:
            return not_found(request, current)
        context, template = order_context(request, session, current, order, policy), "console/order.html"
    else:
        context, template = review_context(request, session, current, policy), "console/review.html"
    return render(request, template, {**context, "error": message_of(error), "form": form}, operator=current,
                  status_code=error.status)


@router.post("/review/orders/{order_id}/approve", response_class=HTMLResponse)
def approve(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
            reason: Text = "", back: Text = ""):
    result, error = attempt(session, lambda: order_actions.approve(session, current.principal, order_id,
                                                                   reason=reason, policy=policy, at=now_utc()))
    return _answer(request, session, current, policy, order_id, back, result, error, {"approve_reason": reason})


@router.post("/review/orders/{order_id}/revoke", response_class=HTMLResponse)
def revoke_order(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep,
                 policy: PolicyDep, reason: Text = "", freeze_volunteer: Text = "", back: Text = ""):
    freeze = freeze_volunteer in ("1", "on", "true")
    result, error = attempt(session, lambda: order_actions.revoke(session, current.principal, order_id, reason=reason,
                                                                  freeze_volunteer=freeze, at=now_utc()))
    return _answer(request, session, current, policy, order_id, back, result, error, {"revoke_reason": reason})


@router.post("/review/orders/{order_id}/keep", response_class=HTMLResponse)
def keep(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
         reason: Text = ""):
    """A low rating or complaint looked into and found to need no revocation: off the queue, audited."""
    result, error = attempt(session, lambda: order_actions.keep(session, current.principal, order_id, reason=reason))
    return _answer(request, session, current, policy, order_id, "", result, error, {})
