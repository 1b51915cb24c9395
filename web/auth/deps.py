"""The one dependency both sites use to know who is logged in: ``web_session("console")`` /
``web_session("family")``. It finds the cookie's live session and checks CSRF on state-changing
requests; without a session it raises ``LoginRequired``, which ``attach_web`` turns into a redirect
to that realm's login page (pages) or a 401 JSON body (requests that accept JSON)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.api.deps import SessionDep
from backend.models import WebSession
from web.auth import csrf, sessions


class LoginRequired(Exception):
    def __init__(self, realm: str):
        super().__init__(f"{realm} login required")
        self.realm = realm


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def web_session(realm: str) -> Callable:
    # The database lookup is a plain function, so FastAPI runs it in the thread pool: a blocking query
    # on the event loop would stall every request (and deadlock SQLite's writer lock). Only the CSRF
    # check, which reads the form and touches no database, runs on the loop.
    def live_session(request: Request, session: SessionDep) -> WebSession:
        row = sessions.find(session, realm, request.cookies.get(sessions.COOKIE_NAMES[realm]),
                            datetime.now(timezone.utc))
        if row is None:
            raise LoginRequired(realm)
        return row

    async def dependency(request: Request, row: WebSession = Depends(live_session)) -> WebSession:
        await csrf.check(request, row)
        request.state.web_session = row
        return row
    return dependency


def current_row(request: Request) -> WebSession:
    return request.state.web_session


__all__ = ["LoginRequired", "client_address", "current_row", "web_session", "Session"]
