"""The facet table's rows: what it holds of one public instrument (`InstrumentRow`), read from SQL a few bulk queries
per batch of ids (`load_rows` for the follower's changed instruments, `iter_rows` for a build), and the instruments a
new day changes (`day_changes`). No Flask."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import Date, bindparam, or_, select
from sqlalchemy.orm import Session

from ..facets import FACETS
from ..models import Instrument, InstrumentKind, Provider, TaxonomyTerm, instrument_municipality, instrument_region, \
    instrument_term


@dataclass
class InstrumentRow:
    """What the facet table holds of one public instrument."""
    name: str
    updated: float
    provider: str
    reach: str
    values: list[tuple[str, str]]  # (facet key, value code)
    regions: list[int]  # region ids where a regional instrument is available
    municipalities: list[int]  # gemeente ids where a local instrument is available

    def keys(self):
        """The table's bitsets this instrument is in: ("v", facet, code), ("p", provider slug), ("l",) landelijk,
        ("r", region id) regional there, ("m", gemeente id) local there."""
        for key, code in self.values:
            yield ("v", key, code)
        yield ("p", self.provider, None)
        if self.reach == "landelijk":
            yield ("l", None, None)
        for rid in self.regions:
            yield ("r", rid, None)
        for mid in self.municipalities:
            yield ("m", mid, None)


def lifecycle_of(valid_from, valid_until, today: date) -> str:
    if valid_until is not None and valid_until < today:
        return "ended"
    if valid_from is not None and valid_from > today:
        return "upcoming"
    return "current"


def load_rows(session: Session, today: date, public_condition, ids) -> dict[int, InstrumentRow]:
    """The public instruments of `ids` as rows, in id order; a few bulk queries per 2,000 ids."""
    wanted = sorted(set(ids))
    out: dict[int, InstrumentRow] = {}
    for i in range(0, len(wanted), 2000):
        out.update(_rows(session, today, public_condition, "ids", {"ids": wanted[i:i + 2000]}))
    return out


def iter_rows(session: Session, today: date, public_condition, batch: int = 5000) -> Iterator[dict[int, InstrumentRow]]:
    """Every public instrument as rows, in id order, one range of `batch` ids at a time (the last range open-ended:
    an instrument added meanwhile is in it or in the change log the follower replays)."""
    ids = session.scalars(select(Instrument.id).where(public_condition(today)).order_by(Instrument.id)).all()
    for i in range(0, len(ids), batch):
        if i + batch < len(ids):
            yield _rows(session, today, public_condition, "range", {"lo": ids[i], "hi": ids[i + batch - 1]})
        else:
            yield _rows(session, today, public_condition, "from", {"lo": ids[i]})
    del ids


_RESTRICT = {
    "ids": lambda column: column.in_(bindparam("ids", expanding=True)),
    "range": lambda column: column.between(bindparam("lo"), bindparam("hi")),
    "from": lambda column: column >= bindparam("lo"),
}


@functools.lru_cache(maxsize=16)
def _statements(public_condition, shape: str) -> tuple:
    """The four queries of `_rows`, made once per public condition and shape of id restriction, with the day and the
    ids as parameters: building them anew cost ~1 ms of SQLAlchemy per edit in every worker (the follower's time, which
    the worker's requests wait for under the GIL)."""
    restrict = _RESTRICT[shape]
    term_facets = {f.taxonomy: f.key for f in FACETS if f.taxonomy and f.key not in ("provider_type", "reach")}
    instruments = (
        select(Instrument.id, Instrument.name, Instrument.updated_at, InstrumentKind.code, Provider.type, Provider.slug,
               Instrument.reach, Instrument.leerwerktraject, Instrument.valid_from, Instrument.valid_until)
        .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
        .join(Provider, Provider.id == Instrument.provider_id)
        .where(public_condition(bindparam("today", type_=Date)), restrict(Instrument.id))
        .order_by(Instrument.id)
    )
    terms = (select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
             .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
             .where(TaxonomyTerm.taxonomy.in_(list(term_facets)), restrict(instrument_term.c.instrument_id)))
    regions = select(instrument_region.c.instrument_id, instrument_region.c.region_id) \
        .where(restrict(instrument_region.c.instrument_id))
    municipalities = select(instrument_municipality.c.instrument_id, instrument_municipality.c.municipality_id) \
        .where(restrict(instrument_municipality.c.instrument_id))
    return instruments, terms, regions, municipalities, term_facets


def _rows(session: Session, today: date, public_condition, shape: str, params: dict) -> dict[int, InstrumentRow]:
    """The public instruments whose id is within `params` (`_RESTRICT[shape]`), as rows in id order."""
    instruments, terms, regions, municipalities, term_facets = _statements(public_condition, shape)
    part: dict[int, InstrumentRow] = {}
    for iid, name, updated, kind, ptype, pslug, reach, leerwerk, valid_from, valid_until in session.execute(
            instruments, {**params, "today": today}):
        part[iid] = InstrumentRow(
            name=name, updated=updated.timestamp() if updated else 0.0, provider=pslug, reach=reach,
            values=[("kind", kind), ("provider_type", ptype), ("reach", reach),
                    ("leerwerktraject", "ja" if leerwerk else "nee"),
                    ("lifecycle", lifecycle_of(valid_from, valid_until, today))],
            regions=[], municipalities=[])
    if not part:
        return part
    for iid, taxonomy, code in session.execute(terms, params):
        row = part.get(iid)
        if row is not None:
            row.values.append((term_facets[taxonomy], code))
    for iid, rid in session.execute(regions, params):
        row = part.get(iid)
        if row is not None and row.reach == "regionaal":
            row.regions.append(rid)
    for iid, mid in session.execute(municipalities, params):
        row = part.get(iid)
        if row is not None and row.reach == "lokaal":
            row.municipalities.append(mid)
    return part


def day_changes(session: Session, before: date, after: date) -> set[int]:
    """The instruments that can be public on one of these days and not on the other, or in another lifecycle: those
    with a publication or validity date between them (both included; a superset, `load_rows` decides)."""
    lo, hi = min(before, after), max(before, after)
    dates = (Instrument.publish_from, Instrument.publish_to, Instrument.valid_from, Instrument.valid_until)
    return set(session.scalars(select(Instrument.id).where(or_(*(column.between(lo, hi) for column in dates)))))


def known_values(session: Session) -> dict:
    return {f.key: f.known_values(session) for f in FACETS}
