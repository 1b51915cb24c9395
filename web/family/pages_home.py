"""The family home page (the chat widget beside the member's elders, their requests for a person and the
cases about their services), the elders panel on its own (refreshed after the chat books something),
the certificate download, and the embedding demo."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep, SettingsDep
from backend.certificates import service as certificates
from backend.core.errors import NotFound
from backend.disputes import parties
from web.family import elders
from web.family.deps import FamilyMemberDep
from web.family.render import error_page, render

router = APIRouter(prefix="/family")
log = logging.getLogger("yinling.web.family")

LINK_SENT = "绑定申请已提交。请老人拨打热线说“同意”，或请社区站点工作人员核实。同意以后，这里才会显示老人的信息。"


def _panel_context(session, member, policy, settings) -> dict:
    linked, waiting = elders.summaries(session, member.person.id, policy, settings.timezone)
    cases = parties.for_family(session, member.person.id, datetime.now(timezone.utc))
    return {"elders": linked, "waiting": waiting,
            "requests": elders.requests_for_staff(session, member.person.id, settings.timezone),
            "cases": [parties.view(session, case, "elder", settings.timezone) for case in cases]}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, member: FamilyMemberDep, policy: PolicyDep, settings: SettingsDep,
         link: str | None = None):
    context = _panel_context(session, member, policy, settings)
    pending = any(w.consent == "pending" for w in context["waiting"])
    context["flash"] = LINK_SENT if link == "sent" and pending else None
    return render(request, "family/home.html", context, member=member)


@router.get("/panel", response_class=HTMLResponse)
def panel(request: Request, session: SessionDep, member: FamilyMemberDep, policy: PolicyDep, settings: SettingsDep):
    return render(request, "family/_elders.html", _panel_context(session, member, policy, settings), member=member)


@router.post("/elders/{elder_id}/certificate")
def certificate(request: Request, elder_id: int, session: SessionDep, member: FamilyMemberDep, policy: PolicyDep,
                settings: SettingsDep):
    try:
        elder = elders.elder_for_member(session, member.person.id, elder_id)
    except NotFound as exc:
        log.info("certificate refused: %s", exc.detail)
        return error_page(request, 404, exc.message, member=member)
    cert, issued = elders.certificate_for(session, elder, policy)
    member.audit(session, "family.certificate", f"certificate:{cert.code}", elder.station_id,
                 detail={"elder_id": elder.id, "issued": issued})
    body = certificates.render_pdf(session, cert, policy, verify_url=f"{settings.base_url}/certificates/{cert.code}",
                                   timezone=settings.timezone)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="certificate-{cert.code}.pdf"',
                             "Cache-Control": "no-store"})


@router.get("/embed-demo", response_class=HTMLResponse)
def embed_demo(request: Request, member: FamilyMemberDep):
    """A plain host page that embeds the widget with one script tag and one mount call."""
    return render(request, "family/embed_demo.html", {}, member=member)
