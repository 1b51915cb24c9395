"""Operator actions on people: freeze or unfreeze an account, add a qualification, verify or reject a
registration, verify or reject a family link. Decisions about accounts are for reviewers and admins;
each needs a reason, is audited, and asking for what already is changes nothing."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import InvalidInput
from backend.ledger.accounts import person_account
from backend.models import FamilyLink, Person, Qualification, Registration
from backend.people import registry
from backend.policy import PolicyProfile

MAX_REASON = 1000


def required_reason(raw: str | None) -> str:
    """The trimmed reason every decision carries into the audit trail; InvalidInput when empty."""
    reason = (raw or "").strip()[:MAX_REASON]
    if not reason:
        raise InvalidInput("a reason is required", code="reason_required", message="请写明原因。")
    return reason


def set_frozen(session: Session, who: Principal, person_id: int, frozen: bool, *, reason: str | None,
               on_change: Callable[[], dict] | None = None) -> Done[Person]:
    """Freeze or unfreeze. ``on_change`` runs after a real change, before the audit entry, and returns
    detail for it (the console ends the person's web sessions there). Asking for the state the account
    is in already changes and audits nothing."""
    gate = permit(who, "person.freeze" if frozen else "person.unfreeze")
    person = scope.person(session, who, person_id)
    why = required_reason(reason)
    if person_account(session, person.id).frozen == frozen:
        return Done(person, None)
    registry.set_frozen(session, person.id, frozen)
    detail = on_change() if on_change else None
    return Done(person, gate.audit(session, f"person:{person.id}", person.station_id, reason=why, detail=detail))


def add_qualification(session: Session, who: Principal, person_id: int, kind: str, expires_on: date | None, *,
                      reason: str | None, reason_required: bool = True) -> Done[Qualification | None]:
    gate = permit(who, "person.add_qualification")
    person = scope.person(session, who, person_id)
    why = required_reason(reason) if reason_required else (reason or "").strip() or None
    same = Qualification.expires_on.is_(None) if expires_on is None else Qualification.expires_on == expires_on
    existing = session.scalar(select(Qualification).where(Qualification.person_id == person.id,
                                                          Qualification.kind == kind, same))
    if existing is not None:
        return Done(existing, None)  # sent twice
    q = registry.add_qualification(session, person.id, kind, expires_on)
    return Done(q, gate.audit(session, f"person:{person.id}", person.station_id, reason=why,
                              detail={"qualification_id": q.id, "kind": kind, "expires_on": expires_on}))


def verify_registration(session: Session, who: Principal, registration_id: int, *, station_id: int,
                        birth_date: date | None, address: str | None, reason: str, policy: PolicyProfile,
                        secret_key: str, today: date) -> Done[Person]:
    gate = permit(who, "registration.verify")
    registration: Registration = scope.registration(session, who, registration_id)
    why = required_reason(reason)
    scope.require_station(session, who, station_id)
    person = registry.verify_registration(session, registration.id, station_id=station_id, birth_date=birth_date,
                                          address=(address or "").strip()[:200] or None, policy=policy,
                                          secret_key=secret_key, today=today)
    return Done(person, gate.audit(session, f"person:{person.id}", station_id, reason=why, detail={
        "registration_id": registration.id, "name": person.name, "phone": person.phone, "roles": person.roles}))


def reject_registration(session: Session, who: Principal, registration_id: int, *, reason: str) -> Done[Registration]:
    gate = permit(who, "registration.reject")
    registration = scope.registration(session, who, registration_id)
    why = required_reason(reason)
    registry.reject_registration(session, registration.id)
    return Done(registration, gate.audit(session, f"registration:{registration.id}", registration.station_id,
                                         reason=why, detail={"name": registration.name}))


def decide_family_link(session: Session, who: Principal, link_id: int, consent: str, *,
                       reason: str | None) -> Done[FamilyLink]:
    """An operator who checked the relation verifies (consented) or rejects (revoked) a pending link.
    The elder's own consent, given on the phone, comes through the assistant (``elder_consents``)."""
    gate = permit(who, "family_link.verify" if consent == "consented" else "family_link.reject")
    link = scope.family_link(session, who, link_id)
    why = required_reason(reason)
    elder = session.get(Person, link.elder_id)
    registry.decide_family_link(session, link.id, consent)
    return Done(link, gate.audit(session, f"family_link:{link.id}", elder.station_id, reason=why, detail={
        "elder_id": link.elder_id, "member_id": link.member_id, "relation": link.relation, "consent": consent}))


def elder_consents(session: Session, who: Principal, link_id: int, consent: str) -> Done[FamilyLink]:
    """The elder consents or withdraws, in their own words on the phone (the assistant's service token)."""
    permit(who, "family_link.consent")
    link = scope.family_link(session, who, link_id)
    link.consent = consent
    session.flush()
    return Done(link, None)


def create_family_link(session: Session, who: Principal, elder_id: int, member_id: int,
                       relation: str) -> Done[FamilyLink]:
    """A relative asks to act for an elder: always pending until the elder consents or a reviewer verifies."""
    gate = permit(who, "family_link.create")
    elder = scope.person(session, who, elder_id)
    link = registry.link_family(session, elder.id, member_id, relation, "pending")
    return Done(link, gate.audit(session, f"family_link:{link.id}", elder.station_id,
                                 detail={"elder_id": elder.id, "member_id": member_id, "relation": relation}))
