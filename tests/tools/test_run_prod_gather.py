"""`make run-prod`'s layout with the hotline in gather mode (IVR_MODE=gather: every step of a call is a webhook,
the calls kept in Redis between them), faulted in the middle of what it is doing:

- an action server killed with SIGKILL while its action's write (the booking's POST /orders) waits in the
  backend, held there by a table lock this test takes: HAProxy sends Rasa's action call again to the other
  action server, whose write waits behind the dead one's and then finds its key, so the caller hears 约好了
  and the booking is made once although the dead server's write reached the backend and committed after it
  died;
- a hotline call through the proxy's app front, the backend worker that served its last webhook killed with
  SIGKILL: the next webhooks reach the other worker, which goes on from the call kept in Redis to the booking;
  the call record is whole and ``yinling_active_calls{mode="gather"}`` is the same honest count on each worker;
- a hotline call through the proxy, rasa-1 killed with SIGKILL after its first assistant turn: the other Rasa
  server goes on from the conversation in PostgreSQL to the booking, the call record whole.

The action-server fault does not depend on the hotline's mode; it is here because this module's layout has both
action servers alive (test_run_prod.py kills one). Two Rasa model loads at once: run under the heavy lock."""
from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from ivr import prompts
from tests.tools import prod_layout
from tests.tools.prod_layout import LI, WANG, ZHANG, GatherCaller, turn

pytestmark = pytest.mark.slow
ASSISTANT_OK = 'yinling_assistant_latency_seconds_count{result="ok"}'
ACTIVE_GATHER = 'yinling_active_calls{mode="gather"}'


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    prod_layout.require_layout_parts()
    records, conversations = prod_layout.scratch_databases()
    work = tmp_path_factory.mktemp("run-prod-gather")
    # YINLING_BOT_TIMEOUT: the action's write must still be waiting in the backend when the test kills its server
    # (a few tenths of a second after it arrives; 3 s, the default, is close on a loaded machine).
    env = prod_layout.scratch_env(work, database_url=records, tracker_url=conversations, lock_db=7, state_db=8,
                                  IVR_MODE="gather", YINLING_DISPATCH_INTERVAL_SECONDS="0", YINLING_BOT_TIMEOUT="10")
    db = create_engine(records, pool_pre_ping=True)
    try:
        with prod_layout.running(work, env) as running:
            running.db = db
            yield running
    finally:
        db.dispose()
        prod_layout.drop_database(records)
        prod_layout.drop_database(conversations)


def waiting_order_writes(layout) -> list[str]:
    """The backend workers whose write to ``orders`` waits for a lock now (pg_stat_activity)."""
    with layout.db.connect() as connection:
        return list(connection.scalars(text(
            "SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND application_name LIKE 'yinling-backend-%' AND query ILIKE '%orders%'")))


def answers_health(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_kill_9_the_action_server_whose_booking_write_waits_in_the_backend__booked_once(layout):
    sender, log = f"CA{uuid.uuid4().hex}", []
    before = {o["id"] for o in layout.orders(ZHANG)}
    with layout.db.connect() as connection:
        records_before = connection.scalar(text("SELECT coalesce(max(id), 0) FROM idempotency_records"))
    turn(layout, "嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", sender, ZHANG, ("",), log)
    assert "陪同就医" in turn(layout, "没有", sender, ZHANG, ("对吗",), log)
    measured: dict = {}
    holder = layout.db.connect()
    held = holder.begin()
    holder.execute(text("LOCK TABLE orders IN EXCLUSIVE MODE"))  # reads go on; the booking's INSERT waits
    confirm = threading.Thread(target=lambda: measured.update(first=layout.say_status("对", sender, ZHANG)))
    try:
        confirm.start()
        deadline = time.monotonic() + 60
        while not (writers := waiting_order_writes(layout)):
            assert time.monotonic() < deadline, "the booking's write never reached the backend"
            time.sleep(0.1)
        measured["write_waits_on"] = writers
        # The action server running the action does it on its event loop (rasa_sdk runs our actions there), so
        # while its write waits it cannot answer its health check; the other answers at once.
        names = [f"actions-{i}" for i in range(1, layout.plan.actions + 1)]
        urls = [f"http://127.0.0.1:{layout.plan.actions_port(i)}/health" for i in range(1, layout.plan.actions + 1)]
        with ThreadPoolExecutor(len(urls)) as pool:
            busy = [name for name, ok in zip(names, pool.map(answers_health, urls)) if not ok]
        assert len(busy) == 1, busy
        measured["killed"] = busy[0]
        os.kill(layout.pids[busy[0]], signal.SIGKILL)
        time.sleep(1)  # the retried action, if any, reaches the backend and waits behind the dead one's write
        with layout.db.connect() as connection:
            measured["writes_waiting_at_release"] = list(connection.scalars(text(
                "SELECT left(query, 40) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND application_name LIKE 'yinling-backend-%'")))
    finally:
        held.rollback()  # the lock goes: the dead server's write commits, a retried one finds its key
        holder.close()
    confirm.join(150)
    status, reply = measured["first"]
    log.append((sender[-4:], "对", status, reply[:60]))
    print(f"\naction server killed mid-action: {measured}\nturns: {log}")
    # HAProxy sent Rasa's action call again to the other action server (its tune.bufsize holds the call): the
    # caller is answered at once. With HAProxy's default 16 KB it was not, and the caller heard nothing.
    assert status == 200 and ("约好了" in reply or "记下了" in reply), (measured, log, layout.log_lines(sender))
    assert "INSERT INTO idempotency_records" in " ".join(measured["writes_waiting_at_release"]), measured
    layout.flush_bot_outbox()  # a write the action server queued ("记下了") goes now, with its key
    new = [o for o in layout.orders(ZHANG) if o["id"] not in before]
    assert [o["service_slug"] for o in new] == ["escort_medical"], (new, log, layout.log_lines(sender))
    with layout.db.connect() as connection:
        keys = list(connection.scalars(text(
            "SELECT response_json FROM idempotency_records WHERE id > :before AND scope LIKE 'orders.create:%'"),
            {"before": records_before}))
    assert [json.loads(key)["id"] for key in keys] == [new[0]["id"]], keys  # one key, its answer replayed
    layout.verify_ledger()


def served_assistant_turns(layout) -> dict[str, float]:
    return {name: layout.metrics(name).get(ASSISTANT_OK, 0.0) for name in layout.backends()}


def test_gather_call_through_the_proxy_across_a_backend_worker_kill__booked_once_record_whole(layout):
    before = {o["id"] for o in layout.orders(WANG)}
    caller = GatherCaller(layout, WANG)
    greeting = caller.post("/ivr/voice")
    assert greeting[0] == prompts.CONSENT and len(greeting) >= 2, greeting
    counted = served_assistant_turns(layout)
    asked = caller.say("我想预约送餐，明天中午", "")
    served = served_assistant_turns(layout)
    [victim] = [name for name in served if served[name] > counted[name]]  # the worker that took that step
    measured = {"killed": victim, "gauges_before": {n: layout.metrics(n).get(ACTIVE_GATHER) for n in served}}
    os.kill(layout.pids[victim], signal.SIGKILL)
    [survivor] = [name for name in served if name != victim]
    read_back = caller.say("没有", "对吗")
    assert "送餐" in read_back, read_back
    done = caller.say("对", "约好了")
    measured["gauge_during"] = layout.metrics(survivor).get(ACTIVE_GATHER)
    assert caller.post("/ivr/status", CallStatus="completed", CallDuration="60") == []
    measured["gauge_after"] = layout.metrics(survivor).get(ACTIVE_GATHER)
    time.sleep(1)  # the last webhook's record writes are sent after its answer
    record = layout.call_record(caller.call["CallSid"])
    print(f"\ngather call across a worker kill: {measured}\nheard: {caller.heard}\nrecord turns: "
          f"{[(t['seq'], t['speaker'], t['text'][:20]) for t in record['turns']]}")
    new = [o for o in layout.orders(WANG) if o["id"] not in before]
    assert [o["service_slug"] for o in new] == ["meal_delivery"], (new, asked, done)
    assert measured["gauges_before"] == {n: 1.0 for n in served}  # one call, on every worker alike
    assert (measured["gauge_during"], measured["gauge_after"]) == (1.0, 0.0)
    assert record["mode"] == "gather" and record["status"] == "completed" and record["order_ids"] == [new[0]["id"]]
    caller_turns = [t["text"] for t in record["turns"] if t["speaker"] == "caller"]
    assert caller_turns == ["我想预约送餐，明天中午", "没有", "对"], caller_turns
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert said == [text_ for text_ in caller.heard if text_ != prompts.CONSENT]  # the dead worker's turns too
    seqs = sorted([t["seq"] for t in record["turns"]] + [e["seq"] for e in record["events"]])
    assert seqs == list(range(1, len(seqs) + 1))
    layout.flush_bot_outbox()
    layout.verify_ledger()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_kill_9_a_rasa_server_in_the_middle_of_a_gather_call__the_other_goes_on_booked_once(layout):
    """The Rasa server that served the call's first assistant turn (the one whose CPU time grew during it)
    killed after that turn: HAProxy's round robin sends the next turns to the other, or retries there the dead
    one's refused connection; the other reads the conversation from the PostgreSQL tracker store and goes on.
    A turn the proxy could not place would reach the caller as ASSISTANT_DOWN, a plain request to repeat, and
    the caller repeats."""
    before = {o["id"] for o in layout.orders(LI)}
    caller = GatherCaller(layout, LI)
    assert caller.post("/ivr/voice")[0] == prompts.CONSENT
    rasas = [f"rasa-{i}" for i in range(1, layout.plan.rasas + 1)]
    cpu = {name: cpu_seconds(layout.pids[name]) for name in rasas}
    caller.say("我想预约送餐，明天中午", "")
    cpu = {name: round(cpu_seconds(layout.pids[name]) - cpu[name], 2) for name in rasas}
    victim = max(cpu, key=cpu.get)  # the one that served the turn: parsing and predicting it took its CPU
    os.kill(layout.pids[victim], signal.SIGKILL)
    started = time.monotonic()
    read_back = caller.say("没有", "对吗")
    assert "送餐" in read_back, read_back
    caller.say("对", "约好了")
    measured = {"cpu_s_in_first_turn": cpu, "killed": victim, "after_kill_s": round(time.monotonic() - started, 2),
                "repeats": len(caller.spoken) - 3}
    assert caller.post("/ivr/status", CallStatus="completed", CallDuration="60") == []
    print(f"\nRasa server killed mid gather call: {measured}\nheard: {caller.heard}\nspoken: {caller.spoken}")
    new = [o for o in layout.orders(LI) if o["id"] not in before]
    assert [o["service_slug"] for o in new] == ["meal_delivery"], (new, caller.heard)
    caller.assert_record_whole(new[0]["id"])
    layout.flush_bot_outbox()
    layout.verify_ledger()
