"""The employer wizard: "where is your company?" → "whom do you want to hire?" → what applies, grouped by what it does for
the employer. No Flask.

Which instruments apply: those that run now, that are available where the rule for their provider says
(catalogue/residence.py: the gemeente where the candidate lives for the gemeente's own instruments, the employer's
location for the WSP and regional employer services, everywhere for national ones), and that fit the person to be hired.

Adding a true fact about the candidate never removes what applies; it only removes what that fact rules out:
- age group (one answer): an instrument restricted to other age groups, or only to target groups whose age bounds
  exclude the chosen age (seed_data/wizard.yaml `age_bounds`: "Jongeren" and 56 years), is left out;
- uitkering (the benefits the candidate has): an instrument restricted to other benefits is left out;
- target groups, and the doelgroepregister (`open_world` in seed_data/wizard.yaml), are characteristics a person can
  have several of: ticking one says nothing about the others, so they never exclude; a card restricted to a target
  group the employer did not tick says "check whether this applies".
A point the employer left open ("weet ik niet") does not exclude anything; the card then says for whom it is meant.

What an instrument does for the employer (money, trying out, coaching, workplace, risk cover) is data: the mapping from
instrument kind to benefit category lives in seed_data/wizard.yaml.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from .config import SEED_DIR
from .models import Instrument, InstrumentKind, Municipality, Provider, TaxonomyTerm, instrument_term
from .places import PlaceLookup, resolve_place
from .queries import available_ids_in_each
from .residence import ResidenceRules, load_rules

WIZARD_FILE = SEED_DIR / "wizard.yaml"

# URL parameter -> taxonomy. Dutch parameter names: the URL is meant to be shared and read.
CHOICE_PARAMETERS = OrderedDict([("doelgroep", "target_group"), ("uitkering", "scheme"), ("leeftijd", "age_group")])
MULTIPLE = {"doelgroep": True, "uitkering": True, "leeftijd": False}
OTHER_CATEGORY = "overig"


class WizardError(ValueError):
    """A wizard parameter that cannot be used, with a Dutch message for the user (the msgid of its translation)."""

    def __init__(self, parameter: str, value: str):
        super().__init__(f"{parameter}: {value}")
        self.parameter = parameter
        self.value = value


@dataclass(frozen=True)
class Benefit:
    """A benefit category: what a group of instrument kinds does for the employer."""

    code: str
    name: str
    name_en: str
    description: str
    description_en: str
    kinds: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def explanation(self, language: str) -> str:
        return self.description_en if language == "en" and self.description_en else self.description


OTHER = Benefit(OTHER_CATEGORY, "Overige regelingen", "Other schemes",
                "Regelingen die niet in een van de groepen hierboven vallen.",
                "Schemes that do not fall under one of the groups above.", ())


@dataclass(frozen=True)
class MatchingRules:
    open_world: dict[str, object]  # taxonomy -> "all" or a tuple of codes
    age_bounds: dict[str, tuple[int | None, int | None]]  # target group -> (min_age, max_age)

    def is_open(self, taxonomy: str, code: str) -> bool:
        values = self.open_world.get(taxonomy)
        return values == "all" or (isinstance(values, tuple) and code in values)


def load_matching(path: Path | str | None = None) -> MatchingRules:
    return _load_matching(str(path or WIZARD_FILE))


@lru_cache(maxsize=4)
def _load_matching(path: str) -> MatchingRules:
    with open(path, encoding="utf-8") as fh:
        data = (yaml.safe_load(fh) or {}).get("matching") or {}
    open_world = {k: (v if v == "all" else tuple(v or ())) for k, v in (data.get("open_world") or {}).items()}
    bounds = {k: ((v or {}).get("min_age"), (v or {}).get("max_age")) for k, v in (data.get("age_bounds") or {}).items()}
    return MatchingRules(open_world, bounds)


def load_benefits(path: Path | str | None = None) -> tuple[Benefit, ...]:
    """The benefit categories in page order. Refuses a kind that is mapped twice or a category without kinds."""
    return _load(str(path or WIZARD_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Benefit, ...]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    benefits, seen = [], {}
    for row in data.get("benefits") or []:
        kinds = tuple(row.get("kinds") or ())
        if not kinds:
            raise ValueError(f"{path}: benefit category '{row.get('code')}' has no kinds")
        for kind in kinds:
            if kind in seen:
                raise ValueError(f"{path}: kind '{kind}' is in both '{seen[kind]}' and '{row['code']}'")
            seen[kind] = row["code"]
        benefits.append(Benefit(row["code"], row["name"], row.get("name_en") or row["name"],
                                row.get("description") or "", row.get("description_en") or "", kinds))
    return tuple(benefits)


def benefit_for_kind(kind_code: str, benefits: Sequence[Benefit] | None = None) -> Benefit:
    for benefit in benefits or load_benefits():
        if kind_code in benefit.kinds:
            return benefit
    return OTHER


# ---------------------------------------------------------------------------------------------------------------------
# Choices


@dataclass
class Place:
    """A place the wizard asked for (the employer's location or the candidate's residence) and how it was resolved."""

    municipality: Municipality | None = None
    typed: str = ""  # what was typed, when it did not resolve to one gemeente
    lookup: PlaceLookup | None = None
    woonplaats: str | None = None  # the woonplaats named, when it is not the gemeente's own name
    canonical: bool = True  # given by its CBS code (the shareable form of the URL)

    @property
    def candidates(self) -> list[Municipality]:
        return self.lookup.candidates if self.lookup else []

    @property
    def problem(self) -> bool:
        return self.municipality is None and bool(self.typed)


def _place(session: Session, typed: str, woonplaats: str = "") -> Place:
    place = Place()
    if not typed:
        return place
    place.lookup = resolve_place(session, typed)
    place.municipality = place.lookup.municipality
    if place.municipality is None:
        place.typed = typed[:80]
        return place
    place.canonical = typed == place.municipality.code
    place.woonplaats = place.lookup.woonplaats
    if place.canonical and woonplaats:
        # the shareable URL carries the woonplaats that was typed, so the page can say where it lies; checked again
        named = resolve_place(session, woonplaats)
        if named.municipality is not None and named.municipality.code == place.municipality.code and named.woonplaats:
            place.woonplaats = named.woonplaats
    return place


@dataclass
class Choices:
    """What the employer told the wizard. Empty lists mean "not chosen / weet ik niet"."""

    employer: Place = field(default_factory=Place)
    residence: Place = field(default_factory=Place)  # where the candidate lives; empty: "weet ik nog niet"
    target_groups: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    age_groups: list[str] = field(default_factory=list)
    answered: bool = False  # step 2 was submitted (any of its parameters is present)

    # the employer's location under its old names (templates and callers use these)
    @property
    def municipality(self) -> Municipality | None:
        return self.employer.municipality

    @property
    def municipality_input(self) -> str:
        return self.employer.typed

    @property
    def candidates(self) -> list[Municipality]:
        return self.employer.candidates

    @property
    def canonical(self) -> bool:
        return self.employer.canonical and self.residence.canonical

    def selected(self, taxonomy: str) -> list[str]:
        return {"target_group": self.target_groups, "scheme": self.schemes, "age_group": self.age_groups}[taxonomy]

    def query_args(self) -> dict[str, str]:
        """The shareable GET parameters of these choices (empty values kept, so the result step is recognised)."""
        args = {"gemeente": self.municipality.code if self.municipality else self.municipality_input}
        if self.employer.woonplaats:
            args["plaats"] = self.employer.woonplaats
        if self.answered:
            args.update(doelgroep=",".join(self.target_groups), uitkering=",".join(self.schemes),
                        leeftijd=",".join(self.age_groups))
            residence = self.residence
            args["woont"] = residence.municipality.code if residence.municipality else residence.typed
            if residence.woonplaats:
                args["woont_plaats"] = residence.woonplaats
        return args


def _values(args: Mapping[str, Sequence[str]], name: str) -> list[str]:
    out: list[str] = []
    for raw in args.get(name) or []:
        for part in str(raw).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part[:80])
    return out


def _typed(args: Mapping[str, Sequence[str]], name: str) -> str:
    return "".join(ch for ch in " ".join((args.get(name) or [""])[-1:]) if ch.isprintable()).strip()


def parse_choices(session: Session, args: Mapping[str, Sequence[str]]) -> Choices:
    """Turns request parameters (name -> list of values; comma-separated values allowed) into choices.

    Raises WizardError for a target group, scheme or age group code that does not exist. A place that does not resolve
    is kept as typed (Place.problem), so the page can say so next to its field.
    """
    choices = Choices()
    choices.employer = _place(session, _typed(args, "gemeente"), _typed(args, "plaats"))
    choices.residence = _place(session, _typed(args, "woont"), _typed(args, "woont_plaats"))
    known = _known_codes(session)
    for parameter, taxonomy in CHOICE_PARAMETERS.items():
        values = _values(args, parameter)
        if not MULTIPLE[parameter]:
            values = values[-1:]
        for value in values:
            if value not in known[taxonomy]:
                raise WizardError(parameter, value)
        choices.selected(taxonomy).extend(values)
        if parameter in args:
            choices.answered = True
    if "woont" in args:
        choices.answered = True
    return choices


def _known_codes(session: Session) -> dict[str, set[str]]:
    rows = session.execute(select(TaxonomyTerm.taxonomy, TaxonomyTerm.code).where(
        TaxonomyTerm.taxonomy.in_(list(CHOICE_PARAMETERS.values()))))
    known: dict[str, set[str]] = {t: set() for t in CHOICE_PARAMETERS.values()}
    for taxonomy, code in rows:
        known[taxonomy].add(code)
    return known


def options(session: Session) -> dict[str, list[TaxonomyTerm]]:
    """The answer options of step 2, per taxonomy, in display order (taxonomies are data)."""
    terms = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(list(CHOICE_PARAMETERS.values())))
                            .order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order, TaxonomyTerm.id))
    out: dict[str, list[TaxonomyTerm]] = {t: [] for t in CHOICE_PARAMETERS.values()}
    for term in terms:
        out[term.taxonomy].append(term)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# What applies


@lru_cache(maxsize=1)
def age_ranges() -> dict[str, tuple[int | None, int | None]]:
    """Age group code -> (min_age, max_age), from seed_data/taxonomies.yaml (None: open)."""
    with (SEED_DIR / "taxonomies.yaml").open(encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("age_groups") or []
    return {str(r["code"]): (r.get("min_age"), r.get("max_age")) for r in rows}


def _ages_overlap(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    low = max(x for x in (a[0], b[0], 0) if x is not None)
    highs = [x for x in (a[1], b[1]) if x is not None]
    return not highs or low <= min(highs)


def fit(instrument: Instrument, choices: Choices, matching: MatchingRules | None = None,
        ages: Mapping[str, tuple[int | None, int | None]] | None = None) -> str | None:
    """None when a chosen fact rules the instrument out; otherwise 'past' (it fits what was told) or 'controleer'
    (it is restricted to a characteristic the employer did not tick; see the module docstring)."""
    matching = matching or load_matching()
    status = "past"
    for taxonomy in CHOICE_PARAMETERS.values():
        wanted = choices.selected(taxonomy)
        restricted = {t.code for t in instrument.terms_of(taxonomy)}
        if not restricted or restricted.intersection(wanted):
            continue
        closed = {c for c in restricted if not matching.is_open(taxonomy, c)}
        if wanted and closed == restricted:
            return None
        status = "controleer"
    ages = ages if ages is not None else (age_ranges() if choices.age_groups else None)
    if choices.age_groups and ages:
        age = ages.get(choices.age_groups[0])
        groups = {t.code for t in instrument.terms_of("target_group")}
        bounded = [matching.age_bounds[g] for g in groups if g in matching.age_bounds]
        if age and groups and len(bounded) == len(groups) and not any(_ages_overlap(age, b) for b in bounded):
            return None
    return status


def applies(instrument: Instrument, choices: Choices) -> bool:
    """Whether the instrument may apply to the person (see fit)."""
    return fit(instrument, choices) is not None


@dataclass
class Origin:
    """Where an instrument comes from for this hire, and why that location decides."""

    decider: str  # candidate | employer | national
    place: str | None  # the gemeente or region whose offer it is; None for national schemes
    unconfirmed: bool = False  # candidate's residence not known: shown as it would be if the candidate lived there


class _Instruments:
    """The instruments of one result, loaded together (one batch of queries, with what cards, summary and estimate
    show) the first time any of them is asked for: a result page whose cards all come from the card cache
    (catalogue/web/cards.py) loads none."""

    def __init__(self, session: Session, ids: list[int]):
        self._session, self._ids = session, ids
        self._loaded: dict[int, Instrument] | None = None

    def __getitem__(self, instrument_id: int) -> Instrument:
        if self._loaded is None:
            self._loaded = {i.id: i for i in self._session.scalars(_card_relations(
                select(Instrument).where(Instrument.id.in_(self._ids))))}
        return self._loaded[instrument_id]


@dataclass
class Match:
    facts: "Facts"  # what matching and sorting read (id, slug, name, kind, reach)
    fit: str
    origin: Origin
    loader: _Instruments = field(repr=False, compare=False)

    @property
    def instrument(self) -> Instrument:
        return self.loader[self.facts.id]


@dataclass
class BenefitGroup:
    benefit: Benefit
    matches: list[Match]

    @property
    def instruments(self) -> list[Instrument]:
        return [m.instrument for m in self.matches]


@dataclass
class WizardResult:
    groups: list[BenefitGroup]
    total: int
    available: int  # everything available, before matching the person
    rules: ResidenceRules | None = None
    # per gemeente id of the employer (and the candidate): its own offer, as coverage.municipality_coverage takes it
    own_offer: tuple[dict[int, int], dict[int, set[str]]] = field(default_factory=lambda: ({}, {}))


def _origin(item: "Facts", decider: str, employer: Municipality, residence: Municipality | None) -> Origin:
    if decider == "national" or item.reach == "landelijk":
        return Origin("national", None)
    where = residence if decider == "candidate" and residence is not None else employer
    place = where.region.name if item.reach == "regionaal" and where.region is not None else where.name
    return Origin(decider, place, unconfirmed=decider == "candidate" and residence is None)


def _candidates(session: Session, choices: Choices, rules: ResidenceRules, today: date | None,
                lifecycle: tuple[str, ...] = ("current",)):
    """(facts, who decides) for everything available where the choices say: the employer's gemeente, and for the
    gemeente's own instruments the candidate's gemeente when it is known and another one (catalogue/residence.py).
    Also returns the facts read, the available ids per gemeente and the gemeenten looked at."""
    employer, residence = choices.municipality, choices.residence.municipality
    elsewhere = residence is not None and residence.id != employer.id
    places = [employer, residence] if elsewhere else [employer]
    available_in = available_ids_in_each(session, places, today, lifecycle)
    facts = _facts(session, set().union(*available_in.values()))
    candidates: list[tuple[Facts, str]] = []
    for item in facts:
        decider = rules.decider(item.provider_type, item.kind_code)
        if item.id in available_in[employer.id] and not (decider == "candidate" and elsewhere):
            candidates.append((item, decider))
        elif elsewhere and item.id in available_in[residence.id] and decider == "candidate":
            candidates.append((item, decider))
    return candidates, facts, available_in, places


def matching_ids(session: Session, choices: Choices, today: date | None = None,
                 lifecycle: tuple[str, ...] = ("current", "upcoming", "ended")) -> set[int]:
    """The instruments the result for these choices shows (in any of these lifecycles): what a follower of the
    wizard result is told about (catalogue/alerts)."""
    matching = load_matching()
    ages = age_ranges() if choices.age_groups else None
    candidates = _candidates(session, choices, load_rules(), today, lifecycle)[0]
    return {item.id for item, _decider in candidates if fit(item, choices, matching, ages) is not None}


def result(session: Session, choices: Choices, today: date | None = None,
           benefits: Sequence[Benefit] | None = None, rules: ResidenceRules | None = None) -> WizardResult:
    """What applies to an employer in choices.municipality hiring the person described, grouped by benefit category in
    page order; within a group what fits comes before what is to be checked, then the gemeente's own instruments, then
    the region's, then national ones.

    Location (catalogue/residence.py): the gemeente's own instruments come from the candidate's gemeente when it is
    known; otherwise those of the employer's gemeente are shown, marked as depending on where the candidate lives."""
    assert choices.municipality is not None
    benefits = tuple(benefits or load_benefits())
    rules = rules or load_rules()
    matching = load_matching()
    employer, residence = choices.municipality, choices.residence.municipality
    ages = age_ranges() if choices.age_groups else None
    candidates, facts, available_in, places = _candidates(session, choices, rules, today)
    fitting = [(item, decider, status) for item, decider in candidates
               for status in [fit(item, choices, matching, ages)] if status is not None]
    loader = _Instruments(session, [item.id for item, _d, _s in fitting])
    matches = [Match(item, status, _origin(item, decider, employer, residence), loader)
               for item, decider, status in fitting]
    available = len(candidates)
    reach_order = {"lokaal": 0, "regionaal": 1, "landelijk": 2}
    grouped: OrderedDict[str, list[Match]] = OrderedDict((b.code, []) for b in benefits + (OTHER,))
    for match in matches:
        grouped[benefit_for_kind(match.facts.kind_code, benefits).code].append(match)
    by_code = {b.code: b for b in benefits + (OTHER,)}
    groups = [
        BenefitGroup(by_code[code], sorted(items, key=lambda m: (m.fit != "past", reach_order.get(m.facts.reach, 3),
                                                                 m.facts.kind_order, m.facts.name.lower(), m.facts.id)))
        for code, items in grouped.items() if items
    ]
    own = {m.id: [f for f in facts if f.reach == "lokaal" and f.id in available_in[m.id]] for m in places}
    offer = ({mid: len(items) for mid, items in own.items()}, {mid: {f.kind_code for f in items} for mid, items in own.items()})
    return WizardResult(groups, len(matches), available, rules, offer)


@dataclass(frozen=True)
class Facts:
    """What matching needs of an instrument (fit, the residence rule), read without loading the instrument itself:
    only the instruments that fit are loaded, with what their cards show."""

    id: int
    slug: str
    name: str
    kind_code: str
    kind_order: int
    provider_type: str
    reach: str
    terms: dict[str, list["TermCode"]]

    def terms_of(self, taxonomy: str) -> list["TermCode"]:
        return self.terms.get(taxonomy, [])


@dataclass(frozen=True)
class TermCode:
    code: str


def _facts(session: Session, ids: set[int]) -> list[Facts]:
    if not ids:
        return []
    id_list = sorted(ids)
    terms: dict[int, dict[str, list[TermCode]]] = {}
    for iid, taxonomy, code in session.execute(
            select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(instrument_term.c.instrument_id.in_(id_list))):
        terms.setdefault(iid, {}).setdefault(taxonomy, []).append(TermCode(code))
    rows = session.execute(select(Instrument.id, Instrument.slug, Instrument.name, InstrumentKind.code,
                                  InstrumentKind.sort_order, Provider.type, Instrument.reach)
                           .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
                           .join(Provider, Provider.id == Instrument.provider_id).where(Instrument.id.in_(id_list)))
    return [Facts(*row, terms.get(row[0], {})) for row in rows]


def _card_relations(stmt):
    """What the result cards, the summary and the estimate show of an instrument: loaded in a few batched queries; the
    long texts and lists they never show are not loaded (and raise if touched, so no query per instrument sneaks in)."""
    return stmt.options(selectinload(Instrument.kind), selectinload(Instrument.provider),
                        selectinload(Instrument.terms), selectinload(Instrument.parameter_values),
                        *(defer(column, raiseload=True) for column in (
                            Instrument.description, Instrument.contacts, Instrument.links, Instrument.internal_notes,
                            Instrument.funding_source)))


def restrictions(instrument: Instrument) -> dict[str, list[TaxonomyTerm]]:
    """For whom the instrument is meant: its target group, scheme and age group terms (empty: everyone)."""
    return {taxonomy: instrument.terms_of(taxonomy) for taxonomy in CHOICE_PARAMETERS.values()
            if instrument.terms_of(taxonomy)}
