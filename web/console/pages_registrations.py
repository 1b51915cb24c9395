"""Pending registrations (人工辅助审核): callers who asked to join by phone or chat. An operator
verifies one (a verified Person is created through the registry, with the same rules as any
registration) or rejects it with a reason; both audited, and a decided one cannot be decided again."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.api.deps import PolicyDep, SessionDep, StateDep
from backend.core.clock import local_today
from backend.core.errors import NotFound, YinlingError
from backend.people import registry
from web.console import localtime, people_view, reasons
from web.console.deps import ConsoleOperator, ConsoleOperatorDep, DeciderDep
from web.console.render import render
from web.console.scoping import error_page, is_city_level, require_station, stations_in_scope

router = APIRouter(prefix="/console")

STATUS_ZH = {"pending": "待审核", "verified": "已核实", "rejected": "已驳回"}
DONE = {"verified": "已核实，已建立人员档案。", "rejected": "已驳回这条登记。"}
CHANNEL_ZH = {"phone": "电话", "chat": "网页聊天", "operator": "工作人员", "paper": "纸质"}


def _scoped_registration(session, current: ConsoleOperator, registration_id: int):
    try:
        registration = registry.get_registration(session, registration_id)
    except NotFound as exc:
        raise NotFound(exc.detail, message="没有找到这条登记，或者它不在您的管辖范围内。") from exc
    require_station(session, current, registration.station_id, "登记", f"registration:{registration_id}")
    return registration


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
           current: DeciderDep, station_id: Annotated[int, Form()], reason: Annotated[str, Form()] = "",
           birth_date: Annotated[str, Form()] = "", address: Annotated[str, Form()] = ""):
    try:
        registration = _scoped_registration(session, current, registration_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    form = {"id": registration_id, "reason": reason, "birth_date": birth_date, "address": address}
    try:
        with session.begin_nested():
            why = reasons.required(reason)
            require_station(session, current, station_id, "站点", f"station:{station_id}")
            born = localtime.parse_day(birth_date, "出生日期")
            person = registry.verify_registration(
                session, registration.id, station_id=station_id, birth_date=born, address=address.strip()[:200],
                policy=policy, secret_key=state.settings.secret_key, today=local_today(state.settings.timezone))
            current.audit(session, "registration.verify", f"person:{person.id}", station_id, reason=why,
                          detail={"registration_id": registration.id, "name": person.name, "phone": person.phone,
                                  "roles": person.roles})
    except YinlingError as exc:
        return _page(request, session, state, current, "pending", error=exc.message, form=form,
                     status_code=exc.status)
    return RedirectResponse("/console/people/registrations?done=verified", status_code=303)


@router.post("/people/registrations/{registration_id:int}/reject", response_class=HTMLResponse)
def reject(request: Request, registration_id: int, session: SessionDep, state: StateDep,
           current: DeciderDep, reason: Annotated[str, Form()] = ""):
    try:
        registration = _scoped_registration(session, current, registration_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    try:
        with session.begin_nested():
            why = reasons.required(reason)
            registry.reject_registration(session, registration.id)
            current.audit(session, "registration.reject", f"registration:{registration.id}",
                          registration.station_id, reason=why, detail={"name": registration.name})
    except YinlingError as exc:
        return _page(request, session, state, current, "pending", error=exc.message,
                     form={"id": registration_id, "reject_reason": reason}, status_code=exc.status)
    return RedirectResponse("/console/people/registrations?done=rejected", status_code=303)

