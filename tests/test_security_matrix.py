"""The authorisation matrix: role × own/other organisation × action, through the pages and through the write API.

'Own' is an instrument of Gemeente Gouda (in AM20 Midden-Holland) and the AM20 region page; 'other' is an instrument of
Gemeente Almere (AM11 Flevoland) and the AM11 region page. Users: an admin, the coordinator of AM20, an editor and an
account manager of Gouda, and nobody logged in."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from accounts import OTHER_MUNICIPALITY, OTHER_REGION, OWN_MUNICIPALITY, OWN_REGION, bearer, login, people, post  # noqa: F401
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
        response = client.patch(base, json={"name": "Matrix gewijzigd"}, headers=headers)
    elif action == "edit_region":
        response = client.patch(f"/api/v1/regions/{region_code}", json={"wsp_phone": "0800 1234"}, headers=headers)
    elif action == "delete":
        response = client.delete(base, headers=headers)
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
    assert _effect(session, action, item, whose, region_code, new_slug) == allowed
    if allowed:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.via == "api" and entry.user_id == world["people"][role].id
