"""Every public instrument, read in bulk for the export: plain rows instead of ORM objects (building 20,000 instruments
with their relations through the ORM costs more than mapping them), with the same fields and the same order of
relations as the model, so `services.service_out` maps both alike (tests/test_hsds.py compares the export with the API).
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Instrument,
    InstrumentKind,
    Municipality,
    ParameterValue,
    Provider,
    Region,
    TaxonomyTerm,
    instrument_municipality,
    instrument_region,
    instrument_term,
)
from ..queries import public_condition
from .taxonomies import term_id

COLUMNS = ("id", "slug", "name", "kind_id", "provider_id", "reach", "summary", "description", "conditions",
           "how_to_apply", "duration_max", "duration_unit", "amount_type", "amount_value", "amount_max_per_year",
           "amount_max_total", "amount_note", "decision_period_weeks", "requires_doelgroepverklaring",
           "requires_doelgroepregister", "legal_basis", "valid_from", "valid_until", "contacts", "source_url",
           "last_checked", "translations", "publish_from", "example", "updated_at")


class InstrumentRow(SimpleNamespace):
    """An instrument's public fields and relations, without the ORM."""

    lifecycle = Instrument.lifecycle

    def terms_of(self, taxonomy: str) -> list:
        grouped = self.__dict__.get("_grouped")
        if grouped is None:
            grouped = self.__dict__["_grouped"] = {}
            for term in self.terms:
                grouped.setdefault(term.taxonomy, []).append(term)
        return grouped.get(taxonomy, [])


def _plain(obj, names: tuple[str, ...], **extra) -> SimpleNamespace:
    """A plain copy of a reference row (reading ORM attributes 20,000 times over costs more than the copy)."""
    return SimpleNamespace(**{name: getattr(obj, name) for name in names}, **extra)


TERM_FIELDS = ("id", "taxonomy", "code", "name", "name_en", "description", "external_code", "sort_order", "extra")
PLACE_FIELDS = ("id", "code", "name", "slug")
PROVIDER_FIELDS = ("id", "slug", "name", "type", "website", "phone", "email")


def _by_instrument(rows) -> dict[int, list]:
    out: dict[int, list] = {}
    for instrument_id, value in rows:
        out.setdefault(instrument_id, []).append(value)
    return out


def public_instruments(session: Session, today: date, chunk: int = 1000) -> Iterator[InstrumentRow]:
    """Every public instrument by id, `chunk` at a time (bounded memory)."""
    kinds = {k.id: k for k in session.scalars(select(InstrumentKind))}
    regions = {r.id: _plain(r, PLACE_FIELDS) for r in session.scalars(select(Region))}
    municipalities = {m.id: _plain(m, PLACE_FIELDS) for m in session.scalars(select(Municipality))}
    providers = {p.id: _plain(p, PROVIDER_FIELDS, municipality=municipalities.get(p.municipality_id),
                              region=regions.get(p.region_id)) for p in session.scalars(select(Provider))}
    terms = {t.id: _plain(t, TERM_FIELDS, hsds_id=term_id(t)) for t in session.scalars(select(TaxonomyTerm))}
    table = Instrument.__table__
    ids = list(session.scalars(select(Instrument.id).where(public_condition(today)).order_by(Instrument.id)))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        term_links = _by_instrument(session.execute(
            select(instrument_term.c.instrument_id, instrument_term.c.term_id)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(instrument_term.c.instrument_id.in_(part)).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)))
        region_links = _by_instrument(session.execute(
            select(instrument_region.c.instrument_id, instrument_region.c.region_id)
            .join(Region, Region.id == instrument_region.c.region_id)
            .where(instrument_region.c.instrument_id.in_(part)).order_by(Region.code)))
        municipality_links = _by_instrument(session.execute(
            select(instrument_municipality.c.instrument_id, instrument_municipality.c.municipality_id)
            .join(Municipality, Municipality.id == instrument_municipality.c.municipality_id)
            .where(instrument_municipality.c.instrument_id.in_(part)).order_by(Municipality.name)))
        values: dict[int, list] = {}
        pv_table = ParameterValue.__table__
        for row in session.execute(select(pv_table).where(pv_table.c.instrument_id.in_(part))
                                   .order_by(pv_table.c.parameter, pv_table.c.valid_from, pv_table.c.id)).mappings():
            values.setdefault(row["instrument_id"], []).append(SimpleNamespace(**row))
        rows = session.execute(select(*[table.c[name] for name in COLUMNS]).where(table.c.id.in_(part))
                               .order_by(table.c.id)).mappings()
        for row in rows:
            iid = row["id"]
            yield InstrumentRow(
                **row,
                kind=kinds[row["kind_id"]],
                provider=providers[row["provider_id"]],
                terms=[terms[t] for t in term_links.get(iid, ())],
                regions=[regions[r] for r in region_links.get(iid, ())],
                municipalities=[municipalities[m] for m in municipality_links.get(iid, ())],
                parameter_values=values.get(iid, []),
            )
