"""Loads the seed data (real regions and gemeenten, taxonomies, national and regional instruments). No Flask.

Idempotent: reference data (regions, gemeenten, taxonomies, providers) is upserted; instruments and region contact details
are created when missing and only overwritten with `refresh=True`, so edits made in the application are never lost.
All of it happens in one transaction: a single bad record aborts the seed and nothing is written.
"""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import SEED_DIR
from .contact_check import contact_problems
from .models import (
    Instrument,
    ParameterValue,
    InstrumentKind,
    InstrumentVersion,
    Municipality,
    Provider,
    Region,
    TaxonomyTerm,
)
from .schemas import InstrumentInputSchema
from .slugs import slugify

log = logging.getLogger(__name__)

# seed-file key -> taxonomy name in taxonomy_term
TAXONOMY_KEYS = {
    "target_groups": "target_group",
    "schemes": "scheme",
    "age_groups": "age_group",
    "sectors": "sector",
    "employment_types": "employment_type",
    "journey_phases": "journey_phase",
    "provider_types": "provider_type",
    "reach": "reach",
}
# the instrument's term fields (input schema) in the order they are shown
TERM_FIELDS = ("target_groups", "schemes", "age_groups", "sectors", "employment_types", "journey_phases")
CBS_VALID_FROM = date(2025, 1, 1)


class SeedError(Exception):
    pass


@dataclass
class SeedReport:
    regions: int = 0
    municipalities: int = 0
    kinds: int = 0
    terms: int = 0
    providers: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.regions} arbeidsmarktregio's, {self.municipalities} gemeenten, {self.kinds} soorten, "
                f"{self.terms} termen, {self.providers} aanbieders; instrumenten in de brongegevens (concepten en "
                f"beëindigde regelingen meegeteld): {len(self.created)} nieuw, "
                f"{len(self.updated)} bijgewerkt, {len(self.unchanged)} ongewijzigd")


def _read_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise SeedError(f"{path.name}: geen geldige YAML: {exc}") from exc


def seed(session: Session, seed_dir: Path = SEED_DIR, refresh: bool = False) -> SeedReport:
    report = SeedReport()
    _seed_taxonomies(session, _read_yaml(seed_dir / "taxonomies.yaml"), report)
    _seed_geography(session, seed_dir, report)
    session.flush()
    _seed_area_providers(session, report)

    national_files = sorted((seed_dir / "national").glob("*.yaml"))
    region_files = sorted((seed_dir / "regions").glob("*.yaml"))
    documents = [(p, _read_yaml(p)) for p in national_files + region_files]
    for path, doc in documents:
        _check_contacts(path, doc)
    for path, doc in documents:
        for provider in doc.get("providers", []):
            _upsert_national_provider(session, provider, path, report)
    for path, doc in documents:
        if "region" in doc:
            _seed_region_details(session, doc, path, refresh)
    session.flush()

    loader = InstrumentLoader(session)
    seen: dict[str, Path] = {}
    for path, doc in documents:
        for record in doc.get("instruments", []):
            slug = record.get("slug")
            if slug in seen:
                raise SeedError(f"{path.name}: slug '{slug}' staat ook in {seen[slug].name}")
            seen[slug] = path
            outcome = loader.load(record, source=path.name, refresh=refresh)
            getattr(report, outcome).append(slug)
    session.flush()
    _record_versions(session, report.created + report.updated)
    return report


def _check_contacts(path: Path, doc: dict) -> None:
    """Refuses invented contact data: a missing fact stays empty (the page says "nog niet bekend")."""
    found = []
    if "werkgeversservicepunt" in doc:
        found += [("werkgeversservicepunt", p) for p in contact_problems(doc["werkgeversservicepunt"])]
    for provider in doc.get("providers", []):
        found += [(f"aanbieder '{provider.get('slug')}'", p) for p in contact_problems(provider)]
    for record in doc.get("instruments", []):
        for contact in record.get("contacts") or []:
            if isinstance(contact, dict):
                found += [(f"instrument '{record.get('slug')}', contact", p) for p in contact_problems(contact)]
    if found:
        where, problem = found[0]
        raise SeedError(f"{path.name}: {where}: {problem}; laat een onbekend gegeven leeg in plaats van het te verzinnen")


def _record_versions(session: Session, slugs: list[str]) -> None:
    """The seeded state of every created or refreshed instrument is its first version ("seed"), so the history of a
    later edit shows the real earlier values."""
    from .editing import record_version  # (editing builds on this module)

    if not slugs:
        return
    for instrument in session.scalars(select(Instrument).where(Instrument.slug.in_(slugs))):
        exists = session.scalar(select(InstrumentVersion.id).where(InstrumentVersion.instrument_id == instrument.id,
                                                                   InstrumentVersion.version == instrument.version))
        if exists is None:
            record_version(session, instrument, "seed")
    session.flush()


def _seed_taxonomies(session: Session, doc: dict, report: SeedReport) -> None:
    kinds = {k.code: k for k in session.scalars(select(InstrumentKind))}
    for order, item in enumerate(doc["kinds"]):
        kind = kinds.get(item["code"]) or InstrumentKind(code=item["code"])
        kind.name = item["name"]
        kind.name_en = item.get("name_en")
        kind.description = item.get("description")
        kind.description_en = item.get("description_en")
        kind.sort_order = order
        kind.comparable_parameters = item.get("comparable", [])
        kind.not_harmonisable_reason = item.get("not_harmonisable_reason")
        session.add(kind)
        kinds[kind.code] = kind
    for item in doc["kinds"]:
        other = item.get("not_harmonisable_with")
        if other and other not in kinds:
            raise SeedError(f"taxonomies.yaml: soort '{item['code']}' verwijst naar onbekende soort '{other}'")
        kinds[item["code"]].not_harmonisable_with = kinds[other] if other else None
    report.kinds = len(doc["kinds"])

    terms = {(t.taxonomy, t.code): t for t in session.scalars(select(TaxonomyTerm))}
    for key, taxonomy in TAXONOMY_KEYS.items():
        for order, item in enumerate(doc.get(key) or []):
            code = str(item["code"])
            term = terms.get((taxonomy, code)) or TaxonomyTerm(taxonomy=taxonomy, code=code)
            term.name = item["name"]
            term.name_en = item.get("name_en")
            term.description = item.get("description")
            term.external_code = item.get("dennis")
            term.sort_order = order
            term.extra = {k: v for k, v in item.items() if k not in {"code", "name", "name_en", "description", "dennis"}}
            session.add(term)
            report.terms += 1


def _seed_geography(session: Session, seed_dir: Path, report: SeedReport) -> None:
    regions = {r.code: r for r in session.scalars(select(Region))}
    with (seed_dir / "arbeidsmarktregios_2025.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            region = regions.get(row["region_code"]) or Region(code=row["region_code"], valid_from=CBS_VALID_FROM)
            region.name = row["region_name"]
            region.slug = slugify(row["region_name"])
            session.add(region)
            regions[region.code] = region
            report.regions += 1
    municipalities = {m.code: m for m in session.scalars(select(Municipality))}
    with (seed_dir / "gemeenten_2025.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["region_code"] not in regions:
                raise SeedError(f"gemeenten_2025.csv: {row['municipality_code']} verwijst naar onbekende regio {row['region_code']}")
            m = municipalities.get(row["municipality_code"]) or Municipality(
                code=row["municipality_code"], valid_from=CBS_VALID_FROM
            )
            m.name = row["municipality_name"]
            m.slug = slugify(row["municipality_name"])
            m.region = regions[row["region_code"]]
            session.add(m)
            report.municipalities += 1


def _seed_area_providers(session: Session, report: SeedReport) -> None:
    """Every gemeente and every region is a provider of its own instruments."""
    providers = {p.slug: p for p in session.scalars(select(Provider))}
    for m in session.scalars(select(Municipality)):
        slug = f"gemeente-{m.slug}"
        p = providers.get(slug) or Provider(slug=slug, type="gemeente")
        p.name, p.municipality, p.region = f"Gemeente {m.name}", m, m.region
        session.add(p)
        report.providers += 1
    for r in session.scalars(select(Region)):
        slug = f"regio-{r.slug}"
        p = providers.get(slug)
        if p is None:  # the name may since have been set from the region's WSP details
            p = Provider(slug=slug, type="regio", name=f"Werkgeversservicepunt {r.name}")
        p.region = r
        session.add(p)
        report.providers += 1


def _upsert_national_provider(session: Session, item: dict, path: Path, report: SeedReport) -> None:
    if item.get("type") not in ("uwv", "belastingdienst", "landelijk"):
        raise SeedError(f"{path.name}: aanbieder '{item.get('slug')}' heeft geen landelijk type (uwv, belastingdienst, landelijk)")
    p = session.scalar(select(Provider).where(Provider.slug == item["slug"])) or Provider(slug=item["slug"])
    p.name, p.type = item["name"], item["type"]
    p.website, p.phone, p.email = item.get("website"), item.get("phone"), item.get("email")
    session.add(p)
    report.providers += 1


def _seed_region_details(session: Session, doc: dict, path: Path, refresh: bool) -> None:
    region = session.scalar(select(Region).where(Region.code == doc["region"]))
    if region is None:
        raise SeedError(f"{path.name}: onbekende arbeidsmarktregio {doc['region']}")
    if region.wsp_name and not refresh:
        return
    wsp = doc.get("werkgeversservicepunt") or {}
    region.wsp_name, region.wsp_website = wsp.get("name"), wsp.get("website")
    region.wsp_phone, region.wsp_email = wsp.get("phone"), wsp.get("email")
    region.description = doc.get("description")
    region.partners = doc.get("partners") or []
    region.terminology = doc.get("terminology") or []
    region.source_url = doc.get("source_url")
    region.example = bool(doc.get("example", False))
    if doc.get("centrumgemeente"):
        centrum = session.scalar(select(Municipality).where(Municipality.code == doc["centrumgemeente"]))
        if centrum is None or centrum.region_id != region.id:
            raise SeedError(f"{path.name}: centrumgemeente {doc['centrumgemeente']} ligt niet in {region.code}")
        region.centrumgemeente = centrum
    provider = session.scalar(select(Provider).where(Provider.slug == f"regio-{region.slug}"))
    if provider is not None and wsp.get("name"):
        provider.name, provider.website = wsp["name"], wsp.get("website")
        provider.phone, provider.email = wsp.get("phone"), wsp.get("email")


class InstrumentLoader:
    """Validates instrument records and writes them. Shared by the seed and by spreadsheet imports."""

    def __init__(self, session: Session):
        self.session = session
        self.kinds = {k.code: k for k in session.scalars(select(InstrumentKind))}
        self.terms = {(t.taxonomy, t.code): t for t in session.scalars(select(TaxonomyTerm))}
        self.regions = {r.code: r for r in session.scalars(select(Region))}
        self.municipalities = {m.code: m for m in session.scalars(select(Municipality))}
        self.providers = {p.slug: p for p in session.scalars(select(Provider))}
        for m in self.municipalities.values():
            self.providers.setdefault(f"gemeente:{m.code}", self.providers.get(f"gemeente-{m.slug}"))
        for r in self.regions.values():
            self.providers.setdefault(f"regio:{r.code}", self.providers.get(f"regio-{r.slug}"))
        known = {
            "kind": set(self.kinds),
            "provider": {k for k, v in self.providers.items() if v is not None},
            "regions": set(self.regions),
            "municipalities": set(self.municipalities),
        }
        for key in TERM_FIELDS:
            known[key] = {code for (tax, code) in self.terms if tax == TAXONOMY_KEYS[key]}
        self.schema = InstrumentInputSchema(known=known)

    def validate(self, record: dict) -> dict:
        return self.schema.load(record)

    def load(self, record: dict, source: str = "", refresh: bool = False) -> str:
        """Returns 'created', 'updated' or 'unchanged'."""
        try:
            data = self.validate(record)
        except ValidationError as exc:
            raise SeedError(f"{source}: instrument '{record.get('slug')}': {exc.messages}") from exc
        instrument = self.session.scalar(select(Instrument).where(Instrument.slug == data["slug"]))
        if instrument is not None and not refresh:
            return "unchanged"
        outcome = "created" if instrument is None else "updated"
        instrument = instrument or Instrument(slug=data["slug"])
        self.apply(instrument, data)
        self.session.add(instrument)
        return outcome

    def apply(self, instrument: Instrument, data: dict) -> None:
        provider = self.providers[data["provider"]]
        instrument.provider = provider
        instrument.kind = self.kinds[data["kind"]]
        regions = [self.regions[c] for c in data.get("regions", [])]
        municipalities = [self.municipalities[c] for c in data.get("municipalities", [])]
        if data["reach"] == "regionaal" and not regions and provider.region is not None:
            regions = [provider.region]
        if data["reach"] == "lokaal" and not municipalities and provider.municipality is not None:
            municipalities = [provider.municipality]
        if data["reach"] == "regionaal" and not regions:
            raise SeedError(f"instrument '{data['slug']}': regionaal, maar zonder arbeidsmarktregio")
        if data["reach"] == "lokaal" and not municipalities:
            raise SeedError(f"instrument '{data['slug']}': lokaal, maar zonder gemeente")
        instrument.regions = regions
        instrument.municipalities = municipalities
        terms = []
        for key in TERM_FIELDS:
            terms += [self.terms[(TAXONOMY_KEYS[key], code)] for code in data.get(key, [])]
        instrument.terms = terms
        if "parameter_values" in data:
            instrument.parameter_values = [ParameterValue(**pv) for pv in data["parameter_values"]]
        skip = {"kind", "provider", "regions", "municipalities", *TERM_FIELDS, "parameter_values"}
        for key, value in data.items():
            if key not in skip:
                setattr(instrument, key, value)
