from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import CallerDep, SessionDep, check_person_scope
from backend.api.schemas.people import FamilyLinkCreate, FamilyLinkPublic
from backend.core.errors import NotFound
from backend.models import FamilyLink
from backend.people import registry

router = APIRouter(prefix="/family-links", tags=["family"])


@router.post("", response_model=FamilyLinkPublic, status_code=201)
def create_link(body: FamilyLinkCreate, session: SessionDep, caller: CallerDep):
    check_person_scope(session, caller, registry.get_person(session, body.elder_id))
    consent = body.consent if caller.kind == "operator" else "pending"
    return registry.link_family(session, body.elder_id, body.member_id, body.relation, consent)


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
