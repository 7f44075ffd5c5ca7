"""Exports of instruments: CSV, XLSX, JSON and PDF (arrangementenkaart, one-page A4 overview). No Flask.

One column model (`COLUMNS`) is shared by CSV, XLSX, the JSON parameters and the spreadsheet import (`catalogue.imports`),
so an export can be imported again without losing anything. Every structured parameter has its own column; lists of codes
are separated by ';'.

Public exports contain public instruments and public fields only. `internal=True` (for people who may read them) adds the
publication fields (status, publish_from, publish_to) and internal notes; `include_drafts=True` (command line only) also
exports drafts, for a lossless copy of the whole catalogue.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sqlalchemy import Text, func, select, type_coerce
from sqlalchemy.orm import Session

from .config import ROOT
from .models import Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from .parameters import amount_text, applicant_text, decision_period_text, duration_text
from .queries import InstrumentQuery, base_conditions, facet_conditions, with_relations

FORMATS = ("csv", "xlsx", "json", "pdf")
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}
PROVIDER_TYPE_ORDER = ("gemeente", "regio", "uwv", "belastingdienst", "landelijk")
SHEET_NAMES = {"gemeente": "Gemeenten", "regio": "Regio (WSP)", "uwv": "UWV", "belastingdienst": "Belastingdienst",
               "landelijk": "Landelijk overig"}
TERM_COLUMNS = {"target_groups": "target_group", "schemes": "scheme", "age_groups": "age_group", "sectors": "sector",
                "employment_types": "employment_type"}
TRANSLATED = ("name", "summary", "description", "conditions", "how_to_apply")
LIST_SEPARATOR = "; "
FIELD_SEPARATOR = " | "
# A text cell starting with one of these would be a formula in a spreadsheet program; exports prefix it with "'",
# imports remove that prefix again.
FORMULA_START = ("=", "+", "-", "@")
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Dutch header, as exported
    type: str  # text | rich | int | decimal | date | bool | codes | enum | kind | provider | regions | municipalities
    #            | contacts | links | translation
    width: int = 14
    group: str = "public"  # public | publication | notes
    help: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    required: bool = False  # required when creating a new instrument


def _c(key, label, type_, width=14, help="", aliases=(), group="public", choices=(), required=False) -> Column:
    return Column(key, label, type_, width, group, help, tuple(aliases), tuple(choices), required)


COLUMNS: tuple[Column, ...] = (
    _c("slug", "Slug", "text", 28, "Unieke sleutel (kleine letters, cijfers, streepjes). Leeg bij een nieuw instrument: "
       "wordt gemaakt uit aanbieder en naam.", ["sleutel", "id"]),
    _c("external_id", "Extern ID", "text", 12, "Uw eigen nummer of code voor dit instrument; daarop wordt eerst "
       "gezocht bij het importeren.", ["extern id", "externe id", "external id", "nummer", "code", "uw id"]),
    _c("name", "Naam", "text", 36, "Naam van het instrument.", ["naam instrument", "instrument", "titel",
                                                                  "naam van het instrument"], required=True),
    _c("kind", "Soort", "kind", 22, "Soort instrument: code of naam uit de lijst van soorten.",
       ["soort instrument", "type instrument", "type", "categorie"], required=True),
    _c("provider", "Aanbieder", "provider", 28, "Gemeentenaam of GM-code (gemeente), 'regio' of AM-code "
       "(werkgeversservicepunt), of een landelijke aanbieder (UWV, Belastingdienst, ...).",
       ["gemeente", "organisatie", "verstrekker", "aanbieder instrument", "uitvoerder"], required=True),
    _c("reach", "Bereik", "enum", 11, "landelijk, regionaal of lokaal (leeg bij nieuw: lokaal voor een gemeente, "
       "regionaal voor de regio, landelijk voor een landelijke aanbieder).", ["reikwijdte", "werkingsgebied"],
       choices=("landelijk", "regionaal", "lokaal")),
    _c("regions", "Regio's", "regions", 12, "Bij bereik regionaal: AM-codes (leeg = de regio van de aanbieder).",
       ["regios", "arbeidsmarktregio's", "arbeidsmarktregios", "arbeidsmarktregio"]),
    _c("municipalities", "Gemeenten", "municipalities", 24, "Bij bereik lokaal: gemeentenamen of GM-codes, "
       "gescheiden door ';' (leeg = de gemeente van de aanbieder).", ["geldt in gemeenten", "gemeenten (bereik)"]),
    _c("summary", "Samenvatting", "text", 50, "Eén of twee zinnen in gewone taal voor een werkgever (10 tot 1000 "
       "tekens).", ["korte omschrijving", "omschrijving kort", "samenvatting voor werkgevers"], required=True),
    _c("description", "Beschrijving", "rich", 50, "Langere beschrijving; eenvoudige HTML mag.",
       ["omschrijving", "toelichting"]),
    _c("conditions", "Voorwaarden", "rich", 40, "Voorwaarden, als tekst of eenvoudige HTML.", ["criteria"]),
    _c("how_to_apply", "Aanvragen", "rich", 40, "Hoe en waar vraagt de werkgever het aan?",
       ["hoe aanvragen", "aanvraag", "aanvraagprocedure"]),
    _c("duration_max", "Maximale duur", "int", 9, "Getal; met 'Eenheid duur'.", ["duur", "max duur"]),
    _c("duration_unit", "Eenheid duur", "enum", 9, "dag, week, maand of jaar.", ["duur eenheid"],
       choices=("dag", "week", "maand", "jaar")),
    _c("amount_type", "Soort bedrag", "enum", 15, "geen, vast, per_uur, per_maand, percentage_wml, loonwaarde, "
       "tarief_per_uur of werkelijke_kosten.", ["type bedrag", "bedragsoort"],
       choices=("geen", "vast", "per_uur", "per_maand", "percentage_wml", "loonwaarde", "tarief_per_uur",
                "werkelijke_kosten")),
    _c("amount_value", "Bedrag of percentage", "decimal", 11, "Euro, of procent bij percentage_wml en loonwaarde.",
       ["bedrag", "hoogte", "percentage"]),
    _c("amount_max_per_year", "Maximum per jaar", "decimal", 11, "Euro.", ["max per jaar"]),
    _c("amount_max_total", "Maximum totaal", "decimal", 11, "Euro.", ["max totaal", "maximaal bedrag"]),
    _c("amount_note", "Toelichting bedrag", "text", 28, "Korte tekst bij het bedrag.", ["bedrag toelichting"]),
    _c("applicant", "Aanvrager", "enum", 11, "werkgever, werknemer of wsp.", ["wie vraagt aan"],
       choices=("werkgever", "werknemer", "wsp")),
    _c("decision_period_weeks", "Beslistermijn (weken)", "int", 10, "Geheel aantal weken.",
       ["beslistermijn", "beslistermijn weken"]),
    _c("payment_moments", "Betaalmomenten", "text", 22, "Bijvoorbeeld 'maandelijks achteraf'.",
       ["uitbetaling", "betaalmoment"]),
    _c("requires_doelgroepverklaring", "Doelgroepverklaring nodig", "bool", 10, "ja of nee.",
       ["doelgroepverklaring"]),
    _c("requires_doelgroepregister", "Doelgroepregister nodig", "bool", 10, "ja of nee.",
       ["doelgroepregister", "banenafspraak"]),
    _c("legal_basis", "Wettelijke grondslag", "text", 24, "Wet en artikel.", ["grondslag", "wettelijke basis"]),
    _c("funding_source", "Financiering", "text", 20, "Bijvoorbeeld 'Gemeentefonds'.", ["financieringsbron"]),
    _c("temporary", "Tijdelijk", "bool", 9, "ja bij een tijdelijke regeling.", ["tijdelijke regeling"]),
    _c("leerwerktraject", "Leerwerktraject", "bool", 9, "ja of nee.", ["leren en werken"]),
    _c("valid_from", "Geldig vanaf", "date", 11, "Datum waarop de regeling begon (JJJJ-MM-DD).",
       ["ingangsdatum", "startdatum"]),
    _c("valid_until", "Geldig tot en met", "date", 11, "Datum waarop de regeling eindigt (JJJJ-MM-DD).",
       ["geldig tot", "einddatum"]),
    _c("target_groups", "Doelgroepen", "codes", 24, "Codes of namen, gescheiden door ';' (leeg = geen bepaalde "
       "doelgroep).", ["doelgroep"]),
    _c("schemes", "Uitkeringen en regelingen", "codes", 18, "Codes of namen, gescheiden door ';' (leeg = alle).",
       ["uitkeringen", "uitkering", "regelingen"]),
    _c("age_groups", "Leeftijdsgroepen", "codes", 14, "Codes of namen, gescheiden door ';' (leeg = alle leeftijden).",
       ["leeftijd", "leeftijdsgroep"]),
    _c("sectors", "Sectoren", "codes", 10, "SBI-letters A-U, gescheiden door ';' (leeg = alle).", ["sector"]),
    _c("employment_types", "Dienstverbanden", "codes", 14, "regulier, bbl, stage, werkervaring; gescheiden door ';'.",
       ["dienstverband", "soort dienstverband"]),
    _c("contacts", "Contacten", "contacts", 30, "Eén contact per regel: naam | telefoon | e-mail | website.",
       ["contact", "contactpersonen"]),
    _c("links", "Links", "links", 30, "Eén link per regel: titel | webadres.", ["meer informatie"]),
    _c("source_url", "Bron", "text", 30, "Webadres waar de informatie vandaan komt.", ["bron url", "bronvermelding"]),
    _c("last_checked", "Laatst gecontroleerd", "date", 11, "JJJJ-MM-DD.", ["gecontroleerd op", "laatste controle"]),
    _c("regulation_title", "Regeling", "text", 28, "Titel van de verordening of beleidsregel.",
       ["verordening", "titel regeling"]),
    _c("regulation_url", "Regeling (webadres)", "text", 30, "Webadres op lokaleregelgeving.overheid.nl.",
       ["verordening url", "regeling url"]),
    _c("example", "Voorbeeld", "bool", 9, "ja als de inhoud niet uit een echte regeling komt.", ["voorbeeldcontent"]),
    _c("name_en", "Naam (Engels)", "translation", 24, "Optioneel.", ["name (english)", "english name"]),
    _c("summary_en", "Samenvatting (Engels)", "translation", 30, "Optioneel.", ["summary (english)"]),
    _c("description_en", "Beschrijving (Engels)", "translation", 30, "Optioneel.", ["description (english)"]),
    _c("conditions_en", "Voorwaarden (Engels)", "translation", 30, "Optioneel.", ["conditions (english)"]),
    _c("how_to_apply_en", "Aanvragen (Engels)", "translation", 30, "Optioneel.", ["how to apply (english)"]),
    _c("status", "Status", "enum", 10, "published (gepubliceerd) of draft (concept); leeg bij nieuw = concept.",
       ["publicatiestatus"], group="publication", choices=("published", "draft")),
    _c("publish_from", "Publiceren vanaf", "date", 11, "JJJJ-MM-DD.", ["zichtbaar vanaf"], group="publication"),
    _c("publish_to", "Publiceren tot en met", "date", 11, "JJJJ-MM-DD.", ["zichtbaar tot"], group="publication"),
    _c("internal_notes", "Interne notities", "text", 30, "Alleen voor accountmanagers; nooit openbaar.",
       ["interne notitie", "notities"], group="notes"),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
STRUCTURED_PARAMETERS = ("duration_max", "duration_unit", "amount_type", "amount_value", "amount_max_per_year",
                         "amount_max_total", "amount_note", "applicant", "decision_period_weeks", "payment_moments",
                         "requires_doelgroepverklaring", "requires_doelgroepregister", "legal_basis", "funding_source",
                         "temporary", "leerwerktraject", "valid_from", "valid_until")


def columns(internal: bool = False) -> list[Column]:
    """The exported columns: public ones, plus publication fields and internal notes when internal."""
    return [c for c in COLUMNS if c.group == "public" or internal]


# ---------------------------------------------------------------------------------------------------------------------
# Selecting what to export


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


# ---------------------------------------------------------------------------------------------------------------------
# Values


class ExportRow:
    """An instrument as the spreadsheet exports need it, loaded with a few plain SQL queries (fast for 20,000 rows).
    Has the instrument's column attributes plus the codes and names of its relations."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.region_codes: list[str] = []
        self.municipality_names: list[str] = []
        self.term_codes: dict[str, list[str]] = {}


_ROW_COLUMNS = ("id", "slug", "external_id", "name", "reach", "summary", "description", "conditions", "how_to_apply",
                "duration_max", "duration_unit", "amount_type", "amount_value", "amount_max_per_year",
                "amount_max_total", "amount_note", "applicant", "decision_period_weeks", "payment_moments",
                "requires_doelgroepverklaring", "requires_doelgroepregister", "legal_basis", "funding_source",
                "temporary", "leerwerktraject", "valid_from", "valid_until", "contacts", "links", "source_url",
                "last_checked", "regulation_title", "regulation_url", "translations", "status", "publish_from",
                "publish_to", "internal_notes", "example", "provider_id")


_JSON_COLUMNS = ("contacts", "links", "translations")
_EMPTY_JSON = {"[]": list, "{}": dict, "null": lambda: None}


def _conditions(session: Session, spec: "ExportSpec", today: date) -> list:
    return base_conditions(session, spec.query, today, public=not spec.include_drafts) + \
        facet_conditions(spec.query, today)


def load_rows(session: Session, spec: "ExportSpec", today: date | None = None) -> list[ExportRow]:
    """The instruments of the export as ExportRow, in the same order as `select_instruments`."""
    from sqlalchemy import case

    from .models import instrument_municipality, instrument_region, instrument_term

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
    return rows




def provider_reference(provider: Provider) -> str:
    """How the provider column names a provider: the gemeente name, the region code for its WSP, else the name."""
    if provider.type == "gemeente" and provider.municipality is not None:
        return provider.municipality.name
    if provider.type == "regio" and provider.region is not None:
        return f"regio {provider.region.code}"
    return provider.name


def _lines(items: list[dict], keys: Sequence[str]) -> str | None:
    out = []
    for item in items or []:
        parts = [str(item.get(k) or "") for k in keys]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        out.append(FIELD_SEPARATOR.join(parts))
    return "\n".join(out) or None


CONTACT_KEYS = ("name", "phone", "email", "website")
LINK_KEYS = ("title", "url")


def provider_reference_of(row) -> str:
    if isinstance(row, Instrument):
        return provider_reference(row.provider)
    if row.provider_type == "gemeente" and row.provider_municipality:
        return row.provider_municipality
    if row.provider_type == "regio" and row.provider_region:
        return f"regio {row.provider_region}"
    return row.provider_name


def record(item, cols: Sequence[Column], notes_allowed: bool = True) -> dict:
    """One instrument (an Instrument or an ExportRow) as {column key: value} in the column model (Python values: str,
    int, Decimal, date, bool, list of codes or names)."""
    orm = isinstance(item, Instrument)
    out: dict = {}
    for col in cols:
        key = col.key
        if col.type == "kind":
            value = item.kind.code if orm else item.kind_code
        elif col.type == "provider":
            value = provider_reference_of(item)
        elif col.type == "regions":
            value = [r.code for r in item.regions] if orm else item.region_codes
        elif col.type == "municipalities":
            value = [m.name for m in item.municipalities] if orm else item.municipality_names
        elif col.type == "codes":
            taxonomy = TERM_COLUMNS[key]
            value = [t.code for t in item.terms_of(taxonomy)] if orm else item.term_codes.get(taxonomy, [])
        elif col.type == "contacts":
            value = _lines(item.contacts, CONTACT_KEYS)
        elif col.type == "links":
            value = _lines(item.links, LINK_KEYS)
        elif col.type == "translation":
            value = ((item.translations or {}).get("en") or {}).get(key[:-3])
        elif key == "internal_notes":
            value = item.internal_notes if notes_allowed else None
        else:
            value = getattr(item, key)
        out[key] = value
    return out


def _escape(text: str) -> str:
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def cell_text(col: Column, value) -> str:
    """A value as CSV text (and as the text of an XLSX cell that is not a number or date)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return _escape(str(value))


# ---------------------------------------------------------------------------------------------------------------------
# CSV


ProgressCallback = Callable[[int], None]


def _notes_allowed(spec: ExportSpec, instrument) -> bool:
    return spec.internal and (spec.internal_provider_ids is None or instrument.provider_id in spec.internal_provider_ids)


def write_csv(instruments: Iterable, out: io.TextIOBase, spec: ExportSpec,
              progress: ProgressCallback | None = None) -> int:
    """UTF-8 CSV with a header row (write the BOM yourself when the reader is Excel: `to_bytes` does)."""
    cols = columns(spec.internal)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in cols])
    n = 0
    for instrument in instruments:
        rec = record(instrument, cols, _notes_allowed(spec, instrument))
        writer.writerow([cell_text(c, rec[c.key]) for c in cols])
        n += 1
        if progress:
            progress(1)
    return n


def template_csv() -> bytes:
    """The import template: the header row of the import columns (publication fields included, notes too)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.label for c in columns(internal=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------------
# XLSX (openpyxl, write-only: streamed, little memory)


_NATIVE = ("int", "decimal", "date")  # written as numbers and dates


def _xlsx_value(col: Column, value):
    if value is None or value is False:
        return None  # an empty ja/nee cell is "nee" (and the import reads it so): fewer cells, faster files
    if col.type in ("int", "decimal") and not isinstance(value, bool):
        return value
    if col.type == "date":
        return value  # a real date; openpyxl gives it a yyyy-mm-dd format
    text = cell_text(col, value)
    return _ILLEGAL_XML.sub("", text) if _ILLEGAL_XML.search(text) else text


def _xlsx_getter(col: Column) -> Callable[[ExportRow], object]:
    """A fast ExportRow -> XLSX cell value function for one column (20,000 rows × 50 columns add up)."""
    key = col.key

    def text(value):
        if value is None or value is False:
            return None
        if value is True:
            return "ja"
        value = str(value)
        if value[:1] in FORMULA_START:
            value = "'" + value
        return _ILLEGAL_XML.sub("", value) if _ILLEGAL_XML.search(value) else value

    if col.type in _NATIVE:
        return lambda row: getattr(row, key)
    if col.type == "bool":
        return lambda row: "ja" if getattr(row, key) else None
    if col.type == "kind":
        return lambda row: row.kind_code
    if col.type == "provider":
        return lambda row: text(provider_reference_of(row))
    if col.type == "regions":
        return lambda row: LIST_SEPARATOR.join(row.region_codes) or None
    if col.type == "municipalities":
        return lambda row: text(LIST_SEPARATOR.join(row.municipality_names) or None)
    if col.type == "codes":
        taxonomy = TERM_COLUMNS[key]
        return lambda row: LIST_SEPARATOR.join(row.term_codes.get(taxonomy, ())) or None
    if col.type in ("contacts", "links", "translation"):
        return lambda row: text(record(row, (col,))[key])
    return lambda row: text(getattr(row, key))


def write_xlsx(instruments: Sequence, out, spec: ExportSpec,
               progress: ProgressCallback | None = None) -> int:
    """One sheet per provider type, frozen header row, autofilter, column widths, clickable links."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = columns(spec.internal)
    link_cols = {i for i, c in enumerate(cols) if c.key in ("source_url", "regulation_url")}
    groups: OrderedDict[str, list] = OrderedDict()
    for instrument in instruments:
        ptype = instrument.provider.type if isinstance(instrument, Instrument) else instrument.provider_type
        groups.setdefault(ptype, []).append(instrument)
    if not groups:
        groups["gemeente"] = []
    getters = [_xlsx_getter(c) for c in cols]
    notes_index = next((i for i, c in enumerate(cols) if c.key == "internal_notes"), None)
    wb = Workbook(write_only=True)
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(vertical="top", wrap_text=True)
    last = get_column_letter(len(cols))
    n = 0
    for ptype in sorted(groups, key=lambda t: PROVIDER_TYPE_ORDER.index(t) if t in PROVIDER_TYPE_ORDER else 99):
        items = groups[ptype]
        ws = wb.create_sheet(SHEET_NAMES.get(ptype, ptype)[:31])
        for i, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = "C2"
        ws.auto_filter.ref = f"A1:{last}{len(items) + 1}"
        header = []
        for col in cols:
            cell = WriteOnlyCell(ws, value=col.label)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            header.append(cell)
        ws.append(header)
        for instrument in items:
            if isinstance(instrument, ExportRow):
                row = [get(instrument) for get in getters]
                if notes_index is not None and not _notes_allowed(spec, instrument):
                    row[notes_index] = None
            else:
                rec = record(instrument, cols, _notes_allowed(spec, instrument))
                row = [None if (v := rec[c.key]) is None or v is False else
                       (v if c.type in _NATIVE else _xlsx_value(c, v)) for c in cols]
            for i in link_cols:
                url = row[i]
                if url and url.startswith(("http://", "https://")):
                    cell = WriteOnlyCell(ws, value=url)
                    cell.hyperlink = url
                    cell.font = link_font
                    row[i] = cell
            ws.append(row)
            n += 1
            if progress:
                progress(1)
    wb.save(out)
    return n


def template_xlsx(session: Session) -> bytes:
    """The import template: an empty sheet with the header row, and a sheet explaining every column and its values."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = columns(internal=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Instrumenten")
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for col in cols:
        cell = WriteOnlyCell(ws, value=col.label)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    doc = wb.create_sheet("Toelichting")
    for letter, width in zip("ABCDE", (26, 10, 60, 60, 30)):
        doc.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(*values, font=None):
        cells = []
        for value in values:
            cell = WriteOnlyCell(doc, value=value)
            cell.alignment = wrap
            if font:
                cell.font = font
            cells.append(cell)
        doc.append(cells)

    for text in IMPORT_INSTRUCTIONS:
        line(text)
    line()
    line("Kolom", "Verplicht", "Betekenis", "Toegestane waarden", "Ook herkend als kolomnaam", font=bold)
    allowed = allowed_values(session)
    for col in cols:
        line(col.label, "ja" if col.required else "", col.help, allowed.get(col.key, ", ".join(col.choices)),
             ", ".join(col.aliases))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


IMPORT_INSTRUCTIONS = (
    "Importsjabloon van de Open instrumentengids",
    "Eén rij per instrument, in het blad 'Instrumenten' (of in meerdere bladen met dezelfde kolommen, zoals in een "
    "export). Kolommen die ontbreken blijven bij een bestaand instrument ongewijzigd.",
    "Een rij hoort bij een bestaand instrument als het Extern ID overeenkomt, anders de slug, anders aanbieder + naam.",
    "Geen formules, geen samengevoegde cellen; datums als JJJJ-MM-DD; lijsten gescheiden door ';'; ja/nee voor ja-nee-"
    "velden. Hoogstens 5.000 rijen en 5 MB. CSV mag ook (UTF-8 of Windows-1252, gescheiden door ',' of ';').",
    "Eerst ziet u per rij wat er gebeurt (nieuw, bijwerken, ongewijzigd, fout); pas na bevestigen wordt alles in één "
    "keer opgeslagen. Bij één fout wordt niets opgeslagen.",
)


def allowed_values(session: Session) -> dict[str, str]:
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    out = {"kind": ", ".join(f"{k.code} ({k.name})" for k in kinds)}
    terms = session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)).all()
    for key, taxonomy in TERM_COLUMNS.items():
        out[key] = ", ".join(f"{t.code} ({t.name})" for t in terms if t.taxonomy == taxonomy)
    national = session.scalars(select(Provider.name).where(Provider.type.in_(("uwv", "belastingdienst", "landelijk")))
                               .order_by(Provider.name)).all()
    out["provider"] = "een gemeentenaam of GM-code; 'regio AMxx'; " + ", ".join(national)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# JSON: the read API's output schema, plus every structured parameter and its readable text


def json_document(instruments: Sequence[Instrument], spec: ExportSpec, progress: ProgressCallback | None = None) -> dict:
    from .schemas import InstrumentDetailOutSchema

    schema = InstrumentDetailOutSchema()
    items = []
    for instrument in instruments:
        item = schema.dump(instrument)
        item["provider_reference"] = provider_reference(instrument.provider)
        params = {key: _json_value(getattr(instrument, key)) for key in STRUCTURED_PARAMETERS}
        params["texts"] = {
            "duration": duration_text(instrument.duration_max, instrument.duration_unit, spec.language) or None,
            "amount": amount_text(instrument, spec.language) or None,
            "decision_period": decision_period_text(instrument.decision_period_weeks, spec.language) or None,
            "applicant": applicant_text(instrument.applicant, spec.language) or None,
        }
        item["parameters"] = params
        if spec.internal:
            item["status"] = instrument.status
            item["publish_from"] = _json_value(instrument.publish_from)
            item["publish_to"] = _json_value(instrument.publish_to)
            item["internal_notes"] = instrument.internal_notes if _notes_allowed(spec, instrument) else None
        items.append(item)
        if progress:
            progress(1)
    doc = {
        "title": spec.title,
        "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "region": spec.region.code if spec.region is not None else None,
        "municipality": spec.municipality.code if spec.municipality is not None else None,
        "count": len(items),
        "columns": [{"key": c.key, "label": c.label} for c in columns(spec.internal)],
        "instruments": items,
    }
    return doc


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def write_json(instruments: Sequence[Instrument], out: io.TextIOBase, spec: ExportSpec,
               progress: ProgressCallback | None = None) -> int:
    doc = json_document(instruments, spec, progress)
    json.dump(doc, out, ensure_ascii=False, indent=1)
    return doc["count"]


# ---------------------------------------------------------------------------------------------------------------------
# PDF (WeasyPrint, from Jinja templates under templates/exports/)


A4_MAX_FONT, A4_MIN_FONT = 8.0, 4.5
SUMMARY_LIMIT = 150
COMPACT_FROM = 400


def _jinja_env(language: str):
    from babel.support import Translations
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    translations = Translations.load(str(Path(__file__).parent / "translations"), [language])
    env.install_gettext_translations(translations, newstyle=True)
    env.filters["amount"] = lambda i: amount_text(i, language)
    env.filters["duration"] = lambda i: duration_text(i.duration_max, i.duration_unit, language)
    env.filters["decision_period"] = lambda w: decision_period_text(w, language)
    env.filters["applicant"] = lambda a: applicant_text(a, language)
    return env


def _localized(obj, attr: str, language: str):
    if language == "en":
        value = getattr(obj, f"{attr}_en", None)
        if value:
            return value
    return getattr(obj, attr)


def _instrument_name(instrument: Instrument, language: str) -> str:
    if language == "en":
        return ((instrument.translations or {}).get("en") or {}).get("name") or instrument.name
    return instrument.name


@dataclass
class TargetGroupSection:
    code: str
    name: str
    instruments: list[Instrument]


def target_group_sections(session: Session, instruments: Sequence[Instrument], language: str = "nl") \
        -> list[TargetGroupSection]:
    """Instruments per target group (taxonomy order); instruments without a target group first, as 'for everyone'."""
    terms = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == "target_group")
                            .order_by(TaxonomyTerm.sort_order)).all()
    general = TargetGroupSection("", "Voor alle werkzoekenden (geen specifieke doelgroep)" if language != "en"
                                 else "For everyone (no specific target group)", [])
    sections = OrderedDict((t.code, TargetGroupSection(t.code, _localized(t, "name", language), [])) for t in terms)
    for instrument in instruments:
        codes = [t.code for t in instrument.terms_of("target_group")]
        if not codes:
            general.instruments.append(instrument)
        for code in codes:
            if code in sections:
                sections[code].instruments.append(instrument)
    return [s for s in [general, *sections.values()] if s.instruments]


def _overview_rows(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, max_names: int):
    """Rows per kind with the offer of UWV, the gemeenten, the region (WSP) and others."""
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    municipality_count = len(spec.region.municipalities) if spec.region is not None and spec.municipality is None else 0
    rows = []
    for kind in kinds:
        items = [i for i in instruments if i.kind_id == kind.id]
        if not items:
            continue
        cells = {}
        for group, types in (("uwv", ("uwv",)), ("regio", ("regio",)), ("overig", ("belastingdienst", "landelijk"))):
            found = [i for i in items if i.provider.type in types]
            cells[group] = [_short(i, spec.language) for i in found[:max_names]]
            if len(found) > max_names:
                cells[group].append(f"+{len(found) - max_names}")
        gemeente_items = [i for i in items if i.provider.type == "gemeente"]
        names = sorted({i.provider.municipality.name for i in gemeente_items if i.provider.municipality})
        amounts = sorted({amount_text(i, spec.language) for i in gemeente_items} - {""})
        if municipality_count and len(names) == municipality_count and municipality_count > 1:
            label = (f"alle {len(names)} gemeenten" if spec.language != "en" else f"all {len(names)} municipalities")
            cells["gemeente"] = [label]
        else:
            cells["gemeente"] = names[:max_names] + ([f"+{len(names) - max_names}"] if len(names) > max_names else [])
        if amounts and gemeente_items:
            cells["gemeente_amount"] = amounts[0] if len(amounts) == 1 else (
                f"{len(amounts)} verschillende bedragen" if spec.language != "en" else f"{len(amounts)} different amounts")
        else:
            cells["gemeente_amount"] = ""
        rows.append({"kind": _localized(kind, "name", spec.language), "count": len(items), "cells": cells})
    return rows


def _short(instrument: Instrument, language: str) -> str:
    name = _instrument_name(instrument, language)
    name = name if len(name) <= 48 else name[:46] + "…"
    amount = amount_text(instrument, language)
    duration = duration_text(instrument.duration_max, instrument.duration_unit, language)
    extra = ", ".join(p for p in (amount if len(amount) <= 40 else "", duration) if p)
    return f"{name} ({extra})" if extra else name


def _context(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, today: date) -> dict:
    counts: OrderedDict[str, int] = OrderedDict((t, 0) for t in PROVIDER_TYPE_ORDER)
    for i in instruments:
        counts[i.provider.type] = counts.get(i.provider.type, 0) + 1
    return {"spec": spec, "region": spec.region, "municipality": spec.municipality, "title": spec.title,
            "today": today, "total": len(instruments), "counts": counts, "language": spec.language,
            "name_of": lambda i: _instrument_name(i, spec.language),
            "summary_of": lambda i: ((i.translations or {}).get("en") or {}).get("summary") or i.summary
            if spec.language == "en" else i.summary}


def render_arrangementenkaart(session: Session, instruments: Sequence[Instrument], spec: ExportSpec,
                              today: date | None = None) -> str:
    today = today or date.today()
    env = _jinja_env(spec.language)
    ctx = _context(session, instruments, spec, today)
    ctx["sections"] = target_group_sections(session, instruments, spec.language)
    # Summaries only while the document stays small: layout time grows with every line of text.
    entries = sum(len(s.instruments) for s in ctx["sections"])
    ctx["with_summary"] = entries <= SUMMARY_LIMIT
    ctx["compact"] = entries > COMPACT_FROM  # one line per instrument: large regions stay fast and readable
    return env.get_template("exports/arrangementenkaart.html").render(**ctx)


def render_overview_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, font_size: float,
                       max_names: int, today: date | None = None) -> str:
    today = today or date.today()
    env = _jinja_env(spec.language)
    ctx = _context(session, instruments, spec, today)
    ctx["rows"] = _overview_rows(session, instruments, spec, max_names)
    ctx["font_size"] = font_size
    return env.get_template("exports/overzicht_a4.html").render(**ctx)


A4_COLUMNS = {"kind": 0.15, "uwv": 0.24, "gemeente": 0.24, "regio": 0.17, "overig": 0.20}  # as in overzicht_a4.html
A4_WIDTH_PT, A4_HEIGHT_PT = 796.0, 520.0  # landscape A4 inside the margins, less the title lines


def _estimated_height(rows: list[dict], font: float) -> float:
    """Roughly how tall the overview table is at this font size (points); average glyph width ~0.52 em."""
    line = font * 1.2
    height = 0.0
    for row in rows:
        lines = []
        for key, share in A4_COLUMNS.items():
            per_line = max(8, int(A4_WIDTH_PT * share / (font * 0.52)) - 1)
            if key == "kind":
                entries = [f"{row['kind']} ({row['count']})"]
            elif key == "gemeente":
                entries = [", ".join(row["cells"]["gemeente"])] + ([row["cells"]["gemeente_amount"]]
                                                                   if row["cells"]["gemeente_amount"] else [])
            else:
                entries = row["cells"][key] or ["–"]
            lines.append(sum(-(-len(e) // per_line) for e in entries))
        height += max(lines) * line + 3.0  # cell padding and border
    return height + 2.5 * font * 1.2  # table header


def _fit_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec) -> tuple[float, int]:
    """The largest font and number of names per cell that should fit one page (checked afterwards by rendering)."""
    for max_names in (4, 3, 2, 1):
        rows = _overview_rows(session, instruments, spec, max_names)
        font = A4_MAX_FONT
        while font >= (6.0 if max_names > 1 else A4_MIN_FONT):
            if _estimated_height(rows, font) <= A4_HEIGHT_PT:
                return font, max_names
            font = round(font - 0.25, 2)
    return A4_MIN_FONT, 1


def write_pdf(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, out, a4: bool = False,
              today: date | None = None) -> int:
    """The arrangementenkaart, or with `a4` the one-page A4 overview (font and detail shrink until it fits one page)."""
    from weasyprint import HTML

    base_url = str(ROOT / "templates" / "exports")
    if not a4:
        HTML(string=render_arrangementenkaart(session, instruments, spec, today), base_url=base_url).write_pdf(out)
        return len(instruments)
    font, max_names = _fit_a4(session, instruments, spec)
    document = None
    for _attempt in range(6):
        html = render_overview_a4(session, instruments, spec, round(font, 2), max_names, today)
        document = HTML(string=html, base_url=base_url).render()
        if len(document.pages) == 1:
            break
        font = max(A4_MIN_FONT, font * 0.85)
        max_names = max(1, max_names - 1)
    document.copy(document.pages[:1]).write_pdf(out)  # the overview is one page, whatever happens
    return len(instruments)


# ---------------------------------------------------------------------------------------------------------------------
# One entry point for the web and the command line


def export(session: Session, spec: ExportSpec, fmt: str, out, a4: bool = False,
           progress: ProgressCallback | None = None, instruments: Sequence[Instrument] | None = None) -> int:
    """Writes the export in `fmt` to `out` (a binary file object). Returns the number of instruments."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if instruments is None:
        instruments = items_for(session, spec, fmt)
    if fmt == "xlsx":
        return write_xlsx(instruments, out, spec, progress)
    if fmt == "pdf":
        n = write_pdf(session, instruments, spec, out, a4=a4)
        if progress:
            progress(n)
        return n
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        if fmt == "csv":
            text.write("\ufeff")  # so Excel reads UTF-8
            return write_csv(instruments, text, spec, progress)
        return write_json(instruments, text, spec, progress)
    finally:
        text.flush()
        text.detach()


def items_for(session: Session, spec: ExportSpec, fmt: str) -> list:
    """What `export` writes: light rows for the spreadsheets (CSV, XLSX), full instruments for JSON and PDF."""
    return load_rows(session, spec) if fmt in ("csv", "xlsx") else select_instruments(session, spec)


def to_bytes(session: Session, spec: ExportSpec, fmt: str, a4: bool = False, **kwargs) -> bytes:
    buffer = io.BytesIO()
    export(session, spec, fmt, buffer, a4=a4, **kwargs)
    return buffer.getvalue()


def filename(spec: ExportSpec, fmt: str, a4: bool = False) -> str:
    suffix = "-overzicht-a4" if a4 and fmt == "pdf" else ("-arrangementenkaart" if fmt == "pdf" else "")
    return f"{spec.basename}{suffix}.{fmt}"
