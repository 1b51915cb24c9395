"""`make run-prod`'s layout on a PostgreSQL server of its own, faulted where the job queue and the database
meet: PostgreSQL restarted in the middle of two phone bookings and of coin gifts, then in the middle of a
hotline call (the layout's hotline in gather mode, each step a signed webhook through the app front), and the
backend worker running a dispatcher job killed with SIGKILL in the middle of that job.

The server is a Debian cluster made for this module (``pg_createcluster``, restarted with ``pg_ctlcluster``,
dropped afterwards), not the machine's ``main``: restarting the shared server would break every other test
that uses it at that moment. Two Rasa model loads at once: run under the heavy lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.availability import unavailable
from tests.ivr.servers import free_port
from tests.tools import prod_layout
from ivr import prompts
from tests.tools.prod_layout import LI, LIU, WANG, ZHANG, GatherCaller, turn

pytestmark = pytest.mark.slow
PG_VERSION = "15"


def cluster(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    prod_layout.require_layout_parts()
    if os.geteuid() != 0 or cluster("pg_lsclusters").returncode != 0:
        unavailable("needs root and Debian's postgresql-common (pg_createcluster) for a server of its own")
    tag, pg_port = uuid.uuid4().hex[:8], free_port()
    name = f"yfault{tag}"
    made = cluster("pg_createcluster", PG_VERSION, name, "-p", str(pg_port), "--start", "--",
                   "--auth-local=trust", "--auth-host=trust")
    if made.returncode != 0:
        unavailable(f"pg_createcluster: {made.stderr[-500:]}")
    work = tmp_path_factory.mktemp("run-prod-pg")
    server = f"postgres@127.0.0.1:{pg_port}"
    env = prod_layout.scratch_env(work, database_url=f"postgresql+psycopg://{server}/yinling",
                                  tracker_url=f"postgresql://{server}/yinling_conversations",
                                  lock_db=9, state_db=10,  # no other test uses these
                                  YINLING_DISPATCH_INTERVAL_SECONDS="2", IVR_MODE="gather")
    db = create_engine(env["DATABASE_URL"], pool_pre_ping=True)
    try:
        with prod_layout.running(work, env) as running:
            running.cluster, running.db = name, db
            yield running
    finally:
        db.dispose()
        cluster("pg_dropcluster", PG_VERSION, name, "--stop")


def gift(layout, key: str, giver: int, elder: int) -> int:
    """One gift of 30 minutes, sent again with the same key until the backend answers."""
    for _ in range(30):
        try:
            with layout.api() as api:
                answer = api.post("/transfers/gift", headers={"Idempotency-Key": key}, json={
                    "from_person_id": giver, "to_person_id": elder, "minutes": 30, "channel": "phone"})
            if answer.status_code == 201:
                return answer.json()["seq"]
            assert answer.status_code >= 500, answer.text
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"gift {key} never went through")


def report(layout, log: list, senders: list[str]) -> str:
    """Every turn in full, then the layout's log lines about these conversations and its warnings."""
    return "\n".join(["turns:", *[repr(entry) for entry in log],
                      "layout log (these conversations, warnings, errors; last 150):", *layout.log_lines(*senders)])


def test_restart_postgresql_mid_bookings_and_gifts__each_goes_on_once_and_the_outbox_drains(layout):
    before = {phone: {o["id"] for o in layout.orders(phone)} for phone in (WANG, ZHANG)}
    giver, elder = layout.person_id(LIU), layout.person_id(ZHANG)
    talks = {WANG: (f"CA{uuid.uuid4().hex}", "我想预约送餐，明天中午", "送餐"),
             ZHANG: (f"CA{uuid.uuid4().hex}", "嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", "陪同就医")}
    log: list = []
    for phone, (sender, words, _service) in talks.items():
        turn(layout, words, sender, phone, ("",), log)  # any answer: the bot asks for a note or reads back
    gift(layout, f"pg-before-{uuid.uuid4().hex}", giver, elder)  # the gift is allowed at all
    with layout.db.connect() as connection:
        entries_before = connection.scalar(text("SELECT count(*) FROM ledger_entries"))
    results: dict = {}

    def finish(phone: str) -> None:
        sender, _words, service = talks[phone]
        try:
            read_back = turn(layout, "没有", sender, phone, ("对吗",), log)
            assert service in read_back, read_back
            results[phone] = turn(layout, "对", sender, phone, ("约好了", "记下了"), log)
        except BaseException as exc:  # noqa: BLE001 - reported below with the turns and the servers' lines
            log.append((sender[-4:], f"{type(exc).__name__}: {exc}"[:500]))

    def gifts() -> None:
        try:
            results["gifts"] = [gift(layout, f"pg-restart-{uuid.uuid4().hex}", giver, elder) for _ in range(4)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            log.append(("gifts", repr(exc)[:300]))

    threads = [threading.Thread(target=finish, args=(p,)) for p in talks] + [threading.Thread(target=gifts)]
    for thread in threads:
        thread.start()
    restarted = cluster("pg_ctlcluster", "-m", "fast", PG_VERSION, layout.cluster, "restart")
    assert restarted.returncode == 0, restarted.stderr
    for thread in threads:
        thread.join(300)
    if set(results) != {WANG, ZHANG, "gifts"}:
        pytest.fail(report(layout, log, [sender for sender, _w, _s in talks.values()]), pytrace=False)
    assert len(set(results["gifts"])) == 4

    layout.flush_bot_outbox()
    for phone, (_sender, _words, service) in talks.items():
        new = [o["service_slug"] for o in layout.orders(phone) if o["id"] not in before[phone]]
        assert new == [{"送餐": "meal_delivery", "陪同就医": "escort_medical"}[service]], (phone, new, log)
    with layout.db.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM ledger_entries")) == entries_before + 4
    layout.verify_ledger()
    assert_order_events_read(layout)  # the queue works again: every order event has been read by the outbox
    (layout.work / "pg-restart-turns.json").write_text(json.dumps(log, ensure_ascii=False, indent=1))


def test_restart_postgresql_in_the_middle_of_a_gather_call__it_goes_on_booked_once(layout):
    """A hotline call in gather mode through the app front; after its first step the restart begins, and the
    call's next webhooks are sent once the server refuses connections (so they meet it down, not before or
    after). The call goes on, or the caller hears plainly that he should repeat, and does."""
    before = {o["id"] for o in layout.orders(LI)}
    caller = GatherCaller(layout, LI)
    assert caller.post("/ivr/voice")[0] == prompts.CONSENT
    caller.say("我想预约送餐，明天中午", "")
    measured: dict = {}

    def restart() -> None:
        started = time.monotonic()
        measured["restart"] = cluster("pg_ctlcluster", "-m", "fast", PG_VERSION, layout.cluster, "restart")
        measured["restart_s"] = round(time.monotonic() - started, 2)

    restarting = threading.Thread(target=restart)
    restarting.start()
    started, deadline = time.monotonic(), time.monotonic() + 30
    while server_answers(layout):
        assert time.monotonic() < deadline, "PostgreSQL never went down"
        time.sleep(0.05)
    measured["down_after_s"] = round(time.monotonic() - started, 2)
    try:
        read_back = caller.say("没有", "对吗")
        measured["read_back_at_s"] = round(time.monotonic() - started, 2)
        caller.say("对", "约好了")
        measured["booked_at_s"] = round(time.monotonic() - started, 2)
    finally:
        restarting.join(120)
        print(f"\ngather call across a PostgreSQL restart: { {k: v for k, v in measured.items() if k != 'restart'} }"
              f"\nheard: {caller.heard}\nspoken: {caller.spoken}\nlayout log:\n"
              + "\n".join(layout.log_lines(caller.call["CallSid"], last=40)))
    assert measured["restart"].returncode == 0, measured["restart"].stderr
    assert "送餐" in read_back, read_back
    assert caller.post("/ivr/status", CallStatus="completed", CallDuration="60") == []
    layout.flush_bot_outbox()
    new = [o for o in layout.orders(LI) if o["id"] not in before]
    assert [o["service_slug"] for o in new] == ["meal_delivery"], (new, caller.heard)
    caller.assert_record_whole(new[0]["id"])
    layout.verify_ledger()
    assert_order_events_read(layout)


def server_answers(layout) -> bool:
    """A new connection to the module's PostgreSQL server is accepted (1 s to connect)."""
    try:
        with psycopg.connect(layout.env["DATABASE_URL"].replace("+psycopg", ""), connect_timeout=1):
            return True
    except psycopg.OperationalError:
        return False


def assert_order_events_read(layout) -> None:
    """The SMS outbox works again: it has read every order event (within a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with layout.db.connect() as connection:
            behind = connection.scalar(text(
                "SELECT (SELECT coalesce(max(id), 0) FROM order_events) - "
                "coalesce((SELECT last_event_id FROM message_cursors WHERE name = 'order_events'), 0)"))
        if behind == 0:
            return
        time.sleep(2)
    assert behind == 0


def test_kill_9_the_worker_running_a_dispatcher_job__the_job_runs_again_once(layout):
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(hour=15, minute=0, second=0,
                                                                                      microsecond=0)
    with layout.api() as api:
        order = api.post("/orders", json={"recipient_id": layout.person_id(LI), "service_slug": "chat_companion",
                                          "start_at": tomorrow.isoformat(), "duration_minutes": 60,
                                          "channel": "phone"}).json()
    order_id = order["id"]

    def kinds() -> list[str]:
        with layout.db.connect() as connection:
            return list(connection.scalars(text("SELECT kind FROM order_events WHERE order_id = :o ORDER BY id"),
                                           {"o": order_id}))

    deadline = time.monotonic() + 60
    while kinds() != ["offered"]:
        assert time.monotonic() < deadline, kinds()
        time.sleep(1)
    with layout.db.begin() as connection:  # the offer is due to time out at the next pass
        connection.execute(text("UPDATE offers SET expires_at = now() - interval '1 second' "
                                "WHERE order_id = :o AND outcome = 'pending'"), {"o": order_id})
    holder = layout.db.connect()
    held = holder.begin()
    holder.execute(text("SELECT id FROM orders WHERE id = :o FOR UPDATE"), {"o": order_id})
    try:  # the next dispatcher pass waits for our row lock: that worker is the one running the job
        deadline, waiting = time.monotonic() + 60, None
        while waiting is None:
            assert time.monotonic() < deadline, "no dispatcher pass reached the order"
            with layout.db.connect() as connection:
                waiting = connection.scalar(text(
                    "SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND application_name LIKE 'yinling-backend-%' LIMIT 1"))
                running = connection.scalar(text(
                    "SELECT id FROM procrastinate_jobs WHERE task_name = 'yinling.dispatch_pass' "
                    "AND status = 'doing'"))
            time.sleep(0.5)
        victim = waiting.removeprefix("yinling-")
        os.kill(layout.pids[victim], signal.SIGKILL)
        time.sleep(1)
    finally:
        held.rollback()
        holder.close()
    deadline = time.monotonic() + 90
    while True:
        with layout.db.connect() as connection:
            status = connection.scalar(text("SELECT status FROM procrastinate_jobs WHERE id = :j"), {"j": running})
            retried = connection.scalar(text("SELECT count(*) FROM procrastinate_events WHERE job_id = :j "
                                             "AND type = 'deferred_for_retry'"), {"j": running})
        if status == "succeeded":
            break
        assert time.monotonic() < deadline, (status, kinds())
        time.sleep(1)
    assert retried == 1
    assert kinds() == ["offered", "timed_out", "offered"]  # timed out once, offered to the next volunteer once
    layout.verify_ledger()
