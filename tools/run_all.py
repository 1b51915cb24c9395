"""`make run`: start the backend, the Rasa action server and the Rasa server, wait until each answers,
print their URLs, and stop them all together (Ctrl-C, or when any one of them dies).

Deny by default: every process binds 127.0.0.1 unless YINLING_HOST / YINLING_ACTIONS_HOST /
YINLING_RASA_HOST say otherwise; Rasa runs without its HTTP API (only the REST channel the hotline
and the family chat use) and without CORS; the action server answers only the Rasa server's token.
Secrets not set in the environment come from var/secrets.env (generated on first run, mode 0600,
trust/local_secrets.py) and are handed to the children here; with YINLING_ENV=prod nothing is
generated and a missing secret stops start-up.

Standard library only, so it runs under either environment's Python.
"""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's stdlib-only trust package

from bot.conversation_store import ConversationStore  # noqa: E402
from trust import local_secrets  # noqa: E402

BOT_PY = str(ROOT / ".venv-bot" / "bin" / "python")
APP_PY = str(ROOT / ".venv" / "bin" / "python")
MODEL = ROOT / "var" / "models" / "bot" / "yinling.tar.gz"
SECRET_NAMES = tuple(local_secrets.NAMES)


class ConfigError(RuntimeError):
    """A required secret is missing in prod."""


@dataclass(frozen=True)
class Ports:
    """Where each process listens (YINLING_HOST/PORT, YINLING_ACTIONS_HOST/PORT, YINLING_RASA_HOST/PORT)."""

    backend_host: str = "127.0.0.1"
    backend: int = 8000
    actions_host: str = "127.0.0.1"
    actions: int = 5055
    rasa_host: str = "127.0.0.1"
    rasa: int = 5005
    metrics: int = 9464  # the backend's Prometheus listener, loopback (YINLING_METRICS_HOST to change)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Ports":
        return cls(env.get("YINLING_HOST", "127.0.0.1"), int(env.get("YINLING_PORT", "8000")),
                   env.get("YINLING_ACTIONS_HOST", "127.0.0.1"), int(env.get("YINLING_ACTIONS_PORT", "5055")),
                   env.get("YINLING_RASA_HOST", "127.0.0.1"), int(env.get("YINLING_RASA_PORT", "5005")),
                   int(env.get("YINLING_METRICS_PORT", "9464")))


def secrets_for(env: Mapping[str, str]) -> dict[str, str]:
    """Each secret from the environment, else (outside prod) from var/secrets.env."""
    given = {name: env[name] for name in SECRET_NAMES if env.get(name)}
    if len(given) == len(SECRET_NAMES):
        return given
    if env.get("YINLING_ENV", "dev") == "prod":
        missing = sorted(set(SECRET_NAMES) - set(given))
        raise ConfigError(f"YINLING_ENV=prod: set {', '.join(missing)} in the environment")
    path = Path(env["YINLING_SECRETS_FILE"]) if env.get("YINLING_SECRETS_FILE") else None
    return {**local_secrets.load(path), **given}


def child_env(env: Mapping[str, str], ports: Ports) -> dict[str, str]:
    """The environment every child gets: secrets, and where the others are (always over loopback)."""
    found = secrets_for(env)
    backend = f"http://127.0.0.1:{ports.backend}"
    rasa = f"http://127.0.0.1:{ports.rasa}"
    out = dict(env, PYTHONPATH=str(ROOT), **found)
    out.update(ConversationStore.from_env(env).rasa_env())  # bot/endpoints.yml's stores, every variable set
    out.setdefault("YINLING_SERVICE_TOKENS", f"{found['YINLING_SERVICE_TOKEN']},{found['IVR_SERVICE_TOKEN']}")
    out.update(YINLING_PORT=str(ports.backend), YINLING_HOST=ports.backend_host, YINLING_BACKEND_URL=backend,
               IVR_BACKEND_URL=backend, YINLING_RASA_URL=rasa, IVR_RASA_URL=rasa,
               YINLING_ACTIONS_URL=f"http://127.0.0.1:{ports.actions}/webhook")
    out.setdefault("IVR_PUBLIC_URL", backend)
    out["YINLING_METRICS_PORT"] = str(ports.metrics)
    out.setdefault("IVR_BROWSER_PHONE", "local")  # the local demo: loopback clients only (ivr/app.py)
    out.setdefault("YINLING_POLICY", "demo")  # Nanjing's rules with a goods share, so the mall can be tried
    return out


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    public_url: str
    process: subprocess.Popen | None = None


def services(ports: Ports, model: Path = MODEL) -> list[Service]:
    return [
        Service("backend", [APP_PY, "-m", "yinling.run"], f"http://127.0.0.1:{ports.backend}/health",
                f"http://127.0.0.1:{ports.backend}/docs"),
        Service("actions", [BOT_PY, "-m", "bot.action_server", "--host", ports.actions_host,
                            "--port", str(ports.actions)],
                f"http://127.0.0.1:{ports.actions}/health", f"http://127.0.0.1:{ports.actions}/webhook"),
        Service("rasa", [BOT_PY, "-m", "rasa", "run", "--interface", ports.rasa_host, "--port", str(ports.rasa),
                         "--model", str(model), "--endpoints", "bot/endpoints.yml",
                         "--credentials", "bot/credentials.yml"],
                f"http://127.0.0.1:{ports.rasa}/", f"http://127.0.0.1:{ports.rasa}/webhooks/rest/webhook"),
    ]


def answers(url: str) -> bool:
    """Whether the server at ``url`` answers. Anything but an HTTP answer is "not yet": probing a loopback
    port in the ephemeral range before its server listens can connect the probe to itself (TCP
    simultaneous open), and it reads back its own request (``BadStatusLine: GET / HTTP/1.1``; this ended
    a run-prod start in a fresh-clone run of 2026-12-04)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (OSError, http.client.HTTPException):
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


def front_doors(ports: Ports, env: Mapping[str, str]) -> str:
    """The pages people open, and the demo logins (backend.demo, when this runs in the app env)."""
    base = f"http://127.0.0.1:{ports.backend}"
    lines = ["", f"  operator console  {base}/console", f"  family chat       {base}/family"]
    if env.get("IVR_BROWSER_PHONE") == "local":
        lines.append(f"  browser phone     {base}/ivr/phone   (this machine only)")
    try:
        from backend.demo import DEMO_FAMILY_PASSWORD, DEMO_OPERATORS, PEOPLE
    except ImportError:
        return "\n".join(lines)
    lines.append("  demo logins:")
    lines += [f"    console  {user} / {password}  ({name})" for user, password, name, _role, _st in DEMO_OPERATORS]
    lines.append(f"    family   {PEOPLE[6].phone} / {DEMO_FAMILY_PASSWORD}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ports = Ports.from_env(os.environ)
    try:
        env = child_env(os.environ, ports)
    except (ConfigError, ValueError) as exc:
        print(f"[run] {exc}", file=sys.stderr)
        return 2
    running = services(ports)
    ConversationStore.from_env(env).prepare()
    subprocess.run([BOT_PY, "-m", "bot.conversation_store", "prune"], cwd=ROOT, env=env, check=False)
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
        print(front_doors(ports, env), flush=True)
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
