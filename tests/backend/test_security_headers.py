"""Security headers on every kind of response of the assembled app (API JSON, refusals, pages, the
OpenAPI page) and the body limit per route. Headers do not depend on the database: SQLite only."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.api.middleware import DEFAULT_BODY_LIMIT, STRICT_CSP, body_limit_for, csp_for
from tests.backend.conftest import SERVICE_TOKEN, make_state
from web.app import attach_web


@pytest.fixture
def app_client(sqlite_url):
    state = make_state(sqlite_url)
    with TestClient(attach_web(create_app(state=state)), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as c:
        yield c
    state.engine.dispose()


def assert_secured(response, csp=STRICT_CSP):
    assert response.headers["content-security-policy"] == csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_security_headers__on_api_answers_refusals_and_pages(app_client):
    for response in (app_client.get("/health"),
                     app_client.get("/api/v1/services"),
                     app_client.get("/api/v1/persons/999999"),                       # 404 JSON
                     app_client.post("/api/v1/orders", json={}),                     # 422 JSON
                     app_client.post("/api/v1/registrations", content=b"x" * (DEFAULT_BODY_LIMIT + 1),
                                     headers={"content-type": "application/json"}),  # 413 before any route
                     app_client.get("/api/v1/persons/1", headers={"Authorization": ""}),  # 401
                     app_client.get("/console/login"), app_client.get("/family/login"),
                     app_client.get("/web/static/family/family.js"),
                     app_client.get("/console/orders/1", headers={"accept": "text/html"}, follow_redirects=False)):
        assert_secured(response)
    assert "frame-ancestors 'none'" in STRICT_CSP and "'unsafe-inline'" not in STRICT_CSP
    docs = app_client.get("/docs")
    assert docs.status_code == 200
    assert_secured(docs, csp_for("/docs"))
    assert "frame-ancestors 'none'" in csp_for("/docs")


def test_security_headers__body_limits_per_route():
    assert body_limit_for("/api/v1/orders") == DEFAULT_BODY_LIMIT == 64 * 1024
    assert body_limit_for("/console/backfill") > 1_000_000  # the sheet's own 1 MB check answers first
    assert body_limit_for("/console/backfilled") == DEFAULT_BODY_LIMIT
