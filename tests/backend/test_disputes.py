"""Disputes through the API on a real database (SQLite and PostgreSQL): a decision's ledger effect goes
through the reversal path (uphold: none; partial: the credit cut to what stands, the elder paying only
that; revoke: everything moved back), both sides are told, a second decision is refused, bad input and
a refusal half-way store nothing, another street's case answers 404 and changes nothing, and a retried
complaint makes one case with one statement."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.fulfilment.ratings import rate
from backend.fulfilment.visits import check_in, check_out
from backend.ledger.operations import Actor, donate
from backend.ledger.verify import verify
from backend.matching.dispatch import accept
from backend.models import Account, AuditEntry, Dispute, DisputeStatement, LedgerEntry, Order, OrderMessage
from tests.backend import authz_world as w
from tests.backend.conftest import SERVICE_TOKEN, operator_headers


@pytest.fixture
def world(state):
    return w.build(state)


@pytest.fixture
def api(state):
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        yield client


@pytest.fixture
def reviewer(api):
    return operator_headers(api, "reviewer_a")


def served_order(world, which: str = "a", minutes: int = 60) -> int:
    """Booked, accepted, checked in and out at the elder's door: credited, and the elder paid."""
    order_id = w.open_order(world, which)
    volunteer = world.volunteers[which]
    with unit_of_work(world.state.sessions) as s:
        order = accept(s, order_id, volunteer, channel="phone", now=datetime.now(timezone.utc))
        check_in(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at)
    with unit_of_work(world.state.sessions) as s:
        order = s.get(Order, order_id)
        check_out(s, order_id, volunteer, lat=order.lat, lon=order.lon,
                  at=order.start_at + timedelta(minutes=minutes), policy=world.state.policy, tz="Asia/Shanghai")
        assert order.state == "completed"
    return order_id


def balances(world, which: str = "a") -> tuple[int, int]:
    with unit_of_work(world.state.sessions) as s:
        def of(person_id):
            return s.scalar(select(Account.balance).where(Account.person_id == person_id))
        return of(world.elders[which]), of(world.volunteers[which])


def complain(api, order_id: int, headers=None, **body):
    return api.post(f"/api/v1/orders/{order_id}/disputes", headers=headers or {},
                    json={"side": "elder", "statement": "志愿者只待了半小时就走了", "source": "phone", **body})


def open_case(api, world, which: str = "a") -> tuple[int, int]:
    order_id = served_order(world, which)
    response = complain(api, order_id)
    assert response.status_code == 201, response.text
    return order_id, response.json()["id"]


def decide(api, headers, dispute_id: int, decision: str, **body):
    return api.post(f"/api/v1/disputes/{dispute_id}/decision", headers=headers,
                    json={"decision": decision, "reason": "电话核实了双方说法", **body})


def dispute_texts(world, order_id: int) -> dict[int, str]:
    with unit_of_work(world.state.sessions) as s:
        return {m.person_id: m.body for m in s.scalars(select(OrderMessage).where(
            OrderMessage.order_id == order_id, OrderMessage.kind == "dispute"))}


def ledger_ok(world) -> None:
    with unit_of_work(world.state.sessions) as s:
        report = verify(s)
        assert report.ok, report.problems


def test_decide_revoke__credit_reversed_elder_refunded_and_both_told(api, world, reviewer):
    order_id, dispute_id = open_case(api, world)
    elder, volunteer = balances(world)
    response = decide(api, reviewer, dispute_id, "revoke")
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "revoke" and response.json()["status"] == "decided"
    assert balances(world) == (elder + 60, volunteer - 60)
    with unit_of_work(world.state.sessions) as s:
        assert s.get(Order, order_id).state == "revoked"
        kinds = sorted(s.scalars(select(LedgerEntry.kind).where(LedgerEntry.order_id == order_id)))
        assert kinds == ["redemption", "reversal", "reversal", "service_credit"]
    told = dispute_texts(world, order_id)
    assert set(told) == {world.elders["a"], world.volunteers["a"]}
    assert "服务已撤销" in told[world.elders["a"]] and "退回您1个时间币" in told[world.elders["a"]]
    assert "扣回" in told[world.volunteers["a"]]
    ledger_ok(world)


def test_decide_partial__credit_cut_to_what_stands_and_elder_pays_only_that(api, world, reviewer):
    order_id, dispute_id = open_case(api, world)
    elder, volunteer = balances(world)
    response = decide(api, reviewer, dispute_id, "partial", credited_minutes=30)
    assert response.status_code == 200, response.text
    assert response.json()["credited_minutes"] == 30
    assert balances(world) == (elder + 30, volunteer - 30)
    with unit_of_work(world.state.sessions) as s:
        order = s.get(Order, order_id)
        assert order.state == "completed" and order.served_minutes == 30
        entries = list(s.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                                 .order_by(LedgerEntry.seq)))
        assert [e.kind for e in entries] == ["service_credit", "redemption", "reversal", "reversal",
                                             "service_credit", "redemption"]
        assert order.credit_entry_seq == entries[4].seq
        assert s.get(Dispute, dispute_id).served_minutes_before == 60
    told = dispute_texts(world, order_id)
    assert "按实际服务30分钟记账" in told[world.elders["a"]]
    assert "按30分钟记" in told[world.volunteers["a"]]
    ledger_ok(world)


def test_decide_uphold__no_ledger_entry_and_both_told(api, world, reviewer):
    order_id, dispute_id = open_case(api, world)
    before = balances(world)
    with unit_of_work(world.state.sessions) as s:
        entries = len(list(s.scalars(select(LedgerEntry.seq).where(LedgerEntry.order_id == order_id))))
    assert decide(api, reviewer, dispute_id, "uphold").status_code == 200
    assert balances(world) == before
    with unit_of_work(world.state.sessions) as s:
        assert len(list(s.scalars(select(LedgerEntry.seq).where(LedgerEntry.order_id == order_id)))) == entries
    assert all("服务记录不变" in text for text in dispute_texts(world, order_id).values())


def test_second_decision__refused_and_the_same_one_again_changes_nothing(api, world, reviewer, state):
    order_id, dispute_id = open_case(api, world)
    assert decide(api, reviewer, dispute_id, "partial", credited_minutes=45).status_code == 200
    after = w.snapshot(state)
    again = decide(api, reviewer, dispute_id, "partial", credited_minutes=45)
    assert again.status_code == 200 and again.json()["credited_minutes"] == 45
    other = decide(api, reviewer, dispute_id, "revoke")
    assert other.status_code == 409 and "已经处理过了" in other.json()["message"]
    assert w.snapshot(state) == after
    with unit_of_work(world.state.sessions) as s:
        assert len(list(s.scalars(select(AuditEntry).where(AuditEntry.action == "dispute.decide",
                                                           AuditEntry.target == f"dispute:{dispute_id}")))) == 1


@pytest.mark.parametrize("body", [
    {"decision": "partial", "credited_minutes": 60},  # not less than what was served
    {"decision": "partial"},  # no minutes
    {"decision": "refund"},  # no such decision
    {"decision": "revoke", "reason": "  "},  # no reason
], ids=["minutes_not_below_served", "partial_without_minutes", "unknown_decision", "blank_reason"])
def test_decide_bad_input__refused_and_nothing_stored(api, world, reviewer, state, body):
    _order_id, dispute_id = open_case(api, world)
    before = w.snapshot(state)
    response = api.post(f"/api/v1/disputes/{dispute_id}/decision", headers=reviewer,
                        json={"reason": "电话核实了双方说法", **body})
    assert response.status_code == 422, response.text
    assert w.snapshot(state) == before


def test_decide_refused_half_way__nothing_partial_is_stored(api, world, reviewer, state):
    """The volunteer gave the coins away: the elder's refund is written, then the claw-back is refused
    (InsufficientBalance); the whole decision rolls back (no reversal, the case still open, nobody told)."""
    order_id, dispute_id = open_case(api, world)
    with unit_of_work(world.state.sessions) as s:
        donate(s, from_id=world.volunteers["a"], minutes=balances(world)[1], policy=state.policy,
               actor=Actor("person", "phone"))
    before = w.snapshot(state)
    response = decide(api, reviewer, dispute_id, "revoke")
    assert response.status_code == 422, response.text
    assert w.snapshot(state) == before
    with unit_of_work(world.state.sessions) as s:
        assert s.get(Dispute, dispute_id).status == "open"
        assert s.get(Order, order_id).state == "completed"


def test_other_street__case_answers_404_and_nothing_changes(api, world, state):
    _order_id, dispute_id = open_case(api, world, "b")
    other_order = served_order(world, "b")
    reviewer = operator_headers(api, "reviewer_a")
    before = w.snapshot(state)
    missing = api.get("/api/v1/disputes/999999", headers=reviewer)
    answers = [api.get(f"/api/v1/disputes/{dispute_id}", headers=reviewer),
               decide(api, reviewer, dispute_id, "revoke"),
               api.post(f"/api/v1/disputes/{dispute_id}/statements", headers=reviewer,
                        json={"side": "volunteer", "statement": "我待满了一小时"}),
               complain(api, other_order, reviewer)]
    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    assert all(r.json()["message"] == missing.json()["message"] for r in answers[:3])
    assert w.snapshot(state) == before


def test_complaint_retried__one_case_one_statement_and_the_other_side_heard(api, world, reviewer, state):
    order_id = served_order(world)
    key = {"Idempotency-Key": "complaint-1"}
    first = complain(api, order_id, key)
    assert complain(api, order_id, key).json() == first.json()
    same = complain(api, order_id, reviewer)  # an operator heard the same words
    assert same.status_code == 201 and same.json()["id"] == first.json()["id"]
    answer = api.post(f"/api/v1/disputes/{first.json()['id']}/statements", headers=reviewer,
                      json={"side": "volunteer", "statement": "我待满了一小时，老人记错了", "heard_via": "phone"})
    assert answer.status_code == 201
    statements = answer.json()["statements"]
    assert [(x["side"], x["text"]) for x in statements] == [("elder", "志愿者只待了半小时就走了"),
                                                              ("volunteer", "我待满了一小时，老人记错了")]
    with unit_of_work(world.state.sessions) as s:
        assert len(list(s.scalars(select(Dispute).where(Dispute.order_id == order_id)))) == 1
        assert len(list(s.scalars(select(DisputeStatement)))) == 2
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target == f"dispute:{first.json()['id']}")))
    assert actions == ["dispute.statement"]  # the service token's opening is on the case itself, not audited


def test_rating_complaint__opens_a_case_for_the_reviewer(world, state):
    order_id = served_order(world)
    with unit_of_work(state.sessions) as s:
        rate(s, order_id, by_person_id=world.elders["a"], stars=1, comment="来晚了一个小时", complaint=True,
             channel="phone", at=datetime.now(timezone.utc))
    with unit_of_work(state.sessions) as s:
        case = s.scalar(select(Dispute).where(Dispute.order_id == order_id))
        assert (case.source, case.complainant, case.status) == ("rating", "elder", "open")
        [said] = s.scalars(select(DisputeStatement).where(DisputeStatement.dispute_id == case.id))
        assert said.text == "来晚了一个小时"


def test_complaint_on_a_service_not_credited__refused(api, world, reviewer):
    order_id = w.open_order(world, "a")
    response = complain(api, order_id, reviewer)
    assert response.status_code == 409 and "不能登记投诉" in response.json()["message"]


def test_assistant_complaint__links_the_chat_or_call_named_by_its_conversation_id(api, world, state):
    from backend.api.schemas.calls import CallCreate
    from backend.calls.records import open_call
    from backend.chats.records import current_or_new

    with unit_of_work(state.sessions) as s:
        chat = current_or_new(s, world.elders["a"], datetime.now(timezone.utc))
        chat_id, conversation = chat.id, chat.conversation_id
        call_id = open_call(s, CallCreate(call_sid="CAdispute0000000000000000000000001")).id
    by_chat = complain(api, served_order(world), source="chat", conversation_id=conversation)
    by_call = complain(api, served_order(world), source="phone", conversation_id="CAdispute0000000000000000000000001")
    unknown = complain(api, served_order(world), source="phone", conversation_id="CAnobody")
    assert [r.status_code for r in (by_chat, by_call, unknown)] == [201, 201, 201]
    with unit_of_work(state.sessions) as s:
        links = [(d.source, d.chat_id, d.call_id) for d in (s.get(Dispute, r.json()["id"]) for r in (by_chat, by_call, unknown))]
    assert links == [("chat", chat_id, None), ("phone", None, call_id), ("phone", None, None)]
