"""The Rasa REST channel client (over httpx.MockTransport; the real server is in test_rasa_call)."""
from __future__ import annotations

import json

import httpx
import pytest

from ivr.assistant import RasaAssistant, Reply, parse_replies
from ivr.errors import AssistantUnavailable
from ivr.settings import IvrSettings
from trust import claims

CLAIM_SECRET = "assistant-client-claim-secret"

pytestmark = pytest.mark.anyio


def settings() -> IvrSettings:
    return IvrSettings(_env_file=None, rasa_url="http://rasa.test/", service_token="t", claim_secret=CLAIM_SECRET)


async def test_send__posts_sender_message_metadata_and_parses_replies():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, json=[{"recipient_id": "CA1", "text": "好的"},
                                         {"recipient_id": "CA1", "custom": {"action": "transfer", "to": "+8625"}}])

    assistant = RasaAssistant(settings(), transport=httpx.MockTransport(handler))
    replies = await assistant.send("CA1", "转人工", {"channel": "phone", "call_sid": "CA1"})
    await assistant.aclose()
    path, body = seen[0]
    claim = body["metadata"].pop("claim")
    assert (path, body) == ("/webhooks/rest/webhook", {"sender": "CA1", "message": "转人工",
                                                       "metadata": {"channel": "phone", "call_sid": "CA1"}})
    assert claims.verify(CLAIM_SECRET, claim, conversation_id="CA1").phone is None
    assert replies == [Reply(text="好的"), Reply(custom={"action": "transfer", "to": "+8625"})]
    assert replies[1].action == "transfer"


@pytest.mark.parametrize("response", [httpx.Response(500), httpx.Response(200, text="<html>"),
                                      httpx.Response(200, json={"not": "a list"})])
async def test_send__bad_answers_raise_assistant_unavailable(response):
    assistant = RasaAssistant(settings(), transport=httpx.MockTransport(lambda _r: response))
    with pytest.raises(AssistantUnavailable):
        await assistant.send("CA1", "你好", {})


async def test_send__unreachable_server_raises_assistant_unavailable():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(AssistantUnavailable):
        await RasaAssistant(settings(), transport=httpx.MockTransport(refuse)).send("CA1", "你好", {})


def test_parse_replies__skips_empty_and_foreign_items():
    assert parse_replies([{"text": "  "}, "x", {"image": "u"}, {"text": "在"}]) == [Reply(text="在")]


async def test_send__the_callers_number_travels_only_inside_a_claim_bound_to_the_call():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=[])

    assistant = RasaAssistant(settings(), transport=httpx.MockTransport(handler))
    await assistant.send("CA7", "查时间币", {"channel": "phone", "phone": "+8613912340001", "person_id": 3})
    await assistant.aclose()
    metadata = seen[0]["metadata"]
    assert "phone" not in metadata and "person_id" not in metadata
    claim = claims.verify(CLAIM_SECRET, metadata["claim"], conversation_id="CA7")
    assert (claim.phone, claim.person_id, claim.channel) == ("+8613912340001", None, "phone")
    with pytest.raises(claims.ClaimRefused):
        claims.verify(CLAIM_SECRET, metadata["claim"], conversation_id="CA8")
