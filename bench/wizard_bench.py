"""Benchmarks the employer wizard's result and the net-cost estimate on the synthetic catalogue.

    .venv/bin/python bench/wizard_bench.py [--instruments 20000] [--database bench/out/synthetic.sqlite] [--rebuild]
        [--index bench/out/index] [--repeat 20]

    (with the load bench's catalogue: --database bench/out/load-20000.sqlite --index bench/out/index-20000)

Target (issue 14): p95 <= 100 ms per whole result page through the app (and for the wizard result + estimate alone).
Named baselines, with the ratio old / new printed:
- computation: "old path", the wizard result as it was computed before the facet table (available_for_municipality for
  the employer's gemeente and again for the candidate's, each loading every relation of every instrument) plus the
  estimate, against the new path (the facet table says which instruments each gemeente offers; SQL when no table is
  loaded, also measured), which matches on a few columns and loads instruments only when a card is drawn;
- whole pages (the app's real HTML through its test client, Dutch and English result pages and the summary with the
  estimate; the page cache off, so each request runs the view as for a URL not yet rendered at this position):
  "every card drawn" (the card cache off), "cards cold" (the card cache emptied before each request: the first pages
  after a restart, at midnight or after a provider, kind or term is renamed; an instrument edit redraws only its own
  card) and "cards warm"; and the recorded baseline MACRO_BASELINE: the same result pages on main at 101b903, where each
  card was a Jinja macro over a whole ORM instrument (measured there with this bench, idle machine, 100 pages).
Wall and CPU time (process CPU per request) are printed; the machine may be shared, so CPU time is the figure to judge,
with the load average printed at the end.
The synthetic database is built with bench/synthetic.py when missing, of another size, or with --rebuild; its search
index is built once when missing, so the app's follower does not rebuild it while pages are timed.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalogue.db import Database  # noqa: E402
from catalogue.estimate import estimate, parse_input  # noqa: E402
from catalogue.models import Municipality, Region  # noqa: E402
from catalogue.queries import available_for_municipality  # noqa: E402
from catalogue.search import register, unregister  # noqa: E402
from catalogue.search.engine import SearchEngine  # noqa: E402
from catalogue.wizard import fit, parse_choices, result  # noqa: E402

import synthetic  # noqa: E402
from harmonisation_bench import CPU_TIMES, _p95, _row, _time  # noqa: E402

TARGET_MS = 100.0
# Result pages, CPU p95 in ms, on main at 101b903 (cards drawn by Jinja macros, each over an ORM instrument with its
# relations; `--repeat 10`, load average 0.6): every card drawn 152.3, cards cold 138.3. The ratios against it are printed.
MACRO_BASELINE = {"every card drawn": 152.3, "cards cold": 138.3}
INDEX_DIR = ROOT / "bench" / "out" / "index"

ESTIMATE_ARGS = {"uren": ["32"], "loon": ["16"], "start": ["2027-02-01"], "loonwaarde": ["60"]}


def cases(session) -> list[dict]:
    """Employers in the largest region and in Gouda; candidates living there, elsewhere, or unknown."""
    sizes = dict(session.execute(select(Municipality.region_id, func.count()).group_by(Municipality.region_id)).all())
    big = max(session.scalars(select(Region)), key=lambda r: sizes.get(r.id, 0))
    first = session.scalars(select(Municipality).where(Municipality.region_id == big.id).order_by(Municipality.code)).first()
    return [
        {"gemeente": ["GM0513"], "uitkering": ["participatiewet"], "leeftijd": ["27-55"]},
        {"gemeente": ["GM0513"], "woont": ["GM0637"], "uitkering": ["participatiewet"], "doelgroep": ["arbeidsbeperking"]},
        {"gemeente": ["GM0513"], "uitkering": ["ww"], "leeftijd": ["56-aow"], "doelgroep": ["ouderen"]},
        {"gemeente": [first.code], "woont": ["GM0513"], "uitkering": ["wajong"], "leeftijd": ["19-21"]},
        {"gemeente": [first.code], "uitkering": [""], "leeftijd": [""]},
    ]


def page(session, args: dict):
    choices = parse_choices(session, args)
    outcome = result(session, choices)
    selected = [m.instrument for g in outcome.groups for m in g.matches][:12]
    return outcome, estimate(parse_input(ESTIMATE_ARGS), selected)


def old_page(session, args: dict):
    """The old path (named baseline): one full load per gemeente with every relation, then matching and estimate."""
    choices = parse_choices(session, args)
    employer, residence = choices.municipality, choices.residence.municipality
    items = list(available_for_municipality(session, employer))
    if residence is not None and residence.id != employer.id:
        items += available_for_municipality(session, residence)
    matched = [i for i in items if fit(i, choices) is not None]
    return matched, estimate(parse_input(ESTIMATE_ARGS), matched[:12])


def _fresh(db, fn, case):
    """One page as a request computes it: in a session of its own (nothing cached from an earlier page)."""
    with db.session() as session:
        return fn(session, case)


def _measure(db, session, all_cases, repeat: int, label: str) -> list[float]:
    timings, cpu = [], []
    for number, case in enumerate(all_cases, 1):
        employer = session.scalar(select(Municipality).where(Municipality.code == case["gemeente"][0]))
        run = _time(lambda: _fresh(db, page, case), repeat)
        timings += run
        cpu += CPU_TIMES[id(run)]
        outcome, _estimate = _fresh(db, page, case)
        print(_row(f"  case {number}: {employer.name[:14]}, {outcome.total} of {outcome.available}", run, TARGET_MS))
    CPU_TIMES[id(timings)] = cpu
    print(_row(label, timings, TARGET_MS))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--database", default=str(synthetic.DEFAULT_DATABASE))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions per case (default: %(default)s)")
    parser.add_argument("--index", default=str(INDEX_DIR),
                        help="the search index of that database (default: %(default)s; built once when missing)")
    args = parser.parse_args()
    path = Path(args.database).resolve()
    url = synthetic.ensure(path, args.instruments, args.rebuild)
    db = Database(url)
    failures = 0
    with db.session() as session:
        all_cases = cases(session)
        _fresh(db, old_page, all_cases[0])
        baseline, cpu = [], []
        for case in all_cases:
            run = _time(lambda: _fresh(db, old_page, case), args.repeat)
            baseline += run
            cpu += CPU_TIMES[id(run)]
        CPU_TIMES[id(baseline)] = cpu
        print(_row("old path (baseline), all cases", baseline, TARGET_MS))
        _fresh(db, page, all_cases[0])  # warm-up
        sql = _measure(db, session, all_cases, args.repeat, "new path, SQL (no facet table)")
        engine = SearchEngine(tempfile.mkdtemp(prefix="wizard-bench-"))
        started = time.perf_counter()
        engine.load_table(session)  # what the app's follower does once per process
        print(f"facet table loaded in {time.perf_counter() - started:.1f} s (once per process, by the follower)")
        register(url, engine)
        try:
            ours = _measure(db, session, all_cases, args.repeat, "new path, facet table")
        finally:
            unregister(url)
        print(f"ratio p95 old path / new path: {_p95(baseline) / _p95(ours):.1f} (facet table), "
              f"{_p95(baseline) / _p95(sql):.1f} (SQL); new path p95 / target: {_p95(ours) / TARGET_MS:.2f}")
        if _p95(ours) > TARGET_MS:
            failures += 1
        _ensure_index(session, Path(args.index))
    db.engine.dispose()
    failures += _pages(url, all_cases, args.repeat, Path(args.index))
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs" + (
            ": the machine is busy, wall-clock figures are inflated; see the cpu figures" if load > (os.cpu_count() or 1) else ""))
    return 1 if failures else 0


def _ensure_index(session, index_dir: Path) -> None:
    from catalogue.search.follower import rebuild_index

    engine = SearchEngine(index_dir)
    if engine.store.exists() and engine.store.read_state():
        return
    print(f"building the search index in {index_dir} once (so the app does not rebuild it while pages are timed) ...",
          flush=True)
    started = time.perf_counter()
    rebuild_index(engine, session)
    print(f"  built in {time.perf_counter() - started:.0f} s")


def _pages(url: str, all_cases: list[dict], repeat: int, index_dir: Path) -> int:
    """The whole result page and the summary page with the estimate, through the app (test client, no network).

    The page cache is off (PAGE_CACHE): every request runs the view, as for a URL not yet rendered at this change-log
    position (with it on, a repeated URL is a stored response). Three ways, each page `repeat` times:
    - "every card drawn": the card cache off, so each card is drawn (catalogue/web/result_card.py);
    - "cards cold": the card cache emptied before each request (after a restart, at midnight, a provider renamed);
    - "cards warm": the card cache as it is after the earlier pages at this position (the usual case).
    Figures: wall and CPU time (process CPU per request; the machine is shared, so CPU is the figure to judge)."""
    from urllib.parse import urlencode

    from catalogue import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INDEX_DIR": str(index_dir), "PAGE_CACHE": False})
    client = app.test_client()
    client.get("/werkgever")  # starts the follower, which loads the facet table
    engine, waited = app.extensions["catalogue_search"], time.perf_counter()
    while not engine.ready and time.perf_counter() - waited < 120:
        time.sleep(0.2)
    print(f"app's search engine ready: {engine.ready} (after {time.perf_counter() - waited:.1f} s)")
    urls = []
    for case in all_cases:
        query = urlencode({k: v[0] for k, v in case.items()})
        urls.append(f"/werkgever?{query}")
        urls.append(f"/en/werkgever?{query}")
        urls.append(f"/werkgever/overzicht?{query}&i=lkv-arbeidsgehandicapte-werknemer,uwv-proefplaatsing&"
                    + urlencode({k: v[0] for k, v in ESTIMATE_ARGS.items()}))
    for u in urls:
        assert client.get(u).status_code == 200, u
    cards = app.extensions.get("wizard_cards")  # None: code from before the card cache (for its figures)

    def run(label: str, before=None) -> tuple[list[float], list[float]]:
        results, results_cpu, summaries, summaries_cpu = [], [], [], []

        def once(u):
            if before is not None:
                before()
            client.get(u)

        for u in urls:
            timings = _time(lambda: once(u), repeat)
            if "/overzicht" in u:
                summaries += timings
                summaries_cpu += CPU_TIMES[id(timings)]
            else:
                results += timings
                results_cpu += CPU_TIMES[id(timings)]
        print(_row(f"{label}: result pages", results, TARGET_MS, results_cpu))
        print(_row(f"{label}: summary pages", summaries, TARGET_MS, summaries_cpu))
        return results, results_cpu

    app.extensions.pop("wizard_cards", None)
    base, base_cpu = run("every card drawn")
    if cards is None:
        return 1 if _p95(base_cpu) > TARGET_MS else 0
    app.extensions["wizard_cards"] = cards
    cold, cold_cpu = run("cards cold", cards.clear)
    cards.clear()
    for u in urls:
        client.get(u)
    warm, warm_cpu = run("cards warm")
    print(f"card cache: {len(cards)} cards, {cards.size_bytes / 2**20:.1f} MiB (bound {cards.max_bytes / 2**20:.0f} MiB)")
    print(f"result pages, ratio CPU p95 recorded macro baseline (101b903) / now: "
          f"{MACRO_BASELINE['every card drawn'] / _p95(base_cpu):.2f} every card drawn, "
          f"{MACRO_BASELINE['cards cold'] / _p95(cold_cpu):.2f} cards cold")
    print(f"result pages, ratio p95 every card drawn / cached: CPU {_p95(base_cpu) / _p95(warm_cpu):.1f} warm, "
          f"{_p95(base_cpu) / _p95(cold_cpu):.1f} cold; wall {_p95(base) / _p95(warm):.1f} warm, "
          f"{_p95(base) / _p95(cold):.1f} cold")
    print(f"result pages, p95 / target {TARGET_MS:.0f} ms: CPU {_p95(warm_cpu) / TARGET_MS:.2f} warm, "
          f"{_p95(cold_cpu) / TARGET_MS:.2f} cold; wall {_p95(warm) / TARGET_MS:.2f} warm, {_p95(cold) / TARGET_MS:.2f} cold")
    return 1 if max(_p95(warm_cpu), _p95(cold_cpu)) > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
