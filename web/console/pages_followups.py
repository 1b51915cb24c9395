"""The follow-up queue (回访): open follow-up calls in the operator's subtree (complaints and low ratings
first, then random samples), each with the elder's phone, the order and the reason; the operator records
the outcome. Reached (satisfied or not, a note) closes the item; "not reached" is counted and the item
stays until the third failed try, which closes it as unreachable. Every outcome is audited."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import case, func, select

from backend.api.deps import SessionDep
from backend.core.errors import Conflict, InvalidInput
from backend.fulfilment.ratings import record_follow_up
from backend.models import AuditEntry, FollowUp, Order, Rating, Station
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.orders_view import service_names
from web.console.pagekit import (attempt, done, flash_for, in_scope, message_of, not_found, now_utc, page_tools,
                                 scope_clause)
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[str, Form()]
MAX_ATTEMPTS = 3
REASON_ZH = {"complaint": "投诉", "low_rating": "差评", "sample": "抽样回访"}
PRIORITY = {"complaint": 0, "low_rating": 1, "sample": 2}
SATISFACTION_ZH = {"yes": "满意", "so-so": "一般", "no": "不满意"}
NOT_REACHED = "followup.not_reached"


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


def _outcome(reached: str, satisfied: str, note: str, attempts: int) -> str | None:
    """The outcome text to store, or None when the item stays in the queue (not reached, tries left)."""
    note = note.strip()
    if reached == "yes":
        if satisfied not in SATISFACTION_ZH:
            raise InvalidInput(f"satisfied must be one of {list(SATISFACTION_ZH)}", code="satisfaction_required",
                               message="请选择老人是否满意。")
        return "；".join(x for x in ("已联系上", SATISFACTION_ZH[satisfied], note) if x)
    if reached != "no":
        raise InvalidInput("reached must be yes or no", code="reached_required", message="请选择是否联系上老人。")
    return "；".join(x for x in (f"{attempts}次未联系上", note) if x) if attempts >= MAX_ATTEMPTS else None


@router.post("/followups/{follow_up_id}", response_class=HTMLResponse)
def record(follow_up_id: int, request: Request, session: SessionDep, current: ConsoleOperatorDep,
           reached: Text = "", satisfied: Text = "", note: Text = ""):
    follow_up = session.get(FollowUp, follow_up_id, with_for_update=True)
    order = session.get(Order, follow_up.order_id) if follow_up else None
    if order is None or not in_scope(session, current, order.station_id):
        return not_found(request, current, "没有找到这条回访，或者它不在您的管辖范围内。",
                         back_url="/console/followups", back_label="返回回访")
    target = f"followup:{follow_up_id}"
    tries = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == NOT_REACHED, AuditEntry.target == target)) or 0

    def work():
        if follow_up.status != "pending":  # a second post of the same form changes nothing
            raise Conflict(f"follow-up {follow_up_id} is {follow_up.status}", code="already_done",
                           message="这条回访已经记录过了。")
        outcome = _outcome(reached, satisfied, note, tries + (reached == "no"))
        if outcome is not None:
            record_follow_up(session, follow_up_id, operator_id=current.operator.id, outcome=outcome, at=now_utc())
        return outcome
    outcome, error = attempt(session, work)
    if error:
        form = {"id": follow_up_id, "reached": reached, "satisfied": satisfied, "note": note}
        return _page(request, session, current, status_code=error.status, error=message_of(error), form=form)
    if outcome is None:
        entry = current.audit(session, NOT_REACHED, target, order.station_id, reason=note.strip() or None,
                              detail={"order_id": order.id, "attempts": tries + 1})
    else:
        entry = current.audit(session, "followup.record", target, order.station_id, reason=note.strip() or None,
                              detail={"order_id": order.id, "outcome": outcome, "reached": reached == "yes",
                                      "satisfied": SATISFACTION_ZH.get(satisfied) if reached == "yes" else None})
    return done("/console/followups", entry)
