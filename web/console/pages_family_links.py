"""Family links to verify: a relative asked to act for an elder, and the elder has not consented
by phone yet. An operator who has checked the relation verifies (consented) or rejects (revoked)
the link with a reason; audited; a link already decided is not decided again."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.api.deps import SessionDep, StateDep
from backend.access import people
from backend.core.text import FormText
from backend.people import registry
from web.console import localtime, people_view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, refusal
from web.console.render import render

router = APIRouter(prefix="/console")

DONE = {"consented": "已核实，家属现在可以代老人办理。", "revoked": "已驳回这个绑定。"}


def _page(request, session, state, current, *, flash=None, error=None, form=None, status_code=200):
    rows = registry.list_family_links(session, consents=["pending"], station_path_prefix=current.station.path,
                                      limit=200)
    tz = state.settings.timezone
    return render(request, "console/family_links.html", {
        "rows": [{"link": link, "elder": elder, "member": member, "created": localtime.show(link.created_at, tz),
                  "relation": people_view.RELATION_ZH.get(link.relation, link.relation)}
                 for link, elder, member in rows],
        "flash": flash, "error": error, "form": form or {},
    }, operator=current, status_code=status_code)


@router.get("/people/family-links", response_class=HTMLResponse)
def pending_links(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                  done: str = ""):
    return _page(request, session, state, current, flash=DONE.get(done))


@router.post("/people/family-links/{link_id:int}", response_class=HTMLResponse)
def decide(request: Request, link_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
           consent: Annotated[str, Form()], reason: Annotated[FormText, Form()] = ""):
    _result, error = attempt(session, lambda: people.decide_family_link(session, current.principal, link_id, consent,
                                                                        reason=reason))
    if error is not None:
        page = refusal(request, current, error, back_url="/console/people/family-links", back_label="返回绑定")
        return page or _page(request, session, state, current, error=error.message,
                             form={"id": link_id, "consent": consent, "reason": reason}, status_code=error.status)
    return RedirectResponse(f"/console/people/family-links?done={consent}", status_code=303)
