"""`make run`'s app process (yinling/run.py) as an operator watches it: a browser-phone call in keypad
mode against the real process, then its Prometheus listener (loopback only, its own port, nothing
personal in it), its readiness and liveness, and its JSON log lines, each naming its call."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from backend.demo import PEOPLE
from tests.ivr.servers import free_port
from tests.ivr.simulator import SimulatedStream

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{") and line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


@pytest.fixture(scope="module")
def app_process(tmp_path_factory):
    work = tmp_path_factory.mktemp("observed")
    port, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YINLING_", "IVR_"))}
    env.update(DATABASE_URL=f"sqlite:///{work / 'yinling.db'}", YINLING_PORT=str(port),
               YINLING_METRICS_PORT=str(metrics_port), YINLING_LOG_FORMAT="json",
               YINLING_SECRETS_FILE=str(work / "secrets.env"), IVR_SECRETS_FILE=str(work / "secrets.env"),
               YINLING_BOT_OUTBOX=str(work / "outbox.jsonl"),
               YINLING_DISPATCH_INTERVAL_SECONDS="0.5", IVR_BROWSER_PHONE="local", IVR_RASA_URL="http://127.0.0.1:9",
               IVR_BACKEND_URL=f"http://127.0.0.1:{port}", YINLING_SPEECH_MODEL_PATH="/nonexistent",
               YINLING_SPEECH_SYNTH_WORKERS="1", PYTHONPATH=str(ROOT))
    stderr = open(work / "stderr.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "yinling.run"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (work / "stderr.log").read_text()[-3000:]
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the app did not become ready"
            time.sleep(0.5)
        yield {"base": base, "metrics": f"http://127.0.0.1:{metrics_port}/metrics", "metrics_port": metrics_port,
               "log": work / "stderr.log", "ws": f"ws://127.0.0.1:{port}/ivr/stream"}
    finally:
        process.terminate()
        process.wait(30)
        stderr.close()


def test_metrics__listen_on_loopback_only_apart_from_the_app_and_are_not_under_its_address(app_process):
    assert listening_addresses(app_process["metrics_port"]) == {"0100007F"}  # 127.0.0.1
    assert httpx.get(app_process["base"] + "/metrics").status_code == 404


def in_own_loop(coroutine_function):
    """Run a coroutine in a thread of its own: the web tests' Playwright leaves this thread a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result()


def test_a_call__is_counted_while_it_lasts_and_logged_line_by_line_with_its_sid(app_process):
    in_own_loop(lambda: a_call_is_counted_and_logged(app_process))


async def a_call_is_counted_and_logged(app_process) -> None:
    elder = PEOPLE[0].phone
    http = httpx.AsyncClient(timeout=10)

    async def scrape() -> str:
        return (await http.get(app_process["metrics"])).text

    before = await scrape()
    assert metric(before, 'yinling_active_calls{mode="stream"}') == 0
    assert metric(before, "yinling_database_up") == 1 and metric(before, "yinling_ledger_entries_total") > 0

    session = (await http.post(app_process["base"] + "/ivr/phone/session", json={"caller": elder})).json()
    stream = SimulatedStream(app_process["ws"], session["call_sid"],
                             {"token": session["token"], "callSid": session["call_sid"], "caller": elder})
    await stream.connect()
    await stream.wait_for(lambda: len(stream.marks) >= 2, timeout=60, what="keypad greeting")
    during = await scrape()
    await stream.stop()
    await asyncio.sleep(1)
    assert metric(during, 'yinling_active_calls{mode="stream"}') == 1
    after = await scrape()
    await http.aclose()
    assert metric(after, 'yinling_active_calls{mode="stream"}') == 0
    assert metric(after, 'yinling_dispatch_passes_total{result="ok"}') > 0
    for text in (before, during, after):  # nothing personal: no number, no call SID
        assert elder not in text and elder.lstrip("+") not in text and session["call_sid"] not in text

    lines = [json.loads(line) for line in app_process["log"].read_text().splitlines() if line.strip()]
    assert lines and all({"ts", "level", "logger", "conversation", "message"} <= set(line) for line in lines)
    of_the_call = [line for line in lines if line["conversation"] == session["call_sid"]]
    assert any("keypad mode" in line["message"] for line in of_the_call), of_the_call
    assert elder.lstrip("+") not in app_process["log"].read_text()  # logs name calls, not callers


def test_readyz_and_livez__answer_the_proxy(app_process):
    assert httpx.get(app_process["base"] + "/readyz").json() == {"status": "ready"}
    assert httpx.get(app_process["base"] + "/livez").json() == {"status": "alive"}
