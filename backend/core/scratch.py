"""Throwaway databases for tests and benchmarks: a PostgreSQL schema made and dropped around a block,
and an AppState on any URL with the schema migrated. Not used by the running service."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from backend.api.state import AppState
from backend.core.bootstrap import prepare_database
from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.policy import load_profile


@contextmanager
def scratch_postgres_schema(server_url: str, prefix: str = "t") -> Iterator[str]:
    """Yield a URL whose connections use a new, empty schema; drop the schema afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def migrated_state(url: str, *, policy: str = "default", secret_key: str = "scratch-secret-key-0123456789",
                   service_token: str = "scratch-service-token",
                   claim_secret: str = "scratch-claim-secret-0123456789") -> AppState:
    """An AppState on ``url`` with every migration applied; the background dispatcher is off."""
    settings = Settings(env="test", database_url=url, policy=policy, secret_key=secret_key,
                        service_tokens=service_token, claim_secret=claim_secret, dispatch_interval_seconds=0)
    engine = make_engine(settings.database_url)
    state = AppState(settings=settings, engine=engine, sessions=make_session_factory(engine),
                     policy=load_profile(policy))
    prepare_database(state)
    return state
