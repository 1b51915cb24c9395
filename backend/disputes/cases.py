"""The rules of a dispute: open a case (or add to the open one), record a side's statement, decide.

Every check on the input runs before anything is written (``complaint``, ``check_decision``); the
ledger moves go through the fulfilment's reversal path, in the caller's transaction, so a refusal
half-way (coins already spent) leaves nothing behind once the caller rolls back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, InvalidInput
from backend.disputes import words
from backend.fulfilment import completion
from backend.ledger.accounts import person_account
from backend.messaging import compose, outbox
from backend.models import Dispute, DisputeStatement, Order, Person
from backend.orders import states
from backend.orders.service import get_order
from backend.policy import PolicyProfile
from backend.volunteers.offers import service_name
from backend.volunteers.words import when_text

SIDES = tuple(words.SIDE_ZH)
SOURCES = tuple(words.SOURCE_ZH)
DECISIONS = tuple(words.DECISION_ZH)
DISPUTABLE = (states.COMPLETED, states.RATED)  # credited services (a held one is the review queue's)
MAX_TEXT = 1000


@dataclass(frozen=True)
class Complaint:
    """``side``: who complains (elder | volunteer); ``text``: what they said; ``source``: where it was
    heard; ``chat_id`` / ``call_id``: the conversation it was made in, if any."""

    side: str
    text: str
    source: str
    chat_id: int | None = None
    call_id: int | None = None


def complaint(side: str, text: str | None, source: str, *, chat_id: int | None = None,
              call_id: int | None = None) -> Complaint:
    """A checked complaint (trimmed); InvalidInput naming what is wrong."""
    check_side(side)
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {list(SOURCES)}", code="invalid_source", message="请选择投诉来源。")
    return Complaint(side, statement_text(text), source, chat_id, call_id)


def check_side(side: str) -> None:
    if side not in SIDES:
        raise InvalidInput(f"side must be one of {list(SIDES)}", code="invalid_side", message="请选择是哪一方说的。")


def statement_text(text: str | None) -> str:
    said = (text or "").strip()[:MAX_TEXT]
    if not said:
        raise InvalidInput("a statement needs words", code="statement_required", message="请写下对方说的内容。")
    return said


def case_of(session: Session, order_id: int) -> Dispute | None:
    return session.scalar(select(Dispute).where(Dispute.order_id == order_id))


def open_case(session: Session, order: Order, said: Complaint, *, actor: str,
              now: datetime) -> tuple[Dispute, DisputeStatement | None, bool]:
    """The order's case with the complaint on it: ``(case, statement, created)``. An open case gets the
    statement added (and the conversation, if it had none); the same words from the same side again add
    nothing (statement None)."""
    case = case_of(session, order.id)
    if case is None:
        if order.state not in DISPUTABLE:
            raise Conflict(f"order {order.id} is {order.state}; only credited services are disputed",
                           code="not_disputable", message=(
                               f"订单{states.STATE_ZH.get(order.state, order.state)}，不能登记投诉。"
                               "还在核查的服务请在审核队列处理。"))
        case = Dispute(order_id=order.id, station_id=order.station_id, source=said.source, complainant=said.side,
                       chat_id=said.chat_id, call_id=said.call_id, opened_by=actor, opened_at=now, status="open")
        session.add(case)
        session.flush()
        return case, add_statement(session, case, said.side, said.text, heard_via=said.source, actor=actor, now=now), True
    statement = add_statement(session, case, said.side, said.text, heard_via=said.source, actor=actor, now=now)
    if statement is not None and case.chat_id is None and case.call_id is None:
        case.chat_id, case.call_id = said.chat_id, said.call_id  # the first conversation heard joins the case
    return case, statement, False


def add_statement(session: Session, case: Dispute, side: str, text: str, *, heard_via: str, actor: str,
                  now: datetime) -> DisputeStatement | None:
    """One side's words on an open case; None when the same side said the same already."""
    check_side(side)
    text = statement_text(text)
    if heard_via not in SOURCES:
        raise InvalidInput(f"heard_via must be one of {list(SOURCES)}", code="invalid_source", message="请选择是怎么听到的。")
    if case.status != "open":
        raise Conflict(f"dispute {case.id} is decided", code="dispute_decided", message="这个投诉已经处理完了。")
    same = session.scalar(select(DisputeStatement.id).where(DisputeStatement.dispute_id == case.id,
                                                            DisputeStatement.side == side, DisputeStatement.text == text))
    if same is not None:
        return None
    statement = DisputeStatement(dispute_id=case.id, side=side, text=text, heard_via=heard_via, recorded_by=actor, at=now)
    session.add(statement)
    session.flush()
    return statement


def statements(session: Session, case_id: int) -> list[DisputeStatement]:
    return list(session.scalars(select(DisputeStatement).where(DisputeStatement.dispute_id == case_id)
                                .order_by(DisputeStatement.id)))


def from_rating(session: Session, order: Order, *, role: str, stars: int, comment: str | None, by_person_id: int,
                now: datetime) -> Dispute | None:
    """A rating marked as a complaint opens the order's case (a decided case is left as it is)."""
    existing = case_of(session, order.id)
    if existing is not None and existing.status != "open":
        return None
    said = complaint("volunteer" if role == "volunteer" else "elder", comment or f"评价{stars}星并投诉", "rating")
    return open_case(session, order, said, actor=f"person:{by_person_id}", now=now)[0]


@dataclass(frozen=True)
class Decision:
    """``decision``: uphold | partial | revoke; ``credited_minutes``: what stands (partial only);
    ``reason``: why, kept on the case and the audit entry; ``freeze_volunteer``: with a revocation."""

    decision: str
    reason: str
    credited_minutes: int | None = None
    freeze_volunteer: bool = False


def check_decision(decision: str, *, reason: str | None, credited_minutes: int | None = None,
                   freeze_volunteer: bool = False) -> Decision:
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {list(DECISIONS)}", code="invalid_decision",
                           message="请选择处理结果。")
    why = (reason or "").strip()[:MAX_TEXT]
    if not why:
        raise InvalidInput("a decision needs a reason", code="reason_required", message="请写明处理理由。")
    if decision == "partial":
        if not isinstance(credited_minutes, int) or isinstance(credited_minutes, bool) or credited_minutes <= 0:
            raise InvalidInput(f"partial needs the minutes that stand, got {credited_minutes!r}",
                               code="invalid_minutes", message="部分核减请填写核减后的服务分钟数。")
    else:
        credited_minutes = None
    return Decision(decision, why, credited_minutes, freeze_volunteer and decision == "revoke")


def decide(session: Session, case: Dispute, chosen: Decision, *, operator_id: int | None, actor: str,
           policy: PolicyProfile, tz: str, now: datetime) -> bool:
    """Takes the decision (False: the same decision was taken already, nothing changes)."""
    if case.status == "decided":
        if case.decision == chosen.decision and case.credited_minutes == chosen.credited_minutes:
            return False
        raise Conflict(f"dispute {case.id} is decided ({case.decision})", code="dispute_decided",
                       message=f"这个投诉已经处理过了（{words.decision_text(case.decision, case.credited_minutes)}），不能再改。")
    order = get_order(session, case.order_id, for_update=True)
    if chosen.decision != "uphold" and order.state not in DISPUTABLE:
        raise Conflict(f"order {order.id} is {order.state}", code="order_not_credited",
                       message=f"订单{states.STATE_ZH.get(order.state, order.state)}，只能维持现状。")
    elder_before = person_account(session, order.recipient_id).balance
    case.served_minutes_before = order.served_minutes
    if chosen.decision == "partial":
        completion.reduce_credit(session, order.id, credited_minutes=chosen.credited_minutes, policy=policy,
                                 operator=actor, reason=chosen.reason, key=f"dispute:{case.id}", at=now)
    elif chosen.decision == "revoke":
        completion.revoke(session, order.id, operator=actor, reason=f"纠纷处理：{chosen.reason}",
                          freeze_volunteer=chosen.freeze_volunteer, at=now)
    case.status, case.decision, case.credited_minutes = "decided", chosen.decision, chosen.credited_minutes
    case.decision_reason, case.decided_by, case.decided_at = chosen.reason, operator_id, now
    refunded = person_account(session, order.recipient_id).balance - elder_before
    _tell_both(session, case, order, refunded=refunded, tz=tz, now=now)
    session.flush()
    return True


def _tell_both(session: Session, case: Dispute, order: Order, *, refunded: int, tz: str, now: datetime) -> None:
    service, when = service_name(session, order.service_slug), when_text(order.start_at, tz)
    told = set()
    for side, person_id in (("elder", order.recipient_id), ("elder", order.requested_by_id),
                            ("volunteer", order.volunteer_id)):
        if person_id is None or person_id in told:
            continue
        told.add(person_id)
        outcome = words.outcome_for(side, case.decision, credited_minutes=case.credited_minutes, refunded=refunded)
        outbox.notify(session, order, session.get(Person, person_id), "dispute",
                      compose.dispute_outcome(service=service, when=when, outcome=outcome), now=now)
