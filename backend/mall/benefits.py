"""Care measures (关爱措施) a volunteer qualifies for, each with a code a partner can verify.

Nanjing's measures for star volunteers (seeds/000 line 15: free entry to museums and parks, transit
discounts, restaurants and shops giving volunteers discounts) are benefits: a partner, what they give,
and a star level or hours threshold. The code is ``<benefit>-<person>-<mac>``, the mac an HMAC of both ids
under the deployment's secret key, so nobody can make one up; the partner's check also asks whether the
person still qualifies today (a revoked service can take a star away)."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.certificates.records import hours_text, stars_text
from backend.core.errors import NotFound, PolicyViolation
from backend.ledger import queries
from backend.models import MallBenefit, MallPartner, Person
from backend.policy import PolicyProfile

UNKNOWN_ZH = "这个优惠码不对，请核对后再输入。"


def _mac(secret_key: str, benefit_id: int, person_id: int) -> str:
    digest = hmac.new(secret_key.encode(), f"mall-benefit:{benefit_id}:{person_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:8]


def code_for(secret_key: str, benefit_id: int, person_id: int) -> str:
    return f"{benefit_id}-{person_id}-{_mac(secret_key, benefit_id, person_id)}"


def qualifies(benefit: MallBenefit, level: int, service_minutes: int) -> bool:
    return ((benefit.min_stars is None or level >= benefit.min_stars)
            and (benefit.min_hours is None or service_minutes >= benefit.min_hours * 60))


def threshold_text(benefit: MallBenefit) -> str:
    parts = []
    if benefit.min_stars:
        parts.append(f"{benefit.min_stars}星级及以上")
    if benefit.min_hours:
        parts.append(f"累计服务{benefit.min_hours}小时以上")
    return "，且".join(parts)


@dataclass(frozen=True)
class BenefitPass:
    """A benefit as its holder sees it (``code`` to show) or as a partner's check finds it."""

    benefit: MallBenefit
    partner: MallPartner
    person: Person
    code: str
    stars: str
    hours: str


def for_person(session: Session, person_id: int, policy: PolicyProfile, secret_key: str) -> list[BenefitPass]:
    status = queries.star_status(session, person_id, policy)
    person = session.get(Person, person_id)
    rows = session.execute(select(MallBenefit, MallPartner).join(MallPartner, MallPartner.id == MallBenefit.partner_id)
                           .where(MallBenefit.active.is_(True), MallPartner.active.is_(True))
                           .order_by(MallBenefit.id)).all()
    levels = len(policy.star_thresholds_hours)
    return [BenefitPass(b, p, person, code_for(secret_key, b.id, person_id), stars_text(status.level, levels),
                        hours_text(status.service_minutes))
            for b, p in rows if qualifies(b, status.level, status.service_minutes)]


def verify(session: Session, *, partner_id: int, code: str, policy: PolicyProfile, secret_key: str) -> BenefitPass:
    """The benefit and holder behind ``code``, if it is this partner's and the holder still qualifies."""
    parts = (code or "").strip().upper().split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 9 or len(parts[1]) > 12:
        raise NotFound(f"benefit code {code!r} malformed", code="unknown_benefit_code", message=UNKNOWN_ZH)
    benefit_id, person_id = int(parts[0]), int(parts[1])
    benefit = session.get(MallBenefit, benefit_id)
    person = session.get(Person, person_id)
    if (benefit is None or person is None or benefit.partner_id != partner_id or not benefit.active
            or not hmac.compare_digest(parts[2], _mac(secret_key, benefit_id, person_id))):
        raise NotFound(f"benefit code {code!r} not valid for partner {partner_id}", code="unknown_benefit_code",
                       message=UNKNOWN_ZH)
    status = queries.star_status(session, person_id, policy)
    if not qualifies(benefit, status.level, status.service_minutes) or person.status != "verified":
        raise PolicyViolation(f"person {person_id} no longer qualifies for benefit {benefit_id}",
                              code="benefit_not_qualified", message="这位志愿者现在不符合这项优惠的条件。")
    return BenefitPass(benefit, session.get(MallPartner, partner_id), person, code_for(secret_key, benefit_id, person_id),
                       stars_text(status.level, len(policy.star_thresholds_hours)), hours_text(status.service_minutes))
