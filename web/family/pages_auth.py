"""Family login and logout: phone number and argon2-checked password, rate-limited tries,
server-side sessions; frozen or closed accounts cannot log in."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.api.deps import SessionDep, StateDep
from backend.core import ratelimit
from backend.core.errors import Forbidden, TooManyRequests
from backend.core.security import check_login_password
from backend.models import Person
from web.auth import audit, login_flow
from web.auth.deps import client_address
from web.family.deps import BLOCKED_STATUSES, FamilyMemberDep
from web.family.render import render

router = APIRouter(prefix="/family")


HOME = "/family/"


def login_page(request: Request, state, status_code: int = 200, error: str | None = None, phone: str = "",
               next_path: str = HOME) -> HTMLResponse:
    return login_flow.login_page(render, request, state.settings, "family/login.html",
                                 {"error": error, "phone": phone, "next": next_path}, status_code)


def start_session(request: Request, state, session, person: Person, now: datetime, target: str) -> RedirectResponse:
    return login_flow.start_session(request, state.settings, session, "family", person.id, now, target)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str | None = None):
    return login_page(request, state, next_path=login_flow.safe_next(next, HOME))


@router.post("/login")
def login(request: Request, state: StateDep, session: SessionDep, phone: Annotated[str, Form()],
          password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    key, target = login_flow.login_key(phone), login_flow.safe_next(next, HOME)
    try:
        login_flow.gate(request, session, "family", key, csrf_token, now)
    except (Forbidden, TooManyRequests) as exc:
        return login_page(request, state, exc.status, exc.message, phone.strip(), target)
    person = session.scalar(select(Person).where(Person.phone == key))
    ok = check_login_password(person.password_hash if person else None, password)
    blocked = ok and person.status in BLOCKED_STATUSES
    ratelimit.record(session, "family", key, address, ok and not blocked, now)
    if not ok:
        return login_page(request, state, 401, "手机号或密码不对。", phone.strip(), target)
    if blocked:
        return login_page(request, state, 403, "这个账户已冻结，不能登录。请联系社区站点。", phone.strip(), target)
    audit.record(session, actor=f"person:{person.id}", action="family.login", target=f"person:{person.id}",
                 station_id=person.station_id, address=address)
    return start_session(request, state, session, person, now, target)


@router.post("/logout")
def logout(state: StateDep, session: SessionDep, member: FamilyMemberDep):
    member.audit(session, "family.logout", member.actor, member.person.station_id)
    return login_flow.end_session(state.settings, session, "family", member.web, datetime.now(timezone.utc),
                                  "/family/login")
