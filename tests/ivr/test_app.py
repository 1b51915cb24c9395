"""Serving the IVR beside the backend (one process for `make run`), and the browser phone."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.api.middleware import STRICT_CSP
from ivr.app import attach_ivr
from tests.backend.conftest import make_state
from tests.ivr.conftest import AUTH_TOKEN, PUBLIC_URL, ivr_settings
from tests.ivr.simulator import sign
from tests.speech import factories as speech_factories


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('combined') / 'yinling.db'}")
    app = create_app(state=state)
    speech = speech_factories.settings(model_path=Path("/nonexistent/model"), synth_workers=1)
    services = attach_ivr(app, ivr_settings("http://127.0.0.1:9"), speech_settings=speech)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:  # the local demo's browser phone: loopback
        yield client, services
    state.engine.dispose()


def test_attach_ivr_serves_webhooks_and_browser_phone_beside_the_backend(combined):
    client, services = combined
    assert client.get("/health").json()["status"] == "ok"
    params = {"CallSid": "CA" + "31" * 16, "From": "+8613900000001"}
    signed = client.post("/ivr/voice", data=params,
                         headers={"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_URL + "/ivr/voice", params)})
    assert signed.status_code == 200 and ET.fromstring(signed.text).find("Connect/Stream") is not None
    assert client.post("/ivr/voice", data=params).status_code == 403
    page = client.get("/ivr/phone")
    assert page.status_code == 200 and "网页电话" in page.text and "/ivr/phone/phone.js" in page.text
    assert page.headers["content-security-policy"] == STRICT_CSP  # no inline style or script is needed
    assert "mediaFormat" in client.get("/ivr/phone/phone.js").text
    session = client.post("/ivr/phone/session", json={"caller": "+8613900000001"}).json()
    grant = services.tokens.burn(session["token"], session["call_sid"])
    assert grant.mode == "browser" and grant.caller == "+8613900000001"


def test_local_browser_phone__refuses_clients_not_on_this_machine(combined):
    client, _ = combined
    with TestClient(client.app, client=("203.0.113.9", 40000)) as remote:
        assert remote.get("/ivr/phone").status_code == 404
        assert remote.post("/ivr/phone/session", json={"caller": "+8613900000001"}).status_code == 404


def test_browser_phone_call_runs_through_the_same_gateway(combined):
    client, _ = combined
    session = client.post("/ivr/phone/session", json={"caller": "+8613900000001"}).json()
    with client.websocket_connect("/ivr/stream") as ws:
        ws.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        ws.send_json({"event": "start", "streamSid": "MZbrowser", "start": {
            "callSid": session["call_sid"], "customParameters": {
                "token": session["token"], "callSid": session["call_sid"], "caller": "+8613900000001"},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
        messages = []
        while "mark" not in [m["event"] for m in messages]:  # recognition is off: the keypad greeting is spoken
            messages.append(ws.receive_json())
        # a browser-phone stream (its token came from a browser-phone session) is also shown the text
        assert [m["event"] for m in messages[:2]] == ["yinling.text", "media"]
        assert messages[0]["text"] == "现在请用电话按键。"
        ws.send_json({"event": "stop", "streamSid": "MZbrowser", "stop": {}})
