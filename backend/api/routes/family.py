from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backend.api.deps import CallerDep, SessionDep, check_person_scope
from backend.api.schemas.people import FamilyLinkCreate, FamilyLinkDetailPublic, FamilyLinkPublic
from backend.core.errors import NotFound
from backend.models import FamilyLink
from backend.people import registry

router = APIRouter(prefix="/family-links", tags=["family"])


@router.post("", response_model=FamilyLinkPublic, status_code=201)
def create_link(body: FamilyLinkCreate, session: SessionDep, caller: CallerDep):
    check_person_scope(session, caller, registry.get_person(session, body.elder_id))
    consent = body.consent if caller.kind == "operator" else "pending"
    return registry.link_family(session, body.elder_id, body.member_id, body.relation, consent)


@router.get("", response_model=list[FamilyLinkDetailPublic])
def list_links(session: SessionDep, caller: CallerDep, elder_id: int | None = None, member_id: int | None = None,
               consent: list[Literal["pending", "consented", "revoked"]] | None = Query(None),
               limit: int = Query(100, ge=1, le=500)):
    """Links of one elder (the assistant reads an elder's pending links back to them), of one
    member, or, with neither, every link whose elder is in the caller's scope (operator review).
    A person outside the caller's scope is refused; links to elders outside it are never listed."""
    for person_id in (elder_id, member_id):
        if person_id is not None:
            check_person_scope(session, caller, registry.get_person(session, person_id))
    rows = registry.list_family_links(session, elder_id=elder_id, member_id=member_id, consents=consent,
                                      station_path_prefix=caller.scope_path, limit=limit)
    return [FamilyLinkDetailPublic(id=link.id, elder_id=link.elder_id, member_id=link.member_id,
                                   relation=link.relation, consent=link.consent, elder_name=elder.name,
                                   member_name=member.name, created_at=link.created_at)
            for link, elder, member in rows]


class ConsentUpdate(BaseModel):
    consent: Literal["consented", "revoked"]


@router.post("/{link_id}/consent", response_model=FamilyLinkPublic)
def set_consent(link_id: int, body: ConsentUpdate, session: SessionDep, caller: CallerDep):
    """The elder consents (by phone, through the assistant) or an operator verifies the link."""
    link = session.get(FamilyLink, link_id)
    if link is None:
        raise NotFound(f"family link {link_id} does not exist")
    check_person_scope(session, caller, registry.get_person(session, link.elder_id))
    link.consent = body.consent
    session.flush()
    return link
