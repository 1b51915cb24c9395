"""The job queue (procrastinate, in the records' PostgreSQL database) and Yinling's periodic jobs.

| job | when | lock | what |
|---|---|---|---|
| ``yinling.dispatch_pass`` | every ``dispatch_interval_seconds`` | ``yinling.dispatch`` | ``loop.run_once``: expire offers, offer open orders, escalate |
| ``yinling.messages_pass`` | the same | ``yinling.messages`` | ``loop.messages_once``: write due texts, send them, retry failed sends |
| ``yinling.retry_stalled`` | every ``RETRY_STALLED_EVERY`` s | none | put back the jobs of workers whose heartbeat stopped |
| ``yinling.remove_old_jobs`` | hourly | none | delete jobs finished more than ``KEEP_FINISHED_HOURS`` ago |
| each ``maintenance`` job | daily | its name | what the assembly adds (the conversation store's retention) |

Every worker defers the periodic jobs; procrastinate's ``procrastinate_periodic_defers`` table keeps one job
per task and scheduled second, however many workers defer it (nearly: it remembers only the newest, so a
lagging worker can defer an older second again, and ``_ran_already`` makes that twin do nothing). A lock makes a task's jobs run one after
another. ``retry_stalled`` has no lock on purpose: a lock held by a killed worker's job would be freed only
by ``retry_stalled`` itself. A job more than ``late_after`` seconds behind its schedule does nothing (a
newer pass is queued behind it), so a backlog after an outage costs one real pass, not hundreds.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import procrastinate
from procrastinate.exceptions import ConnectorException
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine, text
from sqlalchemy.exc import InterfaceError, OperationalError

from backend.api.state import AppState
from backend.core.db import normalise_url
from backend.matching import loop
from backend.messaging import sms, voice
from observe.metrics import DISPATCH_PASSES

log = logging.getLogger("yinling.jobs")
QUEUE = "yinling"
HEARTBEAT_SECONDS = 5.0
"""How often a queue worker tells the database it is alive."""
STALLED_AFTER_SECONDS = 20.0
"""A worker silent this long is gone: its running jobs are queued again."""
RETRY_STALLED_EVERY = 10
KEEP_FINISHED_HOURS = 24
SCHEMA_LOCK = 0x59_4A_4F_42  # "YJOB": one process creates the queue's tables
DATABASE_RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=5,
                                             retry_exceptions={OperationalError, InterfaceError})
"""A job that lost its database connection (a PostgreSQL restart) runs again 5 s later, up to 5 times."""
_DIVISORS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)


def conninfo(database_url: str) -> str:
    """libpq's URI for the records' SQLAlchemy URL: same server, database, user and options (a search_path)."""
    return "postgresql://" + normalise_url(database_url).split("://", 1)[1]


def cron_every(seconds: float) -> str:
    """A cron line for "about every ``seconds``": the largest step at most ``seconds`` that divides the minute
    (procrastinate's sixth column, the last, is seconds) or the hour."""
    if seconds < 60:
        step = max(d for d in _DIVISORS if d <= max(1, int(seconds)))
        return f"* * * * * */{step}"
    if seconds < 3600:
        step = max(d for d in _DIVISORS if d <= int(seconds // 60))
        return f"*/{step} * * * *"
    return "0 * * * *"


def ensure_schema(engine: Engine) -> bool:
    """Create procrastinate's tables and functions (its ``schema.sql``) if the database has none; True if it
    did. Several workers starting at once: the advisory lock lets one create them, the others find them."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        if connection.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            return False
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(SchemaManager.get_schema())  # no parameters: '%' stays as written
    log.info("job queue tables created (procrastinate %s)", procrastinate.__version__)
    return True


def _late(timestamp: int, late_after: float) -> bool:
    return time.time() - timestamp > late_after


def _ran_already(engine: Engine, job, timestamp: int) -> int | None:
    """Another job of this task for the same scheduled second that already ran (its id), or None.

    procrastinate keeps only a task's newest periodic defer, so a worker whose deferrer lags a period
    behind another's can defer an older second again. The task's lock runs such twins one after the other,
    so the second finds the first finished here and does nothing."""
    with engine.connect() as connection:
        return connection.scalar(text(
            "SELECT id FROM procrastinate_jobs WHERE task_name = :task AND id <> :id AND status = 'succeeded' "
            "AND args->>'timestamp' = :ts LIMIT 1"), {"task": job.task_name, "id": job.id, "ts": str(timestamp)})


def build_queue(state: AppState, *, maintenance: Mapping[str, Callable[[], object]] | None = None,
                ) -> procrastinate.App:
    """The queue with Yinling's jobs, on ``state``'s database. ``maintenance``: name → function, each run
    once a day (the assembly's jobs, which the backend cannot import)."""
    settings = state.settings
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url), min_size=1, max_size=4))
    interval = settings.dispatch_interval_seconds
    late_after = max(120.0, 8 * interval)
    if interval > 0:
        sender, caller = sms.from_settings(settings), voice.from_settings(settings)
        every = cron_every(interval)

        @app.periodic(cron=every, periodic_id="dispatch")
        @app.task(name="yinling.dispatch_pass", queue=QUEUE, lock="yinling.dispatch", retry=DATABASE_RETRY,
                  pass_context=True)
        def dispatch_pass(context: procrastinate.JobContext, timestamp: int) -> str:
            if _late(timestamp, late_after):
                return "late: a newer pass is queued"
            if (twin := _ran_already(state.engine, context.job, timestamp)) is not None:
                return f"ran already as job {twin}"
            try:
                report = loop.run_once(state)
            except Exception:
                DISPATCH_PASSES.labels("failed").inc()
                raise
            loop.record(report)
            return f"offered {report.offered}, timed out {report.timed_out}, escalated {report.escalated}"

        @app.periodic(cron=every, periodic_id="messages")
        @app.task(name="yinling.messages_pass", queue=QUEUE, lock="yinling.messages", retry=DATABASE_RETRY,
                  pass_context=True)
        def messages_pass(context: procrastinate.JobContext, timestamp: int) -> str:
            if _late(timestamp, late_after):
                return "late: a newer pass is queued"
            if (twin := _ran_already(state.engine, context.job, timestamp)) is not None:
                return f"ran already as job {twin}"
            report = loop.messages_once(state, sender, caller)
            return "sending off" if report is None else \
                f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"

    @app.periodic(cron=f"* * * * * */{RETRY_STALLED_EVERY}", periodic_id="retry_stalled")
    @app.task(name="yinling.retry_stalled", queue=QUEUE)
    async def retry_stalled(timestamp: int) -> str:
        again = []
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
            try:
                await app.job_manager.retry_job(job)
            except ConnectorException as exc:  # another pass put it back first
                log.info("stalled job %s not queued again: %s", job.id, exc)
                continue
            log.warning("job %s (%s) of a worker that stopped is queued again", job.id, job.task_name)
            again.append(job.id)
        return f"queued again: {again}"

    @app.periodic(cron="7 * * * *", periodic_id="remove_old_jobs")
    @app.task(name="yinling.remove_old_jobs", queue=QUEUE)
    async def remove_old_jobs(timestamp: int) -> None:
        await app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS, include_failed=True,
                                              include_cancelled=True, include_aborted=True)

    for name, work in (maintenance or {}).items():
        _daily(app, name, work)
    return app


def _daily(app: procrastinate.App, name: str, work: Callable[[], object]) -> None:
    def run(timestamp: int) -> str:
        return str(work())

    run.__name__ = name
    task = app.task(name=f"yinling.{name}", queue=QUEUE, lock=f"yinling.{name}", retry=DATABASE_RETRY)(run)
    app.periodic(cron="17 19 * * *", periodic_id=name)(task)  # 03:17 in Shanghai, the quiet hour
