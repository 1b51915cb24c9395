"""Issuing and verifying certificates.

A certificate row records what was stated (hours, stars, content hash) and the ledger head it
was read at. Verification re-reads the ledger up to that head: if the content hash no longer
matches, the stated entries were changed; if a stated credit was reversed later, the certificate
is outdated. Either way the holder should ask for a new one.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.certificates import pdf, records
from backend.certificates.records import CertificateData
from backend.core.errors import NotFound
from backend.models import Certificate
from backend.models.base import utcnow
from backend.policy import PolicyProfile

# No 0/O, 1/I/L: a code read aloud over the phone or copied from paper stays unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


class Status:
    """Verification outcomes."""

    VALID = "valid"          # the ledger still says what the certificate says
    OUTDATED = "outdated"    # a stated credit was reversed after issue
    MISMATCH = "mismatch"    # the stated entries or person details no longer read back the same


STATUS_MESSAGES = {
    Status.VALID: "证明有效，与账本记录一致。",
    Status.OUTDATED: "证明已过期：开具后有服务记录被撤销，请重新开具。",
    Status.MISMATCH: "证明与当前账本记录不一致，请重新开具。",
}


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one certificate against the ledger."""

    certificate: Certificate
    data: CertificateData
    status: str
    reversed_seqs: tuple[int, ...]

    @property
    def message(self) -> str:
        return STATUS_MESSAGES[self.status]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """Accept what people type: lower case, spaces or dashes between groups."""
    return "".join(ch for ch in raw.upper() if ch not in " -")


def issue(session: Session, person_id: int, policy: PolicyProfile, *, now: datetime | None = None) -> Certificate:
    """Read the person's record at the current head and store a certificate for it."""
    data = records.gather(session, person_id, policy)
    code = new_code()
    while session.get(Certificate, code) is not None:  # 31^12 codes: practically never loops
        code = new_code()
    cert = Certificate(code=code, person_id=person_id, service_minutes=data.service_minutes,
                       star_level=data.star_level, ledger_seq=data.ledger_seq,
                       content_hash=records.content_hash(data), issued_at=now or utcnow())
    session.add(cert)
    session.flush()
    return cert


def current_or_issue(session: Session, person_id: int, policy: PolicyProfile) -> tuple[Certificate, bool]:
    """The person's certificate at the current ledger head: the one already issued at this head if any
    (a double click does not issue two), else a new one. Returns (certificate, newly issued)."""
    existing = session.scalar(select(Certificate).where(
        Certificate.person_id == person_id, Certificate.ledger_seq == records.head_seq(session))
        .order_by(Certificate.issued_at.desc()).limit(1))
    if existing is not None:
        return existing, False
    return issue(session, person_id, policy), True


def load(session: Session, code: str) -> Certificate:
    normalized = normalize_code(code)
    cert = session.get(Certificate, normalized) if 0 < len(normalized) <= 20 else None
    if cert is None:
        raise NotFound(f"no certificate with code {code!r}", code="certificate_not_found",
                       message="没有找到这份证明，请核对验证码。")
    return cert


def stated_data(session: Session, cert: Certificate, policy: PolicyProfile) -> CertificateData:
    """The certificate's data re-read from the ledger as of its issue-time head."""
    return records.gather(session, cert.person_id, policy, upto_seq=cert.ledger_seq)


def verify(session: Session, cert: Certificate, policy: PolicyProfile) -> Verification:
    data = stated_data(session, cert, policy)
    reversed_seqs = tuple(records.later_reversals(session, data))
    if (records.content_hash(data) != cert.content_hash or data.service_minutes != cert.service_minutes
            or data.star_level != cert.star_level):
        status = Status.MISMATCH
    elif reversed_seqs:
        status = Status.OUTDATED
    else:
        status = Status.VALID
    return Verification(certificate=cert, data=data, status=status, reversed_seqs=reversed_seqs)


def render_pdf(session: Session, cert: Certificate, policy: PolicyProfile, *, verify_url: str,
               timezone: str) -> bytes:
    """The certificate's PDF, re-rendered from the ledger as it stood when it was issued."""
    stamp = pdf.Stamp(code=cert.code, verify_url=verify_url, issued_at=cert.issued_at,
                      content_hash=cert.content_hash, star_levels=len(policy.star_thresholds_hours),
                      timezone=timezone)
    return pdf.render(stated_data(session, cert, policy), stamp)
