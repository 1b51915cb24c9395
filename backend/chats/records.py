"""Writing and reading chat transcripts.

A member has at most one open chat. It ends when they press 重新开始 (``end_reason`` restart) or when
they come back after ``IDLE`` (idle); the next message starts a new chat with a new conversation id, so
the assistant starts afresh and a new 转人工 opens a new ticket.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.ledger.records import Kind
from backend.models import (Account, Chat, ChatMessage, FamilyLink, HandoffTicket, LedgerEntry, Order, Person,
                            Posting, Station)

IDLE = timedelta(hours=6)
MEMBER, ASSISTANT = "member", "assistant"
GIFT_KINDS = (Kind.GIFT, Kind.DONATION)


def current(session: Session, person_id: int, now: datetime) -> Chat | None:
    """The member's open chat, if it has not gone idle (an idle one is ended here)."""
    chat = session.scalar(select(Chat).where(Chat.person_id == person_id, Chat.status == "open")
                          .order_by(Chat.id.desc()).limit(1).with_for_update())
    if chat is not None and now - chat.last_at > IDLE:
        end(session, chat, "idle", now)
        return None
    return chat


def current_or_new(session: Session, person_id: int, now: datetime) -> Chat:
    chat = current(session, person_id, now)
    if chat is None:
        person = session.get(Person, person_id)
        chat = Chat(conversation_id=f"family-{person_id}-{secrets.token_hex(6)}", person_id=person_id,
                    station_id=person.station_id if person else None, started_at=now, last_at=now)
        session.add(chat)
        session.flush()
    return chat


def end(session: Session, chat: Chat, reason: str, now: datetime) -> None:
    if chat.status == "open":
        chat.status, chat.end_reason, chat.ended_at = "ended", reason, now
        session.flush()


def add(session: Session, chat: Chat, speaker: str, text: str = "", *, now: datetime, kind: str = "text",
        order_id: int | None = None, handoff_id: int | None = None, entry_seq: int | None = None) -> ChatMessage:
    seq = (session.scalar(select(func.max(ChatMessage.seq)).where(ChatMessage.chat_id == chat.id)) or 0) + 1
    message = ChatMessage(chat_id=chat.id, seq=seq, speaker=speaker, kind=kind, text=text, order_id=order_id,
                          handoff_id=handoff_id, entry_seq=entry_seq, at=now)
    session.add(message)
    chat.last_at = now
    session.flush()
    return message


def record_answer(session: Session, chat: Chat, texts: list[str], order_ids: list[int], *, now: datetime,
                  entry_seqs: list[int] = ()) -> None:
    """The assistant's answer: its messages, the orders it reported making (only the member's own or their
    elders' orders requested by them are linked), the gifts and donations it reported making (only
    ``gift_entry`` ones), and any handoff ticket this conversation opened."""
    for text in texts:
        add(session, chat, ASSISTANT, text, now=now)
    linked = set(session.scalars(select(ChatMessage.order_id).where(ChatMessage.chat_id == chat.id,
                                                                    ChatMessage.order_id.is_not(None))))
    for order_id in order_ids:
        order = session.get(Order, order_id)
        if order is not None and order.id not in linked and chat.person_id in (order.requested_by_id, order.recipient_id):
            add(session, chat, ASSISTANT, kind="order", order_id=order.id, now=now)
            linked.add(order.id)
    for entry_seq in entry_seqs:
        entry = gift_entry(session, chat, entry_seq)
        if entry is not None:
            add(session, chat, ASSISTANT, kind="gift", entry_seq=entry.seq, now=now)
    known = set(session.scalars(select(ChatMessage.handoff_id).where(ChatMessage.chat_id == chat.id,
                                                                     ChatMessage.handoff_id.is_not(None))))
    for ticket in session.scalars(select(HandoffTicket).where(HandoffTicket.conversation_id == chat.conversation_id)
                                  .order_by(HandoffTicket.id)):
        if ticket.id not in known:
            add(session, chat, ASSISTANT, kind="handoff", handoff_id=ticket.id, now=now)


def gift_entry(session: Session, chat: Chat, entry_seq: int) -> LedgerEntry | None:
    """The ledger entry ``entry_seq`` if a chat may be linked to it: a gift or donation made in the chat
    channel out of the member's own account or a consented linked elder's, and not yet linked to any chat.
    The event naming it comes from the assistant's answer, so it is never taken on trust."""
    entry = session.get(LedgerEntry, entry_seq)
    if entry is None or entry.kind not in GIFT_KINDS or entry.channel != "chat":
        return None
    if session.scalar(select(ChatMessage.id).where(ChatMessage.entry_seq == entry.seq).limit(1)) is not None:
        return None
    givers = {chat.person_id, *session.scalars(select(FamilyLink.elder_id).where(
        FamilyLink.member_id == chat.person_id, FamilyLink.consent == "consented"))}
    debited = session.scalars(select(Account.person_id).join(Posting, Posting.account_id == Account.id)
                              .where(Posting.entry_seq == entry.seq, Posting.amount < 0))
    return entry if any(person_id in givers for person_id in debited) else None


def chats_of_entry(session: Session, entry_seqs: list[int]) -> dict[int, Chat]:
    """``{entry seq: chat}`` for the entries among ``entry_seqs`` that a chat produced."""
    if not entry_seqs:
        return {}
    return dict(session.execute(select(ChatMessage.entry_seq, Chat).join(Chat, Chat.id == ChatMessage.chat_id)
                                .where(ChatMessage.entry_seq.in_(entry_seqs))).all())


def messages(session: Session, chat_id: int) -> list[ChatMessage]:
    return list(session.scalars(select(ChatMessage).where(ChatMessage.chat_id == chat_id).order_by(ChatMessage.seq)))


def chats_of_order(session: Session, order_id: int) -> list[Chat]:
    return list(session.scalars(select(Chat).join(ChatMessage, ChatMessage.chat_id == Chat.id)
                                .where(ChatMessage.order_id == order_id).distinct().order_by(Chat.id)))


def chat_of_handoff(session: Session, ticket: HandoffTicket) -> Chat | None:
    return session.scalar(select(Chat).where(Chat.conversation_id == ticket.conversation_id))


def search(session: Session, scope_path: str, *, phone: str | None = None, name: str | None = None,
           since: datetime | None = None, until: datetime | None = None, review_status: str | None = None,
           limit: int = 20, offset: int = 0) -> tuple[list[Chat], int]:
    """One page of chats in ``scope_path``'s subtree, newest first, and how many match in all."""
    where = [Station.path.startswith(scope_path, autoescape=True)]
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits:
        where.append(Person.phone.contains(digits, autoescape=True))
    if name:
        where.append(Person.name.contains(name, autoescape=True))
    if since is not None:
        where.append(Chat.last_at >= since)
    if until is not None:
        where.append(Chat.started_at < until)
    if review_status:
        where.append(Chat.review_status == review_status)
    base = (select(Chat).join(Station, Station.id == Chat.station_id).join(Person, Person.id == Chat.person_id)
            .where(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Chat.last_at.desc(), Chat.id.desc()).limit(limit).offset(offset))
    return list(rows), total
