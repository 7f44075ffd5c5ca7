"""Benchmarks the employer wizard's result and the net-cost estimate on the synthetic catalogue.

    .venv/bin/python bench/wizard_bench.py [--instruments 20000] [--database bench/out/synthetic.sqlite] [--rebuild]

Target (issue 14): p95 <= 100 ms per result page (wizard result + estimate; and the whole page through the app).
Baseline: the query the wizard used before issue 14 (everything available in the employer's gemeente, no matching, no
residence): the ratio says what matching, the candidate's residence and the estimate add on top of it.
The synthetic database is built with bench/synthetic.py when missing, of another size, or with --rebuild.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalogue.db import Database  # noqa: E402
from catalogue.estimate import estimate, parse_input  # noqa: E402
from catalogue.models import Municipality, Region  # noqa: E402
from catalogue.queries import available_for_municipality  # noqa: E402
from catalogue.wizard import parse_choices, result  # noqa: E402

import synthetic  # noqa: E402
from harmonisation_bench import CPU_TIMES, _p95, _row, _synthetic_count, _time  # noqa: E402

TARGET_MS = 100.0
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--database", default=str(synthetic.DEFAULT_DATABASE))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions per case (default: %(default)s)")
    args = parser.parse_args()
    path = Path(args.database).resolve()
    url = f"sqlite:///{path}"
    if args.rebuild or _synthetic_count(url) != args.instruments:
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the synthetic catalogue ({args.instruments} instruments) in {path} ...", flush=True)
        figures = synthetic.build(url, args.instruments)
        print(f"  built in {figures['seconds']:.1f} s")
    db = Database(url)
    failures = 0
    with db.session() as session:
        all_cases = cases(session)
        page(session, all_cases[0])  # warm-up
        baseline, ours, cpu = [], [], []
        for number, case in enumerate(all_cases, 1):
            employer = session.scalar(select(Municipality).where(Municipality.code == case["gemeente"][0]))
            baseline += _time(lambda: available_for_municipality(session, employer), args.repeat)
            timings = _time(lambda: page(session, case), args.repeat)
            ours += timings
            cpu += CPU_TIMES[id(timings)]
            outcome, _estimate = page(session, case)
            print(_row(f"case {number}: {employer.name[:14]}, {outcome.total} of {outcome.available}", timings, TARGET_MS))
        print(_row("baseline: available_for_municipality", baseline, TARGET_MS))
        print(_row("wizard result + estimate, all cases", ours, TARGET_MS, cpu))
        print(f"ratio p95 wizard+estimate / baseline: {_p95(ours) / _p95(baseline):.2f}; "
              f"p95 / target: {_p95(ours) / TARGET_MS:.2f}")
        if _p95(ours) > TARGET_MS:
            failures += 1
    db.engine.dispose()
    failures += _pages(url, all_cases, args.repeat)
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs" + (
            ": the machine is busy, wall-clock figures are inflated; see the cpu figures" if load > (os.cpu_count() or 1) else ""))
    return 1 if failures else 0


def _pages(url: str, all_cases: list[dict], repeat: int) -> int:
    """The whole result page and the summary page with the estimate, through the app (test client, no network)."""
    from urllib.parse import urlencode

    from catalogue import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INDEX_DIR": str(ROOT / "bench" / "out" / "index")})
    client = app.test_client()
    urls = []
    for case in all_cases:
        query = urlencode({k: v[0] for k, v in case.items()})
        urls.append(f"/werkgever?{query}")
        urls.append(f"/werkgever/overzicht?{query}&i=lkv-arbeidsgehandicapte-werknemer,uwv-proefplaatsing&"
                    + urlencode({k: v[0] for k, v in ESTIMATE_ARGS.items()}))
    for u in urls:
        assert client.get(u).status_code in (200, 302), u
    timings = []
    for u in urls:
        timings += _time(lambda: client.get(u), max(3, repeat // 2))
    print(_row("pages through the app (result, summary)", timings, TARGET_MS))
    return 1 if _p95(timings) > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
