"""tools/run_prod.py's plan, before anything starts: the proxy's configuration is one HAProxy accepts and
binds loopback only, each worker has its own port and its own PostgreSQL application name, and everything
shared lives in PostgreSQL and Redis, background work on the job queue."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.availability import unavailable
from tools.run_all import Ports
from tools.run_prod import Layout, haproxy_config, processes, prod_env


def test_haproxy_config__is_valid_and_binds_loopback_only(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not shutil.which(haproxy):
        unavailable("no haproxy (make sysdeps-prod)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(Layout(Ports())))
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    binds = [line.split()[1] for line in config.read_text().splitlines() if line.strip().startswith("bind ")]
    assert binds == ["127.0.0.1:8000", "127.0.0.1:5005", "127.0.0.1:5055"]
    servers = [line.split()[2] for line in config.read_text().splitlines() if line.strip().startswith("server ")]
    assert servers == ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:5006", "127.0.0.1:5007",
                       "127.0.0.1:5056", "127.0.0.1:5057"]


def test_processes__one_port_and_one_database_name_each():
    plan = processes(Layout(Ports()))
    assert [service.name for service, _ in plan] == ["actions-1", "actions-2", "rasa-1", "rasa-2",
                                                     "backend-1", "backend-2"]
    backends = {service.name: extra for service, extra in plan if service.name.startswith("backend")}
    assert [extra["YINLING_PORT"] for extra in backends.values()] == ["8001", "8002"]
    assert [extra["YINLING_METRICS_PORT"] for extra in backends.values()] == ["9464", "9465"]
    assert [extra["PGAPPNAME"] for extra in backends.values()] == ["yinling-backend-1", "yinling-backend-2"]
    assert not any("YINLING_DISPATCH_INTERVAL_SECONDS" in extra for extra in backends.values())  # the queue's
    rasa = [service.command for service, _ in plan if service.name.startswith("rasa")]
    assert all("127.0.0.1" in command and "--enable-api" not in command for command in rasa)


@pytest.mark.parametrize("name", ["DATABASE_URL", "YINLING_TRACKER_STORE_URL"])
def test_prod_env__records_and_conversations_in_postgresql(name):
    env = prod_env({"YINLING_SECRETS_FILE": "/nonexistent/secrets.env", **{n: "x" * 20 for n in (
        "YINLING_SECRET_KEY", "YINLING_SERVICE_TOKEN", "IVR_SERVICE_TOKEN", "YINLING_CLAIM_SECRET",
        "YINLING_ACTION_TOKEN")}}, Layout(Ports()))
    assert env[name].startswith("postgresql")
    assert env["YINLING_LOCK_STORE"] == "redis" and env["IVR_STATE_URL"].startswith("redis://127.0.0.1")
    assert env["YINLING_RASA_URL"] == "http://127.0.0.1:5005" and env["YINLING_LOG_FORMAT"] == "json"
    assert env["YINLING_BACKGROUND"] == "queue"


@pytest.mark.parametrize("mode", ["stream", "gather"])
def test_prod_env__the_hotline_mode_is_the_operators_and_its_calls_are_shared_in_redis(mode):
    given = {"YINLING_SECRETS_FILE": "/nonexistent/secrets.env", **{n: "x" * 20 for n in (
        "YINLING_SECRET_KEY", "YINLING_SERVICE_TOKEN", "IVR_SERVICE_TOKEN", "YINLING_CLAIM_SECRET",
        "YINLING_ACTION_TOKEN")}}
    env = prod_env({**given, **({"IVR_MODE": "gather"} if mode == "gather" else {})}, Layout(Ports()))
    assert env.get("IVR_MODE", "stream") == mode
    assert env["IVR_STATE_URL"] == "redis://127.0.0.1:6379/2"  # either mode's calls reach any worker
    assert env["IVR_PUBLIC_URL"] == "http://127.0.0.1:8000"  # signatures are checked against the proxy's front


def test_haproxy_config__an_action_call_with_the_domain_fits_in_one_buffer_so_it_can_be_replayed():
    """HAProxy replays a request (retry-on) only if it fits in one buffer (tune.bufsize). Rasa's call to an action
    server carries the whole domain as JSON besides the conversation's events: with the default 16 KB no action
    call was replayed (tests/tools/test_run_prod_gather.py). Room for the domain four times over."""
    bufsize = int(re.search(r"tune\.bufsize (\d+)", haproxy_config(Layout(Ports()))).group(1))
    domain = Path(__file__).resolve().parents[2] / "bot" / "domain.yml"
    assert bufsize >= 4 * len(json.dumps(yaml.safe_load(domain.read_text(encoding="utf-8"))).encode())
