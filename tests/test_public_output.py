"""Internal notes and drafts never appear in any public page or public API response (every public route, nl and en)."""
import pytest

from accounts import login, people  # noqa: F401
from catalogue.hsds import ids
from helpers import make_instrument

SECRET_NOTE = "GEHEIME-NOTITIE-7c1f"
DRAFT_NAME = "CONCEPT-INSTRUMENT-93ab"
DRAFT_SLUG = "concept-instrument-93ab"
SECRET_REPORT = "LEZERSMELDING-5e2d"  # a reader's "Klopt er iets niet?" report: never public
HSDS_SERVICE_ID = ids.make("service", 1)  # the first seeded instrument
HSDS_ORGANIZATION_ID = ids.make("organization", 1)
HSDS_TAXONOMY_ID = ids.make("taxonomy", 2)
HSDS_TERM_ID = ids.make("taxonomy_term", 1)

# Sample arguments for every public route; a public route without a sample makes the test below fail.
SAMPLES = {
    "public.home": [{}],
    "ops.healthz": [{}],
    "ops.readyz": [{}],
    "ops.metrics_view": [{}],
    "public.choose_municipality": [{"gemeente": "Gouda"}, {"gemeente": "ge"}],
    "public.instruments": [{}, {"municipality": "GM0513"}, {"q": "proef"}, {"lifecycle": "ended,current,upcoming"},
                           {"region": "AM20", "per_page": "100"}],
    "public.instrument": [{"slug": "test-met-notitie"}, {"slug": DRAFT_SLUG}],
    "public.regions": [{}],
    "public.region": [{"slug": "midden-holland"}],
    # "Klopt er iets niet?": the form's own page (a draft is 404 there, like its page)
    "feedback.instrument_report": [{"slug": "test-met-notitie"}, {"slug": DRAFT_SLUG}],
    "feedback.region_report": [{"slug": "midden-holland"}],
    "feedback.municipality_report": [{"slug": "gouda"}],
    # "Houd mij op de hoogte": the subscribe form's own page (list filters, a wizard result, a bad filter) and the
    # signed links (forged here: refused with a page)
    "alerts.subscribe": [{"municipality": "GM0513"}, {"q": "concept"}, {"kind": "bestaat-niet"},
                         {"bron": "wizard", "gemeente": "GM0513", "doelgroep": "", "uitkering": "", "leeftijd": ""}],
    "alerts.confirm": [{"token": "vervalst"}],
    "alerts.unsubscribe": [{"token": "vervalst"}],
    "public.municipalities": [{}],
    "public.municipality": [{"slug": "gouda"}],
    "public.kinds": [{}],
    "public.provider": [{"slug": "uwv"}],
    "api.instruments": [{"per_page": "100"}, {"per_page": "100", "page": "2"}, {"municipality": "GM0513", "per_page": "100"},
                        {"lifecycle": "ended,current,upcoming", "per_page": "100"}, {"q": "concept"},
                        {"modified_after": "2000-01-01", "per_page": "100"}],
    "api.instrument": [{"slug": "test-met-notitie"}, {"slug": DRAFT_SLUG}],
    "api.regions": [{}],
    "api.region": [{"code": "AM20"}],
    "api.municipalities": [{}],
    "api.kinds": [{}],
    "api.openapi_document": [{}],
    # harmonisation and comparisons (issue 4)
    "harmonisation.national": [{}],
    "harmonisation.region": [{"slug": "midden-holland"}, {"slug": "flevoland"}, {"slug": "gorinchem"}, {"slug": "groningen"}],
    "harmonisation.compare_instruments": [{}, {"instrumenten": "test-met-notitie"},
                                          {"instrumenten": "test-met-notitie,uwv-proefplaatsing"},
                                          {"instrumenten": "uwv-proefplaatsing", "toevoegen": "concept"},
                                          {"instrumenten": "uwv-proefplaatsing", "toevoegen": "test"}],
    "harmonisation.compare_municipalities": [{}, {"a": "GM0513", "b": "GM0627"}, {"a": "GM0034", "b": "GM0184"}],
    "harmonisation.compare_municipality_uwv": [{}, {"gemeente": "GM0513"},
                                               {"gemeente": "GM0513", "doelgroep": "arbeidsbeperking"}],
    "harmonisation.compare_regions": [{}, {"a": "AM20", "b": "AM11"}, {"a": "AM35", "b": "AM01"}],
    "api.region_harmonisation_view": [{"code": "AM20"}, {"code": "AM11"}, {"code": "AM35"}],
    "api.harmonisation": [{}],
    "api.compare": [{"type": "instruments", "instruments": "test-met-notitie,uwv-proefplaatsing"},
                    {"type": "municipalities", "a": "GM0513", "b": "GM0627"},
                    {"type": "municipality-uwv", "municipality": "GM0513"},
                    {"type": "regions", "a": "AM20", "b": "AM35"}],
    "api.suggest": [{"q": "concept"}, {"q": "test"}, {"q": "proef"}],
    # employer wizard (issue 7)
    "wizard.start": [{}, {"gemeente": "Gouda"}, {"gemeente": "GM0513"}, {"gemeente": "ge"},
                     {"gemeente": "GM0513", "doelgroep": "arbeidsbeperking", "uitkering": "wajong", "leeftijd": "27-55"},
                     {"gemeente": "GM0513", "doelgroep": "", "uitkering": "", "leeftijd": ""},
                     {"gemeente": "GM0513", "doelgroep": "onbekend"}],
    "wizard.summary_page": [{"gemeente": "GM0513", "uitkering": "", "i": "uwv-proefplaatsing,gouda-werkervaringsplaats",
                             "uren": "32", "loon": "16", "start": "2027-02-01"}],
    # the PDF is the summary page's template rendered by WeasyPrint (compressed, not text): only its redirect here;
    # tests/test_wizard.py::test_summary_pdf opens a real one
    "wizard.summary_pdf": [{"gemeente": "Gouda", "uitkering": "", "i": "uwv-proefplaatsing"}],
    # exports and the import template (issue 6); XLSX and PDF bodies are opened and checked in test_exports.py
    "exports.instruments": [{"fmt": "csv"}, {"fmt": "json"}, {"fmt": "csv", "municipality": "GM0513"},
                            {"fmt": "json", "lifecycle": "ended,current,upcoming"}, {"fmt": "csv", "q": "concept"}],
    "exports.region": [{"slug": "midden-holland", "fmt": "csv"}, {"slug": "midden-holland", "fmt": "json"}],
    "exports.municipality": [{"slug": "gouda", "fmt": "csv"}, {"slug": "gouda", "fmt": "json"}],
    "exports.import_template": [{"fmt": "csv"}],
    # background jobs: a public export's job gives the same rows as the export (tests/test_jobs.py); unknown ids 404
    "jobs.status": [{"public_id": "geen-bestaande-taak"}],
    "jobs.download": [{"public_id": "geen-bestaande-taak"}],
    # data coverage (issue 11)
    "coverage.coverage": [{}],
    "api.coverage_national": [{}],
    "api.municipality_coverage_view": [{"code": "GM0513"}, {"code": "GM0363"}],
    "api.region_coverage_view": [{"code": "AM20"}, {"code": "AM01"}],
    # the embeddable guide (issue 15 §4): the same content as the full pages, for other websites' iframes
    "embed.region": [{"slug": "midden-holland"}, {"slug": "groningen"}],
    "embed.municipality": [{"slug": "gouda"}, {"slug": "almere"}],
    "embed.wizard": [{"regio": "midden-holland"}, {"regio": "midden-holland", "gemeente": "GM0513"},
                     {"regio": "midden-holland", "gemeente": "GM0513", "doelgroep": "", "uitkering": "", "leeftijd": ""},
                     {"regio": "midden-holland", "gemeente": "GM0513", "doelgroep": "onbekend"}, {}],
    "embed.style": [{"slug": "midden-holland"}],
    "embed.logo": [{"slug": "midden-holland"}],
    # open data (issue 15): HSDS 3.0 and DCAT-AP-NL (the export zip is opened, see _text_of)
    "hsds.root": [{}],
    "hsds.profile": [{}],
    "hsds.services": [{"per_page": "100"}, {"per_page": "100", "page": "2"}, {"per_page": "100", "page": "3"},
                      {"per_page": "100", "full": "true"}, {"per_page": "100", "page": "2", "full": "true"},
                      {"per_page": "100", "page": "3", "full": "true"}, {"modified_after": "2000-01-01", "full": "true",
                                                                          "per_page": "100"}],
    "hsds.service": [{"service_id": HSDS_SERVICE_ID}],
    "hsds.organizations": [{"full": "true", "per_page": "100"}],
    "hsds.service_areas": [{"per_page": "100"}],
    "hsds.organization": [{"organization_id": HSDS_ORGANIZATION_ID}],
    "hsds.taxonomies": [{}],
    "hsds.taxonomy": [{"taxonomy_id": HSDS_TAXONOMY_ID}],
    "hsds.taxonomy_terms": [{"per_page": "100"}],
    "hsds.taxonomy_term": [{"term_id": HSDS_TERM_ID}],
    "hsds.export_zip": [{}],
    "api.dcat": [{"fmt": "jsonld"}, {"fmt": "ttl"}],
    # the public change feed (issue 15): recorded in the fixture after the secret content was written
    "api.changes": [{"limit": "1000"}],
}
NON_PUBLIC_PREFIXES = ("manage.", "auth.", "people.", "account.", "analytics.",  # login required
                       "feedback_manage.",  # readers' reports queue, login required (tests/test_feedback.py)
                       "alerts_account.",  # my followed searches, login required (tests/test_alerts.py)
                       "exports.import_upload", "exports.import_job",  # /beheer/import and an import job's result (login)
                       "dennis.")  # /beheer/import/dennis… and /beheer/voorstellen (login)
# GET routes of the write API: token-only, checked below to refuse anonymous requests.
TOKEN_ONLY = {"api.instrument_internal"}
STATIC_FILES = {"public.favicon"}  # a file from static/, no content


@pytest.fixture()
def secret_content(session):
    make_instrument(session, "test-met-notitie", internal_notes=SECRET_NOTE, municipalities=["GM0513"],
                    reach="lokaal", provider="gemeente-gouda")
    make_instrument(session, DRAFT_SLUG, name=DRAFT_NAME, status="draft", internal_notes=SECRET_NOTE)
    from sqlalchemy import select

    from catalogue.feedback import reports
    from catalogue.models import Municipality, Region
    gouda = session.scalar(select(Municipality).where(Municipality.code == "GM0513"))
    reports.submit(session, reports.Target("gemeente", region=gouda.region, municipality=gouda),
                   f"Het telefoonnummer klopt niet {SECRET_REPORT}", "lezer@example.org")
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    reports.submit(session, reports.Target("region", region=region), f"Regio {SECRET_REPORT}", None)

    from catalogue.models import Instrument
    seeded_notes = [n for n in session.scalars(select(Instrument.internal_notes).where(Instrument.internal_notes.is_not(None)))
                    if n and len(n) > 20 and n != SECRET_NOTE]
    seeded_drafts = list(session.scalars(select(Instrument.slug).where(Instrument.status == "draft")))
    from catalogue.changes import catch_up

    catch_up(session)  # what the webhook worker does: the feed now holds every public instrument
    return seeded_notes, seeded_drafts


def _public_urls(app):
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith(NON_PUBLIC_PREFIXES) \
                    or rule.endpoint in TOKEN_ONLY or rule.endpoint in STATIC_FILES:
                continue
            assert rule.endpoint in SAMPLES, f"public route {rule.rule} ({rule.endpoint}) has no sample in this test"
            for args in SAMPLES[rule.endpoint]:
                urls.append(url_for(rule.endpoint, **args))
    return urls


def _text_of(response) -> str:
    """The response as text; a zip (the HSDS export) is opened and its files read."""
    if response.mimetype == "application/zip":
        import io
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
        return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data(as_text=True)


def _assert_public_output_clean(client, urls, seeded_notes, seeded_drafts):
    checked = 0
    for url in urls:
        for prefix in ("", "/en"):
            response = client.get(prefix + url)
            assert response.status_code in (200, 302, 400, 404), (prefix + url, response.status_code)
            body = _text_of(response)
            assert SECRET_NOTE not in body, prefix + url
            assert DRAFT_NAME not in body, prefix + url
            assert SECRET_REPORT not in body and "lezer@example.org" not in body, prefix + url
            if DRAFT_SLUG in url:
                # not found (or refused as a parameter); the page may echo its own URL (language switch), nothing more
                assert response.status_code in (400, 404)
            else:
                assert f"/instrumenten/{DRAFT_SLUG}\"" not in body and DRAFT_SLUG not in body, prefix + url
            for note in seeded_notes:
                assert note[:60] not in body, (prefix + url, note[:60])
            for slug in seeded_drafts:
                if slug in url:
                    continue
                assert f"/instrumenten/{slug}\"" not in body and f'"slug": "{slug}"' not in body, (prefix + url, slug)
            if not url.endswith("/openapi.json"):  # the document names the write API's input field, never content
                assert "internal_notes" not in body
            checked += 1
    assert checked == 2 * len(urls)


def test_no_internal_notes_or_drafts_in_any_public_output(app, client, secret_content):
    seeded_notes, seeded_drafts = secret_content
    assert seeded_notes and seeded_drafts, "the seed data should contain internal notes and drafts to guard"
    urls = _public_urls(app)
    assert len(urls) > 20
    _assert_public_output_clean(client, urls, seeded_notes, seeded_drafts)


def test_digest_mails_hold_no_internal_data(app, session, secret_content, people):
    """A followed search's digest lists public changes only: no internal notes, drafts or readers' reports, even when
    they changed in the same period as public fields."""
    from datetime import date, datetime, timedelta, timezone

    from sqlalchemy import select

    from catalogue.alerts import digest, filters
    from catalogue.editing import Editor
    from catalogue.models import AlertSubscription, Instrument, OutboxMessage
    from catalogue.web.alerts import link_for

    normalised = filters.normalise(session, "list", {"municipality": ["GM0513"]})
    session.add(AlertSubscription(email="volger@example.org", source="list", filter=normalised, frequency="daily",
                                  filter_key=filters.filter_key("list", normalised), language="nl",
                                  confirmed_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    session.commit()
    editor = Editor(session, people["admin"])
    item = session.scalar(select(Instrument).where(Instrument.slug == "test-met-notitie"))
    editor.update(item, {"internal_notes": SECRET_NOTE + " bijgewerkt", "duration_max": 4, "duration_unit": "week"},
                  partial=True)
    draft = session.scalar(select(Instrument).where(Instrument.slug == DRAFT_SLUG))
    editor.update(draft, {"summary": "Nog steeds een concept, nooit publiek."}, partial=True)
    session.commit()
    with app.test_request_context("/", base_url="https://gids.example.nl"):
        assert digest.send_due(session, "test-secret", link_for, date.today() + timedelta(days=1)).sent == 1
    body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == "volger@example.org")).one()
    assert "test-met-notitie" in body and "duur" in body
    assert SECRET_NOTE not in body and DRAFT_NAME not in body and DRAFT_SLUG not in body and SECRET_REPORT not in body
    assert "internal_notes" not in body and "Intern" not in body


# Where a logged-in user who may read an instrument's internal notes sees them, marked "Intern" (issue 18): the
# instrument's own page and the search results. Everywhere else public pages stay public for them too.
def _shows_internal(url: str) -> bool:
    return url == "/instrumenten" or url.startswith(("/instrumenten/test-met-notitie", "/instrumenten?"))


@pytest.mark.parametrize("role", ["account_manager", "editor"])
def test_internal_notes_for_users_allowed_to_read_them(app, client, secret_content, people, role):
    """An account manager, an admin and Gouda's own editor see Gouda's internal note on the instrument page and in the
    search results, marked "Intern"; every other public page and the public API stay public for them."""
    seeded_notes, seeded_drafts = secret_content
    login(client, people[role])
    assert SECRET_NOTE in client.get("/beheer/instrumenten/test-met-notitie").get_data(as_text=True)  # the manage page
    for url in ("/instrumenten/test-met-notitie", "/instrumenten?q=test+met+notitie", "/en/instrumenten/test-met-notitie"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert SECRET_NOTE in body, url
        note = body[body.index('class="internal-note"'):body.index(SECRET_NOTE)]
        assert "badge-internal" in note and ("Intern<" in note or "Internal<" in note), url
        assert "no-store" in response.headers.get("Cache-Control", ""), url
    urls = [u for u in _public_urls(app) if not _shows_internal(u)]
    _assert_public_output_clean(client, urls, seeded_notes, seeded_drafts)
    # a token does not open the public API either
    headers = {"Authorization": f"Bearer {people.tokens[role]}"}
    assert SECRET_NOTE not in client.get("/api/v1/instruments/test-met-notitie", headers=headers).get_data(as_text=True)
    assert client.get(f"/api/v1/instruments/{DRAFT_SLUG}", headers=headers).status_code == 404


@pytest.mark.parametrize("role", ["other_editor", "other_coordinator", "uwv_editor"])
def test_internal_notes_stay_hidden_from_users_who_may_not_read_them(app, client, session, secret_content, people, role):
    """Editors of other organisations (Almere, Flevoland, UWV) see no note of Gouda's on any public page, nor any
    other note they may not read."""
    from sqlalchemy import select

    from catalogue.auth import can
    from catalogue.models import Instrument

    _, seeded_drafts = secret_content
    user = people[role]
    seeded_notes = [i.internal_notes for i in session.scalars(select(Instrument).where(Instrument.internal_notes.is_not(None)))
                    if len(i.internal_notes) > 20 and i.internal_notes != SECRET_NOTE and not can(user, "view_internal", i)]
    assert seeded_notes
    login(client, user)
    for url in ("/instrumenten/test-met-notitie", "/instrumenten?q=test+met+notitie"):
        body = client.get(url).get_data(as_text=True)
        assert SECRET_NOTE not in body and 'class="internal-note"' not in body, url
    if role == "other_editor":  # every public page once (the whole walk is slow)
        _assert_public_output_clean(client, _public_urls(app), seeded_notes, seeded_drafts)
    else:
        _assert_public_output_clean(client, ["/instrumenten?per_page=100", "/instrumenten?q=proef"], seeded_notes,
                                    seeded_drafts)


def test_token_only_routes_refuse_anonymous_requests(app, client, secret_content):
    from flask import url_for

    with app.test_request_context():
        routes = [r for r in app.url_map.iter_rules() if r.endpoint in TOKEN_ONLY]
        assert {r.endpoint for r in routes} == TOKEN_ONLY
        urls = [url_for(r.endpoint, slug=slug) for r in routes for slug in ("test-met-notitie", DRAFT_SLUG)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 401
        assert SECRET_NOTE not in response.get_data(as_text=True)


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
