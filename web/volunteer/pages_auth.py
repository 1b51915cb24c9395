"""Volunteer login, logout and registration. Login: phone number and argon2-checked password,
rate-limited tries, a server-side session of the realm "volunteer". Registration: a pending
registration (``backend.volunteers.accounts.register``) that an operator verifies in the console."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep, StateDep, TodayDep
from backend.core import ratelimit
from backend.core.errors import Conflict, Forbidden, InvalidInput, TooManyRequests
from backend.models import Person
from backend.core.security import MIN_PASSWORD
from backend.people.identity import birth_date_from_text
from backend.volunteers import accounts
from web.auth import audit, login_csrf, login_flow
from web.auth.login_flow import login_key
from web.auth.deps import client_address
from web.volunteer.deps import REALM, VolunteerDep
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")
HOME = "/volunteer/"


def _page(request: Request, state, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return login_flow.login_page(render, request, state.settings, template, context, status_code)


def _login_page(request, state, status_code=200, error=None, phone="", next_path=HOME):
    return _page(request, state, "volunteer/login.html", {"error": error, "phone": phone, "next": next_path},
                 status_code)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str | None = None):
    return _login_page(request, state, next_path=login_flow.safe_next(next, HOME))


@router.post("/login")
def login(request: Request, state: StateDep, session: SessionDep, phone: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    key, target = login_key(phone), login_flow.safe_next(next, HOME)
    try:
        login_flow.gate(request, session, REALM, key, csrf_token, now)
    except (Forbidden, TooManyRequests) as exc:
        return _login_page(request, state, exc.status, exc.message, phone.strip(), target)
    person = session.scalar(select(Person).where(Person.phone == key))
    refusal = accounts.login_refusal(session, person, key, password)
    ratelimit.record(session, REALM, key, address, refusal is None, now)
    if refusal is not None:
        return _login_page(request, state, refusal[0], refusal[1], phone.strip(), target)
    audit.record(session, actor=f"person:{person.id}", action="volunteer.login", target=f"person:{person.id}",
                 station_id=person.station_id, address=address)
    return login_flow.start_session(request, state.settings, session, REALM, person.id, now, target)


@router.post("/logout")
def logout(state: StateDep, session: SessionDep, volunteer: VolunteerDep):
    volunteer.audit(session, "volunteer.logout", volunteer.actor, volunteer.person.station_id)
    return login_flow.end_session(state.settings, session, REALM, volunteer.web, datetime.now(timezone.utc),
                                  "/volunteer/login")


def _register_page(request, state, status_code=200, error=None, form=None, done=False):
    return _page(request, state, "volunteer/register.html",
                 {"error": error, "form": form or {}, "done": done, "min_password": MIN_PASSWORD},
                 status_code)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, state: StateDep):
    return _register_page(request, state)


@router.post("/register")
def register(request: Request, state: StateDep, session: SessionDep, policy: PolicyDep, today: TodayDep,
             name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
             birth_date: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
             password_again: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    form = {"name": name.strip(), "phone": phone.strip(), "birth_date": birth_date.strip()}
    key = login_key(phone)
    try:
        login_csrf.check(request, csrf_token)
        ratelimit.check_allowed(session, "register", key, address, now)
    except (Forbidden, TooManyRequests) as exc:
        return _register_page(request, state, exc.status, exc.message, form)
    try:
        row = accounts.register(session, name=name, phone=phone, birth_date=birth_date_from_text(birth_date, today),
                                password=password,
                                password_again=password_again, policy=policy, today=today)
    except (InvalidInput, Conflict) as exc:
        ratelimit.record(session, "register", key, address, False, now)
        return _register_page(request, state, exc.status, exc.message, form)
    ratelimit.record(session, "register", key, address, True, now)
    audit.record(session, actor=f"registration:{row.id}", action="volunteer.register", target=f"registration:{row.id}",
                 station_id=None, address=address)
    return _register_page(request, state, form={"name": row.name}, done=True)
