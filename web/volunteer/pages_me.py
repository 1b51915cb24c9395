"""My hours: time served, star level and the way to the next, coins, the ledger in plain words,
trainings and qualifications, and the certificate PDF (the same certificate as everywhere else)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, TodayDep
from backend.certificates import service as certificates
from backend.volunteers import standing
from web.volunteer.deps import VolunteerDep
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep, settings: SettingsDep,
       today: TodayDep):
    return render(request, "volunteer/me.html",
                  {"standing": standing.of(session, volunteer.id, policy, tz=settings.timezone, today=today)},
                  volunteer=volunteer)


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
