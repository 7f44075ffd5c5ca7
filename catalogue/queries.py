"""Finding instruments: parsing filters, availability by location, listing with facet counts. No Flask.

`find_instruments` uses the search engine (catalogue.search: whoosh full text with Dutch stemming and synonyms, bitset
facet counts) when one is registered for the session's database, which `create_app` does; without one (or for
non-public listings) it falls back to plain SQL with the same filter semantics. `facet_counts` and `all_instruments` are
the SQL implementation and stay the reference the engine is tested against.

Public visibility: published, not deleted, inside its publication window. Internal fields are never selected here for
public output; the schemas decide what leaves the service.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from .facets import FACETS, Facet, TermFacet
from .models import (
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

SORTS = ("name", "recent", "relevance")
DEFAULT_LIFECYCLE = ("current", "upcoming")
MAX_PER_PAGE = 100


class QueryError(ValueError):
    """A filter parameter that cannot be used, with a message for the user."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass
class InstrumentQuery:
    q: str = ""
    regions: list[str] = field(default_factory=list)  # AM codes
    municipalities: list[str] = field(default_factory=list)  # GM codes
    providers: list[str] = field(default_factory=list)  # provider slugs
    facets: dict[str, list[str]] = field(default_factory=dict)  # facet key -> selected values
    sort: str = "name"
    page: int = 1
    per_page: int = 20
    instrument_ids: set[int] | None = None  # only these (modified_after); None: no restriction

    def selected(self, key: str) -> list[str]:
        if key == "lifecycle" and "lifecycle" not in self.facets:
            return list(DEFAULT_LIFECYCLE)
        return self.facets.get(key, [])


MAX_VALUES = 50  # codes per filter parameter (the OpenAPI document's maxItems)


def _split(parameter: str, values: Sequence[str]) -> list[str]:
    """Comma-separated or repeated codes. Control characters (a NUL byte breaks PostgreSQL) and empty values between
    commas ("a,,b", ",": a list of empty codes) are refused, and so are more than MAX_VALUES values (written, repeats included: nobody selects more, and it bounds the work)."""
    out: list[str] = []
    parts = [part for value in values for part in str(value).split(",")]
    if sum(1 for part in parts if part.strip()) > MAX_VALUES:
        raise QueryError(parameter, f"mag hoogstens {MAX_VALUES} waarden hebben")
    for value in values:
        split = str(value).split(",")
        if len(split) > 1 and any(not part.strip() for part in split):
            raise QueryError(parameter, "bevat een lege waarde tussen komma's")
        for part in split:
            part = part.strip()
            if not part.isprintable():
                raise QueryError(parameter, "bevat ongeldige tekens")
            if part and part not in out:
                out.append(part)
    return out


def _int(args: Mapping[str, Sequence[str]], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name) or []
    if not raw or raw[-1] == "":
        return default
    try:
        value = int(raw[-1])
    except ValueError:
        raise QueryError(name, f"moet een geheel getal zijn, niet '{raw[-1][:40]}'") from None
    if not low <= value <= high:
        raise QueryError(name, f"moet tussen {low} en {high} liggen")
    return value


def parse_query(session: Session, args: Mapping[str, Sequence[str]]) -> InstrumentQuery:
    """Turns request parameters (name -> list of values; comma-separated values allowed) into a query.

    Unknown codes are refused with a QueryError naming the parameter and the value.
    """
    query = InstrumentQuery()
    q = " ".join(args.get("q") or []).strip()
    if len(q) > 500:
        raise QueryError("q", "de zoekvraag is te lang (hoogstens 500 tekens)")
    query.q = "".join(ch for ch in q if ch.isprintable())
    query.regions = [c.upper() for c in _split("region", args.get("region") or [])]
    query.municipalities = [c.upper() for c in _split("municipality", args.get("municipality") or [])]
    query.providers = _split("provider", args.get("provider") or [])
    _check_codes(session, "region", query.regions, select(Region.code))
    _check_codes(session, "municipality", query.municipalities, select(Municipality.code))
    _check_codes(session, "provider", query.providers, select(Provider.slug))
    for facet in FACETS:
        values = _split(facet.key, args.get(facet.key) or [])
        if values:
            known = {code for code, _, _ in facet.known_values(session)}
            unknown = [v for v in values if v not in known]
            if unknown:
                raise QueryError(facet.key, f"onbekende waarde '{unknown[0][:60]}'; kies uit: {', '.join(sorted(known))}")
            query.facets[facet.key] = values
    sort = (args.get("sort") or [""])[-1] or ("relevance" if query.q else "name")
    if sort not in SORTS:
        raise QueryError("sort", f"kies uit: {', '.join(SORTS)}")
    query.sort = sort
    modified_after = [v for v in args.get("modified_after") or [] if v.strip()]
    if modified_after:
        from .changes import FeedError, modified_since, parse_timestamp

        try:
            query.instrument_ids = modified_since(session, parse_timestamp(modified_after[-1]))
        except FeedError as exc:
            raise QueryError(exc.parameter, exc.message) from None
    query.page = _int(args, "page", 1, 1, 10_000)
    query.per_page = _int(args, "per_page", 20, 1, MAX_PER_PAGE)
    return query


def _check_codes(session: Session, parameter: str, codes: list[str], stmt: Select) -> None:
    if not codes:
        return
    known = set(session.scalars(stmt.where(stmt.selected_columns[0].in_(codes))))
    for code in codes:
        if code not in known:
            raise QueryError(parameter, f"onbekende code '{code[:60]}'")


# ---------------------------------------------------------------------------------------------------------------------
# Conditions


def public_condition(today: date) -> ColumnElement[bool]:
    return and_(
        Instrument.status == "published",
        Instrument.deleted_at.is_(None),
        or_(Instrument.publish_from.is_(None), Instrument.publish_from <= today),
        or_(Instrument.publish_to.is_(None), Instrument.publish_to >= today),
    )


def available_in_municipalities(municipality_ids: list[int], region_ids: list[int]) -> ColumnElement[bool]:
    """An employer located in one of these gemeenten can use: landelijk + its region's + its own gemeente's."""
    return or_(
        Instrument.reach == "landelijk",
        and_(
            Instrument.reach == "regionaal",
            Instrument.id.in_(select(instrument_region.c.instrument_id).where(instrument_region.c.region_id.in_(region_ids))),
        ),
        and_(
            Instrument.reach == "lokaal",
            Instrument.id.in_(
                select(instrument_municipality.c.instrument_id).where(
                    instrument_municipality.c.municipality_id.in_(municipality_ids)
                )
            ),
        ),
    )


def _location_condition(session: Session, query: InstrumentQuery) -> ColumnElement[bool] | None:
    conditions = []
    if query.municipalities:
        rows = session.execute(
            select(Municipality.id, Municipality.region_id).where(Municipality.code.in_(query.municipalities))
        ).all()
        conditions.append(available_in_municipalities([r[0] for r in rows], [r[1] for r in rows]))
    if query.regions:
        region_ids = list(session.scalars(select(Region.id).where(Region.code.in_(query.regions))))
        municipality_ids = list(session.scalars(select(Municipality.id).where(Municipality.region_id.in_(region_ids))))
        conditions.append(available_in_municipalities(municipality_ids, region_ids))
    return and_(*conditions) if conditions else None


def _text_condition(q: str) -> ColumnElement[bool] | None:
    words = [w for w in q.lower().split() if w.strip('"')][:10]
    if not words:
        return None
    parts = []
    for word in words:
        pattern = f"%{word.strip(chr(34))}%"
        parts.append(or_(func.lower(Instrument.name).like(pattern), func.lower(Instrument.summary).like(pattern),
                         func.lower(Instrument.description).like(pattern)))
    return and_(*parts)


def base_conditions(session: Session, query: InstrumentQuery, today: date, public: bool = True) -> list:
    conditions: list = [public_condition(today)] if public else [Instrument.deleted_at.is_(None)]
    location = _location_condition(session, query)
    if location is not None:
        conditions.append(location)
    if query.providers:
        conditions.append(Instrument.provider_id.in_(select(Provider.id).where(Provider.slug.in_(query.providers))))
    if query.instrument_ids is not None:
        conditions.append(Instrument.id.in_(sorted(query.instrument_ids)))
    text = _text_condition(query.q)
    if text is not None:
        conditions.append(text)
    return conditions


def facet_conditions(query: InstrumentQuery, today: date, skip: str | None = None) -> list:
    return [
        facet.condition(query.selected(facet.key), today)
        for facet in FACETS
        if facet.key != skip and query.selected(facet.key)
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class FacetValue:
    code: str
    name: str
    name_en: str | None
    count: int
    selected: bool


@dataclass
class FacetResult:
    key: str
    label: str
    values: list[FacetValue]


@dataclass
class ResultPage:
    items: list[Instrument]
    total: int
    page: int
    per_page: int
    facets: list[FacetResult]
    query: InstrumentQuery
    snippets: dict = field(default_factory=dict)  # instrument id -> Markup with <mark>ed matches (escaped)
    suggestion: str | None = None  # "Bedoelde u ...?": the query with spelling corrections
    notices: list[str] = field(default_factory=list)  # truncated | ignored | corrected | partial | timeout
    ended: int = 0  # matching ended schemes hidden by the default lifecycle filter
    engine: str = "sql"  # which implementation answered: search | sql
    ids: list[int] | None = None  # the page's ids in order, when `items` leaves out those the caller has (`have`)
    reach: object = None  # search.reach.Reach: what the answer depends on, when a cached copy may outlive edits

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def with_relations(stmt: Select) -> Select:
    """Eager-loads what pages, the API and exports show of an instrument."""
    return stmt.options(
        selectinload(Instrument.kind),
        selectinload(Instrument.provider).selectinload(Provider.municipality),
        selectinload(Instrument.provider).selectinload(Provider.region),
        selectinload(Instrument.terms),
        selectinload(Instrument.regions),
        selectinload(Instrument.municipalities),
        selectinload(Instrument.parameter_values),
    )


def find_instruments(session: Session, query: InstrumentQuery, today: date | None = None, public: bool = True,
                     with_facets: bool = True, language: str = "nl", have=None) -> ResultPage:
    """`have(ids, terms)`: the ids of the page the caller already has rows and snippets of (these highlighted terms)
    for; they are not loaded (the search engine only; the result's `ids` gives the order)."""
    today = today or date.today()
    if public:
        from .search import engine_for

        engine = engine_for(session)
        if engine is not None:
            engine.sync(session)
            if engine.ready:  # else (a node that is still loading): answered from SQL below
                return _search(session, engine, query, today, language, have)
    where = base_conditions(session, query, today, public) + facet_conditions(query, today)
    total = session.scalar(select(func.count()).select_from(Instrument).where(*where)) or 0
    stmt = select(Instrument).where(*where)
    if query.sort == "recent":
        stmt = stmt.order_by(Instrument.updated_at.desc(), Instrument.name)
    else:
        stmt = stmt.order_by(func.lower(Instrument.name), Instrument.id)
    stmt = stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)
    items = list(session.scalars(with_relations(stmt)))
    facets = facet_counts(session, query, today, public) if with_facets else []
    return ResultPage(items, total, query.page, query.per_page, facets, query)


def _search(session: Session, engine, query: InstrumentQuery, today: date, language: str, have=None) -> ResultPage:
    from .metrics import SEARCH_SECONDS, Timer
    from .search.snippets import snippets as search_snippets

    with Timer(SEARCH_SECONDS, "text" if query.q else "browse"):
        outcome = engine.search(session, query, today, public_condition)
    known = have(outcome.ids, outcome.terms) if have is not None else set()
    items = _in_order(session, [i for i in outcome.ids if i not in known], with_relations)
    facets = []
    for facet in FACETS:
        selected = set(query.selected(facet.key))
        counts = outcome.counts.get(facet.key, {})
        facets.append(FacetResult(facet.key, facet.label, [
            FacetValue(code, name, name_en, counts.get(code, 0), code in selected)
            for code, name, name_en in outcome.known[facet.key]
        ]))
    snippets = search_snippets(items, outcome.terms, language) if outcome.terms else {}
    return ResultPage(items, outcome.total, query.page, query.per_page, facets, query, snippets=snippets,
                      suggestion=outcome.suggestion, notices=outcome.notices, ended=outcome.ended, engine="search",
                      reach=outcome.reach, ids=outcome.ids)


def facet_counts(session: Session, query: InstrumentQuery, today: date, public: bool = True) -> list[FacetResult]:
    base = base_conditions(session, query, today, public)
    results = []
    for facet in FACETS:
        where = base + facet_conditions(query, today, skip=facet.key)
        counts = _count_values(session, facet, where, today)
        selected = set(query.selected(facet.key))
        values = [
            FacetValue(code, name, name_en, counts.get(code, 0), code in selected)
            for code, name, name_en in facet.known_values(session)
        ]
        results.append(FacetResult(facet.key, facet.label, values))
    return results


def _count_values(session: Session, facet: Facet, where: list, today: date) -> dict[str, int]:
    count = func.count(func.distinct(Instrument.id))
    if isinstance(facet, TermFacet):
        stmt = (
            select(TaxonomyTerm.code, count)
            .select_from(Instrument)
            .join(instrument_term, instrument_term.c.instrument_id == Instrument.id)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(TaxonomyTerm.taxonomy == facet.taxonomy, *where)
            .group_by(TaxonomyTerm.code)
        )
    elif facet.key == "kind":
        stmt = select(InstrumentKind.code, count).select_from(Instrument).join(InstrumentKind).where(*where).group_by(InstrumentKind.code)
    elif facet.key == "provider_type":
        stmt = select(Provider.type, count).select_from(Instrument).join(Provider).where(*where).group_by(Provider.type)
    else:
        expr = facet.value_expression(today)
        stmt = select(expr, count).select_from(Instrument).where(*where).group_by(expr)
    return {str(code): n for code, n in session.execute(stmt)}


def listed_counts(session: Session, today: date | None = None) -> tuple[int, dict[str, int]]:
    """The one count of "instruments" shown to the public (home page, list, /soorten, the kind links): public instruments
    that are current or not started yet, i.e. what /instrumenten lists without filters. (total, {kind code: count})."""
    result = find_instruments(session, InstrumentQuery(per_page=1), today or date.today())
    kinds = next(f for f in result.facets if f.key == "kind")
    return result.total, {v.code: v.count for v in kinds.values}


def get_public_instrument(session: Session, slug: str, today: date | None = None) -> Instrument | None:
    today = today or date.today()
    stmt = with_relations(select(Instrument).where(Instrument.slug == slug, public_condition(today)))
    return session.scalar(stmt)


def all_instruments(session: Session, query: InstrumentQuery, today: date | None = None) -> list[Instrument]:
    """Every public instrument matching the query, unpaginated, by name (region and gemeente pages, exports)."""
    today = today or date.today()
    stmt = select(Instrument).where(*base_conditions(session, query, today), *facet_conditions(query, today))
    return list(session.scalars(with_relations(stmt.order_by(func.lower(Instrument.name), Instrument.id))))


def available_for_municipality(session: Session, municipality: Municipality, today: date | None = None,
                               lifecycle: tuple[str, ...] = ("current",)) -> list[Instrument]:
    """Everything an employer located in this gemeente can use, public only."""
    query = InstrumentQuery(municipalities=[municipality.code], facets={"lifecycle": list(lifecycle)})
    return all_instruments(session, query, today)


def available_ids_in_each(session: Session, municipalities: list[Municipality], today: date | None = None,
                          lifecycle: tuple[str, ...] = ("current",)) -> dict[int, set[int]]:
    """{gemeente id: ids of the public instruments an employer located there can use}. Answered by the search engine's
    facet table (kept current by the change-log follower) when one is loaded, else by SQL; no instrument is loaded."""
    today = today or date.today()
    table = None
    if municipalities:
        from .search import engine_for

        engine = engine_for(session)
        if engine is not None:
            engine.sync(session)
            try:
                table = engine.table(session, today, public_condition)
            except RuntimeError:  # the follower has not loaded the facet table yet: SQL answers meanwhile
                table = None
    per: dict[int, set[int]] = {}
    for m in municipalities:
        if table is not None:
            bits = table.all & table.selection("lifecycle", list(lifecycle)) & table.available_in(
                [m.id], [m.region_id] if m.region_id is not None else [])
            ids = set()
            while bits:  # the set bits only (a page has a few hundred of 20,000)
                low = bits & -bits
                ids.add(table.ids[low.bit_length() - 1])
                bits ^= low
            per[m.id] = ids
        else:
            query = InstrumentQuery(municipalities=[m.code], facets={"lifecycle": list(lifecycle)})
            per[m.id] = set(session.scalars(select(Instrument.id).where(*base_conditions(session, query, today),
                                                                          *facet_conditions(query, today))))
    return per


def suggestions(session: Session, text: str, today: date | None = None, limit: int = 8) -> tuple[list[Instrument], list[str]]:
    """Search-as-you-type: public, current or upcoming instruments matching what was typed so far (the last word as a
    prefix), and completions of the last word. Without a search engine: names containing the text."""
    from .search import engine_for

    today = today or date.today()
    engine = engine_for(session)
    if engine is not None:
        engine.sync(session)
    if engine is None or not engine.ready:
        query = InstrumentQuery(q=text, per_page=limit)
        return find_instruments(session, query, today, with_facets=False).items, []
    from .metrics import SEARCH_SECONDS, Timer

    with Timer(SEARCH_SECONDS, "suggest"):
        found = engine.suggest(session, text, today, public_condition, limit=limit)
    items = _in_order(session, found.get("ids", []), lambda stmt: stmt.options(selectinload(Instrument.kind),
                                                                                selectinload(Instrument.provider)))
    return items, found["completions"]


def _in_order(session: Session, ids: list[int], load) -> list[Instrument]:
    """The instruments with these ids, in the order the search engine ranked them; `load` adds eager loading."""
    if not ids:
        return []
    rows = {i.id: i for i in session.scalars(load(select(Instrument).where(Instrument.id.in_(ids))))}
    return [rows[i] for i in ids if i in rows]


def text_search_ids(session: Session, text: str, today: date | None = None, limit: int = 500) -> list[int]:
    """Instrument ids matching `text`, best first, for the manage pages (drafts and deleted ones included): the search
    engine's ranking (synonyms, stemming, typos) over the published instruments, then every other instrument whose name,
    slug, summary, description or internal notes contain all the words (the index holds public instruments only)."""
    from .search import engine_for

    today = today or date.today()
    ranked: list[int] = []
    engine = engine_for(session)
    if engine is not None:
        engine.sync(session)
    if engine is not None and engine.ready:  # else (a node that is still loading): the words in SQL below only
        query = InstrumentQuery(q=text, sort="relevance", per_page=MAX_PER_PAGE,
                                facets={"lifecycle": ["current", "upcoming", "ended"]})
        for page in range(1, limit // MAX_PER_PAGE + 1):
            query.page = page
            outcome = engine.search(session, query, today, public_condition)
            ranked.extend(outcome.ids)
            if len(outcome.ids) < MAX_PER_PAGE:
                break
    words = [w for w in text.lower().replace('"', " ").split() if w.strip("-*")][:10]
    if words:
        fields = (Instrument.name, Instrument.slug, Instrument.summary, Instrument.description, Instrument.internal_notes)
        condition = and_(*[or_(*[func.lower(f).like(f"%{w.strip('-*')}%") for f in fields]) for w in words])
        seen = set(ranked)
        stmt = select(Instrument.id).where(condition).order_by(func.lower(Instrument.name)).limit(limit)
        ranked.extend(i for i in session.scalars(stmt) if i not in seen)
    return ranked[:limit]
