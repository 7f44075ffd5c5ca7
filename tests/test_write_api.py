"""The token-authenticated write API: same schemas, same authorisation, JSON errors, optimistic locking, OpenAPI."""
from sqlalchemy import select

from accounts import bearer, people  # noqa: F401
from catalogue.models import ApiToken, AuditEntry, Instrument
from helpers import make_instrument

NEW = {"slug": "api-jobcoach-gouda", "name": "Jobcoach Gouda", "kind": "jobcoaching", "provider": "gemeente-gouda",
       "reach": "lokaal", "summary": "Een jobcoach voor uw nieuwe medewerker.", "example": True,
       "target_groups": ["arbeidsbeperking"], "internal_notes": "Intern: budget 2026 onzeker",
       "description": "<p>Tekst</p><img src=x onerror=alert(1)>"}


def test_create_read_update_delete(client, session, people):
    h = bearer(people.tokens["editor"])
    created = client.post("/api/v1/instruments", json=NEW, headers=h)
    assert created.status_code == 201, created.json
    assert created.json["version"] == 1 and created.json["instrument"]["municipalities"] == ["GM0513"]
    assert created.json["instrument"]["description"] == "<p>Tekst</p>"  # sanitised by the shared schema
    assert created.headers["Location"].endswith("/api/v1/instruments/api-jobcoach-gouda/internal")
    internal = client.get("/api/v1/instruments/api-jobcoach-gouda/internal", headers=h)
    assert internal.json["instrument"]["internal_notes"] == "Intern: budget 2026 onzeker"
    assert client.get("/api/v1/instruments/api-jobcoach-gouda").status_code == 404  # a draft: not public

    patched = client.patch("/api/v1/instruments/api-jobcoach-gouda", json={"name": "Jobcoach Gouda 2026", "version": 1},
                           headers=h)
    assert patched.status_code == 200 and patched.json["version"] == 2
    assert patched.json["instrument"]["target_groups"] == ["arbeidsbeperking"]  # untouched fields stay

    full = {**NEW, "name": "Vervangen", "target_groups": [], "status": "published"}
    replaced = client.put("/api/v1/instruments/api-jobcoach-gouda", json={**full, "version": 2}, headers=h)
    assert replaced.status_code == 200 and replaced.json["instrument"]["target_groups"] == []
    assert replaced.json["public"] is True
    assert client.get("/api/v1/instruments/api-jobcoach-gouda").json["name"] == "Vervangen"

    deleted = client.delete("/api/v1/instruments/api-jobcoach-gouda", headers={**h, "If-Match": '"3"'})
    assert deleted.status_code == 200 and deleted.json["deleted"] is True
    assert client.get("/api/v1/instruments/api-jobcoach-gouda").status_code == 404
    assert client.patch("/api/v1/instruments/api-jobcoach-gouda", json={"name": "x", "version": 4},
                        headers=h).status_code == 404
    restored = client.post("/api/v1/instruments/api-jobcoach-gouda/restore", headers=h)
    assert restored.status_code == 200 and restored.json["deleted"] is False

    entries = session.scalars(select(AuditEntry).join(Instrument).where(Instrument.slug == "api-jobcoach-gouda")
                              .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update", "update", "delete", "restore"]
    assert all(e.via == "api" and e.actor == "editor@example.org" for e in entries)
    assert entries[2].changes["target_groups"] == [["arbeidsbeperking"], []]


def test_validation_errors_per_field(client, people):
    h = bearer(people.tokens["editor"])
    response = client.post("/api/v1/instruments", json={**NEW, "summary": "kort", "duration_max": "veel",
                                                        "contacts": [{"name": "A", "email": "geen"}], "onbekend": 1},
                           headers=h)
    assert response.status_code == 400
    fields = response.json["fields"]
    assert fields["summary"] == ["Gebruik 10 tot 1000 tekens."]
    assert fields["duration_max"] == ["Vul een geheel getal in."]
    assert fields["contacts-0-email"] == ["Vul een geldig e-mailadres in."]
    assert fields["onbekend"] == ["Onbekend veld."]
    english = client.post("/en/api/v1/instruments", json={**NEW, "summary": "kort"}, headers=h)
    assert english.json["fields"]["summary"] == ["Use 10 to 1000 characters."]
    assert client.post("/api/v1/instruments", data="geen json", headers=h).status_code == 400
    client.post("/api/v1/instruments", json=NEW, headers=h)
    duplicate = client.post("/api/v1/instruments", json=NEW, headers=h)
    assert duplicate.status_code == 400 and duplicate.json["fields"]["slug"] == ["Deze slug is al in gebruik."]


def test_optimistic_locking_gives_409_with_both_versions(client, session, people):
    make_instrument(session, "api-lock", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    status="draft", summary="Het origineel van deze samenvatting.")
    h = bearer(people.tokens["editor"])
    first = client.patch("/api/v1/instruments/api-lock", json={"summary": "Eerst opgeslagen samenvatting.", "version": 1},
                         headers=h)
    assert first.status_code == 200
    second = client.patch("/api/v1/instruments/api-lock", json={"summary": "Te laat opgeslagen samenvatting.", "version": 1},
                          headers=h)
    assert second.status_code == 409
    assert second.json["current"]["version"] == 2
    assert second.json["current"]["instrument"]["summary"] == "Eerst opgeslagen samenvatting."
    assert second.json["submitted"]["summary"] == "Te laat opgeslagen samenvatting."
    session.expire_all()
    assert session.scalar(select(Instrument.summary).where(Instrument.slug == "api-lock")) == \
        "Eerst opgeslagen samenvatting."
    # If-Match works as well
    assert client.patch("/api/v1/instruments/api-lock", json={"name": "Nieuw"},
                        headers={**h, "If-Match": '"1"'}).status_code == 409
    assert client.delete("/api/v1/instruments/api-lock?version=1", headers=h).status_code == 409


def test_authentication(client, session, people):
    assert client.post("/api/v1/instruments", json=NEW).status_code == 401
    assert client.post("/api/v1/instruments", json=NEW, headers=bearer("igt_fout")).status_code == 401
    assert client.post("/api/v1/instruments", json=NEW,
                       headers={"Authorization": f"Basic {people.tokens['editor']}"}).status_code == 401
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == people["editor"].id))
    from datetime import datetime, timezone

    token.revoked_at = datetime.now(timezone.utc)
    session.commit()
    assert client.post("/api/v1/instruments", json=NEW, headers=bearer(people.tokens["editor"])).status_code == 401
    # session cookies are not accepted by the write API
    from accounts import login

    login(client, people["admin"])
    assert client.post("/api/v1/instruments", json=NEW).status_code == 401


def test_openapi_documents_the_write_api(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/instruments"])
    assert {"get", "put", "patch", "delete"} <= set(doc["paths"]["/api/v1/instruments/{slug}"])
    assert doc["paths"]["/api/v1/instruments/{slug}"]["put"]["responses"]["409"]
    assert "patch" in doc["paths"]["/api/v1/regions/{code}"]
    assert "InstrumentInput" in doc["components"]["schemas"]
    assert doc["paths"]["/api/v1/instruments"]["post"]["security"] == [{"bearerAuth": []}]


def test_writes_without_a_version_get_428_and_change_nothing(client, session, people):
    make_instrument(session, "api-zonder-versie", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    status="draft", summary="Het origineel van deze samenvatting.")
    h = bearer(people.tokens["editor"])
    url = "/api/v1/instruments/api-zonder-versie"
    current = client.get(f"{url}/internal", headers=h)
    assert current.headers["ETag"] == '"1"'
    full = {**current.json["instrument"], "name": "Overschreven"}
    for response in (client.patch(url, json={"name": "Overschreven"}, headers=h),
                     client.put(url, json=full, headers=h),
                     client.delete(url, headers=h),
                     client.patch(url, json={"name": "Overschreven"}, headers={**h, "If-Match": "*"})):
        assert response.status_code == 428
        assert response.is_json and "version" in response.json["error"] and response.json["parameter"] == "version"
    session.expire_all()
    item = session.scalar(select(Instrument).where(Instrument.slug == "api-zonder-versie"))
    assert item.version == 1 and item.deleted_at is None and item.name != "Overschreven"
    # the version in the body, in If-Match (also weak) or, for DELETE, in the query string
    assert client.patch(url, json={"name": "Eén", "version": 1}, headers=h).status_code == 200
    assert client.patch(url, json={"name": "Twee"}, headers={**h, "If-Match": 'W/"2"'}).status_code == 200
    put = client.put(url, json={**full, "name": "Drie"}, headers={**h, "If-Match": "3"})
    assert put.status_code == 200 and put.headers["ETag"] == '"4"'
    assert client.delete(f"{url}?version=4", headers=h).status_code == 200
    # a user who may not edit gets 403, not 428 (nothing about the instrument's version is revealed)
    assert client.patch(url, json={"name": "x"}, headers=bearer(people.tokens["account_manager"])).status_code == 403


def test_openapi_documents_428(client):
    doc = client.get("/api/v1/openapi.json").json
    for method in ("put", "patch", "delete"):
        assert doc["paths"]["/api/v1/instruments/{slug}"][method]["responses"]["428"]["content"]["application/json"]


def test_region_patch_requires_the_version_it_changes(client, session, people):
    """PATCH /api/v1/regions/<code>: 428 without a version, 409 when stale, as for instruments; the OpenAPI document
    says so."""
    from catalogue.models import Region

    h = bearer(people.tokens["coordinator"])
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    phone = region.wsp_phone
    version = client.get("/api/v1/regions/AM20").json["version"]

    missing = client.patch("/api/v1/regions/AM20", json={"wsp_phone": "0182 123 456"}, headers=h)
    assert missing.status_code == 428 and missing.json["parameter"] == "version"
    assert client.patch("/api/v1/regions/AM20", json={"wsp_phone": "0182 123 456", "version": 7},
                        headers=h).status_code == 400
    session.refresh(region)
    assert region.wsp_phone == phone

    saved = client.patch("/api/v1/regions/AM20", json={"wsp_phone": "0182 123 456", "version": version}, headers=h)
    assert saved.status_code == 200 and saved.json["region"]["wsp_phone"] == "0182 123 456"
    new_version = saved.json["version"]
    assert new_version != version and saved.headers["ETag"] == f'"{new_version}"'
    assert client.get("/api/v1/regions/AM20").json["version"] == new_version

    stale = client.patch("/api/v1/regions/AM20", json={"description": "Overschreven"},
                         headers={**h, "If-Match": f'"{version}"'})
    assert stale.status_code == 409
    assert stale.json["current"]["version"] == new_version
    assert stale.json["current"]["region"]["wsp_phone"] == "0182 123 456"
    session.refresh(region)
    assert region.description != "Overschreven"
    again = client.patch("/api/v1/regions/AM20", json={"description": "Nieuw"}, headers={**h, "If-Match": f'W/"{new_version}"'})
    assert again.status_code == 200 and again.json["region"]["description"] == "Nieuw"
    # without permission: 403 before any version question
    other = client.patch("/api/v1/regions/AM20", json={"description": "x"}, headers=bearer(people.tokens["other_coordinator"]))
    assert other.status_code == 403

    doc = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/regions/{code}"]["patch"]
    assert {"409", "428"} <= set(doc["responses"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in doc["parameters"])
    assert "version" in doc["requestBody"]["content"]["application/json"]["schema"]["properties"]
