"""Midnight in one worker: searches running while the day rolls over, at 20,000 and 100,000 instruments.

    .venv/bin/python bench/rollover_bench.py [--instruments 20000,100000] [--seconds 6] [--reuse]

The facet table holds which instruments are public today and their lifecycle (current, upcoming, ended), so the next
day needs another table. This bench runs, in one process like one gunicorn worker, the app's search engine with its
change-log follower in a thread (as in production, `role="reader"`: the index is bench/out/index-N, written by
load_bench.py's synthetic catalogue), and a request loop in the main thread that searches one query after the other
(the JSON search's words, with and without a gemeente). Halfway, the clock of both moves to the next day: requests
ask about the new day at once; the follower rolls its table over at its next round.

It prints, before and after midnight: the requests' p50, p99 and the slowest, the slowest request's time, how long
until the follower's table is the new day's, and the process's own memory (RssAnon, after a garbage collection).
Ratios against the named baseline: this bench run on main before this work (where the first request of the new day
built that day's table from SQL, and the follower built it again). Synthetic data only, in bench/out/ (synthetic.py).
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load_bench  # noqa: E402

# Measured with this bench on main at 28c6e10 (before this work), 2026-12-02 01:45-01:55 UTC, 2 shared cores (load
# average below 1), --seconds 6 --reuse. A second run at 100,000: slowest 13,602 ms, rolled over after 30,082 ms.
BASELINE_NAME = "main 28c6e10 (the next day's table built from SQL, in the first request and in the follower)"
BASELINE = {
    20_000: {"p99 after": 3.8, "slowest after": 2038, "rolled over": 7431, "RssAnon after": 143},
    100_000: {"p99 after": 55.5, "slowest after": 12748, "rolled over": 15208, "RssAnon after": 228},
}


class Clock(date):
    """date.today() of the follower's and engine's modules: the real day plus `offset` days."""
    offset = 0

    @classmethod
    def today(cls):
        return date.fromordinal(date.today().toordinal() + cls.offset)


def anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def figures(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "p50": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, "slowest": ordered[-1] * 1000}


def run(instruments: int, seconds: float, reuse: bool) -> dict:
    db_path, _ = load_bench.prepare(instruments, reuse)
    from catalogue.db import Database
    from catalogue.queries import InstrumentQuery, public_condition
    from catalogue.search import follower as follower_module
    from catalogue.search.engine import SearchEngine
    from catalogue.search.follower import Follower

    database = Database(f"sqlite:///{db_path}")
    engine = SearchEngine(load_bench.OUT / f"index-{instruments}")
    from catalogue.search import engine as engine_module

    follower_module.date = engine_module.date = Clock  # the follower's clock (requests pass their day below)
    follower = Follower(engine, database.session_factory, poll_interval=0.25, role="reader", settle_heap=True)
    follower.start()
    started = time.perf_counter()
    while not engine.ready:
        time.sleep(0.1)
    ready = time.perf_counter() - started
    import sqlite3

    conn = sqlite3.connect(db_path)
    places = [r[0] for r in conn.execute("SELECT code FROM municipality ORDER BY code")]
    conn.close()
    queries = [InstrumentQuery(q=w) for w in load_bench.WORDS] + \
        [InstrumentQuery(q=w, municipalities=[m]) for w in load_bench.WORDS for m in places[::40]]
    session = database.session_factory()

    def search(n: int) -> float:
        t = time.perf_counter()
        engine.search(session, queries[n % len(queries)], Clock.today(), public_condition)
        session.rollback()  # each request its own transaction, as in the app
        return time.perf_counter() - t

    for n in range(2 * len(queries)):  # warm: every query's bitsets and docnum map, as a worker that ran a while
        search(n)
    gc.collect()
    out = {"ready": ready, "RssAnon before": anon_mb()}
    before, after = [], []
    n = 0
    until = time.perf_counter() + seconds / 2
    while time.perf_counter() < until:
        before.append(search(n))
        n += 1
    midnight = time.perf_counter()
    Clock.offset = 1
    tomorrow = Clock.today()
    rolled = None
    slowest_at = 0.0
    until = midnight + seconds / 2
    while time.perf_counter() < until or rolled is None:
        t = search(n)
        after.append(t)
        if t >= max(after):
            slowest_at = time.perf_counter() - t - midnight
        n += 1
        if rolled is None and engine._table.today == tomorrow:
            rolled = time.perf_counter() - midnight
        if time.perf_counter() - midnight > 120:
            break
    follower.stop()
    session.close()
    gc.collect()
    out.update({"before": figures(before), "after": figures(after), "rolled over": rolled,
                "slowest at": slowest_at, "RssAnon after": anon_mb()})
    return out


def report(instruments: int, r: dict) -> None:
    base = BASELINE.get(instruments, {})

    def ratio(key: str, value) -> str:
        b = base.get(key)
        return f" ({value / b:.2g}x baseline {b:.0f})" if b and value else ""

    b, a = r["before"], r["after"]
    print(f"\n{instruments} instruments (table loaded in {r['ready']:.1f} s)")
    print(f"  before midnight: {b['requests']} requests, p50 {b['p50']:.1f} ms, p99 {b['p99']:.1f} ms, "
          f"slowest {b['slowest']:.0f} ms")
    print(f"  after midnight:  {a['requests']} requests, p50 {a['p50']:.1f} ms, p99 {a['p99']:.1f} ms"
          f"{ratio('p99 after', a['p99'])}, slowest {a['slowest']:.0f} ms{ratio('slowest after', a['slowest'])} "
          f"({r['slowest at']:.2f} s after midnight)")
    rolled = r["rolled over"]
    print(f"  follower's table on the new day after {rolled * 1000 if rolled else float('nan'):.0f} ms"
          f"{ratio('rolled over', rolled * 1000 if rolled else None)}")
    print(f"  RssAnon {r['RssAnon before']:.0f} MB before, {r['RssAnon after']:.0f} MB after"
          f"{ratio('RssAnon after', r['RssAnon after'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", default="20000,100000")
    parser.add_argument("--seconds", type=float, default=6.0, help="requests before and after midnight, together")
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/load-N.sqlite and its index")
    args = parser.parse_args()
    counts = [int(c) for c in args.instruments.split(",")]
    if len(counts) > 1:  # one process per size: each worker's memory on its own
        import subprocess

        for count in counts:
            subprocess.run([sys.executable, __file__, "--instruments", str(count), "--seconds", str(args.seconds)]
                           + (["--reuse"] if args.reuse else []), check=True)
        return
    print(f"baseline: {BASELINE_NAME}")
    report(counts[0], run(counts[0], args.seconds, args.reuse))


if __name__ == "__main__":
    main()
