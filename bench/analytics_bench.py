"""Search-analytics benchmark (not part of the tests).

    .venv/bin/python bench/analytics_bench.py [--events 1000000] [--reuse]

Fills bench/out/analytics-synthetic.sqlite (git-ignored, synthetic only, never mixed with real content) with a year of
synthetic recorded searches over the 35 arbeidsmarktregio codes (AM01..AM35; a few regions get most of the traffic,
queries follow a Zipf-like distribution, ~20% without results), then measures:
  - the region dashboard (`catalogue.analytics.dashboard.figures`) for the busiest region, best of 5 (target 300 ms)
  - the national dashboard, best of 3 (reported, no target)
  - `Recorder.record`, the only work a request does to record a search, per call (target 2 ms)
and prints each figure with its ratio to the target. Exit code 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DATABASE = OUT / "analytics-synthetic.sqlite"
TARGETS = {"region_dashboard_ms": 300.0, "record_ms": 2.0}


def build(n: int) -> None:
    from sqlalchemy import insert

    from catalogue.analytics.events import event
    from catalogue.db import Database
    from catalogue.migrate import upgrade
    from catalogue.models import SearchEvent

    DATABASE.unlink(missing_ok=True)
    db = Database(f"sqlite:///{DATABASE}")
    upgrade(db.engine)
    rng = random.Random(16)
    regions = [f"AM{i:02d}" for i in range(1, 36)]
    weights = [1 / (i + 1) for i in range(len(regions))]
    words = ["loonkostensubsidie", "jobcoach", "proefplaatsing", "no-riskpolis", "werkplekaanpassing", "lkv",
             "praktijkleren", "scholing", "statushouder", "wajong", "bijstand", "beschut werk", "detachering",
             "mobiliteitsbonus", "startersbeurs", "stap budget", "leerwerkplek", "taalcursus", "vervoer", "tolk"]
    queries = [" ".join(rng.sample(words, rng.choice((1, 1, 1, 2)))) + ("" if i < 200 else f" {i}")
               for i in range(3000)]
    kinds = ["", "", "", "jobcoaching", "proefplaatsing", "loonkostensubsidie", "scholing"]
    groups = ["", "", "arbeidsbeperking", "statushouder", "ouderen", "jongeren"]
    now = datetime.now(timezone.utc)
    chunk, written = [], 0
    start = time.perf_counter()
    from catalogue.analytics import tallies

    with db.session() as conn:  # written as the recorder writes them: events plus their tallies, per batch
        for i in range(n):
            region = rng.choices(regions, weights)[0]
            q = queries[min(int(rng.paretovariate(1.2)) - 1, len(queries) - 1)] if rng.random() < 0.8 else ""
            zero = rng.random() < 0.2
            chunk.append(event("wizard" if not q and rng.random() < 0.5 else "search", q,
                               kinds=[rng.choice(kinds)], target_groups=[rng.choice(groups)],
                               municipality_code=f"GM{rng.randrange(1, 400):04d}" if rng.random() < 0.6 else None,
                               region_code=region, result_count=0 if zero else rng.randrange(1, 60),
                               ended_count=1 if zero and rng.random() < 0.3 else 0,
                               now=now - timedelta(seconds=rng.randrange(0, 365 * 86400))))
            if len(chunk) == 20_000 or i == n - 1:
                conn.execute(insert(SearchEvent), chunk)
                tallies.add(conn, chunk)
                conn.commit()
                written += len(chunk)
                chunk = []
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"built {n:,} synthetic search events in {time.perf_counter() - start:.1f} s -> {DATABASE}")
    db.engine.dispose()


def best_of(fn, times: int) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not (args.reuse and DATABASE.exists()):
        build(args.events)

    from sqlalchemy import func, select

    from catalogue.analytics import dashboard
    from catalogue.analytics.events import event
    from catalogue.analytics.recorder import Recorder
    from catalogue.db import Database
    from catalogue.models import SearchEvent

    db = Database(f"sqlite:///{DATABASE}")
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(SearchEvent))
        busiest, in_region = session.execute(select(SearchEvent.region_code, func.count()).group_by(
            SearchEvent.region_code).order_by(func.count().desc()).limit(1)).one()
        region_ms = best_of(lambda: dashboard.figures(session, busiest), 5)
        national_ms = best_of(lambda: dashboard.figures(session, None), 3)
    recorder = Recorder(background=False)
    sample = event("search", "loonkostensubsidie", region_code="AM20", result_count=3)
    calls = 100_000
    start = time.perf_counter()
    for _ in range(calls):
        recorder.record(sample)
    record_ms = (time.perf_counter() - start) * 1000 / calls
    build_ms = best_of(lambda: event("search", "  Loonkosten Subsidie ", kinds=["a"], target_groups=["b"]), 1)

    figures = {"region_dashboard_ms": region_ms, "record_ms": record_ms + build_ms}
    print(f"{total:,} search events; busiest region {busiest} has {in_region:,}")
    print(f"region dashboard ({busiest}): {region_ms:.0f} ms  (target {TARGETS['region_dashboard_ms']:.0f} ms, "
          f"ratio {region_ms / TARGETS['region_dashboard_ms']:.2f})")
    print(f"national dashboard: {national_ms:.0f} ms  (no target)")
    print(f"recording one search in the request: {figures['record_ms'] * 1000:.1f} µs  (target "
          f"{TARGETS['record_ms']:.0f} ms, ratio {figures['record_ms'] / TARGETS['record_ms']:.4f})")
    missed = [k for k, v in figures.items() if v > TARGETS[k]]
    if missed:
        print("MISSED:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
