"""The HSDS 3.0 API under /api/hsds (catalogue.hsds maps; this module only reads requests and answers JSON)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context, url_for
from werkzeug.exceptions import HTTPException

from .. import get_db
from ..hsds import HSDS_VERSION, extensions, listing
from ..hsds.export import iter_zip
from ..hsds.organizations import organization_out
from ..hsds.services import service_out
from ..hsds.taxonomies import BY_ID, TAXONOMIES, all_terms, find_term, taxonomy_out, term_out
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
    raw = request.args.get(name, "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise listing.ListError(name, "moet true of false zijn")


def _int(name: str, default: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
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
        contents = [service_out(r, _guide_url(), today, full=full) for r in rows]
    return jsonify(listing.page_shape(total, page, per_page, contents))


@bp.get("/services/<service_id>")
def service(service_id: str):
    _only(set())
    item = listing.public_service(get_db(), service_id, date.today())
    if item is None:
        abort(404, description=f"Geen openbare service '{service_id[:60]}'.")
    return jsonify(service_out(item, _guide_url()))


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
    found = BY_ID.get(taxonomy_id.lower())
    if found is None:
        abort(404, description=f"Geen taxonomy '{taxonomy_id[:60]}'.")
    return jsonify(taxonomy_out(found, _hsds_url()))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    _only({"page", "per_page", "taxonomy_id"})
    page, per_page = _paging()
    terms = all_terms(get_db())
    wanted = request.args.get("taxonomy_id", "").strip().lower()
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
    """The whole public catalogue as a zip, streamed while it is made (bounded memory, see catalogue.hsds.export)."""
    _only(set())
    session = get_db()
    response = Response(stream_with_context(iter_zip(session, _guide_url())), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="instrumentengids-hsds-{date.today().isoformat()}.zip"'
    return response
