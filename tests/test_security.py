"""CSRF on every form, security headers (CSP included), stored XSS payloads in every text field rendered harmless."""
import re

import pytest
from sqlalchemy import func, select

from accounts import bearer, login, people, post  # noqa: F401
from catalogue.models import CoverageDeclaration, Instrument, Region
from helpers import make_instrument

PAYLOAD = "\"'><script>alert('xss')</script><img src=x onerror=alert(1)><svg onload=alert(2)>"
DANGEROUS = re.compile(r"<script>alert|<img src=x|<svg onload|javascript:alert", re.I)


def _post_routes(app):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and rule.endpoint.startswith(("auth.", "manage.", "people.", "account.")):
                yield rule


def test_every_form_post_without_csrf_token_is_refused(app, client, session, people):
    item = make_instrument(session, "csrf-doel", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                           status="draft", example=True)
    login(client, people["admin"])
    rules = list(_post_routes(app))
    assert len(rules) >= 15
    values = {"slug": item.slug, "number": 1, "token": "x", "user_id": people["editor"].id, "membership_id": 1,
              "token_id": 1, "invitation_id": 1, "level": "gemeente", "code": "GM0513", "consumer_id": 1, "delivery_id": 1}
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", str(values[name])).replace(f"<int:{name}>", str(values[name]))
        if "<" in url:
            url = re.sub(r"<[^>]+>", "midden-holland", url)
        response = client.post(url, data={"name": "CSRF", "email": "admin@example.org", "password": "x",
                                          "publish_from": "2020-01-01", "wsp_phone": "666"})
        assert response.status_code == 400, (url, response.status_code)
        assert "Formulier verlopen" in response.get_data(as_text=True)
        # with a token from another session it is refused as well
        response = client.post(url, data={"csrf_token": "IjEyMyI.forged.token", "wsp_phone": "666"})
        assert response.status_code == 400, url
    session.expire_all()
    current = session.scalar(select(Instrument).where(Instrument.slug == "csrf-doel"))
    assert current.status == "draft" and current.deleted_at is None and current.version == 1
    assert session.scalar(select(Region.wsp_phone).where(Region.code == "AM20")) != "666"
    assert people["editor"].active and not people["editor"].is_admin
    assert session.scalar(select(func.count()).select_from(CoverageDeclaration)) == 0  # /beheer/dekking refused too
    assert client.get("/beheer/").status_code == 200  # still logged in: logout was refused too


@pytest.mark.parametrize("url,login_first", [
    ("/", False), ("/instrumenten", False), ("/inloggen", False), ("/wachtwoord-vergeten", False),
    ("/beheer/", True), ("/beheer/instrumenten", True), ("/beheer/instrumenten/nieuw", True), ("/en/beheer/", True),
    ("/api/v1/instruments", False),
])
def test_security_headers(client, people, url, login_first):
    if login_first:
        login(client, people["admin"])
    response = client.get(url)
    assert response.status_code == 200
    h = response.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = h["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "form-action 'self'", "base-uri 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    if url.startswith(("/beheer", "/en/beheer", "/inloggen", "/wachtwoord")):
        assert h["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True)
        # nothing the CSP would have to allow: no inline scripts, event handlers or style attributes
        assert not re.search(r"<script(?![^>]*\bsrc=)", body) and " style=" not in body
        assert not re.search(r"\son[a-z]+=", body)


TEXT_FIELDS = ("name", "summary", "description", "conditions", "how_to_apply", "amount_note", "payment_moments",
               "legal_basis", "funding_source", "regulation_title", "internal_notes", "external_id")


def _pages(slug):
    public = [f"/instrumenten/{slug}", f"/en/instrumenten/{slug}", "/instrumenten?q=xss", "/gemeenten/gouda",
              f"/api/v1/instruments/{slug}", "/api/v1/instruments?q=xss"]
    manage = [f"/beheer/instrumenten/{slug}", f"/beheer/instrumenten/{slug}/bewerken",
              f"/beheer/instrumenten/{slug}/geschiedenis", f"/beheer/instrumenten/{slug}/versies/1",
              f"/beheer/instrumenten/{slug}/versies/2", "/beheer/instrumenten", "/beheer/", "/en/beheer/instrumenten"]
    return public, manage


def _check(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        if "/api/" in url:
            # JSON carries text as data: never served as HTML, and browsers may not sniff it into HTML
            assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
            continue
        assert not DANGEROUS.search(body), (url, DANGEROUS.search(body).group(0))


def test_xss_payloads_entered_through_the_api_render_harmless(client, session, people):
    record = {"slug": "xss-test", "kind": "jobcoaching", "provider": "gemeente-gouda", "reach": "lokaal",
              "status": "published", "example": True, "contacts": [{"name": PAYLOAD, "phone": "0"}],
              "links": [{"title": PAYLOAD, "url": "https://example.org/?q=<script>"}],
              "translations": {"en": {f: PAYLOAD for f in ("name", "summary", "description", "conditions", "how_to_apply")}}}
    record.update({f: f"xss veilig {PAYLOAD}" for f in TEXT_FIELDS})
    h = bearer(people.tokens["editor"])
    created = client.post("/api/v1/instruments", json=record, headers=h)
    assert created.status_code == 201, created.json
    bad_url = client.patch("/api/v1/instruments/xss-test", json={"source_url": "javascript:alert(1)", "version": 1},
                           headers=h)
    assert bad_url.status_code == 400 and "source_url" in bad_url.json["fields"]
    assert client.patch("/api/v1/instruments/xss-test", json={"amount_note": f"nog eens {PAYLOAD}", "version": 1},
                        headers=h).status_code == 200
    stored = session.scalar(select(Instrument).where(Instrument.slug == "xss-test"))
    for field in ("description", "conditions", "how_to_apply"):  # rich text: sanitised on input
        assert not DANGEROUS.search(getattr(stored, field)) and not DANGEROUS.search(stored.translations["en"][field])
    public, manage = _pages("xss-test")
    _check(client, public)
    login(client, people["editor"])
    post(client, "/beheer/instrumenten/xss-test/volgen")
    login(client, people["coordinator"])
    assert client.patch("/api/v1/instruments/xss-test", json={"name": f"xss {PAYLOAD} 2", "version": 2},
                        headers=bearer(people.tokens["coordinator"])).status_code == 200
    login(client, people["editor"])
    _check(client, public + manage)


def test_xss_payloads_stored_directly_render_harmless(client, session, people):
    """Even content that bypassed the input schema (plain fields, contacts, links, region page) is escaped on output."""
    plain = {f: f"xss {PAYLOAD}" for f in TEXT_FIELDS if f not in ("description", "conditions", "how_to_apply")}
    make_instrument(session, "xss-direct", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    contacts=[{"name": PAYLOAD, "email": PAYLOAD}], links=[{"title": PAYLOAD, "url": "https://x.example"}],
                    translations={"en": {"name": PAYLOAD, "summary": PAYLOAD}}, **plain)
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    region.wsp_name, region.description, region.partners = PAYLOAD, PAYLOAD, [PAYLOAD]
    region.terminology = [{"term": PAYLOAD, "meaning": PAYLOAD}]
    session.commit()
    public, manage = _pages("xss-direct")
    _check(client, [u for u in public if "versies" not in u] + ["/regios/midden-holland", "/api/v1/regions/AM20"])
    login(client, people["coordinator"])
    _check(client, [u for u in manage if "versies" not in u] + ["/beheer/regios/midden-holland"])


def test_region_form_sanitises_input(client, session, people):
    login(client, people["coordinator"])
    page = client.get("/beheer/regios/midden-holland").get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    response = post(client, "/beheer/regios/midden-holland", {
        "fingerprint": fingerprint, "wsp_name": PAYLOAD, "description": PAYLOAD, "partners": PAYLOAD,
        "terminology-0-term": PAYLOAD, "terminology-0-meaning": PAYLOAD, "wsp_website": "javascript:alert(1)"})
    assert response.status_code == 400  # the javascript: URL
    response = post(client, "/beheer/regios/midden-holland", {
        "fingerprint": fingerprint, "wsp_name": PAYLOAD, "description": PAYLOAD, "partners": PAYLOAD,
        "terminology-0-term": PAYLOAD, "terminology-0-meaning": PAYLOAD})
    assert response.status_code == 302
    session.expire_all()
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    assert "<script" not in (region.wsp_name or "") and "<script" not in region.terminology[0]["term"]
    _check(client, ["/regios/midden-holland", "/beheer/regios/midden-holland"])
