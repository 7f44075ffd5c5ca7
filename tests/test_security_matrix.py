"""The authorisation matrix: role × own/other organisation × action, through the pages and through the write API; and
role × own/other organisation × draft/public × every endpoint that can show internal data (pages, exports, API).

'Own' is an instrument of Gemeente Gouda (in AM20 Midden-Holland) and the AM20 region page; 'other' is an instrument of
Gemeente Almere (AM11 Flevoland) and the AM11 region page. Users: an admin, the coordinator of AM20, an editor and an
account manager of Gouda, and nobody logged in."""
import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from accounts import OTHER_MUNICIPALITY, OTHER_REGION, OWN_MUNICIPALITY, OWN_REGION, bearer, login, people, post  # noqa: F401
from catalogue.editing import region_fingerprint
from catalogue.models import AuditEntry, Instrument, Region
from helpers import make_instrument

ROLES = ("admin", "coordinator", "editor", "account_manager", "anonymous")
ACTIONS = ("view_internal", "create", "edit", "publish", "delete", "restore", "edit_region")
NOTE = "INTERN-MATRIX-5e1d"

ALLOWED = {
    # (role, action): (own, other)
    **{("admin", a): (True, True) for a in ACTIONS},
    **{("coordinator", a): (True, False) for a in ACTIONS},
    **{("editor", a): (True, False) for a in ACTIONS if a != "edit_region"},
    ("editor", "edit_region"): (False, False),
    ("account_manager", "view_internal"): (True, True),  # account managers read the whole offer, partners included
    **{("account_manager", a): (False, False) for a in ACTIONS if a != "view_internal"},
    **{("anonymous", a): (False, False) for a in ACTIONS},
}
CASES = [(role, whose, action) for role in ROLES for whose in ("own", "other") for action in ACTIONS]


def test_the_matrix_is_exhaustive():
    assert len(CASES) == len(ROLES) * 2 * len(ACTIONS) == 70
    assert all((r, a) in ALLOWED for r in ROLES for a in ACTIONS)


@pytest.fixture()
def world(session, people):
    own = make_instrument(session, "matrix-eigen", provider=OWN_MUNICIPALITY[1], reach="lokaal",
                          municipalities=[OWN_MUNICIPALITY[0]], status="draft", internal_notes=NOTE + "-own")
    other = make_instrument(session, "matrix-ander", provider=OTHER_MUNICIPALITY[1], reach="lokaal",
                            municipalities=[OTHER_MUNICIPALITY[0]], status="draft", internal_notes=NOTE + "-other")
    return {"own": own, "other": other, "people": people}


def _instrument_input(slug, whose):
    code, provider = OWN_MUNICIPALITY if whose == "own" else OTHER_MUNICIPALITY
    return {"slug": slug, "name": "Matrix nieuw", "kind": "proefplaatsing", "provider": provider, "reach": "lokaal",
            "municipalities": [code], "summary": "Een instrument uit de autorisatietest.", "example": True}


def _state(session, slug):
    session.expire_all()
    return session.scalar(select(Instrument).where(Instrument.slug == slug))


def _prepare(session, item, action):
    if action == "restore":
        item.deleted_at = datetime.now(timezone.utc)
        session.commit()


def _effect(session, action, item, whose, region_code, new_slug):
    """Did the action take effect?"""
    if action == "create":
        return _state(session, new_slug) is not None
    if action == "edit_region":
        session.expire_all()
        return session.scalar(select(Region).where(Region.code == region_code)).wsp_phone == "0800 1234"
    current = _state(session, item.slug)
    return {
        "edit": current.name == "Matrix gewijzigd",
        "publish": current.status == "published",
        "delete": current.deleted_at is not None,
        "restore": current.deleted_at is None,
    }[action]


@pytest.mark.parametrize("role,whose,action", CASES)
def test_pages(client, session, world, role, whose, action):
    allowed = ALLOWED[(role, action)][0 if whose == "own" else 1]
    user = None if role == "anonymous" else world["people"][role]
    login(client, user)
    item = world[whose]
    _prepare(session, item, action)
    region_code = OWN_REGION if whose == "own" else OTHER_REGION
    region = session.scalar(select(Region).where(Region.code == region_code))
    new_slug = f"matrix-nieuw-{whose}"
    base = f"/beheer/instrumenten/{item.slug}"
    note = f"{NOTE}-{whose}"
    if action == "view_internal":
        response = client.get(base)
        body = response.get_data(as_text=True)
        assert (note in body) == allowed
        if allowed:
            assert response.status_code == 200
            assert note in client.get("/beheer/instrumenten?status=draft").get_data(as_text=True)
        else:
            assert response.status_code == (302 if user is None else 403)
            assert note not in client.get("/beheer/instrumenten?status=draft").get_data(as_text=True)
        return
    if action == "create":
        data = _instrument_input(new_slug, whose)
        form = [(k, v) for k, v in data.items() if not isinstance(v, (list, bool))]
        form += [("municipalities", data["municipalities"][0]), ("example", "on")]
        response = post(client, "/beheer/instrumenten/nieuw", form)
    elif action == "edit":
        from accounts import form_data
        from catalogue.editing import snapshot

        fields = [(k, v) for k, v in form_data(snapshot(item)) if k != "name"] + [("name", "Matrix gewijzigd")]
        response = post(client, f"{base}/bewerken", fields)
    elif action == "edit_region":
        response = post(client, f"/beheer/regios/{region.slug}", {"wsp_phone": "0800 1234"})
    else:
        endpoint = {"publish": "publiceren", "delete": "verwijderen", "restore": "terugzetten"}[action]
        response = post(client, f"{base}/{endpoint}", {})
    if allowed:
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    elif user is None:
        assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert _effect(session, action, item, whose, region_code, new_slug) == allowed


@pytest.mark.parametrize("role,whose,action", CASES)
def test_api(client, session, world, role, whose, action):
    allowed = ALLOWED[(role, action)][0 if whose == "own" else 1]
    token = None if role == "anonymous" else world["people"].tokens[role]
    headers = bearer(token)
    item = world[whose]
    _prepare(session, item, action)
    region_code = OWN_REGION if whose == "own" else OTHER_REGION
    new_slug = f"matrix-nieuw-{whose}"
    base = f"/api/v1/instruments/{item.slug}"
    if action == "view_internal":
        response = client.get(f"{base}/internal", headers=headers)
        if allowed:
            assert response.status_code == 200
            assert response.json["instrument"]["internal_notes"] == f"{NOTE}-{whose}"
        else:
            assert response.status_code == (401 if token is None else 404)
            assert NOTE not in response.get_data(as_text=True)
        return
    if action == "create":
        response = client.post("/api/v1/instruments", json=_instrument_input(new_slug, whose), headers=headers)
    elif action == "edit":
        response = client.patch(base, json={"name": "Matrix gewijzigd", "version": item.version}, headers=headers)
    elif action == "edit_region":
        region = session.scalar(select(Region).where(Region.code == region_code))
        response = client.patch(f"/api/v1/regions/{region_code}", json={"wsp_phone": "0800 1234"},
                                headers={**headers, "If-Match": f'"{region_fingerprint(region)}"'})
    elif action == "delete":
        response = client.delete(f"{base}?version={item.version}", headers=headers)
    else:
        response = client.post(f"{base}/{action}", headers=headers)
    if allowed:
        assert response.status_code in (200, 201), response.json
    elif token is None:
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        # 403; or 404 when the user may not even read the (draft) instrument
        assert response.status_code in (403, 404), response.json
        assert "error" in response.json
        assert NOTE not in response.get_data(as_text=True)
    assert _effect(session, action, item, whose, region_code, new_slug) == allowed
    if allowed:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.via == "api" and entry.user_id == world["people"][role].id


# ---------------------------------------------------------------------------------------------------------------------
# Every endpoint that can show internal data: role × own/other × draft/public. The marker is in the internal notes only.

def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def _body(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet") and response.status_code == 200:
        return _xlsx_text(response.data)
    return response.get_data(as_text=True)


# name: (kind, the permission that opens it, does an allowed reader see the marker?, request)
#   kind "manage": /beheer pages (anonymous -> login, others -> 403); "api": the write API (anonymous -> 401, a draft
#   -> 404, a public instrument -> 403); "open": public pages and exports, 200 for everyone, the marker only for those
#   allowed. `shows`: "always", "public" (exports hold public instruments only) or None (not asserted either way).
ENDPOINTS = {
    "page instrument": ("manage", "view_internal", "always", lambda c, i, w: c.get(f"/beheer/instrumenten/{i.slug}")),
    "page list": ("open-manage", "view_internal", "always",
                  lambda c, i, w: c.get(f"/beheer/instrumenten?q={i.slug}")),
    "page edit form": ("manage", "edit", "always", lambda c, i, w: c.get(f"/beheer/instrumenten/{i.slug}/bewerken")),
    "page history": ("manage", "view_internal", "always",
                     lambda c, i, w: c.get(f"/beheer/instrumenten/{i.slug}/geschiedenis")),
    "page version": ("manage", "view_internal", "always",
                     lambda c, i, w: c.get(f"/beheer/instrumenten/{i.slug}/versies/1")),
    "page conflict": ("manage", "edit", "always", lambda c, i, w: _stale_form_post(c, i)),
    "public page": ("open", "view_internal", None, lambda c, i, w: c.get(f"/instrumenten/{i.slug}")),
    "export gemeente csv": ("open", "view_internal", "public",
                            lambda c, i, w: c.get(f"/gemeenten/{w['gemeente'].slug}/export.csv?intern=1")),
    "export list json": ("open", "view_internal", "public",
                         lambda c, i, w: c.get(f"/export/instrumenten.json?intern=1&provider={i.provider.slug}")),
    "export region xlsx": ("open", "view_internal", "public",
                           lambda c, i, w: c.get(f"/regios/{w['region'].slug}/export.xlsx?intern=1")),
    "api internal": ("api", "view_internal", "always",
                     lambda c, i, w: c.get(f"/api/v1/instruments/{i.slug}/internal", headers=w["headers"])),
    "api patch": ("api", "edit", "always",
                  lambda c, i, w: c.patch(f"/api/v1/instruments/{i.slug}", headers=w["headers"],
                                          json={"summary": "Een gewijzigde samenvatting.", "version": i.version})),
    "api patch stale (409)": ("api", "edit", "always",
                              lambda c, i, w: c.patch(f"/api/v1/instruments/{i.slug}", headers=w["headers"],
                                                      json={"summary": "Een te late samenvatting.", "version": 999})),
    "api unpublish": ("api", "publish", "always",
                      lambda c, i, w: c.post(f"/api/v1/instruments/{i.slug}/unpublish", headers=w["headers"])),
    "api delete": ("api", "delete", "always",
                   lambda c, i, w: c.delete(f"/api/v1/instruments/{i.slug}?version={i.version}", headers=w["headers"])),
    "api read": ("open", "view_internal", None, lambda c, i, w: c.get(f"/api/v1/instruments/{i.slug}")),
    "api search": ("open", "view_internal", None, lambda c, i, w: c.get(f"/api/v1/instruments?q={NOTE}")),
}
PERMISSIONS = {  # (role, permission): (own, other), for the permissions ENDPOINTS use
    **{(r, a): ALLOWED[(r, a)] for r in ROLES for a in ("view_internal", "edit", "publish", "delete")},
}
READ_CASES = [(role, whose, state) for role in ROLES for whose in ("own", "other") for state in ("draft", "public")]


def _stale_form_post(client, item):
    from accounts import form_data
    from catalogue.editing import snapshot

    fields = [(k, v) for k, v in form_data(snapshot(item)) if k not in ("name", "version")]
    return post(client, f"/beheer/instrumenten/{item.slug}/bewerken",
                fields + [("name", "Matrix te laat"), ("version", "999")])


def _reader_world(session, people, state):
    """One instrument per organisation, created through the editor (so it has a version and an audit entry)."""
    from catalogue.editing import Editor

    editor = Editor(session, people["admin"])
    items = {}
    for whose, (code, provider) in (("own", OWN_MUNICIPALITY), ("other", OTHER_MUNICIPALITY)):
        data = _instrument_input(f"matrix-lezen-{whose}", whose)
        data.update(status="published" if state == "public" else "draft", internal_notes=f"{NOTE}-{whose}",
                    name=f"Matrix lezen {whose}")
        items[whose] = editor.create(data)
    session.commit()
    return items


@pytest.mark.parametrize("role,whose,state", READ_CASES)
def test_internal_data_on_every_endpoint(app, client, session, people, role, whose, state):
    from accounts import region as region_of
    from catalogue.models import Municipality

    items = _reader_world(session, people, state)
    user = None if role == "anonymous" else people[role]
    token = None if role == "anonymous" else people.tokens[role]
    code = (OWN_MUNICIPALITY if whose == "own" else OTHER_MUNICIPALITY)[0]
    world = {"headers": bearer(token), "region": region_of(session, OWN_REGION if whose == "own" else OTHER_REGION),
             "gemeente": session.scalar(select(Municipality).where(Municipality.code == code))}
    marker = f"{NOTE}-{whose}"
    checked = 0
    for name, (kind, permission, shows, call) in ENDPOINTS.items():
        session.expire_all()
        item = session.scalar(select(Instrument).where(Instrument.slug == items[whose].slug))
        login(client, user)
        allowed = PERMISSIONS[(role, permission)][0 if whose == "own" else 1]
        response = call(client, item, world)
        body = _body(response)
        where = f"{name} as {role} on {whose} {state} instrument: {response.status_code}"
        if not allowed:
            assert marker not in body, where
            if kind == "manage":
                assert response.status_code == (302 if user is None else 403), where
            elif kind == "api":
                reads = PERMISSIONS[(role, "view_internal")][0 if whose == "own" else 1]
                expected = 401 if token is None else (403 if state == "public" or reads else 404)
                assert response.status_code == expected, where
            elif kind == "open-manage":
                assert response.status_code == (302 if user is None else 200), where
        else:
            assert response.status_code < 500, where
            if shows == "always" or (shows == "public" and state == "public"):
                assert marker in body, where
                if kind != "open":
                    assert response.headers.get("Cache-Control") == "no-store", where
        # never another organisation's marker, whoever asks
        other_marker = f"{NOTE}-{'other' if whose == 'own' else 'own'}"
        other_allowed = PERMISSIONS[(role, "view_internal")][1 if whose == "own" else 0]
        if not other_allowed:
            assert other_marker not in body, where
        checked += 1
    assert checked == len(ENDPOINTS)


@pytest.mark.parametrize("slug", ["almere-jobcoaching", "uwv-proefplaatsing"])
def test_gouda_editor_cannot_read_other_organisations_internal_notes(client, session, people, slug):
    """The case from issue 10: a Gouda editor's token on public instruments of Almere and UWV."""
    item = session.scalar(select(Instrument).where(Instrument.slug == slug))
    assert item is not None and item.is_public()
    item.internal_notes = f"GEHEIM-{slug}-7c2f"
    session.commit()
    token = bearer(people.tokens["editor"])
    responses = [
        client.get(f"/api/v1/instruments/{slug}/internal", headers=token),
        client.patch(f"/api/v1/instruments/{slug}", json={"summary": "Overgenomen samenvatting.", "version": 1},
                     headers=token),
        client.post(f"/api/v1/instruments/{slug}/unpublish", headers=token),
    ]
    for response in responses:
        assert response.status_code in (403, 404)
        body = response.get_data(as_text=True)
        assert "GEHEIM" not in body and "internal_notes" not in body and '"version"' not in body
    login(client, people["editor"])
    page = client.get(f"/beheer/instrumenten/{slug}")
    assert page.status_code == 403 and "GEHEIM" not in page.get_data(as_text=True)
    export = client.get("/export/instrumenten.json?intern=1")
    assert export.status_code == 200 and "GEHEIM" not in export.get_data(as_text=True)
    mine = [i for i in export.json["instruments"] if i["slug"] == slug][0]
    assert mine["internal_notes"] is None and mine["status"] is None
    # an account manager reads every instrument's notes, partners' included
    assert client.get(f"/api/v1/instruments/{slug}/internal",
                      headers=bearer(people.tokens["account_manager"])).json["instrument"]["internal_notes"] \
        == f"GEHEIM-{slug}-7c2f"
