"""Running the dispatcher in the API process: one pass every few seconds, off the event loop. Each pass
also writes the text messages the new order events call for and sends the due ones (``messaging``)."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from backend.api.state import AppState
from backend.core.db import unit_of_work
from backend.matching.dispatch import tick
from backend.messaging import outbox, sms, voice
from backend.models.base import utcnow
from observe.metrics import DISPATCH_OUTCOMES, DISPATCH_PASSES

log = logging.getLogger("yinling.dispatch")


def run_once(state: AppState):
    with unit_of_work(state.sessions) as session:
        return tick(session, policy=state.policy, tz=state.settings.timezone, now=utcnow())


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


async def _loop(state: AppState, interval: float) -> None:
    sender, caller = sms.from_settings(state.settings), voice.from_settings(state.settings)
    if sender is None:
        log.info("SMS not configured (YINLING_TWILIO_*, YINLING_SMS_FROM): messages wait in the outbox")
    while True:
        try:
            report = await run_in_threadpool(run_once, state)
            DISPATCH_PASSES.labels("ok").inc()
            for outcome in ("offered", "timed_out", "escalated"):
                DISPATCH_OUTCOMES.labels(outcome).inc(len(getattr(report, outcome)))
            if report.offered or report.timed_out or report.escalated:
                log.info("dispatch: offered %s, timed out %s, escalated %s",
                         report.offered, report.timed_out, report.escalated)
        except Exception:  # a failed pass is retried on the next one; nothing is half-written
            DISPATCH_PASSES.labels("failed").inc()
            log.exception("dispatch pass failed")
        try:
            await run_in_threadpool(messages_once, state, sender, caller)
        except Exception:  # the outbox keeps every message; the next pass tries again
            log.exception("messaging pass failed")
        await asyncio.sleep(interval)


def dispatcher_lifespan(state: AppState):
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        interval = state.settings.dispatch_interval_seconds
        task = asyncio.create_task(_loop(state, interval)) if interval > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
    return lifespan
