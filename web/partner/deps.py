"""Who is using the partner page: the logged-in partner, from their session and nothing else. An
account an operator deactivated (or whose password was removed) has its sessions ended at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.api.deps import SessionDep
from backend.models import MallPartner, WebSession
from web.auth import audit, sessions
from web.auth.deps import LoginRequired, client_address, web_session

REALM = "partner"


@dataclass
class Partner:
    partner: MallPartner
    web: WebSession
    address: str

    @property
    def id(self) -> int:
        return self.partner.id

    @property
    def actor(self) -> str:
        return f"partner:{self.partner.id}"

    @property
    def csrf_token(self) -> str:
        return self.web.csrf_token

    def audit(self, session: Session, action: str, target: str, detail: dict | None = None):
        return audit.record(session, actor=self.actor, action=action, target=target,
                            station_id=self.partner.station_id, detail=detail, address=self.address)


def get_partner(request: Request, session: SessionDep, row: Annotated[WebSession, Depends(web_session(REALM))]) -> Partner:
    partner = session.get(MallPartner, row.subject_id)
    if partner is None or not partner.active or not partner.password_hash:
        sessions.end(session, row, datetime.now(timezone.utc))
        raise LoginRequired(REALM)
    return Partner(partner, row, client_address(request))


PartnerDep = Annotated[Partner, Depends(get_partner)]
