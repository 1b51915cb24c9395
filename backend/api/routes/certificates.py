"""Service-record certificates: issue and download (scoped), and the public verification page."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response

from backend.access import permit, scope
from backend.api.deps import CallerDep, IdempotencyKey, PolicyDep, SessionDep, SettingsDep, once
from backend.api.schemas.certificates import CertificateIssued, CertificateVerification
from backend.certificates import records, service
from backend.core.config import Settings
from backend.models import Certificate

router = APIRouter(tags=["certificates"])
public_router = APIRouter(tags=["certificates"])


def _verify_url(settings: Settings, code: str) -> str:
    return f"{settings.base_url}/certificates/{code}"


def _issued_public(settings: Settings, cert: Certificate) -> CertificateIssued:
    return CertificateIssued(
        code=cert.code, person_id=cert.person_id, service_minutes=cert.service_minutes, star_level=cert.star_level,
        ledger_seq=cert.ledger_seq, issued_at=cert.issued_at, verify_url=_verify_url(settings, cert.code),
        pdf_url=f"{settings.base_url}/api/v1/certificates/{cert.code}/pdf")


@router.post("/persons/{person_id}/certificates", response_model=CertificateIssued, status_code=201)
def issue_certificate(person_id: int, session: SessionDep, caller: CallerDep, policy: PolicyDep,
                      settings: SettingsDep, key: IdempotencyKey = None):
    gate = permit(caller, "certificate.issue")
    person = scope.person(session, caller, person_id)

    def work():
        cert = service.issue(session, person.id, policy)
        gate.audit(session, f"person:{person.id}", person.station_id, detail={"code": cert.code})
        return _issued_public(settings, cert)
    return once(session, caller, "certificates.issue", key, {"person_id": person_id}, work)


@router.get("/certificates/{code}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def certificate_pdf(code: str, session: SessionDep, caller: CallerDep, policy: PolicyDep, settings: SettingsDep):
    cert = service.load(session, code)
    scope.person(session, caller, cert.person_id)
    body = service.render_pdf(session, cert, policy, verify_url=_verify_url(settings, cert.code),
                              timezone=settings.timezone)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{cert.code}.pdf"'})


@public_router.get("/certificates/{code}", response_model=CertificateVerification)
def verify_certificate(code: str, session: SessionDep, policy: PolicyDep, settings: SettingsDep):
    """Anyone with the code may check it; the answer never carries more than the paper shows."""
    result = service.verify(session, service.load(session, code), policy)
    cert, data = result.certificate, result.data
    return CertificateVerification(
        code=cert.code, valid=result.status == service.Status.VALID, status=result.status, message=result.message,
        name_masked=data.name_masked, id_masked=data.id_masked, service_minutes=cert.service_minutes,
        service_hours_text=records.hours_text(cert.service_minutes), star_level=cert.star_level,
        issued_on=cert.issued_at.astimezone(ZoneInfo(settings.timezone)).date())
