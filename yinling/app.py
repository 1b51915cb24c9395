"""One FastAPI application with every front door: the API, the operator console and family pages, the
hotline's webhooks, Media Streams gateway and browser phone."""
from __future__ import annotations

from fastapi import FastAPI

from backend.api.app import create_app
from backend.api.state import AppState
from backend.core.config import Settings
from backend.core.db import normalise_url
from bot.conversation_store import ConversationStore, prune
from ivr.app import attach_ivr
from ivr.settings import IvrSettings
from web.app import attach_web


def maintenance_jobs(settings: Settings) -> dict:
    """The daily jobs the job queue runs for the parts above the backend: the Rasa conversation store's
    retention (the same ``prune`` as ``python -m bot.conversation_store prune``), when its URL is known."""
    if not settings.tracker_store_url:
        return {}
    store = ConversationStore(tracker_url=normalise_url(settings.tracker_store_url),
                              retention_days=settings.conversation_retention_days)
    return {"prune_conversations": lambda: f"conversations deleted: {prune(store)}"}


def assemble(state: AppState, ivr_settings: IvrSettings | None = None) -> FastAPI:
    app = create_app(state=state, maintenance=maintenance_jobs(state.settings))
    attach_ivr(app, ivr_settings)  # the hotline beside the API
    attach_web(app)  # the operator console and the family chat pages
    return app
