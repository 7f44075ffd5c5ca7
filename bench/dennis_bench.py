"""Dennis import benchmark (not part of the tests).

    .venv/bin/python bench/dennis_bench.py [--instruments 2000]

Seeds a fresh database bench/out/dennis-seeded.sqlite (git-ignored; reference data and the seed catalogue only) and
copies it for every run, so the runs start equal. A synthetic Dennis export (the shape of tests/dennis_export.py,
instruments spread over the gemeenten of AM20 and AM11) is then imported:
  - the web limit (300 instruments): dry run and real import, each one request in /beheer (target: <= 10 s)
  - all instruments, and a second run of the same file (unchanged)
against the baseline: the spreadsheet import (`catalogue import`, same editing service) of the same instruments as CSV.
Prints seconds, ms per instrument and the ratio Dennis / spreadsheet. Exit code 1 when the web target is missed.
"""
from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"
SEEDED = OUT / "dennis-seeded.sqlite"
WEB_TARGET_SECONDS = 10.0
KINDS = ("Proefplaatsing", "Jobcoaching", "Loonkostensubsidie", "Scholing", "Werkplekaanpassing")


def _fresh(name: str):
    from catalogue.db import Database

    path = OUT / f"dennis-{name}.sqlite"
    shutil.copyfile(SEEDED, path)
    return Database(f"sqlite:///{path}")


def _seed() -> None:
    from catalogue.db import Database
    from catalogue.migrate import upgrade
    from catalogue.seed import seed

    OUT.mkdir(parents=True, exist_ok=True)
    SEEDED.unlink(missing_ok=True)
    db = Database(f"sqlite:///{SEEDED}")
    upgrade(db.engine)
    with db.session() as session:
        seed(session)
        session.commit()
    db.engine.dispose()


def _towns(db) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from catalogue.models import Municipality, Region

    with db.session() as session:
        return [(m.code, m.name) for m in session.scalars(
            select(Municipality).join(Region, Municipality.region_id == Region.id).where(Region.code.in_(["AM20", "AM11"])).order_by(Municipality.code))]


def _export(n: int, towns) -> list[dict]:
    from dennis_export import instrument, local_party

    return [instrument(f"{KINDS[i % 5]} bench {i}", local_party(*towns[i % len(towns)]), uuid=f"bench-{i:06d}",
                       townships=[towns[i % len(towns)]], short=f"Synthetisch benchmark-instrument {i} voor werkgevers.",
                       description="<p>Synthetische tekst voor de benchmark.</p>",
                       conditions=f"<p>Maximaal {i % 12 + 1} maanden.</p>",
                       links=[("Info", f"https://example.org/bench/{i}")]) for i in range(n)]


def _csv(items: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Extern ID", "Naam", "Soort", "Aanbieder", "Gemeenten", "Samenvatting", "Beschrijving",
                     "Voorwaarden", "Links", "Bron", "Status"])
    kinds = {"Proefplaatsing": "proefplaatsing", "Jobcoaching": "jobcoaching", "Loonkostensubsidie":
             "loonkostensubsidie", "Scholing": "scholing", "Werkplekaanpassing": "werkplekvoorziening"}
    for item in items:
        town = item["available_townships"][0]
        writer.writerow([item["uuid"], item["name"], kinds[item["name"].split()[0]], town["code"], town["code"],
                         item["short_description"], item["description"], item["conditions"],
                         f"Info | {item['links'][0]['url']}", item["links"][0]["url"], "published"])
    return buffer.getvalue().encode()


def _time(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instruments", type=int, default=2000)
    args = parser.parse_args()

    from catalogue.imports import run_import
    from catalogue.imports.dennis import WEB_MAX_INSTRUMENTS, run_dennis_import
    from dennis_export import dumps

    print("seeding a fresh database …", flush=True)
    _seed()
    towns = _towns(_fresh("towns"))
    rows = []

    def dennis(name, items, dry_run=False, again=False):
        db = _fresh(name)
        data = dumps(items)
        with db.session() as session:
            if again:
                run_dennis_import(session, "bench.json", data)
            seconds, result = _time(lambda: run_dennis_import(session, "bench.json", data, dry_run=dry_run))
        assert result.ok, result.errors[:3]
        return seconds, result

    def spreadsheet(name, items):
        db = _fresh(name)
        with db.session() as session:
            seconds, result = _time(lambda: run_import(session, "bench.csv", _csv(items), None, allow_national=True))
        assert result.ok, result.errors[:3]
        return seconds

    web = _export(WEB_MAX_INSTRUMENTS, towns)
    everything = _export(args.instruments, towns)
    web_dry, _r = dennis("web-dry", web, dry_run=True)
    web_real, _r = dennis("web", web)
    web_base = spreadsheet("web-csv", web)
    all_real, result = dennis("all", everything)
    all_base = spreadsheet("all-csv", everything)
    second, again = dennis("again", everything, again=True)
    assert again.counts["unchanged"] == args.instruments
    rows.append(("web limit, dry run", WEB_MAX_INSTRUMENTS, web_dry, web_base))
    rows.append(("web limit, import", WEB_MAX_INSTRUMENTS, web_real, web_base))
    rows.append(("all, import", args.instruments, all_real, all_base))
    rows.append(("all, second run (unchanged)", args.instruments, second, None))
    print(f"\n{'run':<30} {'n':>6} {'seconds':>8} {'ms/instr':>9} {'CSV import s':>13} {'ratio':>6}")
    for label, n, seconds, base in rows:
        ratio = f"{seconds / base:.2f}" if base else "-"
        print(f"{label:<30} {n:>6} {seconds:>8.2f} {1000 * seconds / n:>9.1f} "
              f"{(f'{base:.2f}' if base else '-'):>13} {ratio:>6}")
    print(f"\nproposals made: {result.proposal_count}; web target: each request <= {WEB_TARGET_SECONDS:.0f} s")
    slowest = max(web_dry, web_real)
    if slowest > WEB_TARGET_SECONDS:
        print(f"MISSED: a web request with {WEB_MAX_INSTRUMENTS} instruments takes {slowest:.1f} s")
        return 1
    print(f"ok: {WEB_MAX_INSTRUMENTS} instruments in {slowest:.1f} s per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
