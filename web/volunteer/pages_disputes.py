"""A case about a service the volunteer gave (投诉): where it stands, what was decided and what it meant
for their coins, and what they said themselves (``backend.disputes.parties``). Anyone else's case answers
the same 404 page as a missing one."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import SessionDep, SettingsDep
from backend.core.errors import NotFound
from backend.disputes import parties
from web.volunteer.deps import VolunteerDep
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")
log = logging.getLogger("yinling.web.volunteer")


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
def dispute_page(request: Request, dispute_id: int, session: SessionDep, volunteer: VolunteerDep,
                 settings: SettingsDep):
    try:
        case = parties.volunteer_case(session, volunteer.id, dispute_id)
    except NotFound as exc:
        log.info("dispute page refused: %s", exc.detail)
        return render(request, "volunteer/dispute.html", {"error": exc.message, "c": None}, volunteer=volunteer,
                      status_code=404)
    return render(request, "volunteer/dispute.html", {"c": parties.view(session, case, "volunteer", settings.timezone)},
                  volunteer=volunteer)
