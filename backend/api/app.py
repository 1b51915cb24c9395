"""The FastAPI application factory."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Depends, FastAPI

from backend.api import errors, health
from backend.api.middleware import BodySizeLimit, SecurityHeaders
from backend.api.routes import (auth, calls, certificates, dispatch, disputes, family, fulfilment, intake, mall,
                                orders, persons, reference, transfers)
from backend.api.state import AppState
from backend.jobs.worker import background_lifespan
from backend.core.config import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, state: AppState | None = None, *,
               maintenance: Mapping[str, Callable[[], object]] | None = None) -> FastAPI:
    """``maintenance``: daily jobs the assembly adds to the job queue (``backend.jobs.queue``)."""
    state = state or AppState.from_settings(settings or get_settings())
    app = FastAPI(title="Yinling 银龄 time-bank API", version="1", docs_url="/docs",
                  description="People, orders, matching and the hash-chained time-coin ledger.",
                  lifespan=background_lifespan(state, maintenance))
    app.state.yinling = state
    errors.install(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)  # outermost: a refused body still gets the headers
    ids = [Depends(errors.path_ids_in_range)]
    api = APIRouter(prefix=API_PREFIX, dependencies=ids)
    for module in (auth, persons, family, orders, transfers, reference, intake, certificates, dispatch, fulfilment,
                   calls, disputes, mall):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(certificates.public_router, dependencies=ids)  # verification by code, no login
    health.install(app, state)
    return app
