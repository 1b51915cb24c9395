"""What the two parties read about a case on their own pages: the family member about the elders they act
for with consent, the volunteer about the services they gave.

Each party sees the case's stage (已登记: opened; 核实中: the other side has been heard too; 已处理: decided),
their own side's words only, and what the decision meant for them, coins included in the shared wording
(``coins_text``). Someone else's case answers exactly like a missing one (``NotFound``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.disputes import cases, words
from backend.ledger.coin_words import coins_text
from backend.ledger.records import Kind
from backend.models import Account, Dispute, FamilyLink, LedgerEntry, Order, Person, Posting
from backend.people.registry import acting_link
from backend.volunteers.offers import service_name
from backend.volunteers.words import when_text

STAGE_ZH = {"opened": "已登记", "looking": "核实中", "decided": "已处理"}
RECENT = timedelta(days=60)  # decided cases stay on the lists this long; their pages stay reachable


@dataclass(frozen=True)
class CaseView:
    """One case as a party reads it. ``side``: elder (the family's view) | volunteer; ``stage``: opened |
    looking | decided; ``text``: one sentence on where it stands or what was decided, with the coins;
    ``decided``: the decision's name (维持原记录 …), None while open;
    ``own_words``: what this side said, as recorded; ``coins``: minutes the decision moved into (+) or
    out of (−) this side's account (0 before a decision)."""

    id: int
    side: str
    service: str
    when: str
    elder_name: str
    volunteer_name: str
    stage: str
    stage_zh: str
    text: str
    opened: str
    decided: str | None
    decided_at: str | None
    source_zh: str
    own_words: list[str]
    coins: int


def coins_moved(session: Session, case: Dispute, person_id: int | None) -> int:
    """The minutes the decision moved for one person: their postings on the order's reversals and on the
    entries the decision wrote (keyed ``dispute:<id>:…``). 0 before a decision."""
    if case.status != "decided" or person_id is None:
        return 0
    decision_entries = select(LedgerEntry.seq).where(
        LedgerEntry.order_id == case.order_id,
        or_(LedgerEntry.kind == Kind.REVERSAL, LedgerEntry.idempotency_key.startswith(f"dispute:{case.id}:")))
    return session.scalar(select(func.coalesce(func.sum(Posting.amount), 0))
                          .join(Account, Account.id == Posting.account_id)
                          .where(Account.person_id == person_id, Posting.entry_seq.in_(decision_entries))) or 0


def _coins_words(minutes: int, whose: str) -> str:
    if minutes > 0:
        return f"{coins_text(minutes)}退回{whose}的账户"
    if minutes < 0:
        return f"从{whose}的账户扣回{coins_text(-minutes)}"
    return f"{whose}的时间币不变"


def stage_of(session: Session, case: Dispute) -> str:
    if case.status == "decided":
        return "decided"
    sides = {s.side for s in cases.statements(session, case.id)}
    return "looking" if len(sides) > 1 else "opened"


def _text(case: Dispute, stage: str, side: str, coins: int, elder_name: str) -> str:
    if stage == "opened":
        if side == case.complainant:
            return "已登记，工作人员会尽快核实。"
        return ("老人一方对这次服务有意见，工作人员会联系您了解情况。" if side == "volunteer"
                else "志愿者对这次服务有意见，工作人员会联系老人了解情况。")
    if stage == "looking":
        return "工作人员正在核实，双方的说法都已记下。"
    if case.decision == "uphold":
        return "经核实，服务记录不变，" + ("时间币不变。" if side == "elder" else "服务时长照记。")
    how = f"服务按{case.credited_minutes}分钟记" if case.decision == "partial" else "这次服务不算"
    return f"{how}，{_coins_words(coins, elder_name if side == 'elder' else '您')}。"


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id else None
    return person.name if person else "—"


def view(session: Session, case: Dispute, side: str, tz: str) -> CaseView:
    order = session.get(Order, case.order_id)
    elder_name = _name(session, order.recipient_id)
    stage = stage_of(session, case)
    coins = coins_moved(session, case, order.recipient_id if side == "elder" else order.volunteer_id)
    decided = words.DECISION_ZH.get(case.decision) if case.decision else None
    return CaseView(
        id=case.id, side=side, service=service_name(session, order.service_slug), when=when_text(order.start_at, tz),
        elder_name=elder_name, volunteer_name=_name(session, order.volunteer_id), stage=stage,
        stage_zh=STAGE_ZH[stage], text=_text(case, stage, side, coins, elder_name),
        opened=when_text(case.opened_at, tz), decided=decided,
        decided_at=when_text(case.decided_at, tz) if case.decided_at else None, source_zh=words.SOURCE_ZH.get(case.source, "—"),
        own_words=[s.text for s in cases.statements(session, case.id) if s.side == side], coins=coins)


def _listed(query, now: datetime):
    return (query.where(or_(Dispute.status == "open", Dispute.decided_at >= now - RECENT))
            .order_by(Dispute.opened_at.desc(), Dispute.id.desc()).limit(20))


def for_family(session: Session, member_id: int, now: datetime) -> list[Dispute]:
    """Cases on the orders of the elders the member acts for with consent: open ones and recent decisions."""
    elders = select(FamilyLink.elder_id).where(FamilyLink.member_id == member_id, FamilyLink.consent == "consented")
    return list(session.scalars(_listed(select(Dispute).join(Order, Order.id == Dispute.order_id)
                                         .where(Order.recipient_id.in_(elders)), now)))


def for_volunteer(session: Session, volunteer_id: int, now: datetime) -> list[Dispute]:
    """Cases on the services the volunteer gave: open ones and recent decisions."""
    return list(session.scalars(_listed(select(Dispute).join(Order, Order.id == Dispute.order_id)
                                        .where(Order.volunteer_id == volunteer_id), now)))


def _missing(dispute_id: int, who: str) -> NotFound:
    return NotFound(f"dispute {dispute_id} is not {who}'s", code="dispute_not_found", message="没有找到这个投诉。")


def family_case(session: Session, member_id: int, dispute_id: int) -> Dispute:
    """The case if it is about an elder the member acts for with consent; NotFound otherwise."""
    case = session.get(Dispute, dispute_id)
    order = session.get(Order, case.order_id) if case else None
    if order is None or acting_link(session, member_id, order.recipient_id) is None:
        raise _missing(dispute_id, f"family member {member_id}")
    return case


def volunteer_case(session: Session, volunteer_id: int, dispute_id: int) -> Dispute:
    """The case if it is about a service the volunteer gave; NotFound otherwise."""
    case = session.get(Dispute, dispute_id)
    order = session.get(Order, case.order_id) if case else None
    if order is None or order.volunteer_id != volunteer_id:
        raise _missing(dispute_id, f"volunteer {volunteer_id}")
    return case
