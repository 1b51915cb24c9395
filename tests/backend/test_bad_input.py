"""Every kind of bad input named in issues 2 and 11: a clear error (code, Chinese message, English
detail) and nothing stored. Runs on SQLite and PostgreSQL (which, unlike SQLite, refuses NUL in text
and ids beyond its 32-bit integer)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.core.db import unit_of_work
from backend.models import Order, Registration
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


def _later(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).replace(microsecond=0).isoformat()


def _donation(w, **overrides):
    return {"from_person_id": w["volunteer"], "minutes": 30, "channel": "phone", **overrides}


def _handoff(**overrides):
    return {"channel": "phone", "conversation_id": "conv-1", "reason": "要人工", **overrides}


HYGIENE_CASES = {  # issue 11, input hygiene: path, body, status, code
    "minutes_true": lambda w: ("/api/v1/transfers/donation", _donation(w, minutes=True), 422, "invalid_input"),
    "minutes_as_text": lambda w: ("/api/v1/transfers/donation", _donation(w, minutes="60"), 422, "invalid_input"),
    "minutes_fraction": lambda w: ("/api/v1/transfers/donation", _donation(w, minutes=30.5), 422, "invalid_input"),
    "minutes_absurd": lambda w: ("/api/v1/transfers/donation", _donation(w, minutes=10**12), 422, "invalid_input"),
    "id_as_text": lambda w: ("/api/v1/transfers/gift", _donation(w, to_person_id=str(w["elder"])), 422,
                             "invalid_input"),
    "id_true": lambda w: ("/api/v1/transfers/donation", _donation(w, from_person_id=True), 422, "invalid_input"),
    "id_huge_in_body": lambda w: ("/api/v1/transfers/donation", _donation(w, from_person_id=10**20), 404,
                                  "not_found"),
    "id_beyond_int32_in_body": lambda w: ("/api/v1/orders", _order_body(w, recipient_id=2**31), 404, "not_found"),
    "id_negative_in_body": lambda w: ("/api/v1/transfers/gift", _donation(w, to_person_id=-5), 404, "not_found"),
    "booking_in_year_9999": lambda w: ("/api/v1/orders", _order_body(w, start_at="9999-01-01T09:00:00+08:00"), 422,
                                       "date_out_of_range"),
    "booking_before_2000": lambda w: ("/api/v1/orders", _order_body(w, start_at="1999-12-31T09:00:00+08:00"), 422,
                                      "date_out_of_range"),
    "booking_two_years_ahead": lambda w: ("/api/v1/orders", _order_body(w, start_at=_later(days=730)), 422,
                                          "date_out_of_range"),
    "born_in_1850": lambda w: ("/api/v1/persons", _person_body(w, birth_date="1850-01-01"), 422, "date_out_of_range"),
    "born_tomorrow": lambda w: ("/api/v1/persons", _person_body(w, birth_date=_later(days=2)[:10]), 422,
                                "date_out_of_range"),
    "order_note_too_long": lambda w: ("/api/v1/orders", _order_body(w, note="请" * 501), 422, "text_too_long"),
    "name_too_long": lambda w: ("/api/v1/persons", _person_body(w, name="王" * 61), 422, "text_too_long"),
    "name_only_invisible": lambda w: ("/api/v1/registrations", {"name": "\u202e\u200b\x00", "phone": "13912345678",
                                      "roles": ["elder"], "channel": "phone"}, 422, "invalid_input"),
    "registration_note_1mb": lambda w: ("/api/v1/registrations", {"name": "王秀英", "phone": "13912345678",
                                        "roles": ["elder"], "channel": "phone", "note": "x" * 2**20}, 413,
                                        "body_too_large"),
    "transcript_1mb": lambda w: ("/api/v1/handoffs", _handoff(transcript=[
        {"speaker": "caller", "text": "我" * 3000}] * 120), 413, "body_too_large"),
    "transcript_turn_too_long": lambda w: ("/api/v1/handoffs", _handoff(transcript=[
        {"speaker": "caller", "text": "x" * 4001}]), 422, "text_too_long"),
    "transcript_too_many_turns": lambda w: ("/api/v1/handoffs", _handoff(transcript=[
        {"speaker": "caller", "text": "喂"}] * 201), 422, "text_too_long"),
}


def test_bad_input__hygiene_refused_with_nothing_stored(client, state, world):
    """All cases against one database (a fresh one per case would cost seconds each on PostgreSQL)."""
    before = row_counts(state)
    for case, build in HYGIENE_CASES.items():
        path, body, status, code = build(world)
        response = client.post(path, json=body)
        assert response.status_code == status, f"{case}: {response.text}"
        assert assert_refused(response, status, code), case
        assert row_counts(state) == before, case


def test_bad_input__path_id_out_of_range_is_404(client, state, world):
    operator = operator_headers(client, "op_a")
    before = row_counts(state)
    for raw_id in (str(10**20), str(2**31), "3000000000", "0", "-1", "abc", "1.5"):
        assert_refused(client.get(f"/api/v1/persons/{raw_id}/balance"), 404, "not_found")
        assert_refused(client.get(f"/api/v1/orders/{raw_id}"), 404, "not_found")
        assert_refused(client.post(f"/api/v1/orders/{raw_id}/cancel", json={"reason": "不要了", "channel": "phone"}),
                       404, "not_found")
        assert_refused(client.get(f"/api/v1/ledger/entries/{raw_id}", headers=operator), 404, "not_found")
    for huge in (10**20, 2**31):  # an integer filter in the query that no row can match
        assert_refused(client.get(f"/api/v1/family-links?elder_id={huge}"), 404, "not_found")
    assert row_counts(state) == before


def test_bad_input__streamed_body_over_the_limit_is_413(client, state, world):
    """No Content-Length (chunked): the limit holds while the body is read."""
    before = row_counts(state)
    chunks = iter([b'{"name": "', b"x" * 40_000, b"x" * 40_000, b'"}'])
    assert_refused(client.post("/api/v1/registrations", content=chunks, headers={"content-type": "application/json"}),
                   413, "body_too_large")
    assert row_counts(state) == before


def test_bad_input__invisible_characters_are_removed_before_storing(client, state, world):
    """RLO, zero-width, NUL and other controls never reach the database (PostgreSQL refuses NUL)."""
    registered = client.post("/api/v1/registrations", json={
        "name": "\u202e王\u200b秀\x00英\u2066 ", "phone": "13912345678", "roles": ["elder"], "channel": "phone",
        "note": " 第一行\r\n第二\u200f行\x07\ufeff"})
    assert registered.status_code == 201, registered.text
    assert registered.json()["name"] == "王秀英"
    order = client.post("/api/v1/orders", json=_order_body(world, note="门口\u202e有狗\x00\n请敲门",
                                                            address="湖南路\t1号\u200d"))
    assert order.status_code == 201, order.text
    with state.sessions() as s:
        row = s.get(Registration, registered.json()["id"])
        assert (row.name, row.note) == ("王秀英", "第一行\n第二行")
        stored = s.get(Order, order.json()["id"])
        assert (stored.note, stored.address) == ("门口有狗\n请敲门", "湖南路 1号")
