"""What the dispute pages show: a case as a row of the list, and one case with both sides' statements
side by side, the evidence on file in plain words, the decision and who was told, and its history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import audit
from backend.disputes import cases, evidence, words
from backend.ledger.records import Kind
from backend.ledger.statement import WORDS as ENTRY_WORDS
from backend.models import Dispute, LedgerEntry, Operator, Order, OrderMessage, Person, ServiceVisit
from backend.orders import states
from web.console import localtime
from web.console.audit_view import action_text
from web.console.inbox_view import waited_text
from web.console.orders_view import ANOMALY_ZH, anomaly_text, service_names

STATUS_BADGE = {"open": "warn", "decided": "good"}
DECISION_BADGE = {"uphold": "info", "partial": "warn", "revoke": "bad"}
FOLLOW_UP_ZH = {"pending": "还没回访", "done": "已回访"}


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id else None
    return person.name if person else "—"


def row(session: Session, case: Dispute, now: datetime, tz: str) -> dict:
    order = session.get(Order, case.order_id)
    first = next(iter(cases.statements(session, case.id)), None)
    return {"d": case, "order": order, "service": service_names(session).get(order.service_slug, order.service_slug),
            "elder": _name(session, order.recipient_id), "volunteer": _name(session, order.volunteer_id),
            "source": words.SOURCE_ZH.get(case.source, "—"), "side": words.SIDE_ZH.get(case.complainant, "—"),
            "status": words.STATUS_ZH.get(case.status, "—"), "badge": STATUS_BADGE.get(case.status, ""),
            "opened": localtime.show(case.opened_at, tz),
            "waited": waited_text(max(0, int((now - case.opened_at).total_seconds() // 60))),
            "said": (first.text[:60] if first else ""),
            "decision": words.decision_text(case.decision, case.credited_minutes) if case.decision else ""}


def _visit(visit: ServiceVisit | None, tz: str) -> dict | None:
    if visit is None:
        return None
    served = None
    if visit.check_in_at and visit.check_out_at:
        served = int((visit.check_out_at - visit.check_in_at).total_seconds() // 60)
    return {"check_in": localtime.show(visit.check_in_at, tz) if visit.check_in_at else "没有签到",
            "check_out": localtime.show(visit.check_out_at, tz) if visit.check_out_at else "没有签退",
            "distance": None if visit.check_in_distance_m is None else round(visit.check_in_distance_m),
            "served": served}


def _entry_words(entry: LedgerEntry) -> str:
    if entry.kind == Kind.REVERSAL:
        return f"冲正（撤销第{entry.reverses_seq}条）"
    return ENTRY_WORDS.get(entry.kind, "其他记账")


def _history(session: Session, case: Dispute, tz: str) -> list[dict]:
    out = []
    for entry in audit.for_target(session, f"dispute:{case.id}"):
        kind, _, ident = entry.actor.partition(":")
        operator = session.get(Operator, int(ident)) if kind == "operator" and ident.isdigit() else None
        out.append({"at": localtime.show(entry.at, tz), "who": operator.name if operator else "助手",
                    "what": action_text(entry.action), "reason": entry.reason or ""})
    return out


def case_page(session: Session, case: Dispute, now: datetime, tz: str) -> dict:
    order = session.get(Order, case.order_id)
    said = cases.statements(session, case.id)
    found = evidence.gather(session, case)
    decider = session.get(Operator, case.decided_by) if case.decided_by else None
    told = list(session.scalars(select(OrderMessage).where(OrderMessage.order_id == order.id,
                                                           OrderMessage.kind == "dispute").order_by(OrderMessage.id)))
    return {
        "r": row(session, case, now, tz), "order": order, "state_zh": states.STATE_ZH,
        "sides": [(side, label, [s for s in said if s.side == side]) for side, label in words.SIDE_ZH.items()],
        "source_zh": words.SOURCE_ZH, "show": lambda value: localtime.show(value, tz),
        "visit": _visit(found.visit, tz), "evidence": found, "anomaly_zh": ANOMALY_ZH, "anomaly_text": anomaly_text,
        "follow_up_zh": FOLLOW_UP_ZH, "entry_words": _entry_words,
        "names": {order.recipient_id: _name(session, order.recipient_id),
                  order.volunteer_id: _name(session, order.volunteer_id)},
        "decider": decider, "told": [(_name(session, m.person_id), m) for m in told],
        "decisions": words.DECISION_ZH, "history": _history(session, case, tz),
        "credited": order.state in cases.DISPUTABLE,
    }
