"""What the employer told the wizard: the employer's location, the candidate's residence and characteristics, parsed
from the shareable URL's parameters."""
from __future__ import annotations

from dataclasses import dataclass, field
from collections import OrderedDict
from typing import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Municipality, TaxonomyTerm
from ..places import PlaceLookup, resolve_place

# URL parameter -> taxonomy. Dutch parameter names: the URL is meant to be shared and read.
CHOICE_PARAMETERS = OrderedDict([("doelgroep", "target_group"), ("uitkering", "scheme"), ("leeftijd", "age_group")])
MULTIPLE = {"doelgroep": True, "uitkering": True, "leeftijd": False}


class WizardError(ValueError):
    """A wizard parameter that cannot be used, with a Dutch message for the user (the msgid of its translation)."""

    def __init__(self, parameter: str, value: str):
        super().__init__(f"{parameter}: {value}")
        self.parameter = parameter
        self.value = value


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
