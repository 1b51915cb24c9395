"""Unit tests of bot/actions/backend_client.py and the outbox, over httpx.MockTransport."""
import json

import httpx
import pytest

from bot.actions.backend_client import BackendClient, BackendRefused, NotFound, idempotency_key
from bot.actions.settings import BotSettings, ConfigurationError
from tests.bot.fakes import FakeBackend

ORDER = {"recipient_id": 1, "service_slug": "escort_medical", "start_at": "2025-03-13T09:00:00+08:00",
         "duration_minutes": 60, "address": "湖南路", "note": None, "channel": "phone"}


def test_idempotency_key__same_conversation_action_values_give_same_key():
    assert idempotency_key("c1", "create_order", ORDER) == idempotency_key("c1", "create_order", dict(ORDER))


@pytest.mark.parametrize("other", [("c2", "create_order", ORDER), ("c1", "gift", ORDER),
                                   ("c1", "create_order", {**ORDER, "start_at": "2025-03-14T09:00:00+08:00"})])
def test_idempotency_key__differs_when_anything_differs(other):
    assert idempotency_key("c1", "create_order", ORDER) != idempotency_key(*other)


def test_request__sends_service_token_and_idempotency_key(tmp_path):
    backend = FakeBackend()
    result = backend.client(tmp_path).create_order(ORDER, "key-1")
    sent = backend.posts("/orders")[0]
    assert sent.headers["Authorization"] == "Bearer test-token"
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert json.loads(sent.content) == ORDER
    assert result.data["id"] == 100 and not result.queued


def test_request__404_raises_not_found(tmp_path):
    with pytest.raises(NotFound) as caught:
        FakeBackend().client(tmp_path).person_by_phone("+8613800000000")
    assert caught.value.code == "person_not_found"


def test_write__refusal_carries_the_backends_chinese_message_and_is_not_queued(tmp_path):
    client = FakeBackend().client(tmp_path)
    with pytest.raises(BackendRefused) as caught:
        client.gift({"from_person_id": 7, "to_person_id": 1, "minutes": 60, "channel": "chat"}, "k")
    assert caught.value.message == "您的时间币不够。"
    assert client.outbox.pending() == []


def test_write__backend_down_queues_then_flush_sends_the_same_key_and_body(tmp_path):
    backend = FakeBackend(down=True)
    client = backend.client(tmp_path)
    result = client.create_order(ORDER, "key-9")
    assert result.queued and result.data is None
    assert [e["key"] for e in client.outbox.pending()] == ["key-9"]

    backend.down = False
    assert client.flush_outbox() == 1
    assert client.outbox.pending() == []
    sent = backend.posts("/orders")[-1]
    assert sent.headers["Idempotency-Key"] == "key-9" and json.loads(sent.content) == ORDER


def test_write__5xx_is_treated_as_unavailable_and_queued(tmp_path):
    settings = BotSettings("http://b.test", "t", tmp_path / "outbox.jsonl")
    client = BackendClient(settings, transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    assert client.donate({"from_person_id": 1, "minutes": 60, "channel": "chat"}, "k5").queued
    assert len(client.outbox.pending()) == 1


def test_write__next_write_flushes_older_queued_writes_first(tmp_path):
    backend = FakeBackend(down=True)
    client = backend.client(tmp_path)
    client.create_order(ORDER, "first")
    backend.down = False
    client.create_order({**ORDER, "service_slug": "cleaning"}, "second")
    keys = [r.headers["Idempotency-Key"] for r in backend.posts("/orders")]
    assert keys == ["first", "second"]


def test_outbox__same_key_is_queued_once(tmp_path):
    client = FakeBackend(down=True).client(tmp_path)
    client.create_order(ORDER, "same")
    client.create_order(ORDER, "same")
    assert len(client.outbox.pending()) == 1


def test_outbox__entry_refused_on_flush_is_kept_in_the_refused_file(tmp_path):
    backend = FakeBackend(down=True)
    client = backend.client(tmp_path)
    client.gift({"from_person_id": 7, "to_person_id": 1, "minutes": 600, "channel": "chat"}, "too-much")
    backend.down = False
    assert client.flush_outbox() == 1
    assert client.outbox.pending() == []
    refused = [json.loads(line) for line in client.outbox.refused_path.read_text().splitlines()]
    assert refused[0]["key"] == "too-much"


def test_settings__unset_secrets_come_from_the_generated_file_only_in_dev(tmp_path):
    secrets_file = tmp_path / "secrets.env"
    dev = BotSettings.from_env({"YINLING_ENV": "dev", "YINLING_SECRETS_FILE": str(secrets_file)})
    assert len(dev.service_token) >= 32 and dev.service_token != "dev-service-token"
    assert len({dev.service_token, dev.claim_secret, dev.action_token}) == 3
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    again = BotSettings.from_env({"YINLING_ENV": "dev", "YINLING_SECRETS_FILE": str(secrets_file)})
    assert (again.service_token, again.claim_secret) == (dev.service_token, dev.claim_secret)
    prod = {"YINLING_ENV": "prod", "YINLING_SERVICE_TOKEN": "s3", "YINLING_CLAIM_SECRET": "c",
            "YINLING_ACTION_TOKEN": "a"}
    assert BotSettings.from_env(prod).service_token == "s3"
    with pytest.raises(ConfigurationError):
        BotSettings.from_env({"YINLING_ENV": "prod", "YINLING_SERVICE_TOKEN": "s3"})


def test_read__asked_again_while_the_backend_answers_503_then_answered(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.actions.backend_client.READ_RETRY_PAUSE_S", 0.01)
    answers = iter([httpx.Response(503), httpx.Response(503), httpx.Response(200, json={"id": 7})])
    settings = BotSettings(backend_url="http://backend", service_token="t", outbox_path=tmp_path / "o.jsonl")
    client = BackendClient(settings, transport=httpx.MockTransport(lambda r: next(answers)))
    assert client.person_by_phone("+8613912340001") == {"id": 7}


def test_write__5xx_is_not_asked_again_but_queued(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.actions.backend_client.READ_RETRY_PAUSE_S", 0.01)
    calls = []
    settings = BotSettings(backend_url="http://backend", service_token="t", outbox_path=tmp_path / "o.jsonl")
    client = BackendClient(settings, transport=httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(503)))
    assert client.create_order(ORDER, "key-9").queued and len(calls) == 1
