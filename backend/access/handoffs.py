"""An operator takes a request for a person (转人工, from the phone or the chat) of their scope: claims
it, records a call back (reached or not), resolves it with the outcome in words. Each step is audited;
another station's request answers exactly like a missing one.

Claiming is first come: a request another operator holds answers Conflict ("已由…接手"); claiming
one's own again changes nothing; a resolved request answers Conflict. Calling back or resolving an unclaimed request
claims it for the operator acting.

A request about a service that went wrong becomes a dispute case on one of its orders (``open_case``):
the case is opened (or the words added to the order's open case) with the conversation as the
complaint's source, and the request is resolved saying so, in one transaction with both audit entries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.disputes import conversation_in_scope
from backend.access.gate import Permit, permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import Conflict, InvalidInput
from backend.desk import handoff_cases
from backend.disputes import cases, words
from backend.models import Dispute, HandoffTicket, Operator
from backend.volunteers.offers import service_name
from backend.volunteers.words import when_text


def visible_ticket(session: Session, who: Principal, ticket_id: int, *, for_update: bool = False) -> HandoffTicket:
    return scope.visible(session, who, HandoffTicket, ticket_id, kind="handoff", for_update=for_update)


def _workable(session: Session, who: Principal, ticket_id: int) -> HandoffTicket:
    ticket = visible_ticket(session, who, ticket_id, for_update=True)
    if ticket.status == "resolved":
        raise Conflict(f"handoff {ticket_id} is resolved", code="already_done", message="这个请求已经办结了。")
    if ticket.claimed_by not in (None, who.operator_id):
        holder = session.get(Operator, ticket.claimed_by)
        raise Conflict(f"handoff {ticket_id} is claimed by operator {ticket.claimed_by}", code="claimed_by_other",
                       message=f"这个请求已由{holder.name if holder else '其他工作人员'}接手。")
    return ticket


def _take(ticket: HandoffTicket, who: Principal, now: datetime) -> None:
    if ticket.claimed_by is None:
        ticket.claimed_by, ticket.claimed_at, ticket.status = who.operator_id, now, "claimed"


def _audit(gate: Permit, session: Session, ticket: HandoffTicket, **kw):
    return gate.audit(session, f"handoff:{ticket.id}", ticket.station_id, **kw)


def claim(session: Session, who: Principal, ticket_id: int, *, now: datetime) -> Done[HandoffTicket]:
    gate = permit(who, "handoff.claim")
    ticket = _workable(session, who, ticket_id)
    if ticket.claimed_by == who.operator_id:
        return Done(ticket, None)
    _take(ticket, who, now)
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, detail={"channel": ticket.channel}))


def call_back(session: Session, who: Principal, ticket_id: int, *, reached: str, note: str,
              now: datetime) -> Done[HandoffTicket]:
    """One call back: reached (yes/no) and a note; the request stays open until resolved."""
    gate = permit(who, "handoff.call_back")
    if reached not in ("yes", "no"):
        raise InvalidInput("reached must be yes or no", code="reached_required", message="请选择是否联系上。")
    ticket = _workable(session, who, ticket_id)
    _take(ticket, who, now)
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, reason=note.strip()[:500] or None,
                               detail={"reached": reached == "yes"}))


def resolve(session: Session, who: Principal, ticket_id: int, *, outcome: str, now: datetime) -> Done[HandoffTicket]:
    gate = permit(who, "handoff.resolve")
    outcome = outcome.strip()[:500]
    if not outcome:
        raise InvalidInput("a resolution needs an outcome", code="outcome_required", message="请写明处理结果。")
    ticket = _workable(session, who, ticket_id)
    _take(ticket, who, now)
    ticket.status, ticket.resolved_at, ticket.outcome = "resolved", now, outcome
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, reason=outcome))


def open_case(session: Session, who: Principal, ticket_id: int, *, order_id: int, text: str, tz: str,
              now: datetime) -> Done[Dispute]:
    """The request becomes the case of ``order_id``, one of the request's orders (``handoff_cases``); an
    order that is not (another person's, not credited, decided already) or out of scope answers like a
    missing one. Audited dispute.open (dispute.statement when the case was open already; none when the
    same words were on it) and handoff.resolve; the entry returned is the case's."""
    opening, resolving = permit(who, "dispute.open"), permit(who, "handoff.resolve")
    ticket = _workable(session, who, ticket_id)
    order = handoff_cases.candidate(session, ticket, order_id)
    if order is None or not scope.can_see_station(session, who, order.station_id):
        raise scope.missing("order", order_id)
    heard = handoff_cases.heard(session, ticket)
    said = cases.complaint(handoff_cases.side(ticket, order), text, heard.source, chat_id=heard.chat_id,
                           call_id=heard.call_id)
    conversation_in_scope(session, who, said)
    case, statement, created = cases.open_case(session, order, said, actor=who.name, now=now)
    outcome = words.handoff_outcome(service_name(session, order.service_slug), when_text(order.start_at, tz))
    _take(ticket, who, now)
    ticket.status, ticket.resolved_at, ticket.outcome = "resolved", now, outcome
    session.flush()
    entry = None if statement is None else opening.audit(
        session, f"dispute:{case.id}", case.station_id, reason=said.text,
        action=None if created else "dispute.statement",
        detail={"order_id": order.id, "side": words.SIDE_ZH[said.side], "source": words.SOURCE_ZH[said.source],
                "handoff_id": ticket.id})
    _audit(resolving, session, ticket, reason=outcome, detail={"dispute_id": case.id, "order_id": order.id})
    return Done(case, entry)
