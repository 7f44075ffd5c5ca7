"""The read API: shape, filters, facets, errors, OpenAPI document."""
import pytest

from accounts import people  # noqa: F401

REQUIRED_ITEM_FIELDS = {"slug", "name", "kind", "provider", "reach", "source_url", "example", "lifecycle", "summary"}


def test_list_shape(client):
    body = client.get("/api/v1/instruments").json
    assert set(body) >= {"items", "total", "page", "per_page", "pages", "facets", "links"}
    assert body["page"] == 1 and body["per_page"] == 20 and len(body["items"]) == 20
    assert body["total"] > 100
    item = body["items"][0]
    assert REQUIRED_ITEM_FIELDS <= set(item)
    assert set(item["provider"]) >= {"type", "name"}
    assert set(item["kind"]) >= {"code", "name"}
    assert "next" in body["links"]


def test_pagination_covers_everything_once(client):
    first = client.get("/api/v1/instruments?per_page=50").json
    slugs = []
    for page in range(1, first["pages"] + 1):
        slugs += [i["slug"] for i in client.get(f"/api/v1/instruments?per_page=50&page={page}").json["items"]]
    assert len(slugs) == len(set(slugs)) == first["total"]


@pytest.mark.parametrize("params, check", [
    ("kind=proefplaatsing", lambda i: i["kind"]["code"] == "proefplaatsing"),
    ("kind=proefplaatsing,jobcoaching", lambda i: i["kind"]["code"] in ("proefplaatsing", "jobcoaching")),
    ("provider_type=uwv", lambda i: i["provider"]["type"] == "uwv"),
    ("reach=regionaal", lambda i: i["reach"] == "regionaal"),
    ("target_group=arbeidsbeperking", lambda i: "arbeidsbeperking" in i["target_groups"]),
    ("scheme=wajong&kind=proefplaatsing", lambda i: "wajong" in i["schemes"] and i["kind"]["code"] == "proefplaatsing"),
    ("region=AM20&reach=lokaal", lambda i: i["reach"] == "lokaal"),
])
def test_filters(client, params, check):
    body = client.get(f"/api/v1/instruments?per_page=100&{params}").json
    assert body["items"], params
    assert all(check(i) for i in body["items"]), params


def test_repeated_parameters_combine_like_commas(client):
    a = client.get("/api/v1/instruments?kind=proefplaatsing&kind=jobcoaching&per_page=100").json
    b = client.get("/api/v1/instruments?kind=proefplaatsing,jobcoaching&per_page=100").json
    assert a["total"] == b["total"] > 0


def test_facet_counts_follow_other_facets(client):
    body = client.get("/api/v1/instruments?kind=proefplaatsing&provider_type=gemeente").json
    kinds = {v["code"]: v["count"] for v in body["facets"]["kind"]}
    gemeente_only = client.get("/api/v1/instruments?provider_type=gemeente&kind=jobcoaching").json["total"]
    assert kinds["jobcoaching"] == gemeente_only  # the kind facet ignores its own selection
    types = {v["code"]: v["count"] for v in body["facets"]["provider_type"]}
    assert types["uwv"] == client.get("/api/v1/instruments?kind=proefplaatsing&provider_type=uwv").json["total"]


def test_detail(client):
    item = client.get("/api/v1/instruments/uwv-proefplaatsing").json
    assert item["slug"] == "uwv-proefplaatsing"
    assert item["provider"]["type"] == "uwv"
    assert item["source_url"].startswith("https://")
    assert "internal_notes" not in item and "status" not in item
    assert item["duration"]["unit"] in ("dag", "week", "maand", "jaar")


def test_unknown_instrument_is_404_json(client):
    r = client.get("/api/v1/instruments/bestaat-niet")
    assert r.status_code == 404 and "error" in r.json


def test_regions_municipalities_kinds(client):
    regions = client.get("/api/v1/regions").json
    assert regions["total"] == 35
    region = client.get("/api/v1/regions/am20").json
    assert region["code"] == "AM20" and len(region["municipalities"]) == 4
    assert region["werkgeversservicepunt"]["name"]
    assert client.get("/api/v1/regions/AM04").status_code == 404
    assert client.get("/api/v1/municipalities").json["total"] == 342
    assert client.get("/api/v1/municipalities?region=AM35").json["total"] == 3
    kinds = client.get("/api/v1/kinds").json["items"]
    by_code = {k["code"]: k for k in kinds}
    assert by_code["loondispensatie"]["not_harmonisable_with"] == "loonkostensubsidie"
    assert by_code["loonkostensubsidie"]["not_harmonisable_with"] == "loondispensatie"


@pytest.mark.parametrize("query, parameter", [
    ("region=AM99", "region"),
    ("municipality=GM9999", "municipality"),
    ("target_group=astronauten", "target_group"),
    ("kind=bestaat-niet", "kind"),
    ("provider_type=bank", "provider_type"),
    ("reach=heelal", "reach"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("per_page=1000", "per_page"),
    ("per_page=-1", "per_page"),
    ("sort=random", "sort"),
    ("lifecycle=forever", "lifecycle"),
    ("leerwerktraject=misschien", "leerwerktraject"),
    ("colour=blue", "colour"),
    ("q=" + "x" * 600, "q"),
])
def test_invalid_parameters_give_400_with_a_clear_message(client, query, parameter):
    r = client.get(f"/api/v1/instruments?{query}")
    assert r.status_code == 400
    assert r.json["parameter"] == parameter
    assert parameter in r.json["error"]


def test_invalid_municipality_region_parameter(client):
    r = client.get("/api/v1/municipalities?region=XX")
    assert r.status_code == 400 and "region" in r.json["error"]
    assert client.get("/api/v1/regions?x=1").status_code == 400


def test_invalid_filter_on_a_page_gives_400_page(client):
    r = client.get("/instrumenten?target_group=astronauten")
    assert r.status_code == 400
    assert "astronauten" in r.get_data(as_text=True)


def test_openapi_document_is_valid_and_complete(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    for path in ("/api/v1/instruments", "/api/v1/instruments/{slug}", "/api/v1/regions", "/api/v1/regions/{code}",
                 "/api/v1/municipalities", "/api/v1/kinds"):
        assert path in doc["paths"], path
    params = {p["name"] for p in doc["paths"]["/api/v1/instruments"]["get"]["parameters"]}
    assert {"region", "municipality", "target_group", "kind", "provider_type", "reach", "page", "per_page"} <= params
    instrument_props = doc["components"]["schemas"]["Instrument"]["properties"]
    assert REQUIRED_ITEM_FIELDS <= set(instrument_props)
    assert "internal_notes" not in doc["components"]["schemas"]["InstrumentDetail"]["properties"]


@pytest.mark.parametrize("parameter", ["region", "municipality", "provider", "kind", "target_group"])
def test_control_characters_in_codes_give_400_not_a_database_error(client, parameter):
    r = client.get(f"/api/v1/instruments?{parameter}=AM%0020")
    assert r.status_code == 400 and r.json["parameter"] == parameter


@pytest.mark.parametrize("value", [",,", "regulier,,stage", "regulier,"])
def test_empty_values_between_commas_give_400(client, value):
    r = client.get(f"/api/v1/instruments?employment_type={value}")
    assert r.status_code == 400 and r.json["parameter"] == "employment_type" and "lege waarde" in r.json["error"]
    assert client.get("/api/v1/instruments?employment_type=").status_code == 200  # an empty parameter is no filter


def test_search_results_carry_their_documented_snippet(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "snippet" in doc["components"]["schemas"]["Instrument"]["properties"]
    items = client.get("/api/v1/instruments?q=jobcoach").json["items"]
    assert items and all("snippet" in item for item in items)
    assert all("snippet" not in item for item in client.get("/api/v1/instruments").json["items"])


def test_the_api_answers_as_its_openapi_document_says(client, session, people):
    """Issue 10 item 9 (schemathesis checks all of it against a live server in .ci/api-contract; these are the
    findings that started it)."""
    from datetime import datetime

    from accounts import bearer

    doc = client.get("/api/v1/openapi.json").json
    detail = client.get("/api/v1/instruments/uwv-proefplaatsing").json
    assert datetime.fromisoformat(detail["updated_at"]).tzinfo is not None  # RFC 3339: with a timezone
    props = doc["components"]["schemas"]["InstrumentDetail"]["properties"]
    for name, value in detail.items():
        if value is None and name in props and "type" in props[name]:
            assert props[name].get("nullable"), name
    # amounts are numbers in the write API too
    state = client.get("/api/v1/instruments/gouda-jobcoaching/internal", headers=bearer(people.tokens["admin"])).json
    assert state["instrument"]["amount_value"] is None or isinstance(state["instrument"]["amount_value"], float)
    assert doc["components"]["schemas"]["InstrumentState"]["properties"]["amount_value"]["type"] == "number"
    # filters list the codes they accept; an unknown one is a 400 naming the parameter
    kind = next(p for p in doc["paths"]["/api/v1/instruments"]["get"]["parameters"] if p["name"] == "kind")
    assert "jobcoaching" in kind["schema"]["items"]["enum"] and kind["explode"] is False
    assert client.get("/api/v1/instruments?kind=geen-soort").json["parameter"] == "kind"
    # a documented parameter is accepted (ignored when it belongs to another type of comparison)
    assert client.get("/api/v1/compare?type=regions&a=AM20&b=AM11&instruments=x").status_code == 200
    # q is required for suggestions
    assert client.get("/api/v1/suggest").status_code == 400
    for operations in doc["paths"].values():
        for operation in operations.values():
            assert "414" in operation["responses"]


def test_more_values_in_one_filter_than_documented_is_400(client):
    from catalogue.queries import MAX_VALUES

    many = ",".join(["ouderen"] * (MAX_VALUES + 1))
    r = client.get(f"/api/v1/instruments?target_group={many}")
    assert r.status_code == 400 and "target_group" in r.get_data(as_text=True)
    assert client.get("/api/v1/instruments?target_group=" + ",".join(["ouderen"] * MAX_VALUES)).status_code == 200
