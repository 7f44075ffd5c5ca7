"""The exact filter someone follows: a list/search page's parameters or a wizard result's answers, validated and
normalised (codes only, sorted, no paging or sorting), described in words, and matched against instruments.

The lifecycle filter is not part of it: a digest tells about every stage (new, changed, ending soon, ended)."""
from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..facets import FACETS
from ..models import LIFECYCLES, Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from ..queries import QueryError, base_conditions, facet_conditions, find_instruments, parse_query
from ..wizard import CHOICE_PARAMETERS, WizardError, matching_ids as wizard_matching_ids, parse_choices

LIST_FACETS = tuple(f.key for f in FACETS if f.key != "lifecycle")
WIZARD_KEYS = ("gemeente", "woont") + tuple(CHOICE_PARAMETERS)
MAX_TEXT_PAGES = 20  # a followed search text is matched against its 2,000 best results


class FilterError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


def from_list_args(session: Session, args: dict[str, list[str]]) -> dict[str, list[str]]:
    """The list page's parameters (as searched) -> the normalised filter. QueryError for what the page refuses too."""
    query = parse_query(session, args)
    out: dict[str, list[str]] = {}
    q = " ".join(query.q.split()).lower()
    if q:
        out["q"] = [q]
    for key, values in (("region", query.regions), ("municipality", query.municipalities),
                        ("provider", query.providers)):
        if values:
            out[key] = sorted(set(values))
    for key in LIST_FACETS:
        if query.facets.get(key):
            out[key] = sorted(set(query.facets[key]))
    return out


def from_wizard_args(session: Session, args: dict[str, list[str]]) -> dict[str, list[str]]:
    """A wizard result's answers -> the normalised filter (CBS codes). FilterError when it is not a result."""
    try:
        choices = parse_choices(session, args)
    except WizardError as exc:
        raise FilterError(exc.parameter, exc.value) from None
    if choices.municipality is None or choices.residence.problem or not choices.answered:
        raise FilterError("gemeente", "not a wizard result")
    out = {"gemeente": [choices.municipality.code]}
    if choices.residence.municipality is not None and choices.residence.municipality.id != choices.municipality.id:
        out["woont"] = [choices.residence.municipality.code]
    for parameter, taxonomy in CHOICE_PARAMETERS.items():
        if choices.selected(taxonomy):
            out[parameter] = sorted(set(choices.selected(taxonomy)))
    return out


def normalise(session: Session, source: str, args: dict[str, list[str]]) -> dict[str, list[str]]:
    if source == "wizard":
        return from_wizard_args(session, args)
    try:
        return from_list_args(session, args)
    except QueryError as exc:
        raise FilterError(exc.parameter, exc.message) from None


def filter_key(source: str, normalised: dict) -> str:
    return hashlib.sha256(json.dumps([source, normalised], sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def page_args(source: str, normalised: dict) -> dict[str, str]:
    """The URL parameters of the page this filter shows (comma-joined, as the pages accept them)."""
    args = {k: ",".join(v) for k, v in normalised.items()}
    if source == "wizard":  # a result URL names every step
        for parameter in CHOICE_PARAMETERS:
            args.setdefault(parameter, "")
        args.setdefault("woont", "")
    return args


LABELS = {
    "nl": {"q": "Zoekwoorden", "region": "Arbeidsmarktregio", "municipality": "Gemeente", "provider": "Aanbieder",
           "gemeente": "Gemeente van de werkgever", "woont": "Kandidaat woont in", "doelgroep": "Doelgroep",
           "uitkering": "Uitkering of regeling", "leeftijd": "Leeftijd", "all": "Alle instrumenten",
           "target_group": "Doelgroep", "scheme": "Uitkering of regeling", "age_group": "Leeftijd",
           "kind": "Soort instrument", "provider_type": "Soort aanbieder", "reach": "Bereik", "sector": "Sector",
           "employment_type": "Soort dienstverband", "leerwerktraject": "Leerwerktraject"},
    "en": {"q": "Search words", "region": "Labour market region", "municipality": "Municipality",
           "provider": "Provider", "gemeente": "Employer's municipality", "woont": "Candidate lives in",
           "doelgroep": "Target group", "uitkering": "Benefit or scheme", "leeftijd": "Age", "all": "All instruments",
           "target_group": "Target group", "scheme": "Benefit or scheme", "age_group": "Age",
           "kind": "Kind of instrument", "provider_type": "Type of provider", "reach": "Reach", "sector": "Sector",
           "employment_type": "Employment type", "leerwerktraject": "Work-study track"},
}


def describe(session: Session, source: str, normalised: dict, language: str = "nl") -> list[tuple[str, str]]:
    """(label, values in words) per part of the filter, for the subscribe page, the mails and the overview."""
    language = language if language in LABELS else "nl"
    labels = LABELS[language]

    def name(obj) -> str:
        return (getattr(obj, f"name_{language}", None) if language != "nl" else None) or obj.name
    terms = {(t.taxonomy, t.code): name(t) for t in session.scalars(select(TaxonomyTerm))}
    kinds = {k.code: name(k) for k in session.scalars(select(InstrumentKind))}
    places = dict(session.execute(select(Municipality.code, Municipality.name)).all())
    regions = dict(session.execute(select(Region.code, Region.name)).all())
    providers = dict(session.execute(select(Provider.slug, Provider.name)).all())
    out = []
    for key, values in normalised.items():
        if key == "q":
            out.append((labels["q"], f"‘{values[0]}’"))
            continue
        if key in ("municipality", "gemeente", "woont"):
            names = [places.get(v, v) for v in values]
        elif key == "region":
            names = [regions.get(v, v) for v in values]
        elif key == "provider":
            names = [providers.get(v, v) for v in values]
        elif key == "kind":
            names = [kinds.get(v, v) for v in values]
        elif key in CHOICE_PARAMETERS:
            names = [terms.get((CHOICE_PARAMETERS[key], v), v) for v in values]
        else:
            facet = next((f for f in FACETS if f.key == key), None)
            taxonomy = getattr(facet, "taxonomy", key)
            names = [terms.get((taxonomy, v), v) for v in values]
        out.append((labels.get(key, key), ", ".join(names)))
    return out or [(labels["all"], "")]


def matching(session: Session, source: str, normalised: dict, candidates: set[int],
             today: date | None = None) -> set[int]:
    """Which of `candidates` (instrument ids) the page for this filter shows, in any lifecycle, public only."""
    if not candidates:
        return set()
    today = today or date.today()
    if source == "wizard":
        choices = parse_choices(session, {k: [v] for k, v in page_args(source, normalised).items()})
        return wizard_matching_ids(session, choices, today) & candidates
    args = {k: list(v) for k, v in normalised.items()}
    query = parse_query(session, args)
    query.facets["lifecycle"] = list(LIFECYCLES)
    if not query.q:  # plain filters: the same conditions as the list, in SQL
        rows = session.scalars(select(Instrument.id).where(
            *base_conditions(session, query, today), *facet_conditions(query, today),
            Instrument.id.in_(sorted(candidates))))
        return set(rows)
    query.sort, query.per_page = "relevance", 100  # search text: the search engine, as the page does
    found: set[int] = set()
    for page in range(1, MAX_TEXT_PAGES + 1):
        query.page = page
        result = find_instruments(session, query, today, with_facets=False)
        found |= {item.id for item in result.items}
        if page >= result.pages or candidates <= found:
            break
    return found & candidates
