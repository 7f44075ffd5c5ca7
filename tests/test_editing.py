"""Editing through the pages: every structured field, errors next to the fields (nl/en), sanitising, optimistic locking
with a conflict page that loses nothing, publish/unpublish/schedule, soft delete and restore, region pages."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from accounts import OWN_MUNICIPALITY, form_data, login, people, post  # noqa: F401
from catalogue.editing import Editor, snapshot
from catalogue.models import Instrument, Region
from helpers import make_instrument

FULL_FORM = [
    ("name", "Werkfit Gouda"), ("slug", ""), ("kind", "jobcoaching"), ("provider", "gemeente-gouda"), ("reach", "lokaal"),
    ("municipalities", "GM0513"), ("summary", "Een jobcoach begeleidt uw nieuwe medewerker op de werkplek."),
    ("description", "<p>Uitleg <strong>vet</strong></p><script>alert(1)</script>"), ("conditions", "Voorwaarde A"),
    ("how_to_apply", "Bel het WSP"), ("duration_max", "6"), ("duration_unit", "maand"), ("amount_type", "tarief_per_uur"),
    ("amount_value", "62.50"), ("amount_max_per_year", "5000"), ("amount_max_total", "10000"),
    ("amount_note", "Per uur begeleiding"), ("applicant", "werkgever"), ("decision_period_weeks", "8"),
    ("payment_moments", "Maandelijks achteraf"), ("requires_doelgroepverklaring", "on"), ("temporary", "on"),
    ("leerwerktraject", "on"), ("valid_from", "2025-01-01"), ("valid_until", "2030-12-31"),
    ("target_groups", "arbeidsbeperking"), ("schemes", "participatiewet"), ("employment_types", "regulier"),
    ("source_url", "https://www.gouda.nl/werkfit"), ("last_checked", "2025-06-01"), ("legal_basis", "Participatiewet, art. 10da"),
    ("regulation_title", "Re-integratieverordening Gouda"), ("regulation_url", "https://lokaleregelgeving.overheid.nl/x"),
    ("funding_source", "Gemeentefonds"), ("external_id", "GOUDA-7"), ("status", "draft"), ("publish_from", ""),
    ("publish_to", ""), ("internal_notes", "Budget bijna op"),
    ("contacts-0-name", "WSP Midden-Holland"), ("contacts-0-phone", "0182 123456"), ("contacts-0-email", "wsp@example.org"),
    ("links-0-title", "Meer informatie"), ("links-0-url", "https://www.gouda.nl/info"),
    ("en-name", "Work fit Gouda"), ("en-summary", "A job coach supports your new employee."),
]


def _item(session, slug):
    session.expire_all()
    return session.scalar(select(Instrument).where(Instrument.slug == slug))


def test_create_with_every_structured_field(client, session, people):
    login(client, people["editor"])
    response = post(client, "/beheer/instrumenten/nieuw", FULL_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    item = _item(session, "werkfit-gouda")
    assert item is not None and item.version == 1 and item.status == "draft"
    data = snapshot(item)
    assert data["kind"] == "jobcoaching" and data["provider"] == "gemeente-gouda"
    assert data["municipalities"] == ["GM0513"] and data["target_groups"] == ["arbeidsbeperking"]
    assert data["schemes"] == ["participatiewet"] and data["employment_types"] == ["regulier"]
    assert data["amount_value"] == "62.50" and data["duration_max"] == 6 and data["decision_period_weeks"] == 8
    assert data["requires_doelgroepverklaring"] is True and data["requires_doelgroepregister"] is False
    assert data["leerwerktraject"] is True and data["temporary"] is True
    assert data["valid_until"] == "2030-12-31" and data["last_checked"] == "2025-06-01"
    assert data["contacts"] == [{"name": "WSP Midden-Holland", "phone": "0182 123456", "email": "wsp@example.org"}]
    assert data["links"] == [{"title": "Meer informatie", "url": "https://www.gouda.nl/info"}]
    assert data["translations"] == {"en": {"name": "Work fit Gouda", "summary": "A job coach supports your new employee."}}
    assert data["internal_notes"] == "Budget bijna op" and data["external_id"] == "GOUDA-7"
    assert "<script>" not in item.description and "<strong>vet</strong>" in item.description
    # the edit form shows every value again
    html = client.get("/beheer/instrumenten/werkfit-gouda/bewerken").get_data(as_text=True)
    for value in ("Werkfit Gouda", "62.50", "Maandelijks achteraf", "wsp@example.org", "Work fit Gouda", "Budget bijna op"):
        assert value in html
    # and saving it unchanged changes nothing
    unchanged = post(client, "/beheer/instrumenten/werkfit-gouda/bewerken",
                     form_data(snapshot(item)) + [("version", str(item.version))])
    assert unchanged.status_code == 302
    assert _item(session, "werkfit-gouda").version == 1


@pytest.mark.parametrize("prefix,expected", [
    ("", ["Controleer deze velden", "Dit veld is verplicht.", "Vul een geldig e-mailadres in.", "Vul een geheel getal in."]),
    ("/en", ["Check these fields", "This field is required.", "Enter a valid e-mail address.", "Enter a whole number."]),
])
def test_errors_are_shown_next_to_the_fields(client, people, prefix, expected):
    login(client, people["editor"])
    response = post(client, f"{prefix}/beheer/instrumenten/nieuw",
                    [("name", "Iets"), ("provider", "gemeente-gouda"), ("reach", "lokaal"), ("duration_max", "zes"),
                     ("contacts-0-name", "X"), ("contacts-0-email", "geen-adres")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for text in expected:
        assert text in html, text
    # the summary links to the fields; each field points at its own message
    assert 'href="#f-summary"' in html and 'href="#f-contacts-0-email"' in html
    assert 'id="f-summary-error"' in html
    assert 'aria-describedby="f-summary-hint f-summary-error" aria-invalid="true"' in html
    assert 'id="f-contacts-0-email" name="contacts-0-email" value="geen-adres" aria-invalid="true" ' \
           'aria-describedby="f-contacts-0-email-error"' in html
    assert 'value="Iets"' in html  # what was typed is kept


def test_schema_rules_reach_the_form(client, people):
    login(client, people["editor"])
    form = [(k, v) for k, v in FULL_FORM if k not in ("valid_until", "status")]
    response = post(client, "/beheer/instrumenten/nieuw", form + [("valid_until", "2020-01-01"), ("status", "draft")])
    assert response.status_code == 400
    assert "De einddatum ligt vóór de begindatum." in response.get_data(as_text=True)
    response = post(client, "/en/beheer/instrumenten/nieuw", form + [("valid_until", "2020-01-01"), ("status", "draft")])
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_an_editor_cannot_pick_another_organisations_provider(client, session, people):
    login(client, people["editor"])
    html = client.get("/beheer/instrumenten/nieuw").get_data(as_text=True)
    assert 'value="gemeente-gouda"' in html and 'value="gemeente-almere"' not in html
    form = [(k, v) for k, v in FULL_FORM if k not in ("provider", "municipalities")]
    response = post(client, "/beheer/instrumenten/nieuw", form + [("provider", "gemeente-almere"), ("municipalities", "GM0034")])
    assert response.status_code == 403
    assert _item(session, "werkfit-gouda") is None


def _gouda(session, slug="gouda-test", **kw):
    values = dict(provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"], status="draft")
    values.update(kw)
    return make_instrument(session, slug, **values)


def test_conflict_page_shows_both_versions_and_loses_nothing(client, session, people, app):
    item = _gouda(session, summary="De oorspronkelijke samenvatting voor werkgevers.")
    login(client, people["editor"])
    stale_version = item.version
    # someone else (the coordinator, in another browser) saves first
    other = app.test_client()
    login(other, people["coordinator"])
    theirs = [(k, v) for k, v in form_data(snapshot(item)) if k != "summary"]
    assert post(other, "/beheer/instrumenten/gouda-test/bewerken",
                theirs + [("summary", "Samenvatting van de coördinator, eerder opgeslagen."),
                          ("version", str(stale_version))]).status_code == 302
    # now this editor saves over it with the old version number
    mine = [(k, v) for k, v in form_data(snapshot(item)) if k not in ("summary", "internal_notes")]
    response = post(client, "/beheer/instrumenten/gouda-test/bewerken",
                    mine + [("summary", "Mijn eigen samenvatting, die niet verloren mag gaan."),
                            ("internal_notes", "Mijn notitie"), ("version", str(stale_version))])
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Iemand anders heeft dit instrument intussen gewijzigd" in html
    assert "Samenvatting van de coördinator, eerder opgeslagen." in html  # the stored version
    assert "Mijn eigen samenvatting, die niet verloren mag gaan." in html  # mine, in the form to save again
    assert "Mijn notitie" in html and "coordinator@example.org" in html
    stored = _item(session, "gouda-test")
    assert stored.summary == "Samenvatting van de coördinator, eerder opgeslagen."  # not overwritten
    assert f'name="version" value="{stored.version}"' in html
    # saving the form from the conflict page (with the new version) keeps my text
    again = post(client, "/beheer/instrumenten/gouda-test/bewerken",
                 mine + [("summary", "Mijn eigen samenvatting, die niet verloren mag gaan."),
                         ("internal_notes", "Mijn notitie"), ("version", str(stored.version))])
    assert again.status_code == 302
    assert _item(session, "gouda-test").summary == "Mijn eigen samenvatting, die niet verloren mag gaan."


def test_concurrent_save_in_the_domain_layer_is_a_conflict(session, people):
    from catalogue.editing import VersionConflict

    item = _gouda(session)
    editor = Editor(session, people["editor"])
    editor.update(item, {"name": "Eerste wijziging"}, expected_version=item.version, partial=True)
    session.commit()
    with pytest.raises(VersionConflict) as exc:
        editor.update(item, {"name": "Tweede wijziging"}, expected_version=item.version - 1, partial=True)
    assert exc.value.current["name"] == "Eerste wijziging" and exc.value.submitted == {"name": "Tweede wijziging"}


def test_publish_unpublish_schedule_delete_restore(client, session, people, today):
    item = _gouda(session, example=True)
    login(client, people["editor"])
    url = "/beheer/instrumenten/gouda-test"
    assert client.get("/instrumenten/gouda-test").status_code == 404
    assert post(client, f"{url}/publiceren").status_code == 302
    assert client.get("/instrumenten/gouda-test").status_code == 200
    assert post(client, f"{url}/depubliceren").status_code == 302
    assert client.get("/instrumenten/gouda-test").status_code == 404
    # scheduled in the future: published, but not yet public
    start = (today + timedelta(days=10)).isoformat()
    assert post(client, f"{url}/plannen", {"publish_from": start, "publish_to": ""}).status_code == 302
    current = _item(session, "gouda-test")
    assert current.status == "published" and current.publish_from.isoformat() == start
    assert client.get("/instrumenten/gouda-test").status_code == 404
    assert "Gepland" in client.get(url).get_data(as_text=True)
    # an impossible window is refused with the schema's message
    response = post(client, f"{url}/plannen", {"publish_from": start, "publish_to": today.isoformat()},
                    follow_redirects=True)
    assert "De einddatum ligt vóór de begindatum." in response.get_data(as_text=True)
    assert post(client, f"{url}/plannen", {"publish_from": "", "publish_to": ""}).status_code == 302
    assert client.get("/instrumenten/gouda-test").status_code == 200
    # soft delete and restore
    assert post(client, f"{url}/verwijderen").status_code == 302
    assert _item(session, "gouda-test").deleted_at is not None
    assert client.get("/instrumenten/gouda-test").status_code == 404
    assert "gouda-test" in client.get("/beheer/instrumenten?status=deleted").get_data(as_text=True)
    assert client.get(f"{url}/bewerken").status_code == 404
    assert post(client, f"{url}/terugzetten").status_code == 302
    assert _item(session, "gouda-test").deleted_at is None
    assert client.get("/instrumenten/gouda-test").status_code == 200


def test_publishing_needs_a_source_unless_example(client, session, people):
    _gouda(session, example=False, source_url=None)
    login(client, people["editor"])
    response = post(client, "/beheer/instrumenten/gouda-test/publiceren", follow_redirects=True)
    assert "Een gepubliceerd instrument dat geen voorbeeld is, noemt zijn bron." in response.get_data(as_text=True)
    assert _item(session, "gouda-test").status == "draft"


def test_mark_checked_sets_last_checked(client, session, people, today):
    _gouda(session, last_checked=date(2020, 1, 1))
    login(client, people["editor"])
    assert post(client, "/beheer/instrumenten/gouda-test/gecontroleerd").status_code == 302
    assert _item(session, "gouda-test").last_checked == today


def test_coordinator_edits_the_region_page(client, session, people):
    login(client, people["coordinator"])
    page = client.get("/beheer/regios/midden-holland")
    assert page.status_code == 200
    fingerprint = page.get_data(as_text=True).split('name="fingerprint" value="')[1].split('"')[0]
    response = post(client, "/beheer/regios/midden-holland", {
        "fingerprint": fingerprint, "wsp_name": "WSP Midden-Holland", "wsp_website": "https://www.wspmh.nl",
        "wsp_phone": "0182 000000", "wsp_email": "info@wspmh.nl", "description": "Samen sterk.",
        "partners": "UWV\nGemeente Gouda\n", "terminology-0-term": "Werkbedrijf", "terminology-0-meaning": "Het WSP.",
    })
    assert response.status_code == 302
    session.expire_all()
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    assert region.wsp_phone == "0182 000000" and region.partners == ["UWV", "Gemeente Gouda"]
    assert region.terminology == [{"term": "Werkbedrijf", "meaning": "Het WSP."}]
    public = client.get("/regios/midden-holland").get_data(as_text=True)
    assert "0182 000000" in public and "Werkbedrijf" in public
    # errors next to the fields
    bad = post(client, "/beheer/regios/midden-holland", {"wsp_website": "geen-url", "wsp_email": "x"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="f-wsp_email-error"' in html and 'href="#f-wsp_website"' in html
    # a stale form is a conflict, and nothing is overwritten
    stale = post(client, "/beheer/regios/midden-holland", {"fingerprint": fingerprint, "wsp_phone": "111"})
    assert stale.status_code == 409 and "111" in stale.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Region).where(Region.code == "AM20")).wsp_phone == "0182 000000"


def test_account_manager_sees_internal_notes_but_edits_nothing(client, session, people):
    _gouda(session, internal_notes="Alleen voor accountmanagers")
    make_instrument(session, "uwv-intern", internal_notes="UWV-notitie voor partners")
    login(client, people["account_manager"])
    assert "Alleen voor accountmanagers" in client.get("/beheer/instrumenten/gouda-test").get_data(as_text=True)
    assert "UWV-notitie voor partners" in client.get("/beheer/instrumenten/uwv-intern").get_data(as_text=True)
    html = client.get("/beheer/instrumenten/gouda-test").get_data(as_text=True)
    assert "/bewerken" not in html and "/publiceren" not in html
    assert client.get("/beheer/instrumenten/nieuw").status_code == 403
