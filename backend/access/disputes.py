"""Disputes through the gate: open a case on an order of the caller's scope (an operator, or the
assistant for the caller it identified), record a side's statement, decide. The rules are
``backend.disputes.cases``; here each action passes role, scope and audit. Another street's case,
order, call or chat answers exactly like a missing one and changes nothing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.disputes import cases, words
from backend.ledger.accounts import person_account
from backend.ledger.coin_words import coins_text
from backend.models import Call, Chat, Dispute, Order, Person
from backend.policy import PolicyProfile


def visible_dispute(session: Session, who: Principal, dispute_id: int, *, for_update: bool = False) -> Dispute:
    return scope.visible(session, who, Dispute, dispute_id, kind="dispute", for_update=for_update)


def conversation_in_scope(session: Session, who: Principal, said: cases.Complaint) -> None:
    if said.chat_id is not None:
        scope.visible(session, who, Chat, said.chat_id, kind="chat")
    if said.call_id is not None:
        call = session.get(Call, said.call_id)
        if call is None:
            raise scope.missing("call", said.call_id)
        scope.require_station(session, who, call.station_id, "call", said.call_id)


def conversation_ids(session: Session, source: str, conversation_id: str | None) -> tuple[int | None, int | None]:
    """``(chat_id, call_id)`` of the conversation the assistant knows by its sender id: a chat's
    conversation id (source chat) or a call's SID (source phone). Unknown ids link nothing: the
    complaint itself is what must not be lost (a call or chat not recorded, e.g. the backend was down)."""
    if not conversation_id:
        return None, None
    if source == "chat":
        return session.scalar(select(Chat.id).where(Chat.conversation_id == conversation_id)), None
    if source == "phone":
        return None, session.scalar(select(Call.id).where(Call.call_sid == conversation_id))
    return None, None


def complain(session: Session, who: Principal, order_id: int, *, side: str, text: str, source: str,
             chat_id: int | None = None, call_id: int | None = None, conversation_id: str | None = None,
             now: datetime) -> Done[Dispute]:
    """Opens the order's case (audited dispute.open) or adds the statement to the open one (audited
    dispute.statement); the same complaint sent twice changes nothing the second time. The assistant
    names its conversation by ``conversation_id`` (``conversation_ids``); an operator by chat/call id."""
    gate = permit(who, "dispute.open")
    order = scope.order(session, who, order_id, for_update=True)
    if chat_id is None and call_id is None:
        chat_id, call_id = conversation_ids(session, source, conversation_id)
    said = cases.complaint(side, text, source, chat_id=chat_id, call_id=call_id)
    conversation_in_scope(session, who, said)
    case, statement, created = cases.open_case(session, order, said, actor=who.name, now=now)
    if statement is None:
        return Done(case, None)
    return Done(case, gate.audit(session, f"dispute:{case.id}", case.station_id, reason=said.text,
                                 action=None if created else "dispute.statement",
                                 detail={"order_id": order.id, "side": words.SIDE_ZH[said.side],
                                         "source": words.SOURCE_ZH[said.source]}))


def add_statement(session: Session, who: Principal, dispute_id: int, *, side: str, text: str, heard_via: str,
                  now: datetime) -> Done[Dispute]:
    gate = permit(who, "dispute.statement")
    case = visible_dispute(session, who, dispute_id, for_update=True)
    statement = cases.add_statement(session, case, side, text, heard_via=heard_via, actor=who.name, now=now)
    if statement is None:
        return Done(case, None)
    return Done(case, gate.audit(session, f"dispute:{case.id}", case.station_id, reason=statement.text,
                                 detail={"order_id": case.order_id, "side": words.SIDE_ZH[side],
                                         "source": words.SOURCE_ZH[heard_via]}))


def decide(session: Session, who: Principal, dispute_id: int, *, decision: str, reason: str,
           credited_minutes: int | None = None, freeze_volunteer: bool = False, policy: PolicyProfile, tz: str,
           now: datetime) -> Done[Dispute]:
    """A reviewer's decision, once: the ledger effect, both sides told, one audit entry with the balances
    before and after. The same decision again answers unchanged (no entry); another is refused."""
    gate = permit(who, "dispute.decide")
    chosen = cases.check_decision(decision, reason=reason, credited_minutes=credited_minutes,
                                  freeze_volunteer=freeze_volunteer)
    case = visible_dispute(session, who, dispute_id, for_update=True)
    order = session.get(Order, case.order_id)
    before = _balances(session, order)
    if not cases.decide(session, case, chosen, operator_id=who.operator_id, actor=who.name, policy=policy, tz=tz,
                        now=now):
        return Done(case, None)
    after = _balances(session, order)
    return Done(case, gate.audit(session, f"dispute:{case.id}", case.station_id, reason=chosen.reason, detail={
        "order_id": order.id, "decision": words.decision_text(chosen.decision, chosen.credited_minutes),
        "elder_name": _name(session, order.recipient_id), "volunteer_name": _name(session, order.volunteer_id),
        "elder_before": coins_text(before[0]), "elder_after": coins_text(after[0]),
        "volunteer_before": coins_text(before[1]), "volunteer_after": coins_text(after[1]),
        "volunteer_frozen": chosen.freeze_volunteer}))


def _balances(session: Session, order: Order) -> tuple[int, int]:
    volunteer = person_account(session, order.volunteer_id).balance if order.volunteer_id else 0
    return person_account(session, order.recipient_id).balance, volunteer


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id else None
    return person.name if person else "—"

