"""Databases for ledger tests beyond conftest's one-per-test: a second empty database (restore
targets) and emptying a database between hypothesis examples (migrating one per example would
cost a second each)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


from backend.api.state import AppState
from backend.catalogue.catalogue import sync_catalogue
from backend.core.db import unit_of_work
from backend.core.scratch import scratch_postgres_schema
from backend.ledger import directory
from backend.ledger.journal import ensure_head
from backend.models import Base
from tests.backend.conftest import POSTGRES_URL, _pg_reason, postgres_available
from tests.availability import unavailable

KEPT = {"service_items"}  # the catalogue `db upgrade` loads; nothing the ledger writes


@contextmanager
def fresh_url(kind: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind`` ("sqlite" or "postgres"), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'yinling-{uuid.uuid4().hex[:8]}.db'}"
        return
    if not postgres_available():
        unavailable(_pg_reason[0])
    with scratch_postgres_schema(POSTGRES_URL) as url:
        yield url


def empty_database(state: AppState) -> None:
    """Delete every row but the catalogue's, then put back the ledger head, as after `db upgrade`;
    the account ids the process remembered for this database go too (ids may be reused)."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEPT]
    with unit_of_work(state.sessions) as session:  # DELETE, not TRUNCATE: far faster on tiny tables
        for table in tables:
            session.execute(table.delete())
    directory.forget(state.engine)
    with unit_of_work(state.sessions) as session:
        sync_catalogue(session)
        ensure_head(session)
