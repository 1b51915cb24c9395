"""The background passes and the embedded way of running them.

``run_once`` is one dispatcher pass (``dispatch.tick``) and ``messages_once`` one messaging pass (writes the
texts the new order events call for, sends the due ones: ``messaging``). Each is one short piece of work that
redoes whatever an interrupted pass left undone: a pass is one transaction (a pass killed half-way leaves
nothing), and messages are claimed one by one (``outbox._claim``). Two dispatcher passes never overlap, even
when two processes start one at the same moment: on PostgreSQL the pass first takes a transaction-scoped
advisory lock, which the server releases when the transaction ends or its connection dies.

Who calls them: with ``YINLING_BACKGROUND=embedded`` (the default, ``make run``) ``embedded_loop`` runs both in
this process every ``dispatch_interval_seconds``; with ``queue`` they are jobs on the job queue, run once
across every worker (``backend.jobs``)."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from backend.api.state import AppState
from backend.core.db import is_postgres, unit_of_work
from backend.matching.dispatch import TickReport, tick
from backend.messaging import outbox, sms, voice
from backend.models.base import utcnow
from observe.metrics import DISPATCH_OUTCOMES, DISPATCH_PASSES

log = logging.getLogger("yinling.dispatch")
DISPATCH_LOCK = 0x59_49_4E_47  # "YING": the advisory lock key of the dispatcher pass


def run_once(state: AppState) -> TickReport:
    """One dispatcher pass in one transaction; on PostgreSQL it waits for any other pass to end first."""
    with unit_of_work(state.sessions) as session:
        if is_postgres(session):
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DISPATCH_LOCK})
        return tick(session, policy=state.policy, tz=state.settings.timezone, now=utcnow())


def record(report: TickReport) -> None:
    """The pass's outcomes as metrics and, when something happened, one log line."""
    DISPATCH_PASSES.labels("ok").inc()
    for outcome in ("offered", "timed_out", "escalated"):
        DISPATCH_OUTCOMES.labels(outcome).inc(len(getattr(report, outcome)))
    if report.offered or report.timed_out or report.escalated:
        log.info("dispatch: offered %s, timed out %s, escalated %s",
                 report.offered, report.timed_out, report.escalated)


def messages_once(state: AppState, sender: sms.SmsSender | None,
                  caller: voice.OfferCaller | None = None) -> outbox.DeliveryReport | None:
    """Collects the messages due (always, so none is lost) and sends them when Twilio is configured."""
    settings = state.settings
    with unit_of_work(state.sessions) as session:
        outbox.collect(session, base_url=settings.base_url, tz=settings.timezone, now=utcnow(),
                       reminder_hours=settings.reminder_hours)
    if sender is None and caller is None:
        return None
    return outbox.deliver(state.sessions, sender, now=utcnow(), caller=caller)


async def embedded_loop(state: AppState, interval: float) -> None:
    """Both passes in this process, one after the other, every ``interval`` seconds, until cancelled."""
    sender, caller = sms.from_settings(state.settings), voice.from_settings(state.settings)
    if sender is None:
        log.info("SMS not configured (YINLING_TWILIO_*, YINLING_SMS_FROM): messages wait in the outbox")
    while True:
        try:
            record(await run_in_threadpool(run_once, state))
        except Exception:  # a failed pass is retried on the next one; nothing is half-written
            DISPATCH_PASSES.labels("failed").inc()
            log.exception("dispatch pass failed")
        try:
            await run_in_threadpool(messages_once, state, sender, caller)
        except Exception:  # the outbox keeps every message; the next pass tries again
            log.exception("messaging pass failed")
        await asyncio.sleep(interval)
