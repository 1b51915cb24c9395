"""Mounts the web pages on the backend's app: the console at /console, the family pages at /family,
the volunteer pages at /volunteer, the mall partners' page at /partner, their assets at /web/static (front-end bundles are built by `make web-assets` into web/static/dist)."""
from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from backend.api.errors import path_ids_in_range
from web import errors

STATIC_DIR = Path(__file__).parent / "static"


def attach_web(app: FastAPI) -> FastAPI:
    from web.console.routes import router as console_router
    from web.family.routes import router as family_router
    from web.partner.routes import router as partner_router
    from web.volunteer.routes import router as volunteer_router

    ids = [Depends(path_ids_in_range)]  # /console/orders/99999999999 is a missing page, not a 500
    app.include_router(console_router, dependencies=ids)
    app.include_router(family_router, dependencies=ids)
    app.include_router(volunteer_router, dependencies=ids)
    app.include_router(partner_router, dependencies=ids)

    errors.install(app)  # Chinese error pages for browsers; the API's JSON for everything else
    app.mount("/web/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="web-static")
    return app
