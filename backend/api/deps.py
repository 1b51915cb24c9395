"""Named dependencies: a route's signature says what it needs."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.principal import SERVICE, Principal
from backend.api.state import AppState
from backend.core.clock import local_today
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import Forbidden, Unauthorized
from backend.core.idempotency import run_once
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


def get_caller(request: Request, state: StateDep, session: SessionDep,
               authorization: Annotated[str | None, Header()] = None) -> Principal:
    """Who is calling: the assistant's service token (full reach) or an operator scoped to a subtree."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("missing bearer token")
    token = authorization[7:].strip()
    if token in state.settings.service_token_set:
        return SERVICE
    data = read_token(state.settings.secret_key, token, state.settings.operator_token_hours * 3600)
    operator = session.get(Operator, data.get("op")) if data else None
    if operator is None or not operator.active:
        raise Unauthorized("invalid or expired token")
    station = session.get(Station, operator.station_id)
    return Principal(kind="operator", name=f"operator:{operator.id}", operator_id=operator.id, role=operator.role,
                     scope_path=station.path, city_level=station.parent_id is None,
                     address=request.client.host if request.client else None)


CallerDep = Annotated[Principal, Depends(get_caller)]


def require_operator(caller: CallerDep) -> Principal:
    if caller.kind != "operator":
        raise Forbidden("operators only", message="这件事要由工作人员办理。")
    return caller


OperatorDep = Annotated[Principal, Depends(require_operator)]


def check_scope(session: Session, caller: Principal, station_id: int) -> None:
    """A street operator never sees another street's records, whatever id they guess: out of scope
    answers 404, exactly as a missing record does (``backend.access.scope``)."""
    scope.require_station(session, caller, station_id)


def check_person_scope(session: Session, caller: Principal, person: Person) -> None:
    scope.require_station(session, caller, person.station_id, "person", person.id)


def once(session: Session, caller: Principal, name: str, key: str | None, body, work):
    """``run_once`` keyed per caller, so one caller's Idempotency-Key never replays another's answer."""
    return run_once(session, f"{name}:{caller.name}", key, body, work)


def get_today(state: StateDep) -> date:
    return local_today(state.settings.timezone)


def get_now() -> datetime:
    return datetime.now(timezone.utc)


TodayDep = Annotated[date, Depends(get_today)]
NowDep = Annotated[datetime, Depends(get_now)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
