"""`make run-prod`'s layout on a PostgreSQL server of its own, faulted where the job queue and the database
meet: PostgreSQL restarted in the middle of two phone bookings and of coin gifts, and the backend worker
running a dispatcher job killed with SIGKILL in the middle of that job.

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
import pytest
from sqlalchemy import create_engine, text

from tests.availability import unavailable
from tests.ivr.servers import READY_TIMEOUT_S, free_port, rasa_ready
from tests.tools.test_run_prod import Layout
from tools import run_all, run_prod
from trust import claims

pytestmark = pytest.mark.slow
PG_VERSION = "15"
WANG, ZHANG, LI = "+8613912340001", "+8613912340002", "+8613912340008"   # demo elders
LIU = "+8613912340003"   # demo volunteer with 150 h of coins, ZHANG's wife (a gift within the family)
REPEAT_WORDS = ("稍后", "再说一遍", "没听清", "连不上")


def cluster(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    reason = rasa_ready() or (None if os.path.exists("/usr/sbin/haproxy") else "no haproxy (make sysdeps-prod)")
    if reason:
        unavailable(reason)
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
    base = {k: v for k, v in os.environ.items() if not k.startswith(("YINLING_", "IVR_", "PG"))}
    base.update(YINLING_PORT=str(free_port()), YINLING_RASA_PORT=str(free_port()),
                YINLING_ACTIONS_PORT=str(free_port()), YINLING_METRICS_PORT=str(free_port()),
                DATABASE_URL=f"postgresql+psycopg://{server}/yinling",
                YINLING_TRACKER_STORE_URL=f"postgresql://{server}/yinling_conversations",
                YINLING_LOCK_STORE_DB="9", IVR_STATE_URL="redis://127.0.0.1:6379/10",  # no other test uses these
                YINLING_SECRETS_FILE=str(work / "secrets.env"), IVR_SECRETS_FILE=str(work / "secrets.env"),
                YINLING_BOT_OUTBOX=str(work / "outbox.jsonl"), YINLING_DISPATCH_INTERVAL_SECONDS="2",
                TF_CPP_MIN_LOG_LEVEL="3")
    log = open(work / "prod.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([run_all.APP_PY, "tools/run_prod.py", "--state-dir", str(work / "state")],
                               cwd=run_all.ROOT, env=base, stdout=log, stderr=subprocess.STDOUT)
    running = Layout(work, base, process)
    running.cluster = name
    running.db = create_engine(base["DATABASE_URL"], pool_pre_ping=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S + 300
        while "production layout is up" not in (work / "prod.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("run-prod did not come up; log tail:\n"
                            + (work / "prod.log").read_text(errors="replace")[-4000:])
            time.sleep(2)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        running.db.dispose()
        cluster("pg_dropcluster", PG_VERSION, name, "--stop")


def say(layout: Layout, words: str, sender: str, phone: str) -> tuple[int, str]:
    claim = claims.sign(layout.secrets()["YINLING_CLAIM_SECRET"], conversation_id=sender, channel="phone",
                        phone=phone)
    try:
        answer = httpx.post(layout.rasa + "/webhooks/rest/webhook", timeout=120, json={
            "sender": sender, "message": words, "metadata": {"claim": claim, "channel": "phone"}})
    except httpx.HTTPError as exc:
        return 0, type(exc).__name__
    if answer.status_code != 200:
        return answer.status_code, answer.text[:200]
    return 200, " ".join(m.get("text") or "" for m in answer.json())


def turn(layout, words: str, sender: str, phone: str, expect: tuple[str, ...], log: list) -> str:
    """One caller turn; when the line answers with an error, nothing, or asks the caller to repeat, the caller
    says the same words again, up to four times. The hotline speaks each of these plainly: an error is
    ASSISTANT_DOWN (系统有点忙…), an empty answer NOT_HEARD (对不起，我没听清，请再说一遍。)."""
    for _attempt in range(5):
        status, reply = say(layout, words, sender, phone)
        log.append((sender[-4:], words, status, reply[:60]))
        if status == 200 and any(word in reply for word in expect):
            return reply
        plain = status != 200 or not reply.strip() or any(word in reply for word in REPEAT_WORDS)
        assert plain, f"neither on nor plain: {reply}"
        time.sleep(3)
    pytest.fail(f"{words!r} never went through: {log}")


def person_id(layout, phone: str) -> int:
    with layout.api() as api:
        return api.get(f"/persons/by-phone/{phone}").json()["id"]


def active_orders(layout, phone: str) -> list[dict]:
    with layout.api() as api:
        return api.get(f"/persons/{person_id(layout, phone)}/orders", params={"active": "true"}).json()


def verify_ledger(layout) -> None:
    verify = subprocess.run([str(run_all.ROOT / ".venv" / "bin" / "yinling"), "ledger", "verify"], cwd=run_all.ROOT,
                            env=layout.env, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr


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


def report(layout: Layout, log: list, senders: list[str]) -> str:
    """Every turn in full, then the layout's log lines about these conversations and its warnings: pytest
    shortens an assertion's message, and the CI log is all there is to read afterwards."""
    lines = [repr(entry) for entry in log]
    server_lines = [line for line in (layout.work / "prod.log").read_text(errors="replace").splitlines()
                    if any(s in line for s in senders) or '"WARNING"' in line or '"ERROR"' in line
                    or "WARNING" in line[:60] or "ERROR" in line[:60]]
    return "\n".join(["turns:", *lines, "layout log (these conversations, warnings, errors; last 150):",
                      *[line[:400] for line in server_lines[-150:]]])


def test_restart_postgresql_mid_bookings_and_gifts__each_goes_on_once_and_the_outbox_drains(layout):
    before = {phone: {o["id"] for o in active_orders(layout, phone)} for phone in (WANG, ZHANG)}
    giver, elder = person_id(layout, LIU), person_id(layout, ZHANG)
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

    flush = subprocess.run([run_all.BOT_PY, "-m", "bot.actions.backend_client", "flush"], cwd=run_all.ROOT,
                           env=run_prod.prod_env(layout.env, run_prod.Layout(run_all.Ports.from_env(layout.env))),
                           capture_output=True, text=True, timeout=120)
    assert flush.returncode == 0, flush.stdout + flush.stderr
    outbox = layout.work / "outbox.jsonl"
    assert not outbox.exists() or not outbox.read_text().strip(), outbox.read_text()
    for phone, (_sender, _words, service) in talks.items():
        new = [o["service_slug"] for o in active_orders(layout, phone) if o["id"] not in before[phone]]
        assert new == [{"送餐": "meal_delivery", "陪同就医": "escort_medical"}[service]], (phone, new, log)
    with layout.db.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM ledger_entries")) == entries_before + 4
    verify_ledger(layout)
    deadline = time.monotonic() + 60  # the queue works again: every order event has been read by the outbox
    while time.monotonic() < deadline:
        with layout.db.connect() as connection:
            behind = connection.scalar(text(
                "SELECT (SELECT coalesce(max(id), 0) FROM order_events) - "
                "coalesce((SELECT last_event_id FROM message_cursors WHERE name = 'order_events'), 0)"))
        if behind == 0:
            break
        time.sleep(2)
    assert behind == 0
    (layout.work / "pg-restart-turns.json").write_text(json.dumps(log, ensure_ascii=False, indent=1))


def test_kill_9_the_worker_running_a_dispatcher_job__the_job_runs_again_once(layout):
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(hour=15, minute=0, second=0,
                                                                                      microsecond=0)
    with layout.api() as api:
        order = api.post("/orders", json={"recipient_id": person_id(layout, LI), "service_slug": "chat_companion",
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
    verify_ledger(layout)
