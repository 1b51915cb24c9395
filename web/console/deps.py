"""Who is using the console: the logged-in operator, their station and scope, as one dependency.

``ConsoleOperatorDep`` gives a ``ConsoleOperator`` whose ``principal`` is what the gate
(``backend.access``) checks: the same role rules, scope and audit as the API's operators."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request

from backend.access.principal import Principal
from backend.api.deps import SessionDep
from backend.models import Operator, Station, WebSession
from web.auth import audit, sessions
from web.auth.deps import LoginRequired, client_address, web_session


@dataclass
class ConsoleOperator:
    operator: Operator
    station: Station
    web: WebSession
    address: str

    @property
    def principal(self) -> Principal:
        """The operator as the gate (``backend.access``) knows them: role, scope, address for the audit."""
        return Principal(kind="operator", name=self.actor, operator_id=self.operator.id, role=self.operator.role,
                         scope_path=self.station.path, city_level=self.station.parent_id is None,
                         address=self.address)


    @property
    def actor(self) -> str:
        return f"operator:{self.operator.id}"

    @property
    def csrf_token(self) -> str:
        return self.web.csrf_token

    def audit(self, session, action: str, target: str, station_id: int | None, reason: str | None = None,
              detail: dict | None = None):
        """Records something this operator did that is not an action on a record (a login, a page of
        records read); actions on records are audited by the gate."""
        return audit.record(session, actor=self.actor, action=action, target=target, station_id=station_id,
                            reason=reason, detail=detail, address=self.address)


def get_console_operator(request: Request, session: SessionDep,
                               row: Annotated[WebSession, Depends(web_session("console"))]) -> ConsoleOperator:
    operator = session.get(Operator, row.subject_id)
    if operator is None or not operator.active:
        sessions.end(session, row, datetime.now(timezone.utc))
        raise LoginRequired("console")
    return ConsoleOperator(operator, session.get(Station, operator.station_id), row, client_address(request))


ConsoleOperatorDep = Annotated[ConsoleOperator, Depends(get_console_operator)]
