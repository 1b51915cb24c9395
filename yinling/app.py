"""One FastAPI application with every front door: the API, the operator console and family pages, the
hotline's webhooks, Media Streams gateway and browser phone."""
from __future__ import annotations

from fastapi import FastAPI

from backend.api.app import create_app
from backend.api.state import AppState
from ivr.app import attach_ivr
from ivr.settings import IvrSettings
from web.app import attach_web


def assemble(state: AppState, ivr_settings: IvrSettings | None = None) -> FastAPI:
    app = create_app(state=state)
    attach_ivr(app, ivr_settings)  # the hotline beside the API
    attach_web(app)  # the operator console and the family chat pages
    return app
