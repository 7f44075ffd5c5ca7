"""Search-analytics benchmark (not part of the tests).

    .venv/bin/python bench/analytics_bench.py [--events 1000000] [--reuse]

Fills bench/out/analytics-synthetic.sqlite (git-ignored, synthetic only, never mixed with real content) with a year of
synthetic recorded searches over the 35 arbeidsmarktregio codes (AM01..AM35; a few regions get most of the traffic,
queries follow a Zipf-like distribution, ~20% without results), then measures:
  - the region dashboard (`catalogue.analytics.dashboard.figures`) for the busiest region, first call and best of 5
    (target 300 ms)
  - the whole dashboard page `/beheer/analyse/<code>` through the app (login, figures, gap links to the harmonisation
    and coverage views, template) and its CSV, first call and best of 5 (target 300 ms); the busiest region and the
    gemeenten of its gaps are added to the bench database as labelled synthetic rows, with one administrator
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
TARGETS = {"region_dashboard_ms": 300.0, "region_page_ms": 300.0, "region_csv_ms": 300.0, "record_ms": 2.0}


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


def synthetic_places(db, region_code: str) -> None:
    """The region and the gemeenten of its gaps as synthetic rows (the events carry codes only), and an admin."""
    from sqlalchemy import select

    from catalogue.auth import create_user
    from catalogue.models import GapTally, Municipality, Region, User

    with db.session() as session:
        if session.scalar(select(Region).where(Region.code == region_code)) is None:
            region = Region(code=region_code, name=f"Synthetische regio {region_code}", example=True,
                            slug=f"synthetisch-{region_code.lower()}")
            session.add(region)
            session.flush()
            codes = session.scalars(select(GapTally.municipality_code).where(GapTally.region_code == region_code)
                                    .distinct()).all()
            for code in codes:
                session.add(Municipality(code=code, name=f"Synthetische gemeente {code}", region_id=region.id,
                                         slug=f"synthetisch-{code.lower()}"))
        if session.scalar(select(User).where(User.email == "bench-admin@bench.invalid")) is None:
            create_user(session, "bench-admin@bench.invalid", "Bench", "bench-password-not-secret", is_admin=True)


def page_figures(region_code: str) -> tuple[float, float, float, float]:
    """(first page ms, best page ms, first CSV ms, best CSV ms) of /beheer/analyse/<code> through the app."""
    from sqlalchemy import select

    from catalogue import create_app
    from catalogue.accounts.sessions import clock
    from catalogue.auth import configure_hasher
    from catalogue.models import User
    from catalogue.web.accounts import SECOND_FACTOR, SEEN

    configure_hasher(time_cost=1, memory_cost=8, parallelism=1)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{DATABASE}", "SECRET_KEY": "bench",
                      "INDEX_DIR": str(OUT / "analytics-index")})
    with app.extensions["catalogue_db"].session() as session:
        user = session.scalar(select(User).where(User.email == "bench-admin@bench.invalid"))
        user_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess.update({"_user_id": user_id, "_fresh": True, SECOND_FACTOR: True, SEEN: clock()})
    url = f"/beheer/analyse/{region_code}"

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    start = time.perf_counter()
    body = get(url).get_data(as_text=True)
    first = (time.perf_counter() - start) * 1000
    assert "Synthetische gemeente" in body and "/harmonisatie#" in body, "the gaps link to the harmonisation view"
    start = time.perf_counter()
    get(url + "?format=csv")
    first_csv = (time.perf_counter() - start) * 1000
    page = best_of(lambda: get(url), 5)
    csv = best_of(lambda: get(url + "?format=csv"), 5)
    app.extensions["catalogue_db"].engine.dispose()
    return first, page, first_csv, csv


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
    else:  # a database built by an older release gets the newer schema (indexes) first
        from catalogue.db import Database
        from catalogue.migrate import upgrade

        reused = Database(f"sqlite:///{DATABASE}")
        upgrade(reused.engine)
        with reused.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        reused.engine.dispose()

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
        region_first_ms = best_of(lambda: dashboard.figures(session, busiest), 1)
        region_ms = best_of(lambda: dashboard.figures(session, busiest), 5)
        national_ms = best_of(lambda: dashboard.figures(session, None), 3)
    synthetic_places(db, busiest)
    page_first_ms, page_ms, csv_first_ms, csv_ms = page_figures(busiest)
    recorder = Recorder(background=False)
    sample = event("search", "loonkostensubsidie", region_code="AM20", result_count=3)
    calls = 100_000
    start = time.perf_counter()
    for _ in range(calls):
        recorder.record(sample)
    record_ms = (time.perf_counter() - start) * 1000 / calls
    build_ms = best_of(lambda: event("search", "  Loonkosten Subsidie ", kinds=["a"], target_groups=["b"]), 1)

    figures = {"region_dashboard_ms": region_ms, "region_page_ms": page_ms, "region_csv_ms": csv_ms,
               "record_ms": record_ms + build_ms}
    print(f"{total:,} search events; busiest region {busiest} has {in_region:,}")
    print(f"region dashboard figures ({busiest}): {region_ms:.0f} ms best of 5, first call {region_first_ms:.0f} ms  "
          f"(target {TARGETS['region_dashboard_ms']:.0f} ms, ratio {region_ms / TARGETS['region_dashboard_ms']:.2f})")
    print(f"region dashboard page /beheer/analyse/{busiest}: {page_ms:.0f} ms best of 5, first call {page_first_ms:.0f} ms"
          f"  (target {TARGETS['region_page_ms']:.0f} ms, ratio {page_ms / TARGETS['region_page_ms']:.2f})")
    print(f"region dashboard CSV: {csv_ms:.0f} ms best of 5, first call {csv_first_ms:.0f} ms  "
          f"(target {TARGETS['region_csv_ms']:.0f} ms, ratio {csv_ms / TARGETS['region_csv_ms']:.2f})")
    print(f"national dashboard: {national_ms:.0f} ms  (no target)")
    print(f"recording one search in the request: {figures['record_ms'] * 1000:.1f} µs  (target "
          f"{TARGETS['record_ms']:.0f} ms, ratio {figures['record_ms'] / TARGETS['record_ms']:.4f})")
    missed = [k for k, v in figures.items() if v > TARGETS[k]]
    if missed:
        print("MISSED:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
