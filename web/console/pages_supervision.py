"""Live supervision (实时监管): today's services in the subtree, worst first (no check-in past the start,
a check-in far from the address, overrunning, late, nobody accepted), refreshed every few seconds by
``/web/static/console/supervision.js`` from ``/console/supervision/live``; on each row the operator can call
the volunteer or the elder, open the order, or release a volunteer who did not come and reassign
(``backend.access.orders.release``). The rule is ``backend.supervision.board``."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.access import orders as order_actions
from backend.api.deps import PolicyDep, SessionDep, StateDep
from backend.core.text import FormText
from backend.supervision import board
from web.console import localtime
from web.console import supervision_view as view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, message_of, refusal
from web.console.render import render

router = APIRouter(prefix="/console")
POLL_SECONDS = 5
NO_SHOW = "过了开始时间没有签到，改派"


def _context(session, state, current, policy) -> dict:
    now, tz = datetime.now(timezone.utc), state.settings.timezone
    rows = board.board(session, current.principal, now=now, tz=tz, policy=policy)
    counts = board.counts(rows)
    return {"rows": [view.row(session, r, tz) for r in rows], "counts": [(k, view.STATUS_ZH[k], counts[k])
                                                                        for k in view.COUNTED],
            "badge": view.BADGE, "updated": localtime.show(now, tz, with_seconds=True)[-8:],
            "poll_seconds": POLL_SECONDS}


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                     policy: PolicyDep):
    return render(request, "console/supervision.html", _context(session, state, current, policy), operator=current)


@router.get("/supervision/live", response_class=HTMLResponse)
def live(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep, policy: PolicyDep):
    """The part of the page that changes, for the page's script to swap in."""
    return render(request, "console/_supervision_live.html", _context(session, state, current, policy),
                  operator=current)


@router.post("/supervision/orders/{order_id}/release", response_class=HTMLResponse)
def release(request: Request, order_id: int, session: SessionDep, current: ConsoleOperatorDep,
            reason: Annotated[FormText, Form()] = NO_SHOW):
    result, error = attempt(session, lambda: order_actions.release(session, current.principal, order_id,
                                                                   reason=reason, now=datetime.now(timezone.utc)))
    if error is not None:
        return refusal(request, current, error, back_url="/console/supervision", back_label="返回实时监管") or render(
            request, "console/base.html", {"error": message_of(error)}, operator=current, status_code=error.status)
    return RedirectResponse(f"/console/orders/{order_id}?done={result.entry.id}#assign", status_code=303)
