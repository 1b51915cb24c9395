"""Shared fixtures for the bot tests (run with .venv-bot: .venv-bot/bin/python -m pytest tests/bot).

The live parts (backend from .venv on a scratch SQLite database with its demo data, the action
server, the trained model) are started once per session and shared by the live test modules.
"""
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.availability import unavailable
from trust import claims

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var" / "models" / "bot" / "yinling.tar.gz"
BACKEND_PYTHON = ROOT / ".venv" / "bin" / "python"
ELDER_PHONE = "+8613912340001"
TOKEN = "live-flows-service-token"
CLAIM_SECRET = "live-flows-claim-secret"
ACTION_TOKEN = "live-flows-action-token"


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The real model, trained by tools/train_bot.sh only if its inputs changed (cached by hash)."""
    subprocess.run([str(ROOT / "tools" / "train_bot.sh")], check=True, cwd=ROOT)
    assert MODEL.exists()
    return MODEL


@pytest.fixture(scope="session")
def parser(trained_model):
    from bot.parse_batch import Parser

    return Parser(trained_model)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def backend_url(tmp_path_factory):
    if not BACKEND_PYTHON.exists():
        unavailable("the backend environment .venv is not built (make env)")
    port = free_port()
    db = tmp_path_factory.mktemp("backend") / "yinling.db"
    env = {**os.environ, "YINLING_ENV": "test", "DATABASE_URL": f"sqlite:///{db}", "YINLING_PORT": str(port),
           "YINLING_SECRET_KEY": "live-flows-secret-key-0123456789", "YINLING_SERVICE_TOKENS": TOKEN,
           "YINLING_CLAIM_SECRET": CLAIM_SECRET, "IVR_SERVICE_TOKEN": TOKEN,
           "YINLING_DISPATCH_INTERVAL_SECONDS": "0", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([str(BACKEND_PYTHON), "-m", "yinling.run"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/health", process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def action_server(backend_url, tmp_path_factory):
    port = free_port()
    env = {**os.environ, "YINLING_BACKEND_URL": backend_url, "YINLING_ENV": "test", "PYTHONPATH": str(ROOT),
           "YINLING_SERVICE_TOKEN": TOKEN, "YINLING_CLAIM_SECRET": CLAIM_SECRET, "YINLING_ACTION_TOKEN": ACTION_TOKEN,
           "YINLING_BOT_OUTBOX": str(tmp_path_factory.mktemp("outbox") / "outbox.jsonl")}
    process = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/health", process)
        yield url + "/webhook"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def talk(trained_model, action_server):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(trained_model), action_endpoint=EndpointConfig(
        action_server, headers={"Authorization": f"Bearer {ACTION_TOKEN}"}))
    loop = asyncio.new_event_loop()

    def say(text: str, sender: str, caller: dict | None = None) -> list[str]:
        """One turn, signed as the front doors sign it: the demo elder on the phone unless ``caller``
        is {"phone": …, "channel": "phone"} or {"person_id": …, "channel": "chat"}."""
        caller = caller or {"phone": ELDER_PHONE, "channel": "phone"}
        channel = CollectingOutputChannel()
        claim = claims.sign(CLAIM_SECRET, conversation_id=sender, channel=caller["channel"],
                            phone=caller.get("phone"), person_id=caller.get("person_id"))
        message = UserMessage(text, channel, sender, metadata={"claim": claim, "channel": caller["channel"]})
        loop.run_until_complete(agent.handle_message(message))
        return [m.get("text") or "" for m in channel.messages]

    return say


