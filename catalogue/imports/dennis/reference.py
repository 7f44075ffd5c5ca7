"""Our reference data as the Dennis import needs it: gemeenten by CBS code or name, regions by AM code or name, the
providers of gemeenten, regions and national bodies, taxonomy terms by Dennis code, code or name, kinds and the words that
name them (seed_data/dennis.yaml). No Flask."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...config import SEED_DIR
from ...models import InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from ..header import norm


def load_rules(seed_dir: Path = SEED_DIR) -> dict:
    with (seed_dir / "dennis.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def text_of(value) -> str | None:
    """A string from a Dennis value (numbers as text), stripped; None when empty or not text."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() or None if isinstance(value, str) else None


def words_of(text: str) -> str:
    return f" {norm(text)} "


def has_words(haystack: str, needle: str) -> bool:
    return f" {norm(needle)} " in haystack


def _municipality_code(code) -> str | None:
    text = text_of(code)
    if text is None:
        return None
    text = text.upper()
    if re.fullmatch(r"\d{1,4}", text):
        return f"GM{int(text):04d}"
    return text


class Reference:
    """Looks up what Dennis names (townships, regions, parties, coded terms) among ours."""

    def __init__(self, session: Session, default_kind: str | None = None, source_url: str | None = None,
                 rules: dict | None = None):
        rules = rules if rules is not None else load_rules()
        self.default_kind = default_kind
        self.source_url = source_url  # a template with {uuid} and {slug}, e.g. the Dennis page of the instrument
        self.kinds = {k.code for k in session.scalars(select(InstrumentKind))}
        if default_kind is not None and default_kind not in self.kinds:
            raise ValueError(f"onbekende soort '{default_kind}'")
        self.kind_keywords = [(code, words) for code, words in (rules.get("kind_keywords") or {}).items()
                              if code in self.kinds]
        self.target_group_keywords = list((rules.get("target_group_keywords") or {}).items())
        self.municipalities: dict[str, Municipality] = {}
        self.municipality_names: dict[str, Municipality | None] = {}  # None: the name is ambiguous
        for m in session.scalars(select(Municipality).options(selectinload(Municipality.region))):
            self.municipalities[m.code] = m
            key = norm(m.name)
            self.municipality_names[key] = None if key in self.municipality_names else m
        self.regions = {}
        self.region_names = {}
        for r in session.scalars(select(Region)):
            self.regions[r.code] = r
            self.region_names[norm(r.name)] = r
        self.region_municipalities: dict[int, list[str]] = {}
        for m in self.municipalities.values():
            self.region_municipalities.setdefault(m.region_id, []).append(m.code)
        self.by_municipality: dict[int, Provider] = {}
        self.by_region: dict[int, Provider] = {}
        self.national: dict[str, Provider] = {}
        providers = list(session.scalars(select(Provider)))
        for p in providers:
            if p.type == "gemeente" and p.municipality_id:
                self.by_municipality[p.municipality_id] = p
            elif p.type == "regio" and p.region_id:
                self.by_region[p.region_id] = p
            elif p.is_national:
                for name in (p.slug, p.name):
                    self.national.setdefault(norm(name), p)
        by_slug = {p.slug: p for p in providers}
        for slug, names in (rules.get("national_provider_names") or {}).items():
            if slug in by_slug:
                for name in names:
                    self.national.setdefault(norm(name), by_slug[slug])
        self.terms: dict[str, dict[str, str]] = {}  # taxonomy -> {DD/LG/DV/DW code, our code, name: our code}
        for t in session.scalars(select(TaxonomyTerm)):
            index = self.terms.setdefault(t.taxonomy, {})
            for name in (t.external_code, t.code, t.name, t.name_en):
                if name:
                    index.setdefault(norm(name), t.code)

    # -- lookups ------------------------------------------------------------------------------------------------------

    def municipality(self, township) -> tuple[Municipality | None, str | None]:
        """A Dennis township ({code, name}) -> our gemeente, or the reason why not."""
        if not isinstance(township, dict):
            return None, "geen gemeente opgegeven"
        code, name = _municipality_code(township.get("code")), text_of(township.get("name"))
        if code and code in self.municipalities:
            return self.municipalities[code], None
        if name:
            key = norm(re.sub(r"^gemeente\s+", "", name, flags=re.I))
            if key in self.municipality_names:
                found = self.municipality_names[key]
                if found is None:
                    return None, f"gemeentenaam '{name}' is niet eenduidig en de CBS-code ontbreekt"
                return found, None
        return None, f"onbekende gemeente '{name or '?'}'" + (f" (code {code})" if code else "")

    def region(self, region) -> tuple[Region | None, str | None]:
        if not isinstance(region, dict):
            return None, "geen arbeidsmarktregio opgegeven"
        code, name = (text_of(region.get("code")) or "").upper(), text_of(region.get("name"))
        if code in self.regions:
            return self.regions[code], None
        if name and norm(name) in self.region_names:
            return self.region_names[norm(name)], None
        return None, f"onbekende arbeidsmarktregio '{name or '?'}'" + (f" (code {code})" if code else "")

    def term(self, taxonomy: str, *names) -> str | None:
        index = self.terms.get(taxonomy, {})
        for name in names:
            text = text_of(name)
            if text and norm(text) in index:
                return index[norm(text)]
        return None

    def target_group_by_words(self, text: str) -> str | None:
        haystack = words_of(text)
        for code, words in self.target_group_keywords:
            if any(has_words(haystack, w) for w in words) and self.term("target_group", code):
                return code
        return None

