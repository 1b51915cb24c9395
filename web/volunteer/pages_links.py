"""The short link in an offer SMS: ``/v/<code>`` opens the volunteer pages at that offer. The link grants
nothing: the volunteer pages still need the volunteer's own login, and whoever else opens it sees only
the login page (or, for an unknown code, a short Chinese page)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from backend.api.deps import SessionDep
from backend.messaging import outbox
from web.volunteer.render import render

router = APIRouter()


@router.get("/v/{code}")
def short_link(request: Request, code: str, session: SessionDep):
    message = outbox.find_link(session, code)
    if message is None:
        return render(request, "volunteer/link_unknown.html", {}, status_code=404)
    return RedirectResponse(f"/volunteer/#offer-{message.order_id}", status_code=303)
