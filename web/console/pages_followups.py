"""The follow-up queue (回访): open follow-up calls in the operator's subtree (complaints and low ratings
first, then random samples), each with the elder's phone, the order and the reason; the operator records
the outcome through the gate (``backend.access.followups``: the rules of reached / not reached, scope,
audit). Reached closes the item; "not reached" is counted until the third failed try closes it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import case, func, select

from backend.api.deps import SessionDep
from backend.access import followups
from backend.access.followups import MAX_ATTEMPTS, NOT_REACHED
from backend.core.text import FormText
from backend.models import AuditEntry, FollowUp, Order, Rating, Station
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.orders_view import service_names
from web.console.pagekit import attempt, done, flash_for, message_of, now_utc, page_tools, refusal, scope_clause
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[FormText, Form()]  # cleaned of control and bidi characters
REASON_ZH = {"complaint": "投诉", "low_rating": "差评", "sample": "抽样回访"}
PRIORITY = {"complaint": 0, "low_rating": 1, "sample": 2}


@dataclass
class Item:
    follow_up: FollowUp
    order: Order
    rating: Rating | None
    attempts: int


def _items(session, current: ConsoleOperator, status: str, limit: int = 200) -> list[Item]:
    query = (select(FollowUp, Order).join(Order, Order.id == FollowUp.order_id)
             .join(Station, Station.id == Order.station_id).where(scope_clause(current), FollowUp.status == status))
    if status == "done":
        query = query.order_by(FollowUp.done_at.desc())
    else:
        query = query.order_by(case(PRIORITY, value=FollowUp.reason, else_=9), FollowUp.created_at, FollowUp.id)
    rows = session.execute(query.limit(limit)).all()
    ids = [f.order_id for f, _ in rows]
    ratings = {r.order_id: r for r in session.scalars(select(Rating).where(Rating.order_id.in_(ids),
                                                                          Rating.role == "recipient"))}
    targets = [f"followup:{f.id}" for f, _ in rows]
    tries = dict(session.execute(select(AuditEntry.target, func.count()).where(
        AuditEntry.action == NOT_REACHED, AuditEntry.target.in_(targets)).group_by(AuditEntry.target)).all())
    return [Item(f, o, ratings.get(o.id), int(tries.get(f"followup:{f.id}", 0))) for f, o in rows]


def _page(request: Request, session, current: ConsoleOperator, *, status_code: int = 200, **extra):
    tools = page_tools(request, session)
    pending, finished = _items(session, current, "pending"), _items(session, current, "done", limit=10)
    tools["names"].load([i.order.recipient_id for i in pending + finished] + [i.order.volunteer_id for i in pending])
    context = {**tools, "pending": pending, "finished": finished, "reason_zh": REASON_ZH, "max_attempts": MAX_ATTEMPTS,
               "services": service_names(session), "form": {}, **extra}
    return render(request, "console/followups.html", context, operator=current, status_code=status_code)


@router.get("/followups", response_class=HTMLResponse)
def followups_page(request: Request, session: SessionDep, current: ConsoleOperatorDep, done: str | None = None):
    return _page(request, session, current, flash=flash_for(session, current, done))


@router.post("/followups/{follow_up_id}", response_class=HTMLResponse)
def record(follow_up_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep,
           reached: Text = "", satisfied: Text = "", note: Text = "", complaint: Text = ""):
    result, error = attempt(session, lambda: followups.call_back(session, current.principal, follow_up_id,
                                                                 reached=reached, satisfied=satisfied, note=note,
                                                                 at=now_utc(), complaint=complaint == "1"))
    if error is None:
        return done("/console/followups", result.entry)
    page = refusal(request, current, error, back_url="/console/followups", back_label="返回回访")
    form = {"id": follow_up_id, "reached": reached, "satisfied": satisfied, "note": note, "complaint": complaint}
    return page or _page(request, session, current, status_code=error.status, error=message_of(error), form=form)
