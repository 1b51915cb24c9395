"""A request for a person turned into a dispute case (``backend.access.handoffs.open_case``), on a real
database (SQLite and PostgreSQL): the request's orders are those of the person who asked (their elders
with consent, the services they gave); the case gets the conversation as its source and the request is
resolved saying so, both audited; another street's request, an order that is not the request's, not
credited or decided already answer like missing ones, and every refusal stores nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.access import handoffs
from backend.access.principal import Principal
from backend.api.schemas.calls import CallCreate
from backend.calls import records as calls
from backend.chats import records as chats
from backend.core.db import unit_of_work
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.desk import handoff_cases
from backend.disputes import cases
from backend.fulfilment.visits import check_in, check_out
from backend.matching.dispatch import accept
from backend.models import (AuditEntry, Dispute, DisputeStatement, FamilyLink, HandoffTicket, Order, Person,
                            Station)
from tests import factories
from tests.backend import authz_world as w

TZ = "Asia/Shanghai"


@pytest.fixture
def world(state):
    return w.build(state)


def operator(state, world, street: str = "street_a", operator_id: int = 1) -> Principal:
    with unit_of_work(state.sessions) as s:
        path = s.get(Station, world.tree[street]).path
    return Principal(kind="operator", name=f"operator:{operator_id}", operator_id=operator_id, role="clerk",
                     scope_path=path, city_level=False)


def served_order(world, which: str = "a") -> int:
    """Booked, accepted, checked in and out at the elder's door: credited, and the elder paid."""
    order_id = w.open_order(world, which)
    volunteer = world.volunteers[which]
    with unit_of_work(world.state.sessions) as s:
        order = accept(s, order_id, volunteer, channel="phone", now=datetime.now(timezone.utc))
        check_in(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at)
    with unit_of_work(world.state.sessions) as s:
        order = s.get(Order, order_id)
        check_out(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at + timedelta(minutes=60),
                  policy=world.state.policy, tz=TZ)
        assert order.state == "completed"
    return order_id


def family_member(world, which: str = "a", consent: str = "consented") -> int:
    with unit_of_work(world.state.sessions) as s:
        member = factories.person(s, world.state.policy, world.street(which), roles=("family",), age=45, name="家属")
        s.add(FamilyLink(elder_id=world.elders[which], member_id=member.id, relation="child", consent=consent))
        return member.id


def chat_request(world, member_id: int) -> tuple[int, int]:
    """(ticket id, chat id): the member's chat with a 转人工 in it, and the request it opened."""
    now = datetime.now(timezone.utc)
    with unit_of_work(world.state.sessions) as s:
        chat = chats.current_or_new(s, member_id, now)
        chats.add(s, chat, chats.MEMBER, "志愿者上周只来了半小时，我要转人工", now=now)
        chats.end(s, chat, "restart", now)
        ticket = HandoffTicket(person_id=member_id, station_id=chat.station_id, channel="chat",
                               conversation_id=chat.conversation_id, reason="caller asked for a person",
                               transcript_json=json.dumps([{"speaker": "caller", "text": "我要转人工"}]))
        s.add(ticket)
        s.flush()
        return ticket.id, chat.id


def phone_request(world, person_id: int, sid: str) -> tuple[int, int]:
    """(ticket id, call id): a hotline call of the person that pressed 0."""
    with unit_of_work(world.state.sessions) as s:
        call = calls.open_call(s, CallCreate(call_sid=sid, caller_phone=None))
        person = s.get(Person, person_id)
        call.person_id, call.station_id = person.id, person.station_id
        ticket = HandoffTicket(person_id=person_id, station_id=person.station_id, channel="phone", conversation_id=sid,
                               reason="caller pressed 0", transcript_json="[]")
        s.add(ticket)
        s.flush()
        return ticket.id, call.id


def open_case(state, who, ticket_id: int, order_id: int, text: str = "志愿者只来了半小时"):
    with unit_of_work(state.sessions) as s:
        done = handoffs.open_case(s, who, ticket_id, order_id=order_id, text=text, tz=TZ,
                                  now=datetime.now(timezone.utc))
        return done.value.id, done.entry.action if done.entry else None


def audits(state, target: str) -> list[AuditEntry]:
    with state.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id)))


def test_open_case__a_family_chat_request_becomes_the_elders_case_and_is_resolved(state, world):
    member = family_member(world)
    order_id, other_elders = served_order(world), served_order(world, "b")
    not_credited = w.open_order(world, "a")
    ticket_id, chat_id = chat_request(world, member)
    with unit_of_work(state.sessions) as s:
        offered = [o.id for o in handoff_cases.candidate_orders(s, s.get(HandoffTicket, ticket_id))]
    assert order_id in offered and other_elders not in offered and not_credited not in offered

    case_id, action = open_case(state, operator(state, world), ticket_id, order_id)
    assert action == "dispute.open"
    with state.sessions() as s:
        case, ticket = s.get(Dispute, case_id), s.get(HandoffTicket, ticket_id)
        assert (case.order_id, case.source, case.complainant, case.chat_id, case.call_id, case.status) == (
            order_id, "chat", "elder", chat_id, None, "open")
        [said] = s.scalars(select(DisputeStatement).where(DisputeStatement.dispute_id == case_id))
        assert (said.side, said.text, said.heard_via) == ("elder", "志愿者只来了半小时", "chat")
        assert (ticket.status, ticket.claimed_by) == ("resolved", 1)
        assert ticket.outcome.startswith("已登记为投诉") and "陪伴聊天" in ticket.outcome
    [resolved] = audits(state, f"handoff:{ticket_id}")
    assert resolved.action == "handoff.resolve" and json.loads(resolved.detail_json)["dispute_id"] == case_id
    [opened] = audits(state, f"dispute:{case_id}")
    assert opened.reason == "志愿者只来了半小时" and json.loads(opened.detail_json)["handoff_id"] == ticket_id


def test_open_case__a_volunteer_calling_complains_as_the_volunteer_with_the_call_linked(state, world):
    order_id = served_order(world)
    ticket_id, call_id = phone_request(world, world.volunteers["a"], "CA-handoff-case-volunteer")
    case_id, _ = open_case(state, operator(state, world), ticket_id, order_id, "老人说我没来，其实我去了")
    with state.sessions() as s:
        case = s.get(Dispute, case_id)
        assert (case.source, case.complainant, case.call_id, case.chat_id) == ("phone", "volunteer", call_id, None)


def test_open_case__an_open_case_gets_the_words_and_the_conversation(state, world):
    member = family_member(world)
    order_id = served_order(world)
    with unit_of_work(state.sessions) as s:
        case = cases.open_case(s, s.get(Order, order_id), cases.complaint("elder", "评价1星并投诉", "rating"),
                               actor="service", now=datetime.now(timezone.utc))[0]
        first = case.id
    ticket_id, chat_id = chat_request(world, member)
    case_id, action = open_case(state, operator(state, world), ticket_id, order_id, "家属补充：只待了半小时")
    assert (case_id, action) == (first, "dispute.statement")
    with state.sessions() as s:
        assert (s.get(Dispute, case_id).chat_id, s.get(Dispute, case_id).source) == (chat_id, "rating")
        assert len(list(s.scalars(select(DisputeStatement).where(DisputeStatement.dispute_id == case_id)))) == 2


def _decided_order(state, world) -> int:
    order_id = served_order(world)
    with unit_of_work(state.sessions) as s:
        case = cases.open_case(s, s.get(Order, order_id), cases.complaint("elder", "没打扫", "phone"),
                               actor="service", now=datetime.now(timezone.utc))[0]
        cases.decide(s, case, cases.check_decision("uphold", reason="核实无误"), operator_id=None, actor="operator:1",
                     policy=state.policy, tz=TZ, now=datetime.now(timezone.utc))
    return order_id


REFUSALS = {
    "another_streets_operator": (NotFound, lambda st, wd, order: dict(who=operator(st, wd, "street_b"))),
    "another_elders_order": (NotFound, lambda st, wd, order: dict(order_id=served_order(wd, "b"))),
    "order_not_credited": (NotFound, lambda st, wd, order: dict(order_id=w.open_order(wd, "a"))),
    "case_decided_already": (NotFound, lambda st, wd, order: dict(order_id=_decided_order(st, wd))),
    "no_such_order": (NotFound, lambda st, wd, order: dict(order_id=99_999_999)),
    "blank_words": (InvalidInput, lambda st, wd, order: dict(text="   ")),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_open_case__refused_and_nothing_changes(state, world, case):
    error, change = REFUSALS[case]
    member, order_id = family_member(world), served_order(world)
    ticket_id, _chat = chat_request(world, member)
    asked = {"who": operator(state, world), "order_id": order_id, "text": "志愿者只来了半小时",
             **change(state, world, order_id)}
    before = w.snapshot(state)
    with pytest.raises(error):
        with unit_of_work(state.sessions) as s:
            handoffs.open_case(s, asked["who"], ticket_id, order_id=asked["order_id"], text=asked["text"], tz=TZ,
                               now=datetime.now(timezone.utc))
    assert w.snapshot(state) == before


def test_open_case__a_pending_link_offers_no_orders(state, world):
    member = family_member(world, consent="pending")
    order_id = served_order(world)
    ticket_id, _chat = chat_request(world, member)
    with unit_of_work(state.sessions) as s:
        assert handoff_cases.candidate_orders(s, s.get(HandoffTicket, ticket_id)) == []
    with pytest.raises(NotFound):
        open_case(state, operator(state, world), ticket_id, order_id)


def test_open_case__sent_twice_or_on_another_operators_request_refused_and_nothing_changes(state, world):
    member, order_id = family_member(world), served_order(world)
    ticket_id, _chat = chat_request(world, member)
    with unit_of_work(state.sessions) as s:
        handoffs.claim(s, operator(state, world, operator_id=2), ticket_id, now=datetime.now(timezone.utc))
    before = w.snapshot(state)
    with pytest.raises(Conflict, match="claimed by operator 2"):
        open_case(state, operator(state, world), ticket_id, order_id)
    assert w.snapshot(state) == before

    open_case(state, operator(state, world, operator_id=2), ticket_id, order_id)
    after = w.snapshot(state)
    with pytest.raises(Conflict) as again:
        open_case(state, operator(state, world, operator_id=2), ticket_id, order_id)
    assert again.value.message == "这个请求已经办结了。"
    assert w.snapshot(state) == after


def test_open_case__a_linked_elder_of_another_street_is_not_offered_nor_opened(state, world):
    member = family_member(world)
    with unit_of_work(state.sessions) as s:
        s.add(FamilyLink(elder_id=world.elders["b"], member_id=member, relation="child", consent="consented"))
    theirs = served_order(world, "b")
    ticket_id, _chat = chat_request(world, member)
    with unit_of_work(state.sessions) as s:  # the request is about both elders' services ...
        assert theirs in [o.id for o in handoff_cases.candidate_orders(s, s.get(HandoffTicket, ticket_id))]
    before = w.snapshot(state)
    with pytest.raises(NotFound):  # ... but street a's operator may not open a case on street b's order
        open_case(state, operator(state, world), ticket_id, theirs)
    assert w.snapshot(state) == before
