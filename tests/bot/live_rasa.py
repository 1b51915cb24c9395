"""A real Rasa server of the trained model, started with `make run`'s command (tools/run_all.py: REST
channel only, bot/endpoints.yml's stores), that a test can kill -9 and start again."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.bot.conftest import ACTION_TOKEN, CLAIM_SECRET, ELDER_PHONE, MODEL, ROOT, free_port
from trust import claims

# Loading the model traces TensorFlow graphs: ~1 min on a quiet 2-core machine, far more under load.
READY_TIMEOUT_S = 900


class RasaServer:
    def __init__(self, action_url: str, store_env: dict[str, str], log_path: Path):
        from bot.conversation_store import ConversationStore
        from tools.run_all import Ports, services

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {**os.environ, "PYTHONPATH": str(ROOT), "YINLING_ACTIONS_URL": action_url,
               "YINLING_ACTION_TOKEN": ACTION_TOKEN, "TF_CPP_MIN_LOG_LEVEL": "3",
               "TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1", **store_env}
        self.env = {**env, **ConversationStore.from_env(env).rasa_env()}
        self.command = next(s.command for s in services(Ports(rasa=self.port), MODEL) if s.name == "rasa")
        self.process: subprocess.Popen | None = None

    def start(self) -> "RasaServer":
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self) -> "RasaServer":
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Rasa exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(f"Rasa not ready in {READY_TIMEOUT_S} s: {self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown hook runs, whatever Rasa held only in memory is gone."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def say(self, text: str, sender: str) -> str:
        """One turn of the demo elder on the phone, signed as the hotline signs it; the replies joined."""
        claim = claims.sign(CLAIM_SECRET, conversation_id=sender, channel="phone", phone=ELDER_PHONE)
        answer = httpx.post(self.url + "/webhooks/rest/webhook", timeout=120, json={
            "sender": sender, "message": text, "metadata": {"claim": claim, "channel": "phone"}})
        answer.raise_for_status()
        return " ".join(m.get("text") or "" for m in answer.json())
