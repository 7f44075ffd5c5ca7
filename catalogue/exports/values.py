"""Values in the column model: one instrument as {column key: value}, and a value as the text of a cell."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Sequence

from ..models import Instrument, Provider
from .columns import CONTACT_KEYS, DATED_KEYS, FIELD_SEPARATOR, FORMULA_START, LINK_KEYS, LIST_SEPARATOR, TERM_COLUMNS, Column
from .selection import ExportSpec

ProgressCallback = Callable[[int], None]


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
        elif col.type == "dated":
            value = _lines([pv.to_record() for pv in item.parameter_values] if orm else item.parameter_values, DATED_KEYS)
        elif col.type == "translation":
            value = ((item.translations or {}).get("en") or {}).get(key[:-3])
        elif col.group != "public" and not notes_allowed:
            value = None  # publication fields and notes only of instruments the reader may see internally
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


def _notes_allowed(spec: ExportSpec, instrument) -> bool:
    """May this export show the instrument's internal fields (publication fields, notes)?"""
    return spec.internal and (spec.internal_provider_ids is None or instrument.provider_id in spec.internal_provider_ids)
