"""Console login and logout: argon2-checked passwords, rate-limited tries, server-side sessions."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.api.deps import SessionDep, StateDep
from backend.core.errors import Forbidden, TooManyRequests
from backend.core.security import verify_password
from backend.models import Operator
from web.auth import audit, login_csrf, ratelimit, sessions
from web.auth.deps import client_address
from web.console.deps import ConsoleOperatorDep
from web.console.render import render

router = APIRouter(prefix="/console")


def _safe_next(target: str | None) -> str:
    """Only paths inside the console: never an open redirect to another site."""
    return target if target and target.startswith("/console/") and not target.startswith("//") else "/console/"


def _login_page(request: Request, state, status_code: int = 200, error: str | None = None, username: str = "",
                next_path: str = "/console/") -> HTMLResponse:
    token = login_csrf.new_token()
    response = render(request, "console/login.html", {"error": error, "username": username, "next": next_path,
                                                      "csrf_token": token}, status_code=status_code)
    login_csrf.set_cookie(response, token, sessions.cookie_secure(state.settings))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str | None = None):
    return _login_page(request, state, next_path=_safe_next(next))


@router.post("/login")
def login(request: Request, state: StateDep, session: SessionDep, username: Annotated[str, Form()],
          password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    username = username.strip()[:60]
    try:
        login_csrf.check(request, csrf_token)
        ratelimit.check_allowed(session, "console", username, address, now)
    except (Forbidden, TooManyRequests) as exc:
        return _login_page(request, state, exc.status, exc.message, username, _safe_next(next))
    operator = session.scalar(select(Operator).where(Operator.username == username))
    ok = operator is not None and operator.active and verify_password(operator.password_hash, password)
    ratelimit.record(session, "console", username, address, ok, now)
    if not ok:
        return _login_page(request, state, 401, "用户名或密码不对。", username, _safe_next(next))
    token, _row = sessions.start(session, "console", operator.id, now, request.headers.get("user-agent"))
    audit.record(session, actor=f"operator:{operator.id}", action="console.login", target=f"operator:{operator.id}",
                 station_id=operator.station_id, address=address)
    response = RedirectResponse(_safe_next(next), status_code=303)
    sessions.set_cookie(response, "console", token, state.settings)
    response.delete_cookie(login_csrf.COOKIE, path="/")
    return response


@router.post("/logout")
def logout(state: StateDep, session: SessionDep, current: ConsoleOperatorDep):
    sessions.end(session, current.web, datetime.now(timezone.utc))
    current.audit(session, "console.logout", current.actor, current.operator.station_id)
    response = RedirectResponse("/console/login", status_code=303)
    sessions.clear_cookie(response, "console", state.settings)
    return response
