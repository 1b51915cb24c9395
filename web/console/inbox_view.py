"""What the inbox pages show: the waiting requests for a person with who waits and for how long, the
other queues' counts with links, and one request with its conversation and its history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import audit
from backend.chats import records as chats
from backend.desk import inbox
from backend.models import HandoffTicket, Operator, Person, Station
from web.console import localtime
from web.console.audit_view import action_text

STATUS_ZH = {"open": "等待接手", "claimed": "处理中", "resolved": "已办结"}
STATUS_BADGE = {"open": "warn", "claimed": "info", "resolved": "good"}
CHANNEL_ZH = {"phone": "电话", "chat": "家属聊天"}
REASON_ZH = {"caller asked for a person": "本人要求转人工", "caller pressed 0": "来电人按0",
             "assistant could not understand": "助手两次没听懂"}
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


def ticket_page(session: Session, ticket: HandoffTicket, now: datetime, tz: str, operator_id: int) -> dict:
    chat = chats.chat_of_handoff(session, ticket) if ticket.channel == "chat" else None
    history = []
    for entry in audit.for_target(session, f"handoff:{ticket.id}"):
        who = entry.actor.partition(":")
        name = session.get(Operator, int(who[2])).name if who[0] == "operator" and who[2].isdigit() else "助手"
        history.append({"at": localtime.show(entry.at, tz), "who": name, "what": action_text(entry.action),
                        "reason": entry.reason or ""})
    return {"r": row(session, ticket, now, tz), "chat": chat,
            "transcript": [{"speaker": SPEAKER_ZH.get(t.get("speaker"), "—"), "text": t["text"],
                            "side": "caller" if t.get("speaker") == "caller" else "assistant"}
                           for t in inbox.transcript(ticket)],
            "history": history, "mine": ticket.claimed_by == operator_id,
            "resolved_at": localtime.show(ticket.resolved_at, tz)}
