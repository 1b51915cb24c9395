"""The mall through the API: the hotline's service token exchanges for the caller it identified, an operator
at the desk for a volunteer of their scope (another street's: 404, nothing stored), a retried key makes one
exchange, a reviewer reverses; goods listed by scope."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.models import AuditEntry, MallGoods, MallRedemption
from tests import factories
from tests.backend.conftest import SERVICE_TOKEN, make_state, operator_headers, row_counts
from tests.backend.mall import world as mw


@pytest.fixture
def api(db_url):
    state = make_state(db_url, policy="demo")
    world = mw.build(state)
    with unit_of_work(state.sessions) as s:
        for name, street, role in (("a_clerk", "street_a", "clerk"), ("a_reviewer", "street_a", "reviewer"),
                                   ("b_reviewer", "street_b", "reviewer")):
            factories.operator(s, world.tree[street], name, role=role)
    with TestClient(create_app(state=state)) as client:
        yield client, state, world
    state.engine.dispose()


def _audits(state) -> int:
    with unit_of_work(state.sessions) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_the_service_exchanges_for_a_caller_and_a_retried_key_makes_one(api):
    client, state, world = api
    person = mw.volunteer(state, world, earned_hours=10)
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": "call-1"}
    first = client.post("/api/v1/mall/redemptions", json={"person_id": person, "goods_id": world.goods_id,
                                                          "channel": "phone"}, headers=service)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["goods_name"] == "大米5斤" and body["price_text"] == "3个时间币" and body["status"] == "issued"
    assert len(body["code"]) == 9 and body["code"][4] == "-"
    again = client.post("/api/v1/mall/redemptions", json={"person_id": person, "goods_id": world.goods_id,
                                                          "channel": "phone"}, headers=service)
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert mw.stock(state, world.goods_id) == 4 and _audits(state) == 0  # the service's writes carry the caller


def test_an_operator_exchanges_at_the_desk_only_for_their_scope(api):
    client, state, world = api
    person = mw.volunteer(state, world, earned_hours=10)
    outsider = operator_headers(client, "b_reviewer")
    before = row_counts(state)
    refused = client.post("/api/v1/mall/redemptions", json={"person_id": person, "goods_id": world.goods_id},
                          headers=outsider)
    assert refused.status_code == 404 and row_counts(state) == before
    clerk = operator_headers(client, "a_clerk")
    made = client.post("/api/v1/mall/redemptions", json={"person_id": person, "goods_id": world.goods_id},
                       headers={**clerk, "Idempotency-Key": "desk-1"})
    assert made.status_code == 201 and _audits(state) == 1
    rid = made.json()["id"]
    assert client.post(f"/api/v1/mall/redemptions/{rid}/reverse", json={"reason": "不要了"},
                       headers=clerk).status_code == 403
    assert client.post(f"/api/v1/mall/redemptions/{rid}/reverse", json={"reason": "不要了"},
                       headers=outsider).status_code == 404
    answer = client.post(f"/api/v1/mall/redemptions/{rid}/reverse", json={"reason": "不要了"},
                         headers=operator_headers(client, "a_reviewer"))
    assert answer.status_code == 200 and answer.json()["status"] == "reversed"
    assert mw.stock(state, world.goods_id) == 5
    with unit_of_work(state.sessions) as s:
        assert s.get(MallRedemption, rid).reverse_reason == "不要了"


def test_a_refused_exchange_answers_in_chinese_and_stores_nothing(api):
    client, state, world = api
    person = mw.volunteer(state, world, earned_hours=4)  # share 2 coins, price 3
    before = row_counts(state)
    answer = client.post("/api/v1/mall/redemptions", json={"person_id": person, "goods_id": world.goods_id},
                         headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert answer.status_code == 422 and answer.json()["message"] == "兑换物品最多用50%的时间币。"
    assert row_counts(state) == before and mw.stock(state, world.goods_id) == 5


def test_goods_are_listed_by_scope(api):
    client, _state, world = api
    own = client.get("/api/v1/mall/goods", headers=operator_headers(client, "a_clerk")).json()
    other = client.get("/api/v1/mall/goods", headers=operator_headers(client, "b_reviewer")).json()
    assert [g["name"] for g in own] == ["大米5斤"] and other == []


def test_goods_near_a_person_are_those_of_their_street_in_stock(api):
    client, state, world = api
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    near = mw.volunteer(state, world, street="comm_a")
    far = mw.volunteer(state, world, street="comm_b")
    listed = client.get("/api/v1/mall/goods", params={"person_id": near}, headers=service).json()
    assert [(g["name"], g["price_text"]) for g in listed] == [("大米5斤", "3个时间币")]
    assert client.get("/api/v1/mall/goods", params={"person_id": far}, headers=service).json() == []
    with unit_of_work(state.sessions) as s:
        s.get(MallGoods, world.goods_id).stock = 0
    assert client.get("/api/v1/mall/goods", params={"person_id": near}, headers=service).json() == []
    outsider = operator_headers(client, "b_reviewer")  # a person of another street answers as missing
    assert client.get("/api/v1/mall/goods", params={"person_id": near}, headers=outsider).status_code == 404
