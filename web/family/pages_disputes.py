"""A case about one of the member's elders (投诉处理): where it stands, what was decided and what it meant
for the elder's coins, and what the elder's side said (``backend.disputes.parties``). A case about
anyone else answers the same 404 page as a missing one."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import SessionDep, SettingsDep
from backend.core.errors import NotFound
from backend.disputes import parties
from web.family.deps import FamilyMemberDep
from web.family.render import error_page, render

router = APIRouter(prefix="/family")
log = logging.getLogger("yinling.web.family")


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
def dispute_page(request: Request, dispute_id: int, session: SessionDep, member: FamilyMemberDep,
                 settings: SettingsDep):
    try:
        case = parties.family_case(session, member.person.id, dispute_id)
    except NotFound as exc:
        log.info("dispute page refused: %s", exc.detail)
        return error_page(request, 404, exc.message, member=member)
    return render(request, "family/dispute.html", {"c": parties.view(session, case, "elder", settings.timezone)},
                  member=member)
