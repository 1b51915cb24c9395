"""Orders: the board by state (escalated unmatched orders first) and one order's page with its history,
the call that created it, ranked candidates for manual assignment, correction and cancellation.

The actions the page's forms post to live in ``pages_order_actions``; approve and revoke in
``pages_review``. Paper back-filled orders carry a "补登" badge wherever they appear."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep
from backend.catalogue.catalogue import list_services
from backend.disputes import cases as disputes
from backend.matching.dispatch import ranked_candidates
from backend.models import Order
from backend.orders import states
from backend.orders.assign import ASSIGNABLE
from backend.orders.correction import CORRECTABLE
from web.console import orders_view as view
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.pagekit import flash_for, in_scope, not_found, page_tools, scoped_order
from web.console.render import render

router = APIRouter(prefix="/console")
CANDIDATE_LIMIT = 10
REVIEWABLE = (states.HELD, states.COMPLETED, states.RATED)


@router.get("/orders", response_class=HTMLResponse)
def board(request: Request, session: SessionDep, current: ConsoleOperatorDep, state: str | None = None,
          done: str | None = None):
    if state is not None and state not in (*view.ACTIVE_COLUMNS, *view.FINAL_TABS):
        state = None
    counts = view.state_counts(session, current)
    tools = page_tools(request, session)
    columns = ([(state, view.column(session, current, state, view.LIST_LIMIT))] if state else
               [(s, view.column(session, current, s)) for s in view.ACTIVE_COLUMNS])
    escalated = view.escalated(session, current) if state is None else []
    people = {o.recipient_id for _, orders in columns for o in orders} | {o.volunteer_id for _, orders in columns
                                                                          for o in orders}
    tools["names"].load(people | {o.recipient_id for o in escalated})
    return render(request, "console/orders.html", {
        **tools, "counts": counts, "columns": columns, "escalated": escalated, "selected": state,
        "active_states": view.ACTIVE_COLUMNS, "final_states": view.FINAL_TABS, "state_zh": states.STATE_ZH,
        "services": view.service_names(session), "channel_zh": view.CHANNEL_ZH,
        "flash": flash_for(session, current, done)}, operator=current)


def order_context(request: Request, session, current: ConsoleOperator, order: Order, policy) -> dict:
    """What order.html needs; also used to re-show the page with an error after a refused action."""
    tools = page_tools(request, session)
    facts = view.order_facts(session, order, tools["tz"], lambda station_id: in_scope(session, current, station_id))
    ranked = []
    if order.state in ASSIGNABLE:
        ranked = ranked_candidates(session, order, policy=policy, tz=tools["tz"])[:CANDIDATE_LIMIT]
    names = tools["names"].load([order.recipient_id, order.volunteer_id, order.requested_by_id,
                                 *(r.candidate.person_id for r in ranked), *(o.volunteer_id for o in facts.offers),
                                 *(m.person_id for m in facts.messages)])
    dispute = disputes.case_of(session, order.id)
    visible = {r.candidate.person_id: in_scope(session, current, names.person(r.candidate.person_id).station_id)
               for r in ranked}
    return {**tools, "order": order, "facts": facts, "ranked": ranked, "candidate_in_scope": visible,
            "state_zh": states.STATE_ZH, "services": list_services(session),
            "service_names": view.service_names(session), "channel_zh": view.CHANNEL_ZH,
            "channel_of": view.transition_channel, "reason_of": view.transition_reason, "offer_zh": view.OFFER_ZH,
            "message_zh": view.MESSAGE_ZH,
            "anomaly_zh": view.ANOMALY_ZH, "anomaly_text": view.anomaly_text,
            "can_release": order.state == states.REQUESTED, "can_assign": order.state in ASSIGNABLE,
            "can_correct": order.state in CORRECTABLE, "can_cancel": order.state in states.CANCELLABLE,
            "can_confirm_visit": {states.ACCEPTED: "check_in", states.CHECKED_IN: "check_out"}.get(order.state),
            "can_approve": order.state == states.HELD, "can_revoke": order.state in REVIEWABLE, "form": {},
            "dispute": dispute, "can_complain": dispute is None and order.state in disputes.DISPUTABLE}

@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
               done: str | None = None):
    order = scoped_order(session, current, order_id)
    if order is None:
        return not_found(request, current)
    context = order_context(request, session, current, order, policy)
    return render(request, "console/order.html", {**context, "flash": flash_for(session, current, done)},
                  operator=current)
