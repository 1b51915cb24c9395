from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from backend.access import people, permit, scope
from backend.api.deps import (CallerDep, IdempotencyKey, OperatorDep, PolicyDep, SessionDep, SettingsDep, TodayDep,
                              check_scope, once)
from backend.api.routes.orders import order_public
from backend.api.schemas.orders import OrderPublic
from backend.api.schemas.people import (BalancePublic, FreezeRequest, HistoryItem, LinkedElder, PersonCreate,
                                        PersonPublic, QualificationCreate, StarsPublic)
from backend.ledger import queries
from backend.ledger.coin_words import coins_text
from backend.models import FamilyLink, Person
from backend.orders import service as orders
from backend.orders import states
from backend.people import registry

router = APIRouter(prefix="/persons", tags=["persons"])


def person_public(session, person: Person) -> PersonPublic:
    links = session.execute(
        select(FamilyLink, Person).join(Person, Person.id == FamilyLink.elder_id)
        .where(FamilyLink.member_id == person.id)).all()
    return PersonPublic(
        id=person.id, name=person.name, phone=person.phone, birth_date=person.birth_date, roles=person.roles,
        id_masked=person.id_masked, address=person.address, lat=person.lat, lon=person.lon,
        station_id=person.station_id, status=person.status,
        linked_elders=[LinkedElder(id=e.id, name=e.name, relation=l.relation, consent=l.consent) for l, e in links])


def _scoped_person(session, caller, person_id: int) -> Person:
    return scope.person(session, caller, person_id)


@router.post("", response_model=PersonPublic, status_code=201)
def create_person(body: PersonCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
                  settings: SettingsDep, today: TodayDep, key: IdempotencyKey = None):
    """The assistant's registrations stay pending; an operator who registers someone in person verifies them."""
    gate = permit(caller, "person.create")
    check_scope(session, caller, body.station_id)
    status = "verified" if caller.kind == "operator" else "pending"

    def work():
        new = registry.NewPerson(**body.model_dump(), status=status)
        person = registry.register_person(session, new, policy=policy, secret_key=settings.secret_key, today=today)
        gate.audit(session, f"person:{person.id}", person.station_id, detail={"name": person.name, "status": status})
        return person_public(session, person)
    return once(session, caller, "persons.create", key, body, work)


@router.get("/by-phone/{phone}", response_model=PersonPublic)
def person_by_phone(phone: str, session: SessionDep, caller: CallerDep):
    person = registry.find_by_phone(session, phone)  # NotFound for an unknown number …
    return person_public(session, scope.person(session, caller, person.id))  # … and for one outside the scope


@router.get("/{person_id}", response_model=PersonPublic)
def read_person(person_id: int, session: SessionDep, caller: CallerDep):
    return person_public(session, _scoped_person(session, caller, person_id))


@router.get("/{person_id}/balance", response_model=BalancePublic)
def read_balance(person_id: int, session: SessionDep, caller: CallerDep):
    _scoped_person(session, caller, person_id)
    minutes = queries.balance_minutes(session, person_id)
    return BalancePublic(person_id=person_id, minutes=minutes, coins_text=coins_text(minutes))


@router.get("/{person_id}/stars", response_model=StarsPublic)
def read_stars(person_id: int, session: SessionDep, caller: CallerDep, policy: PolicyDep):
    _scoped_person(session, caller, person_id)
    status = queries.star_status(session, person_id, policy)
    return StarsPublic(person_id=person_id, level=status.level, lifetime_service_minutes=status.service_minutes,
                       next_level=status.next_level, minutes_to_next_level=status.minutes_to_next_level)


@router.get("/{person_id}/history", response_model=list[HistoryItem])
def read_history(person_id: int, session: SessionDep, caller: CallerDep, limit: int = Query(3, ge=1, le=100)):
    _scoped_person(session, caller, person_id)
    return [HistoryItem(seq=h["seq"], kind=h["kind"], minutes=h["minutes"], at=h["at"].isoformat(), memo=h["memo"])
            for h in queries.history(session, person_id, limit)]


@router.get("/{person_id}/orders", response_model=list[OrderPublic])
def read_orders(person_id: int, session: SessionDep, caller: CallerDep,
                state: list[str] | None = Query(None), active: bool = False):
    _scoped_person(session, caller, person_id)
    wanted = set(state or []) | (set(states.ACTIVE) if active else set())
    return [order_public(session, o) for o in orders.list_orders(session, person_id, wanted or None)]


@router.post("/{person_id}/freeze", response_model=PersonPublic)
def freeze_person(person_id: int, body: FreezeRequest, session: SessionDep, caller: OperatorDep):
    done = people.set_frozen(session, caller, person_id, body.frozen, reason=body.reason)
    return person_public(session, done.value)


@router.post("/{person_id}/qualifications", status_code=201)
def add_qualification(person_id: int, body: QualificationCreate, session: SessionDep, caller: OperatorDep):
    q = people.add_qualification(session, caller, person_id, body.kind, body.expires_on, reason=None,
                                 reason_required=False).value
    return {"id": q.id, "kind": q.kind, "expires_on": q.expires_on}
