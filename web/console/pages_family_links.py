"""Family links to verify: a relative asked to act for an elder, and the elder has not consented
by phone yet. An operator who has checked the relation verifies (consented) or rejects (revoked)
the link with a reason; audited; a link already decided is not decided again."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.api.deps import SessionDep, StateDep
from backend.core.errors import NotFound, YinlingError
from backend.models import FamilyLink, Person
from backend.people import registry
from web.console import localtime, people_view, reasons
from web.console.deps import ConsoleOperator, ConsoleOperatorDep, DeciderDep
from web.console.render import render
from web.console.scoping import error_page, require_station

router = APIRouter(prefix="/console")

DONE = {"consented": "已核实，家属现在可以代老人办理。", "revoked": "已驳回这个绑定。"}


def _scoped_link(session, current: ConsoleOperator, link_id: int) -> tuple[FamilyLink, Person]:
    link = session.get(FamilyLink, link_id)
    if link is None:
        raise NotFound(f"family link {link_id} does not exist",
                       message="没有找到这个绑定，或者它不在您的管辖范围内。")
    elder = session.get(Person, link.elder_id)
    require_station(session, current, elder.station_id, "绑定", f"family_link:{link_id}")
    return link, elder


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
def decide(request: Request, link_id: int, session: SessionDep, state: StateDep, current: DeciderDep,
           consent: Annotated[str, Form()], reason: Annotated[str, Form()] = ""):
    try:
        link, elder = _scoped_link(session, current, link_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    try:
        with session.begin_nested():
            why = reasons.required(reason)
            registry.decide_family_link(session, link.id, consent)
            current.audit(session, "family_link.verify" if consent == "consented" else "family_link.reject",
                          f"family_link:{link.id}", elder.station_id, reason=why,
                          detail={"elder_id": link.elder_id, "member_id": link.member_id, "relation": link.relation,
                                  "consent": consent})
    except YinlingError as exc:
        return _page(request, session, state, current, error=exc.message,
                     form={"id": link_id, "consent": consent, "reason": reason}, status_code=exc.status)
    return RedirectResponse(f"/console/people/family-links?done={consent}", status_code=303)
