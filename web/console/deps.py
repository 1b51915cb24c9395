"""Who is using the console: the logged-in operator, their station and scope, as one dependency.

``ConsoleOperatorDep`` gives a ``ConsoleOperator`` whose ``caller`` is the API's ``Caller`` (so the
domain's scope checks — ``check_scope``, ``check_person_scope`` — work unchanged on console pages)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request

from backend.api.deps import Caller, SessionDep
from backend.core.errors import Forbidden
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
    def caller(self) -> Caller:
        return Caller(kind="operator", name=f"operator:{self.operator.id}", operator_id=self.operator.id,
                      role=self.operator.role, scope_path=self.station.path)

    @property
    def actor(self) -> str:
        return f"operator:{self.operator.id}"

    @property
    def csrf_token(self) -> str:
        return self.web.csrf_token

    def audit(self, session, action: str, target: str, station_id: int | None, reason: str | None = None,
              detail: dict | None = None):
        """Records this operator's action in the audit trail, in the same transaction."""
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


# Who may do what. Reviewers and admins decide about money and accounts (approve or revoke a service,
# freeze an account, verify a registration or a family link); clerks enter and follow up (back-fill,
# follow-ups, assignment, corrections, call review). Everyone sees their whole subtree.
DECIDING_ROLES = frozenset({"admin", "reviewer"})


def require_decider(current: ConsoleOperatorDep) -> ConsoleOperator:
    if current.operator.role not in DECIDING_ROLES:
        raise Forbidden(f"operator {current.operator.id} has role {current.operator.role}, not one of "
                        f"{sorted(DECIDING_ROLES)}", message="只有审核员或管理员可以做这件事。")
    return current


DeciderDep = Annotated[ConsoleOperator, Depends(require_decider)]
