"""HSDS export benchmark on the synthetic 20,000-instrument catalogue (not part of the tests).

    .venv/bin/python bench/hsds_bench.py [--instruments 20000] [--reuse]

Builds the synthetic catalogue with bench/synthetic.py into bench/out/hsds-synthetic.sqlite (git-ignored), then, each
in a fresh subprocess so that the peak memory (ru_maxrss) belongs to that one run:
  - the HSDS export zip of every public instrument written to a file (catalogue.hsds.export.write_zip);
    target: <= 10 s and <= 300 MB peak memory (issue 15);
  - GET /api/hsds/export.zip through the web app (Flask test client), the streamed answer read to its end: the
    whole request must stay within 10 s (no public request may run longer) and 300 MB (the first download after a
    change; later ones are the kept file, catalogue/hsds/cache.py);
  - GET /api/hsds/services?full=true&per_page=100 (one page of fully nested services);
  - baseline: the guide's existing JSON export of the same instruments (catalogue.exports, format json), the
    other export that maps every instrument to JSON;
and prints the figures (wall-clock time, the process's CPU time, peak memory), the ratios to the targets and to the
baseline, and the machine's load average: on a shared machine the wall-clock time is the CPU time stretched by the
other processes. Exit code 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DATABASE = OUT / "hsds-synthetic.sqlite"
TARGETS = {"seconds": 10.0, "peak_mb": 300.0, "page_seconds": 10.0}

CHILD = r"""
import json, resource, sys, time, zipfile
sys.path.insert(0, {root!r})
what, url = sys.argv[1], sys.argv[2]
out = {{}}
if what in ("zip", "baseline"):
    from catalogue.db import Database
    db = Database(url)
    started, cpu_started = time.perf_counter(), time.process_time()
    with db.session() as session:
        if what == "zip":
            from catalogue.hsds.export import write_zip
            write_zip(session, {zip_path!r}, "https://instrumentengids.example")
        else:
            from catalogue import exports
            from catalogue.queries import InstrumentQuery
            spec = exports.ExportSpec(query=InstrumentQuery(facets={{"lifecycle": ["current", "upcoming", "ended"]}}))
            with open({json_path!r}, "wb") as handle:
                out["instruments"] = exports.export(session, spec, "json", handle)
    out["seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = time.process_time() - cpu_started
    if what == "zip":
        archive = zipfile.ZipFile({zip_path!r})
        out["instruments"] = json.loads(archive.read("metadata.json"))["counts"]["services"]
        out["bytes"] = sum(i.compress_size for i in archive.infolist())
else:
    from catalogue import create_app
    # SEARCH_FOLLOW=request: no index follower thread (a node has its index already; HSDS does not use search);
    # HSDS_EXPORT_CACHE off: every download is made while it is sent (the first download after a change)
    app = create_app({{"DATABASE_URL": url, "SECRET_KEY": "bench", "INDEX_DIR": {index!r}, "SEARCH_FOLLOW": "request",
                      "HSDS_EXPORT_CACHE": False}})
    client = app.test_client()
    path = "/api/hsds/export.zip" if what == "web_zip" else "/api/hsds/services?full=true&per_page=100"
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.get(path, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    out.update(status=response.status_code, seconds=time.perf_counter() - started, bytes=size,
               cpu_seconds=time.process_time() - cpu_started)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _run(what: str, url: str) -> dict:
    code = CHILD.format(root=str(ROOT), zip_path=str(OUT / "hsds-export.zip"), json_path=str(OUT / "hsds-baseline.json"),
                        index=str(OUT / "hsds-bench-index"))
    done = subprocess.run([sys.executable, "-c", code, what, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/hsds-synthetic.sqlite when it holds that many instruments")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import ensure

    url = ensure(DATABASE, args.instruments, rebuild=not args.reuse)
    figures = {what: _run(what, url) for what in ("zip", "web_zip", "page", "baseline")}
    base = figures["baseline"]["seconds"]
    rows = [
        ("HSDS export.zip, written to a file", f"{figures['zip']['instruments']} services, {figures['zip']['bytes'] / 2**20:.1f} MB",
         figures["zip"], TARGETS["seconds"], TARGETS["peak_mb"]),
        ("GET /api/hsds/export.zip (streamed)", f"HTTP {figures['web_zip']['status']}, {figures['web_zip']['bytes'] / 2**20:.1f} MB",
         figures["web_zip"], TARGETS["seconds"], TARGETS["peak_mb"]),
        ("GET /api/hsds/services?full=true (100)", f"HTTP {figures['page']['status']}", figures["page"],
         TARGETS["page_seconds"], None),
        ("baseline: JSON export (catalogue.exports)", f"{figures['baseline']['instruments']} instruments",
         figures["baseline"], None, None),
    ]
    failed = False
    import os

    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'run':<42} {'size':>28} {'time':>8} {'cpu':>7} {'target':>7} {'peak MB':>8} {'target':>7}  result")
    for name, size, f, t_target, m_target in rows:
        ok = (t_target is None or f["seconds"] <= t_target) and (m_target is None or f["peak_mb"] <= m_target)
        failed |= not ok
        notes = []
        if t_target:
            notes.append(f"{f['seconds'] / t_target:.2f}x of the time target")
        if m_target:
            notes.append(f"{f['peak_mb'] / m_target:.2f}x of the memory target")
        if name != rows[-1][0]:
            notes.append(f"{f['seconds'] / base:.2f}x the baseline's time")
        print(f"{name:<42} {size:>28} {f['seconds']:>7.2f}s {f['cpu_seconds']:>6.2f}s "
              f"{(f'{t_target:.0f}s' if t_target else '-'):>7} "
              f"{f['peak_mb']:>8.0f} {(f'{m_target:.0f}' if m_target else '-'):>7}  {'ok' if ok else 'MISSED'} "
              f"({'; '.join(notes) or 'baseline'})")
    (OUT / "hsds_bench.json").write_text(json.dumps({"figures": figures, "targets": TARGETS}, indent=1))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
