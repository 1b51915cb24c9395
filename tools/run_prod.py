"""`make run-prod`: the production layout on this machine's loopback, in one command.

    HAProxy :8000 ──▶ backend workers (API, console, family, hotline)  ──▶ PostgreSQL  (people … ledger)
    HAProxy :5005 ──▶ two Rasa servers ──▶ HAProxy :5055 ──▶ two action servers ──▶ HAProxy :8000
                      └──▶ PostgreSQL (conversations)   Redis (Rasa's lock store, the hotline's stream tokens)

Every process binds 127.0.0.1. The front ports are `make run`'s (YINLING_PORT, YINLING_RASA_PORT,
YINLING_ACTIONS_PORT); worker i listens on front + i, its metrics on YINLING_METRICS_PORT + i - 1.
The databases (DATABASE_URL, YINLING_TRACKER_STORE_URL; by default `yinling` and `yinling_conversations`
on the local PostgreSQL) are created if missing; PostgreSQL and Redis must be running (the machine's
services, `make sysdeps-prod` installs them). Background work (dispatch passes, messages, retention) is on
the job queue in PostgreSQL (YINLING_BACKGROUND=queue): every backend worker runs a queue worker and each
job runs once across them (backend/jobs). Each worker's PostgreSQL sessions carry its name
(application_name yinling-backend-i, libpq's PGAPPNAME), so pg_stat_activity says whose a query is.
Secrets as `make run` (tools/run_all.py). The hotline answers as IVR_MODE says (stream, the default, or gather),
its calls shared in Redis either way; Twilio's webhooks need IVR_TWILIO_AUTH_TOKEN (Twilio's own, not generated).

Ctrl-C stops everything. ``--state-dir`` gets ``pids.json`` (name → pid) for the fault tests.
Run with the app environment's Python (it creates the databases with psycopg).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import run_all  # noqa: E402
from tools.run_all import APP_PY, BOT_PY, MODEL, Ports, Service, answers, child_env, services, stop  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://root@127.0.0.1:5432/yinling"
DEFAULT_TRACKERS = "postgresql://root@127.0.0.1:5432/yinling_conversations"
REDIS = "redis://127.0.0.1:6379"


@dataclass(frozen=True)
class Layout:
    ports: Ports
    backends: int = 2
    rasas: int = 2
    actions: int = 2

    def backend_port(self, i: int) -> int:
        return self.ports.backend + i

    def rasa_port(self, i: int) -> int:
        return self.ports.rasa + i

    def actions_port(self, i: int) -> int:
        return self.ports.actions + i

    def metrics_port(self, i: int) -> int:
        return self.ports.metrics + i - 1


def prod_env(env: Mapping[str, str], layout: Layout) -> dict[str, str]:
    """What every process shares: PostgreSQL for records and conversations, Redis for locks and
    stream tokens, JSON logs, and the proxy's front doors as everyone's addresses."""
    shared = dict(env)
    shared.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    shared.setdefault("YINLING_TRACKER_STORE_URL", DEFAULT_TRACKERS)
    shared.setdefault("YINLING_LOCK_STORE", "redis")
    shared.setdefault("YINLING_LOCK_STORE_DB", "1")
    shared.setdefault("IVR_STATE_URL", f"{REDIS}/2")
    shared.setdefault("YINLING_LOG_FORMAT", "json")
    shared.setdefault("YINLING_BACKGROUND", "queue")
    shared.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    shared.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    return child_env(shared, layout.ports)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names, if it is missing (connecting to ``postgres``)."""
    import psycopg
    from psycopg import sql

    server, name = url.split("://", 1)[1].rsplit("/", 1)
    name = name.split("?", 1)[0]
    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"[prod] created database {name}", flush=True)


def processes(layout: Layout, model: Path = MODEL) -> list[tuple[Service, dict[str, str]]]:
    """Each process with the variables that differ from the shared environment."""
    out = []
    for i in range(1, layout.actions + 1):
        (actions,) = [s for s in services(Ports(actions=layout.actions_port(i)), model) if s.name == "actions"]
        out.append((Service(f"actions-{i}", actions.command, actions.health_url, actions.public_url), {}))
    for i in range(1, layout.rasas + 1):
        (rasa,) = [s for s in services(Ports(rasa=layout.rasa_port(i)), model) if s.name == "rasa"]
        out.append((Service(f"rasa-{i}", rasa.command, rasa.health_url, rasa.public_url), {}))
    for i in range(1, layout.backends + 1):
        port = layout.backend_port(i)
        out.append((Service(f"backend-{i}", [APP_PY, "-m", "yinling.run"], f"http://127.0.0.1:{port}/readyz",
                            f"http://127.0.0.1:{port}/"),
                    {"YINLING_PORT": str(port), "YINLING_HOST": "127.0.0.1",
                     "YINLING_METRICS_PORT": str(layout.metrics_port(i)), "PGAPPNAME": f"yinling-backend-{i}"}))
    return out


def haproxy_config(layout: Layout) -> str:
    def servers(prefix: str, port_of, count: int) -> str:
        return "\n".join(f"    server {prefix}{i} 127.0.0.1:{port_of(i)} check inter 1s fall 2 rise 2"
                         for i in range(1, count + 1))

    template = Template((ROOT / "tools" / "prod" / "haproxy.cfg").read_text())
    ports = layout.ports
    return template.substitute(
        app_bind=f"{ports.backend_host}:{ports.backend}", rasa_bind=f"{ports.rasa_host}:{ports.rasa}",
        actions_bind=f"{ports.actions_host}:{ports.actions}",
        app_servers=servers("backend", layout.backend_port, layout.backends),
        rasa_servers=servers("rasa", layout.rasa_port, layout.rasas),
        actions_servers=servers("actions", layout.actions_port, layout.actions))


def wait_until(running: list[Service], names: set[str], seconds: float = 900) -> bool:
    pending, deadline = set(names), time.monotonic() + seconds
    while pending:
        for service in running:
            if service.process and service.process.poll() is not None:
                print(f"[prod] {service.name} exited with {service.process.returncode}", file=sys.stderr)
                return False
            if service.name in pending and answers(service.health_url):
                pending.discard(service.name)
                print(f"[prod] {service.name} is up", flush=True)
        if time.monotonic() > deadline:
            print(f"[prod] not up after {seconds:.0f} s: {sorted(pending)}", file=sys.stderr)
            return False
        time.sleep(1)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Yinling's production layout on loopback")
    parser.add_argument("--state-dir", type=Path, default=ROOT / "var" / "prod")
    args = parser.parse_args(argv)
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    layout = Layout(Ports.from_env(os.environ))
    try:
        env = prod_env(os.environ, layout)
        for url in (env["DATABASE_URL"], env["YINLING_TRACKER_STORE_URL"]):
            if url.startswith("postgresql"):
                ensure_database(url)
    except (run_all.ConfigError, ValueError, OSError) as exc:
        print(f"[prod] {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - psycopg's errors: PostgreSQL is not there
        print(f"[prod] PostgreSQL: {exc} (is the server running? `make sysdeps-prod`)", file=sys.stderr)
        return 2
    args.state_dir.mkdir(parents=True, exist_ok=True)
    config = args.state_dir / "haproxy.cfg"
    config.write_text(haproxy_config(layout))
    subprocess.run([str(ROOT / ".venv" / "bin" / "yinling"), "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run([str(ROOT / ".venv" / "bin" / "yinling"), "demo", "seed"], cwd=ROOT, env=env, check=True)
    subprocess.run([BOT_PY, "-m", "bot.conversation_store", "prune"], cwd=ROOT, env=env, check=False)

    running: list[Service] = []
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    def start(service: Service, extra: dict[str, str]) -> None:
        service.process = subprocess.Popen(service.command, cwd=ROOT, env={**env, **extra})
        running.append(service)
        (args.state_dir / "pids.json").write_text(json.dumps({s.name: s.process.pid for s in running}))

    try:
        start(Service("haproxy", [haproxy, "-W", "-db", "-f", str(config)], "", ""), {})
        for service, extra in processes(layout):
            start(service, extra)
            if service.name == "backend-1":  # one migrates and seeds first; the others join once it serves
                if not wait_until(running, {"backend-1"}, 300):
                    return 1
        if not wait_until(running, {s.name for s in running if s.health_url} - {"backend-1"}):
            return 1
        front = f"http://127.0.0.1:{layout.ports.backend}"
        print("\nYinling 银龄 production layout is up (loopback only):", flush=True)
        print(f"  app (HAProxy)      {front}   readiness {front}/readyz", flush=True)
        print(f"  Rasa (HAProxy)     http://127.0.0.1:{layout.ports.rasa}/webhooks/rest/webhook", flush=True)
        for i in range(1, layout.backends + 1):
            print(f"  metrics backend-{i} http://127.0.0.1:{layout.metrics_port(i)}/metrics", flush=True)
        print(run_all.front_doors(layout.ports, env), flush=True)
        print("  Press Ctrl-C to stop.\n", flush=True)
        while all(s.process.poll() is None or s.name.startswith(("rasa-", "actions-", "backend-"))
                  for s in running):
            time.sleep(1)  # a killed worker is the proxy's business; the proxy itself dying is ours
        print("[prod] haproxy exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(running)


if __name__ == "__main__":
    sys.exit(main())
