"""API routes for harmonisation and comparisons, on the read API blueprint (/api/v1). Public fields only."""
from __future__ import annotations

from flask import abort, jsonify, make_response, request
from sqlalchemy import select

from .. import get_db
from ..comparison import (
    ComparisonError,
    compare_instruments,
    compare_municipalities,
    compare_municipality_uwv,
    compare_regions,
)
from ..dated import parse_peildatum
from ..harmonisation import STATUSES
from ..harmonisation.live import Progress
from ..i18n import current_language
from ..models import Region
from .api import _check_only, bp
from .harmonisation import RETRY_SECONDS, computed, kept_matrix

def _peildatum():
    return parse_peildatum(request.args.get("peildatum"))


COMPARE_TYPES = {
    "instruments": {"type", "instruments", "peildatum"},
    "municipalities": {"type", "a", "b", "peildatum"},
    "municipality-uwv": {"type", "municipality", "target_group", "peildatum"},
    "regions": {"type", "a", "b", "peildatum"},
}
API_NAMES = {"instrumenten": "instruments", "gemeente": "municipality", "doelgroep": "target_group"}


@bp.get("/regions/<code>/harmonisation")
def region_harmonisation_view(code: str):
    _check_only({"peildatum"})
    session = get_db()
    region = session.scalar(select(Region).where(Region.code == code.upper()[:8]))
    if region is None:
        abort(404, description=f"Geen arbeidsmarktregio '{code[:20]}'.")
    lang, today = current_language(), _peildatum()
    return _answer(computed("region", lang, today, region.code))


@bp.get("/harmonisation")
def harmonisation():
    _check_only({"peildatum"})
    lang, today = current_language(), _peildatum()
    return _answer(computed("national", lang, today))


def _answer(result):
    """The result, or 202 with the progress of its computation in the background (ask again after Retry-After)."""
    if not isinstance(result, Progress):
        return jsonify(result.to_dict())
    response = make_response(jsonify({**result.to_dict(), "message": "Wordt berekend; vraag het over enkele seconden "
                                       "opnieuw (Retry-After)."}), 202)
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    return response


@bp.get("/compare")
def compare():
    kind = request.args.get("type", "").strip()
    if kind not in COMPARE_TYPES:
        raise ComparisonError("type", f"kies uit: {', '.join(COMPARE_TYPES)}")
    _check_only(set().union(*COMPARE_TYPES.values()))  # every documented parameter; those of another type are ignored
    session, lang, args = get_db(), current_language(), request.args
    day = _peildatum()
    try:
        if kind == "instruments":
            result = compare_instruments(session, args.get("instruments", ""), lang, today=day)
        elif kind == "municipalities":
            result = compare_municipalities(session, args.get("a", ""), args.get("b", ""), lang, today=day)
        elif kind == "municipality-uwv":
            result = compare_municipality_uwv(session, args.get("municipality", ""), args.get("target_group") or None, lang,
                                              today=day)
        else:
            result = compare_regions(session, args.get("a", ""), args.get("b", ""), lang, today=day,
                                     matrix=kept_matrix(lang, day))
    except ComparisonError as exc:  # the pages' Dutch parameter names -> the API's
        raise ComparisonError(API_NAMES.get(exc.parameter, exc.parameter), exc.message) from None
    return jsonify(result.to_dict())


# ---------------------------------------------------------------------------------------------------------------------
# OpenAPI


def _param(name, description, schema=None, where="query", required=False):
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or {"type": "string", "maxLength": 200}}


PEILDATUM = _param("peildatum", "De datum waarop instrumenten en bedragen worden vergeleken (JJJJ-MM-DD, standaard "
                                "vandaag). Een ongeldige datum geeft 400 met parameter 'peildatum'.",
                   {"type": "string", "pattern": "^$|^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"})


_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_STATUS_SCHEMA = {"type": "string", "enum": list(STATUSES)}
_DIFFERENCE = {"type": "object", "properties": {
    "kind": {"type": "string"}, "parameter": {"type": "string"}, "parameter_label": {"type": "string"},
    "municipality": {"type": "string"}, "municipality_name": {"type": "string"}, "value": {"type": "string"},
    "reference": {"type": "string", "description": "De meest voorkomende waarde in de regio"},
}}
_REGION_HARMONISATION = {"type": "object", "properties": {
    "region": {"type": "object"}, "municipalities": {"type": "array", "items": {"type": "object"}},
    "columns": {"type": "array", "items": {"type": "object"}},
    "rows": {"type": "array", "items": {"type": "object", "properties": {
        "kind": {"type": "string"}, "name": {"type": "string"}, "status": _STATUS_SCHEMA, "status_label": {"type": "string"},
        "offered_by": {"type": "array", "items": {"type": "string"}},
        "missing": {"type": "array", "items": {"type": "object"}},
        "cells": {"type": "array", "items": {"type": "object"}},
        "parameters": {"type": "array", "items": {"type": "object"}},
        "differences": {"type": "array", "items": _DIFFERENCE},
        "uwv_relation": {"type": "string", "nullable": True,
                         "enum": ["gelijk", "wijkt_af", "geen_uwv", "niet_harmoniseerbaar", None]},
        "sentences": {"type": "array", "items": {"type": "string"}},
    }}},
    "has_data": {"type": "boolean"}, "score": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 100},
    "coverage": {"type": "number", "nullable": True}, "uniformity": {"type": "number", "nullable": True},
    "level": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 5}, "level_label": {"type": "string"},
    "status_counts": {"type": "object"}, "formula": {"type": "string"},
}}


_COMPUTING = {
    "description": "Wordt op de achtergrond berekend (na een herstart of een wijziging van aanbieder, soort, regio of "
                   "gemeente); vraag het na Retry-After seconden opnieuw",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"type": "object", "properties": {
        "computing": {"type": "boolean"}, "phase": {"type": "string", "enum": ["offers", "regions"]},
        "done": {"type": "integer"}, "total": {"type": "integer"}, "fraction": {"type": "number"},
        "seconds": {"type": "number"}, "message": {"type": "string"}}}}},
}


def document_paths(spec) -> None:
    """Adds the harmonisation and comparison paths to the OpenAPI document."""
    spec.path(path="/api/v1/regions/{code}/harmonisation", operations={"get": {
        "summary": "Harmonisatie binnen een regio: matrix soort × gemeente, status per soort, verschillen, score en niveau",
        "description": "score = afronden(100 × (0,5 × dekking + 0,5 × gelijkheid)); niveau 1-5 volgens de schaal van de "
                       "Arbeidsinspectie. Alleen openbare, lopende instrumenten.",
        "parameters": [_param("code", "CBS-code, bv. AM20", where="path", required=True), PEILDATUM],
        "responses": {"200": {"description": "De harmonisatie van de regio", "content": {"application/json": {
            "schema": _REGION_HARMONISATION}}}, "400": {"description": "Ongeldige parameter", **_ERROR},
            "202": _COMPUTING, "404": {"description": "Niet gevonden", **_ERROR}},
    }})
    spec.path(path="/api/v1/harmonisation", operations={"get": {
        "summary": "Landelijk overzicht: alle 35 regio's met score en niveau, en de meest voorkomende verschillen",
        "parameters": [PEILDATUM],
        "responses": {"200": {"description": "Het landelijke overzicht", "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "regions": {"type": "array", "items": {"type": "object", "properties": {
                    "region": {"type": "object"}, "municipalities": {"type": "integer"}, "has_data": {"type": "boolean"},
                    "score": {"type": "integer", "nullable": True}, "level": {"type": "integer", "nullable": True},
                    "coverage": {"type": "number", "nullable": True}, "uniformity": {"type": "number", "nullable": True},
                    "missing": {"type": "object"}, "differing": {"type": "object"}}}},
                "gaps": {"type": "array", "items": {"type": "object"}},
                "average_score": {"type": "number", "nullable": True}, "regions_with_data": {"type": "integer"},
                "formula": {"type": "string"}}}}}},
            "202": _COMPUTING, "400": {"description": "Ongeldige parameter", **_ERROR}},
    }})
    spec.path(path="/api/v1/compare", operations={"get": {
        "summary": "Vergelijkingen: instrumenten naast elkaar, gemeente met gemeente, gemeente met UWV, regio met regio",
        "description": "type=instruments&instruments=slug1,slug2[,slug3,slug4] · type=municipalities&a=GM0513&b=GM0627 · "
                       "type=municipality-uwv&municipality=GM0513[&target_group=arbeidsbeperking] · "
                       "type=regions&a=AM20&b=AM11. Elke rij heeft `differs`. Ongeldige invoer geeft 400.",
        "parameters": [
            PEILDATUM,
            _param("type", "Soort vergelijking", {"type": "string", "enum": list(COMPARE_TYPES)}, required=True),
            _param("instruments", "type=instruments: 2 tot 4 slugs, komma-gescheiden"),
            _param("a", "type=municipalities: gemeente (CBS-code, slug of naam); type=regions: regio (CBS-code of slug)"),
            _param("b", "De tweede gemeente of regio"),
            _param("municipality", "type=municipality-uwv: gemeente (CBS-code, slug of naam)"),
            _param("target_group", "type=municipality-uwv: code van een doelgroep of uitkering/regeling (niet verplicht)"),
        ],
        "responses": {"200": {"description": "De vergelijking", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"type": {"type": "string"}, "differing": {"type": "array", "items": {}}}}}}},
            "400": {"description": "Ongeldige parameter", **_ERROR}},
    }})
