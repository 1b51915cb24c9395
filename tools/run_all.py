"""`make run`: start the backend, the Rasa action server and the Rasa server, wait until each answers,
print their URLs, and stop them all together (Ctrl-C, or when any one of them dies).

Standard library only, so it runs under either environment's Python.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT_PY = str(ROOT / ".venv-bot" / "bin" / "python")
APP_PY = str(ROOT / ".venv" / "bin" / "python")
BACKEND_PORT = int(os.environ.get("YINLING_PORT", "8000"))
ACTIONS_PORT = int(os.environ.get("YINLING_ACTIONS_PORT", "5055"))
RASA_PORT = int(os.environ.get("YINLING_RASA_PORT", "5005"))


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    public_url: str
    process: subprocess.Popen | None = None


def services() -> list[Service]:
    model = ROOT / "var" / "models" / "bot" / "yinling.tar.gz"
    return [
        Service("backend", [APP_PY, "-m", "yinling.run"], f"http://127.0.0.1:{BACKEND_PORT}/health",
                f"http://127.0.0.1:{BACKEND_PORT}/docs"),
        Service("actions", [BOT_PY, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(ACTIONS_PORT)],
                f"http://127.0.0.1:{ACTIONS_PORT}/health", f"http://127.0.0.1:{ACTIONS_PORT}/webhook"),
        Service("rasa", [BOT_PY, "-m", "rasa", "run", "--enable-api", "--cors", "*", "--model", str(model),
                         "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
                         "--port", str(RASA_PORT)],
                f"http://127.0.0.1:{RASA_PORT}/", f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook"),
    ]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def stop(running: list[Service]) -> None:
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.terminate()
    deadline = time.monotonic() + 15
    for service in running:
        if service.process:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()


def front_doors() -> str:
    """The pages people open, and the demo logins (backend.demo, when this runs in the app env)."""
    base = f"http://127.0.0.1:{BACKEND_PORT}"
    lines = ["", f"  operator console  {base}/console", f"  family chat       {base}/family",
             f"  browser phone     {base}/ivr/phone"]
    try:
        from backend.demo import DEMO_FAMILY_PASSWORD, DEMO_OPERATORS, PEOPLE
    except ImportError:
        return "\n".join(lines)
    lines.append("  demo logins:")
    lines += [f"    console  {user} / {password}  ({name})" for user, password, name, _role, _st in DEMO_OPERATORS]
    lines.append(f"    family   {PEOPLE[6].phone} / {DEMO_FAMILY_PASSWORD}")
    return "\n".join(lines) + "\n"


def main() -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), YINLING_BACKEND_URL=f"http://127.0.0.1:{BACKEND_PORT}")
    running = services()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for service in running:
            service.process = subprocess.Popen(service.command, cwd=ROOT, env=env)
        pending = {s.name for s in running}
        deadline = time.monotonic() + 300
        while pending:
            for service in running:
                if service.process.poll() is not None:
                    print(f"[run] {service.name} exited with {service.process.returncode}", file=sys.stderr)
                    return 1
                if service.name in pending and answers(service.health_url):
                    pending.discard(service.name)
                    print(f"[run] {service.name} is up", flush=True)
            if time.monotonic() > deadline:
                print(f"[run] not up after 300 s: {sorted(pending)}", file=sys.stderr)
                return 1
            time.sleep(1)
        print("\nYinling 银龄: all services are up", flush=True)
        for service in running:
            print(f"  {service.name:<8} {service.public_url}", flush=True)
        print(front_doors(), flush=True)
        print("  Press Ctrl-C to stop.\n", flush=True)
        while all(s.process.poll() is None for s in running):
            time.sleep(1)
        dead = [s.name for s in running if s.process.poll() is not None]
        print(f"[run] stopped because {dead} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(running)


if __name__ == "__main__":
    sys.exit(main())
