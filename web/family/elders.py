"""What a family member may see and do for their elders, read straight from the domain services.

Only links the elder consented to (or an operator verified) open anything: balance, stars, open
orders and the service-record certificate. Pending and revoked links show just the masked phone
number the member typed, the relation and the status — never the elder's name or data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.catalogue.catalogue import get_service
from backend.certificates import records
from backend.certificates import service as certificates
from backend.core.errors import InvalidInput, NotFound
from backend.ledger import queries
from backend.ledger.coin_words import coins_text
from backend.desk import inbox
from backend.models import Certificate, Operator, Person
from backend.orders import service as orders
from backend.orders import states
from backend.people import registry
from backend.policy import PolicyProfile

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class OrderLine:
    id: int
    service_name: str
    when: str
    state_zh: str


@dataclass(frozen=True)
class ElderSummary:
    elder_id: int
    name: str
    relation: str
    balance_text: str
    stars_text: str
    orders: list[OrderLine]


@dataclass(frozen=True)
class WaitingLink:
    link_id: int
    phone_tail: str
    relation: str
    consent: str


def when_text(moment: datetime, timezone: str) -> str:
    """11月23日（周一）09:00 in the local time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def _service_name(session: Session, slug: str) -> str:
    try:
        return get_service(session, slug).name_zh
    except InvalidInput:
        return slug


def open_orders(session: Session, elder_id: int, timezone: str) -> list[OrderLine]:
    rows = sorted(orders.list_orders(session, elder_id, set(states.ACTIVE)), key=lambda o: o.start_at)
    return [OrderLine(o.id, _service_name(session, o.service_slug), when_text(o.start_at, timezone),
                      states.STATE_ZH.get(o.state, o.state)) for o in rows]


def summaries(session: Session, member_id: int, policy: PolicyProfile,
              timezone: str) -> tuple[list[ElderSummary], list[WaitingLink]]:
    """The member's consented elders with their data, and the links still waiting (or revoked)."""
    elders, waiting = [], []
    levels = len(policy.star_thresholds_hours)
    for link, elder, _member in registry.list_family_links(session, member_id=member_id):
        if link.consent != "consented":
            waiting.append(WaitingLink(link.id, elder.phone[-4:], link.relation, link.consent))
            continue
        stars = queries.star_status(session, elder.id, policy)
        elders.append(ElderSummary(
            elder_id=elder.id, name=elder.name, relation=link.relation,
            balance_text=coins_text(queries.balance_minutes(session, elder.id)),
            stars_text=records.stars_text(stars.level, levels), orders=open_orders(session, elder.id, timezone)))
    return elders, waiting


def elder_for_member(session: Session, member_id: int, elder_id: int) -> Person:
    """The elder, if this member may act for them; NotFound otherwise (same answer whether the
    person does not exist or is simply not theirs, so ids cannot be probed)."""
    if registry.acting_link(session, member_id, elder_id) is None:
        raise NotFound(f"person {member_id} has no consented link to {elder_id}", code="not_linked",
                       message="没有找到这位老人，或者老人还没有同意绑定。")
    return registry.get_person(session, elder_id)


def certificate_for(session: Session, elder: Person, policy: PolicyProfile) -> tuple[Certificate, bool]:
    """The elder's certificate at the current ledger head (``certificates.current_or_issue``)."""
    return certificates.current_or_issue(session, elder.id, policy)


@dataclass(frozen=True)
class StaffRequest:
    """A request for a person (转人工) the member made, as they see it."""

    id: int
    asked: str  # local time asked
    status: str  # open | claimed | resolved
    text: str  # in words: received / who took it / the outcome


def requests_for_staff(session: Session, member_id: int, tz: str, *, days: int = 3) -> list[StaffRequest]:
    """The member's requests for a person: every one not yet resolved, and those resolved in ``days``."""
    now = datetime.now(ZoneInfo("UTC"))
    shown = []
    for ticket in inbox.requests_of(session, member_id, since=now - timedelta(days=days)):
        holder = session.get(Operator, ticket.claimed_by) if ticket.claimed_by else None
        if ticket.status == "resolved":
            text = f"已办结（{holder.name if holder else '工作人员'}）：{ticket.outcome}"
        elif holder is not None:
            text = f"工作人员{holder.name}已接手，会尽快联系您。"
        else:
            text = "已收到，正在等工作人员接手。工作时间一般半小时内会联系您。"
        shown.append(StaffRequest(ticket.id, ticket.created_at.astimezone(ZoneInfo(tz)).strftime("%m月%d日 %H:%M"),
                                  ticket.status, text))
    return shown
