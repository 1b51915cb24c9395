"""The inbox (待办): requests for a person from the phone and the chat, oldest first with how long each
has waited, the open disputes, and how many reviews, registrations, family links and follow-ups wait in the subtree; one
request's page with the conversation so far and claim / call back / resolve, or open a dispute case on one
of the request's orders (``backend.access.handoffs``). Another street's request or order answers exactly
like a missing one."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.access import handoffs as handoff_actions
from backend.api.deps import SessionDep, StateDep
from backend.core.errors import Forbidden, NotFound, YinlingError
from backend.core.text import FormText
from backend.desk import inbox
from web.console import disputes_view, inbox_view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, done, message_of
from web.console.render import render
from web.console.scoping import error_page

router = APIRouter(prefix="/console")
DONE = {"claim": "已接手这个请求。请尽快联系对方。", "call_back": "回电已记录。", "resolve": "已办结。",
        "unchanged": "没有改动。"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep):
    tz, now = state.settings.timezone, _now()
    return render(request, "console/inbox.html", {
        "todo": inbox.counts(session, current.principal),
        "waiting": [inbox_view.row(session, t, now, tz) for t in inbox.handoffs(session, current.principal)],
        "resolved": [inbox_view.row(session, t, now, tz)
                     for t in inbox.handoffs(session, current.principal, waiting=False, limit=10)],
        "disputes": [disputes_view.row(session, d, now, tz) for d in inbox.disputes(session, current.principal)],
    }, operator=current)


def _ticket_page(request, session, state, current, ticket_id: int, *, flash=None, error=None, form=None,
                 status_code=200):
    ticket = handoff_actions.visible_ticket(session, current.principal, ticket_id)
    context = inbox_view.ticket_page(session, ticket, _now(), state.settings.timezone, current.principal)
    return render(request, "console/handoff.html", {**context, "flash": flash, "error": error, "form": form or {}},
                  operator=current, status_code=status_code)


@router.get("/inbox/handoffs/{ticket_id}", response_class=HTMLResponse)
def ticket_detail(request: Request, ticket_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                  done: str = ""):
    try:
        return _ticket_page(request, session, state, current, ticket_id, flash=DONE.get(done))
    except YinlingError as exc:
        return error_page(request, current, exc)


def _act(request, session, state, current, ticket_id: int, name: str, work):
    result, error = attempt(session, work)
    if error is not None:
        if isinstance(error, (NotFound, Forbidden)):
            return error_page(request, current, error)
        return _ticket_page(request, session, state, current, ticket_id, error=error.message, status_code=error.status)
    return RedirectResponse(f"/console/inbox/handoffs/{ticket_id}?done={name if result.entry else 'unchanged'}",
                            status_code=303)


@router.post("/inbox/handoffs/{ticket_id}/claim", response_class=HTMLResponse)
def claim(request: Request, ticket_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep):
    return _act(request, session, state, current, ticket_id, "claim",
                lambda: handoff_actions.claim(session, current.principal, ticket_id, now=_now()))


@router.post("/inbox/handoffs/{ticket_id}/call-back", response_class=HTMLResponse)
def call_back(request: Request, ticket_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
              reached: Annotated[str, Form()] = "", note: Annotated[FormText, Form()] = ""):
    return _act(request, session, state, current, ticket_id, "call_back",
                lambda: handoff_actions.call_back(session, current.principal, ticket_id, reached=reached, note=note,
                                                  now=_now()))


@router.post("/inbox/handoffs/{ticket_id}/resolve", response_class=HTMLResponse)
def resolve(request: Request, ticket_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
            outcome: Annotated[FormText, Form()] = ""):
    return _act(request, session, state, current, ticket_id, "resolve",
                lambda: handoff_actions.resolve(session, current.principal, ticket_id, outcome=outcome, now=_now()))


@router.post("/inbox/handoffs/{ticket_id}/dispute", response_class=HTMLResponse)
def open_case(request: Request, ticket_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
              order_id: Annotated[str, Form()] = "", statement: Annotated[FormText, Form()] = ""):
    """The request is a complaint about one of its orders: the case opens and the request is resolved."""
    chosen = int(order_id) if order_id.isdigit() and len(order_id) < 10 else None
    if chosen is None:
        try:
            return _ticket_page(request, session, state, current, ticket_id, error="请选择投诉的是哪一次服务。",
                                form={"statement": statement}, status_code=422)
        except YinlingError as exc:
            return error_page(request, current, exc)
    result, error = attempt(session, lambda: handoff_actions.open_case(
        session, current.principal, ticket_id, order_id=chosen, text=statement, tz=state.settings.timezone,
        now=_now()))
    if error is not None:
        if isinstance(error, (NotFound, Forbidden)):
            return error_page(request, current, error)
        return _ticket_page(request, session, state, current, ticket_id, error=message_of(error),
                            form={"order_id": chosen, "statement": statement}, status_code=error.status)
    return done(f"/console/disputes/{result.value.id}", result.entry)
