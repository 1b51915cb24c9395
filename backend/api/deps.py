"""Named dependencies: a route's signature says what it needs."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from backend.api.state import AppState
from backend.core.clock import local_today
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import Forbidden, Unauthorized
from backend.core.security import read_token
from backend.models import Operator, Person, Station
from backend.policy import PolicyProfile


def get_state(request: Request) -> AppState:
    return request.app.state.yinling


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with unit_of_work(get_state(request).sessions) as session:
        yield session


StateDep = Annotated[AppState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


def get_policy(state: StateDep) -> PolicyProfile:
    return state.policy


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PolicyDep = Annotated[PolicyProfile, Depends(get_policy)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: a service (bot, IVR) with full reach, or an operator scoped to a subtree."""

    kind: str  # service | operator
    name: str
    operator_id: int | None = None
    role: str | None = None
    scope_path: str = "/"

    def can_see_path(self, station_path: str) -> bool:
        return self.kind == "service" or station_path.startswith(self.scope_path)


def get_caller(state: StateDep, session: SessionDep,
               authorization: Annotated[str | None, Header()] = None) -> Caller:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("missing bearer token")
    token = authorization[7:].strip()
    if token in state.settings.service_token_set:
        return Caller(kind="service", name="service")
    data = read_token(state.settings.secret_key, token, state.settings.operator_token_hours * 3600)
    operator = session.get(Operator, data.get("op")) if data else None
    if operator is None or not operator.active:
        raise Unauthorized("invalid or expired token")
    station = session.get(Station, operator.station_id)
    return Caller(kind="operator", name=f"operator:{operator.id}", operator_id=operator.id,
                  role=operator.role, scope_path=station.path)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_operator(caller: CallerDep) -> Caller:
    if caller.kind != "operator":
        raise Forbidden("operators only")
    return caller


OperatorDep = Annotated[Caller, Depends(require_operator)]


def check_scope(session: Session, caller: Caller, station_id: int) -> None:
    """A street operator never sees another street's people, whatever id they guess."""
    station = session.get(Station, station_id)
    if station is None or not caller.can_see_path(station.path):
        raise Forbidden(f"station {station_id} is outside {caller.name}'s scope")


def check_person_scope(session: Session, caller: Caller, person: Person) -> None:
    check_scope(session, caller, person.station_id)


def get_today(state: StateDep) -> date:
    return local_today(state.settings.timezone)


def get_now() -> datetime:
    return datetime.now(timezone.utc)


TodayDep = Annotated[date, Depends(get_today)]
NowDep = Annotated[datetime, Depends(get_now)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
