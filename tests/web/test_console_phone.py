"""The browser phone outside a local demo (IVR_BROWSER_PHONE=operators): only at /console/phone, only
for a logged-in operator, and only as the number of a person in their scope; each call audited."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.api.app import create_app
from backend.core.bootstrap import seed_demo
from backend.core.db import unit_of_work
from backend.models import AuditEntry
from ivr.app import attach_ivr
from tests.backend.conftest import make_state
from tests.ivr.conftest import ivr_settings
from tests.ivr.servers import ServerThread
from tests.speech import factories as speech_factories
from tests.web.console_a import http_console
from web.app import attach_web

OWN_ELDER = "+8613912340001"    # 王秀英, Hunan Road street
OTHER_ELDER = "+8613912340008"  # 李淑珍, Xuanwumen street


@pytest.fixture(scope="module")
def operators_phone(tmp_path_factory):
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('phone') / 'yinling.db'}")
    seed_demo(state)
    app = create_app(state=state)
    speech = speech_factories.settings(model_path=Path("/nonexistent/model"), synth_workers=1)
    services = attach_ivr(app, ivr_settings("http://127.0.0.1:9", browser_phone="operators"), speech_settings=speech)
    attach_web(app)
    with ServerThread(app, "phone") as server:
        yield server.url, state, services
    state.engine.dispose()


def test_operators_mode__no_local_phone_and_no_session_without_a_login(operators_phone):
    url, _, _ = operators_phone
    assert httpx.get(url + "/ivr/phone").status_code == 404
    assert httpx.post(url + "/ivr/phone/session", json={"caller": OWN_ELDER}).status_code in (404, 405)
    anonymous = httpx.post(url + "/console/phone/session", json={"caller": OWN_ELDER},
                           headers={"accept": "application/json"})
    assert anonymous.status_code == 401


def test_operators_mode__calls_only_as_a_person_in_scope_and_audits_it(operators_phone):
    url, state, services = operators_phone
    console = http_console(url, "hunan_road")
    page = console.get("/console/phone")
    assert page.status_code == 200 and 'content="/console/phone/session"' in page.text
    assert f'name="csrf-token" content="{console.csrf}"' in page.text
    headers = {"X-CSRF-Token": console.csrf, "accept": "application/json"}
    for number in (OTHER_ELDER, "+8613900000000", ""):
        refused = console.client.post("/console/phone/session", json={"caller": number}, headers=headers)
        assert refused.status_code == 403 and refused.json()["message"] == "只能用您辖区内登记过的号码拨打。"
    no_csrf = console.client.post("/console/phone/session", json={"caller": OWN_ELDER},
                                  headers={"accept": "application/json"})
    assert no_csrf.status_code == 403
    granted = console.client.post("/console/phone/session", json={"caller": OWN_ELDER}, headers=headers)
    assert granted.status_code == 200
    grant = services.tokens.burn(granted.json()["token"], granted.json()["call_sid"])
    assert (grant.caller, grant.mode) == (OWN_ELDER, "browser")
    with unit_of_work(state.sessions) as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "browser_phone.call")).all()
        assert len(audited) == 1 and granted.json()["call_sid"] in audited[0].detail_json
