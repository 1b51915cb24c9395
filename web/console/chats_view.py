"""What the chat pages show: the list's rows, one chat's transcript with what it produced (orders, gifts and
donations, requests for a person), in the same words as the call pages."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.principal import Principal
from backend.chats import records
from backend.ledger.coin_words import coins_text
from backend.models import (Account, Chat, HandoffTicket, LedgerEntry, Operator, Order, Person, Posting, ServiceItem,
                            Station)
from backend.orders.states import STATE_ZH
from web.console import localtime
from web.console.calls_view import REVIEW_BADGE, REVIEW_ZH

PAGE_SIZE = 20
STATUS_ZH = {"open": "进行中", "ended": "已结束"}
END_ZH = {"restart": "家属点了重新开始", "idle": "长时间没有新消息"}
SPEAKER_ZH = {"member": "家属", "assistant": "助手"}
GIFT_ZH = {"gift": "赠送", "donation": "捐赠"}
HANDOFF_ZH = {"open": "等待处理", "claimed": "处理中", "resolved": "已办结"}


@dataclass
class ChatSearchForm:
    phone: str = ""
    name: str = ""
    date_from: str = ""
    date_to: str = ""
    review: str = ""
    page: int = 1

    def query(self, page: int) -> str:
        values = {"phone": self.phone, "name": self.name, "date_from": self.date_from, "date_to": self.date_to,
                  "review": self.review}
        return urlencode({**{k: v for k, v in values.items() if v}, "page": page})


def search(session: Session, scope_path: str, form: ChatSearchForm, tz: str) -> tuple[list[Chat], int]:
    since = localtime.parse_day(form.date_from, "开始日期")
    until = localtime.parse_day(form.date_to, "结束日期")
    return records.search(session, scope_path, phone=form.phone or None, name=form.name or None,
                          since=localtime.day_start(since, tz) if since else None,
                          until=localtime.day_end(until, tz) if until else None,
                          review_status=form.review if form.review in REVIEW_ZH else None,
                          limit=PAGE_SIZE, offset=(form.page - 1) * PAGE_SIZE)


def list_rows(session: Session, chats: list[Chat], tz: str) -> list[dict]:
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({c.person_id for c in chats})))}
    stations = {s.id: s for s in session.scalars(select(Station).where(Station.id.in_({c.station_id for c in chats})))}
    rows = []
    for chat in chats:
        said = records.messages(session, chat.id)
        first = next((m.text for m in said if m.speaker == records.MEMBER and m.kind == "text"), "")
        rows.append({"chat": chat, "person": people.get(chat.person_id), "station": stations.get(chat.station_id),
                     "started": localtime.show(chat.started_at, tz), "last": localtime.show(chat.last_at, tz),
                     "status": STATUS_ZH.get(chat.status, "—"), "count": sum(m.kind == "text" for m in said),
                     "first": first[:40], "orders": sum(m.kind == "order" for m in said),
                     "handoffs": sum(m.kind == "handoff" for m in said),
                     "review": REVIEW_ZH.get(chat.review_status, "—"), "review_badge": REVIEW_BADGE.get(chat.review_status, "")})
    return rows


def gift_items(session: Session, who: Principal, said: list) -> dict[int, dict]:
    """``{entry seq: what the page shows}`` for the gifts and donations the chat made whose giver ``who``
    may see (the link goes to the giver's ledger page); the others show only that a gift was made."""
    seqs = {m.entry_seq for m in said if m.entry_seq}
    if not seqs:
        return {}
    rows = session.execute(select(Posting.entry_seq, Posting.amount, Person)
                           .join(Account, Account.id == Posting.account_id).join(Person, Person.id == Account.person_id)
                           .where(Posting.entry_seq.in_(seqs), Posting.amount < 0)).all()
    return {seq: {"seq": seq, "giver": giver, "coins": coins_text(-amount)} for seq, amount, giver in rows
            if scope.can_see_station(session, who, giver.station_id)}


def chat_page(session: Session, who: Principal, chat: Chat, tz: str) -> dict:
    """Everything the chat page shows, for a chat already checked to be in ``who``'s scope."""
    said = records.messages(session, chat.id)
    gifts = gift_items(session, who, said)
    kinds = dict(session.execute(select(LedgerEntry.seq, LedgerEntry.kind).where(
        LedgerEntry.seq.in_({m.entry_seq for m in said if m.entry_seq}))).all())
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_({m.order_id for m in said if m.order_id})))}
    tickets = {t.id: t for t in session.scalars(select(HandoffTicket).where(
        HandoffTicket.id.in_({m.handoff_id for m in said if m.handoff_id})))}
    services = dict(session.execute(select(ServiceItem.slug, ServiceItem.name_zh)).all())
    items = []
    for m in said:
        item = {"message": m, "speaker": SPEAKER_ZH.get(m.speaker, "—"), "at": localtime.show(m.at, tz, with_seconds=True)}
        if m.order_id in orders:
            o = orders[m.order_id]
            item["order"] = {"id": o.id, "service": services.get(o.service_slug, "服务"), "state": STATE_ZH.get(o.state, "—"),
                             "start": localtime.show(o.start_at, tz)}
        if m.kind == "gift":
            item["gift"] = gifts.get(m.entry_seq, {})
            item["gift_kind"] = GIFT_ZH.get(kinds.get(m.entry_seq), "赠送")
        if m.handoff_id in tickets:
            item["handoff"] = {"id": m.handoff_id, "status": HANDOFF_ZH.get(tickets[m.handoff_id].status, "—")}
        items.append(item)
    reviewer = session.get(Operator, chat.reviewed_by) if chat.reviewed_by else None
    return {"chat": chat, "row": list_rows(session, [chat], tz)[0], "items": items,
            "end_reason": END_ZH.get(chat.end_reason or "", "—"), "ended": localtime.show(chat.ended_at, tz),
            "reviewer": reviewer, "reviewed_at": localtime.show(chat.reviewed_at, tz)}
