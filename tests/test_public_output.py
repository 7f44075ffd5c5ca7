"""Internal notes and drafts never appear in any public page or public API response (every public route, nl and en)."""
import pytest

from helpers import make_instrument

SECRET_NOTE = "GEHEIME-NOTITIE-7c1f"
DRAFT_NAME = "CONCEPT-INSTRUMENT-93ab"
DRAFT_SLUG = "concept-instrument-93ab"

# Sample arguments for every public route; a public route without a sample makes the test below fail.
SAMPLES = {
    "public.home": [{}],
    "public.choose_municipality": [{"gemeente": "Gouda"}, {"gemeente": "ge"}],
    "public.instruments": [{}, {"municipality": "GM0513"}, {"q": "proef"}, {"lifecycle": "ended,current,upcoming"},
                           {"region": "AM20", "per_page": "100"}],
    "public.instrument": [{"slug": "test-met-notitie"}, {"slug": DRAFT_SLUG}],
    "public.regions": [{}],
    "public.region": [{"slug": "midden-holland"}],
    "public.municipalities": [{}],
    "public.municipality": [{"slug": "gouda"}],
    "public.kinds": [{}],
    "public.provider": [{"slug": "uwv"}],
    "api.instruments": [{"per_page": "100"}, {"per_page": "100", "page": "2"}, {"municipality": "GM0513", "per_page": "100"},
                        {"lifecycle": "ended,current,upcoming", "per_page": "100"}, {"q": "concept"}],
    "api.instrument": [{"slug": "test-met-notitie"}, {"slug": DRAFT_SLUG}],
    "api.regions": [{}],
    "api.region": [{"code": "AM20"}],
    "api.municipalities": [{}],
    "api.kinds": [{}],
    "api.openapi_document": [{}],
}
NON_PUBLIC_PREFIXES = ("manage.", "auth.")


@pytest.fixture()
def secret_content(session):
    make_instrument(session, "test-met-notitie", internal_notes=SECRET_NOTE, municipalities=["GM0513"],
                    reach="lokaal", provider="gemeente-gouda")
    make_instrument(session, DRAFT_SLUG, name=DRAFT_NAME, status="draft", internal_notes=SECRET_NOTE)
    from sqlalchemy import select

    from catalogue.models import Instrument
    seeded_notes = [n for n in session.scalars(select(Instrument.internal_notes).where(Instrument.internal_notes.is_not(None)))
                    if n and len(n) > 20 and n != SECRET_NOTE]
    seeded_drafts = list(session.scalars(select(Instrument.slug).where(Instrument.status == "draft")))
    return seeded_notes, seeded_drafts


def _public_urls(app):
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith(NON_PUBLIC_PREFIXES):
                continue
            assert rule.endpoint in SAMPLES, f"public route {rule.rule} ({rule.endpoint}) has no sample in this test"
            for args in SAMPLES[rule.endpoint]:
                urls.append(url_for(rule.endpoint, **args))
    return urls


def test_no_internal_notes_or_drafts_in_any_public_output(app, client, secret_content):
    seeded_notes, seeded_drafts = secret_content
    assert seeded_notes and seeded_drafts, "the seed data should contain internal notes and drafts to guard"
    urls = _public_urls(app)
    assert len(urls) > 20
    checked = 0
    for url in urls:
        for prefix in ("", "/en"):
            response = client.get(prefix + url)
            assert response.status_code in (200, 302, 404), (prefix + url, response.status_code)
            body = response.get_data(as_text=True)
            assert SECRET_NOTE not in body, prefix + url
            assert DRAFT_NAME not in body, prefix + url
            if DRAFT_SLUG in url:
                assert response.status_code == 404  # the page may echo its own URL (language switch), nothing more
            else:
                assert f"/instrumenten/{DRAFT_SLUG}\"" not in body and DRAFT_SLUG not in body, prefix + url
            for note in seeded_notes:
                assert note[:60] not in body, (prefix + url, note[:60])
            for slug in seeded_drafts:
                if slug in url:
                    continue
                assert f"/instrumenten/{slug}\"" not in body and f'"slug": "{slug}"' not in body, (prefix + url, slug)
            assert "internal_notes" not in body
            checked += 1
    assert checked == 2 * len(urls)


def test_draft_is_not_found_publicly(client, secret_content):
    assert client.get(f"/instrumenten/{DRAFT_SLUG}").status_code == 404
    assert client.get(f"/api/v1/instruments/{DRAFT_SLUG}").status_code == 404


def test_example_content_is_labelled_in_ui_and_api(client):
    item = client.get("/api/v1/instruments/waddinxveen-proefplaatsing").json
    assert item["example"] is True
    html = client.get("/instrumenten/waddinxveen-proefplaatsing").get_data(as_text=True)
    assert "Voorbeeldcontent." in html
    real = client.get("/api/v1/instruments/uwv-no-riskpolis").json
    assert real["example"] is False
    assert "Voorbeeldcontent." not in client.get("/instrumenten/uwv-no-riskpolis").get_data(as_text=True)
