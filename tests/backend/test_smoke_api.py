"""First end-to-end checks of the API against a real database (both kinds)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.core.db import unit_of_work
from tests import factories


def _seed(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], name="王秀英")
        volunteer = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30, name="陈志强")
        return tree, elder.id, volunteer.id


def test_create_order_then_read_it_back(client, state):
    _tree, elder, _vol = _seed(state)
    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    body = {"recipient_id": elder, "service_slug": "escort_medical", "start_at": start.isoformat(),
            "duration_minutes": 120, "channel": "phone"}
    created = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "call-1:book"})
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["state"] == "open" and order["service_name"] == "陪同就医"
    assert order["address"] == "鼓楼区湖南路1号"
    again = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "call-1:book"})
    assert again.json()["id"] == order["id"]
    listed = client.get(f"/api/v1/persons/{elder}/orders", params={"active": "true"}).json()
    assert [o["id"] for o in listed] == [order["id"]]
