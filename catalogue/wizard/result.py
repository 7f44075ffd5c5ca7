"""What applies for the choices: the instruments available where the residence rule says (catalogue/residence.py) that
fit the person, grouped by benefit category and sorted; matched on a few columns, instruments loaded only for cards."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Instrument, InstrumentKind, Municipality, Provider, TaxonomyTerm, instrument_term
from ..queries import available_ids_in_each
from ..residence import ResidenceRules, load_rules
from .benefits import OTHER, Benefit, benefit_for_kind, load_benefits
from .cards import CardInstrument, Instruments
from .choices import Choices
from .matching import age_ranges, fit, load_matching


@dataclass
class Origin:
    """Where an instrument comes from for this hire, and why that location decides."""

    decider: str  # candidate | employer | national
    place: str | None  # the gemeente or region whose offer it is; None for national schemes
    unconfirmed: bool = False  # candidate's residence not known: shown as it would be if the candidate lived there


@dataclass
class Match:
    facts: "Facts"  # what matching and sorting read (id, slug, name, kind, reach)
    fit: str
    origin: Origin
    loader: Instruments = field(repr=False, compare=False)

    @property
    def instrument(self) -> Instrument:
        return self.loader[self.facts.id]

    @property
    def card(self) -> CardInstrument:
        """What the result card shows (catalogue/web/result_card.py), without loading the instrument itself."""
        return self.loader.card(self.facts.id)


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
    loader = Instruments(session, [item.id for item, _d, _s in fitting])
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
