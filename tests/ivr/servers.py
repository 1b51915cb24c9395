"""Real servers for the IVR tests, on loopback ports: uvicorn in a thread (the backend, the
IVR) and the Rasa server + action server as subprocesses of the bot environment."""
from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]
BOT_PYTHON = REPO / ".venv-bot" / "bin" / "python"
BOT_MODEL = REPO / "var" / "models" / "bot" / "yinling.tar.gz"
# Loading the model traces TensorFlow graphs: ~1 min on a quiet 2-core machine, ~5 min on a busy one, and
# more than 10 min at a load average of 18 (seen while eight people shared the machine).
READY_TIMEOUT_S = 900


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with free_socket() as sock:
        return sock.getsockname()[1]


class ServerThread:
    """An ASGI app served by uvicorn in a background thread (its own event loop)."""

    def __init__(self, app, name: str):  # noqa: ANN001
        self._sock = free_socket()
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on"))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, name=name,
                                        daemon=True)

    def __enter__(self) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()


def rasa_ready() -> str | None:
    """None if a real Rasa can run here, else why not (the reason shown on skipped tests)."""
    if not BOT_PYTHON.exists():
        return f"no bot environment at {BOT_PYTHON}"
    if not BOT_MODEL.exists():
        return f"no trained bot model at {BOT_MODEL} (tools/train_bot.sh)"
    return None


# The claim secret the test front doors sign with (backend.core.scratch's default, tests/ivr/conftest.py).
CLAIM_SECRET = "scratch-claim-secret-0123456789"
ACTION_TOKEN = "test-action-token-0123456789"


class RasaProcesses:
    """The action server and the Rasa server (REST channel) of the trained model, started with the
    commands `make run` uses (tools/run_all.py): loopback, no HTTP API, the action server's token."""

    def __init__(self, backend_url: str, service_token: str, workdir: Path, claim_secret: str = CLAIM_SECRET,
                 store_env: dict[str, str] | None = None):
        """``store_env``: the conversation store's variables (bot/conversation_store.py); by default a
        SQLite tracker store in ``workdir`` and the in-memory lock store, as `make run` has them."""
        from bot.conversation_store import ConversationStore
        from tools.run_all import Ports, services

        self.action_port, self.rasa_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.workdir = workdir
        self.env = {**os.environ, "YINLING_BACKEND_URL": backend_url, "YINLING_SERVICE_TOKEN": service_token,
                    "YINLING_ENV": "test", "YINLING_BOT_OUTBOX": str(workdir / "outbox.jsonl"),
                    "YINLING_CLAIM_SECRET": claim_secret, "YINLING_ACTION_TOKEN": ACTION_TOKEN,
                    "YINLING_ACTIONS_URL": f"http://127.0.0.1:{self.action_port}/webhook",
                    "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3",
                    "TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
                    "YINLING_TRACKER_STORE_URL": f"sqlite:///{workdir / 'conversations.db'}", **(store_env or {})}
        self.env.update(ConversationStore.from_env(self.env).rasa_env())
        ports = Ports(actions=self.action_port, rasa=self.rasa_port)
        self.commands = [s.command for s in services(ports, BOT_MODEL) if s.name in ("actions", "rasa")]
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "RasaProcesses":
        log = open(self.workdir / "rasa.log", "w")  # noqa: SIM115 - closed with the processes
        for command in self.commands:
            self.processes.append(subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log,
                                                   stderr=subprocess.STDOUT))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                self.__exit__()
                raise RuntimeError(f"Rasa exited; see {self.workdir / 'rasa.log'}")
            try:
                if httpx.get(f"{self.url}/", timeout=1).status_code == 200 and httpx.get(
                        f"http://127.0.0.1:{self.action_port}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.__exit__()
        raise RuntimeError(f"Rasa did not become ready in {READY_TIMEOUT_S} s")

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class HotlineWorker:
    """One hotline worker as its own process (uvicorn serving ``ivr.app:create_ivr_app``, settings from
    ``IVR_*``), the way several run behind one reverse proxy. Recognition off (keypad mode)."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ivr/stream"
        self.log_path = log_path
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "YINLING_SPEECH_MODEL_PATH": "/nonexistent",
                    "YINLING_SPEECH_SYNTH_WORKERS": "1", "YINLING_SPEECH_RECORD_CALLS": "false", **env}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "HotlineWorker":
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [str(REPO / ".venv" / "bin" / "python"), "-m", "uvicorn", "--factory", "ivr.app:create_ivr_app",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hotline worker exited: {self.log_path.read_text()[-2000:]}")
            try:
                httpx.get(self.url + "/openapi.json", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("hotline worker did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
