"""My hours: time served, star level and the way to the next, coins, the ledger in plain words,
trainings and qualifications, and the certificate PDF (the same certificate as everywhere else)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, TodayDep
from backend.certificates import service as certificates
from backend.volunteers import preferences, standing
from web.volunteer.deps import VolunteerDep
from web.volunteer.pagekit import attempt, done, flash_for
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")


def _me_page(request, session, volunteer, policy, settings, today, *, flash=None, error=None, status_code=200):
    return render(request, "volunteer/me.html", {
        "standing": standing.of(session, volunteer.id, policy, tz=settings.timezone, today=today),
        "offer_by": preferences.offer_by(session, volunteer.id), "offer_choices": preferences.OFFER_BY,
        "flash": flash, "error": error.message if error else None}, volunteer=volunteer, status_code=status_code)


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep, settings: SettingsDep,
       today: TodayDep, done: str | None = None):
    return _me_page(request, session, volunteer, policy, settings, today, flash=flash_for(session, volunteer, done))


@router.post("/me/offer-by")
def set_offer_by(request: Request, session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep,
                 settings: SettingsDep, today: TodayDep, offer_by: Annotated[str, Form()] = ""):
    _profile, error = attempt(session, lambda: preferences.set_offer_by(session, volunteer.id, offer_by))
    if error is not None:
        return _me_page(request, session, volunteer, policy, settings, today, error=error, status_code=error.status)
    entry = volunteer.audit(session, "volunteer.offer_by", volunteer.actor, volunteer.person.station_id,
                            detail={"offer_by": offer_by})
    return done("/volunteer/me", entry)


@router.post("/certificate")
def certificate(session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep, settings: SettingsDep):
    cert, issued = certificates.current_or_issue(session, volunteer.id, policy)
    volunteer.audit(session, "volunteer.certificate", f"certificate:{cert.code}", volunteer.person.station_id,
                    detail={"issued": issued})
    body = certificates.render_pdf(session, cert, policy, verify_url=f"{settings.base_url}/certificates/{cert.code}",
                                   timezone=settings.timezone)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="certificate-{cert.code}.pdf"',
                             "Cache-Control": "no-store"})
