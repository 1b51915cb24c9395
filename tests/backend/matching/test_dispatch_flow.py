"""End to end through the API: request → auto-dispatch → timeout → next volunteer accepts →
check-in → check-out → credited with the policy's multiplier → rated → follow-up queue."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.matching.dispatch import tick
from backend.models.base import utcnow
from backend.people.registry import add_qualification
from backend.people.supply import set_supply
from tests.backend.conftest import SERVICE_TOKEN, make_state, operator_headers
from tests.backend.matching.conftest import HOME, build_world, order_body, tomorrow_at


def run_tick(state, now):
    with unit_of_work(state.sessions) as s:
        return tick(s, policy=state.policy, tz=state.settings.timezone, now=now)


@pytest.mark.parametrize("policy,multiplier", [("default", 1), ("taierzhuang", 2)])
def test_request_to_rating__second_candidate_after_timeout_is_credited_with_multiplier(db_url, policy, multiplier):
    state = make_state(db_url, policy=policy)
    world = build_world(state)
    vols = world["vols"]
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        order = client.post("/api/v1/orders", json=order_body(world, service="repair", minutes=90)).json()
        assert order["state"] == "open"

        t0 = utcnow()
        first = run_tick(state, t0)
        assert first.offered == [order["id"]]
        assert client.get(f"/api/v1/orders/{order['id']}").json()["volunteer_id"] == vols["near"]

        later = run_tick(state, t0 + timedelta(minutes=state.policy.matching.offer_timeout_minutes + 1))
        assert later.timed_out == [order["id"]] and later.offered == [order["id"]]
        offered_to = client.get(f"/api/v1/orders/{order['id']}").json()["volunteer_id"]
        assert offered_to == vols["mid"]

        late = client.post(f"/api/v1/orders/{order['id']}/accept", json={"volunteer_id": vols["near"]})
        assert late.status_code == 409 and late.json()["code"] == "order_taken"
        accepted = client.post(f"/api/v1/orders/{order['id']}/accept", json={"volunteer_id": vols["mid"]})
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"

        start = tomorrow_at(10)
        here = {"volunteer_id": vols["mid"], "lat": HOME[0] + 0.0005, "lon": HOME[1]}
        assert client.post(f"/api/v1/orders/{order['id']}/check-in",
                           json={**here, "at": start.isoformat()}).json()["state"] == "checked_in"
        done = client.post(f"/api/v1/orders/{order['id']}/check-out",
                           json={**here, "at": (start + timedelta(minutes=90)).isoformat()})
        assert done.status_code == 200 and done.json()["state"] == "completed", done.text
        balance = client.get(f"/api/v1/persons/{vols['mid']}/balance").json()["minutes"]
        assert balance == 90 * multiplier
        assert client.get(f"/api/v1/persons/{vols['mid']}/stars").json()["lifetime_service_minutes"] == 90

        rating = client.post(f"/api/v1/orders/{order['id']}/rating",
                             json={"by_person_id": world["elder"], "stars": 2, "comment": "来晚了"})
        assert rating.status_code == 201
        assert client.get(f"/api/v1/orders/{order['id']}").json()["state"] == "rated"
        headers = operator_headers(client, "op_a")
        queue = client.get("/api/v1/follow-ups", headers=headers).json()
        assert [(f["order_id"], f["reason"]) for f in queue] == [(order["id"], "low_rating")]
        assert client.get("/api/v1/follow-ups", headers=operator_headers(client, "op_b")).json() == []

        kinds = [e["kind"] for e in client.get("/api/v1/events", params={"order_id": order["id"]}).json()]
        assert kinds == ["offered", "timed_out", "offered", "accepted", "checked_in", "completed"]
        assert client.get("/api/v1/ledger/verify", headers=headers).json()["ok"] is True
    state.engine.dispose()


def test_decline_offers_the_next_volunteer_and_unmatched_orders_escalate(client, state, world):
    order = client.post("/api/v1/orders", json=order_body(world)).json()
    t0 = utcnow()
    run_tick(state, t0)
    vols = world["vols"]
    declined = client.post(f"/api/v1/orders/{order['id']}/decline", json={"volunteer_id": vols["near"]})
    assert declined.status_code == 200 and declined.json()["volunteer_id"] == vols["mid"]
    client.post(f"/api/v1/orders/{order['id']}/decline", json={"volunteer_id": vols["mid"]})
    last = client.post(f"/api/v1/orders/{order['id']}/decline", json={"volunteer_id": vols["far"]}).json()
    assert last["state"] == "open" and last["volunteer_id"] is None
    report = run_tick(state, t0 + timedelta(minutes=state.policy.matching.escalate_after_minutes + 1))
    assert report.escalated == [order["id"]] and report.offered == []
    queue = client.get("/api/v1/dispatch/escalated", headers=operator_headers(client, "op_a")).json()
    assert [o["id"] for o in queue] == [order["id"]]


def test_open_board__volunteer_picks_an_order_and_a_busy_volunteer_cannot_double_book(client, state, world):
    vols = world["vols"]
    first = client.post("/api/v1/orders", json=order_body(world, hour=10)).json()
    second = client.post("/api/v1/orders", json=order_body(world, hour=10, minutes=30)).json()
    board = client.get(f"/api/v1/volunteers/{vols['far']}/board").json()
    assert {o["id"] for o in board} == {first["id"], second["id"]}
    assert client.post(f"/api/v1/orders/{first['id']}/accept", json={"volunteer_id": vols["far"]}).status_code == 200
    clash = client.post(f"/api/v1/orders/{second['id']}/accept", json={"volunteer_id": vols["far"]})
    assert clash.status_code == 409 and clash.json()["code"] == "time_clash"
    assert client.get(f"/api/v1/orders/{second['id']}").json()["state"] == "open"


def test_professional_service_goes_only_to_a_qualified_volunteer(client, state, world):
    vols = world["vols"]
    day = tomorrow_at(9).weekday()
    with unit_of_work(state.sessions) as s:
        for key in ("near", "far"):
            set_supply(s, vols[key], radius_km=3, max_open_orders=3, services=["legal_advice"],
                       weekly=[(day, time(7), time(21))])
        add_qualification(s, vols["far"], "lawyer", None)
    order = client.post("/api/v1/orders", json=order_body(world, service="legal_advice")).json()
    assert order["state"] == "open"
    ranked = client.get(f"/api/v1/orders/{order['id']}/candidates", headers=operator_headers(client, "op_a")).json()
    assert [c["person_id"] for c in ranked] == [vols["far"]]
    refused = client.post(f"/api/v1/orders/{order['id']}/accept", json={"volunteer_id": vols["near"]})
    assert refused.status_code == 422 and refused.json()["code"] == "not_qualified"
