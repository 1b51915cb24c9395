"""Bringing a database to a usable state: migrations, catalogue, ledger head, demo data."""
from __future__ import annotations

from backend.api.state import AppState
from backend.catalogue.catalogue import sync_catalogue
from backend.core.clock import local_today
from backend.core.db import unit_of_work
from backend.core.migrate import upgrade
from backend.ledger.journal import ensure_head


def prepare_database(state: AppState, *, load_catalogue: bool = True) -> None:
    upgrade(state.settings.database_url, state.engine)
    if state.settings.background == "queue":
        from backend.jobs.queue import ensure_schema  # procrastinate is needed only with the queue
        ensure_schema(state.engine)
    if load_catalogue:
        with unit_of_work(state.sessions) as session:
            sync_catalogue(session)
            ensure_head(session)


def seed_demo(state: AppState) -> bool:
    from backend import demo
    with unit_of_work(state.sessions) as session:
        return demo.seed(session, state.policy, state.settings.secret_key, local_today(state.settings.timezone))
