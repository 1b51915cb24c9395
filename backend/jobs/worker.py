"""Where background work runs in a backend process: the app's lifespan starts it and stops it.

``background_lifespan`` chooses by ``YINLING_BACKGROUND``: ``embedded`` runs ``loop.embedded_loop`` (nothing
when ``dispatch_interval_seconds`` is 0); ``queue`` runs a procrastinate queue worker (``run_queue_worker``)
beside the API, one job at a time, in every backend process of the production layout.

procrastinate's worker stops when its database connection fails for good (a side task such as the
heartbeat raises, or fetching a job does); ``run_queue_worker`` then starts it again, waiting 1, 2, 4 … 30 s
while the database stays away. The jobs the stopped worker was running are left ``doing`` under its old
worker id, whose heartbeat no longer moves: ``retry_stalled`` puts them back.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager

import procrastinate
from fastapi import FastAPI

from backend.api.state import AppState
from backend.jobs import queue
from backend.matching.loop import embedded_loop

log = logging.getLogger("yinling.jobs")
STOP_GRACE_SECONDS = 10.0
"""On shutdown a running job gets this long to finish; then it is aborted and queued again."""


async def run_queue_worker(app: procrastinate.App, name: str) -> None:
    """Runs ``app``'s queue worker until cancelled, starting it again whenever it stops on its own."""
    pause = 1.0
    while True:
        started = time.monotonic()
        try:
            async with app.open_async():
                await app.run_worker_async(
                    name=name, install_signal_handlers=False, concurrency=1,
                    update_heartbeat_interval=queue.HEARTBEAT_SECONDS,
                    stalled_worker_timeout=queue.STALLED_AFTER_SECONDS,
                    shutdown_graceful_timeout=STOP_GRACE_SECONDS)
            log.warning("queue worker %s stopped (database connection lost?)", name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database is away; try again, say why
            log.warning("queue worker %s: %s: %s", name, exc.__class__.__name__, exc)
        pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 30.0)
        await asyncio.sleep(pause)


def background_lifespan(state: AppState, maintenance: Mapping[str, Callable[[], object]] | None = None):
    """The app's lifespan: background work on for as long as the app serves."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        settings = state.settings
        task = None
        if settings.background == "queue":  # the queue's tables: prepare_database made them
            # procrastinate logs every job's start and end at INFO (several a second across the workers);
            # its warnings and errors, and our own lines about stalled jobs, are what an operator needs
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
            name = f"{socket.gethostname()}:{os.getpid()}"
            task = asyncio.create_task(run_queue_worker(queue.build_queue(state, maintenance=maintenance), name))
        elif settings.dispatch_interval_seconds > 0:
            task = asyncio.create_task(embedded_loop(state, settings.dispatch_interval_seconds))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                try:
                    await asyncio.wait_for(task, STOP_GRACE_SECONDS + 5)
                except (asyncio.CancelledError, asyncio.TimeoutError):
                    pass
    return lifespan
