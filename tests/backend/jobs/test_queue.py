"""The job queue on real PostgreSQL (a throwaway schema): two queue workers share the periodic passes so each
scheduled pass runs once and an open order is offered once; a job left running by a worker that died is
queued again and runs, while the passes behind its lock wait; the queue is PostgreSQL-only."""
from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import ValidationError
from sqlalchemy import text

from backend.api.app import create_app
from backend.api.state import AppState
from backend.core.bootstrap import prepare_database
from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.core.scratch import scratch_postgres_schema
from backend.jobs import queue
from backend.jobs.worker import run_queue_worker
from backend.policy import load_profile
from tests.availability import unavailable
from tests.backend.conftest import POSTGRES_URL, SERVICE_TOKEN, _pg_reason, postgres_available
from tests.backend.matching.conftest import build_world, order_body

SECRETS = dict(secret_key="test-secret-key-0123456789", service_tokens=SERVICE_TOKEN,
               claim_secret="test-claim-secret-0123456789")


def queue_state(url: str, interval: float = 1.0) -> AppState:
    settings = Settings(env="test", database_url=url, background="queue", dispatch_interval_seconds=interval,
                        **SECRETS)
    engine = make_engine(url)
    state = AppState(settings=settings, engine=engine, sessions=make_session_factory(engine),
                     policy=load_profile("default"))
    prepare_database(state)
    return state


@pytest.fixture
def state():
    if not postgres_available():
        unavailable(_pg_reason[0])
    with scratch_postgres_schema(POSTGRES_URL, prefix="q") as url:
        st = queue_state(url)
        yield st
        st.engine.dispose()


def open_order(state) -> int:
    """An open order, made through the API of a process without background work (nothing offers it yet)."""
    world = build_world(state)
    quiet = replace(state, settings=state.settings.model_copy(update={"dispatch_interval_seconds": 0,
                                                                       "background": "embedded"}))
    with TestClient(create_app(state=quiet), headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        order = client.post("/api/v1/orders", json=order_body(world)).json()
    assert order["state"] == "open"
    return order["id"]


def events(state, order_id: int) -> list[str]:
    with state.engine.connect() as connection:
        return list(connection.scalars(text("SELECT kind FROM order_events WHERE order_id = :o ORDER BY id"),
                                       {"o": order_id}))


def jobs(state, task: str) -> list[dict]:
    with state.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, status, (args->>'timestamp')::bigint AS ts, worker_id FROM procrastinate_jobs "
            "WHERE task_name = :t ORDER BY id"), {"t": task}).mappings()
        return [dict(r) for r in rows]


async def run_workers(apps, seconds: float) -> None:
    tasks = [asyncio.create_task(run_queue_worker(app, f"test-{i}")) for i, app in enumerate(apps)]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def test_two_workers__each_scheduled_pass_runs_once_and_the_order_is_offered_once(state):
    order_id = open_order(state)
    ran_before = REGISTRY.get_sample_value("yinling_dispatch_passes_total", {"result": "ok"}) or 0
    asyncio.run(run_workers([queue.build_queue(state), queue.build_queue(state)], 6))
    passes = jobs(state, "yinling.dispatch_pass")
    assert len(passes) >= 3, passes
    ran = REGISTRY.get_sample_value("yinling_dispatch_passes_total", {"result": "ok"}) - ran_before
    assert ran == len({p["ts"] for p in passes if p["status"] == "succeeded"})  # once per scheduled second
    last = max(p["ts"] for p in passes)  # the workers stopped: the newest may not have run yet
    assert {p["status"] for p in passes if p["ts"] < last - 2} == {"succeeded"}
    assert {p["status"] for p in passes} <= {"succeeded", "todo"}
    assert "succeeded" in {m["status"] for m in jobs(state, "yinling.messages_pass")}
    assert events(state, order_id) == ["offered"]
    with state.engine.connect() as connection:  # the offer's text was written once
        assert connection.scalar(text("SELECT count(*) FROM order_messages WHERE order_id = :o AND kind = 'offer'"),
                                 {"o": order_id}) == 1


def test_a_dead_workers_running_pass_is_queued_again_and_runs_before_the_passes_behind_its_lock(state):
    order_id = open_order(state)
    app = queue.build_queue(state)

    async def strand_a_pass() -> int:
        async with app.open_async():
            return await app.tasks["yinling.dispatch_pass"].defer_async(timestamp=int(time.time()))

    stranded = asyncio.run(strand_a_pass())
    with state.engine.begin() as connection:  # as a worker killed mid-pass leaves it: doing, heartbeat old
        dead = connection.scalar(text("INSERT INTO procrastinate_workers (last_heartbeat) "
                                      "VALUES (now() - interval '1 hour') RETURNING id"))
        connection.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :j"),
                            {"w": dead, "j": stranded})
    asyncio.run(run_workers([queue.build_queue(state)], queue.RETRY_STALLED_EVERY + 6))
    passes = {p["id"]: p for p in jobs(state, "yinling.dispatch_pass")}
    behind = [i for i in passes if i > stranded]
    assert passes[stranded]["status"] == "succeeded" and behind
    assert {passes[i]["status"] for i in behind} == {"succeeded"}
    with state.engine.connect() as connection:  # the passes queued behind its lock waited for it
        done_at = dict(connection.execute(text(
            "SELECT job_id, at FROM procrastinate_events WHERE type = 'succeeded' AND job_id = ANY(:ids)"),
            {"ids": [stranded, *behind]}).all())
        assert all(done_at[i] > done_at[stranded] for i in behind)
        retried = connection.scalar(text("SELECT count(*) FROM procrastinate_events WHERE job_id = :j "
                                         "AND type = 'deferred_for_retry'"), {"j": stranded})
        assert retried == 1
    assert events(state, order_id) == ["offered"]


def test_run_once__two_passes_at_once_offer_an_order_once(state):
    """The advisory lock: even two passes started together (a pass queued again while its worker still
    lived) never offer one order twice."""
    from concurrent.futures import ThreadPoolExecutor

    from backend.matching.loop import run_once
    order_id = open_order(state)
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: run_once(state), range(4)))
    assert sum(len(r.offered) for r in reports) == 1
    assert events(state, order_id) == ["offered"]


def test_settings__the_queue_refuses_sqlite(tmp_path):
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(env="test", database_url=f"sqlite:///{tmp_path / 'y.db'}", background="queue", **SECRETS)
    assert Settings(env="test", database_url=f"sqlite:///{tmp_path / 'y.db'}", **SECRETS).background == "embedded"


def test_cron_every__a_step_that_divides_the_minute_or_the_hour():
    assert queue.cron_every(15) == "* * * * * */15"
    assert queue.cron_every(7) == "* * * * * */6"
    assert queue.cron_every(0.5) == "* * * * * */1"
    assert queue.cron_every(300) == "*/5 * * * *"
    assert queue.cron_every(7200) == "0 * * * *"


@pytest.mark.parametrize("seconds,period", [(15, 15), (2, 2), (60, 60), (300, 300)])
def test_cron_every__fires_that_often_all_hour(seconds, period):
    """procrastinate reads a sixth column as seconds (croniter): "*/15 * * * * *" would fire every second of
    the minutes 0, 15, 30 and 45, and never in the others."""
    from croniter import croniter

    fires = croniter(queue.cron_every(seconds), 1_796_337_000)  # a whole hour
    times = [fires.get_next(float) for _ in range(3600 // period + 1)]
    assert {b - a for a, b in zip(times, times[1:])} == {period}


def test_conninfo__same_server_database_and_search_path():
    assert queue.conninfo("postgresql+psycopg://root@127.0.0.1:5432/test?options=-csearch_path%3Dq_1") == \
        "postgresql://root@127.0.0.1:5432/test?options=-csearch_path%3Dq_1"
    assert queue.conninfo("postgres://u:p@db/yinling") == "postgresql://u:p@db/yinling"
