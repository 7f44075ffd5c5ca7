"""Where an instrument is available, as HSDS service areas: every gemeente of a lokaal instrument, every
arbeidsmarktregio of a regionaal one, Nederland for a landelijk one; named with their CBS codes. `page_of_areas` lists
them for all public services at once (the /service_areas list, an addition to the HSDS API reference)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from ..models import Instrument, Municipality, Region, instrument_municipality, instrument_region
from ..queries import public_condition
from . import ids

NATIONAL_PART = 0  # part numbers: 0 Nederland, 1.. regions (1 + region id), 2**19.. gemeenten (2**19 + id)
MUNICIPALITY_BASE = 2**19


def service_areas(instrument, service_id: str) -> list[dict]:
    if instrument.reach == "landelijk":
        return [national_area(instrument.id, service_id)]
    if instrument.reach == "regionaal":
        return [region_area(instrument.id, service_id, r) for r in instrument.regions]
    return [municipality_area(instrument.id, service_id, m) for m in instrument.municipalities]


def national_area(instrument_id: int, service_id: str) -> dict:
    return _area(instrument_id, service_id, NATIONAL_PART, "Nederland", "Heel Nederland", "land", "NL")


def region_area(instrument_id: int, service_id: str, region) -> dict:
    return _area(instrument_id, service_id, 1 + region.id, region.name,
                 f"Arbeidsmarktregio {region.name} (CBS-code {region.code})", "arbeidsmarktregio", region.code)


def municipality_area(instrument_id: int, service_id: str, municipality) -> dict:
    return _area(instrument_id, service_id, MUNICIPALITY_BASE + municipality.id, municipality.name,
                 f"Gemeente {municipality.name} (CBS-code {municipality.code})", "gemeente", municipality.code)


def _area(instrument_id: int, service_id: str, part: int, name: str, description: str, area_type: str, code: str) -> dict:
    return {"id": ids.make_part("service_area", instrument_id, part), "service_id": service_id, "name": name,
            "description": description, "area_type": area_type, "cbs_code": code}


def page_of_areas(session: Session, today: date, page: int, per_page: int) -> tuple[int, list[dict]]:
    """The service areas of every public service, by service and area (the order of the nested lists)."""
    public = public_condition(today)
    national = select(Instrument.id.label("instrument_id"), literal(0).label("kind"), literal(0).label("area_id"),
                      literal("").label("sort")).where(public, Instrument.reach == "landelijk")
    regional = (select(instrument_region.c.instrument_id, literal(1), instrument_region.c.region_id, Region.code)
                .join(Instrument, Instrument.id == instrument_region.c.instrument_id)
                .join(Region, Region.id == instrument_region.c.region_id)
                .where(public, Instrument.reach == "regionaal"))
    local = (select(instrument_municipality.c.instrument_id, literal(2), instrument_municipality.c.municipality_id,
                    Municipality.name)
             .join(Instrument, Instrument.id == instrument_municipality.c.instrument_id)
             .join(Municipality, Municipality.id == instrument_municipality.c.municipality_id)
             .where(public, Instrument.reach == "lokaal"))
    every = union_all(national, regional, local).subquery()
    total = session.scalar(select(func.count()).select_from(every)) or 0
    rows = session.execute(select(every).order_by(every.c.instrument_id, every.c.sort)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    regions = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_({r[2] for r in rows if r[1] == 1})))}
    places = {m.id: m for m in session.scalars(select(Municipality).where(Municipality.id.in_({r[2] for r in rows if r[1] == 2})))}
    out = []
    for instrument_id, kind, area_id, _ in rows:
        sid = ids.make("service", instrument_id)
        out.append(national_area(instrument_id, sid) if kind == 0 else region_area(instrument_id, sid, regions[area_id])
                   if kind == 1 else municipality_area(instrument_id, sid, places[area_id]))
    return total, out
