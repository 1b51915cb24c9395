"""People: search in scope, one person's page, and the account actions (freeze / unfreeze,
add a qualification), each with a reason and an audit entry in the same transaction."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.access import people
from backend.api.deps import PolicyDep, SessionDep, StateDep
from backend.core.clock import local_today
from backend.core.errors import InvalidInput, NotFound, YinlingError
from backend.core.text import FormText
from backend.models import Person
from web.auth import sessions
from web.console import localtime, people_view
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.pagekit import attempt, refusal
from web.console.render import render
from web.console.scoping import error_page, require_station

router = APIRouter(prefix="/console")

DONE = {"frozen": "账户已冻结，家属的网页登录也已退出。", "unfrozen": "账户已解冻。", "qualified": "资质已登记。"}


def _scoped_person(session, current: ConsoleOperator, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} does not exist", message="没有找到这个人，或者他不在您的管辖范围内。")
    require_station(session, current, person.station_id, "人", f"person:{person_id}")
    return person



@router.get("/people", response_class=HTMLResponse)
def list_people(request: Request, session: SessionDep, current: ConsoleOperatorDep, q: str = "", role: str = "",
                status: str = "", page: int = 1):
    wanted = people_view.PeopleSearch(q.strip()[:60], role, status)
    page = max(1, page)
    rows, total = people_view.search(session, current.station.path, wanted, offset=(page - 1) * people_view.PAGE_SIZE)
    pages = max(1, -(-total // people_view.PAGE_SIZE))
    query = {k: v for k, v in (("q", wanted.q), ("role", role), ("status", status)) if v}
    return render(request, "console/people.html", {
        "wanted": wanted, "rows": [{"person": p, "station": s, "roles": people_view.roles_text(p),
                                    "status": people_view.STATUS_ZH.get(p.status, p.status),
                                    "badge": people_view.STATUS_BADGE.get(p.status, "")} for p, s in rows],
        "total": total, "page": page, "pages": pages, "role_zh": people_view.ROLE_ZH,
        "status_zh": people_view.STATUS_ZH,
        "prev_url": f"/console/people?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
        "next_url": f"/console/people?{urlencode({**query, 'page': page + 1})}" if page < pages else None,
    }, operator=current)


def _person_response(request, session, state, policy, current, person, *, flash=None, error=None, form=None,
                     status_code=200):
    context = people_view.person_page(session, person, current.station.path, policy, state.settings.timezone)
    return render(request, "console/person.html", {**context, "flash": flash, "error": error, "form": form or {}},
                  operator=current, status_code=status_code)


@router.get("/people/{person_id:int}", response_class=HTMLResponse)
def person_detail(request: Request, person_id: int, session: SessionDep, state: StateDep, policy: PolicyDep,
                  current: ConsoleOperatorDep, done: str = ""):
    try:
        person = _scoped_person(session, current, person_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    return _person_response(request, session, state, policy, current, person, flash=DONE.get(done))


@router.post("/people/{person_id:int}/freeze", response_class=HTMLResponse)
def freeze(request: Request, person_id: int, session: SessionDep, state: StateDep, policy: PolicyDep,
           current: ConsoleOperatorDep, frozen: Annotated[str, Form()], reason: Annotated[FormText, Form()] = ""):
    """Freeze ("1") or unfreeze ("0") the account (reviewers and admins). Freezing also ends the person's
    family web sessions. Asking for the state the account is already in changes nothing and audits nothing."""
    want = frozen == "1"

    def end_family_sessions() -> dict:
        ended = sessions.revoke_all(session, "family", person_id, datetime.now(timezone.utc)) if want else 0
        return {"family_sessions_ended": ended}
    result, error = attempt(session, lambda: people.set_frozen(session, current.principal, person_id, want,
                                                               reason=reason, on_change=end_family_sessions))
    if error is not None:
        return _refused(request, session, state, policy, current, person_id, error, {"freeze_reason": reason})
    if result.entry is None:
        return RedirectResponse(f"/console/people/{person_id}", status_code=303)
    return RedirectResponse(f"/console/people/{person_id}?done={'frozen' if want else 'unfrozen'}", status_code=303)


@router.post("/people/{person_id:int}/qualifications", response_class=HTMLResponse)
def add_qualification(request: Request, person_id: int, session: SessionDep, state: StateDep, policy: PolicyDep,
                      current: ConsoleOperatorDep, kind: Annotated[str, Form()],
                      reason: Annotated[FormText, Form()] = "", expires_on: Annotated[str, Form()] = ""):
    def work():
        if kind not in people_view.QUALIFICATION_ZH:
            raise InvalidInput(f"unknown qualification kind {kind!r}", message="请选择资质类别。")
        until = localtime.parse_day(expires_on, "有效期")
        if until is not None and until < local_today(state.settings.timezone):
            raise InvalidInput(f"expiry {until} is in the past", message="有效期已经过了，请核对证书。")
        return people.add_qualification(session, current.principal, person_id, kind, until, reason=reason)
    result, error = attempt(session, work)
    if error is not None:
        return _refused(request, session, state, policy, current, person_id, error,
                        {"kind": kind, "expires_on": expires_on, "qualification_reason": reason})
    if result.entry is None:
        return RedirectResponse(f"/console/people/{person_id}", status_code=303)  # sent twice
    return RedirectResponse(f"/console/people/{person_id}?done=qualified", status_code=303)


def _refused(request, session, state, policy, current, person_id: int, error: YinlingError, form: dict):
    page = refusal(request, current, error, back_url="/console/people", back_label="返回人员")
    if page is not None:
        return page
    person = _scoped_person(session, current, person_id)
    return _person_response(request, session, state, policy, current, person, error=error.message, form=form,
                            status_code=error.status)
