from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.access import people, scope
from backend.api.deps import CallerDep, SessionDep
from backend.api.schemas.people import FamilyLinkCreate, FamilyLinkDetailPublic, FamilyLinkPublic
from backend.people import registry

router = APIRouter(prefix="/family-links", tags=["family"])


@router.post("", response_model=FamilyLinkPublic, status_code=201)
def create_link(body: FamilyLinkCreate, session: SessionDep, caller: CallerDep):
    """A link starts pending; an operator who asks for it consented verifies it in the same request
    (a reviewer's or admin's decision, audited like the console's)."""
    link = people.create_family_link(session, caller, body.elder_id, body.member_id, body.relation).value
    if body.consent == "consented" and not caller.is_service:
        link = people.decide_family_link(session, caller, link.id, "consented", reason="登记时已核实亲属关系").value
    return link


@router.get("", response_model=list[FamilyLinkDetailPublic])
def list_links(session: SessionDep, caller: CallerDep, elder_id: int | None = None, member_id: int | None = None,
               consent: list[Literal["pending", "consented", "revoked"]] | None = Query(None),
               limit: int = Query(100, ge=1, le=500)):
    """Links of one elder (the assistant reads an elder's pending links back to them), of one
    member, or, with neither, every link whose elder is in the caller's scope (operator review).
    A person outside the caller's scope is refused; links to elders outside it are never listed."""
    for person_id in (elder_id, member_id):
        if person_id is not None:
            scope.person(session, caller, person_id)
    rows = registry.list_family_links(session, elder_id=elder_id, member_id=member_id, consents=consent,
                                      station_path_prefix=caller.scope_path, limit=limit)
    return [FamilyLinkDetailPublic(id=link.id, elder_id=link.elder_id, member_id=link.member_id,
                                   relation=link.relation, consent=link.consent, elder_name=elder.name,
                                   member_name=member.name, created_at=link.created_at)
            for link, elder, member in rows]


class ConsentUpdate(BaseModel):
    consent: Literal["consented", "revoked"]
    reason: str | None = Field(None, max_length=300)


@router.post("/{link_id}/consent", response_model=FamilyLinkPublic)
def set_consent(link_id: int, body: ConsentUpdate, session: SessionDep, caller: CallerDep):
    """The elder consents or withdraws by phone, through the assistant; or a reviewer verifies or rejects
    a pending link, with a reason."""
    if caller.is_service:
        return people.elder_consents(session, caller, link_id, body.consent).value
    return people.decide_family_link(session, caller, link_id, body.consent, reason=body.reason).value
