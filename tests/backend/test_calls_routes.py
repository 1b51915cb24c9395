"""Call records: the IVR's service token writes them (idempotently), operators read their
subtree's calls; on both databases."""
from __future__ import annotations

import pytest

from backend.core.db import unit_of_work
from tests import factories
from tests.backend.conftest import operator_headers, row_counts


@pytest.fixture
def city(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder_a = factories.person(s, state.policy, tree["comm_a"], name="王秀英")
        elder_b = factories.person(s, state.policy, tree["comm_b"], name="李淑珍")
        factories.operator(s, tree["street_a"], "street_a_op")
        factories.operator(s, tree["city"], "city_op")
        return {"tree": tree, "a": (elder_a.id, elder_a.phone), "b": (elder_b.id, elder_b.phone)}


def open_call(client, sid: str, phone: str | None):
    response = client.post("/api/v1/calls", json={"call_sid": sid, "caller_phone": phone})
    assert response.status_code == 201, response.text
    return response.json()


def test_call_record_round_trip_with_turns_events_and_final_status(client, city):
    person_id, phone = city["a"]
    call = open_call(client, "CA1", phone)
    assert call["person_id"] == person_id and call["station_id"] == city["tree"]["comm_a"]
    assert call["status"] == "in_progress"
    turn = {"seq": 1, "speaker": "caller", "text": "查时间币", "confidence": 0.82, "audio_start_s": 1.2,
            "audio_end_s": 2.0}
    assert client.post("/api/v1/calls/CA1/turns", json=turn).status_code == 201
    assert client.post("/api/v1/calls/CA1/turns", json=turn).status_code == 201  # a retry stores it once
    assert client.post("/api/v1/calls/CA1/events", json={"seq": 2, "kind": "dtmf", "detail": "0"}).status_code == 201
    done = client.patch("/api/v1/calls/CA1", json={"status": "dropped", "end_reason": "websocket lost"})
    assert done.json()["status"] == "dropped" and done.json()["ended_at"] is not None
    late = client.patch("/api/v1/calls/CA1", json={"status": "in_progress", "twilio_status": "completed"})
    assert late.json()["status"] == "dropped" and late.json()["twilio_status"] == "completed"

    headers = operator_headers(client, "street_a_op")
    detail = client.get("/api/v1/calls/CA1", headers=headers).json()
    assert [(t["seq"], t["text"], t["confidence"]) for t in detail["turns"]] == [(1, "查时间币", 0.82)]
    assert [(e["kind"], e["detail"]) for e in detail["events"]] == [("dtmf", "0")]


def test_reopening_a_call_returns_the_same_record(client, city):
    first = open_call(client, "CA2", city["a"][1])
    assert open_call(client, "CA2", city["a"][1])["id"] == first["id"]


def test_street_operator_sees_only_calls_of_their_streets_callers(client, city):
    open_call(client, "CA-a", city["a"][1])
    open_call(client, "CA-b", city["b"][1])
    open_call(client, "CA-unknown", "+8613999999999")
    street = operator_headers(client, "street_a_op")
    assert [c["call_sid"] for c in client.get("/api/v1/calls", headers=street).json()] == ["CA-a"]
    assert client.get("/api/v1/calls/CA-b", headers=street).status_code == 404
    city_headers = operator_headers(client, "city_op")
    assert {c["call_sid"] for c in client.get("/api/v1/calls", headers=city_headers).json()} == {
        "CA-a", "CA-b", "CA-unknown"}


def test_operators_cannot_write_call_records(client, city, state):
    headers = operator_headers(client, "city_op")
    before = row_counts(state)
    refused = client.post("/api/v1/calls", json={"call_sid": "CA3"}, headers=headers)
    assert refused.status_code == 403
    assert row_counts(state) == before


def test_service_token_cannot_read_call_records(client, city):
    open_call(client, "CA4", city["a"][1])
    assert client.get("/api/v1/calls/CA4").status_code == 403


def test_event_naming_a_missing_order_is_refused(client, city):
    open_call(client, "CA5", city["a"][1])
    response = client.post("/api/v1/calls/CA5/events", json={"seq": 1, "kind": "order", "order_id": 99999})
    assert response.status_code == 422


def test_writes_to_an_unknown_call_are_404(client, city):
    response = client.post("/api/v1/calls/CA-none/turns", json={"seq": 1, "speaker": "caller", "text": "喂"})
    assert response.status_code == 404 and response.json()["code"] == "call_not_found"


def test_call_detail_lists_phone_orders_the_caller_made_during_the_call(client, city):
    from datetime import datetime, timedelta, timezone
    person_id, phone = city["a"]
    open_call(client, "CA6", phone)
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    made = client.post("/api/v1/orders", json={"recipient_id": person_id, "service_slug": "meal_delivery",
                                                "start_at": start, "duration_minutes": 60, "channel": "phone"})
    assert made.status_code == 201, made.text
    other = client.post("/api/v1/orders", json={"recipient_id": city["b"][0], "service_slug": "meal_delivery",
                                                 "start_at": start, "duration_minutes": 60, "channel": "phone"})
    assert other.status_code == 201
    client.patch("/api/v1/calls/CA6", json={"status": "completed"})
    detail = client.get("/api/v1/calls/CA6", headers=operator_headers(client, "city_op")).json()
    assert detail["order_ids"] == [made.json()["id"]]
