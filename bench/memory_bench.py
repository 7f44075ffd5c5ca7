"""Memory per gunicorn worker after the load bench's scenarios, at 20,000 and 100,000 instruments (issue 17 §4: worker
memory <= 400 MB at 100,000, with a clear margin).

    .venv/bin/python bench/memory_bench.py [--instruments 20000,100000] [--seconds 3] [--reuse]
    .venv/bin/python bench/memory_bench.py --profile --instruments 100000 --reuse   # where a worker's memory goes

The server is started as bench/load_bench.py starts it (gunicorn, 2 workers, the synthetic catalogue in bench/out/);
every scenario of that bench (JSON search cached and uncached, HTML list, instrument pages, region harmonisation
pages) is warmed and then loaded for a few seconds at 10 connections, then JSON search while one edit per second is
committed, then a harmonisation page after an edit ("load"). Then the heaviest public pages once each on several
connections, so both workers serve them ("all pages"): the national harmonisation page and every region's, in Dutch
and English (their computed results are cached per change-log position), and search-as-you-type for every two-letter
prefix of the bench's words. After each phase, per worker, from /proc/<pid>/status and smaps_rollup:
  RssAnon  the worker's own memory (heap: Python objects, caches)
  RssFile  pages of mapped files it has touched (mostly the whoosh index, which whoosh maps from disk, and shared
           libraries): shared with the other worker and the page cache, and reclaimable by the kernel
  RSS      RssAnon + RssFile + RssShmem: what `ps` and most dashboards show
  PSS      RSS with every shared page divided among the processes sharing it: what the worker adds to the machine
The target is held against RSS (the strictest of the four and what an operator sees), not only against RssAnon.
Ratios are printed against the named baseline (main before this work), and the growth from 20,000 to 100,000.

--profile runs the same requests inside this process (the app's real views through Flask's test client, page cache
on, the follower in its thread, like one worker) with tracemalloc on, and prints the Python allocations grouped by
file and the sizes of the search engine's structures (facet table, docnum map, term-bitset cache, page and result
caches).
Synthetic data only, in bench/out/ (see synthetic.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load_bench  # noqa: E402
from catalogue.memsize import deep_size  # noqa: E402

TARGET_MB = 400
# Measured with this bench on main at 05ab685 (before this work), 15:41-15:55 UTC, 2 cores shared by five developers
# (load average 6-7); the largest worker per measure. An earlier "load"-only run gave RSS 254 and 908 MB.
BASELINE_NAME = "main 05ab685 (before the memory work)"
BASELINE = {
    ("load", 20_000): {"RssAnon": 189, "RssFile": 90, "RSS": 279, "PSS": 202},
    ("load", 100_000): {"RssAnon": 468, "RssFile": 533, "RSS": 1001, "PSS": 541},
    ("all pages", 20_000): {"RssAnon": 219, "RssFile": 36, "RSS": 255, "PSS": 226},
    ("all pages", 100_000): {"RssAnon": 613, "RssFile": 195, "RSS": 808, "PSS": 674},
}
PHASES = ("load", "all pages")
MEASURES = ("RssAnon", "RssFile", "RSS", "PSS")


def process_memory(pid: int) -> dict[str, float]:
    """RssAnon, RssFile, RssShmem, RSS (VmRSS) from status and PSS (+ its anonymous and file parts) from smaps_rollup,
    in MB."""
    out: dict[str, float] = {}
    proc = Path("/proc") / str(pid)
    for line in (proc / "status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile", "RssShmem", "VmRSS"):
            out["RSS" if name == "VmRSS" else name] = int(value.split()[0]) / 1024
    try:
        for line in (proc / "smaps_rollup").read_text().splitlines()[1:]:
            name, _, value = line.partition(":")
            if name in ("Pss", "Pss_Anon", "Pss_File"):
                out["PSS" if name == "Pss" else name] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def workers(master: int) -> list[int]:
    pids = []
    for child in Path("/proc").iterdir():
        try:
            if child.name.isdigit() and int((child / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(child.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(pids)


def run(instruments: int, seconds: float, reuse: bool) -> dict:
    db_path, _ = load_bench.prepare(instruments, reuse)
    ours, port, _, processes = load_bench.start_servers(db_path, with_datasette=False)
    result: dict = {"instruments": instruments, "after_start": [process_memory(p) for p in workers(ours.pid)],
                    "scenarios": {}}
    try:
        cases, slugs = load_bench.scenarios(db_path)
        for name, paths, _ in cases:
            if "uncached" not in name:
                load_bench.warm(port, paths)
            result["scenarios"][name] = load_bench.measured(ours.pid, port, paths, 10, seconds)
        stop_editing = threading.Event()

        def edit_every_second():
            import sqlite3

            conn = sqlite3.connect(db_path, timeout=30)
            n = 0
            while not stop_editing.wait(1.0):
                n += 1
                conn.execute("UPDATE instrument SET name = ?, version = version + 1 WHERE slug = ?",
                             (f"[SYNTHETISCH] geheugen {n}", slugs[n % len(slugs)]))
                conn.commit()
            conn.close()

        editor = threading.Thread(target=edit_every_second)
        editor.start()
        try:
            result["scenarios"]["JSON search, 1 edit/s"] = load_bench.measured(ours.pid, port, cases[0][1], 10,
                                                                               max(seconds, 6))
        finally:
            stop_editing.set()
            editor.join()
        load_bench.cold_harmonisation(port, db_path, cases[-1][1][0], slugs[0])
        time.sleep(1.0)
        result["load"] = [process_memory(p) for p in workers(ours.pid)]
        started = time.perf_counter()
        result["all_pages_errors"] = every_page(port, db_path)
        result["all_pages_seconds"] = time.perf_counter() - started
        result["all pages"] = [process_memory(p) for p in workers(ours.pid)]
        result["master"] = process_memory(ours.pid)
    finally:
        load_bench.stop(processes)
    return result


def every_page(port: int, db_path) -> int:
    """The national and every region's harmonisation page in both languages and every two-letter suggest prefix,
    each once, on 4 connections (both workers serve some). Returns the number of failed requests."""
    import sqlite3
    import urllib.parse
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    conn = sqlite3.connect(db_path)
    regions = [r[0] for r in conn.execute("SELECT slug FROM region ORDER BY code")]
    conn.close()
    paths = [f"{lang}/harmonisatie" for lang in ("", "/en")] + [
        f"{lang}/regios/{slug}/harmonisatie" for lang in ("", "/en") for slug in regions]
    prefixes = sorted({w.lower()[:2] for w in load_bench.WORDS} | {w.lower()[:3] for w in load_bench.WORDS})
    paths += [f"/api/v1/suggest?{urllib.parse.urlencode({'q': p})}" for p in prefixes]

    def fetch(path: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
                response.read()
                return response.status == 200
        except OSError:
            return False

    with ThreadPoolExecutor(4) as pool:
        return sum(not ok for ok in pool.map(fetch, paths))


def largest(result: dict, phase: str) -> dict[str, float]:
    """Per measure, the largest worker's figure after a phase."""
    return {m: max(w.get(m, 0.0) for w in result[phase]) for m in MEASURES}


def report(results: list[dict]) -> None:
    print(f"\nworker memory (gunicorn, 2 workers; load average {os.getloadavg()[0]:.1f}); MB")
    print(f"{'instruments':>11} {'phase':>9} {'worker':>6} " + " ".join(f"{m:>8}" for m in MEASURES)
          + f" {'Pss_Anon':>8} {'Pss_File':>8}")
    for result in results:
        for phase in PHASES:
            for n, w in enumerate(result[phase]):
                print(f"{result['instruments']:>11} {phase:>9} {n + 1:>6} " + " ".join(f"{w.get(m, 0):>8.0f}" for m in MEASURES)
                      + f" {w.get('Pss_Anon', 0):>8.0f} {w.get('Pss_File', 0):>8.0f}")
        print(f"{'':>11} all pages: {result['all_pages_seconds']:.0f} s, {result['all_pages_errors']} failed requests")
    print(f"\nlargest worker against the baseline ({BASELINE_NAME}):")
    for result in results:
        for phase in PHASES:
            now, base = largest(result, phase), BASELINE.get((phase, result["instruments"]), {})
            cells = []
            for m in MEASURES:
                b = base.get(m)
                cells.append(f"{m} {now[m]:.0f}" + (f" (was {b:.0f}, {now[m] / b:.2f}x)" if b else ""))
            print(f"  {result['instruments']:>7} {phase:>9}: " + "; ".join(cells))
    by_size = {r["instruments"]: r for r in results}
    if 20_000 in by_size and 100_000 in by_size:
        for phase in PHASES:
            small, big = largest(by_size[20_000], phase), largest(by_size[100_000], phase)
            print(f"growth 20,000 -> 100,000 ({phase}): "
                  + "; ".join(f"{m} {big[m] / max(small[m], 1e-9):.2f}x" for m in MEASURES))
    if 100_000 in by_size:
        big = {m: max(largest(by_size[100_000], phase)[m] for phase in PHASES) for m in MEASURES}
        verdict = "met" if big["RSS"] <= TARGET_MB else "NOT met"
        print(f"target: worker RSS <= {TARGET_MB} MB at 100,000 after every phase (held against RSS: file pages "
              f"included, what an operator sees): {verdict} ({big['RSS']:.0f} MB, margin {TARGET_MB - big['RSS']:.0f} MB; "
              f"RssAnon {big['RssAnon']:.0f}, PSS {big['PSS']:.0f})")


def profile(instruments: int, reuse: bool) -> None:
    """One worker's work in this process, with tracemalloc: Python allocations by file and the big structures."""
    import random
    import sqlite3
    import tracemalloc

    db_path, _ = load_bench.prepare(instruments, reuse)
    tracemalloc.start(4)  # a few frames: enough to find our caller, not too slow
    from catalogue import create_app

    app = create_app()
    client = app.test_client()
    started = time.perf_counter()
    while client.get("/readyz").status_code != 200:
        time.sleep(0.2)
    print(f"ready after {time.perf_counter() - started:.1f} s")
    cases, slugs = load_bench.scenarios(db_path)
    random.seed(17)
    for name, paths, _ in cases:
        chosen = random.sample(paths, 100) if len(paths) > 100 else paths
        for path in chosen * (1 if len(paths) > 100 else 2):
            client.get(path)
        print(f"  {name}: {len(chosen)} paths; RSS {process_memory(os.getpid())['RSS']:.0f} MB", flush=True)
    conn = sqlite3.connect(db_path, timeout=30)
    for n in range(6):
        conn.execute("UPDATE instrument SET name = ?, version = version + 1 WHERE slug = ?",
                     (f"[SYNTHETISCH] geheugen {n}", slugs[n]))
        conn.commit()
        time.sleep(1.0)
        for path in cases[0][1]:
            client.get(path)
    conn.close()
    client.get(cases[-1][1][0])
    import gc

    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    traced, peak = tracemalloc.get_traced_memory()
    memory = process_memory(os.getpid())
    print(f"\n{instruments} instruments: tracemalloc traced {traced / 2**20:.0f} MB (peak {peak / 2**20:.0f}); process "
          + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()) + " MB (tracemalloc's own bookkeeping included)")
    groups: dict[str, int] = {}
    here = str(ROOT)
    for trace in snapshot.traces:
        frames = list(reversed(trace.traceback))  # most recent first
        ours = next((f.filename for f in frames if f.filename.startswith(here) and "/bench/" not in f.filename), None)
        key = f"{frames[0].filename.split('site-packages/')[-1]} <- {ours[len(here) + 1:] if ours else '-'}"
        groups[key] = groups.get(key, 0) + trace.size
    print("\nPython allocations by file (innermost <- innermost of ours), MB:")
    for key, size in sorted(groups.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {size / 2**20:8.1f}  {key}")
    tracemalloc.stop()
    from catalogue.web.http_cache import page_cache, position_cache, recorded_cache

    engine = app.extensions["catalogue_search"]
    seen: set = set()
    parts = {
        "facet table": getattr(engine, "_table", None),
        "docnum map": getattr(engine, "_docmap", None),
        "term bitsets (DocBits cache)": getattr(getattr(engine, "_docbits", None), "_cache", None),
        "day tables": getattr(engine, "_day_tables", None),
        "page cache": page_cache._items,
        "result cache (harmonisation, embeds)": position_cache._items,
        "recorded searches": recorded_cache._items,
    }
    print("\nstructures (deep size, each object counted once, in this order), MB:")
    for name, obj in parts.items():
        print(f"  {deep_size(obj, seen) / 2**20:8.1f}  {name}")
    table = engine._table
    if table is not None:
        print("  facet table fields: " + ", ".join(
            f"{f} {deep_size(getattr(table, f)) / 2**20:.1f}" for f in table.__dataclass_fields__
            if deep_size(getattr(table, f)) > 2**19))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", default="20000,100000")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of load per scenario")
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/load-N.sqlite and its index")
    parser.add_argument("--profile", action="store_true", help="in this process, with tracemalloc: where memory goes")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in args.instruments.split(",")]
    if args.profile:
        profile(sizes[-1], args.reuse)
        return
    results = []
    for n in sizes:
        results.append(run(n, args.seconds, args.reuse))
        report(results[-1:])
    if len(results) > 1:
        report(results)
    (OUT / "memory_bench.json").write_text(json.dumps(results, indent=2))
    print(f"written to {OUT / 'memory_bench.json'}")


if __name__ == "__main__":
    main()
