"""Rasa's SQL tracker store, made to ride out a database restart (``bot/endpoints.yml``: ``type:
bot.tracker_store.RestartSafeSQLTrackerStore``).

Why: Rasa wraps every tracker store in its ``FailSafeTrackerStore``, which answers a failed read with "no
conversation" and a failed write by keeping the turn in the server's memory. With the stock SQL store a
PostgreSQL restart therefore made each conversation's next turn start afresh (the booking's caller heard
还有别的要帮忙的吗？ instead of the read-back; ``tests/tools/test_run_prod_postgres.py``): the pool's
connections had died with the server, and the first use of each failed.

What this store changes, nothing else:
- its engine checks a pooled connection before use (``pool_pre_ping``), so connections that died with a
  restarted server are replaced instead of failing a turn;
- a read or write that fails on the connection (``OperationalError``, ``InterfaceError``) is tried again
  every ``RETRY_PAUSE_SECONDS`` for up to ``RETRY_SECONDS``, while the server restarts; the turn waits.
  A write tried again is safe: the store adds only the events it does not hold yet.
Longer outages still end in Rasa's fail-safe (the conversation starts afresh), as before.

Imported by the Rasa server only (bot environment, SQLAlchemy 1.4).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Optional, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)
RETRY_SECONDS = 20.0
RETRY_PAUSE_SECONDS = 0.5
T = TypeVar("T")


class RestartSafeSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with a pre-pinged pool and reads and writes retried through a restart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _through_restart(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                return await call()
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("conversation store: %s failed (%s); trying again", what, exc.__class__.__name__)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._through_restart("read", lambda: super(RestartSafeSQLTrackerStore, self)
                                           .retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._through_restart("read", lambda: super(RestartSafeSQLTrackerStore, self)
                                           .retrieve_full_tracker(sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._through_restart("write", lambda: super(RestartSafeSQLTrackerStore, self).save(tracker))
