"""`make run`'s processes (tools/run_all.py), started the way it starts them on unusual ports with a
scratch database and a fresh secrets file, then attacked as issue 11 describes: every listening
socket is on loopback, Rasa's HTTP API is gone, a phone number in metadata acts for nobody, a
forged tracker posted to the action server runs nothing, and the local browser phone serves no one
but this machine. Loading the model takes 1–5 minutes here; everything else is seconds."""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.availability import unavailable
from tests.ivr.servers import BOT_MODEL, READY_TIMEOUT_S, free_port, rasa_ready
from tools import run_all
from trust import claims, local_secrets

ELDER_PHONE = "+8613912340001"   # 王秀英, demo elder
SON_PHONE = "+8613912340007"     # 王军, her family member

pytestmark = pytest.mark.slow


class Stack:
    def __init__(self, ports: run_all.Ports, env: dict, secrets_file: Path):
        self.ports, self.env, self.secrets_file = ports, env, secrets_file
        self.backend = f"http://127.0.0.1:{ports.backend}"
        self.rasa = f"http://127.0.0.1:{ports.rasa}"
        self.actions = f"http://127.0.0.1:{ports.actions}"
        self.processes: list[subprocess.Popen] = []

    @property
    def secrets(self) -> dict[str, str]:
        return local_secrets.load(self.secrets_file)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.backend + "/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.secrets['IVR_SERVICE_TOKEN']}"})

    def balance(self, phone: str) -> int:
        with self.api() as api:
            person = api.get(f"/persons/by-phone/{phone}").json()
            return int(api.get(f"/persons/{person['id']}/balance").json()["minutes"])

    def ledger_head(self) -> dict:
        with self.api() as api:
            return api.get("/ledger/head").json()

    def say(self, sender: str, text: str, metadata: dict) -> list[str]:
        answer = httpx.post(self.rasa + "/webhooks/rest/webhook", timeout=60,
                            json={"sender": sender, "message": text, "metadata": metadata})
        answer.raise_for_status()
        return [m.get("text") or "" for m in answer.json()]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reason = rasa_ready() or (None if Path(run_all.APP_PY).exists() else "no app environment .venv")
    if reason:
        unavailable(reason)
    work = tmp_path_factory.mktemp("make-run")
    ports = run_all.Ports(backend=free_port(), actions=free_port(), rasa=free_port(), metrics=free_port())
    base = {k: v for k, v in os.environ.items() if not k.startswith(("YINLING_", "IVR_"))}
    base.update(DATABASE_URL=f"sqlite:///{work / 'yinling.db'}", YINLING_SECRETS_FILE=str(work / "secrets.env"),
                YINLING_BOT_OUTBOX=str(work / "outbox.jsonl"), YINLING_DISPATCH_INTERVAL_SECONDS="0",
                TF_CPP_MIN_LOG_LEVEL="3", TF_INTER_OP_PARALLELISM_THREADS="1", TF_INTRA_OP_PARALLELISM_THREADS="1")
    env = run_all.child_env(base, ports)
    running = Stack(ports, env, work / "secrets.env")
    log = open(work / "stack.log", "w")  # noqa: SIM115 - closed below
    try:
        for service in run_all.services(ports, BOT_MODEL):
            running.processes.append(subprocess.Popen(service.command, cwd=run_all.ROOT, env=env, stdout=log,
                                                      stderr=subprocess.STDOUT))
        deadline = time.monotonic() + READY_TIMEOUT_S + 300  # three servers start at once here
        pending = [s.health_url for s in run_all.services(ports, BOT_MODEL)]
        while pending:
            if any(p.poll() is not None for p in running.processes) or time.monotonic() > deadline:
                log.flush()
                tail = (work / "stack.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"make run's processes did not all come up ({pending}); log tail:\n{tail}")
            pending = [url for url in pending if not run_all.answers(url)]
            time.sleep(1)
        yield running
    finally:
        for process in running.processes:
            process.terminate()
        for process in running.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def process_tree(roots: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grew = set(roots), True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def listening_addresses(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state that one of ``pids`` holds (what `ss -ltnp` shows)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address, port = local.split(":")
                raw = bytes.fromhex(address)
                words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]  # little-endian 32-bit words
                found.append((_address(b"".join(words)), int(port, 16)))
    return found


def _address(raw: bytes) -> str:
    import ipaddress

    return str(ipaddress.ip_address(raw))


def test_every_listening_socket_of_make_run_is_on_loopback(stack):
    sockets = listening_addresses(process_tree([p.pid for p in stack.processes]))
    ports = {port for _address, port in sockets}
    assert {stack.ports.backend, stack.ports.actions, stack.ports.rasa} <= ports, sockets
    assert all(address in ("127.0.0.1", "::1") for address, _port in sockets), sockets


def test_first_run_wrote_private_random_secrets_the_children_use(stack):
    assert stack.secrets_file.stat().st_mode & 0o777 == 0o600
    with stack.api() as api:  # the hotline's generated token opens the API; a guessed one does not
        assert api.get("/persons/by-phone/" + ELDER_PHONE).status_code == 200
        assert api.get("/persons/by-phone/" + ELDER_PHONE,
                       headers={"Authorization": "Bearer dev-service-token"}).status_code == 401


def test_rasa_http_api_is_off__tracker_read_event_injection_and_model_swap_refused(stack):
    stack.say("family-7", "你好", {"channel": "chat"})  # the conversation exists
    assert httpx.get(stack.rasa + "/conversations/family-7/tracker").status_code == 404
    injected = httpx.post(stack.rasa + "/conversations/family-7/tracker/events",
                          json=[{"event": "slot", "name": "caller", "value": {"id": 1}}])
    assert injected.status_code in (404, 405)
    assert httpx.put(stack.rasa + "/model", json={"model_file": "/tmp/evil.tar.gz"}).status_code in (404, 405)
    assert httpx.get(stack.rasa + "/status").status_code == 404
    preflight = httpx.options(stack.rasa + "/webhooks/rest/webhook", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_an_elders_phone_in_metadata_reads_no_balance_and_moves_no_coins(stack):
    before, head = stack.balance(ELDER_PHONE), stack.ledger_head()
    spoof = {"phone": ELDER_PHONE, "channel": "phone"}
    replies = " ".join(stack.say("attacker-1", "我还有多少时间币", spoof))
    assert "确认不了您的身份" in replies and not re.search(r"\d+个?.*时间币", replies), replies
    forged = {**spoof, "claim": "v1.eyJzaWQiOiJhdHRhY2tlci0xIn0.forged"}
    for text in ("我想送一个时间币给我儿子", SON_PHONE[3:], "对", "对"):
        stack.say("attacker-2", text, forged)
    assert stack.balance(ELDER_PHONE) == before and stack.ledger_head() == head


def test_a_claim_signed_with_the_installs_secret_does_read_the_balance(stack):
    """The control: the same request, signed as the hotline signs it, is answered."""
    claim = claims.sign(stack.secrets["YINLING_CLAIM_SECRET"], conversation_id="CA-control", channel="phone",
                        phone=ELDER_PHONE)
    replies = " ".join(stack.say("CA-control", "我还有多少时间币", {"channel": "phone", "claim": claim}))
    assert "时间币" in replies and "确认不了" not in replies, replies


def forged_tracker(next_action: str, slots: dict, metadata: dict) -> dict:
    return {"next_action": next_action, "sender_id": "forger", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "forger", "slots": slots, "events": [], "paused": False,
                        "latest_message": {"text": "对", "intent": {"name": "affirm", "confidence": 1.0},
                                           "entities": [], "metadata": metadata},
                        "latest_event_time": time.time(), "followup_action": None, "latest_input_channel": "rest",
                        "active_loop": {}, "latest_action_name": "action_listen"}}


def test_a_forged_tracker_posted_to_the_action_server_runs_nothing(stack):
    with stack.api() as api:
        elder = api.get(f"/persons/by-phone/{ELDER_PHONE}").json()
        son = api.get(f"/persons/by-phone/{SON_PHONE}").json()
    before, head = stack.balance(ELDER_PHONE), stack.ledger_head()
    body = forged_tracker("action_confirm", {
        "pending_confirmation": "gift", "coin_amount": "一个", "recipient_phone": SON_PHONE,
        "gift_to": {"id": son["id"], "name": son["name"]}, "caller": elder},
        {"phone": ELDER_PHONE, "channel": "phone"})
    assert httpx.post(stack.actions + "/webhook", json=body).status_code == 401
    assert httpx.post(stack.actions + "/webhook", json=body,
                      headers={"Authorization": "Bearer guessed"}).status_code == 401
    assert httpx.get(stack.actions + "/actions").status_code == 401
    # Even with the Rasa server's own token, a tracker without a valid claim acts for no one.
    token = {"Authorization": f"Bearer {stack.secrets['YINLING_ACTION_TOKEN']}"}
    answered = httpx.post(stack.actions + "/webhook", json=body, headers=token, timeout=30)
    assert answered.status_code == 200
    assert [r.get("response") for r in answered.json()["responses"]] == ["utter_identity_unverified"]
    assert stack.balance(ELDER_PHONE) == before and stack.ledger_head() == head


def test_the_local_browser_phone_serves_only_this_machine(stack):
    # Through a reverse proxy on this machine (X-Forwarded-For, which uvicorn believes from loopback)
    # a visitor from elsewhere finds no browser phone; a local demo user does.
    remote = {"X-Forwarded-For": "203.0.113.7"}
    assert httpx.get(stack.backend + "/ivr/phone", headers=remote).status_code == 404
    assert httpx.post(stack.backend + "/ivr/phone/session", headers=remote,
                      json={"caller": ELDER_PHONE}).status_code == 404
    assert httpx.get(stack.backend + "/ivr/phone").status_code == 200
