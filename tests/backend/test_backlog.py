"""backend/core/backlog.py: what is waiting, read from the database at scrape time, on both databases."""
from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import CollectorRegistry

from backend.core.backlog import BacklogCollector
from backend.core.db import make_engine, make_session_factory, unit_of_work
from backend.models import OrderMessage
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from tests.backend.matching.conftest import build_world, tomorrow_at


def scrape(state, outbox) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(BacklogCollector(state, outbox))
    samples = {}
    for family in registry.collect():
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def test_backlog__counts_orders_by_queue_escalations_ledger_entries_and_the_outbox(state, tmp_path):
    world = build_world(state)
    outbox = tmp_path / "bot_outbox.jsonl"
    before = scrape(state, outbox)
    assert before["yinling_database_up"] == 1 and before["yinling_bot_outbox_backlog{kind=pending}"] == 0
    with unit_of_work(state.sessions) as session:
        orders = [create_order(session, NewOrder(recipient_id=world["elder"], service_slug="chat_companion",
                                              start_at=tomorrow_at(hour), duration_minutes=60, channel="phone",
                                              actor="service"), policy=state.policy, now=utcnow(),
                               today=utcnow().date()) for hour in (9, 14)]
        orders[0].escalated_at = utcnow()
        session.add(OrderMessage(order_id=orders[1].id, to_phone="+8613900000000", kind="offer", body="测试"))
        first_is_open = orders[0].state == "open"
    outbox.write_text('{"key": "a"}\n{"key": "b"}\n')
    outbox.with_name("bot_outbox.refused.jsonl").write_text('{"key": "c"}\n')

    after = scrape(state, outbox)

    waiting = {state_: after[f"yinling_orders_waiting{{state={state_}}}"] for state_ in ("requested", "open")}
    assert sum(waiting.values()) - sum(before[f"yinling_orders_waiting{{state={s}}}"] for s in waiting) == 2
    assert after["yinling_orders_escalated"] == before["yinling_orders_escalated"] + (1 if first_is_open else 0)
    assert after["yinling_ledger_entries_total"] >= before["yinling_ledger_entries_total"] >= 0
    assert after["yinling_sms_outbox{status=pending}"] == before["yinling_sms_outbox{status=pending}"] + 1
    assert after["yinling_bot_outbox_backlog{kind=pending}"] == 2
    assert after["yinling_bot_outbox_backlog{kind=refused}"] == 1


def test_backlog__a_database_that_does_not_answer_is_reported_not_raised(tmp_path):
    engine = make_engine("postgresql+psycopg://root@127.0.0.1:9/nothing-listens")
    down = SimpleNamespace(sessions=make_session_factory(engine))
    samples = scrape(down, tmp_path / "none.jsonl")
    assert samples["yinling_database_up"] == 0 and "yinling_orders_escalated" not in samples
    assert samples["yinling_bot_outbox_backlog{kind=pending}"] == 0
