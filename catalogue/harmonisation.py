"""Harmonisation gaps between the gemeenten of an arbeidsmarktregio, computed from the structured parameters. No Flask.

Only public, current instruments count (published, inside the publication window, scheme neither ended nor upcoming).

The matrix of a region: one row per instrument kind, one column per gemeente of the region, plus the region (its WSP or
any other regional provider), UWV and the other national providers (Belastingdienst, RVO, SZW, ...). A cell says whether
the kind is available to an employer located in that gemeente, and with which key parameters.

- A gemeente *offers* a kind when a public, current instrument of that kind with reach ``lokaal`` is available in it
  (normally provided by the gemeente itself). Where a gemeente has several instruments of the same kind, its value for a
  parameter is the *set* of values of those instruments, so two gemeenten are equal on a parameter when their sets are equal.
- Instruments with reach ``regionaal`` count for the region column; they are available in every gemeente of the region.
- Kinds are compared on their ``comparable_parameters`` (``target_groups`` also compares the schemes/benefits).

Status per kind: ``geharmoniseerd`` (every gemeente has it, own offers have equal parameters), ``deels`` (every gemeente has
it but parameters differ), ``ontbreekt`` (some gemeenten lack it), ``regionaal`` (no gemeente offers it itself, the region
does, so it is the same everywhere), ``alleen_landelijk`` (only UWV or another national provider) and ``niet_aangeboden``.

Score (0-100). K = the kinds that at least one gemeente of the region offers itself; G = the gemeenten.
    coverage   = filled (gemeente, kind) cells / (|G| x |K|); a cell is filled when the gemeente offers the kind itself
                 or the region offers it
    uniformity = kinds in K whose own offers have equal comparable parameters in every gemeente that offers them / |K|
    score      = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))
A region where no gemeente offers anything itself has no score ("geen gegevens").

Arbeidsinspectie five-level status (survey question 40), the first that holds:
    1  all gemeenten, all their instruments: every kind in K is ``geharmoniseerd``
    2  some gemeenten (at least 2), all their instruments: at least two gemeenten have every kind in K (own or regional)
       with identical parameters for each kind
    3  all gemeenten, part of their instruments: at least one kind in K is ``geharmoniseerd``
    4  some gemeenten, part of their instruments: for at least one kind, at least two gemeenten offer it with identical
       parameters
    5  none
"""
from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session, selectinload

from .models import (
    NATIONAL_PROVIDER_TYPES,
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
from .parameters import amount_text, applicant_text, decision_period_text, duration_in_months, duration_text
from .queries import public_condition

STATUSES = ("geharmoniseerd", "deels", "ontbreekt", "regionaal", "alleen_landelijk", "niet_aangeboden")
UWV_RELATIONS = ("gelijk", "wijkt_af", "geen_uwv", "niet_harmoniseerbaar")
REGION_COLUMN, UWV_COLUMN, NATIONAL_COLUMN = "regio", "uwv", "landelijk"
# Parameters that can be compared; "target_groups" in a kind's comparable list brings "schemes" along.
PARAMETERS = ("duration", "amount", "target_groups", "schemes", "applicant", "decision_period", "payment_moments")
# The benefit decides the provider (Participatiewet -> gemeente, WW/WIA/Wajong -> UWV), so it always differs from UWV.
NOT_COMPARED_WITH_UWV = ("schemes",)

_L = {
    "nl": {
        "param": {"duration": "Duur", "amount": "Bedrag", "target_groups": "Doelgroep", "schemes": "Uitkering of regeling",
                  "applicant": "Wie vraagt aan", "decision_period": "Beslistermijn", "payment_moments": "Uitbetaling"},
        "status": {"geharmoniseerd": "Geharmoniseerd", "deels": "Deels geharmoniseerd: parameters verschillen",
                   "ontbreekt": "Ontbreekt in een of meer gemeenten", "regionaal": "Regionaal geregeld",
                   "alleen_landelijk": "Alleen landelijk of UWV", "niet_aangeboden": "Niet aangeboden"},
        "uwv": {"gelijk": "Gelijk aan UWV", "wijkt_af": "Wijkt af van UWV", "geen_uwv": "Geen UWV-tegenhanger",
                "niet_harmoniseerbaar": "Wettelijk niet te harmoniseren met UWV"},
        "level": {1: "Alle gemeenten, al hun instrumenten", 2: "Een deel van de gemeenten, al hun instrumenten",
                  3: "Alle gemeenten, een deel van hun instrumenten", 4: "Een deel van de gemeenten, een deel van hun instrumenten",
                  5: "Geen harmonisatie"},
        "none": {"duration": "geen maximale duur", "amount": "geen bedrag vastgelegd", "target_groups": "geen specifieke doelgroep",
                 "schemes": "elke uitkering of regeling", "applicant": "niet vastgelegd", "decision_period": "niet vastgelegd",
                 "payment_moments": "niet vastgelegd"},
        "phrase": {"duration": "duurt {the} {kind}", "amount": "is het bedrag", "target_groups": "is de doelgroep",
                   "schemes": "is de uitkering of regeling", "applicant": "vraagt aan:", "decision_period": "is de beslistermijn",
                   "payment_moments": "is de uitbetaling"},
        "differs": "In {n} van de {m} gemeenten {phrase} {value}, {others}{uwv}.",
        "in": "in {names} {value}",
        "uwv_part": "; UWV: {value}",
        "missing_one": "{names} biedt geen {kind} aan.",
        "missing_many": "{names} bieden geen {kind} aan.",
        "same": "Alle {m} gemeenten bieden {kind} aan met dezelfde voorwaarden.",
        "regional": "{kind} is regionaal geregeld ({providers}) en geldt in alle gemeenten.",
        "national": "Geen gemeente biedt zelf {kind} aan; werkgevers kunnen terecht bij {providers}.",
        "not_offered": "Niemand biedt {kind} aan in deze regio.",
        "and": "en",
    },
    "en": {
        "param": {"duration": "Duration", "amount": "Amount", "target_groups": "Target group", "schemes": "Benefit or scheme",
                  "applicant": "Who applies", "decision_period": "Decision period", "payment_moments": "Payment"},
        "status": {"geharmoniseerd": "Harmonised", "deels": "Partly harmonised: parameters differ",
                   "ontbreekt": "Missing in one or more municipalities", "regionaal": "Arranged regionally",
                   "alleen_landelijk": "National or UWV only", "niet_aangeboden": "Not offered"},
        "uwv": {"gelijk": "Same as UWV", "wijkt_af": "Differs from UWV", "geen_uwv": "No UWV counterpart",
                "niet_harmoniseerbaar": "Cannot be harmonised with UWV by law"},
        "level": {1: "All municipalities, all their instruments", 2: "Some municipalities, all their instruments",
                  3: "All municipalities, part of their instruments", 4: "Some municipalities, part of their instruments",
                  5: "No harmonisation"},
        "none": {"duration": "no maximum duration", "amount": "no amount set", "target_groups": "no specific target group",
                 "schemes": "any benefit or scheme", "applicant": "not set", "decision_period": "not set",
                 "payment_moments": "not set"},
        "phrase": {"duration": "the {kind} lasts", "amount": "the amount is", "target_groups": "the target group is",
                   "schemes": "the benefit or scheme is", "applicant": "the applicant is", "decision_period": "the decision period is",
                   "payment_moments": "payment is"},
        "differs": "In {n} of {m} municipalities {phrase} {value}, {others}{uwv}.",
        "in": "in {names} {value}",
        "uwv_part": "; UWV: {value}",
        "missing_one": "{names} does not offer {kind}.",
        "missing_many": "{names} do not offer {kind}.",
        "same": "All {m} municipalities offer {kind} on the same terms.",
        "regional": "{kind} is arranged regionally ({providers}) and applies in every municipality.",
        "national": "No municipality offers {kind} itself; employers can turn to {providers}.",
        "not_offered": "Nobody offers {kind} in this region.",
        "and": "and",
    },
}
STATUS_ICONS = {"geharmoniseerd": "✓", "deels": "≠", "ontbreekt": "✗", "regionaal": "◆", "alleen_landelijk": "○",
                "niet_aangeboden": "–"}
UWV_ICONS = {"gelijk": "=", "wijkt_af": "≠", "geen_uwv": "–", "niet_harmoniseerbaar": "§"}
_HET_WORDS = ("leerwerktraject", "loonkostenvoordeel", "advies")


def _lang(language: str) -> str:
    return language if language in _L else "nl"


def status_label(status: str, language: str = "nl") -> str:
    return _L[_lang(language)]["status"][status]


def uwv_relation_label(relation: str | None, language: str = "nl") -> str:
    return _L[_lang(language)]["uwv"][relation] if relation else ""


def level_label(level: int | None, language: str = "nl") -> str:
    return _L[_lang(language)]["level"][level] if level else ""


def parameter_label(param: str, language: str = "nl") -> str:
    return _L[_lang(language)]["param"][param]


def expand_parameters(comparable: Iterable[str]) -> list[str]:
    """The kind's comparable parameters in a fixed order; target_groups also compares the schemes."""
    wanted = set(comparable or ())
    if "target_groups" in wanted:
        wanted.add("schemes")
    return [p for p in PARAMETERS if p in wanted]


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def score_formula(coverage: float, uniformity: float) -> int:
    """The documented region score: round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))."""
    return round_half_up(100 * (0.5 * coverage + 0.5 * uniformity))


# ---------------------------------------------------------------------------------------------------------------------
# Loading: plain rows, no ORM objects (fast enough for the whole 20,000-instrument catalogue)


@dataclass(eq=False)
class Offer:
    """One public, current instrument, reduced to what harmonisation needs."""

    id: int
    slug: str
    name: str
    name_en: str | None
    kind: str
    provider_type: str
    provider_slug: str
    provider_name: str
    reach: str
    example: bool
    duration_max: int | None
    duration_unit: str | None
    amount_type: str | None
    amount_value: Decimal | None
    amount_max_per_year: Decimal | None
    amount_max_total: Decimal | None
    applicant: str | None
    decision_period_weeks: int | None
    payment_moments: str | None
    target_groups: tuple = ()
    schemes: tuple = ()
    municipality_ids: list = field(default_factory=list)
    region_ids: list = field(default_factory=list)
    _values: dict = field(default_factory=dict, repr=False)

    @property
    def is_national(self) -> bool:
        return self.provider_type in NATIONAL_PROVIDER_TYPES

    def value(self, param: str):
        """A hashable, normalised value for comparing (computed once per parameter)."""
        try:
            return self._values[param]
        except KeyError:
            value = self._values[param] = self._compute(param)
            return value

    def _compute(self, param: str):
        if param == "duration":
            months = duration_in_months(self.duration_max, self.duration_unit)
            return None if months is None else round(months, 2)
        if param == "amount":
            return (self.amount_type, _dec(self.amount_value), _dec(self.amount_max_per_year), _dec(self.amount_max_total))
        if param == "target_groups":
            return self.target_groups
        if param == "schemes":
            return self.schemes
        if param == "applicant":
            return self.applicant
        if param == "decision_period":
            return self.decision_period_weeks
        if param == "payment_moments":
            text = " ".join((self.payment_moments or "").lower().split()).rstrip(".")
            return text or None
        raise KeyError(param)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def current_condition(today: date):
    return and_(or_(Instrument.valid_until.is_(None), Instrument.valid_until >= today),
                or_(Instrument.valid_from.is_(None), Instrument.valid_from <= today))


_OFFER_COLUMNS = (
    Instrument.id, Instrument.slug, Instrument.name, Instrument.reach, Instrument.example, Instrument.duration_max,
    Instrument.duration_unit, Instrument.amount_type, Instrument.amount_value, Instrument.amount_max_per_year,
    Instrument.amount_max_total, Instrument.applicant, Instrument.decision_period_weeks, Instrument.payment_moments,
    InstrumentKind.code, Provider.type, Provider.slug, Provider.name,
)


def load_offers(session: Session, today: date, candidates=None, with_translations: bool = False) -> list[Offer]:
    """Public, current instruments, with their target groups, schemes and places.

    `candidates`: optionally a subquery of instrument ids to restrict to (see available_ids_subquery).
    """
    where = [public_condition(today), current_condition(today)]
    if candidates is not None:
        where.append(Instrument.id.in_(candidates))
    columns = _OFFER_COLUMNS + ((Instrument.translations,) if with_translations else ())
    stmt = select(*columns).join(InstrumentKind, InstrumentKind.id == Instrument.kind_id).join(
        Provider, Provider.id == Instrument.provider_id).where(*where)
    offers: dict[int, Offer] = {}
    for row in session.execute(stmt):
        name_en = None
        if with_translations and isinstance(row[18], dict):
            name_en = (row[18].get("en") or {}).get("name")
        offers[row[0]] = Offer(row[0], row[1], row[2], name_en, row[14], row[15], row[16], row[17], row[3], bool(row[4]),
                               row[5], row[6], row[7], row[8], row[9], row[10], row[11], row[12], row[13])
    if not offers:
        return []
    # Restrict the link tables with the candidate subquery when there is one; otherwise read them whole (national).
    if candidates is not None:
        term_filter = [instrument_term.c.instrument_id.in_(candidates)]
        municipality_filter = [instrument_municipality.c.instrument_id.in_(candidates)]
        region_filter = [instrument_region.c.instrument_id.in_(candidates)]
    else:
        term_filter = municipality_filter = region_filter = []
    groups: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"target_group": [], "scheme": []})
    term_rows = session.execute(
        select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
        .where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme")), *term_filter)
    )
    for iid, taxonomy, code in term_rows:
        if iid in offers:
            groups[iid][taxonomy].append(code)
    for iid, found in groups.items():
        offer = offers[iid]
        offer.target_groups = tuple(sorted(found["target_group"]))
        offer.schemes = tuple(sorted(found["scheme"]))
    for iid, mid in session.execute(select(instrument_municipality.c.instrument_id, instrument_municipality.c.municipality_id)
                                    .where(*municipality_filter)):
        if iid in offers:
            offers[iid].municipality_ids.append(mid)
    for iid, rid in session.execute(select(instrument_region.c.instrument_id, instrument_region.c.region_id)
                                    .where(*region_filter)):
        if iid in offers:
            offers[iid].region_ids.append(rid)
    return sorted(offers.values(), key=lambda o: (o.name.lower(), o.id))


def available_ids_subquery(municipality_ids: list[int], region_ids: list[int]):
    """Ids of instruments available to an employer in these gemeenten/regions (landelijk + regional + local), as a
    UNION over the indexed link tables: much faster than an OR over subqueries on a large catalogue. Visibility is
    checked by the caller."""
    return union(
        select(Instrument.id).where(Instrument.reach == "landelijk"),
        select(instrument_region.c.instrument_id).where(instrument_region.c.region_id.in_(region_ids or [-1])),
        select(instrument_municipality.c.instrument_id).where(
            instrument_municipality.c.municipality_id.in_(municipality_ids or [-1])),
    )


@dataclass
class KindInfo:
    code: str
    name: str
    name_en: str | None
    parameters: list[str]
    not_harmonisable_with: str | None
    not_harmonisable_reason: str | None

    def display(self, language: str) -> str:
        return (self.name_en or self.name) if _lang(language) == "en" else self.name


def load_kinds(session: Session) -> list[KindInfo]:
    rows = session.scalars(select(InstrumentKind).options(selectinload(InstrumentKind.not_harmonisable_with))
                           .order_by(InstrumentKind.sort_order))
    return [KindInfo(k.code, k.name, k.name_en, expand_parameters(k.comparable_parameters),
                     k.not_harmonisable_with.code if k.not_harmonisable_with else None, k.not_harmonisable_reason)
            for k in rows]


def load_term_names(session: Session) -> dict[tuple[str, str], tuple[str, str | None]]:
    rows = session.execute(select(TaxonomyTerm.taxonomy, TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.name_en)
                           .where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme"))))
    return {(t, c): (n, e) for t, c, n, e in rows}


def valid_municipalities(session: Session, today: date, region_ids: list[int] | None = None) -> list[Municipality]:
    stmt = select(Municipality).where(
        or_(Municipality.valid_until.is_(None), Municipality.valid_until >= today),
        or_(Municipality.valid_from.is_(None), Municipality.valid_from <= today),
    ).order_by(Municipality.name)
    if region_ids is not None:
        stmt = stmt.where(Municipality.region_id.in_(region_ids))
    return list(session.scalars(stmt))


# ---------------------------------------------------------------------------------------------------------------------
# Texts


_TEXT_MEMO: dict[str, dict] = {}


class Texts:
    """Human-readable parameter values in one language, memoised (amount formatting is not free)."""

    def __init__(self, language: str, term_names: dict):
        self.language = _lang(language)
        self.term_names = term_names
        self._memo: dict = _TEXT_MEMO.setdefault(self.language, {})
        if len(self._memo) > 20_000:  # parameter texts depend only on the value and the language; keep the cache bounded
            self._memo.clear()

    def term(self, taxonomy: str, code: str) -> str:
        name, name_en = self.term_names.get((taxonomy, code), (code, None))
        return (name_en or name) if self.language == "en" else name

    def value(self, offer: Offer, param: str) -> str:
        lang, none = self.language, _L[self.language]["none"][param]
        if param in ("target_groups", "schemes"):  # term names come from the database: not memoised across requests
            taxonomy = "target_group" if param == "target_groups" else "scheme"
            return ", ".join(self.term(taxonomy, c) for c in getattr(offer, param)) or none
        if param == "duration":
            key = (param, offer.duration_max, offer.duration_unit)
        elif param == "amount":
            key = (param, offer.amount_type, offer.amount_value, offer.amount_max_per_year, offer.amount_max_total)
        elif param == "applicant":
            key = (param, offer.applicant)
        elif param == "decision_period":
            key = (param, offer.decision_period_weeks)
        else:
            key = (param, offer.payment_moments)
        if key in self._memo:
            return self._memo[key]
        if param == "duration":
            text = duration_text(offer.duration_max, offer.duration_unit, lang)
        elif param == "amount":
            text = amount_text(offer, lang)
        elif param == "applicant":
            text = applicant_text(offer.applicant, lang)
        elif param == "decision_period":
            text = decision_period_text(offer.decision_period_weeks, lang)
        else:
            text = " ".join((offer.payment_moments or "").split())
        text = text or none
        self._memo[key] = text
        return text

    def values(self, offers: list[Offer], param: str) -> str:
        seen: list[str] = []
        for offer in offers:
            text = self.value(offer, param)
            if text not in seen:
                seen.append(text)
        return " / ".join(seen)

    def names(self, names: list[str]) -> str:
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} {_L[self.language]['and']} {names[-1]}"


def signature(offers: list[Offer], params: list[str]) -> tuple:
    """The comparable value of a set of offers: per parameter the set of values."""
    return tuple(frozenset(o.value(p) for o in offers) for p in params)


def _kind_lower(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


# ---------------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class Place:
    code: str
    name: str
    slug: str


@dataclass
class Cell:
    column: str  # a GM code, or "regio", "uwv", "landelijk"
    available: bool
    own: bool = False  # gemeente column: the gemeente offers it itself
    via_region: bool = False  # gemeente column: (also) available through the region
    instruments: list[dict] = field(default_factory=list)  # {slug, name, provider, example}
    params: dict[str, str] = field(default_factory=dict)
    differs: list[str] = field(default_factory=list)  # parameters on which this gemeente deviates from the reference
    uwv_relation: str | None = None


@dataclass
class Difference:
    kind: str
    parameter: str
    parameter_label: str
    municipality: str  # GM code
    municipality_name: str
    value: str
    reference: str  # the majority value (ties broken by the centrumgemeente, then by name)


@dataclass
class ValueGroup:
    value: str
    municipalities: list[str]  # GM codes
    names: list[str]


@dataclass
class ParameterSummary:
    parameter: str
    label: str
    uniform: bool
    tie: bool
    groups: list[ValueGroup]
    reference: str
    uwv: str | None
    uwv_differs: bool | None
    sentence: str | None


@dataclass
class KindRow:
    kind: str
    name: str
    status: str
    status_label: str
    icon: str
    offered_by: list[str]  # GM codes with an own offer
    missing: list[Place]
    cells: dict[str, Cell]
    parameters: list[ParameterSummary]
    differences: list[Difference]
    uwv_relation: str | None
    uwv_relation_label: str
    uwv_differences: list[dict]
    not_harmonisable_with: str | None
    not_harmonisable_reason: str | None
    sentences: list[str]
    in_score: bool


@dataclass
class RegionHarmonisation:
    region: Place
    municipalities: list[Place]
    columns: list[dict]  # {key, label}
    rows: list[KindRow]
    has_data: bool
    score: int | None
    coverage: float | None
    uniformity: float | None
    level: int | None
    level_label: str
    status_counts: dict[str, int]
    language: str

    @property
    def differences(self) -> list[Difference]:
        return [d for row in self.rows for d in row.differences]

    def row(self, kind: str) -> KindRow:
        return next(r for r in self.rows if r.kind == kind)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("language")
        data["rows"] = [{**r, "cells": list(r["cells"].values())} for r in data["rows"]]
        data["formula"] = "score = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))"
        return data


@dataclass
class RegionSummary:
    region: Place
    municipalities: int
    has_data: bool
    score: int | None
    coverage: float | None
    uniformity: float | None
    level: int | None
    level_label: str
    status_counts: dict[str, int]
    missing: dict[str, list[str]]  # kind -> GM codes lacking it
    differing: dict[str, list[str]]  # kind -> parameters that differ


@dataclass
class NationalOverview:
    regions: list[RegionSummary]
    gaps: list[dict]  # the most common gaps, per kind
    average_score: float | None
    regions_with_data: int
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("seconds")
        data["formula"] = "score = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))"
        return data


# ---------------------------------------------------------------------------------------------------------------------
# The engine


def _column_of(offer: Offer) -> str:
    if offer.provider_type == "uwv":
        return UWV_COLUMN
    if offer.is_national:
        return NATIONAL_COLUMN
    if offer.reach == "lokaal":
        return "gemeente"
    if offer.reach == "regionaal":
        return REGION_COLUMN
    return NATIONAL_COLUMN


class _Analysis:
    """The comparison of one region's gemeenten; texts only when detail=True."""

    def __init__(self, kinds: list[KindInfo], municipalities: list, centrum_id: int | None, own: dict, regional: dict,
                 national: dict):
        self.kinds = kinds
        self.municipalities = municipalities  # objects with id, code, name, slug
        self.centrum_id = centrum_id
        self.own = own  # (municipality_id, kind) -> [Offer]
        self.regional = regional  # kind -> [Offer]
        self.national = national  # kind -> {"uwv": [...], "landelijk": [...]}
        self.order = {m.id: (0 if m.id == centrum_id else 1, m.name) for m in municipalities}
        self.kind_facts_cache: dict[str, dict] = {}

    def kind_facts(self, kind: KindInfo) -> dict:
        ms = self.municipalities
        offering = [m for m in ms if self.own.get((m.id, kind.code))]
        regional = self.regional.get(kind.code, [])
        national = self.national.get(kind.code, {})
        has = [m for m in ms if self.own.get((m.id, kind.code)) or regional]
        missing = [m for m in ms if not (self.own.get((m.id, kind.code)) or regional)]
        sigs = {m.id: signature(self.own[(m.id, kind.code)], kind.parameters) for m in offering}
        uniform = len(set(sigs.values())) <= 1
        if offering:
            status = ("geharmoniseerd" if uniform else "deels") if not missing else "ontbreekt"
        elif regional:
            status = "regionaal"
        elif national.get(UWV_COLUMN) or national.get(NATIONAL_COLUMN):
            status = "alleen_landelijk"
        else:
            status = "niet_aangeboden"
        facts = {"offering": offering, "has": has, "missing": missing, "sigs": sigs, "uniform": uniform, "status": status,
                 "regional": regional, "national": national}
        self.kind_facts_cache[kind.code] = facts
        return facts

    def reference_groups(self, kind: KindInfo, offering: list, index: int) -> list[tuple]:
        """Gemeenten grouped by their value for parameter `index`: most common first; ties: centrumgemeente, then name."""
        groups: dict = defaultdict(list)
        sigs = self.kind_facts_cache[kind.code]["sigs"]
        for m in offering:
            groups[sigs[m.id][index]].append(m)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), min(self.order[m.id] for m in kv[1])))
        return [(value, sorted(members, key=lambda m: m.name)) for value, members in ordered]

    def summarise(self):
        """Score, level and status counts without texts."""
        facts = {k.code: self.kind_facts(k) for k in self.kinds}
        scored = [k for k in self.kinds if facts[k.code]["offering"]]
        counts = Counter(f["status"] for f in facts.values())
        status_counts = {s: counts.get(s, 0) for s in STATUSES}
        if not scored or not self.municipalities:
            return facts, scored, status_counts, None, None, None, None
        n = len(self.municipalities)
        filled = sum(len(facts[k.code]["has"]) for k in scored)
        coverage = filled / (n * len(scored))
        uniformity = sum(1 for k in scored if facts[k.code]["uniform"]) / len(scored)
        score = score_formula(coverage, uniformity)
        level = self.level(facts, scored)
        return facts, scored, status_counts, score, coverage, uniformity, level

    def level(self, facts: dict, scored: list[KindInfo]) -> int:
        return derive_level(
            [m.id for m in self.municipalities],
            {k.code: {m.id: ("regio",) if (m.id not in facts[k.code]["sigs"] and facts[k.code]["regional"])
                      else facts[k.code]["sigs"].get(m.id) for m in self.municipalities} for k in scored},
        )


def derive_level(municipalities: list, profiles: dict[str, dict]) -> int:
    """The Arbeidsinspectie level from, per kind in K, per gemeente its signature (None = lacks the kind).

    See the module docstring for the definitions.
    """
    if not profiles or not municipalities:
        return 5

    def harmonised(per_gemeente: dict) -> bool:
        values = [per_gemeente.get(m) for m in municipalities]
        return all(v is not None for v in values) and len(set(values)) == 1

    if all(harmonised(p) for p in profiles.values()):
        return 1
    kinds = list(profiles)
    complete: Counter = Counter()
    for m in municipalities:
        profile = tuple(profiles[k].get(m) for k in kinds)
        if all(v is not None for v in profile):
            complete[profile] += 1
    if any(n >= 2 for n in complete.values()):
        return 2
    if any(harmonised(p) for p in profiles.values()):
        return 3
    for p in profiles.values():
        values = Counter(v for v in p.values() if v is not None)
        if any(n >= 2 for n in values.values()):
            return 4
    return 5


def _split_offers(offers: list[Offer], municipality_ids: set[int], region_id: int):
    own: dict = defaultdict(list)
    regional: dict = defaultdict(list)
    national: dict = defaultdict(lambda: defaultdict(list))
    for offer in offers:
        column = _column_of(offer)
        if column == "gemeente":
            for mid in offer.municipality_ids:
                if mid in municipality_ids:
                    own[(mid, offer.kind)].append(offer)
        elif column == REGION_COLUMN:
            if region_id in offer.region_ids:
                regional[offer.kind].append(offer)
        else:
            national[offer.kind][column].append(offer)
    return own, regional, national


@contextmanager
def _collector_paused():
    """Pauses the cyclic garbage collector while building a result.

    The engine allocates many small, acyclic objects (rows, tuples, frozensets); they are freed by reference counting.
    Without the pause, the allocations trigger full collections of the whole process heap, which made every tenth region
    matrix three times slower than the rest on the 20,000-instrument catalogue. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def region_harmonisation(session: Session, region: Region | str, language: str = "nl",
                         today: date | None = None) -> RegionHarmonisation:
    """The full matrix of one region, with evidence and plain-language sentences."""
    with _collector_paused():
        return _region_harmonisation(session, region, language, today)


def _region_harmonisation(session: Session, region: Region | str, language: str, today: date | None) -> RegionHarmonisation:
    today = today or date.today()
    if isinstance(region, str):
        found = session.scalar(select(Region).where(Region.code == region.upper()))
        if found is None:
            raise LookupError(region)
        region = found
    municipalities = valid_municipalities(session, today, [region.id])
    ids = [m.id for m in municipalities]
    offers = load_offers(session, today, available_ids_subquery(ids, [region.id]), with_translations=_lang(language) != "nl")
    own, regional, national = _split_offers(offers, set(ids), region.id)
    analysis = _Analysis(load_kinds(session), municipalities, region.centrumgemeente_id, own, regional, national)
    return _build_detail(analysis, region, Texts(language, load_term_names(session)))


def _offer_ref(offer: Offer, texts: Texts) -> dict:
    name = offer.name_en if texts.language == "en" and offer.name_en else offer.name
    return {"slug": offer.slug, "name": name, "provider": offer.provider_name, "example": offer.example}


def _build_detail(analysis: _Analysis, region: Region, texts: Texts) -> RegionHarmonisation:
    lang = texts.language
    L = _L[lang]
    facts, scored, status_counts, score, coverage, uniformity, level = analysis.summarise()
    ms = analysis.municipalities
    region_label = "Regio / WSP" if lang == "nl" else "Region / WSP"
    columns = ([{"key": m.code, "label": m.name, "type": "gemeente"} for m in ms]
               + [{"key": REGION_COLUMN, "label": region_label, "type": REGION_COLUMN},
                  {"key": UWV_COLUMN, "label": "UWV", "type": UWV_COLUMN},
                  {"key": NATIONAL_COLUMN, "label": "Landelijk overig" if lang == "nl" else "Other national",
                   "type": NATIONAL_COLUMN}])
    rows = []
    for kind in analysis.kinds:
        f = facts[kind.code]
        params = kind.parameters
        kind_name = kind.display(lang)
        uwv_offers = f["national"].get(UWV_COLUMN, [])
        cells: dict[str, Cell] = {}
        for m in ms:
            offers = analysis.own.get((m.id, kind.code), [])
            shown = offers or f["regional"]
            cells[m.code] = Cell(
                column=m.code, available=bool(shown), own=bool(offers), via_region=bool(f["regional"]),
                instruments=[_offer_ref(o, texts) for o in offers],
                params={p: texts.values(shown, p) for p in params} if shown else {},
            )
        for key, offers in ((REGION_COLUMN, f["regional"]), (UWV_COLUMN, uwv_offers),
                            (NATIONAL_COLUMN, f["national"].get(NATIONAL_COLUMN, []))):
            cells[key] = Cell(column=key, available=bool(offers), instruments=[_offer_ref(o, texts) for o in offers],
                              params={p: texts.values(offers, p) for p in params} if offers else {})

        summaries, differences, sentences = [], [], []
        reference_values: dict[str, frozenset] = {}
        offering = f["offering"]
        for index, param in enumerate(params):
            groups = analysis.reference_groups(kind, offering, index) if offering else []
            if not groups:
                continue
            reference_values[param] = groups[0][0]
            first_offers = lambda members: analysis.own[(members[0].id, kind.code)]  # noqa: E731
            group_objs = [ValueGroup(texts.values(first_offers(members), param), [m.code for m in members],
                                     [m.name for m in members]) for _, members in groups]
            uniform = len(groups) == 1
            tie = len(groups) > 1 and len(groups[0][1]) == len(groups[1][1])
            uwv_text = texts.values(uwv_offers, param) if uwv_offers and param not in NOT_COMPARED_WITH_UWV else None
            uwv_differs = None
            if uwv_text is not None:
                uwv_differs = all(frozenset([o.value(param)]) != groups[0][0] for o in uwv_offers)
            sentence = None
            if not uniform:
                reference = group_objs[0]
                for group in group_objs[1:]:
                    for code, name in zip(group.municipalities, group.names):
                        differences.append(Difference(kind.code, param, L["param"][param], code, name, group.value,
                                                      reference.value))
                        cells[code].differs.append(param)
                the = "het" if kind.code in _HET_WORDS else "de"
                phrase = L["phrase"][param].format(the=the, kind=_kind_lower(kind_name))
                others = ", ".join(L["in"].format(names=texts.names(g.names), value=g.value) for g in group_objs[1:])
                uwv_part = L["uwv_part"].format(value=uwv_text) if uwv_text else ""
                sentence = L["differs"].format(n=len(reference.municipalities), m=len(offering), phrase=phrase,
                                               value=reference.value, others=others, uwv=uwv_part)
                sentences.append(sentence)
            summaries.append(ParameterSummary(param, L["param"][param], uniform, tie, group_objs, group_objs[0].value,
                                              uwv_text, uwv_differs, sentence))
        missing = [Place(m.code, m.name, m.slug) for m in f["missing"]]
        if missing and offering:
            key = "missing_one" if len(missing) == 1 else "missing_many"
            sentences.insert(0, L[key].format(names=texts.names([p.name for p in missing]), kind=_kind_lower(kind_name)))
        status = f["status"]
        if status == "geharmoniseerd":
            sentences.append(L["same"].format(m=len(ms), kind=_kind_lower(kind_name)))
        elif status == "regionaal":
            sentences.append(L["regional"].format(kind=kind_name, providers=texts.names(
                sorted({o.provider_name for o in f["regional"]}))))
        elif status == "alleen_landelijk":
            providers = sorted({o.provider_name for col in f["national"].values() for o in col})
            sentences.append(L["national"].format(kind=_kind_lower(kind_name), providers=texts.names(providers)))
        elif status == "niet_aangeboden":
            sentences.append(L["not_offered"].format(kind=_kind_lower(kind_name)))

        relation, uwv_differences = None, []
        if offering:
            relation, uwv_differences = uwv_relation(kind, reference_values, uwv_offers, texts)
            for m in offering:
                own_values = dict(zip(params, f["sigs"][m.id]))
                cells[m.code].uwv_relation = uwv_relation(kind, own_values, uwv_offers, texts)[0]
        rows.append(KindRow(
            kind=kind.code, name=kind_name, status=status, status_label=L["status"][status], icon=STATUS_ICONS[status],
            offered_by=[m.code for m in offering], missing=missing if offering or f["regional"] else [],
            cells=cells, parameters=summaries, differences=differences, uwv_relation=relation,
            uwv_relation_label=L["uwv"][relation] if relation else "", uwv_differences=uwv_differences,
            not_harmonisable_with=kind.not_harmonisable_with, not_harmonisable_reason=kind.not_harmonisable_reason,
            sentences=sentences, in_score=kind in scored,
        ))
    return RegionHarmonisation(
        region=Place(region.code, region.name, region.slug), municipalities=[Place(m.code, m.name, m.slug) for m in ms],
        columns=columns, rows=rows, has_data=score is not None, score=score, coverage=coverage, uniformity=uniformity,
        level=level, level_label=level_label(level, lang), status_counts=status_counts, language=lang,
    )


def uwv_relation(kind: KindInfo, values: dict[str, frozenset], uwv_offers: list[Offer], texts: Texts | None = None):
    """How a gemeente's (or the region's reference) values for a kind relate to UWV's offers of that kind.

    Returns (relation, differences): niet_harmoniseerbaar when the kind cannot be harmonised with a UWV kind by law;
    geen_uwv when UWV has no instrument of this kind; gelijk when some UWV instrument has equal values on every compared
    parameter (schemes excluded: the benefit decides the provider); otherwise wijkt_af with the differences from the
    closest UWV instrument.
    """
    if kind.not_harmonisable_with:
        return "niet_harmoniseerbaar", []
    if not uwv_offers:
        return "geen_uwv", []
    params = [p for p in kind.parameters if p not in NOT_COMPARED_WITH_UWV and p in values]
    best: tuple[int, Offer, list[str]] | None = None
    for offer in uwv_offers:
        diff = [p for p in params if values[p] != frozenset([offer.value(p)])]
        if best is None or len(diff) < best[0]:
            best = (len(diff), offer, diff)
    assert best is not None
    if not best[2]:
        return "gelijk", []
    details = []
    for p in best[2]:
        item = {"parameter": p, "uwv_instrument": best[1].slug}
        if texts is not None:
            item.update(label=_L[texts.language]["param"][p], uwv=texts.value(best[1], p))
        details.append(item)
    return "wijkt_af", details


# ---------------------------------------------------------------------------------------------------------------------
# Nationally


def national_overview(session: Session, language: str = "nl", today: date | None = None) -> NationalOverview:
    """All regions with score, level and gaps, from one load of the whole catalogue."""
    with _collector_paused():
        return _national_overview(session, language, today)


def _national_overview(session: Session, language: str, today: date | None) -> NationalOverview:
    started = time.perf_counter()
    today = today or date.today()
    lang = _lang(language)
    kinds = load_kinds(session)
    regions = list(session.scalars(select(Region).order_by(Region.name)))
    municipalities = valid_municipalities(session, today)
    by_region: dict[int, list] = defaultdict(list)
    for m in municipalities:
        by_region[m.region_id].append(m)
    region_of = {m.id: m.region_id for m in municipalities}
    offers = load_offers(session, today)
    own: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    regional: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    national: dict = defaultdict(lambda: defaultdict(list))
    for offer in offers:
        column = _column_of(offer)
        if column == "gemeente":
            for mid in offer.municipality_ids:
                rid = region_of.get(mid)
                if rid is not None:
                    own[rid][(mid, offer.kind)].append(offer)
        elif column == REGION_COLUMN:
            for rid in offer.region_ids:
                regional[rid][offer.kind].append(offer)
        else:
            national[offer.kind][column].append(offer)
    summaries = []
    gap_missing: Counter = Counter()
    gap_missing_gm: Counter = Counter()
    gap_differing: Counter = Counter()
    gap_params: dict[str, Counter] = defaultdict(Counter)
    for region in regions:
        ms = by_region.get(region.id, [])
        analysis = _Analysis(kinds, ms, region.centrumgemeente_id, own.get(region.id, {}), regional.get(region.id, {}),
                             national)
        facts, scored, status_counts, score, coverage, uniformity, level = analysis.summarise()
        missing, differing = {}, {}
        for kind in scored:
            f = facts[kind.code]
            if f["missing"]:
                missing[kind.code] = [m.code for m in f["missing"]]
                gap_missing[kind.code] += 1
                gap_missing_gm[kind.code] += len(f["missing"])
            if not f["uniform"]:
                sigs = list(f["sigs"].values())
                params = [p for i, p in enumerate(kind.parameters) if len({s[i] for s in sigs}) > 1]
                differing[kind.code] = params
                gap_differing[kind.code] += 1
                gap_params[kind.code].update(params)
        summaries.append(RegionSummary(
            region=Place(region.code, region.name, region.slug), municipalities=len(ms), has_data=score is not None,
            score=score, coverage=coverage, uniformity=uniformity, level=level, level_label=level_label(level, lang),
            status_counts=status_counts, missing=missing, differing=differing,
        ))
    kind_by_code = {k.code: k for k in kinds}
    gaps = []
    for code in set(gap_missing) | set(gap_differing):
        kind = kind_by_code[code]
        gaps.append({
            "kind": code, "name": kind.display(lang),
            "regions_missing": gap_missing.get(code, 0), "municipalities_missing": gap_missing_gm.get(code, 0),
            "regions_differing": gap_differing.get(code, 0),
            "parameters": [{"parameter": p, "label": _L[lang]["param"][p], "regions": n}
                           for p, n in gap_params[code].most_common()],
        })
    gaps.sort(key=lambda g: (-(g["regions_missing"] + g["regions_differing"]), -g["municipalities_missing"], g["kind"]))
    scores = [s.score for s in summaries if s.score is not None]
    return NationalOverview(
        regions=summaries, gaps=gaps, average_score=round(sum(scores) / len(scores), 1) if scores else None,
        regions_with_data=len(scores), seconds=time.perf_counter() - started,
    )


def score_band(score: int | None) -> str:
    """Map and legend bands: hoog (80-100), redelijk (60-79), matig (40-59), laag (0-39), geen (no data)."""
    if score is None:
        return "geen"
    if score >= 80:
        return "hoog"
    if score >= 60:
        return "redelijk"
    if score >= 40:
        return "matig"
    return "laag"
