"""Benchmarks harmonisation on the synthetic catalogues.

    .venv/bin/python bench/harmonisation_bench.py [--instruments 20000] [--database bench/out/synthetic.sqlite] [--rebuild]
    .venv/bin/python bench/harmonisation_bench.py --pages [--sizes 20000,100000] [--baseline-ref main] [--repeat 15]

Default mode, the engine (issue 4): region matrix <= 100 ms, national overview <= 1 s, on 20,000 synthetic instruments
(full computations, no caches). The synthetic database is built with bench/synthetic.py when it is missing, has a
different size, or --rebuild is given.

--pages (issue 17): the national overview and the largest region's page through the web app, cold, warm, after one
edit of a gemeente's instrument and after one of a UWV instrument (bench/harmonisation_pages.py, one fresh process per
code tree and size), on the load bench's catalogues bench/out/load-<n>.sqlite with their indexes index-<n>/ (copy them
from a checkout that has them; they are not rebuilt here). The baseline is the same run on the code of --baseline-ref
(default: where this branch left main), exported with `git archive` into bench/out/; the ratios are baseline / this
branch (above 1: faster now). Wall-clock, CPU time, the process's RSS and the load average (the machine is shared: the
CPU figures are the ones to compare).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalogue.db import Database  # noqa: E402
from catalogue.harmonisation import national_overview, region_harmonisation  # noqa: E402
from catalogue.models import Instrument, Municipality, Region  # noqa: E402

import synthetic  # noqa: E402

REGION_TARGET_MS = 100.0
NATIONAL_TARGET_MS = 1000.0


CPU_TIMES: dict[int, list[float]] = {}


def _time(fn, repeat: int) -> list[float]:
    """Wall-clock timings in ms; the CPU time of each run is kept alongside (it is not inflated by other processes)."""
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU_TIMES[id(timings)] = cpu
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _row(label: str, timings: list[float], target: float, cpu: list[float] | None = None) -> str:
    ordered = sorted(timings)
    p50, p95, worst = statistics.median(ordered), _p95(ordered), ordered[-1]
    verdict = "OK" if p95 <= target else "TOO SLOW"
    cpu = cpu if cpu is not None else CPU_TIMES.get(id(timings))
    cpu_text = f"  (cpu p50 {statistics.median(cpu):6.1f} p95 {_p95(cpu):6.1f})" if cpu else ""
    return (f"{label:<34} n={len(ordered):>3}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {worst:7.1f} ms{cpu_text}"
            f"  target {target:.0f} ms (p95): {verdict}")


PAGE_ROWS = (
    ("national overview, cold", "national_cold"),
    ("national overview, warm", "national_warm"),
    ("national, after a gemeente's edit", "national_edit"),
    ("national, after a UWV edit", "national_edit_uwv"),
    ("region page, cold", "region_cold"),
    ("region page, cold matrix", "region_cold_matrix"),
    ("region page, warm", "region_warm"),
    ("region, after a gemeente's edit", "region_edit"),
    ("region, after a UWV edit", "region_edit_uwv"),
)


def _baseline_tree(ref: str, label: str) -> tuple[str, Path]:
    """The code of `ref` exported into bench/out/baseline-<commit>/ (once), and its name."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    target = ROOT / "bench" / "out" / f"baseline-{commit}"
    if not (target / "catalogue").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit, "catalogue", "templates", "static", "seed_data"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return f"{label}@{commit}", target


def _child(code: Path, size: int, repeat: int) -> dict:
    out = ROOT / "bench" / "out"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "harmonisation_pages.py"), str(code),
                           str(out / f"load-{size}.sqlite"), str(out / f"index-{size}"), str(repeat)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the page bench failed ({code}, {size}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _figures(series: dict | None) -> str:
    if not series:
        return f"{'(not measured)':<41}"
    wall, cpu = series["wall"], series["cpu"]
    return (f"p50 {statistics.median(wall):7.0f} p95 {_p95(wall):7.0f} ms, cpu p95 {_p95(cpu):7.0f} ms")


def pages(sizes: list[int], ref: str, label: str, repeat: int) -> int:
    name, baseline_code = _baseline_tree(ref, label)
    failures = 0
    print(f"harmonisation pages; baseline {name}; {os.cpu_count()} CPUs; ratio = baseline p95 / this branch's p95")
    for size in sizes:
        if not (ROOT / "bench" / "out" / f"load-{size}.sqlite").exists():
            print(f"bench/out/load-{size}.sqlite is missing: copy the load bench's catalogue and index-{size}/ there")
            failures += 1
            continue
        base = _child(baseline_code, size, repeat)
        now = _child(ROOT, size, repeat)
        print(f"\n{now['instruments']:,} instruments, region {now['region']}; load average {base['load_start']:.1f}"
              f" .. {now['load_end']:.1f}")
        print(f"{'':<36}{'baseline ' + name:<50}{'this branch':<50}ratio wall / cpu")
        for label, key in PAGE_ROWS:
            b, n = base.get(key) or base.get(key.replace("_matrix", "")), now.get(key)
            ratio = ""
            if b and n:
                ratio = f"{_p95(b['wall']) / _p95(n['wall']):6.1f}x / {_p95(b['cpu']) / max(_p95(n['cpu']), 0.1):6.1f}x"
            print(f"{label:<36}{_figures(b):<50}{_figures(n):<50}{ratio}")
        for label, key in (("RSS at start", "rss_start"), ("RSS at end", "rss_end"),
                           ("RSS with every result dropped", "rss_cleared")):
            print(f"{label:<36}{base[key]:<50.0f}{now[key]:<50.0f}{now[key] - base[key]:+.0f} MB")
        slowest = max(max(v["wall"]) for k, v in now.items() if isinstance(v, dict) and "wall" in v
                      and not k.endswith("_cold"))  # cold: background off here, see "as served"
        cold_cpu = max(max(now[k]["cpu"]) for k in ("national_cold", "region_cold"))
        print(f"slowest request except the cold ones {slowest / 1000:.2f} s (rule: 10 s); cold computation "
              f"{cold_cpu / 1000:.2f} s CPU (in the app it runs in the background: the pages answer 202 meanwhile)")
        if now.get("background"):
            answers = now["background"]["answers"]
            waits = [ms for ms, status in answers if status == 202]
            print(f"as served (background on): {len(waits)} answers 202 (slowest {max(waits, default=0):.0f} ms), then "
                  f"{answers[-1][1]} after {now['background']['until_200_s']:.1f} s")
        region_warm = _p95(now["region_warm"]["wall"])
        print(f"region page warm p95 {region_warm:.0f} ms rendered (page cache off; the load bench measures it with "
              f"the page cache), after an edit p95 {_p95(now['region_edit']['wall']):.0f} ms")
        if slowest > 10_000:
            failures += 1
    if hasattr(os, "getloadavg"):
        print(f"\nload average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared with others: compare the "
              f"cpu figures)")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", action="store_true", help="the pages through the app, against a baseline ref")
    parser.add_argument("--sizes", default="20000,100000", help="--pages: catalogue sizes (default: %(default)s)")
    parser.add_argument("--baseline-ref", default=None, help="--pages: git ref of the baseline (default: merge-base "
                                                             "with main)")
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--database", default=str(synthetic.DEFAULT_DATABASE))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per region (default: 30; --pages: 15)")
    args = parser.parse_args()
    if not args.pages:
        args.repeat = args.repeat or 30
    if args.pages:
        ref = args.baseline_ref or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                                  text=True, check=True).stdout.strip()
        return pages([int(n) for n in args.sizes.split(",")], ref, args.baseline_ref or "main", args.repeat or 15)
    path = Path(args.database).resolve()
    url = synthetic.ensure(path, args.instruments, args.rebuild)
    db = Database(url)
    failures = 0
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Instrument))
        print(f"catalogue: {total} instruments ({args.instruments} synthetic), database {path.name}")
        sizes = dict(session.execute(select(Municipality.region_id, func.count()).group_by(Municipality.region_id)).all())
        regions = list(session.scalars(select(Region).order_by(Region.code)))
        # the largest, the smallest and two seeded regions
        by_size = sorted(regions, key=lambda r: sizes.get(r.id, 0))
        chosen = {by_size[-1].code: by_size[-1], by_size[0].code: by_size[0]}
        for r in regions:
            if r.code in ("AM20", "AM11"):
                chosen[r.code] = r
        region_harmonisation(session, chosen[next(iter(chosen))])  # warm-up (kinds, caches, SQLite pages)
        all_region_timings, all_cpu = [], []
        for code, region in chosen.items():
            timings = _time(lambda: region_harmonisation(session, region), args.repeat)
            all_region_timings += timings
            all_cpu += CPU_TIMES[id(timings)]
            print(_row(f"region matrix {code} ({sizes.get(region.id, 0)} gemeenten)", timings, REGION_TARGET_MS))
        print(_row("region matrix, all of the above", all_region_timings, REGION_TARGET_MS, all_cpu))
        if _p95(all_region_timings) > REGION_TARGET_MS:
            failures += 1
        national_overview(session)  # warm-up
        timings = _time(lambda: national_overview(session), max(5, args.repeat // 3))
        print(_row("national overview (35 regions)", timings, NATIONAL_TARGET_MS))
        if _p95(timings) > NATIONAL_TARGET_MS:
            failures += 1
        overview = national_overview(session)
        print(f"national overview: {overview.regions_with_data} regions with a score, average {overview.average_score}")
    db.engine.dispose()
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs" + (
            ": the machine is busy, wall-clock figures are inflated; see the cpu figures" if load > (os.cpu_count() or 1) else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
