"""The steps every login form shares (console and family): a page that carries a fresh login CSRF
token, the gate before a password is even checked (CSRF, rate limit), starting the session and
ending it. Each site keeps what differs: who may log in and what the page says."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from backend.core import ratelimit
from backend.core.config import Settings
from backend.core.errors import InvalidInput
from backend.models import WebSession
from backend.people.identity import normalise_phone
from web.auth import login_csrf, sessions


def safe_next(target: str | None, home: str) -> str:
    """Only paths inside the site (``home`` is "/console/" or "/family/"): never an open redirect."""
    return target if target and target.startswith(home) and not target.startswith("//") else home


def login_key(raw_phone: str) -> str:
    """The rate limit's account key for a phone-number login: the E.164 number when it parses, else
    what was typed (so a mistyped number still counts against that text)."""
    try:
        return normalise_phone(raw_phone)
    except InvalidInput:
        return raw_phone.strip()[:60]


def login_page(render: Callable[..., HTMLResponse], request: Request, settings: Settings, template: str,
               context: dict, status_code: int = 200) -> HTMLResponse:
    """The login form with a fresh double-submit token in the page and in a cookie."""
    token = login_csrf.new_token()
    response = render(request, template, {**context, "csrf_token": token}, status_code=status_code)
    login_csrf.set_cookie(response, token, sessions.cookie_secure(settings))
    return response


def gate(request: Request, session: Session, realm: str, login: str, csrf_token: str, now: datetime) -> None:
    """Raises Forbidden (forged or stale form) or TooManyRequests before any password is checked."""
    login_csrf.check(request, csrf_token)
    ratelimit.check_allowed(session, realm, login, request.client.host if request.client else "unknown", now)


def start_session(request: Request, settings: Settings, session: Session, realm: str, subject_id: int,
                  now: datetime, target: str) -> RedirectResponse:
    token, _row = sessions.start(session, realm, subject_id, now, request.headers.get("user-agent"))
    response = RedirectResponse(target, status_code=303)
    sessions.set_cookie(response, realm, token, settings)
    response.delete_cookie(login_csrf.COOKIE, path="/")
    return response


def end_session(settings: Settings, session: Session, realm: str, row: WebSession, now: datetime,
                target: str) -> RedirectResponse:
    sessions.end(session, row, now)
    response = RedirectResponse(target, status_code=303)
    sessions.clear_cookie(response, realm, settings)
    return response
