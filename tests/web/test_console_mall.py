"""The console's mall page over HTTP: an operator sees the partners, goods and exchanges of their own
subtree only; clerks read, reviewers also get the forms; a refused form re-shows the page with the reason
and stores nothing."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.mall import redemption
from tests import factories
from tests.backend.authz_world import snapshot
from tests.backend.conftest import make_state
from tests.backend.mall import world as mw
from web.app import attach_web
from web.auth import sessions


@pytest.fixture
def console(tmp_path):
    state = make_state(f"sqlite:///{tmp_path / 'yinling.db'}", policy="demo")
    world = mw.build(state)
    person = mw.volunteer(state, world, earned_hours=10)
    with unit_of_work(state.sessions) as s:
        redemption.redeem(s, person_id=person, goods_id=world.goods_id, key="k", policy=state.policy,
                          today=date(2026, 12, 3))
        ids = {name: factories.operator(s, world.tree[street], name, role=role).id
               for name, street, role in (("a_clerk", "street_a", "clerk"), ("a_reviewer", "street_a", "reviewer"),
                                          ("b_reviewer", "street_b", "reviewer"))}
    app = attach_web(create_app(state=state))

    def client(name: str) -> tuple[TestClient, str]:
        with unit_of_work(state.sessions) as s:
            token, row = sessions.start(s, "console", ids[name], datetime.now(timezone.utc))
            csrf = row.csrf_token
        c = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
        c.cookies.set(sessions.COOKIE_NAMES["console"], token)
        return c, csrf
    yield client, state, world
    state.engine.dispose()


def test_each_operator_sees_their_subtree_and_only_deciders_get_the_forms(console):
    client, _state, _world = console
    page = client("a_reviewer")[0].get("/console/mall").text
    assert "大米5斤" in page and "湖南路社区服务台" in page and "待领取" in page and 'id="new-goods"' in page
    assert "玄武门超市" not in page
    page = client("a_clerk")[0].get("/console/mall").text
    assert "大米5斤" in page and 'id="new-goods"' not in page and "撤销兑换" not in page
    page = client("b_reviewer")[0].get("/console/mall").text
    assert "大米5斤" not in page and "玄武门超市" in page and "还没有兑换记录" in page


def test_a_bad_goods_form_is_shown_again_with_the_reason_and_nothing_stored(console):
    client, state, world = console
    c, csrf = client("a_reviewer")
    before = snapshot(state)
    answer = c.post("/console/mall/goods", data={"csrf_token": csrf, "name": "毛巾", "price": "-1", "stock": "3",
                                                 "pickup": "服务台", "partner_id": str(world.partner_id)})
    assert answer.status_code == 422 and "价格要大于0" in answer.text and 'value="毛巾"' in answer.text
    assert snapshot(state) == before


def test_the_page_narrows_to_one_station_of_the_subtree_and_ignores_one_outside(console):
    client, _state, world = console
    c = client("a_reviewer")[0]
    assert "大米5斤" in c.get(f"/console/mall?station={world.tree['street_a']}").text
    assert "大米5斤" not in c.get(f"/console/mall?station={world.tree['comm_a']}").text  # the desk is the street's
    outside = c.get(f"/console/mall?station={world.tree['street_b']}").text
    assert "大米5斤" in outside and "玄武门超市" not in outside  # not in scope: the operator's own subtree
