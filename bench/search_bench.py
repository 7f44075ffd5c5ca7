"""Search benchmark: our /api/v1/instruments against Datasette on the same synthetic rows. Not a test; run by hand:

    make bench                       # installs datasette + sqlite-utils into .venv and runs this script
    .venv/bin/python bench/search_bench.py [--instruments 20000] [--repetitions 5] [--reuse]

1. Builds a clearly synthetic catalogue (bench/synthetic.py: "[SYNTHETISCH] ...", example=True, slugs synth-*) of N
   instruments over all 342 gemeenten in its own SQLite file under bench/out/ (never the real database).
2. Builds our whoosh index (timed: target <= 60 s for 20k).
3. Adds, for Datasette, a denormalised table `bench_instrument` with the same public rows (kind, provider type, reach,
   leerwerktraject, lifecycle as columns; target groups, schemes, age groups, sectors, employment types as JSON arrays;
   the region/gemeente of regional/local instruments) and an FTS5 index over name, summary and description.
4. Starts our app (gunicorn, 1 worker) and Datasette (1 process) on 127.0.0.1, runs a fixed list of realistic queries
   with facets against both over HTTP (warm-up once, then --repetitions rounds), prints p50/p95 for both and the ratio.
   Both return 20 rows and the counts of all ten facets. Datasette's facet time limit is raised so it computes every
   facet instead of giving up after 200 ms.
5. Measures the time from committing an edit (in this process, through the ORM, like an editor would) until the running
   server returns it for a search.

Targets: our p50 <= 0.5 x Datasette's p50, our p95 <= 100 ms, full index build <= 60 s. Results go to bench/out/.
Note on semantics: our facet counts apply every *other* facet's selection (standard faceted navigation: one count query
per facet), Datasette's apply all filters; Datasette's text search is FTS5 without stemming or synonyms.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FACET_SCALARS = ["kind", "provider_type", "reach", "leerwerktraject", "lifecycle"]
FACET_ARRAYS = ["target_group", "scheme", "age_group", "sector", "employment_type"]

# (description, our parameters, datasette parameters). Datasette's defaults mirror ours: current+upcoming only.
QUERIES = [
    ("browse, no filters", {}, {}),
    ("text: jobcoach", {"q": "jobcoach"}, {"_search": "jobcoach"}),
    ("text: loonkostensubsidie", {"q": "loonkostensubsidie"}, {"_search": "loonkostensubsidie"}),
    ("text: proefplaatsing", {"q": "proefplaatsing"}, {"_search": "proefplaatsing"}),
    ("text: subsidie (broad)", {"q": "subsidie"}, {"_search": "subsidie"}),
    ("text: werkgever begeleiding (broad, 2 words)", {"q": "werkgever begeleiding"}, {"_search": "werkgever begeleiding"}),
    ("text: scholing jongeren", {"q": "scholing jongeren"}, {"_search": "scholing jongeren"}),
    ("text: statushouder", {"q": "statushouder"}, {"_search": "statushouder"}),
    ("text: Gouda", {"q": "Gouda"}, {"_search": "Gouda"}),
    ("text: Almere jobcoaching", {"q": "Almere jobcoaching"}, {"_search": "Almere jobcoaching"}),
    ("text + kind", {"q": "begeleiding", "kind": "jobcoaching"}, {"_search": "begeleiding", "kind": "jobcoaching"}),
    ("kind=proefplaatsing", {"kind": "proefplaatsing"}, {"kind": "proefplaatsing"}),
    ("kind in (proefplaatsing, jobcoaching) + provider_type=gemeente",
     {"kind": "proefplaatsing,jobcoaching", "provider_type": "gemeente"},
     {"kind__in": "proefplaatsing,jobcoaching", "provider_type": "gemeente"}),
    ("target_group=arbeidsbeperking", {"target_group": "arbeidsbeperking"}, {"target_group__arraycontains": "arbeidsbeperking"}),
    ("scheme=wajong + reach=regionaal", {"scheme": "wajong", "reach": "regionaal"},
     {"scheme__arraycontains": "wajong", "reach": "regionaal"}),
    ("employer in Gouda (GM0513)", {"municipality": "GM0513"}, {"_where": "(reach='landelijk' OR region_code='AM20' OR municipality_code='GM0513')"}),
    ("employer in Amsterdam (GM0363) + text", {"municipality": "GM0363", "q": "werkplek"},
     {"_where": "(reach='landelijk' OR region_code='AM18' OR municipality_code='GM0363')", "_search": "werkplek"}),
    ("region AM20 + kind", {"region": "AM20", "kind": "loonkostensubsidie"},
     {"_where": "(reach='landelijk' OR region_code='AM20' OR municipality_code IN (SELECT code FROM municipality WHERE region_id=(SELECT id FROM region WHERE code='AM20')))", "kind": "loonkostensubsidie"}),
    ("leerwerktraject=ja + age 16-18", {"leerwerktraject": "ja", "age_group": "16-18"},
     {"leerwerktraject": "ja", "age_group__arraycontains": "16-18"}),
    ("ended schemes", {"lifecycle": "ended"}, {"lifecycle": "ended"}),
    ("text + ended", {"q": "premie", "lifecycle": "ended"}, {"_search": "premie", "lifecycle": "ended"}),
    ("text: nazorg + sort name", {"q": "nazorg", "sort": "name"}, {"_search": "nazorg", "_sort": "name"}),
    ("sort recent, provider_type=regio", {"sort": "recent", "provider_type": "regio"},
     {"_sort_desc": "updated_at", "provider_type": "regio"}),
    ("sector=F + employment_type=bbl", {"sector": "F", "employment_type": "bbl"},
     {"sector__arraycontains": "F", "employment_type__arraycontains": "bbl"}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def get(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(body)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def denormalise(path: Path) -> int:
    """The table Datasette serves: the same public rows, facets as columns, FTS5 over name/summary/description."""
    import sqlite3

    from catalogue.search.analysis import strip_html

    today = date.today().isoformat()
    conn = sqlite3.connect(path)
    conn.executescript("""
        DROP TABLE IF EXISTS bench_instrument_fts;
        DROP TABLE IF EXISTS bench_instrument;
        CREATE TABLE bench_instrument (
            id INTEGER PRIMARY KEY, slug TEXT, name TEXT, summary TEXT, description TEXT, kind TEXT, provider TEXT,
            provider_type TEXT, reach TEXT, leerwerktraject TEXT, lifecycle TEXT, region_code TEXT,
            municipality_code TEXT, target_group TEXT, scheme TEXT, age_group TEXT, sector TEXT, employment_type TEXT,
            updated_at TEXT);
    """)
    rows = conn.execute(f"""
        SELECT i.id, i.slug, i.name, i.summary, i.description, k.code, p.name, p.type, i.reach,
               CASE WHEN i.leerwerktraject THEN 'ja' ELSE 'nee' END,
               CASE WHEN i.valid_until IS NOT NULL AND i.valid_until < '{today}' THEN 'ended'
                    WHEN i.valid_from IS NOT NULL AND i.valid_from > '{today}' THEN 'upcoming' ELSE 'current' END,
               (SELECT r.code FROM instrument_region ir JOIN region r ON r.id = ir.region_id WHERE ir.instrument_id = i.id LIMIT 1),
               (SELECT m.code FROM instrument_municipality im JOIN municipality m ON m.id = im.municipality_id
                 WHERE im.instrument_id = i.id LIMIT 1),
               i.updated_at
        FROM instrument i JOIN instrument_kind k ON k.id = i.kind_id JOIN provider p ON p.id = i.provider_id
        WHERE i.status = 'published' AND i.deleted_at IS NULL
          AND (i.publish_from IS NULL OR i.publish_from <= '{today}') AND (i.publish_to IS NULL OR i.publish_to >= '{today}')
    """).fetchall()
    terms: dict[int, dict[str, list[str]]] = {}
    for iid, taxonomy, code in conn.execute(
            "SELECT it.instrument_id, t.taxonomy, t.code FROM instrument_term it JOIN taxonomy_term t ON t.id = it.term_id"):
        terms.setdefault(iid, {}).setdefault(taxonomy, []).append(code)
    out = []
    for r in rows:
        t = terms.get(r[0], {})
        out.append((r[0], r[1], r[2], strip_html(r[3]), strip_html(r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
                    json.dumps(t.get("target_group", [])), json.dumps(t.get("scheme", [])), json.dumps(t.get("age_group", [])),
                    json.dumps(t.get("sector", [])), json.dumps(t.get("employment_type", [])), r[13]))
    conn.executemany(f"INSERT INTO bench_instrument VALUES ({','.join('?' * 19)})", out)
    for column in ("kind", "provider_type", "reach", "leerwerktraject", "lifecycle", "region_code", "municipality_code", "name",
                   "updated_at"):
        conn.execute(f"CREATE INDEX IF NOT EXISTS bench_instrument_{column} ON bench_instrument ({column})")
    conn.commit()
    conn.close()
    import sqlite_utils

    sqlite_utils.Database(path)["bench_instrument"].enable_fts(["name", "summary", "description"], fts_version="FTS5",
                                                               replace=True)
    return len(out)


def our_url(port: int, params: dict) -> str:
    return f"http://127.0.0.1:{port}/api/v1/instruments?" + urllib.parse.urlencode({**params, "per_page": 20})


def datasette_url(port: int, params: dict) -> str:
    pairs = list(params.items()) + [("_size", "20"), ("_shape", "objects")]
    if "lifecycle" not in params:
        pairs.append(("lifecycle__in", "current,upcoming"))
    pairs += [("_facet", f) for f in FACET_SCALARS] + [("_facet_array", f) for f in FACET_ARRAYS]
    return f"http://127.0.0.1:{port}/bench/bench_instrument.json?" + urllib.parse.urlencode(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/bench.sqlite if it exists")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "bench.sqlite"
    index_dir = OUT / "index"
    url = f"sqlite:///{db_path}"
    report: dict = {"instruments": args.instruments}

    if not (args.reuse and db_path.exists()):
        from synthetic import build

        figures = build(url, args.instruments)
        print(f"synthetic catalogue: {args.instruments} instruments in {figures['seconds']:.1f} s ({db_path})")
    rows = denormalise(db_path)
    print(f"datasette table: {rows} public rows, FTS5 over name/summary/description")

    os.environ["CATALOGUE_DATABASE_URL"] = url
    os.environ["CATALOGUE_INDEX_DIR"] = str(index_dir)
    os.environ.setdefault("CATALOGUE_SECRET_KEY", "bench")
    from catalogue import create_app

    app = create_app()
    engine = app.extensions["catalogue_search"]
    db = app.extensions["catalogue_db"]
    from catalogue.search.follower import rebuild_index

    with db.session() as session:
        figures = rebuild_index(engine, session)
    report["index_build_seconds"] = figures["seconds"]
    print(f"index build: {figures['documents']} documents in {figures['seconds']:.1f} s (target <= 60 s)")

    ours_port, ds_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bin_dir = Path(sys.executable).parent
    ours = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{ours_port}",
                             "--log-level", "warning", "catalogue.wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(OUT / "ours.log", "w"))
    datasette = subprocess.Popen([str(bin_dir / "datasette"), "serve", str(db_path), "--host", "127.0.0.1", "--port",
                                  str(ds_port), "--setting", "facet_time_limit_ms", "10000", "--setting",
                                  "sql_time_limit_ms", "20000", "--setting", "default_facet_size", "40",
                                  "--setting", "max_returned_rows", "1000"],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(OUT / "datasette.log", "w"))
    try:
        wait_for(f"http://127.0.0.1:{ours_port}/readyz")  # the follower has loaded the facet table
        wait_for(f"http://127.0.0.1:{ds_port}/bench.json")
        ours_times: list[float] = []
        ds_times: list[float] = []
        per_query = []
        for description, ours_params, ds_params in QUERIES:  # warm-up, and a sanity check of the answers
            _, body = get(our_url(ours_port, ours_params))
            _, ds_body = get(datasette_url(ds_port, ds_params))
            if ds_body.get("facets_timed_out"):
                print(f"  warning: datasette facets timed out for {description}: {ds_body['facets_timed_out']}")
            per_query.append({"query": description, "ours_total": body["total"],
                              "datasette_total": ds_body.get("filtered_table_rows_count"), "ours": [], "datasette": []})
        for _ in range(args.repetitions):
            for entry, (description, ours_params, ds_params) in zip(per_query, QUERIES):
                t, _ = get(our_url(ours_port, ours_params))
                ours_times.append(t)
                entry["ours"].append(t)
                t, _ = get(datasette_url(ds_port, ds_params))
                ds_times.append(t)
                entry["datasette"].append(t)

        # edit -> visible in search (cross-process: this process commits, the server's worker sees it)
        from sqlalchemy import select

        from catalogue.models import Instrument

        word = f"benchzichtbaar{int(time.time())}"
        with db.session() as session:
            item = session.scalar(select(Instrument).where(Instrument.slug == "synth-000001"))
            item.name = f"[SYNTHETISCH] {word}"
            started = time.perf_counter()
        visible = None
        while time.perf_counter() - started < 10:
            _, body = get(our_url(ours_port, {"q": word}))
            if body["total"]:
                visible = time.perf_counter() - started
                break
            time.sleep(0.01)
        report["edit_to_visible_seconds"] = visible
    finally:
        for process in (ours, datasette):
            process.send_signal(signal.SIGTERM)
        for process in (ours, datasette):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    ours_p50, ours_p95 = pct(ours_times, 0.5), pct(ours_times, 0.95)
    ds_p50, ds_p95 = pct(ds_times, 0.5), pct(ds_times, 0.95)
    report.update(queries=len(QUERIES), repetitions=args.repetitions, ours_p50_ms=ours_p50 * 1000,
                  ours_p95_ms=ours_p95 * 1000, datasette_p50_ms=ds_p50 * 1000, datasette_p95_ms=ds_p95 * 1000,
                  ratio_p50=ours_p50 / ds_p50, ratio_p95=ours_p95 / ds_p95)
    print()
    print(f"{'query':62} {'ours total':>10} {'ds total':>9} {'ours p50':>9} {'ds p50':>9}")
    for entry in per_query:
        print(f"{entry['query'][:62]:62} {entry['ours_total']:>10} {str(entry['datasette_total']):>9} "
              f"{statistics.median(entry['ours']) * 1000:>7.1f}ms {statistics.median(entry['datasette']) * 1000:>7.1f}ms")
    print()
    print(f"{len(QUERIES)} queries x {args.repetitions} repetitions, {args.instruments} instruments, 20 rows + 10 facets each")
    print(f"ours:      p50 {ours_p50 * 1000:7.1f} ms   p95 {ours_p95 * 1000:7.1f} ms")
    print(f"datasette: p50 {ds_p50 * 1000:7.1f} ms   p95 {ds_p95 * 1000:7.1f} ms")
    print(f"ratio ours/datasette: p50 {report['ratio_p50']:.2f}   p95 {report['ratio_p95']:.2f}   (target p50 <= 0.5)")
    print(f"our p95 target <= 100 ms: {'met' if ours_p95 <= 0.1 else 'NOT met'}; "
          f"index build {report['index_build_seconds']:.1f} s (target <= 60 s): "
          f"{'met' if report['index_build_seconds'] <= 60 else 'NOT met'}")
    print(f"edit -> visible in search: {visible * 1000:.0f} ms" if visible is not None else "edit -> visible: not within 10 s")
    (OUT / "search_bench.json").write_text(json.dumps({**report, "per_query": [
        {k: v for k, v in e.items() if k not in ("ours", "datasette")} | {
            "ours_p50_ms": statistics.median(e["ours"]) * 1000, "datasette_p50_ms": statistics.median(e["datasette"]) * 1000}
        for e in per_query]}, indent=2))
    print(f"written to {OUT / 'search_bench.json'}")


if __name__ == "__main__":
    main()
