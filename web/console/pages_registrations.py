"""Pending registrations (人工辅助审核): callers who asked to join by phone or chat. An operator
verifies one (a verified Person is created through the registry, with the same rules as any
registration) or rejects it with a reason; both audited, and a decided one cannot be decided again."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.api.deps import PolicyDep, SessionDep, StateDep
from backend.core.clock import local_today
from backend.access import people
from backend.core.errors import YinlingError
from backend.core.text import FormText
from backend.people import registry
from web.console import localtime, people_view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, refusal
from web.console.render import render
from web.console.scoping import is_city_level, stations_in_scope

router = APIRouter(prefix="/console")

STATUS_ZH = {"pending": "待审核", "verified": "已核实", "rejected": "已驳回"}
DONE = {"verified": "已核实，已建立人员档案。", "rejected": "已驳回这条登记。"}
CHANNEL_ZH = {"phone": "电话", "chat": "网页聊天", "operator": "工作人员", "paper": "纸质"}


def _page(request, session, state, current, status: str, *, flash=None, error=None, form=None, status_code=200):
    wanted = [status] if status in STATUS_ZH else None
    rows = registry.list_registrations(session, station_path_prefix=current.station.path,
                                       include_unplaced=is_city_level(current), statuses=wanted, limit=200)
    tz = state.settings.timezone
    return render(request, "console/registrations.html", {
        "rows": [{"r": r, "station": s, "created": localtime.show(r.created_at, tz),
                  "roles": "、".join(people_view.ROLE_ZH.get(x, x) for x in r.roles.split(",") if x),
                  "channel": CHANNEL_ZH.get(r.channel, r.channel), "status": STATUS_ZH.get(r.status, r.status)}
                 for r, s in rows],
        "stations": stations_in_scope(session, current), "status": status, "status_zh": STATUS_ZH,
        "flash": flash, "error": error, "form": form or {},
    }, operator=current, status_code=status_code)


@router.get("/people/registrations", response_class=HTMLResponse)
def registrations(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                  status: str = "pending", done: str = ""):
    return _page(request, session, state, current, status, flash=DONE.get(done))


@router.post("/people/registrations/{registration_id:int}/verify", response_class=HTMLResponse)
def verify(request: Request, registration_id: int, session: SessionDep, state: StateDep, policy: PolicyDep,
           current: ConsoleOperatorDep, station_id: Annotated[int, Form()], reason: Annotated[FormText, Form()] = "",
           birth_date: Annotated[str, Form()] = "", address: Annotated[FormText, Form()] = ""):
    form = {"id": registration_id, "reason": reason, "birth_date": birth_date, "address": address}
    _result, error = attempt(session, lambda: people.verify_registration(
        session, current.principal, registration_id, station_id=station_id,
        birth_date=localtime.parse_day(birth_date, "出生日期"), address=address, reason=reason, policy=policy,
        secret_key=state.settings.secret_key, today=local_today(state.settings.timezone)))
    if error is not None:
        return _refused(request, session, state, current, error, form)
    return RedirectResponse("/console/people/registrations?done=verified", status_code=303)


@router.post("/people/registrations/{registration_id:int}/reject", response_class=HTMLResponse)
def reject(request: Request, registration_id: int, session: SessionDep, state: StateDep,
           current: ConsoleOperatorDep, reason: Annotated[FormText, Form()] = ""):
    _result, error = attempt(session, lambda: people.reject_registration(session, current.principal, registration_id,
                                                                         reason=reason))
    if error is not None:
        return _refused(request, session, state, current, error, {"id": registration_id, "reject_reason": reason})
    return RedirectResponse("/console/people/registrations?done=rejected", status_code=303)


def _refused(request, session, state, current, error: YinlingError, form: dict):
    page = refusal(request, current, error, back_url="/console/people/registrations", back_label="返回登记")
    if page is not None:
        return page
    return _page(request, session, state, current, "pending", error=error.message, form=form, status_code=error.status)
