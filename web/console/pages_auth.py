"""Console login and logout: argon2-checked passwords, rate-limited tries, server-side sessions."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.api.deps import SessionDep, StateDep
from backend.core import ratelimit
from backend.core.errors import Forbidden, TooManyRequests
from backend.core.security import check_login_password
from backend.models import Operator
from web.auth import audit, login_flow
from web.auth.deps import client_address
from web.console.deps import ConsoleOperatorDep
from web.console.render import render

router = APIRouter(prefix="/console")
HOME = "/console/"


def _login_page(request: Request, state, status_code: int = 200, error: str | None = None, username: str = "",
                next_path: str = HOME) -> HTMLResponse:
    return login_flow.login_page(render, request, state.settings, "console/login.html",
                                 {"error": error, "username": username, "next": next_path}, status_code)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str | None = None):
    return _login_page(request, state, next_path=login_flow.safe_next(next, HOME))


@router.post("/login")
def login(request: Request, state: StateDep, session: SessionDep, username: Annotated[str, Form()],
          password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    username, target = username.strip()[:60], login_flow.safe_next(next, HOME)
    try:
        login_flow.gate(request, session, "console", username, csrf_token, now)
    except (Forbidden, TooManyRequests) as exc:
        return _login_page(request, state, exc.status, exc.message, username, target)
    operator = session.scalar(select(Operator).where(Operator.username == username))
    ok = check_login_password(operator.password_hash if operator else None, password) and operator.active
    ratelimit.record(session, "console", username, client_address(request), ok, now)
    if not ok:
        return _login_page(request, state, 401, "用户名或密码不对。", username, target)
    audit.record(session, actor=f"operator:{operator.id}", action="console.login", target=f"operator:{operator.id}",
                 station_id=operator.station_id, address=client_address(request))
    return login_flow.start_session(request, state.settings, session, "console", operator.id, now, target)


@router.post("/logout")
def logout(state: StateDep, session: SessionDep, current: ConsoleOperatorDep):
    current.audit(session, "console.logout", current.actor, current.operator.station_id)
    return login_flow.end_session(state.settings, session, "console", current.web, datetime.now(timezone.utc),
                                  "/console/login")
