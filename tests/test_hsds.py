"""HSDS 3.0 output (catalogue/hsds, /api/hsds): valid against the official JSON schemas in tests/hsds_schemas on the whole
seed catalogue; paging, filters and modified_after; internal content never appears; the export zip."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from catalogue.hsds import ids
from catalogue.models import Instrument, InstrumentKind, Provider, TaxonomyTerm
from catalogue.queries import public_condition
from helpers import make_instrument

SCHEMAS = Path(__file__).parent / "hsds_schemas"
SECRET_NOTE = "GEHEIME-HSDS-NOTITIE-41d0"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        if path.name != "openapi.json":
            resources.append((path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    path = SCHEMAS / name
    schema = json.loads(path.read_text())
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())


def assert_valid(name: str, instance: dict) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [(list(e.path), e.message) for e in errors[:5]]


def _all_pages(client, url: str, per_page: int = 100) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get(f"{url}{'&' if '?' in url else '?'}per_page={per_page}&page={page}").json
        out.extend(body["contents"])
        if body["last_page"]:
            return out
        page += 1


def test_schemas_are_the_official_ones_and_reject_bad_output():
    """The copied schemas really check: a service without a name or with a made-up status is refused."""
    assert "Creative Commons Attribution-ShareAlike 4.0" in (SCHEMAS / "LICENSE").read_text()
    assert "279fd2eb3552c349bf698c07c00cc25f5fc8249b" in (SCHEMAS / "SOURCE.md").read_text()
    good = {"id": ids.make("service", 1), "name": "x", "status": "active"}
    assert not list(validator("service.json").iter_errors(good))
    assert list(validator("service.json").iter_errors({**good, "status": "beëindigd"}))
    assert list(validator("service.json").iter_errors({"id": "not-a-uuid", "name": "x", "status": "active"}))
    nested = {**good, "cost_options": [{"id": ids.make("cost_option", 1), "amount": "veel"}]}
    assert list(validator("service.json").iter_errors(nested))


def test_every_public_service_of_the_seed_is_valid_and_complete(client, session):
    """Every service (fully nested: organization, service areas, cost options, contacts, attributes with their
    taxonomy terms) of the whole seed catalogue validates against the official service schema."""
    today = date.today()
    public = session.scalar(select(func.count()).select_from(Instrument).where(public_condition(today)))
    listed = _all_pages(client, "/api/hsds/services?full=true")
    assert len(listed) == public > 100
    assert len({s["id"] for s in listed}) == public
    check = validator("service.json")
    counts = {"service_areas": 0, "cost_options": 0, "contacts": 0, "attributes": 0}
    for service in listed:
        errors = list(check.iter_errors(service))
        assert not errors, (service["slug"], [(list(e.path), e.message) for e in errors[:3]])
        for key in counts:
            counts[key] += len(service[key])
    assert all(counts.values()), counts
    statuses = {s["status"] for s in listed}
    assert {"active", "defunct"} <= statuses  # ended schemes stay, with their status
    # the list without full=true: the one-to-one fields, valid against the compiled list item schema
    summary = client.get("/api/hsds/services?per_page=100").json
    assert not any("cost_options" in s for s in summary["contents"])
    for service in summary["contents"]:
        assert_valid("compiled/service_list.json", service)
    one = client.get(f"/api/hsds/services/{listed[0]['id']}").json
    assert one == next(s for s in listed if s["id"] == one["id"])
    # the list of every service area: the nested ones, in the same order, each valid
    areas = _all_pages(client, "/api/hsds/service_areas")
    assert areas == [a for s in listed for a in s["service_areas"]]
    for area in areas:
        assert_valid("service_area.json", area)


def test_organizations_taxonomies_and_terms_are_valid(client, session):
    orgs = _all_pages(client, "/api/hsds/organizations?full=true")
    assert len(orgs) == session.scalar(select(func.count()).select_from(Provider))
    for org in orgs:
        assert_valid("organization.json", org)
    gouda = next(o for o in orgs if o["slug"] == "gemeente-gouda")
    assert gouda["organization_identifiers"][0]["identifier"] == "GM0513"
    assert client.get(f"/api/hsds/organizations/{gouda['id']}").json == gouda
    for org in client.get("/api/hsds/organizations?per_page=100").json["contents"]:
        assert_valid("compiled/organization_list.json", org)

    taxonomies = client.get("/api/hsds/taxonomies").json["contents"]
    assert {t["code"] for t in taxonomies} >= {"kind", "target_group", "scheme", "age_group"}
    for taxonomy in taxonomies:
        assert_valid("taxonomy.json", taxonomy)
        assert client.get(f"/api/hsds/taxonomies/{taxonomy['id']}").json == taxonomy
    terms = _all_pages(client, "/api/hsds/taxonomy_terms")
    expected = (session.scalar(select(func.count()).select_from(TaxonomyTerm))
                + session.scalar(select(func.count()).select_from(InstrumentKind)))
    assert len(terms) == expected
    for term in terms:
        assert_valid("taxonomy_term.json", term)
    single = client.get(f"/api/hsds/taxonomy_terms/{terms[0]['id']}").json
    assert_valid("taxonomy_term.json", single)
    assert single["taxonomy_detail"]["id"] == terms[0]["taxonomy_id"]
    schemes = next(t for t in taxonomies if t["code"] == "scheme")
    only = client.get(f"/api/hsds/taxonomy_terms?taxonomy_id={schemes['id']}&per_page=100").json["contents"]
    assert only and {t["taxonomy_id"] for t in only} == {schemes["id"]}


def test_stored_rich_text_reads_as_the_sanitiser_would(session):
    """The export's fast text of stored rich text equals readable_text (nh3) on every text of the seed."""
    from catalogue.sanitize import readable_stored_text, readable_text

    texts = [v for row in session.execute(select(Instrument.description, Instrument.conditions, Instrument.how_to_apply))
             for v in row if v]
    assert len(texts) > 100
    assert [readable_stored_text(t) for t in texts] == [readable_text(t) for t in texts]


def test_mapping_of_one_instrument(client, session):
    """Target groups and age groups → eligibility and attributes; availability → service areas by CBS code; dated
    amounts → cost options with their validity; contacts → contact; the example mark in its extension field."""
    item = make_instrument(session, "hsds-test-lks", kind="loonkostensubsidie", provider="gemeente-gouda", reach="lokaal",
                           municipalities=["GM0513"], terms=[("target_group", "arbeidsbeperking"), ("age_group", "27-55"),
                                                            ("age_group", "22-26")],
                           amount_type="per_uur", amount_value=2.5, amount_max_total=5000, internal_notes=SECRET_NOTE,
                           contacts=[{"name": "Team Werkgevers", "phone": "0182 000000", "email": "werk@example.org",
                                      "website": None}])
    from catalogue.models import ParameterValue
    item.parameter_values = [ParameterValue(parameter="amount_value", value=2.5, valid_from=date(2025, 1, 1),
                                            valid_until=date(2025, 12, 31)),
                             ParameterValue(parameter="amount_value", value=3, valid_from=date(2026, 1, 1))]
    session.commit()
    body = client.get(f"/api/hsds/services/{ids.make('service', item.id)}")
    assert body.status_code == 200
    service = body.json
    assert_valid("service.json", service)
    assert SECRET_NOTE not in body.get_data(as_text=True)
    assert service["example"] is True and service["status"] == "active"
    assert (service["minimum_age"], service["maximum_age"]) == (22, 55)
    assert "Doelgroepen:" in service["eligibility_description"]
    assert [(a["area_type"], a["cbs_code"]) for a in service["service_areas"]] == [("gemeente", "GM0513")]
    dated = [(c["valid_from"], c.get("valid_to"), c["amount"]) for c in service["cost_options"] if c["parameter"] == "amount_value"]
    assert dated == [("2025-01-01", "2025-12-31", 2.5), ("2026-01-01", None, 3)]
    total = next(c for c in service["cost_options"] if c["parameter"] == "amount_max_total")
    assert total["amount"] == 5000 and total["currency"] == "EUR" and "valid_from" not in total
    assert service["contacts"][0]["phones"][0]["number"] == "0182 000000"
    codes = {a["taxonomy_term"]["code"] for a in service["attributes"]}
    assert {"loonkostensubsidie", "arbeidsbeperking", "27-55", "lokaal", "gemeente"} <= codes
    lokaal = next(a for a in service["attributes"] if a["value"] == "lokaal")
    by_reach = _all_pages(client, f"/api/hsds/services?taxonomy_term_id={lokaal['taxonomy_term_id']}&full=true")
    assert service["id"] in {s["id"] for s in by_reach}
    assert all(any(a["taxonomy_term_id"] == lokaal["taxonomy_term_id"] for a in s["attributes"]) for s in by_reach)
    term = next(a for a in service["attributes"] if a["value"] == "arbeidsbeperking")
    hits = client.get(f"/api/hsds/services?taxonomy_term_id={term['taxonomy_term_id']}"
                      f"&organization_id={service['organization_id']}&per_page=100").json
    assert service["id"] in {s["id"] for s in hits["contents"]}
    assert all(s["organization_id"] == service["organization_id"] for s in hits["contents"])

    item.valid_until = date.today() - timedelta(days=3)  # ended: still listed, status visible
    session.commit()
    ended = client.get(f"/api/hsds/services/{service['id']}").json
    assert ended["status"] == "defunct" and ended["lifecycle"] == "ended" and "beëindigd" in ended["alert"]


def test_drafts_deleted_and_scheduled_instruments_never_appear(client, session):
    draft = make_instrument(session, "hsds-concept", status="draft", internal_notes=SECRET_NOTE)
    gone = make_instrument(session, "hsds-verwijderd", deleted_at=datetime.now(timezone.utc))
    later = make_instrument(session, "hsds-later", publish_from=date.today() + timedelta(days=10))
    for item in (draft, gone, later):
        assert client.get(f"/api/hsds/services/{ids.make('service', item.id)}").status_code == 404
    listed = _all_pages(client, "/api/hsds/services?full=true")
    assert not {"hsds-concept", "hsds-verwijderd", "hsds-later"} & {s["slug"] for s in listed}
    response = client.get("/api/hsds/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    text = "".join(archive.read(n).decode() for n in archive.namelist())
    assert SECRET_NOTE not in text and "hsds-concept" not in text and "internal_notes" not in text


def test_modified_after(client, session):
    """Only services changed on or after the moment; a service whose publication window opened today counts as changed
    today; bad values are refused naming the parameter."""
    now = datetime.now(timezone.utc)
    old = datetime(2001, 1, 1, tzinfo=timezone.utc)
    item = make_instrument(session, "hsds-nieuw")
    opened = make_instrument(session, "hsds-vandaag-open", publish_from=date.today())
    session.execute(Instrument.__table__.update().where(Instrument.id == opened.id).values(updated_at=old))
    session.commit()
    stamp = (now - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    found = {s["slug"] for s in _all_pages(client, f"/api/hsds/services?modified_after={stamp}")}
    assert "hsds-nieuw" in found
    total = client.get("/api/hsds/services").json["total_items"]
    assert len(found) < total
    since_midnight = {s["slug"] for s in _all_pages(client, f"/api/hsds/services?modified_after={date.today().isoformat()}")}
    assert "hsds-vandaag-open" in since_midnight
    later = (now + timedelta(minutes=5)).isoformat()
    assert "hsds-nieuw" not in {s["slug"] for s in _all_pages(client, f"/api/hsds/services?modified_after={later.replace('+', '%2B')}")}
    for listed in _all_pages(client, f"/api/hsds/services?modified_after={stamp}&minimal=true"):
        assert set(listed) == {"id", "last_modified"}
        assert listed["last_modified"] >= stamp[:19]
    assert item.id
    for bad in ("gisteren", "2026-13-01", "2026-01-01T10:00", "9999-01-01T00:00:00Z"):
        response = client.get(f"/api/hsds/services?modified_after={bad}")
        assert response.status_code == 400 and response.json["parameter"] == "modified_after", bad


@pytest.mark.parametrize("url,parameter", [
    ("/api/hsds/services?page=0", "page"), ("/api/hsds/services?per_page=101", "per_page"),
    ("/api/hsds/services?full=misschien", "full"), ("/api/hsds/services?organization_id=x", "organization_id"),
    ("/api/hsds/services?taxonomy_term_id=6f9c2d51-0005-8000-8000-0000000fffff", "taxonomy_term_id"),
    ("/api/hsds/services?taxonomy_id=x", "taxonomy_id"), ("/api/hsds/services?search=x", "search"),
    ("/api/hsds/taxonomy_terms?taxonomy_id=x", "taxonomy_id"),
])
def test_bad_parameters_name_the_parameter(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400 and response.json["parameter"] == parameter


def test_paging_shape_and_unknown_ids(client):
    first = client.get("/api/hsds/services?per_page=5").json
    assert (first["page_number"], first["size"], first["first_page"], first["empty"]) == (1, 5, True, False)
    assert first["total_pages"] == -(-first["total_items"] // 5)
    second = client.get("/api/hsds/services?per_page=5&page=2").json
    assert not {s["id"] for s in first["contents"]} & {s["id"] for s in second["contents"]}
    beyond = client.get(f"/api/hsds/services?per_page=100&page={first['total_pages'] + 1}").json
    assert beyond["empty"] and beyond["size"] == 0
    for url in ("/api/hsds/services/x", f"/api/hsds/services/{ids.make('organization', 1)}",
                f"/api/hsds/organizations/{ids.make('organization', 999999)}", "/api/hsds/taxonomies/x",
                "/api/hsds/taxonomy_terms/x"):
        assert client.get(url).status_code == 404, url
    root = client.get("/api/hsds/").json
    assert root["version"] == "3.0" and root["openapi_url"].endswith("/api/v1/openapi.json")
    profile = client.get(root["profile"].replace("http://localhost", "")).json
    assert "example" in profile["additional_properties"]["service"]


def test_export_zip_is_the_whole_catalogue_and_valid(client, session):
    response = client.get("/api/hsds/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == {"services.json", "organizations.json", "taxonomies.json", "taxonomy_terms.json",
                                       "metadata.json"}
    services = json.loads(archive.read("services.json"))
    check = validator("service.json")
    for service in services:
        assert not list(check.iter_errors(service)), service["slug"]
    # the same services as the API (which reads through the ORM; the export reads in bulk), with the organization and
    # the taxonomy terms referred to by id instead of nested
    listed = _all_pages(client, "/api/hsds/services?full=true")
    for service in listed:
        del service["organization"]
        for attribute in service["attributes"]:
            del attribute["taxonomy_term"]
    assert services == listed
    meta = json.loads(archive.read("metadata.json"))
    assert meta["counts"]["services"] == len(services) and meta["license"]["name"].startswith("CC0")
    for org in json.loads(archive.read("organizations.json")):
        assert_valid("organization.json", org)
    for term in json.loads(archive.read("taxonomy_terms.json")):
        assert_valid("taxonomy_term.json", term)


def test_export_is_kept_until_the_catalogue_changes(app, client, session, tmp_path):
    """With the cache on (as outside tests), the first download is made while it is sent and kept; the next one is the
    kept file; after a change (a new change-log position) it is made again. An interrupted download keeps nothing."""
    from catalogue.hsds.cache import ExportCache

    app.config.update(HSDS_EXPORT_CACHE=True, HSDS_EXPORT_DIR=str(tmp_path))
    try:
        first = client.get("/api/hsds/export.zip")
        assert first.is_streamed and first.status_code == 200
        data = first.get_data()
        kept = list(tmp_path.glob("export-*.zip"))
        assert len(kept) == 1 and kept[0].read_bytes() == data
        second = client.get("/api/hsds/export.zip")
        assert second.get_data() == data and second.headers["Content-Disposition"].startswith("attachment;")
        make_instrument(session, "hsds-na-de-export")
        third = client.get("/api/hsds/export.zip")
        assert b"hsds-na-de-export" in zipfile.ZipFile(io.BytesIO(third.get_data())).read("services.json")
        assert len(list(tmp_path.glob("export-*.zip"))) == 1
    finally:
        app.config.pop("HSDS_EXPORT_CACHE")
        app.config.pop("HSDS_EXPORT_DIR")
    cache = ExportCache(tmp_path / "other")
    stream = cache.tee("k", iter([b"a", b"b"]))
    assert next(stream) == b"a"
    stream.close()  # the client went away
    assert not list((tmp_path / "other").iterdir())
