"""OpenAPI paths and the bearer security scheme of the write API (see api_write.py). Called from openapi.document()."""
from __future__ import annotations

from ..editing import RegionInputSchema
from ..schemas import InstrumentInputSchema

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_INPUT_ONLY = ("pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "required", "enum")


def _stored_shape(schema: dict, components: dict) -> dict:
    """InstrumentInput as the API returns it: the same fields and types, without the constraints on new input (stored
    values may predate a rule, e.g. a URL with a fragment)."""
    def strip(value):
        if isinstance(value, dict):
            if "$ref" in value:  # nested records (contacts, links): inline them, stripped too
                return strip(components[value["$ref"].rsplit("/", 1)[-1]])
            return {k: strip(v) for k, v in value.items() if k not in _INPUT_ONLY or k == "properties"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    shape = strip(schema)
    shape["description"] = "Het instrument met alle velden (zoals InstrumentInput), interne notities en status inbegrepen"
    return shape


def add_write_api(spec, vocab: dict[str, list[str]] | None = None) -> None:
    """`vocab`: the codes the database knows (openapi.vocabulary), so that the region code lists them."""
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "Persoonlijk API-token (Beheer → Mijn account, of `catalogue users token EMAIL`). Dezelfde rechten "
                       "als de gebruiker. Het token geldt als tweede factor: ook bij tweestapsverificatie is geen code "
                       "nodig. Een ingetrokken token of een gedeactiveerde gebruiker geeft 401.",
    })
    spec.components.schema("InstrumentInput", schema=InstrumentInputSchema)
    spec.components.schema("RegionInput", schema=RegionInputSchema)
    for component in spec.components.schemas.values():
        for prop in component.get("properties", {}).values():
            for bound in ("minimum", "maximum"):  # apispec keeps Decimal bounds (JSON: strings); OpenAPI wants numbers
                if prop.get(bound) is not None and not isinstance(prop[bound], (int, float)):
                    prop[bound] = float(prop[bound])
    spec.components.schema("InstrumentState", _stored_shape(spec.components.schemas["InstrumentInput"],
                                                                spec.components.schemas))
    state = {"type": "object", "properties": {
        "instrument": {"$ref": "#/components/schemas/InstrumentState"},
        "version": {"type": "integer", "description": "Versienummer voor optimistic locking"},
        "deleted": {"type": "boolean"}, "public": {"type": "boolean"}, "url": {"type": "string"},
    }}
    validation = _json({"type": "object", "properties": {
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Foutmeldingen per veld (geneste velden als contacts-0-email)"},
    }}, "Ongeldige invoer; meldingen per veld")
    unauthorised = _json(_ERROR, "Geen of een ongeldig token")
    forbidden = _json(_ERROR, "Geen toestemming (rol of organisatie)")
    not_found = _json(_ERROR, "Niet gevonden")
    conflict = _json({"type": "object", "properties": {
        "error": {"type": "string"},
        "current": {"type": "object", "description": "De opgeslagen versie: {instrument, version}"},
        "submitted": {"type": "object", "description": "Wat u stuurde"},
    }}, "Versieconflict: iemand anders sloeg intussen een nieuwere versie op")
    precondition = _json(_ERROR, "Geen versie meegestuurd: stuur `version` (DELETE: `?version=`) of `If-Match`")
    secured = [{"bearerAuth": []}]
    # If-Match or `version` (body; DELETE: query) is required: OpenAPI 3.0 cannot say "one of a header and a field",
    # so neither is marked required and a request with neither is answered 428 (documented per operation).
    if_match = {"name": "If-Match", "in": "header", "required": False,
                "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$'},
                "description": 'Het versienummer dat u bewerkte, bv. `"3"` (de ETag van het instrument). Verplicht, '
                               "tenzij u `version` meestuurt (in de body; bij DELETE `?version=`); zonder versie 428"}
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    with_version = {"content": {"application/json": {"schema": {"allOf": [
        {"$ref": "#/components/schemas/InstrumentInput"},
        {"type": "object", "properties": {"version": {"type": "integer", "description":
                                                      "Het versienummer dat u bewerkte; anders 409"}}}]}}}}
    base = {"401": unauthorised, "403": forbidden}

    spec.path(path="/api/v1/instruments", operations={"post": {
        "summary": "Instrument aanmaken", "security": secured, "tags": ["schrijven"],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/InstrumentInput"}}}},
        "responses": {"201": _json(state, "Aangemaakt"), "400": validation, **base},
    }})
    spec.path(path="/api/v1/instruments/{slug}", operations={
        "put": {"summary": "Instrument vervangen (alle velden)", "security": secured, "tags": ["schrijven"],
                "parameters": [slug, if_match], "requestBody": {"required": True, **with_version},
                "responses": {"200": _json(state, "Opgeslagen"), "400": validation, **base, "404": not_found,
                              "409": conflict, "428": precondition}},
        "patch": {"summary": "Instrument gedeeltelijk wijzigen", "security": secured, "tags": ["schrijven"],
                  "parameters": [slug, if_match], "requestBody": {"required": True, "content": {"application/json": {
                      "schema": {"type": "object", "description": "Alleen de velden die wijzigen (zie InstrumentInput), "
                                                                  "plus version"}}}},
                  "responses": {"200": _json(state, "Opgeslagen"), "400": validation, **base, "404": not_found,
                                "409": conflict, "428": precondition}},
        "delete": {"summary": "Instrument verwijderen (terug te zetten)", "security": secured, "tags": ["schrijven"],
                   "parameters": [slug, if_match, {"name": "version", "in": "query", "schema": {"type": "integer"},
                                                   "description": "Het versienummer dat u verwijdert (of If-Match)"}],
                   "responses": {"200": _json(state, "Verwijderd"), "400": validation, **base, "404": not_found,
                                 "409": conflict, "428": precondition}},
    })
    spec.path(path="/api/v1/instruments/{slug}/internal", operations={"get": {
        "summary": "Instrument met interne notities, status en versie", "security": secured, "tags": ["schrijven"],
        "parameters": [slug], "responses": {"200": _json(state, "Het instrument"), **base, "404": not_found},
    }})
    for action, summary in (("publish", "Publiceren"), ("unpublish", "Depubliceren"), ("restore", "Terugzetten")):
        spec.path(path=f"/api/v1/instruments/{{slug}}/{action}", operations={"post": {
            "summary": summary, "security": secured, "tags": ["schrijven"], "parameters": [slug],
            "responses": {"200": _json(state, "Gelukt"), "400": validation, **base, "404": not_found,
                          **({"409": conflict} if action != "restore" else {})},
        }})
    region_version = {"type": "string", "pattern": "^[0-9a-f]{32}$",
                      "description": "De versie van de regiopagina die u bewerkte: `version` uit GET "
                                     "/api/v1/regions/{code} (of de ETag van een eerdere PATCH); anders 409"}
    region_if_match = {**if_match, "schema": {"type": "string", "pattern": '^(W/)?"?[0-9a-f]{32}"?$'},
                       "description": "De versie van de regiopagina die u bewerkte, bv. `\"<version>\"` (de `version` uit "
                                      "GET /api/v1/regions/{code}). Verplicht, tenzij u `version` in de body meestuurt; "
                                      "zonder versie 428"}
    region_input = spec.components.schemas["RegionInput"]
    stored_region = {**_stored_shape(region_input, spec.components.schemas),
                     "description": "De regiopagina met alle velden (zoals RegionInput)"}
    region_state = {"type": "object", "properties": {"region": stored_region, "version": region_version}}
    region_conflict = _json({"type": "object", "properties": {
        "error": {"type": "string"},
        "current": {"type": "object", "description": "De opgeslagen regiopagina: {region, version}"},
        "submitted": {"type": "object", "description": "Wat u stuurde"},
    }}, "Versieconflict: iemand anders sloeg de regiopagina intussen op")
    spec.path(path="/api/v1/regions/{code}", operations={"patch": {
        "summary": "Regiopagina wijzigen (werkgeversservicepunt, begrippen, partners)", "security": secured,
        "tags": ["schrijven"], "parameters": [
            {"name": "code", "in": "path", "required": True, "description": "CBS-code, bv. AM20",
             "schema": {"type": "string", "enum": vocab["region"]} if (vocab or {}).get("region") else {"type": "string"}},
            region_if_match],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            **region_input, "properties": {**region_input["properties"], "version": region_version},
            "description": "Alleen de velden die wijzigen (zie RegionInput), plus version"}}}},
        "responses": {"200": _json(region_state, "Opgeslagen; de ETag is de nieuwe versie"), "400": validation, **base,
                      "404": not_found, "409": region_conflict,
                      "428": _json(_ERROR, "Geen versie meegestuurd: stuur `version` of `If-Match`")},
    }})
