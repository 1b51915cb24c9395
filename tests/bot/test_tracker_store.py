"""bot/tracker_store.py: bot/endpoints.yml loads it through Rasa's own loader (a wrong path would silently
give Rasa's in-memory store), and on PostgreSQL a conversation is read back after the server dropped every
connection of the store's pool, as a restart does, where Rasa's stock SQL store fails the read."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from tests.bot.test_conversation_store import ROOT, save, tracker_url  # noqa: F401 - the fixture


def test_endpoints_yml__the_tracker_store_is_the_restart_safe_one(tmp_path, monkeypatch):
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import read_endpoint_config

    from bot.tracker_store import RestartSafeSQLTrackerStore

    from bot.conversation_store import ConversationStore

    store_env = ConversationStore(tracker_url=f"sqlite:///{tmp_path / 'conversations.db'}").rasa_env()
    for name, value in {**store_env, "YINLING_ACTIONS_URL": "http://127.0.0.1:9", "YINLING_ACTION_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(config, Domain.empty())
    assert type(store) is RestartSafeSQLTrackerStore
    assert store.engine.pool._pre_ping
    store.engine.dispose()


def drop_connections(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        dropped = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :d "
            "AND pid <> pg_backend_pid()"), {"d": name}).scalar()
    admin.dispose()
    return dropped


@pytest.mark.parametrize("tracker_url", ["postgres"], indirect=True)  # the server side drops the connections
def test_a_conversation_is_read_after_the_server_dropped_the_pools_connections(tracker_url):  # noqa: F811
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import RestartSafeSQLTrackerStore

    stock, safe = SQLTrackerStore(Domain.empty(), host=tracker_url), RestartSafeSQLTrackerStore(
        Domain.empty(), host=tracker_url)
    save(safe, "CA-restart", 1_700_000_000.0)
    assert asyncio.run(stock.retrieve("CA-restart")) is not None and asyncio.run(safe.retrieve("CA-restart"))
    assert drop_connections(tracker_url) >= 2
    with pytest.raises(sa.exc.OperationalError):  # what Rasa's fail-safe turns into "a new conversation"
        asyncio.run(stock.retrieve("CA-restart"))
    tracker = asyncio.run(safe.retrieve("CA-restart"))
    assert tracker is not None and tracker.latest_message.text == "我想预约送餐"
    stock.engine.dispose()
    safe.engine.dispose()
