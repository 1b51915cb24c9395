"""The partner page over HTTP (the app as served; the browser flow is in test_volunteer_mall.py): only a
logged-in partner's session acts, never a volunteer's, an operator's or nobody's; a partner sees only its
own goods' codes; a wrong password and logging out."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.mall import redemption
from backend.models import MallRedemption, Operator
from tests.backend.authz_world import snapshot
from tests.backend.conftest import make_state
from tests.backend.mall import world as mw
from web.app import attach_web
from web.auth import sessions


@pytest.fixture
def partner_app(tmp_path):
    state = make_state(f"sqlite:///{tmp_path / 'yinling.db'}", policy="demo")
    world = mw.build(state)
    person = mw.volunteer(state, world, earned_hours=10)
    with unit_of_work(state.sessions) as s:
        row, _ = redemption.redeem(s, person_id=person, goods_id=world.goods_id, key="k", policy=state.policy,
                                   today=date(2026, 12, 3))
        code = row.code
        s.add(Operator(username="op", name="op", password_hash="x", role="admin", station_id=world.tree["city"]))
    yield attach_web(create_app(state=state)), state, world, person, code
    state.engine.dispose()


def _session(state, realm: str, subject_id: int) -> tuple[str, str]:
    with unit_of_work(state.sessions) as s:
        token, row = sessions.start(s, realm, subject_id, datetime.now(timezone.utc))
        return token, row.csrf_token


def test_collect_refuses_everyone_but_a_logged_in_partner(partner_app):
    app, state, world, person, code = partner_app
    with unit_of_work(state.sessions) as s:
        operator_id = s.scalar(select(Operator.id))
    for realm, subject in ((None, None), ("volunteer", person), ("console", operator_id), ("family", person)):
        client = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
        extra = {}
        if realm:
            token, csrf = _session(state, realm, subject)
            client.cookies.set(sessions.COOKIE_NAMES[realm], token)
            extra = {"csrf_token": csrf}
        before = snapshot(state)
        for path in ("/partner/collect", "/partner/benefit"):
            answer = client.post(path, data={**extra, "code": code})
            assert answer.status_code == 303 and answer.headers["location"].startswith("/partner/login"), realm
        assert snapshot(state) == before


def test_a_partner_confirms_only_its_own_goods_code(partner_app):
    app, state, world, _person, code = partner_app
    client = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
    token, csrf = _session(state, "partner", world.other_partner_id)
    client.cookies.set(sessions.COOKIE_NAMES["partner"], token)
    before = snapshot(state)
    answer = client.post("/partner/collect", data={"csrf_token": csrf, "code": code})
    assert answer.status_code == 404 and "没有这个领取码，请核对后再输入。" in answer.text
    answer = client.post("/partner/collect", data={"code": code})  # no CSRF token
    assert answer.status_code == 403
    assert snapshot(state) == before
    token, csrf = _session(state, "partner", world.partner_id)
    client.cookies.set(sessions.COOKIE_NAMES["partner"], token)
    answer = client.post("/partner/collect", data={"csrf_token": csrf, "code": code})
    assert answer.status_code == 200 and "已确认领取：大米5斤" in answer.text
    with unit_of_work(state.sessions) as s:
        assert s.scalar(select(MallRedemption.status)) == "collected"


def test_partner_login_wrong_password_then_right_then_logout(partner_app):
    app, state, _world, _person, _code = partner_app
    client = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})

    def form():
        page = client.get("/partner/login")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/partner/login", data={"csrf_token": form(), "login": "hunan_desk", "password": "wrong-one-1"})
    assert answer.status_code == 401 and "登录名或密码不对。" in answer.text
    answer = client.post("/partner/login", data={"csrf_token": form(), "login": "HUNAN_DESK",
                                                 "password": mw.PARTNER_PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/partner/"
    home = client.get("/partner/")
    assert home.status_code == 200 and "确认领取物品" in home.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)
    assert client.post("/partner/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/partner/").status_code == 303


def test_partner_login_unknown_and_known_logins_cost_one_argon2_verification_each(partner_app, monkeypatch):
    import argon2

    app, _state, _world, _person, _code = partner_app
    client = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
    seen: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        seen.append(hash)
        return real_verify(self, hash, password)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)

    def form():
        page = client.get("/partner/login")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for login in ("hunan_desk", "no_such_partner"):
        seen.clear()
        answer = client.post("/partner/login", data={"csrf_token": form(), "login": login, "password": "wrong-one-1"})
        assert answer.status_code == 401 and "登录名或密码不对。" in answer.text
        assert len(seen) == 1, f"{login}: an unknown login must still verify a hash"
