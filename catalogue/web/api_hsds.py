"""The HSDS 3.0 API under /api/hsds (catalogue.hsds maps; this module only reads requests and answers JSON)."""
from __future__ import annotations

from datetime import date

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file, stream_with_context, url_for
from werkzeug.exceptions import HTTPException

from .. import get_db
from ..hsds import HSDS_VERSION, extensions, listing
from ..hsds.cache import ExportCache
from ..hsds.export import iter_zip
from ..hsds.organizations import organization_out
from ..hsds.services import service_out
from ..hsds.taxonomies import BY_ID, TAXONOMIES, all_terms, find_term, instrument_wide_terms, taxonomy_out, term_out
from ..models import Provider
from ..hsds import ids

bp = Blueprint("hsds", __name__)


@bp.errorhandler(listing.ListError)
def _list_error(exc: listing.ListError):
    return jsonify(error=f"Ongeldige parameter '{exc.parameter}': {exc.message}", parameter=exc.parameter), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code


def _guide_url() -> str:
    return request.host_url.rstrip("/")


def _hsds_url() -> str:
    return _guide_url() + "/api/hsds"


def _only(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise listing.ListError(unknown[0], f"onbekende parameter; toegestaan: {', '.join(sorted(allowed)) or 'geen'}")


def _bool(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise listing.ListError(name, "moet true of false zijn")


def _int(name: str, default: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= high:
        raise listing.ListError(name, f"moet een geheel getal van 1 tot en met {high} zijn")
    return int(raw)


def _paging() -> tuple[int, int]:
    return _int("page", 1, 100_000), _int("per_page", 50, listing.MAX_PER_PAGE)


@bp.get("/")
def root():
    _only(set())
    return jsonify(version=HSDS_VERSION, profile=url_for(".profile", _external=True),
                   openapi_url=url_for("api.openapi_document", _external=True))


@bp.get("/profile")
def profile():
    _only(set())
    return jsonify(extensions.profile(url_for("api.openapi_document", _external=True)))


@bp.get("/services")
def services():
    _only({"page", "per_page", "modified_after", "organization_id", "taxonomy_term_id", "taxonomy_id", "full", "minimal"})
    session = get_db()
    today = date.today()
    page, per_page = _paging()
    full, minimal = _bool("full"), _bool("minimal")
    flt = listing.parse_filter(session, request.args.to_dict())
    total, rows = listing.page_of_services(session, flt, page, per_page, today)
    if minimal:
        contents = [{k: v for k, v in service_out(r, _guide_url(), today, full=False).items() if k in ("id", "last_modified")}
                    for r in rows]
    else:
        wide_terms = instrument_wide_terms(session) if full else None
        contents = [service_out(r, _guide_url(), today, full=full, wide_terms=wide_terms) for r in rows]
    return jsonify(listing.page_shape(total, page, per_page, contents))


@bp.get("/services/<service_id>")
def service(service_id: str):
    _only(set())
    session = get_db()
    item = listing.public_service(session, service_id, date.today())
    if item is None:
        abort(404, description=f"Geen openbare service '{service_id[:60]}'.")
    return jsonify(service_out(item, _guide_url(), wide_terms=instrument_wide_terms(session)))


@bp.get("/service_areas")
def service_areas():
    """Every public service's service areas (an addition to the HSDS API reference, which nests them in services)."""
    from ..hsds.areas import page_of_areas

    _only({"page", "per_page"})
    page, per_page = _paging()
    total, contents = page_of_areas(get_db(), date.today(), page, per_page)
    return jsonify(listing.page_shape(total, page, per_page, contents))


@bp.get("/organizations")
def organizations():
    _only({"page", "per_page", "full"})
    page, per_page = _paging()
    full = _bool("full")
    rows = listing.providers(get_db())
    part = rows[(page - 1) * per_page:page * per_page]
    return jsonify(listing.page_shape(len(rows), page, per_page, [organization_out(p, _guide_url(), full=full) for p in part]))


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    _only(set())
    number = ids.number_of("organization", organization_id)
    provider = get_db().get(Provider, number) if number is not None else None
    if provider is None:
        abort(404, description=f"Geen organization '{organization_id[:60]}'.")
    return jsonify(organization_out(provider, _guide_url()))


@bp.get("/taxonomies")
def taxonomies():
    _only({"page", "per_page"})
    page, per_page = _paging()
    part = TAXONOMIES[(page - 1) * per_page:page * per_page]
    return jsonify(listing.page_shape(len(TAXONOMIES), page, per_page, [taxonomy_out(t, _hsds_url()) for t in part]))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    _only(set())
    found = BY_ID.get(taxonomy_id)
    if found is None:
        abort(404, description=f"Geen taxonomy '{taxonomy_id[:60]}'.")
    return jsonify(taxonomy_out(found, _hsds_url()))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    _only({"page", "per_page", "taxonomy_id"})
    page, per_page = _paging()
    terms = all_terms(get_db())
    wanted = request.args.get("taxonomy_id", "")
    if wanted:
        if wanted not in BY_ID:
            raise listing.ListError("taxonomy_id", f"onbekende taxonomy '{wanted[:60]}'")
        terms = [t for t in terms if term_out(t)["taxonomy_id"] == wanted]
    part = terms[(page - 1) * per_page:page * per_page]
    return jsonify(listing.page_shape(len(terms), page, per_page, [term_out(t) for t in part]))


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    _only(set())
    term = find_term(get_db(), term_id)
    if term is None:
        abort(404, description=f"Geen taxonomy_term '{term_id[:60]}'.")
    return jsonify(term_out(term, _hsds_url()))


@bp.get("/export.zip")
def export_zip():
    """The whole public catalogue as a zip: streamed while it is made (bounded memory, see catalogue.hsds.export) and
    kept on disk for the next downloads until the catalogue changes (catalogue.hsds.cache)."""
    from .http_cache import followed_position

    _only(set())
    today = date.today()
    filename = f"instrumentengids-hsds-{today.isoformat()}.zip"
    # HSDS_EXPORT_CACHE: default on; off when testing (like PAGE_CACHE: tests roll back within one change-log position)
    position = followed_position() if current_app.config.get("HSDS_EXPORT_CACHE", not current_app.testing) else None
    cache = ExportCache(Path(current_app.config.get("HSDS_EXPORT_DIR") or Path(current_app.instance_path) / "hsds"))
    key = ExportCache.key(position, today, _guide_url()) if position is not None else None
    kept = cache.file(key) if key else None
    if kept is not None:
        return send_file(kept, mimetype="application/zip", as_attachment=True, download_name=filename)
    chunks = iter_zip(get_db(), _guide_url(), today)
    response = Response(stream_with_context(cache.tee(key, chunks) if key else chunks), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


MODIFIED_AFTER = ("^$|^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
                  "(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$")


def vocabulary(session) -> dict[str, list[str]]:
    """The ids the HSDS filters accept (the OpenAPI document lists them; anything else gets 400)."""
    return {"organization_id": [ids.make("organization", p.id) for p in listing.providers(session)],
            "taxonomy_id": [t.id for t in TAXONOMIES],
            "taxonomy_term_id": [term_out(t)["id"] for t in all_terms(session)]}


def document_paths(spec, vocab: dict[str, list[str]]) -> None:
    """The HSDS API and the DCAT description in the OpenAPI document (/api/v1/openapi.json)."""
    def param(name, description, schema, where="query", required=False):
        return {"name": name, "in": where, "required": required, "description": description, "schema": schema}

    def ids_of(name):
        return {"type": "string", "enum": ["", *vocab[name]]} if vocab.get(name) else {"type": "string"}

    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    bad, missing = {"description": "Ongeldige parameter", **error}, {"description": "Niet gevonden", **error}
    paging = [param("page", "Pagina", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}),
              param("per_page", "Per pagina", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50})]
    obj = {"type": "object", "description": "Zie de HSDS 3.0-schema's; aanvullende velden: /api/hsds/profile"}
    page = {"type": "object", "required": ["total_items", "total_pages", "page_number", "size", "first_page",
                                            "last_page", "empty", "contents"], "properties": {
        "total_items": {"type": "integer"}, "total_pages": {"type": "integer"}, "page_number": {"type": "integer"},
        "size": {"type": "integer"}, "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"}, "contents": {"type": "array", "items": obj}}}

    def ok(description, schema=obj, mime="application/json"):
        return {"description": description, "content": {mime: {"schema": schema}}}

    tag = ["HSDS 3.0"]
    spec.path(path="/api/hsds/", operations={"get": {"tags": tag, "summary": "HSDS-versie, profiel en dit document",
        "responses": {"200": ok("version, profile, openapi_url"), "400": bad}}})
    spec.path(path="/api/hsds/profile", operations={"get": {"tags": tag, "summary": "De velden die de gids aan HSDS toevoegt",
        "responses": {"200": ok("Het profiel"), "400": bad}}})
    spec.path(path="/api/hsds/services", operations={"get": {"tags": tag,
        "summary": "Openbare instrumenten als HSDS-services (ook beëindigde: status defunct)",
        "description": "Filters combineren met EN. modified_after: services waarvan last_modified op of na dit tijdstip "
                       "ligt (RFC 3339 met tijdzone, of een datum = 00:00 Nederlandse tijd).",
        "parameters": [*paging,
                       param("modified_after", "Gewijzigd op of na", {"type": "string", "pattern": MODIFIED_AFTER}),
                       param("organization_id", "Alleen van deze organization", ids_of("organization_id")),
                       param("taxonomy_term_id", "Alleen met deze term", ids_of("taxonomy_term_id")),
                       param("taxonomy_id", "Alleen met een term van deze taxonomy", ids_of("taxonomy_id")),
                       param("full", "Volledig genest (organization, service_areas, cost_options, contacts, attributes)",
                             {"type": "boolean"}),
                       param("minimal", "Alleen id en last_modified", {"type": "boolean"})],
        "responses": {"200": ok("Een pagina services", page), "400": bad}}})
    one = [param("id", "HSDS-id (UUID)", {"type": "string"}, where="path", required=True)]
    for path, what in (("/api/hsds/services/{id}", "Eén service, volledig genest"),
                       ("/api/hsds/organizations/{id}", "Eén organization (aanbieder)"),
                       ("/api/hsds/taxonomies/{id}", "Eén taxonomy"),
                       ("/api/hsds/taxonomy_terms/{id}", "Eén taxonomy term, met zijn taxonomy")):
        spec.path(path=path, operations={"get": {"tags": tag, "summary": what, "parameters": one,
                                                 "responses": {"200": ok(what), "404": missing, "400": bad}}})
    spec.path(path="/api/hsds/service_areas", operations={"get": {"tags": tag,
        "summary": "De service areas van alle openbare services (gemeente, arbeidsmarktregio of Nederland, met CBS-code)",
        "parameters": paging, "responses": {"200": ok("Een pagina service areas", page), "400": bad}}})
    full = param("full", "Met telefoon en CBS-code", {"type": "boolean"})
    spec.path(path="/api/hsds/organizations", operations={"get": {"tags": tag, "summary": "Aanbieders als HSDS-organizations",
        "parameters": [*paging, full], "responses": {"200": ok("Een pagina organizations", page), "400": bad}}})
    spec.path(path="/api/hsds/taxonomies", operations={"get": {"tags": tag, "summary": "Onze taxonomieën",
        "parameters": paging, "responses": {"200": ok("Een pagina taxonomies", page), "400": bad}}})
    spec.path(path="/api/hsds/taxonomy_terms", operations={"get": {"tags": tag, "summary": "Hun termen",
        "parameters": [*paging, param("taxonomy_id", "Alleen van deze taxonomy", ids_of("taxonomy_id"))],
        "responses": {"200": ok("Een pagina taxonomy terms", page), "400": bad}}})
    spec.path(path="/api/hsds/export.zip", operations={"get": {"tags": tag,
        "summary": "De hele gids als HSDS 3.0 (services.json, organizations.json, taxonomies.json, taxonomy_terms.json, "
                   "metadata.json), gestreamd",
        "responses": {"200": ok("Een zip", {"type": "string", "format": "binary"}, "application/zip"), "400": bad}}})
    for fmt, mime in (("jsonld", "application/ld+json"), ("ttl", "text/turtle")):
        spec.path(path=f"/api/v1/dcat.{fmt}", operations={"get": {"tags": ["DCAT-AP-NL"],
            "summary": "De catalogus in DCAT-AP-NL 3.0: een dataset per arbeidsmarktregio en een landelijke, met "
                       "distributies (JSON API, CSV, XLSX, HSDS) onder CC0 1.0",
            "responses": {"200": ok("De catalogus", {"type": "string"} if fmt == "ttl" else {"type": "object"}, mime),
                          "400": bad}}})
