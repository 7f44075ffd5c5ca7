"""Export benchmark on the synthetic 20,000-instrument catalogue (not part of the tests).

    .venv/bin/python bench/export_bench.py [--instruments 20000] [--reuse]

Builds the synthetic catalogue with bench/synthetic.py into bench/out/export-synthetic.sqlite (git-ignored), then, each
in a fresh subprocess so that the peak memory (ru_maxrss) belongs to that one export:
  - the XLSX export of every public instrument (target: <= 5 s and <= 300 MB peak memory)
  - the region PDF (arrangementenkaart) of the largest region, and its one-page A4 overview (target: <= 5 s each)
and, through the web app (a Flask test client on the same database, each in a fresh subprocess too):
  - GET /export/instrumenten.xlsx (every instrument) and GET /regios/<largest>/export.pdf: the request must answer
    within 10 s (no public request may run longer) with the web process staying <= 150 MB: above a size they become
    background jobs (303 to the job page), and the time and peak memory of the job worker that then makes the file;
  - GET /export/instrumenten.pdf: refused at once (a PDF of 20,000 instruments is unreadable);
and prints the figures against the targets. Exit code 1 when a target is missed.
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
DATABASE = OUT / "export-synthetic.sqlite"
TARGETS = {"xlsx_seconds": 5.0, "xlsx_peak_mb": 300.0, "pdf_seconds": 5.0, "pdf_a4_seconds": 5.0,
           "request_seconds": 10.0, "request_peak_mb": 150.0}

# Runs in the subprocess: one web request (test client), timed, with the web process's peak memory; with "job", the
# job worker's run of the job that request queued (in the same fresh process: the worker's figures).
CHILD_REQUEST = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
what, url, path = sys.argv[1], sys.argv[2], sys.argv[3]
from catalogue import create_app
from catalogue.jobs import run_next
from catalogue.jobs.files import jobs_root
app = create_app({{"DATABASE_URL": url, "SECRET_KEY": "bench", "INDEX_DIR": {index!r}}})
app.instance_path = {instance!r}
client = app.test_client()
started = time.perf_counter()
response = client.get(path)
seconds = time.perf_counter() - started
out = {{"status": response.status_code, "seconds": seconds, "bytes": len(response.data)}}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if what == "job" and response.status_code == 303:
    started = time.perf_counter()
    run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))
    out["job_seconds"] = time.perf_counter() - started
    out["job_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    out["job_done"] = "/bestand" in page
print(json.dumps(out))
"""

# Runs in the subprocess: one export, timed, with the process's peak resident memory.
CHILD = r"""
import io, json, resource, sys, time
sys.path.insert(0, {root!r})
from catalogue.db import Database
from catalogue import exports
from catalogue.queries import InstrumentQuery

kind, url, region = sys.argv[1], sys.argv[2], sys.argv[3]
db = Database(url)
started = time.perf_counter()
with db.session() as session:
    if kind == "xlsx":
        spec = exports.ExportSpec(query=InstrumentQuery())
        out = open({xlsx_path!r}, "wb")
        n = exports.export(session, spec, "xlsx", out)
        out.close()
    else:
        spec = exports.spec_for_region(session, region)
        out = open({pdf_path!r}.format(kind), "wb")
        n = exports.export(session, spec, "pdf", out, a4=(kind == "pdf_a4"))
        out.close()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
print(json.dumps({{"instruments": n, "seconds": seconds, "peak_mb": peak}}))
"""


def _run(kind: str, url: str, region: str) -> dict:
    code = CHILD.format(root=str(ROOT), xlsx_path=str(OUT / "export-all.xlsx"), pdf_path=str(OUT / "export-region-{}.pdf"))
    done = subprocess.run([sys.executable, "-c", code, kind, url, region], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} export failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _request(what: str, url: str, path: str) -> dict:
    code = CHILD_REQUEST.format(root=str(ROOT), index=str(OUT / "export-bench-index"),
                                instance=str(OUT / "export-bench-instance"))
    done = subprocess.run([sys.executable, "-c", code, what, url, path], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"request {path} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _region_slug(url: str, code: str) -> str:
    from sqlalchemy import select

    from catalogue.db import Database
    from catalogue.models import Region

    db = Database(url)
    with db.session() as session:
        slug = session.scalar(select(Region.slug).where(Region.code == code))
    db.engine.dispose()
    return slug


def _largest_region(url: str) -> tuple[str, int]:
    from sqlalchemy import func, select

    from catalogue.db import Database
    from catalogue.models import Instrument, Municipality, Provider, Region

    db = Database(url)
    with db.session() as session:
        rows = session.execute(
            select(Region.code, func.count(Instrument.id)).select_from(Instrument).join(Provider)
            .join(Municipality, Municipality.id == Provider.municipality_id, isouter=True)
            .join(Region, Region.id == func.coalesce(Provider.region_id, Municipality.region_id))
            .group_by(Region.code).order_by(func.count(Instrument.id).desc()).limit(1)).all()
    db.engine.dispose()
    return rows[0][0], rows[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/export-synthetic.sqlite when it holds that many instruments")
    parser.add_argument("--region", default=None, help="region for the PDF (default: the one with most instruments)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import ensure

    url = ensure(DATABASE, args.instruments, rebuild=not args.reuse)
    region, count = (args.region, None) if args.region else _largest_region(url)

    figures = {"xlsx": _run("xlsx", url, region), "pdf": _run("pdf", url, region), "pdf_a4": _run("pdf_a4", url, region)}
    rows = [
        ("XLSX, all public instruments", f"{figures['xlsx']['instruments']} instruments",
         figures["xlsx"]["seconds"], TARGETS["xlsx_seconds"], figures["xlsx"]["peak_mb"], TARGETS["xlsx_peak_mb"]),
        (f"PDF arrangementenkaart, {region}", f"{figures['pdf']['instruments']} instruments",
         figures["pdf"]["seconds"], TARGETS["pdf_seconds"], figures["pdf"]["peak_mb"], None),
        (f"PDF A4 overview, {region}", f"{figures['pdf_a4']['instruments']} instruments",
         figures["pdf_a4"]["seconds"], TARGETS["pdf_a4_seconds"], figures["pdf_a4"]["peak_mb"], None),
    ]
    slug = _region_slug(url, region)
    web = {"xlsx_all": _request("job", url, "/export/instrumenten.xlsx"),
           "pdf_region": _request("job", url, f"/regios/{slug}/export.pdf"),
           "pdf_all": _request("request", url, "/export/instrumenten.pdf")}
    figures["web"] = web
    for key, label in (("xlsx_all", "web: XLSX of all, request"), ("pdf_region", f"web: PDF {region}, request"),
                       ("pdf_all", "web: PDF of all, request")):
        f = web[key]
        rows.append((label, f"HTTP {f['status']}", f["seconds"], TARGETS["request_seconds"], f["peak_mb"],
                     TARGETS["request_peak_mb"]))
        if "job_seconds" in f:
            rows.append((f"  ... then the job worker{'' if f['job_done'] else ' (NOT DONE)'}",
                         f"{f['bytes']} B answer", f["job_seconds"], float("inf") if f["job_done"] else 0,
                         f["job_peak_mb"], None))
    failed = False
    print(f"\n{'export':<36} {'size':>18} {'time':>8} {'target':>8} {'peak MB':>9} {'target':>8}  result")
    for name, size, seconds, t_target, peak, m_target in rows:
        ok = seconds <= t_target and (m_target is None or peak <= m_target)
        failed |= not ok
        ratio = f"{seconds / t_target:.2f}x" if t_target not in (0, float("inf")) else "-"
        shown = f"{t_target:>7.1f}s" if t_target not in (0, float("inf")) else f"{'-':>8}"
        print(f"{name:<36} {size:>18} {seconds:>7.2f}s {shown} {peak:>9.0f} "
              f"{(f'{m_target:.0f}' if m_target else '-'):>8}  {'ok' if ok else 'MISSED'} ({ratio} of the time target)")
    (OUT / "export_bench.json").write_text(json.dumps({"region": region, "figures": figures, "targets": TARGETS},
                                                      indent=1))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
