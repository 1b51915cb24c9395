"""The voice and status webhooks: only Twilio's signature (over the public URL) gets in."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.ivr.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, call_record
from tests.ivr.simulator import post_webhook, sign, stream_parameters

pytestmark = pytest.mark.anyio
CALL = {"CallSid": "CA" + "a" * 32, "From": "+8613900000099", "To": "+862568712349", "AccountSid": ACCOUNT_SID}


async def test_voice_webhook_with_forged_signature_gets_bare_403(hotline_factory):
    async with hotline_factory() as line:
        forged = sign("not-our-token", PUBLIC_URL + "/ivr/voice", CALL)
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", CALL, signature=forged)
    assert response.status_code == 403
    assert response.content == b""


async def test_voice_webhook_without_signature_gets_bare_403(hotline_factory):
    async with hotline_factory() as line:
        response = await line.http.post("/ivr/voice", data=CALL)
    assert response.status_code == 403 and response.content == b""


async def test_voice_webhook_signed_for_local_url_not_public_url_is_refused(hotline_factory):
    async with hotline_factory() as line:
        local = sign(AUTH_TOKEN, line.url + "/ivr/voice", CALL)
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", CALL, signature=local)
    assert response.status_code == 403


async def test_voice_webhook_with_tampered_parameter_is_refused(hotline_factory):
    async with hotline_factory() as line:
        good = sign(AUTH_TOKEN, PUBLIC_URL + "/ivr/voice", CALL)
        tampered = {**CALL, "From": "+8613900000001"}
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", tampered, signature=good)
    assert response.status_code == 403


async def test_voice_webhook_without_configured_auth_token_refuses_everything(hotline_factory):
    async with hotline_factory(twilio_auth_token="") as line:
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", CALL)
    assert response.status_code == 403


async def test_signed_voice_webhook_answers_consent_and_stream_with_parameters(hotline_factory):
    async with hotline_factory() as line:
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", CALL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    say, connect = root[0], root[1]
    assert say.tag == "Say" and "录音" in say.text and say.get("language") == "zh-CN"
    stream = connect.find("Stream")
    assert stream.get("url") == "wss://hotline.example.org/ivr/stream"
    params = stream_parameters(response.text)
    assert params["callSid"] == CALL["CallSid"] and params["caller"] == CALL["From"]
    assert len(params["token"]) >= 24


async def test_status_callback_closes_the_call_record(backend, hotline_factory):
    elder = backend.new_elder()
    call = {**CALL, "CallSid": "CA" + "b" * 32, "From": elder["phone"]}
    async with hotline_factory() as line:
        forged = await post_webhook(line.http, "wrong", PUBLIC_URL, "/ivr/status",
                                    {**call, "CallStatus": "completed"})
        assert forged.status_code == 403
        ringing = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "ringing"})
        assert ringing.status_code == 204
        assert call_record(backend, call["CallSid"])["status"] == "in_progress"
        done = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status",
                                  {**call, "CallStatus": "completed", "CallDuration": "42"})
        assert done.status_code == 204
    record = call_record(backend, call["CallSid"])
    assert record["status"] == "completed" and record["twilio_status"] == "completed"
    assert record["duration_s"] == 42 and record["person_id"] == elder["id"]


async def test_browser_phone_can_be_turned_off(hotline_factory):
    async with hotline_factory(browser_phone=False) as line:
        assert (await line.http.get("/ivr/phone")).status_code == 404
        assert (await line.http.post("/ivr/phone/session", json={})).status_code in (404, 405)


async def test_voice_webhook_when_the_shared_call_state_is_down_tells_the_caller_and_opens_no_stream(hotline_factory):
    async with hotline_factory(state_url="redis://127.0.0.1:9/0") as line:
        response = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice", CALL)
    assert response.status_code == 200
    root = ET.fromstring(response.text)
    assert [e.tag for e in root] == ["Say", "Hangup"]
    assert "稍后再打" in root.find("Say").text
    assert stream_parameters(response.text) == {}
