"""Health endpoints for the reverse proxy and the process supervisor (no login: they say nothing
about anyone).

- ``GET /livez``: the process answers (its event loop is not stuck). A supervisor restarts it if not.
- ``GET /readyz``: this worker can serve now: the database answers, and every check another part
  registered in ``app.state.readiness`` (the hotline's shared call state) passes. 503 with the names of
  the failing checks otherwise, so the proxy sends traffic to another worker.
- ``GET /health``: the older summary (policy, database kind), kept for `make run` and the tests.
"""
from __future__ import annotations

import logging
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from backend.api.state import AppState

log = logging.getLogger(__name__)


def _database(state: AppState) -> Callable[[], None]:
    def check() -> None:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    return check


def install(app: FastAPI, state: AppState) -> None:
    """Add the endpoints; other parts add ``name → check`` (raises when not ready) to ``app.state.readiness``."""
    app.state.readiness = {"database": _database(state)}

    @app.get("/health", tags=["health"])
    def health():
        return {"status": "ok", "policy": state.policy.name, "database": state.engine.dialect.name}

    @app.get("/livez", tags=["health"])
    async def livez():
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request):
        failing = []
        for name, check in request.app.state.readiness.items():
            try:
                await run_in_threadpool(check)
            except Exception as exc:  # noqa: BLE001 - any failure means not ready; say which
                log.warning("readiness: %s failed: %s", name, exc.__class__.__name__)
                failing.append(name)
        if failing:
            return JSONResponse({"status": "not ready", "failing": failing}, status_code=503)
        return {"status": "ready"}
