"""Resolving what people type (names and codes of kinds, terms, gemeenten, regions, providers) and turning a row's values
into an input-schema record."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..exports import COLUMNS_BY_KEY, TERM_COLUMNS
from ..models import InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from .header import norm
from .messages import RowReport


KEEP_WHEN_EMPTY = ("slug", "name", "kind", "provider", "reach", "summary", "status", "parameter_values")


class Resolver:
    """Maps what people type (names, codes, any case) onto the codes the input schema knows."""

    def __init__(self, session: Session):
        self.kinds: dict[str, str] = {}
        for k in session.scalars(select(InstrumentKind)):
            for name in (k.code, k.name, k.name_en):
                if name:
                    self.kinds.setdefault(norm(name), k.code)
        self.terms: dict[str, dict[str, str]] = {t: {} for t in TERM_COLUMNS.values()}
        for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(list(TERM_COLUMNS.values())))):
            for name in (t.code, t.name, t.name_en, t.external_code):
                if name:
                    self.terms[t.taxonomy].setdefault(norm(name), t.code)
        self.municipalities: dict[str, str] = {}
        ambiguous: set[str] = set()
        for m in session.scalars(select(Municipality)):
            self.municipalities[norm(m.code)] = m.code
            key = norm(m.name)
            if key in self.municipalities and self.municipalities[key] != m.code:
                ambiguous.add(key)
            self.municipalities.setdefault(key, m.code)
        self.ambiguous_municipalities = ambiguous
        self.regions: dict[str, str] = {}
        for r in session.scalars(select(Region)):
            for name in (r.code, r.name):
                self.regions.setdefault(norm(name), r.code)
        self.providers: dict[str, Provider] = {}
        for p in session.scalars(select(Provider).options(selectinload(Provider.municipality),
                                                           selectinload(Provider.region))):
            names = [p.slug, p.name]
            if p.type == "gemeente" and p.municipality is not None:
                names += [p.municipality.code, p.municipality.name, f"gemeente {p.municipality.name}",
                          f"gemeente:{p.municipality.code}"]
            if p.type == "regio" and p.region is not None:
                names += [f"regio {p.region.code}", f"regio:{p.region.code}", p.region.code,
                          f"regio {p.region.name}", f"werkgeversservicepunt {p.region.name}"]
            for name in names:
                self.providers.setdefault(norm(name), p)

    def provider(self, text: str, region: Region | None) -> Provider | None:
        key = norm(text)
        if key in ("regio", "wsp", "werkgeversservicepunt") and region is not None:
            key = norm(f"regio {region.code}")
        return self.providers.get(key)


def _resolved_codes(r, key: str, items: list[str], resolve) -> list[str]:
    """Codes for names or codes in a cell, unique and in order. `resolve(item)` gives (code or None, message if None)."""
    codes: list[str] = []
    for item in items:
        code, problem = resolve(item)
        if code is None:
            r.error(key, problem)
        elif code not in codes:
            codes.append(code)
    return codes

def row_record(resolver: Resolver, r: RowReport, values: dict, region: Region | None) -> tuple[dict, Provider | None]:
    """Column values -> an input-schema record (only the columns in the file), with names resolved to codes."""
    record: dict = {}
    provider = None
    translations: dict[str, str | None] = {}
    for key, value in values.items():
        col = COLUMNS_BY_KEY[key]
        if value is None and key in KEEP_WHEN_EMPTY:
            continue  # an empty cell cannot clear a required field: it keeps the current value (new rows: required)
        if col.type == "kind":
            if value is None:
                record["kind"] = None
                continue
            code = resolver.kinds.get(norm(value))
            if code is None:
                r.error(key, f"onbekende soort '{value}'")
                continue
            record["kind"] = code
        elif col.type == "provider":
            if value is None:
                continue
            provider = resolver.provider(value, region)
            if provider is None:
                r.error(key, f"onbekende aanbieder '{value}'; gebruik een gemeentenaam, 'regio' of een landelijke "
                             "aanbieder zoals UWV")
                continue
            record["provider"] = provider.slug
        elif col.type == "codes":
            terms = resolver.terms[TERM_COLUMNS[key]]
            record[key] = _resolved_codes(r, key, value, lambda item: (
                terms.get(norm(item)), f"onbekende {_TERM_WORDS[key]} '{item}'"))
        elif col.type == "municipalities":
            record[key] = _resolved_codes(r, key, value, lambda item: (
                (None, f"gemeentenaam '{item}' is niet eenduidig; gebruik de GM-code")
                if norm(item) in resolver.ambiguous_municipalities else
                (resolver.municipalities.get(norm(item)) or resolver.municipalities.get(
                    norm(re.sub(r"^gemeente\s+", "", item, flags=re.I))), f"onbekende gemeente '{item}'")))
        elif col.type == "regions":
            record[key] = _resolved_codes(r, key, value, lambda item: (
                resolver.regions.get(norm(item)), f"onbekende arbeidsmarktregio '{item}'"))
        elif col.type == "enum":
            if value is None:
                if key == "status":
                    continue  # keep the current status; new instruments start as concept
                record[key] = None
                continue
            choice = value.lower().strip()
            choice = {"gepubliceerd": "published", "concept": "draft"}.get(choice, choice)
            if choice not in col.choices:
                r.error(key, f"onbekende waarde '{value}'; kies uit: {', '.join(col.choices)}")
                continue
            record[key] = choice
        elif col.type == "translation":
            translations[key[:-3]] = value
        elif key == "slug":
            if value is not None:
                record["slug"] = value
        else:
            record[key] = value
    if translations:
        record["translations"] = translations  # merged with the current translations below
    return record, provider


_TERM_WORDS = {"target_groups": "doelgroep", "schemes": "uitkering of regeling", "age_groups": "leeftijdsgroep",
               "sectors": "sector", "employment_types": "soort dienstverband",
               "journey_phases": "fase werkgeversdienstverlening"}
