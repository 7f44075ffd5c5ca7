"""API routes for data coverage (catalogue/coverage.py), on the read API blueprint (/api/v1): the national overview, one
gemeente's or region's state, and declaring an offer complete (token-authenticated, like the rest of the write API)."""
from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select

from .. import get_db
from ..coverage import STATES, CoverageError, coverage_of, coverage_overview, declare_complete
from ..models import Municipality, Region
from .api import _check_only, bp
from .api_write import WRITE_VIEWS, _ApiError, _body, _token_user


def _municipality(code: str) -> Municipality:
    item = get_db().scalar(select(Municipality).where(Municipality.code == code.upper()[:8]))
    if item is None:
        abort(404, description=f"Geen gemeente '{code[:20]}'.")
    return item


def _region(code: str) -> Region:
    item = get_db().scalar(select(Region).where(Region.code == code.upper()[:8]))
    if item is None:
        abort(404, description=f"Geen arbeidsmarktregio '{code[:20]}'.")
    return item


def _wsp(region: Region) -> dict:
    """Where to ask about an offer the catalogue does not know: the region's werkgeversservicepunt."""
    return {"name": region.wsp_name, "website": region.wsp_website, "phone": region.wsp_phone, "email": region.wsp_email}


def _state(place) -> dict:
    cov = coverage_of(get_db(), place)
    region = place.region if isinstance(place, Municipality) else place
    return {**cov.to_dict(), "ask": _wsp(region)}


@bp.get("/coverage")
def coverage_national():
    _check_only(set())
    regions = coverage_overview(get_db())
    return jsonify(states=list(STATES), regions=[r.to_dict() for r in regions],
                   totals={s: sum(r.counts[s] for r in regions) for s in STATES})


@bp.get("/municipalities/<code>/coverage")
def municipality_coverage_view(code: str):
    _check_only(set())
    return jsonify(_state(_municipality(code)))


@bp.get("/regions/<code>/coverage")
def region_coverage_view(code: str):
    _check_only(set())
    region = _region(code)
    item = next(r for r in coverage_overview(get_db()) if r.code == region.code)
    return jsonify({**item.to_dict(with_gemeenten=True), "ask": _wsp(region)})


def _declare(place):
    user = _token_user()
    data = _body()
    kinds = data.get("kinds") or []
    if set(data) - {"kinds"} or not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise _ApiError(400, {"error": "Ongeldige invoer.", "fields": {
            "kinds": ["Een lijst met codes van soorten (leeg of weggelaten: het hele aanbod)."]}})
    try:
        declare_complete(get_db(), user, place, kinds, via="api")
    except CoverageError as exc:
        raise _ApiError(exc.status, {"error": exc.message}) from exc
    get_db().commit()
    return jsonify(_state(place)), 201


@bp.post("/municipalities/<code>/coverage")
def declare_municipality(code: str):
    return _declare(_municipality(code))


@bp.post("/regions/<code>/coverage")
def declare_region(code: str):
    return _declare(_region(code))


WRITE_VIEWS.extend([declare_municipality, declare_region])  # token-authenticated: exempt from CSRF like the rest


# ---------------------------------------------------------------------------------------------------------------------
# OpenAPI

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_INVALID = {"content": {"application/json": {"schema": {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"},
    "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
               "description": "Foutmeldingen per veld"},
}}}}}
_STATE = {"type": "string", "enum": list(STATES)}
_COVERAGE = {"type": "object", "properties": {
    "level": {"type": "string", "enum": ["gemeente", "regio"]}, "code": {"type": "string"}, "name": {"type": "string"},
    "state": _STATE, "state_label": {"type": "string"},
    "instruments": {"type": "integer", "description": "Openbare, lopende instrumenten van het eigen aanbod"},
    "kinds": {"type": "array", "items": {"type": "string"}},
    "declared_at": {"type": "string", "format": "date-time", "nullable": True},
    "declared_kinds": {"type": "array", "items": {"type": "string"}, "nullable": True,
                       "description": "Alleen voor deze soorten compleet verklaard; null = het hele aanbod"},
    "expires_on": {"type": "string", "format": "date", "nullable": True},
    "last_confirmed": {"type": "string", "format": "date", "nullable": True,
                       "description": "Datum van een verlopen verklaring (dan weer in_opbouw)"},
    "owner": {"type": "string", "nullable": True},
}}
_ASK = {"type": "object", "description": "Het werkgeversservicepunt: waar u het onbekende aanbod kunt navragen",
        "properties": {k: {"type": "string", "nullable": True} for k in ("name", "website", "phone", "email")}}
_REGION = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "municipalities": {"type": "integer"},
    "counts": {"type": "object", "properties": {s: {"type": "integer"} for s in STATES}},
    "band": {"type": "string", "enum": ["compleet", "deels", "opbouw", "geen"]}, "wsp": _COVERAGE,
    "last_confirmed": {"type": "string", "format": "date", "nullable": True},
    "gemeenten": {"type": "array", "items": _COVERAGE},
}}


def document_paths(spec) -> None:
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    spec.path(path="/api/v1/coverage", operations={"get": {
        "summary": "Dekking: per regio hoeveel gemeenten geen gegevens, in opbouw of compleet zijn",
        "description": "Zonder verklaring betekent een ontbrekende soort 'onbekend — nog niet ingevoerd', niet 'geen'.",
        "responses": {"200": {"description": "Het landelijke overzicht", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"states": {"type": "array", "items": _STATE},
                                             "regions": {"type": "array", "items": _REGION},
                                             "totals": {"type": "object"}}}}}}},
    }})
    body = {"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "kinds": {"type": "array", "items": {"type": "string"},
                  "description": "Codes van soorten; leeg of weggelaten = het hele aanbod"}},
        "additionalProperties": False}}}}
    secured = [{"bearerAuth": []}]
    for path, what, gemeente in (("/api/v1/municipalities/{code}/coverage", "een gemeente", True),
                                 ("/api/v1/regions/{code}/coverage", "een regio (werkgeversservicepunt)", False)):
        schema = {**_COVERAGE, "properties": {**_COVERAGE["properties"], "ask": _ASK}} if gemeente else {
            **_REGION, "properties": {**_REGION["properties"], "ask": _ASK}}
        spec.path(path=path, operations={
            "get": {"summary": f"Dekking van het aanbod van {what}", "parameters": [code],
                    "responses": {"200": {"description": "De dekking", "content": {"application/json": {
                        "schema": schema}}}, "404": {"description": "Niet gevonden", **_ERROR}}},
            "post": {"summary": f"Het aanbod van {what} compleet verklaren (vervalt na de beoordelingstermijn)",
                     "description": "Voor redacteuren en coördinatoren van de organisatie van die gemeente of regio. "
                                    "Geweigerd (400) als er nog geen gepubliceerd instrument is.",
                     "security": secured, "tags": ["schrijven"], "parameters": [code], "requestBody": body,
                     "responses": {"201": {"description": "Verklaard; de nieuwe dekking", "content": {
                         "application/json": {"schema": {**_COVERAGE, "properties": {
                             **_COVERAGE["properties"], "ask": _ASK}}}}},
                                   "400": {"description": "Geweigerd of ongeldige invoer", **_INVALID},
                                   "401": {"description": "Geen of een ongeldig token", **_ERROR},
                                   "403": {"description": "Geen toestemming", **_ERROR},
                                   "404": {"description": "Niet gevonden", **_ERROR}}},
        })
