"""`make run-prod`'s layout (tools/run_prod.py) for the fault tests, started whole as `make run-prod` starts it,
on scratch databases and Redis database numbers of the test module's own.

- ``scratch_env``: the environment of one layout (free front ports, its databases, Redis numbers, secrets file);
- ``running``: run-prod started with it, waited for, stopped with SIGTERM afterwards (killed if it lingers);
- ``Layout``: what the tests ask of a running layout: process ids, secrets, the API, the Rasa REST channel
  as a phone caller, each backend worker's metrics, ``yinling ledger verify``, the bot outbox flushed;
- ``GatherCaller``: Twilio's side of a gather-mode hotline call through the app front, signed webhooks;
- ``turn``: one caller turn said again while the line answers with an error, nothing, or a plain request to
  repeat (what a caller on the hotline does), failing on anything else.

Each module keeps its own module-scoped ``layout`` fixture (the layout takes minutes to start) and calls these.
Two Rasa model loads at once: run under the heavy lock."""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from ivr import prompts
from tests.availability import unavailable
from tests.ivr.simulator import sign
from tests.ivr.servers import READY_TIMEOUT_S, free_port, rasa_ready
from tools import run_all, run_prod
from trust import claims, local_secrets

POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432"
WANG, ZHANG, LI = "+8613912340001", "+8613912340002", "+8613912340008"   # demo elders
LIU = "+8613912340003"   # demo volunteer with 150 h of coins, ZHANG's wife
# Words of the sentences that ask the caller to try again: the hotline's NOT_HEARD (再说一遍, 没听清) and
# ASSISTANT_DOWN (稍后), the bot's utter_backend_down (连不上, 稍后).
REPEAT_WORDS = ("稍后", "再说一遍", "没听清", "连不上")
# A Twilio account of the test's own: the layout checks every webhook's signature with this token.
TWILIO_AUTH_TOKEN = "prod-layout-twilio-auth-token-0123456789"
TWILIO_ACCOUNT_SID = "AC" + "7" * 32
DEMO_OPERATOR = ("city_admin", "yinling-demo-1")  # backend.demo: reads every call record of the city


def require_layout_parts() -> None:
    """Skips (or fails under `make test`) naming what is missing: the bot model, HAProxy."""
    reason = rasa_ready() or (None if os.path.exists("/usr/sbin/haproxy") else "no haproxy (make sysdeps-prod)")
    if reason:
        unavailable(reason)


def scratch_env(work: Path, *, database_url: str, tracker_url: str, lock_db: int, state_db: int,
                **extra: str) -> dict[str, str]:
    """The environment run-prod gets: this process's without any YINLING_/IVR_/PG variable, free front ports,
    the given databases and Redis numbers (no other test may use them), secrets and the bot outbox in ``work``,
    Twilio's signing token, and ``extra``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("YINLING_", "IVR_", "PG"))}
    base.update(YINLING_PORT=str(free_port()), YINLING_RASA_PORT=str(free_port()),
                YINLING_ACTIONS_PORT=str(free_port()), YINLING_METRICS_PORT=str(free_port()),
                DATABASE_URL=database_url, YINLING_TRACKER_STORE_URL=tracker_url,
                YINLING_LOCK_STORE_DB=str(lock_db), IVR_STATE_URL=f"redis://127.0.0.1:6379/{state_db}",
                YINLING_SECRETS_FILE=str(work / "secrets.env"), IVR_SECRETS_FILE=str(work / "secrets.env"),
                YINLING_BOT_OUTBOX=str(work / "outbox.jsonl"), IVR_TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
                IVR_TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT_SID, TF_CPP_MIN_LOG_LEVEL="3")
    base.update(extra)
    return base


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def scratch_databases() -> tuple[str, str]:
    """Names for a layout's records and conversations on the machine's PostgreSQL (created by run-prod),
    skipping when that server does not answer."""
    try:
        create_engine(f"{POSTGRES}/postgres").connect().close()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL at {POSTGRES}: {exc}")
    tag = uuid.uuid4().hex[:8]
    return f"{POSTGRES}/yinling_prod_{tag}", f"postgresql://root@127.0.0.1:5432/yinling_prodconv_{tag}"


class Layout:
    def __init__(self, work: Path, env: dict, process: subprocess.Popen):
        self.work, self.env, self.process = work, env, process
        self.app = f"http://127.0.0.1:{env['YINLING_PORT']}"
        self.rasa = f"http://127.0.0.1:{env['YINLING_RASA_PORT']}"
        self.plan = run_prod.Layout(run_all.Ports.from_env(env))

    @property
    def pids(self) -> dict[str, int]:
        return json.loads((self.work / "state" / "pids.json").read_text())

    def secrets(self) -> dict[str, str]:
        return local_secrets.load(self.work / "secrets.env")

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.app + "/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.secrets()['IVR_SERVICE_TOKEN']}"})

    def say(self, words: str, sender: str, phone: str = WANG) -> str:
        """One phone caller's turn through the Rasa front (HAProxy), the way the hotline sends it."""
        status, reply = self.say_status(words, sender, phone)
        assert status == 200, reply
        return reply

    def say_status(self, words: str, sender: str, phone: str) -> tuple[int, str]:
        """(HTTP status, the bot's texts joined) for one turn; (0, the error's name) if nothing answered."""
        claim = claims.sign(self.secrets()["YINLING_CLAIM_SECRET"], conversation_id=sender, channel="phone",
                            phone=phone)
        try:
            answer = httpx.post(self.rasa + "/webhooks/rest/webhook", timeout=120, json={
                "sender": sender, "message": words, "metadata": {"claim": claim, "channel": "phone"}})
        except httpx.HTTPError as exc:
            return 0, type(exc).__name__
        if answer.status_code != 200:
            return answer.status_code, answer.text[:200]
        return 200, " ".join(m.get("text") or "" for m in answer.json())

    def person_id(self, phone: str) -> int:
        with self.api() as api:
            return api.get(f"/persons/by-phone/{phone}").json()["id"]

    def orders(self, phone: str = WANG) -> list[dict]:
        """The person's active orders."""
        with self.api() as api:
            return api.get(f"/persons/{self.person_id(phone)}/orders", params={"active": "true"}).json()

    def call_record(self, call_sid: str) -> dict:
        """The call as the demo city operator sees it (GET /api/v1/calls/{sid})."""
        with httpx.Client(base_url=self.app + "/api/v1", timeout=30) as http:
            login = http.post("/auth/login", json=dict(zip(("username", "password"), DEMO_OPERATOR)))
            assert login.status_code == 200, login.text
            answer = http.get(f"/calls/{call_sid}", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def backends(self) -> list[str]:
        return [f"backend-{i}" for i in range(1, self.plan.backends + 1)]

    def metrics(self, backend: str) -> dict[str, float]:
        """One backend worker's Prometheus samples (``name{labels}`` → value); {} if it does not answer."""
        port = self.plan.metrics_port(int(backend.rsplit("-", 1)[1]))
        try:
            body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.HTTPError:
            return {}
        samples = {}
        for line in body.splitlines():
            match = re.match(r"^([a-z_]+(?:\{[^}]*\})?) (\S+)$", line)
            if match:
                samples[match.group(1)] = float(match.group(2))
        return samples

    def verify_ledger(self) -> None:
        verify = subprocess.run([str(run_all.ROOT / ".venv" / "bin" / "yinling"), "ledger", "verify"],
                                cwd=run_all.ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        assert verify.returncode == 0, verify.stdout + verify.stderr

    def flush_bot_outbox(self) -> None:
        """``python -m bot.actions.backend_client flush`` as the action servers run it; the outbox is then empty."""
        flush = subprocess.run([run_all.BOT_PY, "-m", "bot.actions.backend_client", "flush"], cwd=run_all.ROOT,
                               env=run_prod.prod_env(self.env, self.plan), capture_output=True, text=True,
                               timeout=120)
        assert flush.returncode == 0, flush.stdout + flush.stderr
        outbox = self.work / "outbox.jsonl"
        assert not outbox.exists() or not outbox.read_text().strip(), outbox.read_text()

    def log_lines(self, *needles: str, last: int = 150) -> list[str]:
        """The layout's log lines naming any of ``needles`` (call SIDs, conversation ids), and its warnings
        and errors: pytest shortens an assertion's message, and the CI log is all there is afterwards."""
        lines = [line for line in (self.work / "prod.log").read_text(errors="replace").splitlines()
                 if any(n in line for n in needles) or '"WARNING"' in line or '"ERROR"' in line
                 or "WARNING" in line[:60] or "ERROR" in line[:60]]
        return [line[:400] for line in lines[-last:]]


@contextlib.contextmanager
def running(work: Path, env: dict[str, str]) -> Iterator[Layout]:
    """tools/run_prod.py with ``env`` (its output in ``work/prod.log``), once it says the layout is up."""
    log = open(work / "prod.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([run_all.APP_PY, "tools/run_prod.py", "--state-dir", str(work / "state")],
                               cwd=run_all.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S + 300
        while "production layout is up" not in (work / "prod.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("run-prod did not come up; log tail:\n"
                            + (work / "prod.log").read_text(errors="replace")[-4000:])
            time.sleep(2)
        yield Layout(work, env, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def turn(layout: Layout, words: str, sender: str, phone: str, expect: tuple[str, ...], log: list) -> str:
    """One caller turn; when the line answers with an error, nothing, or asks the caller to repeat, the caller
    says the same words again, up to four times. The hotline speaks each of these plainly: an error is
    ASSISTANT_DOWN (系统有点忙…), an empty answer NOT_HEARD (对不起，我没听清，请再说一遍。)."""
    for _attempt in range(5):
        status, reply = layout.say_status(words, sender, phone)
        log.append((sender[-4:], words, status, reply[:60]))
        if status == 200 and any(word in reply for word in expect):
            return reply
        plain = status != 200 or not reply.strip() or any(word in reply for word in REPEAT_WORDS)
        assert plain, f"neither on nor plain: {reply}"
        time.sleep(3)
    pytest.fail(f"{words!r} never went through: {log}")


class GatherCaller:
    """Twilio's side of a gather-mode call through the proxy's app front: each webhook signed with the
    layout's auth token over its public URL (the front); ``heard`` keeps every <Say> in order, ``spoken`` every
    SpeechResult sent (a repeat included)."""

    def __init__(self, layout, phone: str):
        self.layout, self.heard, self.spoken = layout, [], []
        self.call = {"CallSid": f"CA{uuid.uuid4().hex}", "From": phone, "To": "+862568712349",
                     "AccountSid": TWILIO_ACCOUNT_SID}

    def post(self, path: str, **params: str) -> list[str]:
        form = {**self.call, **params}
        url = self.layout.app + path
        answer = httpx.post(url, data=form, timeout=60,
                            headers={"X-Twilio-Signature": sign(TWILIO_AUTH_TOKEN, url, form)})
        assert answer.status_code in (200, 204), (answer.status_code, answer.text)
        said = [say.text for say in ET.fromstring(answer.text).iter("Say")] if answer.text else []
        self.heard += said
        return said

    def say(self, words: str, expect: str) -> str:
        """Speech as Twilio recognised it; said again (up to three times) while the line plainly asks for it."""
        for _attempt in range(3):
            self.spoken.append(words)
            said = " ".join(self.post("/ivr/gather", SpeechResult=words, Confidence="0.92"))
            if expect in said:
                return said
            assert prompts.NOT_HEARD in said or prompts.ASSISTANT_DOWN in said, said
        pytest.fail(f"{words!r} never went through: {self.heard}")

    def assert_record_whole(self, order_id: int) -> dict:
        """The call's record once Twilio said it ended: completed, naming the one order, every caller's
        webhook once, every prompt heard (the consent notice is an event), numbered without a gap."""
        record = self.layout.call_record(self.call["CallSid"])
        assert record["mode"] == "gather" and record["status"] == "completed", record
        assert record["order_ids"] == [order_id], record["order_ids"]
        assert [t["text"] for t in record["turns"] if t["speaker"] == "caller"] == self.spoken, record["turns"]
        said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
        assert said == [text_ for text_ in self.heard if text_ != prompts.CONSENT], (said, self.heard)
        seqs = sorted([t["seq"] for t in record["turns"]] + [e["seq"] for e in record["events"]])
        assert seqs == list(range(1, len(seqs) + 1)), seqs
        return record
