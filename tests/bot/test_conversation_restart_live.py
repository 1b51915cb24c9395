"""Conversations outlive the Rasa process that held them (bot/endpoints.yml, bot/conversation_store.py),
against the real parts: the trained model in real Rasa servers started with `make run`'s command, the
action server and the backend (conftest.py), the local PostgreSQL and Redis.

- embedded default (`make run`): SQLite tracker store, in-memory lock; kill -9 Rasa in the middle of
  a booking, start it again, and the booking goes on from where the caller was;
- production: two Rasa servers sharing a PostgreSQL tracker store and a Redis lock store; the turns of
  one booking alternate between them, one is killed -9 and the other finishes the booking.

Four model loads in all (two at once in the second test): run under the heavy lock.
"""
from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa

from tests.availability import unavailable
from tests.bot.conftest import ELDER_PHONE, TOKEN
from tests.bot.live_rasa import RasaServer
from tests.bot.test_conversation_store import POSTGRES

pytestmark = pytest.mark.slow


def active_orders(backend_url: str) -> list[dict]:
    api = httpx.Client(base_url=backend_url + "/api/v1", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    person = api.get(f"/persons/by-phone/{ELDER_PHONE}").json()
    return api.get(f"/persons/{person['id']}/orders", params={"active": "true"}).json()


def new_orders(backend_url: str, before: list[dict]) -> list[str]:
    known = {o["id"] for o in before}
    return [o["service_slug"] for o in active_orders(backend_url) if o["id"] not in known]


@pytest.fixture
def postgres_tracker_url():
    name = f"yinling_conv_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL at {POSTGRES} did not answer: {exc.orig}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=14, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at 127.0.0.1:6379 did not answer: {exc}")
    yield 14
    client.flushdb()


def test_restart__kill_9_mid_booking_and_the_booking_goes_on(action_server, backend_url, tmp_path, trained_model):
    store = {"YINLING_TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'conversations.db'}"}
    rasa = RasaServer(action_server, store, tmp_path / "rasa.log").start().wait_ready()
    sender = f"CA{uuid.uuid4().hex}"
    try:
        before = active_orders(backend_url)
        rasa.say("我想预约送餐，明天中午", sender)
        rasa.kill()
        rasa.start().wait_ready()
        read_back = rasa.say("没有", sender)
        assert "送餐" in read_back and "对吗" in read_back, read_back
        done = rasa.say("对", sender)
        assert "约好了" in done, done
        assert new_orders(backend_url, before) == ["meal_delivery"]
    finally:
        rasa.stop()


def test_two_servers__postgres_and_redis_share_one_booking_and_survive_a_kill(
        action_server, backend_url, tmp_path, trained_model, postgres_tracker_url, redis_db):
    store = {"YINLING_TRACKER_STORE_URL": postgres_tracker_url, "YINLING_LOCK_STORE": "redis",
             "YINLING_LOCK_STORE_DB": str(redis_db)}
    first = RasaServer(action_server, store, tmp_path / "rasa-1.log").start()
    second = RasaServer(action_server, store, tmp_path / "rasa-2.log").start()
    sender = f"CA{uuid.uuid4().hex}"
    try:
        first.wait_ready()
        second.wait_ready()
        before = active_orders(backend_url)
        first.say("我想预约送餐，明天中午", sender)
        read_back = second.say("没有", sender)
        assert "送餐" in read_back and "对吗" in read_back, read_back
        first.kill()
        done = second.say("对", sender)
        assert "约好了" in done, done
        assert new_orders(backend_url, before) == ["meal_delivery"]
        engine = sa.create_engine(postgres_tracker_url)
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                        {"s": sender}).scalar()
        engine.dispose()
        assert stored > 6  # the whole conversation, from both servers
    finally:
        first.stop()
        second.stop()
