"""Read API under /api/v1. JSON only; public fields only."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from .. import get_db
from ..dated import on_date, parse_peildatum
from ..models import InstrumentKind, Municipality, Region
from ..places import resolve_place
from ..facets import FACETS
from ..i18n import current_language, localized
from ..queries import QueryError, find_instruments, get_public_instrument, parse_query, suggestions
from ..schemas import (
    InstrumentDetailOutSchema,
    InstrumentOutSchema,
    KindOutSchema,
    MunicipalityOutSchema,
    RegionDetailOutSchema,
    RegionOutSchema,
)
from . import openapi
from .http_cache import depends_on, row_cache

bp = Blueprint("api", __name__)


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


@bp.errorhandler(QueryError)
def _query_error(exc: QueryError):
    return jsonify(error=f"Ongeldige parameter '{exc.parameter}': {exc.message}", parameter=exc.parameter), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code


def _check_only(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise QueryError(unknown[0], f"onbekende parameter; toegestaan: {', '.join(sorted(allowed))}")


INSTRUMENT_PARAMETERS = {"q", "region", "municipality", "plaats", "provider", "sort", "page", "per_page", "target_group", "scheme",
                         "age_group", "kind", "provider_type", "reach", "sector", "employment_type", "leerwerktraject",
                         "lifecycle", "facets", "modified_after"}


def _facet_keys() -> set[str] | None:
    """`facets=kind,reach` returns only those facets, `facets=none` none; default all."""
    raw = ",".join(request.args.getlist("facets"))
    if not raw.strip():
        return None
    keys = {k.strip() for k in raw.split(",") if k.strip()}
    if keys == {"none"}:
        return set()
    known = {f.key for f in FACETS}
    unknown = sorted(keys - known)
    if unknown:
        raise QueryError("facets", f"onbekend facet '{unknown[0][:40]}'; kies uit: none, {', '.join(sorted(known))}")
    return keys


@bp.get("/instruments")
def instruments():
    _check_only(INSTRUMENT_PARAMETERS)
    session = get_db()
    keys = _facet_keys()
    args = _args()
    place = None
    if request.args.get("plaats", "").strip():
        lookup = resolve_place(session, request.args["plaats"])
        if lookup.municipality is None:
            return jsonify(
                error="Ongeldige parameter 'plaats': " + ("meer dan één gemeente past; kies er een" if lookup.choices
                                                          else "onbekende gemeente of woonplaats"),
                parameter="plaats", suggestion=lookup.suggestion,
                choices=[{"code": c.municipality.code, "name": c.municipality.name, "woonplaats": c.woonplaats}
                         for c in lookup.choices]), 400
        args = {**args, "municipality": [*args.get("municipality", []), lookup.municipality.code]}
        place = {"query": lookup.text, "woonplaats": lookup.woonplaats,
                 "municipality": {"code": lookup.municipality.code, "name": lookup.municipality.name},
                 "message": (f"{lookup.woonplaats} ligt in de gemeente {lookup.municipality.name}."
                             if lookup.woonplaats else None)}
    query = parse_query(session, args)
    rows = row_cache.for_request(current_language(), bool(query.q))  # None: not an anonymous, cacheable request
    result = find_instruments(session, query, language=current_language(), have=rows and rows.have)
    args = request.args.to_dict(flat=True)
    links = {}
    if result.page < result.pages:
        links["next"] = url_for(".instruments", **{**args, "page": result.page + 1}, _external=True)
    if result.page > 1:
        links["prev"] = url_for(".instruments", **{**args, "page": result.page - 1}, _external=True)
    loaded = {row.id: dumped for row, dumped in zip(result.items, InstrumentOutSchema(many=True).dump(result.items))}
    for row in result.items:
        if query.q:
            snippet = result.snippets.get(row.id)
            loaded[row.id]["snippet"] = str(snippet) if snippet else None
        if rows:
            rows.put(row.id, loaded[row.id])
    # in the search's order; an id whose row is gone (deleted since the index was followed) is left out, as before
    items = [item for i in (result.ids or list(loaded))
             if (item := loaded.get(i) or (rows.get(i) if rows else None)) is not None]
    body = dict(
        items=items,
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        links=links,
        facets={
            f.key: [{"code": v.code, "name": v.name, "count": v.count, "selected": v.selected} for v in f.values]
            for f in result.facets if keys is None or f.key in keys
        },
    )
    if place is not None:
        body["place"] = place
    if query.q:
        body["search"] = {
            "q": query.q,
            "suggestion": result.suggestion,
            "notices": result.notices,
            "ended": result.ended,
        }
        if result.ended:
            body["links"]["ended"] = url_for(".instruments", **{**args, "lifecycle": "ended", "page": 1}, _external=True)
    if query.municipalities or query.regions:
        body["coverage"] = _coverage_of_location(session, query)  # not in the change log: never carried over edits
    else:
        depends_on(result.reach)
    return jsonify(body)


def _coverage_of_location(session, query) -> list[dict]:
    """With a location: what is known about the offer of those gemeenten (or regions). An offer that is not declared
    complete reads "onbekend — nog niet ingevoerd"; the missing instruments are not "none"."""
    from ..coverage import municipality_coverage, region_coverage, unknown_text

    if query.municipalities:
        places = list(session.scalars(select(Municipality).where(Municipality.code.in_(query.municipalities))))
        found = municipality_coverage(session, places).values()
    else:
        places = list(session.scalars(select(Region).where(Region.code.in_(query.regions))))
        found = region_coverage(session, places).values()
    return [{**c.to_dict(), "note": None if c.complete else unknown_text(current_language())} for c in found]


@bp.get("/suggest")
def suggest():
    """Search-as-you-type: up to `limit` instruments (slug, name, kind) and word completions for what was typed."""
    _check_only({"q", "limit"})
    session = get_db()
    if "q" not in request.args:
        raise QueryError("q", "verplicht: wat er tot nu toe is getypt")
    raw = request.args.get("q", "")
    if len(raw) > 500:
        raise QueryError("q", "de zoekvraag is te lang (hoogstens 500 tekens)")
    limit = _int_arg("limit", 8, 1, 20)
    items, completions = suggestions(session, raw, limit=limit)
    return jsonify(
        q=raw,
        items=[{"slug": i.slug, "name": localized(i, "name"), "kind": {"code": i.kind.code, "name": localized(i.kind, "name")},
                "provider": {"slug": i.provider.slug, "name": i.provider.name},
                "url": url_for("public.instrument", slug=i.slug, _external=True)} for i in items],
        completions=completions,
    )


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(name, f"moet een geheel getal zijn, niet '{raw[:40]}'") from None
    if not low <= value <= high:
        raise QueryError(name, f"moet tussen {low} en {high} liggen")
    return value


@bp.get("/instruments/<slug>")
def instrument(slug: str):
    _check_only({"peildatum"})
    day = parse_peildatum(request.args.get("peildatum"))
    item = get_public_instrument(get_db(), slug)
    if item is None:
        abort(404, description=f"Geen gepubliceerd instrument '{slug[:80]}'.")
    return jsonify(InstrumentDetailOutSchema().dump(on_date(item, day)))


@bp.get("/changes")
def changes():
    """The public change feed: every public change after `since`, in commit order (see catalogue/changes/)."""
    from ..changes import FeedError, decode_cursor, encode_cursor, read
    from ..changes.feed import page

    _check_only({"since", "limit"})
    limit = _int_arg("limit", 100, 1, 1000)
    raw = request.args.get("since", "")
    try:
        since = decode_cursor(raw) if raw else 0
        items, position, more = read(get_db(), since, limit)
    except FeedError as exc:
        raise QueryError(exc.parameter, exc.message) from None
    next_url = url_for(".changes", since=encode_cursor(position), limit=limit, _external=True)
    response = current_app.response_class(page(items, position, more, next_url), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"  # new entries can follow at any moment (not the index's position)
    return response


@bp.get("/regions")
def regions():
    _check_only(set())
    rows = get_db().scalars(
        select(Region).options(selectinload(Region.municipalities), selectinload(Region.centrumgemeente)).order_by(Region.code)
    )
    items = RegionOutSchema(many=True).dump(rows)
    return jsonify(items=items, total=len(items))


@bp.get("/regions/<code>")
def region(code: str):
    _check_only(set())
    item = get_db().scalar(select(Region).where(Region.code == code.upper()))
    if item is None:
        abort(404, description=f"Geen arbeidsmarktregio '{code[:20]}'.")
    return jsonify(RegionDetailOutSchema().dump(item))


@bp.get("/municipalities")
def municipalities():
    _check_only({"region"})
    session = get_db()
    stmt = select(Municipality).options(selectinload(Municipality.region)).order_by(Municipality.name)
    code = request.args.get("region", "").strip().upper()
    if code:
        region_id = session.scalar(select(Region.id).where(Region.code == code))
        if region_id is None:
            raise QueryError("region", f"onbekende code '{code[:20]}'")
        stmt = stmt.where(Municipality.region_id == region_id)
    items = MunicipalityOutSchema(many=True).dump(session.scalars(stmt))
    return jsonify(items=items, total=len(items))


@bp.get("/kinds")
def kinds():
    _check_only(set())
    rows = get_db().scalars(
        select(InstrumentKind).options(selectinload(InstrumentKind.not_harmonisable_with)).order_by(InstrumentKind.sort_order)
    )
    items = KindOutSchema(many=True).dump(rows)
    return jsonify(items=items, total=len(items))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(get_db()))


from . import api_compare  # noqa: E402,F401  (harmonisation and comparison routes on this blueprint)
from . import api_write  # noqa: E402,F401  (token-authenticated write API on this blueprint)
from . import api_coverage  # noqa: E402,F401  (data coverage; declaring an offer complete)
from . import api_dcat  # noqa: E402,F401  (DCAT-AP-NL description of the catalogue)
