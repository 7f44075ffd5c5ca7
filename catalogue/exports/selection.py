"""Selecting what to export: the export's title, query and place, and its instruments (ORM objects for JSON and PDF,
light rows loaded with plain SQL for the spreadsheets)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Text, case, func, select, type_coerce
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
from ..queries import InstrumentQuery, base_conditions, facet_conditions, with_relations

PROVIDER_TYPE_ORDER = ("gemeente", "regio", "uwv", "belastingdienst", "landelijk")


@dataclass
class ExportSpec:
    """What to export: a title for the document, the query (filters), and optionally the region or gemeente it is for."""

    query: InstrumentQuery = field(default_factory=InstrumentQuery)
    title: str = "Instrumenten voor werkgevers"
    region: Region | None = None
    municipality: Municipality | None = None
    internal: bool = False  # publication fields and internal notes
    include_drafts: bool = False  # drafts too (command line, lossless copies)
    internal_provider_ids: set[int] | None = None  # internal notes only of these providers' instruments; None = all
    language: str = "nl"

    @property
    def basename(self) -> str:
        if self.municipality is not None:
            return f"instrumenten-{self.municipality.slug}"
        if self.region is not None:
            return f"instrumenten-{self.region.code.lower()}-{self.region.slug}"
        return "instrumenten"


def spec_for_region(session: Session, code: str, **kwargs) -> ExportSpec:
    region = session.scalar(select(Region).where(Region.code == code.upper()))
    if region is None:
        raise LookupError(f"onbekende arbeidsmarktregio '{code}'")
    query = kwargs.pop("query", None) or InstrumentQuery()
    query.regions = [region.code]
    return ExportSpec(query=query, title=f"Arbeidsmarktregio {region.name} ({region.code})", region=region, **kwargs)


def spec_for_municipality(session: Session, code_or_slug: str, **kwargs) -> ExportSpec:
    m = session.scalar(select(Municipality).where(
        (Municipality.code == code_or_slug.upper()) | (Municipality.slug == code_or_slug)))
    if m is None:
        raise LookupError(f"onbekende gemeente '{code_or_slug}'")
    query = kwargs.pop("query", None) or InstrumentQuery()
    query.municipalities = [m.code]
    return ExportSpec(query=query, title=f"Gemeente {m.name}", region=m.region, municipality=m, **kwargs)


def select_instruments(session: Session, spec: ExportSpec, today: date | None = None) -> list[Instrument]:
    """The instruments of the export, by provider type, provider and name. Public ones unless drafts are included."""
    today = today or date.today()
    conditions = _conditions(session, spec, today)
    stmt = with_relations(select(Instrument).join(Instrument.provider).where(*conditions)
                          .order_by(Provider.type, Provider.name, func.lower(Instrument.name), Instrument.id))
    rows = list(session.scalars(stmt))
    order = {t: n for n, t in enumerate(PROVIDER_TYPE_ORDER)}
    rows.sort(key=lambda i: order.get(i.provider.type, 99))  # stable: keeps provider and name order within a type
    return rows


class ExportRow:
    """An instrument as the spreadsheet exports need it, loaded with a few plain SQL queries (fast for 20,000 rows).
    Has the instrument's column attributes plus the codes and names of its relations."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.region_codes: list[str] = []
        self.municipality_names: list[str] = []
        self.term_codes: dict[str, list[str]] = {}
        self.parameter_values: list[dict] = []  # dated values, as records


_ROW_COLUMNS = ("id", "slug", "external_id", "name", "reach", "summary", "description", "conditions", "how_to_apply",
                "duration_max", "duration_unit", "amount_type", "amount_value", "amount_max_per_year",
                "amount_max_total", "amount_note", "applicant", "decision_period_weeks", "payment_moments",
                "requires_doelgroepverklaring", "requires_doelgroepregister", "legal_basis", "funding_source",
                "temporary", "leerwerktraject", "valid_from", "valid_until", "contacts", "links", "source_url",
                "last_checked", "regulation_title", "regulation_url", "translations", "status", "publish_from",
                "publish_to", "internal_notes", "example", "provider_id", "version")


_JSON_COLUMNS = ("contacts", "links", "translations")
_EMPTY_JSON = {"[]": list, "{}": dict, "null": lambda: None}


def _conditions(session: Session, spec: ExportSpec, today: date) -> list:
    return base_conditions(session, spec.query, today, public=not spec.include_drafts) + \
        facet_conditions(spec.query, today)


def count_instruments(session: Session, spec: ExportSpec, today: date | None = None) -> int:
    """How many instruments the export holds (one COUNT query: decides whether it runs as a background job)."""
    return session.scalar(select(func.count(Instrument.id)).join(Instrument.provider)
                          .where(*_conditions(session, spec, today or date.today()))) or 0


def load_rows(session: Session, spec: ExportSpec, today: date | None = None) -> list[ExportRow]:
    """The instruments of the export as ExportRow, in the same order as `select_instruments`."""
    today = today or date.today()
    conditions = _conditions(session, spec, today)
    table = Instrument.__table__
    provider_municipality = select(Municipality.name).where(Municipality.id == Provider.municipality_id) \
        .correlate(Provider).scalar_subquery()
    provider_region = select(Region.code).where(Region.id == Provider.region_id).correlate(Provider).scalar_subquery()
    type_order = case({t: n for n, t in enumerate(PROVIDER_TYPE_ORDER)}, value=Provider.type, else_=99)
    columns_ = [type_coerce(table.c[name], Text).label(name) if name in _JSON_COLUMNS else table.c[name]
                for name in _ROW_COLUMNS]  # JSON decoded below, only when not empty
    stmt = (select(*columns_, InstrumentKind.code.label("kind_code"),
                   Provider.type.label("provider_type"), Provider.name.label("provider_name"),
                   provider_municipality.label("provider_municipality"), provider_region.label("provider_region"))
            .select_from(Instrument).join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
            .join(Provider, Provider.id == Instrument.provider_id)
            .where(*conditions)
            .order_by(type_order, Provider.name, func.lower(Instrument.name), Instrument.id))
    connection = session.connection()  # plain Core results: no ORM result processing for 20,000 rows
    rows = [ExportRow(dict(r._mapping)) for r in connection.execute(stmt)]
    for row in rows:
        for name in _JSON_COLUMNS:
            value = getattr(row, name)
            if isinstance(value, str):
                setattr(row, name, json.loads(value) if value not in _EMPTY_JSON else _EMPTY_JSON[value]())
    by_id = {r.id: r for r in rows}
    if not rows:
        return rows
    ids = select(Instrument.id).where(*conditions)
    for iid, code in connection.execute(select(instrument_region.c.instrument_id, Region.code)
                                     .join(Region, Region.id == instrument_region.c.region_id)
                                     .where(instrument_region.c.instrument_id.in_(ids)).order_by(Region.code)):
        by_id[iid].region_codes.append(code)
    for iid, name in connection.execute(select(instrument_municipality.c.instrument_id, Municipality.name)
                                     .join(Municipality, Municipality.id == instrument_municipality.c.municipality_id)
                                     .where(instrument_municipality.c.instrument_id.in_(ids))
                                     .order_by(Municipality.name)):
        by_id[iid].municipality_names.append(name)
    for iid, taxonomy, code in connection.execute(
            select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(instrument_term.c.instrument_id.in_(ids))
            .order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)):
        by_id[iid].term_codes.setdefault(taxonomy, []).append(code)
    dated = select(ParameterValue).where(ParameterValue.instrument_id.in_(ids)).order_by(
        ParameterValue.instrument_id, ParameterValue.parameter, ParameterValue.valid_from, ParameterValue.id)
    for pv in session.scalars(dated):
        by_id[pv.instrument_id].parameter_values.append(pv.to_record())
    return rows
