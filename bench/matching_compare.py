"""Candidate search side by side: this checkout's ``eligible_candidates`` against the one of an earlier
commit, on the same synthetic city, each order ranked by both in turn (which goes first alternates).

    .venv/bin/python -m bench.matching_compare --baseline 892180c [--volunteers 100000] [--samples 300]
                                               [--backends sqlite,postgres]

The baseline's ``backend/matching/candidates.py`` is read with ``git show`` and loaded beside today's
(it must run on today's schema: the query changed, the tables only grew). Reports wall time and this
thread's CPU time (p50 / p95, ms) of ranking one order (``eligible_candidates`` + ``rank``, the order loaded
outside the clock, 20 warm-up orders dropped), and in how many orders both gave the identical ranking
(same volunteers, same scores, same order). Raw numbers go to var/bench/matching_compare.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from backend.core.config import REPO_ROOT
from backend.matching.candidates import recipient_age
from backend.matching.dispatch import ranked_candidates
from backend.matching.ranking import rank
from backend.models import Order
from bench import matching_city
from bench.matching_bench import OUT_DIR, database, load_avg, make_state


def baseline_module(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:backend/matching/candidates.py"], cwd=REPO_ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_candidates.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_candidates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pct(samples: list[float], p: int) -> float:
    return round(statistics.quantiles(samples, n=100, method="inclusive")[p - 1], 1)


def compare(kind: str, baseline, args) -> dict:
    with database(kind) as url:
        state = make_state(url)
        t0 = time.perf_counter()
        city = matching_city.build(state.engine, volunteers=args.volunteers, orders=args.volunteers // 10)
        with state.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"[{kind}] city built in {time.perf_counter() - t0:.0f} s, load {load_avg()}", flush=True)
        tz, policy = state.settings.timezone, state.policy

        def before(s, order):
            found = baseline.eligible_candidates(s, order, tz=tz)
            return rank(found, recipient_age=recipient_age(s, order, order.start_at.date()),
                        prefer_pairs=policy.matching.prefer_young_old_pairs)

        def today(s, order):
            return ranked_candidates(s, order, policy=policy, tz=tz)

        picked = random.Random(5).sample(city.open_order_ids, min(args.samples + 20, len(city.open_order_ids)))
        times: dict[str, tuple[list[float], list[float]]] = {"before": ([], []), "today": ([], [])}
        same, sizes = 0, []
        for n, oid in enumerate(picked):
            ranked = {}
            turns = [("before", before), ("today", today)]
            for name, fn in (turns if n % 2 == 0 else turns[::-1]):
                with state.sessions() as s:
                    order = s.get(Order, oid)
                    t, c = time.perf_counter(), time.thread_time()
                    result = fn(s, order)
                    wall, cpu = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
                ranked[name] = [(r.candidate.person_id, r.score) for r in result]
                if n >= 20:
                    times[name][0].append(wall)
                    times[name][1].append(cpu)
            if n >= 20:
                same += ranked["before"] == ranked["today"]
                sizes.append(len(ranked["today"]))
        report = {name: {"wall_p50": _pct(w, 50), "wall_p95": _pct(w, 95), "cpu_p50": _pct(c, 50), "cpu_p95": _pct(c, 95)}
                  for name, (w, c) in times.items()}
        report |= {"orders": len(sizes), "identical_rankings": same, "mean_candidates": round(statistics.mean(sizes), 1),
                   "load_end": load_avg()}
        state.engine.dispose()
    print(f"[{kind}] {json.dumps(report)}", flush=True)
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="commit whose candidate search is compared")
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    baseline = baseline_module(args.baseline)
    results = {"baseline": args.baseline, "started_load": load_avg()}
    for kind in args.backends.split(","):
        results[kind] = compare(kind, baseline, args)
    results["finished_load"] = load_avg()
    (OUT_DIR / "matching_compare.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
