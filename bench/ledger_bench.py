"""Ledger benchmark for issue 2: write throughput, read latency and verify time, SQLite and PostgreSQL.

    .venv/bin/python -m bench.ledger_bench [--entries N] [--quick] [--backends sqlite,postgres]

For each database it measures
  * postings/s with 1 and with 8 writer threads (own session each; one gift or service credit per
    transaction = 2 postings, with an idempotency key, committed per transaction), on a fresh ledger;
  * balance and star query p50/p95 through ``backend.ledger.queries`` (one session per query) and
    through the HTTP API (TestClient), with ``--entries`` ledger entries bulk-loaded (bench.bulk_ledger);
  * ``verify`` time on that ledger, in-process and as the ``yinling ledger verify`` CLI.
Databases are throwaway: a file under var/bench/ and a PostgreSQL schema dropped afterwards.
Prints a Markdown table and writes the raw numbers to var/bench/ledger_bench.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import text

from backend.api.state import AppState
from backend.core.scratch import migrated_state, scratch_postgres_schema
from backend.core.config import REPO_ROOT
from backend.core.db import unit_of_work
from backend.core.errors import YinlingError
from backend.ledger import journal, operations, queries
from backend.ledger.appender import GroupAppender
from backend.ledger.accounts import clearing_account, fund_account, person_account
from backend.ledger.importer import import_ledger
from backend.ledger.records import Posting, Transaction
from backend.ledger.verify import verify, verify_parallel
from backend.people import registry
from backend.people.stations import add_station
from bench.bulk_ledger import Accounts, write_import_file

POSTGRES_URL = os.environ.get("YINLING_BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
OUT_DIR = REPO_ROOT / "var" / "bench"
TOKEN = "bench-service-token"
TODAY = date(2026, 11, 22)
POLICY = "zhengzhou"  # gifts to anyone, so writers need no family links
ACTOR = operations.Actor("service:bench", "chat")


def load_avg() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def database(kind: str, name: str):
    """Yield the URL of an empty database of ``kind``; remove it afterwards."""
    if kind == "sqlite":
        path = OUT_DIR / f"{name}.db"
        files = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
        for f in files:
            f.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for f in files:
                f.unlink(missing_ok=True)
        return
    with scratch_postgres_schema(POSTGRES_URL, prefix="bench") as url:
        yield url


def make_state(url: str) -> AppState:
    return migrated_state(url, policy=POLICY, secret_key="bench-secret-key-0123456789", service_token=TOKEN)


def seed_people(state: AppState, count: int) -> tuple[list[int], list[int], Accounts]:
    """Two districts with one community each, ``count`` volunteers spread over them, all accounts open."""
    with unit_of_work(state.sessions) as s:
        city = add_station(s, "南京市", "city", None)
        communities = []
        for district in ("鼓楼区", "玄武区"):
            d = add_station(s, district, "district", city.id)
            street = add_station(s, f"{district}街道", "street", d.id)
            communities.append(add_station(s, f"{district}社区", "community", street.id).id)
        people = []
        for i in range(count):
            elder = i % 3 == 0  # a 60后 who both serves and is served
            new = registry.NewPerson(name=f"志愿者{i}", phone=f"+86139{i:08d}", birth_date=date(1955 if elder else 1980, 5, 1),
                                     station_id=communities[i % 2], roles=["volunteer", "elder"] if elder
                                     else ["volunteer"], status="verified")
            people.append(registry.register_person(s, new, policy=state.policy, secret_key="k" * 16,
                                                   today=TODAY).id)
        accounts = Accounts(persons=[person_account(s, p).id for p in people],
                            clearing=[clearing_account(s, c).id for c in communities], fund=fund_account(s).id)
    return people, communities, accounts


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


# -- writes -------------------------------------------------------------------------------------------

def _write_one(state: AppState, rng: random.Random, people: list[int], stations: list[int],
               appender: GroupAppender | None) -> None:
    """One service credit or one gift through ``backend.ledger.operations``: appended in the writer's own
    transaction (``appender`` None, the path before issue 16), or checked in a short transaction and
    appended by the group-committing appender."""
    if rng.random() < 0.5:
        build, kwargs = operations.credit_service_request, dict(
            volunteer_id=rng.choice(people), station_id=rng.choice(stations), served_minutes=60, tier="ordinary",
            policy=state.policy, actor=ACTOR, key=uuid.uuid4().hex)
    else:
        giver, receiver = rng.sample(people, 2)
        build, kwargs = operations.gift_request, dict(from_id=giver, to_id=receiver, minutes=1, policy=state.policy,
                                                      actor=ACTOR, key=uuid.uuid4().hex)
    if appender is not None:
        appender.perform(build, **kwargs)
        return
    with unit_of_work(state.sessions) as s:
        journal.append_request(s, build(s, **kwargs))


def write_rate(state: AppState, people: list[int], stations: list[int], writers: int, seconds: float,
               path: str = "direct") -> dict:
    """Run ``writers`` threads for ``seconds``; return postings/s of committed transactions."""
    done, failed = [0] * writers, [0] * writers
    start_line = threading.Barrier(writers + 1)
    appender = GroupAppender(state.sessions) if path == "group" else None

    def work(i: int) -> None:
        rng = random.Random(i)
        start_line.wait()
        while time.perf_counter() < deadline:
            try:
                _write_one(state, rng, people, stations, appender)
                done[i] += 1
            except YinlingError:
                failed[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + seconds
    t0, cpu0 = time.perf_counter(), time.process_time()
    start_line.wait()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    batches = appender.batches if appender else sum(done)
    if appender:
        appender.close()
    return {"path": path, "writers": writers, "transactions": sum(done), "failed": sum(failed),
            "seconds": round(elapsed, 2), "postings_per_s": round(2 * sum(done) / elapsed),
            "mean_batch": round(sum(done) / max(batches, 1), 1),
            "client_cpu_ms_per_txn": round(cpu / max(sum(done), 1) * 1000, 2), "load": load_avg()}


def commit_latency_ms(state: AppState, rounds: int = 200) -> float:
    """Mean time of a one-row insert + commit: the WAL flush every ledger transaction waits for."""
    with state.engine.connect() as conn:
        conn.execute(text("CREATE TABLE bench_commit_probe (x integer)"))
        conn.commit()
        t0 = time.perf_counter()
        for i in range(rounds):
            conn.execute(text("INSERT INTO bench_commit_probe VALUES (:x)"), {"x": i})
            conn.commit()
        elapsed = time.perf_counter() - t0
        conn.execute(text("DROP TABLE bench_commit_probe"))
        conn.commit()
    return round(elapsed / rounds * 1000, 2)


def bench_writes(kind: str, seconds: float) -> dict:
    with database(kind, "ledger-writes") as url:
        state = make_state(url)
        people, stations, _ = seed_people(state, 200)
        with unit_of_work(state.sessions) as s:  # every giver starts with 10 coins
            for p in people:
                operations.credit_service(s, volunteer_id=p, station_id=stations[0], served_minutes=600,
                                          tier="ordinary", policy=state.policy, actor=ACTOR)
        results = {}
        for n in (1, 8):  # the two paths back to back at each width, so both see the same load
            results[f"w{n}"] = write_rate(state, people, stations, n, seconds, "direct")
            results[f"g{n}"] = write_rate(state, people, stations, n, seconds, "group")
        if kind == "postgres":
            results["commit_ms"] = commit_latency_ms(state)
        with state.sessions() as s:
            report = verify(s)
        results["verify_after_writes"] = {"ok": report.ok, "entries": report.entries, "problems": report.problems[:3]}
        state.engine.dispose()
    return results


# -- reads and verify on a large ledger ----------------------------------------------------------------

def time_calls(fn, args: list) -> dict:
    """Wall-clock percentiles, and CPU-time percentiles of this thread (what is left without contention)."""
    samples, cpu = [], []
    for a in args:
        t0, c0 = time.perf_counter(), time.thread_time()
        fn(a)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    p50, p95 = percentiles(samples)
    cpu50, cpu95 = percentiles(cpu)
    return {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "cpu_p50_ms": round(cpu50, 3),
            "cpu_p95_ms": round(cpu95, 3), "n": len(samples)}


def bench_reads(state: AppState, people: list[int], samples: int) -> dict:
    from fastapi.testclient import TestClient

    from backend.api.app import create_app
    rng = random.Random(5)
    picks = [rng.choice(people) for _ in range(samples)]

    def balance(pid):
        with state.sessions() as s:
            return queries.balance_minutes(s, pid)

    def stars(pid):
        with state.sessions() as s:
            return queries.star_status(s, pid, state.policy)

    def history(pid):
        with state.sessions() as s:
            return queries.history(s, pid, 3)

    results = {"balance": time_calls(balance, picks), "stars": time_calls(stars, picks),
               "history3": time_calls(history, picks)}
    with TestClient(create_app(state=state), headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        def get(path):
            response = client.get(path)
            assert response.status_code == 200, response.text
        results["http_balance"] = time_calls(get, [f"/api/v1/persons/{p}/balance" for p in picks])
        results["http_stars"] = time_calls(get, [f"/api/v1/persons/{p}/stars" for p in picks])
    results["load"] = load_avg()
    return results


def bench_verify(state: AppState, url: str, cli: bool) -> dict:
    """The one-process check of before issue 16 (``verify``, one range) and the parallel one, back to back."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    with state.sessions() as s:
        report = verify(s)
    results = {"in_process_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - cpu0, 1),
               "ok": report.ok, "entries": report.entries,
               "problems": report.problems[:3], "load": load_avg()}
    t0 = time.perf_counter()
    parallel = verify_parallel(url)
    results |= {"parallel_s": round(time.perf_counter() - t0, 1), "parallel_ok": parallel.ok,
                "parallel_entries": parallel.entries, "parallel_load": load_avg()}
    if cli:
        env = dict(os.environ, DATABASE_URL=url, YINLING_POLICY=POLICY)
        t0 = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "yinling"), "ledger", "verify"], env=env,
                              capture_output=True, text=True)
        results["cli_s"] = round(time.perf_counter() - t0, 1)
        results["cli_exit"] = done.returncode
        results["cli_output"] = (done.stdout + done.stderr).strip()[:200]
        results["cli_load"] = load_avg()
    return results


def bench_import(state: AppState, people: list[int], communities: list[int], accounts: Accounts, entries: int,
                 one_by_one: int) -> dict:
    """Import ``entries`` generated records into the seeded ledger. First ``one_by_one`` of them the way
    there was before issue 16 (each appended through ``journal.append`` in its own transaction), then the
    whole file with ``import_ledger``: it finds those already there by their keys and appends the rest."""
    refs = {a: f"person:{p}" for a, p in zip(accounts.persons, people)}
    refs |= {a: f"clearing:{c}" for a, c in zip(accounts.clearing, communities)}
    refs[accounts.fund] = "fund"
    path = OUT_DIR / f"ledger-import-{uuid.uuid4().hex[:6]}.jsonl"
    t0 = time.perf_counter()
    write_import_file(path, accounts, refs, entries)
    results = {"file_s": round(time.perf_counter() - t0, 1), "file_mb": round(path.stat().st_size / 1e6, 1)}
    try:
        ids = {ref: a for a, ref in refs.items()}
        with path.open(encoding="utf-8") as f:
            first = [json.loads(next(f)) for _ in range(one_by_one)]
        t0 = time.perf_counter()
        for r in first:
            with unit_of_work(state.sessions) as s:
                journal.append(s, Transaction(
                    kind=r["kind"], postings=tuple(Posting(ids[a], m) for a, m in r["postings"]), actor="import",
                    channel=r["channel"], memo=r["memo"], order_id=r["order_id"],
                    service_minutes=r["service_minutes"], idempotency_key="import:" + r["ref"]))
        per_record = (time.perf_counter() - t0) / one_by_one
        results["one_by_one"] = {"records": one_by_one, "records_per_s": round(1 / per_record),
                                 "extrapolated_s": round(per_record * entries), "load": load_avg()}
        t0, cpu0 = time.perf_counter(), time.process_time()
        with unit_of_work(state.sessions) as s:
            report = import_ledger(s, path)
        elapsed = time.perf_counter() - t0
        results["import"] = {"seconds": round(elapsed, 1), "cpu_s": round(time.process_time() - cpu0, 1),
                             "new": report.new, "existing": report.existing,
                             "records_per_s": round(entries / elapsed), "load": load_avg()}
    finally:
        path.unlink(missing_ok=True)
    with state.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return results


def bench_large(kind: str, entries: int, samples: int, cli: bool) -> dict:
    """A ledger of ``entries`` made by the import (timed against one-by-one appends), then reads and verify."""
    with database(kind, "ledger-1m") as url:
        state = make_state(url)
        people, communities, accounts = seed_people(state, 1000)
        results = {"entries": entries, "import": bench_import(state, people, communities, accounts, entries,
                                                              min(500, entries))}
        print(json.dumps(results["import"]), flush=True)
        results["reads"] = bench_reads(state, people, samples)
        results["verify"] = bench_verify(state, url, cli)
        state.engine.dispose()
    return results


# -- report -------------------------------------------------------------------------------------------

def table(results: dict, entries: int) -> str:
    def cell(kind, get):
        try:
            return get(results[kind])
        except KeyError:
            return "–"
    ms = lambda r: f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f}"  # noqa: E731
    big = f"{entries:,}"
    w = lambda key: lambda r: (f"{r['writes'][key]['postings_per_s']:,} ({r['writes'][key]['client_cpu_ms_per_txn']} ms CPU/txn"  # noqa: E731
                               + (f", batch {r['writes'][key]['mean_batch']}" if key.startswith("g") else "") + ")")
    rows = [
        ("postings/s, 1 writer, before: own transaction each (CPU ms per txn)", w("w1"), "–"),
        ("postings/s, 1 writer, group-committing appender", w("g1"), "–"),
        ("postings/s, 8 writers, before: own transaction each", w("w8"), "≥ 1,000 (SQLite), ≥ 2,000 (PostgreSQL)"),
        ("postings/s, 8 writers, group-committing appender", w("g8"), "≥ 1,000 (SQLite), ≥ 2,000 (PostgreSQL)"),
        ("one-row insert + commit, ms (diagnostic)", lambda r: f"{r['writes']['commit_ms']}", "–"),
        (f"import {big} records, before: one transaction each via `journal.append` (extrapolated from "
         f"the first 500) s", lambda r: f"{r['large']['import']['one_by_one']['extrapolated_s']:,} "
         f"({r['large']['import']['one_by_one']['records_per_s']}/s)", "–"),
        (f"import {big} records, `import_ledger` s", lambda r: f"{r['large']['import']['import']['seconds']} "
         f"({r['large']['import']['import']['records_per_s']:,}/s, CPU {r['large']['import']['import']['cpu_s']} s)",
         "≤ 120 s (1,000,000)"),
        (f"balance query p50 / p95 ms ({big} entries)", lambda r: ms(r["large"]["reads"]["balance"]), "p95 ≤ 5 ms"),
        ("balance query CPU p50 / p95 ms of the querying thread (diagnostic)",
         lambda r: f"{r['large']['reads']['balance']['cpu_p50_ms']:.2f} / {r['large']['reads']['balance']['cpu_p95_ms']:.2f}",
         "–"),
        (f"star query p50 / p95 ms ({big} entries)", lambda r: ms(r["large"]["reads"]["stars"]), "–"),
        ("balance via HTTP API p50 / p95 ms", lambda r: ms(r["large"]["reads"]["http_balance"]), "–"),
        ("last-3 history query p50 / p95 ms", lambda r: ms(r["large"]["reads"]["history3"]), "–"),
        (f"verify {big} entries, before: one pass in-process s (CPU s)",
         lambda r: f"{r['large']['verify']['in_process_s']} ({r['large']['verify']['cpu_s']})"
         + ("" if r["large"]["verify"]["ok"] else " (BROKEN)"), "–"),
        (f"verify {big} entries, `verify_parallel` (one process per core) s",
         lambda r: f"{r['large']['verify']['parallel_s']}" + ("" if r["large"]["verify"]["parallel_ok"] else " (BROKEN)"),
         "≤ 15 s (1,000,000)"),
        (f"`yinling ledger verify` {big} entries s", lambda r: f"{r['large']['verify']['cli_s']}"
         + ("" if r["large"]["verify"]["cli_exit"] == 0 else " (exit ≠ 0)"), "≤ 15 s (1,000,000)"),
    ]
    lines = ["| measure | SQLite | PostgreSQL | target |", "|---|---|---|---|"]
    lines += [f"| {name} | {cell('sqlite', get)} | {cell('postgres', get)} | {target} |" for name, get, target in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger size for reads and verify")
    parser.add_argument("--quick", action="store_true", help="20,000 entries, 3 s write runs: a smoke run")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each write run")
    parser.add_argument("--samples", type=int, default=2000, help="queries per latency measurement")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-cli", action="store_true", help="skip the `yinling ledger verify` subprocess")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.seconds, args.samples = min(args.entries, 20_000), 3.0, 300
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results: dict = {"started_load": load_avg()}
    for kind in args.backends.split(","):
        print(f"[{kind}] writes ({args.seconds:.0f} s per run) ... load {load_avg()}", flush=True)
        results[kind] = {"writes": bench_writes(kind, args.seconds)}
        print(json.dumps(results[kind]["writes"]), flush=True)
        print(f"[{kind}] {args.entries:,} entries: load, reads, verify ... load {load_avg()}", flush=True)
        results[kind]["large"] = bench_large(kind, args.entries, args.samples, not args.no_cli)
        print(json.dumps(results[kind]["large"], ensure_ascii=False), flush=True)
    results["finished_load"] = load_avg()
    (OUT_DIR / "ledger_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(table(results, args.entries))
    print(f"\nload average (1/5/15 min): start {results['started_load']}, end {results['finished_load']}")


if __name__ == "__main__":
    main()
