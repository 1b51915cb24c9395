"""What is waiting, read from the shared database when Prometheus scrapes (a custom collector for
``observe.metrics``' registry): orders by queue, the unmatched orders escalated to an operator, the
ledger's length (its head ``seq``: rate() of it is ledger writes per second across every worker), the
SMS outbox (``order_messages`` pending or given up), and the bot's outbox, writes the backend has not acknowledged yet (bot/actions/outbox.py's file).

Counts only, by fixed state names: nothing personal. A database that does not answer reports
``yinling_database_up 0`` instead of failing the scrape.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from backend.api.state import AppState
from backend.models import LedgerHead, Order, OrderMessage
from backend.orders import states

log = logging.getLogger(__name__)
SMS_WAITING = ("pending", "failed")  # the SMS outbox (backend/messaging): backlog, and given up
QUEUES = (states.REQUESTED, states.OPEN, states.ASSIGNED, states.HELD)  # operator review, matching, offered, held


def _lines(path: Path) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())
    except FileNotFoundError:
        return 0


class BacklogCollector(Collector):
    def __init__(self, state: AppState, outbox_path: Path):
        self.state, self.outbox_path = state, Path(outbox_path)

    def collect(self) -> Iterator:
        up = GaugeMetricFamily("yinling_database_up", "1 if the database answered this scrape")
        try:
            with self.state.sessions() as session:
                by_state = dict(session.execute(select(Order.state, func.count()).where(
                    Order.state.in_(QUEUES)).group_by(Order.state)).all())
                escalated = session.scalar(select(func.count()).select_from(Order).where(
                    Order.state == states.OPEN, Order.escalated_at.is_not(None)))
                head = session.scalar(select(LedgerHead.seq).where(LedgerHead.id == 1)) or 0
                messages = dict(session.execute(select(OrderMessage.status, func.count()).where(
                    OrderMessage.status.in_(SMS_WAITING)).group_by(OrderMessage.status)).all())
        except SQLAlchemyError as exc:
            log.warning("metrics: database did not answer: %s", exc.__class__.__name__)
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            orders = GaugeMetricFamily("yinling_orders_waiting", "Orders waiting, by queue (order state)",
                                       labels=["state"])
            for name in QUEUES:
                orders.add_metric([name], by_state.get(name, 0))
            yield orders
            yield GaugeMetricFamily("yinling_orders_escalated", "Open orders escalated to an operator (unmatched)",
                                    value=escalated or 0)
            sms = GaugeMetricFamily("yinling_sms_outbox", "Text messages not sent: waiting for an attempt, or "
                                    "given up", labels=["status"])
            for name in SMS_WAITING:
                sms.add_metric([name], messages.get(name, 0))
            yield sms
            yield CounterMetricFamily("yinling_ledger_entries", "Ledger entries written (the chain head's seq)",
                                      value=head)
        outbox = GaugeMetricFamily("yinling_bot_outbox_backlog", "Bot writes waiting for the backend, by kind",
                                   labels=["kind"])
        outbox.add_metric(["pending"], _lines(self.outbox_path))
        outbox.add_metric(["refused"], _lines(self.outbox_path.with_name(self.outbox_path.stem + ".refused.jsonl")))
        yield outbox
