"""The console's one search box: people, orders, and calls and chats an operator may see, from one text.

The text is read as a date ("2026-12-03", "2026/12/3", "2026年12月3日": that local day's orders, calls and
chats), a number (digits: an order number, or four or more digits anywhere in a phone number: a last-4
tail finds the person) or else a name. Each group reuses its own page's search rule (``people.search``,
``orders.search``, ``calls.records``, ``chats.records``), so the box finds what those pages find. The
scope is the principal's subtree; what lies outside is simply not found. Like the people, call and chat
pages it reads, it writes no audit entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.access.principal import Principal
from backend.calls import records as call_records
from backend.chats import records as chat_records
from backend.models import Call, Chat, Order, Person, Station
from backend.orders import search as order_search
from backend.people import search as people_search

GROUP_LIMIT = 10
MIN_PHONE_DIGITS = 4
MAX_TEXT = 40
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass
class Found:
    """What one text found, each group at most ``GROUP_LIMIT`` rows with how many match in all.
    ``people``: (person, station) pairs; ``persons``: every person the rows name (elders and
    volunteers of the orders, callers, chatting people), by id, for showing names."""

    text: str
    day: date | None = None
    digits: str = ""  # the text's digits when it is a number (a phone number or an order number)
    people: list[tuple[Person, Station]] = field(default_factory=list)
    people_total: int = 0
    orders: list[Order] = field(default_factory=list)
    orders_total: int = 0
    calls: list[Call] = field(default_factory=list)
    calls_total: int = 0
    chats: list[Chat] = field(default_factory=list)
    chats_total: int = 0
    persons: dict[int, Person] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.people_total + self.orders_total + self.calls_total + self.chats_total


def parse_day(text: str) -> date | None:
    """The local calendar day the whole text names, or None when it names none."""
    found = _DAY.fullmatch(text.strip())
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def find(session: Session, who: Principal, raw: str, *, tz: str, limit: int = GROUP_LIMIT) -> Found:
    text = (raw or "").strip()[:MAX_TEXT]
    found = Found(text)
    if not text:
        return found
    path = who.scope_path
    found.day = parse_day(text)
    if found.day is not None:
        since = datetime.combine(found.day, time(0), ZoneInfo(tz))
        until = since + timedelta(days=1)
        found.orders, found.orders_total = order_search.search(
            session, path, order_search.OrderQuery(since=since, until=until, sort="start", descending=False),
            limit=limit)
        found.calls, found.calls_total = call_records.search_calls(
            session, path, call_records.CallSearch(since=since, until=until), include_unplaced=who.city_level,
            limit=limit)
        found.chats, found.chats_total = chat_records.search(session, path, since=since, until=until, limit=limit)
        return _named(session, found)
    digits = "".join(ch for ch in text if ch.isdigit())
    is_number = bool(digits) and len(digits) == len(re.sub(r"[\s+\-#()]", "", text))
    found.digits = digits if is_number else ""
    if is_number and len(digits) < MIN_PHONE_DIGITS:
        # a short number is an order number, not a piece of everyone's phone number
        order = session.scalar(select(Order).join(Station, Station.id == Order.station_id)
                               .where(Order.id == int(digits), Station.path.startswith(path, autoescape=True)))
        found.orders, found.orders_total = ([order], 1) if order else ([], 0)
        return _named(session, found)
    found.people, found.people_total = people_search.search(session, path, people_search.PeopleSearch(q=text),
                                                            limit=limit)
    found.orders, found.orders_total = order_search.search(session, path, order_search.OrderQuery(text=text),
                                                           limit=limit)
    if is_number:
        found.calls, found.calls_total = call_records.search_calls(
            session, path, call_records.CallSearch(phone=digits), include_unplaced=who.city_level, limit=limit)
        found.chats, found.chats_total = chat_records.search(session, path, phone=digits, limit=limit)
    else:
        named, _ = people_search.search(session, path, people_search.PeopleSearch(q=text), limit=200)
        found.calls, found.calls_total = call_records.search_calls(
            session, path, call_records.CallSearch(person_ids=tuple(p.id for p, _ in named)),
            include_unplaced=False, limit=limit)
        found.chats, found.chats_total = chat_records.search(session, path, name=text, limit=limit)
    return _named(session, found)


def _named(session: Session, found: Found) -> Found:
    ids = {o.recipient_id for o in found.orders} | {o.volunteer_id for o in found.orders if o.volunteer_id}
    ids |= {c.person_id for c in found.calls if c.person_id} | {c.person_id for c in found.chats if c.person_id}
    if ids:
        found.persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return found
