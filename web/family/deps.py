"""Who is using the family pages: the logged-in family member, as one dependency.

``FamilyMemberDep`` gives a ``FamilyMember`` (the person, their web session, their address) and
``audit()`` for family actions that change something. A frozen or closed account's sessions end
at once. ``authenticate_detached`` does the same check in its own short transaction, for routes
that wait on another service (the chat proxy) and must not hold the database meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backend.api.deps import SessionDep
from backend.core.db import unit_of_work
from backend.models import Person, WebSession
from web.auth import audit, csrf, sessions
from web.auth.deps import LoginRequired, client_address, web_session

BLOCKED_STATUSES = frozenset({"frozen", "closed"})


@dataclass
class FamilyMember:
    person: Person
    web: WebSession
    address: str

    @property
    def actor(self) -> str:
        return f"person:{self.person.id}"

    @property
    def csrf_token(self) -> str:
        return self.web.csrf_token

    def audit(self, session: Session, action: str, target: str, station_id: int | None, reason: str | None = None,
              detail: dict | None = None):
        """Records this member's action in the audit trail, in the same transaction."""
        return audit.record(session, actor=self.actor, action=action, target=target, station_id=station_id,
                            reason=reason, detail=detail, address=self.address)


def _member_or_end(session: Session, row: WebSession, now: datetime) -> Person:
    person = session.get(Person, row.subject_id)
    if person is None or person.status in BLOCKED_STATUSES or not person.password_hash:
        sessions.end(session, row, now)
        raise LoginRequired("family")
    return person


def get_family_member(request: Request, session: SessionDep,
                      row: Annotated[WebSession, Depends(web_session("family"))]) -> FamilyMember:
    """Sync on purpose: FastAPI runs it in the thread pool, so its database work never blocks the
    event loop (which the assistant's callbacks into this app need while a chat request waits)."""
    return FamilyMember(_member_or_end(session, row, datetime.now(timezone.utc)), row, client_address(request))


FamilyMemberDep = Annotated[FamilyMember, Depends(get_family_member)]


def _find_member(state, token: str | None, now: datetime) -> tuple[WebSession | None, int | None]:
    with unit_of_work(state.sessions) as session:
        row = sessions.find(session, "family", token, now)
        if row is None:
            return None, None
        try:
            return row, _member_or_end(session, row, now).id
        except LoginRequired:
            return None, None  # the ended session is committed with this transaction


async def authenticate_detached(request: Request) -> int:
    """The logged-in member's person id, checked (session, account, CSRF) in a transaction of its
    own, run in the thread pool and committed before returning. Raises LoginRequired or Forbidden."""
    row, person_id = await run_in_threadpool(
        _find_member, request.app.state.yinling, request.cookies.get(sessions.COOKIE_NAMES["family"]),
        datetime.now(timezone.utc))
    if row is None:
        raise LoginRequired("family")
    await csrf.check(request, row)
    return person_id
