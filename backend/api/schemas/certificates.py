from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class CertificateIssued(BaseModel):
    """Returned to the operator or bot that asked for a certificate."""

    code: str = Field(description="verification code printed on the certificate")
    person_id: int
    service_minutes: int
    star_level: int
    ledger_seq: int = Field(description="ledger head the certificate was read at")
    issued_at: datetime
    verify_url: str = Field(description="public page that checks the code (no login)")
    pdf_url: str = Field(description="the PDF, for authenticated callers")


class CertificateVerification(BaseModel):
    """The public verification answer: only what the paper already shows, with name and ID masked."""

    code: str
    valid: bool
    status: str = Field(description="valid | outdated | mismatch")
    message: str = Field(description="Chinese sentence for the person checking")
    name_masked: str
    id_masked: str | None
    service_minutes: int
    service_hours_text: str
    star_level: int
    issued_on: date
