"""Finding a gemeente from what someone typed: CBS code, name, the name without accents or punctuation, an everyday
name from seed_data/gemeente_aliases.yaml ("Den Haag"), or a woonplaats from seed_data/woonplaatsen_2025.csv (CBS/BAG,
"Schoonhoven" -> Krimpenerwaard). A woonplaats name shared by several gemeenten ("Bergen") is never resolved silently:
the caller gets the choice. A typo gets a suggestion. No Flask."""
from __future__ import annotations

import csv
import re
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .config import SEED_DIR
from .models import Municipality
from .slugs import slugify

ALIASES_FILE = SEED_DIR / "gemeente_aliases.yaml"
WOONPLAATSEN_FILE = SEED_DIR / "woonplaatsen_2025.csv"
MAX_INPUT = 80
# The BAG tells woonplaatsen of the same name apart with a province abbreviation ("Bergen L", "Haren Gn",
# "Bergen (NH)"); someone typing "Bergen" means any of them.
PROVINCE_SUFFIX = re.compile(r"\s+\(?(?:L|LB|GLD|NB|GN|NH|ZH|UT|U|FR|DR|OV|ZLD|Z|FL)\.?\)?$", re.IGNORECASE)


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """slug of an everyday name -> CBS code."""
    with ALIASES_FILE.open(encoding="utf-8") as fh:
        return {slugify(str(name)): str(code).upper() for name, code in (yaml.safe_load(fh) or {}).items()}


@dataclass(frozen=True)
class Woonplaats:
    code: str
    name: str
    municipality_code: str
    municipality_name: str


@lru_cache(maxsize=1)
def woonplaatsen() -> dict[str, tuple[Woonplaats, ...]]:
    """slug of a woonplaats name, and of the name without its province abbreviation -> every woonplaats of that name
    (one per gemeente it lies in)."""
    out: dict[str, list[Woonplaats]] = defaultdict(list)
    with WOONPLAATSEN_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            place = Woonplaats(row["woonplaats_code"], row["woonplaats_name"], row["municipality_code"],
                               row["municipality_name"])
            out[slugify(place.name)].append(place)
            base = slugify(PROVINCE_SUFFIX.sub("", place.name))
            if base != slugify(place.name):
                out[base].append(place)
    return {slug: tuple(places) for slug, places in out.items()}


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_INPUT]


@dataclass
class PlaceChoice:
    """One gemeente a typed name may mean; `woonplaats` when the name is a woonplaats in it."""

    municipality: Municipality
    woonplaats: str | None = None


@dataclass
class PlaceLookup:
    """The outcome of resolving a typed place name."""

    text: str
    municipality: Municipality | None = None
    woonplaats: str | None = None  # set when the text named a woonplaats of another name than its gemeente
    choices: list[PlaceChoice] = field(default_factory=list)  # several gemeenten fit: let the user choose
    alternatives: list[PlaceChoice] = field(default_factory=list)  # a gemeente matched; woonplaatsen of that name elsewhere
    suggestion: str | None = None  # nothing fits; this name is close to what was typed

    @property
    def candidates(self) -> list[Municipality]:
        return [c.municipality for c in self.choices]


def exact_municipality(session: Session, text: str | None) -> Municipality | None:
    """The gemeente this text names exactly (code, name in any case, accent- and punctuation-free name, or alias)."""
    text = _clean(text)
    if not text:
        return None
    slug = slugify(text)
    conditions = [Municipality.code == text.upper(), func.lower(Municipality.name) == text.lower(), Municipality.slug == slug]
    if slug in aliases():
        conditions.append(Municipality.code == aliases()[slug])
    return session.scalar(select(Municipality).where(or_(*conditions))
                          .order_by(Municipality.valid_until.is_not(None), Municipality.name).limit(1))


def _by_codes(session: Session, codes: list[str]) -> dict[str, Municipality]:
    return {m.code: m for m in session.scalars(select(Municipality).where(Municipality.code.in_(codes)))}


def resolve_place(session: Session, text: str | None, limit: int = 20) -> PlaceLookup:
    """Resolves a gemeente or woonplaats name (see the module docstring)."""
    text = _clean(text)
    lookup = PlaceLookup(text)
    slug = slugify(text)
    if not slug:
        return lookup
    match = exact_municipality(session, text)
    places = woonplaatsen().get(slug, ())
    found = _by_codes(session, [p.municipality_code for p in places]) if places else {}
    choices = [PlaceChoice(found[p.municipality_code], p.name) for p in places if p.municipality_code in found]
    if match is not None:
        # a gemeente's own name wins; a woonplaats of that name in another gemeente ("Beek") is offered beside it
        lookup.municipality = match
        lookup.alternatives = [c for c in choices if c.municipality.code != match.code]
        return lookup
    if choices:
        if len({c.municipality.code for c in choices}) == 1:
            lookup.municipality, lookup.woonplaats = choices[0].municipality, choices[0].woonplaats
        else:
            lookup.choices = sorted(choices, key=lambda c: c.municipality.name)
        return lookup
    pattern = "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
    partial = list(session.scalars(
        select(Municipality).where(or_(func.lower(Municipality.name).like(pattern), Municipality.slug.like(f"%{slug}%")))
        .order_by(Municipality.name).limit(limit)
    ))
    if len(partial) == 1:
        lookup.municipality = partial[0]
    elif partial:
        lookup.choices = [PlaceChoice(m) for m in partial]
    else:
        lookup.suggestion = suggest(session, text)
    return lookup


def suggest(session: Session, text: str) -> str | None:
    """The gemeente or woonplaats name closest to a misspelt one, if any is close enough."""
    names = {slugify(n): n for n in session.scalars(select(Municipality.name))}
    for slug, places in woonplaatsen().items():
        names.setdefault(slug, places[0].name)
    close = difflib.get_close_matches(slugify(text), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def find_municipality(session: Session, text: str | None, limit: int = 20) -> tuple[Municipality | None, list[Municipality]]:
    """(the gemeente, []) when the text names one, or only one fits; otherwise (None, the candidates)."""
    lookup = resolve_place(session, text, limit)
    return lookup.municipality, lookup.candidates
