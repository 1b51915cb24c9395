"""bot/conversation_store.py: the variables bot/endpoints.yml expands, and the retention job, against
Rasa's own SQLTrackerStore on SQLite and on PostgreSQL (a scratch database on the local server)."""
from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.conversation_store import ConfigurationError, ConversationStore, prune
from tests.availability import unavailable

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql://root@127.0.0.1:5432"
DAY = 86400


def test_from_env__defaults_are_the_embedded_stores():
    store = ConversationStore.from_env({})
    assert store.tracker_url == f"sqlite:///{ROOT / 'var' / 'conversations.db'}"
    assert store.lock_store == "in_memory" and store.retention_days == 30


def test_rasa_env__sets_every_variable_endpoints_yml_expands():
    expanded = set(re.findall(r"\$\{([A-Z_]+)\}", (ROOT / "bot" / "endpoints.yml").read_text()))
    env = ConversationStore.from_env({"YINLING_LOCK_STORE": "redis"}).rasa_env()
    assert expanded - {"YINLING_ACTIONS_URL", "YINLING_ACTION_TOKEN"} == set(env)
    assert env["YINLING_LOCK_STORE"] == "redis" and env["YINLING_LOCK_STORE_PASSWORD"] == ""


@pytest.mark.parametrize("env", [{"YINLING_LOCK_STORE": "memcached"}, {"YINLING_TRACKER_STORE_URL": "var/x.db"},
                                 {"YINLING_CONVERSATION_RETENTION_DAYS": "0"}])
def test_from_env__refuses_values_rasa_could_not_use(env):
    with pytest.raises(ConfigurationError):
        ConversationStore.from_env(env)


@pytest.fixture(params=["sqlite", "postgres"])
def tracker_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conversations.db'}"
        return
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


def rasa_store(url: str):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(Domain.empty(), host=url)


def save(store, sender: str, last_seen: float) -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen", timestamp=last_seen - 600),
              UserUttered("我想预约送餐", timestamp=last_seen)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def test_prune__deletes_whole_conversations_idle_past_retention_and_keeps_the_rest(tracker_url):
    now = time.time()
    store = rasa_store(tracker_url)
    save(store, "CA-old", now - 31 * DAY)
    save(store, "CA-recent", now - 29 * DAY)         # its first event is older than 30 days: kept whole
    save(store, "family-7", now - 60)

    removed = prune(ConversationStore(tracker_url=tracker_url, retention_days=30), now=now)

    assert removed == 1
    assert asyncio.run(store.retrieve("CA-old")) is None
    kept = asyncio.run(store.retrieve("CA-recent"))
    assert kept is not None and len(kept.events) == 2
    assert asyncio.run(store.retrieve("family-7")) is not None
    store.engine.dispose()


def test_prepare__the_sqlite_file_is_its_owners_only(tmp_path):
    path = tmp_path / "var" / "conversations.db"
    ConversationStore(tracker_url=f"sqlite:///{path}").prepare()
    assert path.exists() and path.stat().st_mode & 0o777 == 0o600


def test_prune__a_store_rasa_has_not_created_yet_has_nothing_to_prune(tmp_path):
    store = ConversationStore(tracker_url=f"sqlite:///{tmp_path / 'conversations.db'}")
    assert prune(store) == 0
