"""Login rate limiting, kept in the database so it holds across workers and restarts: the one
mechanism for every login (console, family pages, the API's ``POST /auth/login``) and for the family
registration and link forms.

An account (realm + login) gets ``MAX_FAILURES_PER_LOGIN`` failed tries per ``WINDOW``; one client
address gets ``MAX_FAILURES_PER_ADDRESS``. A success does not erase earlier failures: the window does.
Logins answer a failed try with a response (a page, or the API's 401 body), not an exception, so
the request's own transaction commits and the failure is remembered. Operators have one account for
the console and the API: both count under the realm ``"console"``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.errors import TooManyRequests
from backend.models import LoginAttempt

OPERATOR_REALM = "console"
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20


def _failures(session: Session, since: datetime, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(LoginAttempt)
                          .where(LoginAttempt.success.is_(False), LoginAttempt.at > since, *conditions)) or 0


def check_allowed(session: Session, realm: str, login: str, address: str, now: datetime) -> None:
    """Raises TooManyRequests when this account or this address failed too often lately."""
    since = now - WINDOW
    if _failures(session, since, LoginAttempt.realm == realm, LoginAttempt.login == login) >= MAX_FAILURES_PER_LOGIN:
        raise TooManyRequests(f"{MAX_FAILURES_PER_LOGIN} failed logins for {realm}:{login} in {WINDOW}")
    if _failures(session, since, LoginAttempt.address == address) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyRequests(f"{MAX_FAILURES_PER_ADDRESS} failed logins from {address} in {WINDOW}")


def record(session: Session, realm: str, login: str, address: str, success: bool, now: datetime) -> None:
    """Remembers one attempt. The caller must not raise afterwards, or the attempt is rolled back."""
    session.add(LoginAttempt(realm=realm, login=login[:60], address=address[:64], success=success, at=now))
    session.flush()
