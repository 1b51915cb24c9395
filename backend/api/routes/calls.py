"""Call records: the IVR writes them with its service token; operators read the calls of their
station subtree (the conversation so far is there before a transferred call is picked up)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.access.principal import Principal
from backend.api.deps import CallerDep, OperatorDep, SessionDep, check_scope
from backend.api.schemas.calls import (CallCreate, CallDetailPublic, CallPublic, CallUpdate, EventCreate, EventPublic,
                                       TurnCreate, TurnPublic)
from backend.calls import records
from backend.core.errors import Forbidden

router = APIRouter(prefix="/calls", tags=["calls"])


def require_service(caller: CallerDep) -> Principal:
    if caller.kind != "service":
        raise Forbidden("only the IVR's service token writes call records")
    return caller


ServiceDep = Annotated[Principal, Depends(require_service)]


@router.post("", response_model=CallPublic, status_code=201)
def open_call(body: CallCreate, session: SessionDep, caller: ServiceDep):
    return records.open_call(session, body)


@router.patch("/{call_sid}", response_model=CallPublic)
def update_call(call_sid: str, body: CallUpdate, session: SessionDep, caller: ServiceDep):
    return records.update_call(session, records.get_call(session, call_sid), body)


@router.post("/{call_sid}/turns", response_model=TurnPublic, status_code=201)
def add_turn(call_sid: str, body: TurnCreate, session: SessionDep, caller: ServiceDep):
    return records.add_turn(session, records.get_call(session, call_sid), body)


@router.post("/{call_sid}/events", response_model=EventPublic, status_code=201)
def add_event(call_sid: str, body: EventCreate, session: SessionDep, caller: ServiceDep):
    return records.add_event(session, records.get_call(session, call_sid), body)


@router.get("", response_model=list[CallPublic])
def list_calls(session: SessionDep, caller: OperatorDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
               before: datetime | None = None):
    return records.list_calls(session, caller.scope_path, limit, before)


@router.get("/{call_sid}", response_model=CallDetailPublic)
def call_detail(call_sid: str, session: SessionDep, caller: OperatorDep):
    call = records.get_call(session, call_sid)
    check_scope(session, caller, call.station_id)
    turns, events = records.turns_and_events(session, call)
    detail = CallDetailPublic.model_validate(call)
    detail.turns = [TurnPublic.model_validate(t) for t in turns]
    detail.events = [EventPublic.model_validate(e) for e in events]
    detail.order_ids = records.orders_created(session, call, events)
    return detail
