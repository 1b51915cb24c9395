"""What the inbox pages show: the waiting requests for a person with who waits and for how long, the
other queues' counts with links, and one request with its conversation and its history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sqlalchemy import or_, select

from backend.access import audit, scope
from backend.access.principal import Principal
from backend.chats import records as chats
from backend.desk import handoff_cases, inbox
from backend.disputes import words
from backend.models import Dispute, HandoffTicket, Operator, Order, Person, Station
from backend.orders import states
from web.console import localtime
from backend.volunteers.offers import service_name
from web.console.audit_view import action_text

STATUS_ZH = {"open": "等待接手", "claimed": "处理中", "resolved": "已办结"}
STATUS_BADGE = {"open": "warn", "claimed": "info", "resolved": "good"}
CHANNEL_ZH = {"phone": "电话", "chat": "家属聊天"}
# Every reason the hotline (ivr/) and the assistant (bot/actions/) open a request with; a test keeps it complete.
REASON_ZH = {"caller asked for a person": "本人要求转人工", "caller pressed 0": "来电人按0",
             "caller pressed 0 in the keypad menu": "来电人在按键菜单里按0",
             "the assistant handed off": "助手转人工", "two misunderstandings in a row": "助手两次没听懂",
             "complaint without a credited service": "要投诉，但没找到可投诉的服务"}
SPEAKER_ZH = {"caller": "来电人/家属", "assistant": "助手"}


def reason_text(reason: str | None) -> str:
    if not reason:
        return "—"
    return REASON_ZH.get(reason, "请求转人工" if reason.isascii() else reason)


def waited_text(minutes: int) -> str:
    if minutes < 1:
        return "不到1分钟"
    if minutes < 60:
        return f"{minutes}分钟"
    hours, rest = divmod(minutes, 60)
    return f"{hours}小时{rest}分钟" if hours < 24 else f"{hours // 24}天{hours % 24}小时"


def row(session: Session, ticket: HandoffTicket, now: datetime, tz: str) -> dict:
    person = session.get(Person, ticket.person_id) if ticket.person_id else None
    holder = session.get(Operator, ticket.claimed_by) if ticket.claimed_by else None
    said = inbox.transcript(ticket)
    last = next((t["text"] for t in reversed(said) if t.get("speaker") == "caller"), "")
    return {"t": ticket, "person": person, "phone": ticket.phone or (person.phone if person else None),
            "station": session.get(Station, ticket.station_id) if ticket.station_id else None,
            "channel": CHANNEL_ZH.get(ticket.channel, "其他"), "status": STATUS_ZH.get(ticket.status, "—"),
            "badge": STATUS_BADGE.get(ticket.status, ""), "holder": holder,
            "created": localtime.show(ticket.created_at, tz), "waited": waited_text(inbox.waited_minutes(ticket, now)),
            "reason": reason_text(ticket.reason), "last": last[:60]}


def _order_choice(session: Session, order: Order, tz: str) -> dict:
    case = session.scalar(select(Dispute).where(Dispute.order_id == order.id))
    names = {p.id: p.name for p in session.scalars(select(Person).where(
        Person.id.in_([order.recipient_id, order.volunteer_id])))}
    return {"id": order.id, "service": service_name(session, order.service_slug),
            "when": localtime.show(order.start_at, tz),
            "elder": names.get(order.recipient_id, "—"), "volunteer": names.get(order.volunteer_id, "—"),
            "state": states.STATE_ZH.get(order.state, order.state), "open_case": case.id if case else None}


def cases_of(session: Session, ticket: HandoffTicket, who: Principal) -> list[dict]:
    """The cases this request's conversation was linked to, those the operator may see."""
    heard = handoff_cases.heard(session, ticket)
    linked = ([Dispute.chat_id == heard.chat_id] if heard.chat_id else []) + \
        ([Dispute.call_id == heard.call_id] if heard.call_id else [])
    if not linked:
        return []
    found = session.scalars(select(Dispute).where(or_(*linked)).order_by(Dispute.id))
    return [{"id": d.id, "status": words.STATUS_ZH.get(d.status, "—")} for d in found
            if scope.can_see_station(session, who, d.station_id)]


def ticket_page(session: Session, ticket: HandoffTicket, now: datetime, tz: str, who: Principal) -> dict:
    """The request's page; ``who``: the operator, whose scope filters the orders and cases shown (a linked
    elder may live in another street)."""
    chat = chats.chat_of_handoff(session, ticket) if ticket.channel == "chat" else None
    history = []
    for entry in audit.for_target(session, f"handoff:{ticket.id}"):
        kind, _, ident = entry.actor.partition(":")
        name = session.get(Operator, int(ident)).name if kind == "operator" and ident.isdigit() else "助手"
        history.append({"at": localtime.show(entry.at, tz), "who": name, "what": action_text(entry.action),
                        "reason": entry.reason or ""})
    return {"r": row(session, ticket, now, tz), "chat": chat,
            "transcript": [{"speaker": SPEAKER_ZH.get(t.get("speaker"), "—"), "text": t["text"],
                            "side": "caller" if t.get("speaker") == "caller" else "assistant"}
                           for t in inbox.transcript(ticket)],
            "history": history, "mine": ticket.claimed_by == who.operator_id,
            "resolved_at": localtime.show(ticket.resolved_at, tz),
            "orders": [_order_choice(session, o, tz) for o in handoff_cases.candidate_orders(session, ticket)
                       if scope.can_see_station(session, who, o.station_id)],
            "cases": cases_of(session, ticket, who)}
