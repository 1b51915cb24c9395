"""Shared fixtures: a real database per test (SQLite file, or a fresh PostgreSQL schema), the real
app, and clients authenticated as the bot's service token or as an operator."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from backend.api.state import AppState
from backend.core.db import unit_of_work
from backend.core.scratch import migrated_state, scratch_postgres_schema
from tests.availability import unavailable

POSTGRES_URL = os.environ.get("YINLING_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
SERVICE_TOKEN = "test-service-token"
_pg_reason: list[str] = []


def postgres_available() -> bool:
    if not _pg_reason:
        try:
            with create_engine(POSTGRES_URL).connect() as conn:
                conn.execute(text("SELECT 1"))
            _pg_reason.append("")
        except OperationalError as exc:
            _pg_reason.append(f"PostgreSQL at {POSTGRES_URL} did not answer: {exc.orig}")
    return not _pg_reason[0]


def pytest_report_header(config):
    return "postgres: " + ("available" if postgres_available() else _pg_reason[0])


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A URL to an empty database of each kind; PostgreSQL gets a throwaway schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yinling.db'}"
        return
    if not postgres_available():
        unavailable(_pg_reason[0])
    with scratch_postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'yinling.db'}"


def make_state(url: str, policy: str = "default") -> AppState:
    return migrated_state(url, policy=policy, secret_key="test-secret-key-0123456789", service_token=SERVICE_TOKEN)


@pytest.fixture
def state(db_url) -> Iterator[AppState]:
    st = make_state(db_url)
    yield st
    st.engine.dispose()


@pytest.fixture
def session(state):
    with unit_of_work(state.sessions) as s:
        yield s


@pytest.fixture
def client(state):
    from fastapi.testclient import TestClient

    from backend.api.app import create_app
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as c:
        yield c


def operator_headers(client, username: str, password: str = "pw-123456") -> dict[str, str]:
    """Log in through the real endpoint and return the bearer header."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def row_counts(state) -> dict[str, int]:
    """Rows in every table, to prove a refused request stored nothing."""
    from sqlalchemy import func, select

    from backend.models import Base
    with state.sessions() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
