"""Server-side login sessions. The cookie holds a random token; the database holds its SHA-256.

Realms: "console" (subject = operators.id), "family" and "volunteer" (subject = persons.id), "partner"
(subject = mall_partners.id). A session ends at
logout, after ``SESSION_HOURS`` of age or ``IDLE_MINUTES`` of inactivity, or when revoked (account
frozen). Cookies are HttpOnly, SameSite=Lax, path "/", and Secure whenever the app is served over
HTTPS (``Settings.base_url``), so a session cookie never travels in clear text in production.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from fastapi import Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.config import Settings
from backend.models import WebSession

COOKIE_NAMES = {"console": "yl_console", "family": "yl_family", "volunteer": "yl_volunteer", "partner": "yl_partner"}
SESSION_HOURS = {"console": 12, "family": 24 * 14, "volunteer": 24 * 14, "partner": 12}
IDLE_MINUTES = {"console": 60, "family": 24 * 60, "volunteer": 24 * 60, "partner": 8 * 60}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, realm: str, subject_id: int, now: datetime, user_agent: str | None = None) -> tuple[str, WebSession]:
    """A new session; returns (the cookie token, the row). The token is never stored."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=_hash(token), realm=realm, subject_id=subject_id, csrf_token=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=SESSION_HOURS[realm]),
                     user_agent=(user_agent or "")[:200] or None)
    session.add(row)
    session.flush()
    return token, row


def find(session: Session, realm: str, token: str | None, now: datetime) -> WebSession | None:
    """The live session for this cookie token, touched; None if unknown, expired, idle or revoked."""
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token), WebSession.realm == realm))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > timedelta(minutes=IDLE_MINUTES[realm]):
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # don't write on every request
        row.last_seen_at = now
    return row


def end(session: Session, row: WebSession, now: datetime) -> None:
    row.revoked_at = now
    session.flush()


def revoke_all(session: Session, realm: str, subject_id: int, now: datetime) -> int:
    """Ends every session of one account (frozen, deactivated, password changed). Returns how many."""
    result = session.execute(update(WebSession).where(WebSession.realm == realm, WebSession.subject_id == subject_id,
                                                      WebSession.revoked_at.is_(None)).values(revoked_at=now))
    return result.rowcount or 0


def cookie_secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def set_cookie(response: Response, realm: str, token: str, settings: Settings) -> None:
    response.set_cookie(COOKIE_NAMES[realm], token, max_age=SESSION_HOURS[realm] * 3600, path="/", httponly=True,
                        samesite="lax", secure=cookie_secure(settings))


def clear_cookie(response: Response, realm: str, settings: Settings) -> None:
    response.delete_cookie(COOKIE_NAMES[realm], path="/", httponly=True, samesite="lax", secure=cookie_secure(settings))
