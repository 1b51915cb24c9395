"""Every kind of bad input named in issue 2: a clear error (code, Chinese message, English detail)
and nothing stored. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service
from tests import factories
from tests.backend.conftest import make_state, operator_headers, row_counts


@pytest.fixture
def world(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], name="王秀英", age=82)
        volunteer = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=35, name="陈志强")
        stranger = factories.person(s, state.policy, tree["comm_b"], roles=("volunteer",), age=40, name="赵敏")
        credit_service(s, volunteer_id=volunteer.id, station_id=tree["comm_a"], served_minutes=120, tier="ordinary",
                       policy=state.policy, actor=Actor("test", "system"))
        factories.operator(s, tree["street_a"], "op_a")
        return {"tree": tree, "elder": elder.id, "volunteer": volunteer.id, "stranger": stranger.id}


def _person_body(world, **overrides):
    body = {"name": "新志愿者", "phone": factories.next_phone(), "birth_date": "1990-05-01",
            "station_id": world["tree"]["comm_a"], "roles": ["volunteer"]}
    body.update(overrides)
    return body


def _order_body(world, **overrides):
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    body = {"recipient_id": world["elder"], "service_slug": "chat_companion", "start_at": start.isoformat(),
            "duration_minutes": 60, "channel": "phone"}
    body.update(overrides)
    return body


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["detail"], "developers get English detail"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), "message must be Chinese"
    return body


CASES = {
    "invalid_phone": lambda w: ("/api/v1/persons", _person_body(w, phone="12345"), 422, "invalid_phone"),
    "invalid_id_number": lambda w: ("/api/v1/persons", _person_body(w, id_number="320106199005010012"), 422,
                                    "invalid_id_number"),
    "volunteer_17_alone": lambda w: ("/api/v1/persons", _person_body(
        w, birth_date=(factories.TODAY.replace(year=factories.TODAY.year - 17)).isoformat()), 422, "volunteer_too_young"),
    "elder_aged_50": lambda w: ("/api/v1/persons", _person_body(w, birth_date="1976-01-01", roles=["elder"]), 422,
                                "recipient_too_young"),
    "unknown_service": lambda w: ("/api/v1/orders", _order_body(w, service_slug="massage"), 422, "unknown_service"),
    "no_qualified_volunteer": lambda w: ("/api/v1/orders", _order_body(w, service_slug="legal_advice"), 422,
                                         "no_qualified_volunteer"),
    "order_in_the_past": lambda w: ("/api/v1/orders", _order_body(w, start_at="2020-01-01T09:00:00+08:00"), 422,
                                    "time_in_past"),
    "order_for_a_50_year_old": None,  # built in its own test: needs a 50-year-old recipient row
    "gift_more_than_balance": lambda w: ("/api/v1/transfers/donation",
                                         {"from_person_id": w["volunteer"], "minutes": 121, "channel": "phone"},
                                         422, "insufficient_balance"),
    "coordinates_out_of_range": lambda w: ("/api/v1/persons", _person_body(w, lat=95.0, lon=10.0), 422,
                                           "invalid_coordinates"),
    "missing_fields": lambda w: ("/api/v1/orders", {"recipient_id": w["elder"]}, 422, "invalid_input"),
}


@pytest.mark.parametrize("case", [k for k, v in CASES.items() if v is not None])
def test_bad_input__refused_with_nothing_stored(case, client, state, world):
    path, body, status, code = CASES[case](world)
    before = row_counts(state)
    assert_refused(client.post(path, json=body), status, code)
    assert row_counts(state) == before


def test_bad_input__order_for_a_50_year_old_recipient(client, state, world):
    with unit_of_work(state.sessions) as s:  # registered as a volunteer, then asks for service for themself
        young = factories.person(s, state.policy, world["tree"]["comm_a"], roles=("volunteer",), age=50)
    before = row_counts(state)
    assert_refused(client.post("/api/v1/orders", json=_order_body(world, recipient_id=young.id)), 422,
                   "recipient_too_young")
    assert row_counts(state) == before


def test_bad_input__frozen_account_cannot_send(client, state, world):
    headers = operator_headers(client, "op_a")
    frozen = client.post(f"/api/v1/persons/{world['volunteer']}/freeze", json={"frozen": True, "reason": "核查虚假服务"},
                         headers=headers)
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    before = row_counts(state)
    assert_refused(client.post("/api/v1/transfers/donation",
                               json={"from_person_id": world["volunteer"], "minutes": 30, "channel": "phone"}),
                   422, "account_frozen")
    assert row_counts(state) == before


def test_bad_input__reused_idempotency_key_with_other_body_is_409(client, state, world):
    first = client.post("/api/v1/orders", json=_order_body(world), headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201
    before = row_counts(state)
    assert_refused(client.post("/api/v1/orders", json=_order_body(world, duration_minutes=90),
                               headers={"Idempotency-Key": "k1"}), 409, "idempotency_conflict")
    assert row_counts(state) == before


def test_bad_input__gift_to_non_relative_under_beijing_policy(db_url):
    from fastapi.testclient import TestClient

    from backend.api.app import create_app
    from tests.backend.conftest import SERVICE_TOKEN
    state = make_state(db_url, policy="beijing")
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        giver = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=40)
        friend = factories.person(s, state.policy, tree["comm_a"], roles=("elder",), age=70)
        sibling = factories.person(s, state.policy, tree["comm_a"], roles=("elder",), age=70)
        son = factories.person(s, state.policy, tree["comm_a"], roles=("family",), age=15 + 30)
        from backend.people.registry import link_family
        link_family(s, sibling.id, giver.id, "sibling", consent="consented")
        link_family(s, giver.id, son.id, "child", consent="consented")
        credit_service(s, volunteer_id=giver.id, station_id=tree["comm_a"], served_minutes=600, tier="ordinary",
                       policy=state.policy, actor=Actor("test", "system"))
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        before = row_counts(state)
        for target in (friend.id, sibling.id):
            assert_refused(client.post("/api/v1/transfers/gift", json={
                "from_person_id": giver.id, "to_person_id": target, "minutes": 60, "channel": "phone"}),
                422, "gift_not_allowed")
        assert row_counts(state) == before
        ok = client.post("/api/v1/transfers/gift", json={"from_person_id": giver.id, "to_person_id": son.id,
                                                         "minutes": 60, "channel": "phone"})
        assert ok.status_code == 201, ok.text
        assert client.get(f"/api/v1/persons/{son.id}/balance").json()["minutes"] == 60
    state.engine.dispose()


def test_bad_input__malformed_policy_file_names_file_and_field(tmp_path):
    from backend.policy import PolicyError, load_profile
    bad = tmp_path / "broken.yml"
    bad.write_text("name: broken\ncity_zh: 某市\nsource: x\ngift_recipients: everyone\n"
                   "tier_multipliers: {ordinary: 1, technical: 0}\nstar_thresholds_hours: [300, 100]\n")
    with pytest.raises(PolicyError) as info:
        load_profile(str(bad))
    detail = info.value.detail
    assert "broken.yml" in detail
    for field in ("tier_multipliers", "star_thresholds_hours", "gift_recipients"):
        assert field in detail
    not_yaml = tmp_path / "notyaml.yml"
    not_yaml.write_text("name: [unclosed\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_profile(str(not_yaml))
