"""The scope holes and the ledger bypass found in issue 11, each closed: through the API, as an operator of
street a (or a clerk), against records of street b; a refusal answers 404 or 403 and changes no row."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.core.db import unit_of_work
from backend.core.errors import IllegalTransition
from backend.ledger.accounts import person_account
from backend.models import AuditEntry, Order
from backend.orders import states
from backend.orders.service import transition
from backend.api.app import create_app
from backend.core.scratch import scratch_postgres_schema
from tests.availability import unavailable
from tests.backend import authz_world as w
from tests.backend.conftest import POSTGRES_URL, SERVICE_TOKEN, make_state, operator_headers, postgres_available


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared(request, tmp_path_factory):
    """One world per database for the module: each test acts on records of its own."""
    if request.param == "sqlite":
        state = make_state(f"sqlite:///{tmp_path_factory.mktemp('holes') / 'yinling.db'}")
        yield state, w.build(state)
        state.engine.dispose()
        return
    if not postgres_available():
        unavailable("PostgreSQL is not available")
    with scratch_postgres_schema(POSTGRES_URL) as url:
        state = make_state(url)
        yield state, w.build(state)
        state.engine.dispose()


@pytest.fixture
def state(shared):
    return shared[0]


@pytest.fixture
def world(shared):
    return shared[1]


@pytest.fixture
def client(state):
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as c:
        yield c


def _balance(state, person_id: int) -> int:
    with state.sessions() as s:
        return person_account(s, person_id).balance


def _volunteer_of(state, order_id: int) -> int:
    with state.sessions() as s:
        return s.get(Order, order_id).volunteer_id


def test_reversal_of_another_streets_entry_is_404_and_changes_nothing(client, state, world):
    reviewer = operator_headers(client, "reviewer_a")
    theirs, ours = w.credit_entry(world, "b"), w.credit_entry(world, "a")
    before, audits = w.snapshot(state), w.audit_count(state)
    refused = client.post("/api/v1/ledger/reversals", json={"seq": theirs, "reason": "试试"}, headers=reviewer)
    assert refused.status_code == 404 and refused.json()["code"] == "ledger_entry_not_found"
    assert client.post("/api/v1/ledger/reversals", json={"seq": 10**6, "reason": "试试"},
                       headers=reviewer).json() == refused.json() | {"detail": refused.json()["detail"].replace(
                           str(theirs), str(10**6))}
    assert w.snapshot(state) == before
    done = client.post("/api/v1/ledger/reversals", json={"seq": ours, "reason": "核实为虚假服务"}, headers=reviewer)
    assert done.status_code == 201, done.text
    assert w.audit_count(state) == audits + 1


def test_ledger_entry_of_another_street_reads_as_missing(client, world):
    street = operator_headers(client, "clerk_a")
    theirs, ours = w.credit_entry(world, "b"), w.credit_entry(world, "a")
    assert client.get(f"/api/v1/ledger/entries/{ours}", headers=street).status_code == 200
    assert client.get(f"/api/v1/ledger/entries/{theirs}", headers=street).status_code == 404
    assert client.get(f"/api/v1/ledger/entries/{theirs}",
                      headers=operator_headers(client, "admin_city")).status_code == 200


def test_suspicious_patterns_are_filtered_by_station(client, state, world):
    for _ in range(5):  # paper-heavy street b: five back-filled services, nothing else
        w.completed_order(world, "b")
    city = client.get("/api/v1/review/suspicious", headers=operator_headers(client, "admin_city")).json()
    assert world.street("b") in {p["station_id"] for p in city if p["kind"] == "paper_heavy_station"}
    street = client.get("/api/v1/review/suspicious", headers=operator_headers(client, "reviewer_a")).json()
    assert [p for p in street if p["station_id"] == world.street("b")] == []


def test_follow_up_of_another_street_cannot_be_closed(client, state, world):
    street = operator_headers(client, "clerk_a")
    theirs, ours = w.follow_up(world, "b"), w.follow_up(world, "a")
    before = w.snapshot(state)
    refused = client.post(f"/api/v1/follow-ups/{theirs}/done", json={"outcome": "满意"}, headers=street)
    assert refused.status_code == 404
    assert w.snapshot(state) == before
    assert theirs not in {f["id"] for f in client.get("/api/v1/follow-ups", headers=street).json()}
    done = client.post(f"/api/v1/follow-ups/{ours}/done", json={"outcome": "满意"}, headers=street)
    assert done.status_code == 200 and done.json()["status"] == "done"


@pytest.mark.parametrize("path, body", [
    ("/review/orders/{order}/revoke", {"reason": "办事员想撤销"}),
    ("/persons/{volunteer}/freeze", {"frozen": True, "reason": "办事员想冻结"}),
    ("/transfers/grant", {"to_person_id": "{elder}", "minutes": 60, "memo": "办事员想发放"}),
    ("/ledger/reversals", {"seq": "{seq}", "reason": "办事员想冲正"}),
    ("/family-links/{link}/consent", {"consent": "consented", "reason": "办事员想核实"}),
])
def test_clerk_is_refused_on_the_api_where_the_console_refuses(client, state, world, path, body):
    order = w.completed_order(world, "a")
    values = {"order": order, "volunteer": _volunteer_of(state, order), "elder": world.elders["a"],
              "seq": w.credit_entry(world, "a"), "link": w.family_link(world, "a")}
    body = {k: (values[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    before = w.snapshot(state)
    refused = client.post("/api/v1" + path.format(**values), json=body, headers=operator_headers(client, "clerk_a"))
    assert refused.status_code == 403 and refused.json()["message"] == "只有审核员或管理员可以做这件事。"
    assert w.snapshot(state) == before


def test_there_is_no_generic_transition_endpoint(client, state, world):
    order = w.completed_order(world, "a")
    volunteer = _volunteer_of(state, order)
    credited = _balance(state, volunteer)
    reviewer = operator_headers(client, "reviewer_a")
    before = w.snapshot(state)
    bypass = client.post(f"/api/v1/orders/{order}/transitions", json={"to_state": "revoked"}, headers=reviewer)
    assert bypass.status_code == 405
    assert w.snapshot(state) == before
    assert "post" not in client.get("/openapi.json").json()["paths"]["/api/v1/orders/{order_id}/transitions"]
    revoked = client.post(f"/api/v1/review/orders/{order}/revoke", json={"reason": "虚假服务"}, headers=reviewer)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert _balance(state, volunteer) == credited - 60  # revoking a paid service reverses its credit


def test_order_states_cannot_leave_the_ledger_behind(state, world):
    """Even called directly, the state machine refuses to revoke over a standing credit or to complete
    without one; the use cases (completion.revoke, completion.complete) are the only way through."""
    paid, held = w.completed_order(world, "a"), w.open_order(world, "a", state=states.HELD, volunteer=True)
    with unit_of_work(state.sessions) as s:
        with pytest.raises(IllegalTransition, match="credit stands"):
            transition(s, s.get(Order, paid), states.REVOKED, actor="test", channel="operator")
        with pytest.raises(IllegalTransition, match="without its credit"):
            transition(s, s.get(Order, held), states.COMPLETED, actor="test", channel="operator")


def test_api_operator_actions_are_audited(client, state, world):
    order = w.open_order(world, "a", state=states.HELD, volunteer=True)
    audits = w.audit_count(state)
    approved = client.post(f"/api/v1/review/orders/{order}/approve", json={"reason": "核实无误"},
                           headers=operator_headers(client, "reviewer_a"))
    assert approved.status_code == 200 and approved.json()["state"] == "completed"
    with state.sessions() as s:
        entries = s.query(AuditEntry).filter(AuditEntry.target == f"order:{order}").all()
    assert [(e.action, e.reason) for e in entries] == [("order.approve", "核实无误")]
    assert w.audit_count(state) == audits + 1
