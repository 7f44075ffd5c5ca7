"""The employer wizard: "where is your company?" → "whom do you want to hire?" → what applies, grouped by what it does for
the employer. No Flask.

Which instruments apply: those available to an employer located in the gemeente (landelijk, its region's, its own), that
run now, and that fit the person to be hired. Target group, scheme (uitkering) and age group are checked independently:
an instrument without a restriction on one of them applies to everyone on that point; an instrument with a restriction
applies when one of the chosen values is among its values. A point the employer left open ("weet ik niet") does not
exclude anything; the card then says for whom the instrument is meant.

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
from sqlalchemy.orm import Session

from .config import SEED_DIR
from .models import Instrument, Municipality, TaxonomyTerm
from .places import find_municipality
from .queries import available_for_municipality

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
class Choices:
    """What the employer told the wizard. Empty lists mean "not chosen / weet ik niet"."""

    municipality: Municipality | None = None
    municipality_input: str = ""  # what was typed, when it did not resolve to one gemeente
    candidates: list[Municipality] = field(default_factory=list)  # several gemeenten match the input
    target_groups: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    age_groups: list[str] = field(default_factory=list)
    answered: bool = False  # step 2 was submitted (any of its parameters is present)
    canonical: bool = True  # the gemeente was given by its CBS code (the shareable form of the URL)

    def selected(self, taxonomy: str) -> list[str]:
        return {"target_group": self.target_groups, "scheme": self.schemes, "age_group": self.age_groups}[taxonomy]

    def query_args(self) -> dict[str, str]:
        """The shareable GET parameters of these choices (empty values kept, so the result step is recognised)."""
        args = {"gemeente": self.municipality.code if self.municipality else self.municipality_input}
        if self.answered:
            args.update(doelgroep=",".join(self.target_groups), uitkering=",".join(self.schemes),
                        leeftijd=",".join(self.age_groups))
        return args


def _values(args: Mapping[str, Sequence[str]], name: str) -> list[str]:
    out: list[str] = []
    for raw in args.get(name) or []:
        for part in str(raw).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part[:80])
    return out


def parse_choices(session: Session, args: Mapping[str, Sequence[str]]) -> Choices:
    """Turns request parameters (name -> list of values; comma-separated values allowed) into choices.

    Raises WizardError for a target group, scheme or age group code that does not exist.
    """
    choices = Choices()
    typed = "".join(ch for ch in " ".join((args.get("gemeente") or [""])[-1:]) if ch.isprintable()).strip()
    if typed:
        choices.municipality, choices.candidates = find_municipality(session, typed)
        if choices.municipality is None:
            choices.municipality_input = typed[:80]
        else:
            choices.canonical = typed == choices.municipality.code
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


def applies(instrument: Instrument, choices: Choices) -> bool:
    """Whether the instrument fits the person, point by point (see the module docstring)."""
    for taxonomy in CHOICE_PARAMETERS.values():
        wanted = choices.selected(taxonomy)
        restricted = {t.code for t in instrument.terms_of(taxonomy)}
        if wanted and restricted and not restricted.intersection(wanted):
            return False
    return True


@dataclass
class BenefitGroup:
    benefit: Benefit
    instruments: list[Instrument]


@dataclass
class WizardResult:
    groups: list[BenefitGroup]
    total: int
    available: int  # everything available in the gemeente, before matching the person


def result(session: Session, choices: Choices, today: date | None = None,
           benefits: Sequence[Benefit] | None = None) -> WizardResult:
    """What applies to an employer in choices.municipality hiring the person described, grouped by benefit category in
    page order; within a group the gemeente's own instruments come first, then the region's, then national ones."""
    assert choices.municipality is not None
    benefits = tuple(benefits or load_benefits())
    available = available_for_municipality(session, choices.municipality, today)
    matching = [i for i in available if applies(i, choices)]
    reach_order = {"lokaal": 0, "regionaal": 1, "landelijk": 2}
    grouped: OrderedDict[str, list[Instrument]] = OrderedDict((b.code, []) for b in benefits + (OTHER,))
    for item in matching:
        grouped[benefit_for_kind(item.kind.code, benefits).code].append(item)
    by_code = {b.code: b for b in benefits + (OTHER,)}
    groups = [
        BenefitGroup(by_code[code], sorted(items, key=lambda i: (reach_order.get(i.reach, 3), i.kind.sort_order,
                                                                 i.name.lower())))
        for code, items in grouped.items() if items
    ]
    return WizardResult(groups, len(matching), len(available))


def restrictions(instrument: Instrument) -> dict[str, list[TaxonomyTerm]]:
    """For whom the instrument is meant: its target group, scheme and age group terms (empty: everyone)."""
    return {taxonomy: instrument.terms_of(taxonomy) for taxonomy in CHOICE_PARAMETERS.values()
            if instrument.terms_of(taxonomy)}
