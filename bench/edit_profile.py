"""Where a reading worker's extra CPU goes while one edit per second is committed (issue 17: "a stream of one edit per
second leaves search p95 unchanged"). One process plays a gunicorn worker: the app, its change-log follower thread
(role reader) and a request loop on the test client over the uncached JSON search URLs of load_bench.py (--cached: its
12 cached ones), beside the node's index writer (`catalogue index follow`, a process of its own as under `catalogue
serve`). Windows of --seconds alternate quiet/edits, edits/quiet, ... (--rounds of each); per condition it prints the
request thread's CPU per request and wall p50/p95, the follower thread's CPU per second, the garbage collector's passes
and time (any thread), then (cProfile) the functions whose own time per request grew most in the edit windows, where
the follower thread's rounds spend their time (cumulative, per round that applied entries; cProfile times are wall
time, so they include waiting for the GIL), and the request functions whose cumulative time grew most.

    .venv/bin/python bench/edit_profile.py [--instruments 100000] [--seconds 5] [--rounds 4] [--top 25] [--cached]

Needs the catalogue of `bench/load_bench.py --edits --instruments N` (bench/out/load-N.sqlite and its index).
Synthetic data only.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_bench import WORDS, EditStream, scenarios  # noqa: E402


def per_function(stats: pstats.Stats) -> dict:
    """{(file, line, name): own seconds} of a profile."""
    return {key: value[2] for key, value in stats.stats.items()}


class GcClock:
    """Seconds spent in the cyclic garbage collector (any thread), per generation, summed."""

    def __init__(self):
        self.seconds, self.count, self._started = [0.0, 0.0, 0.0], [0, 0, 0], None
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            generation = info["generation"]
            self.seconds[generation] += time.perf_counter() - self._started
            self.count[generation] += 1
            self._started = None

    def read(self) -> tuple[list[float], list[int]]:
        return list(self.seconds), list(self.count)


class FollowerClock:
    """The follower thread's CPU time (time.thread_time inside Follower.step), summed."""

    def __init__(self, follower_cls):
        self.seconds, self.steps, self.with_entries = 0.0, 0, 0
        self.profile = cProfile.Profile()  # the follower thread's rounds (cProfile follows the thread that enables it)
        original = follower_cls.step
        clock = self

        def step(follower, session):
            started = time.thread_time()
            clock.profile.enable()
            try:
                count = original(follower, session)
            finally:
                clock.profile.disable()
                clock.seconds += time.thread_time() - started
                clock.steps += 1
            clock.with_entries += bool(count)
            return count

        follower_cls.step = step

    def read(self) -> tuple[float, int, int]:
        return self.seconds, self.steps, self.with_entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cached", action="store_true",
                        help="the cached JSON search URLs (the 12 words, no location) instead of the uncached ones")
    args = parser.parse_args()

    db_path = OUT / f"load-{args.instruments}.sqlite"
    if not db_path.exists():
        sys.exit(f"{db_path} is missing: run bench/load_bench.py --edits --instruments {args.instruments} first")
    os.environ.update({"CATALOGUE_DATABASE_URL": f"sqlite:///{db_path}",
                       "CATALOGUE_INDEX_DIR": str(OUT / f"index-{args.instruments}"),
                       "CATALOGUE_SECRET_KEY": "bench", "CATALOGUE_LOG_FORMAT": "text",
                       "CATALOGUE_PAGE_CACHE": os.environ.get("CATALOGUE_PAGE_CACHE", "1"),
                       "PYTHONPATH": str(ROOT)})
    writer = subprocess.Popen([sys.executable, "-c", "from catalogue.cli import main; main()", "index", "follow",
                               "--nice", "19"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open(OUT / "edit-profile-writer.log", "w"))
    os.environ["CATALOGUE_SEARCH_ROLE"] = "reader"
    sys.setswitchinterval(0.0005)  # as gunicorn_conf.post_fork
    from catalogue import create_app
    from catalogue.search.follower import Follower

    clock = FollowerClock(Follower)
    gc_clock = GcClock()
    app = create_app()
    client = app.test_client()
    cases, slugs = scenarios(db_path)
    if args.cached:
        paths = next(paths for name, paths, _ in cases if name == "JSON search")
    else:
        uncached = next(paths for name, paths, _ in cases if name == "JSON search, uncached")  # word after word
        places = len(uncached) // len(WORDS)
        paths = [uncached[w * places + m] for m in range(places) for w in range(len(WORDS))]  # every word per gemeente
    engine = app.extensions["catalogue_search"]
    started = time.monotonic()
    while not engine.ready:
        client.get("/readyz")
        time.sleep(0.5)
        if time.monotonic() - started > 300:
            sys.exit("the facet table did not load in 300 s")
    for path in paths[:200]:  # warm: the searcher, bitsets, word lists
        client.get(path)
    print(f"ready after {time.monotonic() - started:.1f} s; {len(paths)} URLs", flush=True)
    clock.profile = cProfile.Profile()  # the windows' rounds only, not the first load

    position = [200]
    totals = {c: {"requests": 0, "cpu": 0.0, "wall": 0.0, "follower": 0.0, "seconds": 0.0, "steps": 0,
                  "applied": 0, "profile": None, "lat": [],
                  "gc_seconds": [0.0] * 3, "gc_count": [0] * 3} for c in ("quiet", "edits")}

    def window(condition: str, seconds: float) -> None:
        profile = cProfile.Profile()
        follower_before, gc_before = clock.read(), gc_clock.read()
        t0 = time.monotonic()
        requests = cpu = 0.0
        lat = totals[condition]["lat"]
        profile.enable()
        while time.monotonic() - t0 < seconds:
            path = paths[position[0] % len(paths)]
            position[0] += 1
            c0, w0 = time.thread_time(), time.perf_counter()
            response = client.get(path)
            lat.append(time.perf_counter() - w0)
            cpu += time.thread_time() - c0
            requests += 1
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code}")
        profile.disable()
        elapsed = time.monotonic() - t0
        follower_after, gc_after = clock.read(), gc_clock.read()
        entry = totals[condition]
        for generation in range(3):
            entry["gc_seconds"][generation] += gc_after[0][generation] - gc_before[0][generation]
            entry["gc_count"][generation] += gc_after[1][generation] - gc_before[1][generation]
        entry["requests"] += requests
        entry["cpu"] += cpu
        entry["seconds"] += elapsed
        entry["follower"] += follower_after[0] - follower_before[0]
        entry["steps"] += follower_after[1] - follower_before[1]
        entry["applied"] += follower_after[2] - follower_before[2]
        stats = pstats.Stats(profile)
        if entry["profile"] is None:
            entry["profile"] = stats
        else:
            entry["profile"].add(profile)

    try:
        for n in range(args.rounds):
            for condition in (("quiet", "edits") if n % 2 == 0 else ("edits", "quiet")):
                if condition == "edits":
                    with EditStream(db_path, slugs, start=n * 100):
                        window("edits", args.seconds)
                    time.sleep(1.5)
                else:
                    window("quiet", args.seconds)
                print(f"  window {n} {condition}: load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        writer.terminate()
        writer.wait(15)

    print(f"\n{args.instruments} instruments, {'cached' if args.cached else 'uncached'} JSON search, one request thread; {args.rounds} windows of "
          f"{args.seconds:.0f} s per condition")
    for condition, e in totals.items():
        lat = sorted(e["lat"])
        p95 = lat[int(len(lat) * 0.95)] * 1000 if lat else float("nan")
        print(f"  {condition:5}: {e['requests']:.0f} requests, request CPU {e['cpu'] * 1000 / e['requests']:.2f} ms/req, "
              f"wall p50 {lat[len(lat) // 2] * 1000:.1f} ms p95 {p95:.1f} ms; follower {e['follower'] * 1000 / e['seconds']:.1f} "
              f"ms CPU/s over {e['steps']} rounds ({e['applied']} with entries); garbage collector "
              + ", ".join(f"gen{g} {e['gc_count'][g]}x {e['gc_seconds'][g] * 1000:.0f} ms" for g in range(3)))
    q, ed = totals["quiet"], totals["edits"]
    print(f"  request CPU ratio edits/quiet: {(ed['cpu'] / ed['requests']) / (q['cpu'] / q['requests']):.3f}x")
    quiet_fn, edit_fn = per_function(q["profile"]), per_function(ed["profile"])
    rows = []
    for key in set(quiet_fn) | set(edit_fn):
        a = quiet_fn.get(key, 0.0) / q["requests"] * 1000
        b = edit_fn.get(key, 0.0) / ed["requests"] * 1000
        rows.append((b - a, a, b, key))
    rows.sort(reverse=True)
    print("\n  own time per request (ms; cProfile inflates it), largest growth first:")
    for diff, a, b, (file, line, name) in rows[:args.top]:
        print(f"    {diff:+7.3f}  {a:7.3f} -> {b:7.3f}  {Path(file).name}:{line} {name}")
    print("\n  the follower thread's rounds, cumulative time per applied round (ms):")
    follower_stats = pstats.Stats(clock.profile)
    rounds = max(q["applied"] + ed["applied"], 1)
    rows = sorted(((value[3] / rounds * 1000, key) for key, value in follower_stats.stats.items()), reverse=True)
    for ms, (file, line, name) in rows[:args.top]:
        print(f"    {ms:7.3f}  {Path(file).name}:{line} {name}")
    cumulative = {}
    for condition, e in (("quiet", q), ("edits", ed)):
        cumulative[condition] = {key: value[3] / e["requests"] * 1000 for key, value in e["profile"].stats.items()}
    rows = []
    for key in set(cumulative["quiet"]) | set(cumulative["edits"]):
        a, b = cumulative["quiet"].get(key, 0.0), cumulative["edits"].get(key, 0.0)
        rows.append((b - a, a, b, key))
    rows.sort(reverse=True)
    print("\n  cumulative time per request (ms), largest growth first:")
    for diff, a, b, (file, line, name) in rows[:args.top]:
        print(f"    {diff:+7.3f}  {a:7.3f} -> {b:7.3f}  {Path(file).name}:{line} {name}")


if __name__ == "__main__":
    main()
