"""The OpenAPI 3 document, generated from the marshmallow schemas with apispec."""
from __future__ import annotations

import threading

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from ..facets import FACETS
from ..models import CHANGE_TYPES
from ..queries import MAX_VALUES
from .api_write_spec import add_write_api
from ..schemas import (
    ErrorSchema,
    InstrumentDetailOutSchema,
    InstrumentOutSchema,
    KindOutSchema,
    MunicipalityOutSchema,
    RegionDetailOutSchema,
    RegionOutSchema,
)


def _list_of(schema: str) -> dict:
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
        "total": {"type": "integer"},
    }}


def _param(name, description, schema=None, where="query", required=False):
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


BAD_REQUEST = {"description": "Ongeldige parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
NOT_FOUND = {"description": "Niet gevonden", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# RFC 3339 with a timezone, or a date alone (its 00:00 UTC); empty = no restriction
MODIFIED_AFTER_PATTERN = (r"^$|^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
                          r"(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$")
_CACHE: dict[str, dict] = {}
_LOCK = threading.Lock()


def vocabulary(session) -> dict[str, list[str]]:
    """The codes each filter parameter accepts, from the database (taxonomies, regions, gemeenten, providers), so the
    document lists them: a value outside the list gets 400."""
    from sqlalchemy import select

    from ..models import Municipality, Provider, Region

    codes = {f.key: sorted({code for code, _, _ in f.known_values(session)}) for f in FACETS}
    codes["region"] = sorted(session.scalars(select(Region.code)))
    codes["municipality"] = sorted(session.scalars(select(Municipality.code)))
    codes["provider"] = sorted(session.scalars(select(Provider.slug)))
    from .api_hsds import vocabulary as hsds_vocabulary

    codes["hsds"] = hsds_vocabulary(session)
    return codes


def _codes(codes: list[str] | None) -> dict:
    """A comma-separated list of codes (`kind=a,b`; repeating the parameter works too)."""
    items = {"type": "string", "enum": codes} if codes else {"type": "string"}
    return {"type": "array", "items": items, "maxItems": MAX_VALUES}


def _list_param(name, description, codes):
    return {**_param(name, description, _codes(codes)), "style": "form", "explode": False}


def document(session=None) -> dict:
    """The document (built once per process: the codes in it change only with the seed data, and a restart)."""
    if "doc" not in _CACHE:
        with _LOCK:
            if "doc" not in _CACHE:
                _CACHE["doc"] = _build(vocabulary(session) if session is not None else {})
    return _CACHE["doc"]


def _build(vocab: dict[str, list[str]]) -> dict:
    spec = APISpec(
        title="Open instrumentengids API",
        version="1.0.0",
        openapi_version="3.0.3",
        info={"description": "Instrumenten voor werkgevers die mensen met een afstand tot de arbeidsmarkt aannemen. "
                             "Alleen openbare velden; voorbeeldcontent heeft `example: true`. De openbare GET-routes "
                             "zijn vanaf elke website op te vragen (CORS: `Access-Control-Allow-Origin: *`, zonder "
                             "credentials); schrijvende en token-routes niet."},
        plugins=[MarshmallowPlugin()],
    )
    spec.components.schema("Instrument", schema=InstrumentOutSchema)
    spec.components.schema("InstrumentDetail", schema=InstrumentDetailOutSchema)
    spec.components.schema("Region", schema=RegionOutSchema)
    spec.components.schema("RegionDetail", schema=RegionDetailOutSchema)
    spec.components.schema("Municipality", schema=MunicipalityOutSchema)
    spec.components.schema("Kind", schema=KindOutSchema)
    spec.components.schema("Error", schema=ErrorSchema)

    facet_params = [_list_param(f.key, f"{f.label}: één of meer codes, komma-gescheiden (OF binnen een facet, EN tussen "
                                       "facetten)", vocab.get(f.key)) for f in FACETS]
    spec.path(path="/api/v1/instruments", operations={"get": {
        "summary": "Instrumenten zoeken en filteren",
        "parameters": [
            _param("q", "Zoekvraag (hoogstens 500 tekens; de eerste 200 worden gebruikt). Nederlandse woordstammen, "
                        "synoniemen en afkortingen (lks, lkv, wep, no-risk, ...), tikfouten worden verbeterd. "
                        "`\"exacte woordgroep\"`, `a OR b`, `-uitsluiten`, `voorvoegsel*`. Zonder q: bladeren met facetten.",
                   {"type": "string", "maxLength": 500}),
            _list_param("facets", "Welke facetten (tellingen) terugkomen: komma-gescheiden facetnamen, of `none`; "
                                  "standaard alle", ["none"] + sorted(f.key for f in FACETS)),
            _list_param("region", "Werkgever in deze arbeidsmarktregio (CBS-code, bv. AM20): landelijk + regio + "
                                  "gemeenten", vocab.get("region")),
            _list_param("municipality", "Werkgever in deze gemeente (CBS-code, bv. GM0513): landelijk + regio + gemeente",
                        vocab.get("municipality")),
            _list_param("provider", "Aanbieder (slug)", vocab.get("provider")),
            _param("plaats", "Werkgever in deze gemeente of woonplaats (naam, bv. Schoonhoven): wordt omgezet naar de "
                             "gemeente; bij een naam die in meer gemeenten voorkomt of een tikfout een 400 met `choices` "
                             "of `suggestion`", {"type": "string", "maxLength": 80}),
            *facet_params,
            _param("modified_after", "Alleen instrumenten die na dit tijdstip (RFC 3339 met tijdzone, of een datum: "
                                     "00:00 UTC) zijn gewijzigd, ook openbaar (publicatievenster, hernoemde aanbieder); "
                                     "een ongeldig tijdstip geeft 400", {"type": "string", "pattern": MODIFIED_AFTER_PATTERN}),
            _param("sort", "Sortering", {"type": "string", "enum": ["name", "recent", "relevance"]}),
            _param("page", "Pagina", {"type": "integer", "minimum": 1, "default": 1}),
            _param("per_page", "Per pagina", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        ],
        "responses": {"200": {"description": "Een pagina instrumenten met facettellingen", "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Instrument"}},
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "pages": {"type": "integer"}, "links": {"type": "object", "description": "next, prev; met q en verborgen "
                                                                         "beëindigde treffers ook ended"},
                "facets": {"type": "object", "description": "per facet: [{code, name, count, selected}]; een telling "
                           "houdt rekening met de selecties in alle andere facetten, niet met die in het eigen facet"},
                "place": {"type": "object", "description": "alleen met plaats: hoe de plaats is opgevat", "properties": {
                    "query": {"type": "string"}, "woonplaats": {"type": "string", "nullable": True},
                    "municipality": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
                    "message": {"type": "string", "nullable": True},
                }},
                "search": {"type": "object", "description": "alleen met q", "properties": {
                    "q": {"type": "string"},
                    "suggestion": {"type": "string", "nullable": True, "description": "Bedoelde u ...?"},
                    "notices": {"type": "array", "items": {"type": "string", "enum": [
                        "truncated", "ignored", "corrected", "partial", "timeout"]}},
                    "ended": {"type": "integer", "description": "treffers die beëindigde regelingen zijn en door het "
                                                                "standaardfilter op looptijd niet worden getoond"},
                }},
                "coverage": {"type": "array", "description": "alleen met municipality of region: de dekking van het "
                             "aanbod van die plaatsen (zie /api/v1/coverage); note = 'onbekend — nog niet ingevoerd' "
                             "zolang het aanbod niet compleet is verklaard", "items": {"type": "object", "properties": {
                                 "code": {"type": "string"}, "state": {"type": "string", "enum": [
                                     "geen_gegevens", "in_opbouw", "compleet"]},
                                 "note": {"type": "string", "nullable": True}}}},
            }}}}}, "400": BAD_REQUEST},
    }})
    spec.path(path="/api/v1/suggest", operations={"get": {
        "summary": "Zoeksuggesties terwijl u typt",
        "description": "Het laatste woord geldt als begin van een woord. Alleen openbare, lopende of komende instrumenten.",
        "parameters": [_param("q", "Wat er tot nu toe is getypt", {"type": "string", "maxLength": 500}, required=True),
                       _param("limit", "Hoogstens zoveel instrumenten", {"type": "integer", "minimum": 1, "maximum": 20,
                                                                          "default": 8})],
        "responses": {"200": {"description": "Instrumenten en woordaanvullingen", "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "q": {"type": "string"},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"},
                    "kind": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
                    "provider": {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}},
                }}},
                "completions": {"type": "array", "items": {"type": "string"}},
            }}}}}, "400": BAD_REQUEST},
    }})
    spec.path(path="/api/v1/instruments/{slug}", operations={"get": {
        "summary": "Eén instrument, met de bedragen die gelden op de peildatum en alle gedateerde waarden",
        "parameters": [_param("slug", "Slug", where="path", required=True),
                       _param("peildatum", "Datum waarop de bedragen gelden (JJJJ-MM-DD, standaard vandaag)",
                              {"type": "string", "pattern": "^$|^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"})],
        "responses": {"200": {"description": "Het instrument", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/InstrumentDetail"}}}}, "400": BAD_REQUEST, "404": NOT_FOUND},
    }})
    change_entry = {"type": "object", "required": ["cursor", "change", "slug", "recorded_at", "instrument"], "properties": {
        "cursor": {"type": "string", "description": "Positie van deze wijziging; gebruik hem als since"},
        "change": {"type": "string", "enum": list(CHANGE_TYPES)},
        "reason": {"type": "string", "nullable": True, "enum": [
            "renamed", "publication_window_ended", "scheduled", None]},
        "slug": {"type": "string"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "instrument": {"allOf": [{"$ref": "#/components/schemas/InstrumentDetail"}], "nullable": True,
                       "description": "Zoals GET /api/v1/instruments/{slug} op die dag; null bij deleted/unpublished"},
    }}
    spec.path(path="/api/v1/changes", operations={"get": {
        "summary": "Wijzigingen in de openbare catalogus, in volgorde van vastleggen",
        "description": "Elke openbare wijziging (created, updated, published, unpublished, ended, deleted) na de cursor "
                       "`since`, oudste eerst. Wie de feed vanaf het begin afspeelt (slug -> instrument, null = weg), "
                       "heeft precies de openbare catalogus. Ga verder met `next`.",
        "parameters": [_param("since", "Cursor uit een eerder antwoord (`next` of de `cursor` van een item); leeg = "
                                       "vanaf het begin. Een ongeldige cursor geeft 400", {"type": "string", "maxLength": 40,
                                                                                          "pattern": r"^$|^c1\.[A-Za-z0-9_-]{1,16}$"}),
                       _param("limit", "Hoogstens zoveel wijzigingen", {"type": "integer", "minimum": 1,
                                                                         "maximum": 1000, "default": 100})],
        "responses": {"200": {"description": "Een pagina wijzigingen", "content": {"application/json": {"schema": {
            "type": "object", "required": ["items", "next", "more"], "properties": {
                "items": {"type": "array", "items": change_entry},
                "next": {"type": "string", "description": "Cursor om mee verder te lezen (ook als er nu niets is)"},
                "more": {"type": "boolean", "description": "Er staan nu al meer wijzigingen klaar"},
                "links": {"type": "object", "properties": {"next": {"type": "string"}}},
            }}}}}, "400": BAD_REQUEST},
    }})
    spec.path(path="/api/v1/regions", operations={"get": {
        "summary": "De 35 arbeidsmarktregio's", "responses": {"200": {"description": "Regio's", "content": {
            "application/json": {"schema": _list_of("Region")}}}},
    }})
    spec.path(path="/api/v1/regions/{code}", operations={"get": {
        "summary": "Eén arbeidsmarktregio met werkgeversservicepunt en gemeenten",
        "parameters": [_param("code", "CBS-code, bv. AM20", where="path", required=True)],
        "responses": {"200": {"description": "De regio", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/RegionDetail"}}}}, "404": NOT_FOUND},
    }})
    spec.path(path="/api/v1/municipalities", operations={"get": {
        "summary": "Gemeenten", "parameters": [_param("region", "Alleen gemeenten in deze regio (CBS-code; leeg = alle)",
                                                      {"type": "string", "enum": ["", *vocab["region"]]}
                                                      if vocab.get("region") else None)],
        "responses": {"200": {"description": "Gemeenten", "content": {"application/json": {
            "schema": _list_of("Municipality")}}}, "400": BAD_REQUEST},
    }})
    spec.path(path="/api/v1/kinds", operations={"get": {
        "summary": "Soorten instrumenten", "responses": {"200": {"description": "Soorten", "content": {
            "application/json": {"schema": _list_of("Kind")}}}},
    }})
    from .api_compare import document_paths  # harmonisation and comparisons (imported here: api_compare imports api)
    document_paths(spec)
    add_write_api(spec, vocab)  # the token-authenticated write API and its security scheme
    from .api_coverage import document_paths as coverage_paths  # data coverage, declaring an offer complete

    coverage_paths(spec)
    from .api_hsds import document_paths as hsds_paths  # the HSDS 3.0 API and the DCAT-AP-NL description

    hsds_paths(spec, vocab.get("hsds", {}))
    doc = spec.to_dict()
    for operations in doc["paths"].values():
        for operation in operations.values():  # the server refuses request lines over 4 KB before the app sees them
            operation["responses"].setdefault("414", {"description": "Het adres (URI) is te lang"})
    return doc
