"""What callers start from the phone or chat: registrations and requests for a person."""
from __future__ import annotations

import json

from fastapi import APIRouter
from sqlalchemy import select

from backend.access import permit, scope
from backend.api.deps import CallerDep, IdempotencyKey, SessionDep, SettingsDep, once
from backend.api.schemas.intake import HandoffCreate
from backend.api.schemas.people import RegistrationCreate, RegistrationPublic
from backend.models import HandoffTicket, Person, Registration, Station
from backend.people.identity import hash_id, mask_id, normalise_phone, validate_id_number
from backend.people.stations import on_duty_phone

router = APIRouter(tags=["intake"])


@router.post("/registrations", response_model=RegistrationPublic, status_code=201)
def register(body: RegistrationCreate, session: SessionDep, caller: CallerDep, settings: SettingsDep,
             key: IdempotencyKey = None):
    """Record a pending registration (人工辅助审核): an operator verifies it; no account is made here."""
    gate = permit(caller, "registration.create")
    if body.station_id is not None:
        scope.require_station(session, caller, body.station_id)
    phone = normalise_phone(body.phone)
    id_hash = id_masked = None
    if body.id_number:
        value, _born = validate_id_number(body.id_number)
        id_hash, id_masked = hash_id(value, settings.secret_key), mask_id(value)

    def work():
        row = Registration(name=body.name.strip(), phone=phone, birth_date=body.birth_date, id_hash=id_hash,
                           id_masked=id_masked, roles=",".join(body.roles), channel=body.channel, note=body.note,
                           station_id=body.station_id, status="pending")
        session.add(row)
        session.flush()
        gate.audit(session, f"registration:{row.id}", row.station_id, detail={"name": row.name})
        return RegistrationPublic.model_validate(row)
    return once(session, caller, "registrations.create", key, body, work)


@router.post("/handoffs", status_code=201)
def handoff(body: HandoffCreate, session: SessionDep, caller: CallerDep, key: IdempotencyKey = None):
    """Open an operator ticket with the conversation so far; say whom the IVR should dial."""
    gate = permit(caller, "handoff.create")
    person = scope.person(session, caller, body.person_id) if body.person_id else None
    if person is None and body.phone:
        person = session.scalar(select(Person).where(Person.phone == normalise_phone(body.phone)))
    station_id = person.station_id if person else session.scalar(select(Station.id).order_by(Station.id).limit(1))

    def work():
        ticket = HandoffTicket(person_id=person.id if person else None, phone=body.phone, station_id=station_id,
                               channel=body.channel, conversation_id=body.conversation_id,
                               transcript_json=json.dumps([t.model_dump() for t in body.transcript], ensure_ascii=False),
                               reason=body.reason)
        session.add(ticket)
        session.flush()
        gate.audit(session, f"handoff:{ticket.id}", station_id)
        return {"id": ticket.id, "station_id": station_id, "operator_phone": on_duty_phone(session, station_id)}
    return once(session, caller, "handoffs.create", key, body, work)
