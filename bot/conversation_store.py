"""Where the Rasa server keeps conversations, and how long.

Rasa's own stores, configured in ``bot/endpoints.yml`` from environment variables (Rasa expands
``${...}`` there, and refuses to start if one is unset, so ``tools/run_all.py`` sets each of them
from ``ConversationStore.from_env`` below):

- **tracker store**: Rasa's ``SQLTrackerStore`` (one ``events`` table, one row per event).
  ``YINLING_TRACKER_STORE_URL`` is an SQLAlchemy URL: ``sqlite:///…/var/conversations.db`` by
  default (one Rasa process), ``postgresql://user:password@host:5432/yinling_conversations`` in
  production, shared by every Rasa server. A restart, or another server, continues a conversation
  from its stored events.
- **lock store**: while one message of a conversation is processed no other may be. ``in_memory``
  (the default) locks within one process; with several Rasa servers set ``YINLING_LOCK_STORE=redis``
  and ``YINLING_LOCK_STORE_HOST/PORT/DB/PASSWORD`` so the lock holds across them.
- **retention**: conversations whose newest event is older than ``YINLING_CONVERSATION_RETENTION_DAYS``
  (30 by default) are deleted whole by ``python -m bot.conversation_store prune`` (bot environment):
  ``tools/run_all.py`` runs it at every start; a production install runs it daily (docs/bot.md).
  A tracker holds only what the dialogue needs (docs/bot.md, "What the tracker holds"), and after the
  session expires (60 idle minutes, bot/domain.yml) a conversation starts afresh anyway.

Importing this module needs the standard library only (tools/run_all.py runs under either Python);
``prune`` imports SQLAlchemy, which the bot environment has.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TRACKER_URL = f"sqlite:///{REPO_ROOT / 'var' / 'conversations.db'}"
LOCK_STORES = ("in_memory", "redis")


class ConfigurationError(ValueError):
    """A conversation-store variable has a value Rasa could not use."""


@dataclass(frozen=True)
class ConversationStore:
    tracker_url: str = DEFAULT_TRACKER_URL
    """SQLAlchemy URL of the tracker store (YINLING_TRACKER_STORE_URL)."""
    lock_store: str = "in_memory"
    """in_memory (one Rasa process) or redis (several; YINLING_LOCK_STORE)."""
    lock_host: str = "127.0.0.1"
    """Redis host of the lock store (YINLING_LOCK_STORE_HOST)."""
    lock_port: int = 6379
    """(YINLING_LOCK_STORE_PORT)"""
    lock_db: int = 1
    """Redis database number, apart from the hotline's (YINLING_LOCK_STORE_DB)."""
    lock_password: str = ""
    """Redis password, from the environment only (YINLING_LOCK_STORE_PASSWORD)."""
    retention_days: float = 30.0
    """Conversations idle for longer are deleted by ``prune`` (YINLING_CONVERSATION_RETENTION_DAYS)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ConversationStore":
        env = os.environ if env is None else env
        store = cls(
            tracker_url=env.get("YINLING_TRACKER_STORE_URL") or DEFAULT_TRACKER_URL,
            lock_store=env.get("YINLING_LOCK_STORE") or "in_memory",
            lock_host=env.get("YINLING_LOCK_STORE_HOST") or "127.0.0.1",
            lock_port=int(env.get("YINLING_LOCK_STORE_PORT") or 6379),
            lock_db=int(env.get("YINLING_LOCK_STORE_DB") or 1),
            lock_password=env.get("YINLING_LOCK_STORE_PASSWORD", ""),
            retention_days=float(env.get("YINLING_CONVERSATION_RETENTION_DAYS") or 30))
        if store.lock_store not in LOCK_STORES:
            raise ConfigurationError(f"YINLING_LOCK_STORE is one of {', '.join(LOCK_STORES)}, not {store.lock_store!r}")
        if "://" not in store.tracker_url:
            raise ConfigurationError("YINLING_TRACKER_STORE_URL is an SQLAlchemy URL (sqlite:///path, postgresql://…)")
        if store.retention_days <= 0:
            raise ConfigurationError("YINLING_CONVERSATION_RETENTION_DAYS must be positive")
        return store

    def rasa_env(self) -> dict[str, str]:
        """The variables bot/endpoints.yml expands, every one set (Rasa refuses an unset one)."""
        return {"YINLING_TRACKER_STORE_URL": self.tracker_url, "YINLING_LOCK_STORE": self.lock_store,
                "YINLING_LOCK_STORE_HOST": self.lock_host, "YINLING_LOCK_STORE_PORT": str(self.lock_port),
                "YINLING_LOCK_STORE_DB": str(self.lock_db), "YINLING_LOCK_STORE_PASSWORD": self.lock_password}

    def prepare(self) -> None:
        """Create the SQLite file's folder, and the file readable by its owner only (conversations carry
        callers' claims); Rasa creates the table."""
        if self.tracker_url.startswith("sqlite:///"):
            path = Path(self.tracker_url[len("sqlite:///"):])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)


def prune(store: ConversationStore, now: float | None = None) -> int:
    """Delete every conversation whose newest event is older than the retention period; returns how
    many conversations went. Whole conversations only: deleting a tracker's older events would leave
    Rasa a history that starts mid-dialogue. A store Rasa has not created yet has nothing to prune."""
    import sqlalchemy as sa

    cutoff = (time.time() if now is None else now) - store.retention_days * 86400
    engine = sa.create_engine(store.tracker_url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            old = [row[0] for row in connection.execute(sa.text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff})]
            for start in range(0, len(old), 500):
                connection.execute(sa.text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": old[start:start + 500]})
        return len(old)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.conversation_store",
                                     description="The Rasa server's conversation store (bot/endpoints.yml).")
    parser.add_argument("command", choices=["prune"], help="prune: delete conversations past the retention period")
    parser.parse_args(argv)
    try:
        store = ConversationStore.from_env()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store.prepare()
    removed = prune(store)
    print(f"conversations older than {store.retention_days:g} days deleted: {removed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
