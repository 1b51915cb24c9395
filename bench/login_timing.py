"""Login answer time (issue 11): does POST /api/v1/auth/login tell unknown logins from known ones?

    .venv/bin/python -m bench.login_timing [--rounds N]

A throwaway SQLite database under var/bench/ with one operator; the real app through FastAPI's
TestClient. Each round sends, in alternating order, one login with an unknown username and one with
the known username and a wrong password; the clock runs around the whole HTTP request. The failed
attempts are deleted after each request so the rate limit (which would answer 429 before any hash is
checked) stays out of the measurement. Prints medians and p90 per kind and the ratio; raw numbers go to
var/bench/login_timing.json. Baseline, in the same run: the check as it was before issue 11 (an unknown
login skipped argon2; the issue measured ~260 ms for an existing user, ~57 ms for an unknown one).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import delete

from backend.api.app import create_app
from backend.core.config import REPO_ROOT
from backend.core.db import unit_of_work
from backend.core.scratch import migrated_state
from backend.api.routes import auth as auth_route
from backend.core.security import check_login_password, hash_password, verify_password
from backend.models import LoginAttempt, Operator, Station

OUT = REPO_ROOT / "var" / "bench"


def measure(rounds: int) -> dict[str, list[float]]:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "login_timing.db"
    db.unlink(missing_ok=True)
    state = migrated_state(f"sqlite:///{db}", policy="default", secret_key="bench-secret-key-0123456789",
                           service_token="bench-service-token")
    with unit_of_work(state.sessions) as s:
        station = Station(name="市", level="city", path="/")
        s.add(station)
        s.flush()
        s.add(Operator(username="op_bench", name="op", password_hash=hash_password("right-password"),
                       role="reviewer", station_id=station.id))
    times: dict[str, list[float]] = {"unknown": [], "known_wrong_password": []}
    with TestClient(create_app(state=state)) as client:
        for i in range(rounds + 2):
            order = ["unknown", "known_wrong_password"] if i % 2 else ["known_wrong_password", "unknown"]
            for kind in order:
                username = f"nobody_{i}" if kind == "unknown" else "op_bench"
                start = time.perf_counter()
                answer = client.post("/api/v1/auth/login", json={"username": username, "password": "wrong"})
                elapsed = (time.perf_counter() - start) * 1000
                assert answer.status_code == 401, answer.text
                if i >= 2:  # two warm-up rounds
                    times[kind].append(elapsed)
                with unit_of_work(state.sessions) as s:
                    s.execute(delete(LoginAttempt))
    state.engine.dispose()
    db.unlink(missing_ok=True)
    return times


def _before_issue_11(password_hash: str | None, password: str) -> bool:
    return bool(password_hash) and verify_password(password_hash, password)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    load_before = os.getloadavg()
    results = {}
    for label, check in (("dummy hash (now)", check_login_password), ("before issue 11", _before_issue_11)):
        auth_route.check_login_password = check
        times = measure(args.rounds)
        summary = {kind: {"median_ms": round(statistics.median(v), 1),
                          "p90_ms": round(statistics.quantiles(v, n=10)[-1], 1), "n": len(v)}
                   for kind, v in times.items()}
        ratio = summary["unknown"]["median_ms"] / summary["known_wrong_password"]["median_ms"]
        results[label] = {"times_ms": times, "summary": summary, "ratio": ratio}
    auth_route.check_login_password = check_login_password
    load_after = os.getloadavg()
    (OUT / "login_timing.json").write_text(json.dumps({"results": results, "load": [load_before, load_after]},
                                                      indent=1))
    print(f"load average before {load_before}, after {load_after}")
    for label, result in results.items():
        for kind, row in result["summary"].items():
            print(f"{label:18s} {kind:22s} median {row['median_ms']:7.1f} ms  p90 {row['p90_ms']:7.1f} ms"
                  f"  (n={row['n']})")
        print(f"{label:18s} unknown / known median ratio: {result['ratio']:.2f}")


if __name__ == "__main__":
    main()
