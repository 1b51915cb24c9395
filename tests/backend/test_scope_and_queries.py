"""Operator scope, balances and stars, paper back-fill: through the API on both databases."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service
from tests import factories
from tests.backend.conftest import make_state, operator_headers, row_counts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def city(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder_a = factories.person(s, state.policy, tree["comm_a"], name="王秀英", age=82)
        elder_b = factories.person(s, state.policy, tree["comm_b"], name="李淑珍", age=85)
        vol_a = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30, name="陈志强")
        factories.operator(s, tree["street_a"], "street_a_op")
        factories.operator(s, tree["city"], "city_admin", role="admin")
        return {"tree": tree, "elder_a": elder_a.id, "elder_b": elder_b.id, "vol_a": vol_a.id}


def test_street_operator_cannot_see_another_streets_person(client, city):
    headers = operator_headers(client, "street_a_op")
    assert client.get(f"/api/v1/persons/{city['elder_a']}", headers=headers).status_code == 200
    refused = client.get(f"/api/v1/persons/{city['elder_b']}", headers=headers)
    assert refused.status_code == 404 and refused.json()["code"] == "person_not_found"  # as if it did not exist
    assert client.get(f"/api/v1/persons/{city['elder_b']}/balance", headers=headers).status_code == 404
    city_headers = operator_headers(client, "city_admin")
    assert client.get(f"/api/v1/persons/{city['elder_b']}", headers=city_headers).status_code == 200
    stations = {s["name"] for s in client.get("/api/v1/stations", headers=headers).json()}
    assert stations == {"湖南路街道", "湖南路社区"}


def test_requests_without_a_valid_token_are_401(client, city):
    assert client.get(f"/api/v1/persons/{city['elder_a']}", headers={"Authorization": "Bearer nope"}).status_code == 401
    bad_login = client.post("/api/v1/auth/login", json={"username": "street_a_op", "password": "wrong"})
    assert bad_login.status_code == 401 and bad_login.json()["message"] == "用户名或密码不对。"


def test_person_public_never_shows_id_number_or_hash(client, state, city):
    born = "1950-03-08"
    id_number = factories.id_number_for(datetime.fromisoformat(born).date(), 7)
    created = client.post("/api/v1/persons", json={"name": "周大爷", "phone": "139 0000 1111", "birth_date": born,
                                                   "station_id": city["tree"]["comm_a"], "roles": ["elder"],
                                                   "id_number": id_number})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["phone"] == "+8613900001111" and body["status"] == "pending"
    assert body["id_masked"] == id_number[:4] + "*" * 10 + id_number[-4:]
    assert id_number not in created.text and "id_hash" not in body
    duplicate = client.post("/api/v1/persons", json={"name": "周大爷", "phone": "13900002222", "birth_date": born,
                                                     "station_id": city["tree"]["comm_a"], "roles": ["elder"],
                                                     "id_number": id_number.lower()})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "id_taken"


def test_balance_and_stars_follow_service_hours_not_balance(db_url):
    from fastapi.testclient import TestClient

    from backend.api.app import create_app
    from tests.backend.conftest import SERVICE_TOKEN
    state = make_state(db_url, policy="nanjing")
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        vol = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30)
        credit_service(s, volunteer_id=vol.id, station_id=tree["comm_a"], served_minutes=310 * 60, tier="ordinary",
                       policy=state.policy, actor=Actor("test", "system"))
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        donated = client.post("/api/v1/transfers/donation", json={"from_person_id": vol.id, "minutes": 300 * 60,
                                                                   "channel": "chat"})
        assert donated.status_code == 201
        balance = client.get(f"/api/v1/persons/{vol.id}/balance").json()
        assert balance["minutes"] == 600 and balance["coins_text"] == "10个时间币"
        stars = client.get(f"/api/v1/persons/{vol.id}/stars").json()
        assert stars["level"] == 2 and stars["lifetime_service_minutes"] == 310 * 60
        assert stars["next_level"] == 3 and stars["minutes_to_next_level"] == 290 * 60
        history = client.get(f"/api/v1/persons/{vol.id}/history").json()
        assert [h["kind"] for h in history] == ["donation", "service_credit"]
        assert history[0]["minutes"] == -300 * 60
    state.engine.dispose()


def test_taierzhuang_professional_paper_backfill_credits_times_three(db_url):
    from fastapi.testclient import TestClient

    from backend.api.app import create_app
    from tests.backend.conftest import SERVICE_TOKEN
    state = make_state(db_url, policy="taierzhuang")
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=80)
        lawyer = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=45)
        from backend.people.registry import add_qualification
        add_qualification(s, lawyer.id, "lawyer", None)
        factories.operator(s, tree["street_a"], "clerk")
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        headers = operator_headers(client, "clerk")
        started = datetime.now(timezone.utc) - timedelta(days=3)
        body = {"volunteer_id": lawyer.id, "recipient_id": elder.id, "service_slug": "legal_advice",
                "started_at": started.isoformat(), "ended_at": (started + timedelta(minutes=90)).isoformat(),
                "reason": "系统停机期间纸质登记"}
        order = client.post("/api/v1/orders/paper-backfill", json=body, headers=headers)
        assert order.status_code == 201, order.text
        assert order.json()["paper_backfill"] is True and order.json()["state"] == "completed"
        again = client.post("/api/v1/orders/paper-backfill", json=body, headers=headers)
        assert again.json()["id"] == order.json()["id"]
        assert client.get(f"/api/v1/persons/{lawyer.id}/balance").json()["minutes"] == 270
        assert client.get(f"/api/v1/persons/{lawyer.id}/stars").json()["lifetime_service_minutes"] == 90
        trail = client.get(f"/api/v1/orders/{order.json()['id']}/transitions", headers=headers).json()
        assert [t["to_state"] for t in trail][-1] == "completed"
        assert all(t["channel"] == "paper" and t["reason"].startswith("补登") for t in trail)
    state.engine.dispose()


def test_import_paper_cli__all_rows_or_none(sqlite_url, tmp_path):
    state = make_state(sqlite_url)
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=80)
        vol = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30)
    day = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    sheet = tmp_path / "paper.csv"
    good = f"{vol.phone},{elder.phone},chat_companion,{day},09:00,10:30,停电补登\n"
    sheet.write_text("volunteer_phone,recipient_phone,service,date,start,end,reason\n" + good +
                     f"{vol.phone},{elder.phone},massage,{day},11:00,12:00,停电补登\n", encoding="utf-8")
    env = {"DATABASE_URL": sqlite_url, "YINLING_SECRET_KEY": "test-secret-key-0123456789", "PATH": "/usr/bin:/bin"}
    cli = [str(REPO / ".venv/bin/yinling"), "import-paper", str(sheet)]
    before = row_counts(state)
    bad = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "line 3" in bad.stderr and "massage" in bad.stderr
    assert row_counts(state) == before
    sheet.write_text("volunteer_phone,recipient_phone,service,date,start,end,reason\n" + good, encoding="utf-8")
    ok = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    again = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert again.returncode == 0
    with state.sessions() as s:
        from backend.ledger.queries import balance_minutes
        assert balance_minutes(s, vol.id) == 90
    state.engine.dispose()


def test_family_link_stays_pending_until_consented(client, state, city):
    with unit_of_work(state.sessions) as s:
        son = factories.person(s, state.policy, city["tree"]["comm_a"], roles=("family",), age=45, name="王军")
    link = client.post("/api/v1/family-links", json={"elder_id": city["elder_a"], "member_id": son.id,
                                                      "relation": "child", "consent": "consented"})
    assert link.status_code == 201 and link.json()["consent"] == "pending"  # a service token cannot self-approve
    seen = client.get(f"/api/v1/persons/{son.id}").json()["linked_elders"]
    assert seen == [{"id": city["elder_a"], "name": "王秀英", "relation": "child", "consent": "pending"}]
    bad = client.post(f"/api/v1/family-links/{link.json()['id']}/consent", json={"consent": "maybe"})
    assert bad.status_code == 422
    ok = client.post(f"/api/v1/family-links/{link.json()['id']}/consent", json={"consent": "consented"})
    assert ok.status_code == 200 and ok.json()["consent"] == "consented"


def test_only_an_admin_operator_adds_a_top_level_station(client, state, city):
    body = {"name": "另一个市", "level": "city"}
    assert client.post("/api/v1/stations", json=body).status_code == 403
    assert client.post("/api/v1/stations", json=body, headers=operator_headers(client, "street_a_op")).status_code == 403
    created = client.post("/api/v1/stations", json=body, headers=operator_headers(client, "city_admin"))
    assert created.status_code == 201 and created.json()["path"] == f"/{created.json()['id']}/"
    child = client.post("/api/v1/stations", json={"name": "新社区", "level": "community",
                                                  "parent_id": city["tree"]["street_b"]},
                        headers=operator_headers(client, "street_a_op"))
    assert child.status_code == 403
