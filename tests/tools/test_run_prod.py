"""`make run-prod`'s layout (tools/run_prod.py), started whole on scratch PostgreSQL databases and Redis
database numbers, then faulted: kill -9 a Rasa server in the middle of a booking made through HAProxy, and
the booking goes on on the other; kill -9 an action server, and a whole booking still goes through the other;
kill -9 a backend worker, and the API still answers through the proxy,
with the ledger verifying clean. Two Rasa model loads at once: run under the heavy lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.availability import unavailable
from tests.ivr.servers import READY_TIMEOUT_S, free_port, rasa_ready
from tests.tools.test_run_all import listening_addresses, process_tree
from tools import run_all
from trust import claims, local_secrets

ELDER_PHONE = "+8613912340001"   # 王秀英, demo elder
POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432"
pytestmark = pytest.mark.slow


class Layout:
    def __init__(self, work: Path, env: dict, process: subprocess.Popen):
        self.work, self.env, self.process = work, env, process
        self.app = f"http://127.0.0.1:{env['YINLING_PORT']}"
        self.rasa = f"http://127.0.0.1:{env['YINLING_RASA_PORT']}"

    @property
    def pids(self) -> dict[str, int]:
        return json.loads((self.work / "state" / "pids.json").read_text())

    def secrets(self) -> dict[str, str]:
        return local_secrets.load(self.work / "secrets.env")

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.app + "/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.secrets()['IVR_SERVICE_TOKEN']}"})

    def say(self, text_: str, sender: str) -> str:
        claim = claims.sign(self.secrets()["YINLING_CLAIM_SECRET"], conversation_id=sender, channel="phone",
                            phone=ELDER_PHONE)
        answer = httpx.post(self.rasa + "/webhooks/rest/webhook", timeout=120, json={
            "sender": sender, "message": text_, "metadata": {"claim": claim, "channel": "phone"}})
        answer.raise_for_status()
        return " ".join(m.get("text") or "" for m in answer.json())

    def orders(self) -> list[dict]:
        with self.api() as api:
            person = api.get(f"/persons/by-phone/{ELDER_PHONE}").json()
            return api.get(f"/persons/{person['id']}/orders", params={"active": "true"}).json()


def drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    reason = rasa_ready() or (None if Path("/usr/sbin/haproxy").exists() else "no haproxy (make sysdeps-prod)")
    if reason:
        unavailable(reason)
    try:
        create_engine(f"{POSTGRES}/postgres").connect().close()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL at {POSTGRES}: {exc}")
    work = tmp_path_factory.mktemp("run-prod")
    tag = uuid.uuid4().hex[:8]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("YINLING_", "IVR_"))}
    base.update(YINLING_PORT=str(free_port()), YINLING_RASA_PORT=str(free_port()),
                YINLING_ACTIONS_PORT=str(free_port()), YINLING_METRICS_PORT=str(free_port()),
                DATABASE_URL=f"{POSTGRES}/yinling_prod_{tag}",
                YINLING_TRACKER_STORE_URL=f"postgresql://root@127.0.0.1:5432/yinling_prodconv_{tag}",
                YINLING_LOCK_STORE_DB="11", IVR_STATE_URL="redis://127.0.0.1:6379/12",
                YINLING_SECRETS_FILE=str(work / "secrets.env"), IVR_SECRETS_FILE=str(work / "secrets.env"),
                YINLING_BOT_OUTBOX=str(work / "outbox.jsonl"), YINLING_DISPATCH_INTERVAL_SECONDS="0",
                TF_CPP_MIN_LOG_LEVEL="3")
    log = open(work / "prod.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([run_all.APP_PY, "tools/run_prod.py", "--state-dir", str(work / "state")],
                               cwd=run_all.ROOT, env=base, stdout=log, stderr=subprocess.STDOUT)
    running = Layout(work, base, process)
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
        drop(base["DATABASE_URL"])
        drop(base["YINLING_TRACKER_STORE_URL"])


def test_every_listening_socket_of_the_layout_is_on_loopback(layout):
    found = listening_addresses(process_tree([layout.process.pid]))
    ports = {port for _address, port in found}
    assert {int(layout.env[k]) for k in ("YINLING_PORT", "YINLING_RASA_PORT", "YINLING_ACTIONS_PORT")} <= ports
    assert len(found) >= 9  # three proxy fronts, two backends + their metrics, two Rasa, two action servers
    assert {address for address, _port in found} == {"127.0.0.1"}, found


def test_kill_9_a_rasa_server_mid_booking_and_the_booking_goes_on(layout):
    sender = f"CA{uuid.uuid4().hex}"
    before = {o["id"] for o in layout.orders()}
    layout.say("我想预约送餐，明天中午", sender)
    os.kill(layout.pids["rasa-1"], signal.SIGKILL)
    read_back = layout.say("没有", sender)
    assert "送餐" in read_back and "对吗" in read_back, read_back
    done = layout.say("对", sender)
    assert "约好了" in done, done
    assert [o["service_slug"] for o in layout.orders() if o["id"] not in before] == ["meal_delivery"]


def test_kill_9_an_action_server_and_a_whole_booking_still_goes_through(layout):
    sender = f"CA{uuid.uuid4().hex}"
    before = {o["id"] for o in layout.orders()}
    os.kill(layout.pids["actions-1"], signal.SIGKILL)
    asked = layout.say("嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", sender)
    assert "交代" in asked, asked
    read_back = layout.say("没有", sender)
    assert "陪同就医" in read_back and "对吗" in read_back, read_back
    assert "约好了" in layout.say("对", sender)
    assert [o["service_slug"] for o in layout.orders() if o["id"] not in before] == ["escort_medical"]


def test_kill_9_a_backend_worker_and_the_proxy_keeps_answering_with_a_clean_ledger(layout):
    os.kill(layout.pids["backend-2"], signal.SIGKILL)
    with layout.api() as api:
        answered = [api.get("/ledger/head").status_code for _ in range(20)]
    assert answered == [200] * 20
    verify = subprocess.run([str(run_all.ROOT / ".venv" / "bin" / "yinling"), "ledger", "verify"], cwd=run_all.ROOT,
                            env=layout.env, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
