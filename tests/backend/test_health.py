"""/livez and /readyz: what the reverse proxy asks before it sends a worker traffic."""
from __future__ import annotations

import shutil

from fastapi.testclient import TestClient

from backend.api.app import create_app
from ivr.app import attach_ivr
from tests.backend.conftest import make_state
from tests.ivr.conftest import ivr_settings


def test_livez_and_readyz__answer_without_login_on_both_databases(client):
    bare = {"Authorization": ""}
    assert client.get("/livez", headers=bare).json() == {"status": "alive"}
    ready = client.get("/readyz", headers=bare)
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_readyz__a_database_that_does_not_answer_makes_the_worker_not_ready(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    state = make_state(f"sqlite:///{folder / 'yinling.db'}")
    app = create_app(state=state)
    with TestClient(app) as client:
        shutil.rmtree(folder)  # SQLite cannot open a file in a folder that is gone
        state.engine.dispose()
        answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json() == {"status": "not ready", "failing": ["database"]}
    assert client.get("/livez").status_code == 200


def test_readyz__the_hotlines_shared_call_state_down_makes_the_worker_not_ready(tmp_path):
    state = make_state(f"sqlite:///{tmp_path / 'yinling.db'}")
    app = create_app(state=state)
    attach_ivr(app, ivr_settings("http://127.0.0.1:9", state_url="redis://127.0.0.1:9/0"))
    answer = TestClient(app).get("/readyz")
    assert answer.status_code == 503 and answer.json()["failing"] == ["call_state"]
