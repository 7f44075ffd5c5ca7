"""Builds a clearly synthetic catalogue for benchmarks, in its own database (never the real one).

    python bench/synthetic.py --instruments 20000 --database bench/out/synthetic.sqlite

Reference data (regions, gemeenten, taxonomies, providers, and the real national instruments) comes from the seed; on top of
that N synthetic instruments are spread over all 342 gemeenten and 35 regions. Every synthetic instrument is named
"[SYNTHETISCH] …", has example=True and a slug starting with "synth-", so it can never be mistaken for real content.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.db import Database  # noqa: E402
from catalogue.migrate import upgrade  # noqa: E402
from catalogue.models import (  # noqa: E402
    Instrument,
    InstrumentKind,
    Municipality,
    Provider,
    Region,
    TaxonomyTerm,
    instrument_municipality,
    instrument_region,
    instrument_term,
)
from catalogue.seed import seed  # noqa: E402

DEFAULT_DATABASE = ROOT / "bench" / "out" / "synthetic.sqlite"
WORDS = ("werkgever", "begeleiding", "plaatsing", "kandidaat", "subsidie", "ondersteuning", "scholing", "werkplek",
         "jobcoach", "proefperiode", "loonwaarde", "doelgroep", "arbeidsbeperking", "statushouder", "jongeren",
         "vijftigplus", "bijstand", "uitkering", "leerwerkplek", "nazorg", "reiskosten", "aanpassing", "premie")


def build(url: str, instruments: int, seed_value: int = 20) -> dict:
    """Creates (or recreates) the synthetic database at `url`. Returns figures."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(seed_value)
    db = Database(url)
    started = time.perf_counter()
    upgrade(db.engine)
    with db.session() as session:
        seed(session)
    with db.session() as session:
        kinds = list(session.scalars(select(InstrumentKind)))
        municipalities = list(session.scalars(select(Municipality)))
        regions = list(session.scalars(select(Region)))
        gemeente_providers = {p.municipality_id: p for p in session.scalars(select(Provider).where(Provider.type == "gemeente"))}
        region_providers = {p.region_id: p for p in session.scalars(select(Provider).where(Provider.type == "regio"))}
        terms: dict[str, list[TaxonomyTerm]] = {}
        for t in session.scalars(select(TaxonomyTerm)):
            terms.setdefault(t.taxonomy, []).append(t)
        rows, regions_rows, municipality_rows, term_rows = [], [], [], []
        first_id = (session.scalar(select(Instrument.id).order_by(Instrument.id.desc()).limit(1)) or 0) + 1
        today = date.today()
        for n in range(instruments):
            iid = first_id + n
            kind = rng.choice(kinds)
            regional = rng.random() < 0.15
            if regional:
                region = rng.choice(regions)
                provider, reach = region_providers[region.id], "regionaal"
                regions_rows.append({"instrument_id": iid, "region_id": region.id})
                place = region.name
            else:
                municipality = rng.choice(municipalities)
                provider, reach = gemeente_providers[municipality.id], "lokaal"
                municipality_rows.append({"instrument_id": iid, "municipality_id": municipality.id})
                place = municipality.name
            words = " ".join(rng.sample(WORDS, 6))
            amount_type = rng.choice(["vast", "tarief_per_uur", "werkelijke_kosten", "geen", "loonwaarde"])
            ended = rng.random() < 0.05
            rows.append({
                "id": iid, "slug": f"synth-{n:06d}", "name": f"[SYNTHETISCH] {kind.name} {place} {n}",
                "kind_id": kind.id, "provider_id": provider.id, "reach": reach,
                "summary": f"Synthetisch benchmarkinstrument: {kind.name.lower()} in {place}. {words}.",
                "description": f"<p>Synthetische beschrijving voor benchmarks. {words} {kind.description or ''}</p>",
                "conditions": f"<p>Synthetische voorwaarden: {' '.join(rng.sample(WORDS, 4))}.</p>",
                "duration_max": rng.choice([None, 1, 2, 3, 6, 12, 24]), "duration_unit": "maand",
                "amount_type": amount_type,
                "amount_value": Decimal(rng.choice([50, 60, 66, 75, 1500, 2500])) if amount_type in ("vast", "tarief_per_uur") else None,
                "applicant": rng.choice(["werkgever", "werknemer", "wsp"]),
                "decision_period_weeks": rng.choice([2, 4, 8]),
                "leerwerktraject": rng.random() < 0.1, "temporary": rng.random() < 0.1,
                "valid_until": today - timedelta(days=30) if ended else None,
                "status": "published" if rng.random() < 0.97 else "draft",
                "example": True, "source_url": None, "contacts": [], "links": [], "translations": {},
                "requires_doelgroepverklaring": False, "requires_doelgroepregister": rng.random() < 0.2,
                "version": 1,
            })
            for taxonomy, k in (("target_group", 2), ("scheme", 2), ("age_group", 1), ("employment_type", 1), ("sector", 1)):
                if taxonomy == "sector" and rng.random() < 0.8:
                    continue
                for term in rng.sample(terms[taxonomy], rng.randint(0, k)):
                    term_rows.append({"instrument_id": iid, "term_id": term.id})
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(Instrument), rows[chunk:chunk + 2000])
        if regions_rows:
            session.execute(insert(instrument_region), regions_rows)
        if municipality_rows:
            session.execute(insert(instrument_municipality), municipality_rows)
        if term_rows:
            session.execute(insert(instrument_term), term_rows)
    db.engine.dispose()
    return {"instruments": instruments, "seconds": time.perf_counter() - started}


def synthetic_count(url: str) -> int:
    """How many synthetic instruments the database at `url` holds (-1: missing or not a catalogue)."""
    from sqlalchemy import func

    try:
        db = Database(url)
        with db.session() as session:
            count = session.scalar(select(func.count()).select_from(Instrument).where(Instrument.slug.like("synth-%")))
        db.engine.dispose()
        return count or 0
    except Exception:  # missing or foreign database
        return -1


def ensure(path: Path, instruments: int, rebuild: bool = False) -> str:
    """The URL of the synthetic catalogue at `path`, built first unless it already holds exactly `instruments`."""
    url = f"sqlite:///{path}"
    if rebuild or synthetic_count(url) != instruments:
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the synthetic catalogue ({instruments} instruments) in {path} ...", flush=True)
        figures = build(url, instruments)
        print(f"  built in {figures['seconds']:.1f} s")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--database", default=str(DEFAULT_DATABASE), help="SQLite file (default: %(default)s)")
    args = parser.parse_args()
    Path(args.database).parent.mkdir(parents=True, exist_ok=True)
    figures = build(f"sqlite:///{Path(args.database).resolve()}", args.instruments)
    print(f"synthetic catalogue: {figures['instruments']} instruments in {args.database} ({figures['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
