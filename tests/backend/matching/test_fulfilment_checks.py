"""Each suspicious visit is held for review and not credited; operators approve or revoke it;
bad input gets a clear error and changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.db import unit_of_work
from tests.backend.conftest import operator_headers, row_counts
from tests.backend.matching.conftest import HOME, order_body, tomorrow_at

NEAR_HOME = {"lat": HOME[0] + 0.0003, "lon": HOME[1]}
FAR_AWAY = {"lat": HOME[0] + 0.05, "lon": HOME[1]}  # ~5.5 km


def accepted_order(client, world, volunteer="near", hour=10, minutes=60, service="chat_companion"):
    order = client.post("/api/v1/orders", json=order_body(world, service=service, hour=hour, minutes=minutes)).json()
    ok = client.post(f"/api/v1/orders/{order['id']}/accept", json={"volunteer_id": world["vols"][volunteer]})
    assert ok.status_code == 200, ok.text
    return order["id"]


def visit(client, world, order_id, *, start, minutes, where=NEAR_HOME, volunteer="near", check_in=True):
    vid = world["vols"][volunteer]
    if check_in:
        r = client.post(f"/api/v1/orders/{order_id}/check-in", json={"volunteer_id": vid, **where, "at": start.isoformat()})
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/orders/{order_id}/check-out",
                    json={"volunteer_id": vid, **where, "at": (start + timedelta(minutes=minutes)).isoformat()})
    assert r.status_code == 200, r.text
    return r.json()


def held_kinds(client, order_id):
    held = client.get("/api/v1/review/held", headers=operator_headers(client, "op_a")).json()
    return {a["kind"] for h in held if h["order"]["id"] == order_id for a in h["anomalies"]}


def balance(client, world, key="near"):
    return client.get(f"/api/v1/persons/{world['vols'][key]}/balance").json()["minutes"]


@pytest.mark.parametrize("case,expected", [
    ("far_from_address", "far_from_address"),
    ("too_short", "implausible_duration"),
    ("too_long", "implausible_duration"),
    ("checkout_without_checkin", "checkout_without_checkin"),
])
def test_suspicious_visit_is_held_not_credited(client, state, world, case, expected):
    order_id = accepted_order(client, world)
    start = tomorrow_at(10)
    kwargs = {"far_from_address": dict(minutes=60, where=FAR_AWAY), "too_short": dict(minutes=3),
              "too_long": dict(minutes=200), "checkout_without_checkin": dict(minutes=60, check_in=False)}[case]
    result = visit(client, world, order_id, start=start, **kwargs)
    assert result["state"] == "held"
    assert expected in held_kinds(client, order_id)
    assert balance(client, world) == 0


def test_overlapping_services_of_one_volunteer_are_held(client, state, world):
    first = accepted_order(client, world, hour=9)
    second = accepted_order(client, world, hour=11)
    start = tomorrow_at(9)
    client.post(f"/api/v1/orders/{first}/check-in", json={"volunteer_id": world["vols"]["near"], **NEAR_HOME,
                                                          "at": start.isoformat()})
    client.post(f"/api/v1/orders/{second}/check-in", json={"volunteer_id": world["vols"]["near"], **NEAR_HOME,
                                                           "at": (start + timedelta(minutes=20)).isoformat()})
    out = client.post(f"/api/v1/orders/{second}/check-out", json={"volunteer_id": world["vols"]["near"], **NEAR_HOME,
                                                                  "at": (start + timedelta(minutes=80)).isoformat()})
    assert out.json()["state"] == "held" and "overlap" in held_kinds(client, second)
    assert balance(client, world) == 0


def test_more_than_the_daily_maximum_is_held(client, state, world):
    hours = state.policy.max_service_hours_per_day
    first = accepted_order(client, world, hour=7, minutes=min(480, hours * 60))
    assert visit(client, world, first, start=tomorrow_at(7), minutes=hours * 60 - 30)["state"] == "completed"
    second = accepted_order(client, world, hour=15 if hours <= 8 else 20, minutes=60)
    result = visit(client, world, second, start=tomorrow_at(15), minutes=60)
    assert result["state"] == "held" and "daily_maximum" in held_kinds(client, second)
    assert balance(client, world) == hours * 60 - 30


def test_operator_approves_a_held_order_and_it_is_credited(client, state, world):
    order_id = accepted_order(client, world)
    visit(client, world, order_id, start=tomorrow_at(10), minutes=60, where=FAR_AWAY)
    approved = client.post(f"/api/v1/review/orders/{order_id}/approve", json={"reason": "电话回访确认，地址登记有误"},
                           headers=operator_headers(client, "op_a"))
    assert approved.status_code == 200 and approved.json()["state"] == "completed"
    assert balance(client, world) == 60


def test_revoking_a_fake_service_claws_back_and_can_freeze(client, state, world):
    order_id = accepted_order(client, world)
    assert visit(client, world, order_id, start=tomorrow_at(10), minutes=60)["state"] == "completed"
    assert balance(client, world) == 60
    headers = operator_headers(client, "op_a")
    revoked = client.post(f"/api/v1/review/orders/{order_id}/revoke",
                          json={"reason": "虚假服务：老人表示当天无人上门", "freeze_volunteer": True}, headers=headers)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert balance(client, world) == 0
    volunteer = client.get(f"/api/v1/persons/{world['vols']['near']}").json()
    assert volunteer["status"] == "frozen"
    history = client.get(f"/api/v1/persons/{world['vols']['near']}/history").json()
    assert [h["kind"] for h in history] == ["reversal", "service_credit"]
    assert client.get("/api/v1/ledger/verify", headers=headers).json()["ok"] is True
    again = client.post(f"/api/v1/review/orders/{order_id}/revoke", json={"reason": "重复"}, headers=headers)
    assert again.status_code == 409


def test_frequent_pair_is_listed_as_suspicious(client, state, world):
    from backend.policy import load_profile  # noqa: F401  (threshold comes from the active policy)
    limit = state.policy.matching.suspicious_pair_per_30_days
    from backend.orders.backfill import PaperRecord, backfill
    from backend.models.base import utcnow
    now = utcnow()
    with unit_of_work(state.sessions) as s:
        for n in range(limit):
            start = now - timedelta(days=1 + n % 20, hours=n % 5)
            backfill(s, PaperRecord(volunteer_id=world["vols"]["near"], recipient_id=world["elder"],
                                    service_slug="chat_companion", started_at=start,
                                    ended_at=start + timedelta(minutes=30), reason="纸质登记", recorded_by="test"),
                     policy=state.policy, now=now, today=now.date())
    found = client.get("/api/v1/review/suspicious", headers=operator_headers(client, "op_a")).json()
    kinds = {(f["kind"], f.get("volunteer_id")) for f in found}
    assert ("frequent_pair", world["vols"]["near"]) in kinds
    assert any(f["kind"] == "paper_heavy_station" for f in found)


BAD = {
    "check_in_someone_elses_order": ("check-in", {"volunteer": "mid"}, 403, "not_your_order"),
    "coordinates_out_of_range": ("check-in", {"lat": 91.0}, 422, "invalid_input"),
    "check_out_before_check_in": ("check-out-early", {}, 422, "checkout_before_checkin"),
    "rating_out_of_range": ("rating", {"stars": 6}, 422, "invalid_input"),
    "second_rating": ("rating-twice", {}, 409, "already_rated"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_fulfilment_input_is_refused_and_changes_nothing(client, state, world, case):
    kind, extra, status, code = BAD[case]
    order_id = accepted_order(client, world)
    start = tomorrow_at(10)
    body = {"volunteer_id": world["vols"][extra.get("volunteer", "near")], "lat": extra.get("lat", NEAR_HOME["lat"]),
            "lon": NEAR_HOME["lon"], "at": start.isoformat()}
    if kind == "check-in":
        path = f"/api/v1/orders/{order_id}/check-in"
    elif kind == "check-out-early":
        client.post(f"/api/v1/orders/{order_id}/check-in", json=body)
        body["at"] = (start - timedelta(minutes=5)).isoformat()
        path = f"/api/v1/orders/{order_id}/check-out"
    else:
        visit(client, world, order_id, start=start, minutes=60)
        path = f"/api/v1/orders/{order_id}/rating"
        body = {"by_person_id": world["elder"], "stars": extra.get("stars", 5)}
        if kind == "rating-twice":
            assert client.post(path, json=body).status_code == 201
    before = row_counts(state)
    refused = client.post(path, json=body)
    assert refused.status_code == status, refused.text
    assert refused.json()["code"] == code
    assert row_counts(state) == before
