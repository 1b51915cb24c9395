"""Disputes (投诉): the open cases of the subtree oldest first, one case's page (both sides' statements,
the evidence on file, the decision form for reviewers), and the forms: open a case from an order's
page, record a side's statement, decide. Each form is one call to ``backend.access.disputes``; another
street's case or order answers exactly like a missing one."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from backend.access import disputes as dispute_actions
from backend.access.gate import allows
from backend.api.deps import PolicyDep, SessionDep, StateDep
from backend.core.errors import YinlingError
from backend.core.text import FormText
from backend.desk import inbox
from web.console import disputes_view as view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, flash_for, message_of, now_utc, refusal
from web.console.pagekit import done as back_to
from web.console.render import render
from web.console.scoping import error_page

router = APIRouter(prefix="/console")


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep):
    tz, now = state.settings.timezone, now_utc()
    return render(request, "console/disputes.html", {
        "open": [view.row(session, d, now, tz) for d in inbox.disputes(session, current.principal)],
        "decided": [view.row(session, d, now, tz) for d in inbox.disputes(session, current.principal, waiting=False,
                                                                            limit=20)],
    }, operator=current)


def _case_page(request, session, state, current, dispute_id: int, *, flash=None, error=None, form=None,
               status_code=200):
    case = dispute_actions.visible_dispute(session, current.principal, dispute_id)
    context = view.case_page(session, case, now_utc(), state.settings.timezone)
    return render(request, "console/dispute.html", {
        **context, "flash": flash, "error": error, "form": form or {},
        "may_decide": allows(current.principal, "dispute.decide")}, operator=current, status_code=status_code)


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
def case_detail(request: Request, dispute_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                done: str | None = None):
    try:
        return _case_page(request, session, state, current, dispute_id,
                          flash=flash_for(session, current, done))
    except YinlingError as exc:
        return error_page(request, current, exc)


def _act(request, session, state, current, dispute_id: int, work, form: dict):
    result, error = attempt(session, work)
    if error is not None:
        back = {"back_url": "/console/disputes", "back_label": "返回投诉"}
        return refusal(request, current, error, **back) or _case_page(
            request, session, state, current, dispute_id, error=message_of(error), form=form,
            status_code=error.status)
    return back_to(f"/console/disputes/{result.value.id}", result.entry)


@router.post("/orders/{order_id}/dispute", response_class=HTMLResponse)
def open_case(request: Request, order_id: int, session: SessionDep, current: ConsoleOperatorDep,
              side: Annotated[str, Form()] = "", source: Annotated[str, Form()] = "",
              statement: Annotated[FormText, Form()] = "", conversation: Annotated[str, Form()] = ""):
    """``conversation``: "call:<id>" or "chat:<id>", the call or chat the complaint was made in (optional)."""
    kind, _, ident = conversation.partition(":")
    linked = int(ident) if ident.isdigit() and len(ident) < 10 else None
    result, error = attempt(session, lambda: dispute_actions.complain(
        session, current.principal, order_id, side=side, text=statement, source=source, now=now_utc(),
        chat_id=linked if kind == "chat" else None, call_id=linked if kind == "call" else None))
    if error is not None:
        return refusal(request, current, error) or render(
            request, "console/base.html", {"error": message_of(error)}, operator=current, status_code=error.status)
    return back_to(f"/console/disputes/{result.value.id}", result.entry)


@router.post("/disputes/{dispute_id}/statements", response_class=HTMLResponse)
def add_statement(request: Request, dispute_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                  side: Annotated[str, Form()] = "", heard_via: Annotated[str, Form()] = "phone",
                  statement: Annotated[FormText, Form()] = ""):
    return _act(request, session, state, current, dispute_id, lambda: dispute_actions.add_statement(
        session, current.principal, dispute_id, side=side, text=statement, heard_via=heard_via, now=now_utc()),
        {"side": side, "statement": statement})


@router.post("/disputes/{dispute_id}/decide", response_class=HTMLResponse)
def decide(request: Request, dispute_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
           policy: PolicyDep, decision: Annotated[str, Form()] = "", reason: Annotated[FormText, Form()] = "",
           credited_minutes: Annotated[str, Form()] = "", freeze_volunteer: Annotated[str, Form()] = ""):
    minutes = int(credited_minutes) if credited_minutes.strip().isdigit() and len(credited_minutes) < 7 else None
    return _act(request, session, state, current, dispute_id, lambda: dispute_actions.decide(
        session, current.principal, dispute_id, decision=decision, reason=reason, credited_minutes=minutes,
        freeze_volunteer=freeze_volunteer == "1", policy=policy, tz=state.settings.timezone, now=now_utc()),
        {"decision": decision, "reason": reason, "credited_minutes": credited_minutes})
