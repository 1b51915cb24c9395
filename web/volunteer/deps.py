"""Who is using the volunteer pages: the logged-in volunteer, from their session and nothing else.

``VolunteerDep`` gives a ``Volunteer`` (the person, their web session, their address) and ``audit()``.
A frozen or closed account, or a person no longer a volunteer, has their sessions ended at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.api.deps import SessionDep
from backend.models import Person, WebSession
from backend.volunteers.accounts import BLOCKED
from web.auth import audit, sessions
from web.auth.deps import LoginRequired, client_address, web_session

REALM = "volunteer"


@dataclass
class Volunteer:
    person: Person
    web: WebSession
    address: str

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def actor(self) -> str:
        return f"person:{self.person.id}"

    @property
    def csrf_token(self) -> str:
        return self.web.csrf_token

    def audit(self, session: Session, action: str, target: str, station_id: int | None, detail: dict | None = None):
        """Records this volunteer's action in the audit trail, in the same transaction."""
        return audit.record(session, actor=self.actor, action=action, target=target, station_id=station_id,
                            detail=detail, address=self.address)


def get_volunteer(request: Request, session: SessionDep,
                  row: Annotated[WebSession, Depends(web_session(REALM))]) -> Volunteer:
    person = session.get(Person, row.subject_id)
    if person is None or person.status in BLOCKED or not person.password_hash or not person.is_volunteer:
        sessions.end(session, row, datetime.now(timezone.utc))
        raise LoginRequired(REALM)
    return Volunteer(person, row, client_address(request))


VolunteerDep = Annotated[Volunteer, Depends(get_volunteer)]
