"""What the people pages show: the scoped search, and one person's page (roles, balance, stars,
orders, family links, qualifications, the audit entries about them). ID numbers only ever masked."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.ledger import queries
from backend.ledger.coin_words import coins_text
from backend.ledger.accounts import person_account
from backend.models import Order, Person, Qualification, ServiceItem, Station
from backend.orders.states import STATE_ZH
from backend.people import registry
from backend.people.search import PAGE_SIZE, PeopleSearch, search  # noqa: F401  the people page's search
from backend.policy import PolicyProfile
from web.auth import audit
from web.console import audit_view, localtime

ROLE_ZH = {"elder": "老人", "volunteer": "志愿者", "family": "家属"}
STATUS_ZH = {"pending": "待核实", "verified": "已核实", "frozen": "已冻结", "closed": "已注销"}
STATUS_BADGE = {"pending": "warn", "verified": "good", "frozen": "bad", "closed": ""}
CONSENT_ZH = {"pending": "待确认", "consented": "已同意", "revoked": "已撤销"}
RELATION_ZH = {"spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙辈", "grandparent": "祖辈",
               "sibling": "兄弟姐妹", "other": "其他"}
QUALIFICATION_ZH = {"doctor": "医生", "nurse": "护士", "lawyer": "律师", "counsellor": "心理咨询师"}


def roles_text(person: Person) -> str:
    return "、".join(ROLE_ZH.get(r, r) for r in person.roles) or "—"


def person_page(session: Session, person: Person, scope_path: str, policy: PolicyProfile, tz: str) -> dict:
    """Everything the person page shows, for a person already checked to be in scope."""
    balance = queries.balance_minutes(session, person.id)
    stars = queries.star_status(session, person.id, policy)
    services = dict(session.execute(select(ServiceItem.slug, ServiceItem.name_zh)).all())
    orders = session.scalars(select(Order).where(or_(Order.recipient_id == person.id,
                                                     Order.volunteer_id == person.id))
                             .order_by(Order.created_at.desc(), Order.id.desc()).limit(10))
    links = [(link, elder, member, "elder" if elder.id == person.id else "member")
             for key in ("elder_id", "member_id")
             for link, elder, member in registry.list_family_links(session, station_path_prefix=scope_path,
                                                                    **{key: person.id})]
    entries = sorted(audit.for_target(session, f"person:{person.id}"), key=lambda e: e.id, reverse=True)
    names = audit_view.actor_names(session, entries)
    return {
        "person": person, "station": session.get(Station, person.station_id), "roles": roles_text(person),
        "status": STATUS_ZH.get(person.status, person.status), "status_badge": STATUS_BADGE.get(person.status, ""),
        "frozen": person_account(session, person.id).frozen,
        "balance": coins_text(balance), "balance_minutes": balance,
        "stars": stars, "service_hours": stars.service_minutes // 60,
        "orders": [{"order": o, "state": STATE_ZH.get(o.state, o.state), "service": services.get(o.service_slug, o.service_slug),
                    "start": localtime.show(o.start_at, tz), "as": "服务对象" if o.recipient_id == person.id else "志愿者"}
                   for o in orders],
        "links": [{"link": link, "elder": elder, "member": member, "side": side,
                   "relation": RELATION_ZH.get(link.relation, link.relation),
                   "consent": CONSENT_ZH.get(link.consent, link.consent)} for link, elder, member, side in links],
        "qualifications": list(session.scalars(select(Qualification).where(Qualification.person_id == person.id)
                                               .order_by(Qualification.id))),
        "qualification_zh": QUALIFICATION_ZH,
        "audit": [{"entry": e, "at": localtime.show(e.at, tz), "who": audit_view.actor_text(names, e.actor),
                   "what": audit_view.action_text(e.action)} for e in entries],
    }


def has_qualification(session: Session, person_id: int, kind: str, expires_on) -> bool:
    return session.scalar(select(Qualification.id).where(
        Qualification.person_id == person_id, Qualification.kind == kind,
        Qualification.expires_on.is_(None) if expires_on is None else Qualification.expires_on == expires_on)) is not None
