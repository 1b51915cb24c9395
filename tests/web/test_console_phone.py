"""The browser phone outside a local demo (IVR_BROWSER_PHONE=operators): only at /console/phone, only
for a logged-in operator, and only as the number of a person in their scope; each call audited. In
Chromium without a microphone the page still calls, keypad only, and shows what the assistant says."""
from __future__ import annotations

import base64
import re
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
from tests.web.conftest import shot
from tests.web.console_a import http_console, login
from web.app import attach_web

OWN_ELDER = "+8613912340001"    # 王秀英, Hunan Road street
OTHER_ELDER = "+8613912340008"  # 李淑珍, Xuanwumen street
# Records the audio payloads the page sends (the page's own WebSocket, watched, not replaced).
SENT_MEDIA = """(() => {
  const send = WebSocket.prototype.send;
  window.sentMedia = [];
  WebSocket.prototype.send = function (data) {
    const message = JSON.parse(data);
    if (message.event === "media") window.sentMedia.push(message.media.payload);
    return send.call(this, data);
  };
})()"""


@pytest.fixture(scope="module")
def operators_phone(tmp_path_factory):
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('phone') / 'yinling.db'}")
    seed_demo(state)
    app = create_app(state=state)
    # no speech model: calls are keypad calls; the hotline reaches the backend it is served beside
    speech = speech_factories.settings(model_path=Path("/nonexistent/model"), synth_workers=1)
    server = ServerThread(app, "phone")  # its address is known before it starts
    services = attach_ivr(app, ivr_settings(server.url, browser_phone="operators"), speech_settings=speech)
    attach_web(app)
    with server:
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


def test_operators_phone_in_chromium__keypad_only_without_a_microphone_shows_what_is_said(operators_phone, page):
    from playwright.sync_api import expect
    url, _, _ = operators_phone
    login(page, url, "hunan_road")
    page.add_init_script(SENT_MEDIA)
    page.goto(url + "/console/phone")  # Chromium here has no microphone: getUserMedia fails
    call, hangup, status = page.locator("#call"), page.locator("#hangup"), page.locator("#status")
    keys = page.locator("#keys button")
    expect(status).to_have_text("未接通")
    expect(call).to_be_enabled() and expect(hangup).to_be_disabled()
    assert keys.count() == 12 and all(keys.nth(i).is_disabled() for i in range(12))
    assert page.evaluate("getComputedStyle(document.getElementById('hangup')).borderStyle") == "dashed"

    page.fill("#caller", OWN_ELDER)
    call.click()
    expect(status).to_have_text("通话中：没有麦克风，可以按键", timeout=15_000)
    expect(call).to_be_disabled() and expect(hangup).to_be_enabled()
    assert page.evaluate("getComputedStyle(document.getElementById('call')).borderStyle") == "dashed"
    transcript = page.locator("#transcript li")
    expect(transcript.first).to_have_text("现在请用电话按键。", timeout=30_000)
    expect(transcript.nth(1)).to_contain_text("查时间币请按2", timeout=30_000)
    assert page.get_attribute("#transcript", "aria-live") == "polite"

    two = page.locator("#keys button", has_text="2")
    expect(two).to_be_enabled()
    two.click()
    expect(two).to_have_class(re.compile("pressed"))
    expect(page.locator("#transcript li", has_text="您还有")).to_have_count(1, timeout=30_000)
    expect(two).not_to_have_class(re.compile("pressed"))
    shot(page, "browser-phone-keypad-only")
    sent = page.evaluate("window.sentMedia")  # a muted phone: 20 ms frames of μ-law silence
    assert len(sent) > 25 and set(sent) == {base64.b64encode(b"\xff" * 160).decode()}

    hangup.click()
    expect(status).to_have_text("已挂断")
    expect(call).to_be_enabled() and expect(hangup).to_be_disabled()
    assert keys.nth(0).is_disabled()
