"""The Dennis migration (issue 13 §1): fixture exports in the shape of d-core's InstrumentResource, every field mapped
as documented, the shape's quirks, bad input (clear message, nothing written), idempotent second run, conflicts with
newer work on a second run, and 2,000 instruments."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from accounts import people  # noqa: F401
from catalogue.editing import Editor
from catalogue.imports.dennis import format_dennis, run_dennis_import
from catalogue.models import AuditEntry, ImportRecord, Instrument, InstrumentVersion, ParameterProposal, Region
from dennis_export import (contact, dumps, instrument, local_party, location, national_party, partnership,
                           regional_party, tile)

GOUDA, WADDINXVEEN, ALMERE = ("GM0513", "Gouda"), ("GM0627", "Waddinxveen"), ("GM0034", "Almere")
U_PROEF, U_LKS, U_WSP, U_ALMERE, U_UWV, U_SAMEN = (f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 7))


def export() -> list[dict]:
    return [
        instrument(
            "Proefplaatsing Gouda (Dennis)", local_party(*GOUDA), uuid=U_PROEF,
            short="<p>Probeer een kandidaat <strong>eerst</strong> uit.</p>",
            description="<p>Met behoud van uitkering.</p><script>alert('x')</script><img src=x onerror=alert(1)>",
            conditions="<ul><li>De proefplaatsing duurt maximaal 3 maanden.</li><li>U neemt de kandidaat daarna "
                       "minimaal 6 maanden in dienst.</li></ul>",
            applications="<p>Via het WSP.</p>",
            townships=[GOUDA], neighbourhoods=[("Korte Akkeren", *GOUDA)],
            tiles=[tile("Plaatsing", "plaatsing"), tile("Werving en Selectie", "werving_en_selectie"),
                   tile("Onbekende tegel", "iets_anders")],
            age_groups=[("LG03", "22 t/m 26 jaar"), ("LG04", "27 t/m 55 jaar")],
            employment_types=[("DV01", "Reguliere arbeidsovereenkomst")],
            sectors=[("G", "Handel"), ("", "Zorg en welzijn")],
            registers=["Ja"],
            target_groups=[("DD02", "Participatiewet (Bijstand, IOAW, IOAZ)"), ("DD06", "Ondernemer met personeel"),
                           (None, "Statushouders"), (None, "Mensen uit de wijk Korte Akkeren")],
            links=[("Meer informatie", "https://www.gouda.nl/proefplaatsing"), ("Onveilig", "javascript:alert(1)")],
            videos=[("youtube", "dQw4w9WgXcQ")],
            downloads=[("Folder", "https://www.gouda.nl/folder.pdf", "folder.pdf"), ("Intern", "/storage/x.pdf", "x")],
            provider={"uuid": "p-1", "name": "Stichting Werkpad", "slug": "stichting-werkpad", "import_mark": None,
                      "organisation": None, "address": location("", "Markt", "1", "2801 JG", "Gouda")["address"],
                      "contact": contact("Stichting Werkpad", "0182 000 000", "info@werkpad.example.org")},
            contacts=[contact("Jan Jansen", "0182 111 111", "jan@example.org", label="Accountmanager"),
                      contact("Kapot", None, "geen-email")],
            locations=[location("Werkplein", "Burgemeester Jamessingel", "1", "2803 PV", "Gouda")],
        ),
        instrument(
            "Loonkostensubsidie Waddinxveen", local_party(*WADDINXVEEN), uuid=U_LKS,
            short="Loonkostensubsidie voor werkgevers in Waddinxveen.",
            conditions="<p>Wij nemen binnen 8 weken een besluit.</p>",
            townships=[WADDINXVEEN], target_groups=[("DD02", "Participatiewet (Bijstand, IOAW, IOAZ)")],
            links=[("Regeling", "https://lokaleregelgeving.overheid.nl/CVDR000000")],
        ),
        instrument(
            "Jobcoaching Midden-Holland", regional_party("AM20", "Midden-Holland"), uuid=U_WSP,
            short="Een jobcoach begeleidt uw nieuwe werknemer op de werkvloer.",
            description="<p>Een eenmalige vergoeding van € 1.500 voor de werkgever.</p>",
            regions=[("AM20", "Midden-Holland")], is_leerwerktraject=True,
            links=[("WSP", "https://wspmiddenholland.nl")],
            publish=False, published=False,
        ),
        instrument(
            "Werkplekaanpassing Almere", local_party(*ALMERE), uuid=U_ALMERE,
            short="Vergoeding van aanpassingen aan de werkplek.", townships=[ALMERE],
            links=[("Almere", "https://www.almere.nl")], publish_from="2024-01-01T00:00:00.000000Z",
            publish_to="2099-12-31T00:00:00.000000Z",
        ),
        instrument(
            "No-riskpolis (Dennis)", national_party("UWV"), uuid=U_UWV, reach="national",
            short="UWV betaalt het loon door als uw werknemer ziek wordt.",
            links=[("UWV", "https://www.uwv.nl/werkgevers")],
        ),
        instrument(
            "Scholing via de samenwerking", partnership("Samenwerking Midden-Holland", [GOUDA, WADDINXVEEN]),
            uuid=U_SAMEN, short="Scholing voor nieuwe werknemers, betaald door de gemeenten.",
            townships=[GOUDA, WADDINXVEEN], links=[("Info", "https://wspmiddenholland.nl/scholing")],
        ),
    ]


def _count(session, model=Instrument) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _get(session, uuid) -> Instrument:
    return session.scalar(select(Instrument).where(Instrument.external_id == uuid))


def test_fixture_export_maps_every_field(session):
    before = _count(session)
    result = run_dennis_import(session, "dennis.json", dumps(export()), allow_national=True)
    assert result.ok and result.committed, result.errors
    assert result.counts["create"] == 6 and _count(session) == before + 6

    proef = _get(session, U_PROEF)
    assert proef.kind.code == "proefplaatsing" and proef.provider.slug == "gemeente-gouda"
    assert proef.reach == "lokaal" and [m.code for m in proef.municipalities] == ["GM0513"]
    assert proef.summary == "Probeer een kandidaat eerst uit."
    assert "<script" not in proef.description and "onerror" not in proef.description and "<img" not in proef.description
    assert "Werkplein (Adres): Burgemeester Jamessingel 1, 2803 PV Gouda" in proef.description
    assert "Stichting Werkpad (uitvoerder): Markt 1, 2801 JG Gouda" in proef.description
    assert "maximaal 3 maanden" in proef.conditions and proef.how_to_apply == "<p>Via het WSP.</p>"
    terms = {t.taxonomy: sorted(x.code for x in proef.terms if x.taxonomy == t.taxonomy) for t in proef.terms}
    assert terms["journey_phase"] == ["plaatsing", "werving-en-selectie"]
    assert terms["age_group"] == ["22-26", "27-55"] and terms["employment_type"] == ["regulier"]
    assert terms["sector"] == ["G"] and terms["scheme"] == ["participatiewet"]
    assert terms["target_group"] == ["statushouders"]
    assert proef.requires_doelgroepregister is True and proef.leerwerktraject is False
    assert proef.links == [
        {"title": "Meer informatie", "url": "https://www.gouda.nl/proefplaatsing"},
        {"title": "Folder", "url": "https://www.gouda.nl/folder.pdf"},
        {"title": "Video (YouTube)", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}]
    assert proef.source_url == "https://www.gouda.nl/proefplaatsing"
    assert {"name": "Jan Jansen (Accountmanager)", "phone": "0182 111 111", "email": "jan@example.org"} in proef.contacts
    assert {"name": "Stichting Werkpad (uitvoerder)", "phone": "0182 000 000",
            "email": "info@werkpad.example.org"} in proef.contacts
    assert proef.status == "published" and proef.is_public()
    assert proef.duration_max is None  # the text's "maximaal 3 maanden" is a proposal, not applied
    # what could not be mapped: in the report and in the internal notes
    row = next(r for r in result.rows if r.uuid == U_PROEF)
    notes = "\n".join(row.notes)
    for text in ("wijk 'Korte Akkeren'", "tegel 'Onbekende tegel'", "'Ondernemer met personeel' (DD06)",
                 "'Mensen uit de wijk Korte Akkeren' (eigen doelgroep zonder code)", "sector 'Zorg en welzijn'",
                 "link 'Onveilig'", "download 'Intern'", "ongeldig e-mailadres 'geen-email'"):
        assert text in notes, text
        assert text in proef.internal_notes, text
    assert "soort 'proefplaatsing' (uit 'proefplaatsing' in name)" in proef.internal_notes

    wsp = _get(session, U_WSP)
    assert wsp.provider.slug == "regio-midden-holland" and wsp.reach == "regionaal"
    assert [r.code for r in wsp.regions] == ["AM20"] and wsp.leerwerktraject and wsp.status == "draft"
    assert wsp.kind.code == "jobcoaching"
    almere = _get(session, U_ALMERE)
    assert almere.kind.code == "werkplekvoorziening" and almere.provider.region.code == "AM11"
    assert str(almere.publish_from) == "2024-01-01" and str(almere.publish_to) == "2099-12-31" and almere.is_public()
    uwv = _get(session, U_UWV)
    assert uwv.provider.slug == "uwv" and uwv.reach == "landelijk" and uwv.kind.code == "no-riskpolis"
    samen = _get(session, U_SAMEN)
    assert samen.provider.slug == "regio-midden-holland" and samen.reach == "lokaal"
    assert sorted(m.code for m in samen.municipalities) == ["GM0513", "GM0627"]

    # through the editing service: audited, versioned, idempotency state kept
    entry = session.scalar(select(AuditEntry).where(AuditEntry.instrument_id == proef.id))
    assert entry.action == "create" and entry.via == "cli"
    assert session.scalar(select(func.count()).select_from(InstrumentVersion)
                          .where(InstrumentVersion.instrument_id == proef.id)) == 1
    state = session.scalar(select(ImportRecord).where(ImportRecord.external_id == U_PROEF))
    assert state.instrument_id == proef.id and state.version == proef.version

    # parameter proposals: read with confidence, waiting; "minimaal 6 maanden" is no maximum
    proposals = {p.instrument.external_id: p for p in session.scalars(select(ParameterProposal))}
    assert proposals[U_PROEF].values == {"duration_max": 3, "duration_unit": "maand"}
    assert "maximaal 3 maanden" in proposals[U_PROEF].excerpt and proposals[U_PROEF].status == "open"
    assert proposals[U_LKS].values == {"decision_period_weeks": 8}
    assert proposals[U_WSP].values == {"amount_type": "vast", "amount_value": "1500.00"}

    text = "\n".join(format_dennis(result))
    assert "Niet (helemaal) over te nemen, over het hele bestand:" in text and "voorstel: duration_max=3" in text


def test_second_run_is_unchanged_and_dry_run_writes_nothing(session):
    data = dumps(export())
    dry = run_dennis_import(session, "dennis.json", data, allow_national=True, dry_run=True)
    assert dry.ok and not dry.committed and dry.counts["create"] == 6
    assert _get(session, U_PROEF) is None
    run_dennis_import(session, "dennis.json", data, allow_national=True)
    audits, proposals = _count(session, AuditEntry), _count(session, ParameterProposal)
    again = run_dennis_import(session, "dennis.json", data, allow_national=True)
    assert again.committed and again.counts["unchanged"] == 6, [(r.name, r.action, r.diffs) for r in again.rows]
    assert _count(session, AuditEntry) == audits and _count(session, ParameterProposal) == proposals
    # the same content with a newer updated_at (Dennis saved without changes): still nothing written
    touched = export()
    for item in touched:
        item["updated_at"] = "2024-06-01T10:00:00.000000Z"
    third = run_dennis_import(session, "dennis.json", dumps(touched), allow_national=True)
    assert third.counts["unchanged"] == 6 and _count(session, AuditEntry) == audits


def test_region_option_imports_only_that_region(session):
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    result = run_dennis_import(session, "dennis.json", dumps(export()), region=am20)
    assert result.committed
    actions = {r.uuid: r.action for r in result.rows}
    assert actions[U_ALMERE] == "skipped" and actions[U_UWV] == "skipped"
    assert actions[U_PROEF] == actions[U_WSP] == actions[U_SAMEN] == "create"
    assert _get(session, U_ALMERE) is None and _get(session, U_UWV) is None
    assert "overgeslagen: 'Gemeente Almere' hoort niet bij arbeidsmarktregio Midden-Holland" in \
        next(r for r in result.rows if r.uuid == U_ALMERE).notes[0]


def test_shape_quirks_missing_keys_and_custom_groups(session):
    item = instrument("Jobcoach voor starters", local_party(*GOUDA), townships=[GOUDA],
                      target_groups=[(None, "Jongeren tot 27 jaar")], tiles=[tile("Nazorg", "nazorg")])
    for key in ("registration_codes", "videos", "downloads", "contacts", "locations", "available_neighbourhoods",
                "available_regions", "tiles_count", "target_group_registers", "publish_from", "publish_to"):
        item.pop(key, None)
    item["target_groups"][0].pop("code")  # no code and no `custom` flag at all
    item["tiles"][0].pop("key")  # a tile with name only (no code, no key)
    bare = {"uuid": "bare-1", "name": "Proefplaatsing zonder veel", "organisation": local_party(*GOUDA),
            "short_description": "Alleen de verplichte velden staan erin.", "available_townships": [],
            "tiles": None, "target_groups": None}
    coded = instrument("Loonkostensubsidie met codes", local_party(*GOUDA), townships=[GOUDA],
                       links=[("Info", "https://www.gouda.nl/lks")])
    coded["registration_codes"] = [{"id": 1, "code": "R-12", "label": "Registratie"}]
    result = run_dennis_import(session, "quirks.json", dumps([item, bare, coded]))
    assert result.committed, result.errors
    first = _get(session, item["uuid"])
    assert [t.code for t in first.terms if t.taxonomy == "target_group"] == ["jongeren"]
    assert [t.code for t in first.terms if t.taxonomy == "journey_phase"] == ["nazorg"]
    second = _get(session, "bare-1")
    assert second.reach == "lokaal" and [m.code for m in second.municipalities] == ["GM0513"]
    assert second.status == "draft"  # published in Dennis is unknown without a source: a draft, and reported
    assert "Registratiecodes in Dennis: R-12 Registratie" in _get(session, coded["uuid"]).internal_notes


@pytest.mark.parametrize("data, message", [
    (b"", "Het bestand is leeg."),
    (b"\xff\xfe{\x00", "geen UTF-8"),
    (dumps(export())[:-40], "houdt halverwege op"),
    (b'{"a": 1}', "geen Dennis-export"),
    (b'[{"id": 1, "title": "x"}]', "geen Dennis-export"),
    (json.dumps({"instruments": [], "columns": []}).encode(), "JSON-export van de instrumentengids zelf"),
    (b"[1, 2", "houdt halverwege op"),
    (b"[1, }, 3]", "geen geldige JSON (regel 1, kolom 5"),
])
def test_bad_files_give_a_clear_message_and_write_nothing(session, data, message):
    before = _count(session)
    result = run_dennis_import(session, "x.json", data)
    assert not result.ok and not result.committed
    assert message in result.errors[0], result.errors
    assert _count(session) == before


def test_bad_instruments_name_instrument_and_field_and_write_nothing(session):
    items = export()
    items[1]["available_townships"] = [{"code": "GM9999", "name": "Nergenshuizen"}]
    items[2]["organisation"] = None
    items[3]["uuid"] = items[0]["uuid"]
    before = _count(session)
    result = run_dennis_import(session, "x.json", dumps(items), allow_national=True)
    assert not result.committed and _count(session) == before
    assert result.errors == [f"Instrument 4 'Werkplekaanpassing Almere' (uuid {U_PROEF}), veld 'uuid': dezelfde uuid "
                             f"als Instrument 1 'Proefplaatsing Gouda (Dennis)' (uuid {U_PROEF}). Elke uuid mag één "
                             "keer voorkomen."]
    items[3]["uuid"] = U_ALMERE
    items[4]["organisation"] = national_party("Onbekend Fonds")
    items[0]["description"] = "<p>" + "x" * 20001 + "</p>"
    result = run_dennis_import(session, "x.json", dumps(items), allow_national=True)
    assert not result.committed and _count(session) == before
    assert (f"Instrument 2 'Loonkostensubsidie Waddinxveen' (uuid {U_LKS}), veld 'available_townships[0]': onbekende "
            "gemeente 'Nergenshuizen' (code GM9999)") in result.errors
    assert f"Instrument 3 'Jobcoaching Midden-Holland' (uuid {U_WSP}), veld 'organisation': ontbreekt" in \
        "\n".join(result.errors)
    assert any("veld 'organisation.nationalParty.name': onbekende landelijke aanbieder 'Onbekend Fonds'" in e
               for e in result.errors)
    assert any(e.startswith("Instrument 1 ") and "veld 'description': langer dan 20000 tekens" in e
               for e in result.errors)


def test_kind_that_cannot_be_read_needs_a_default(session):
    item = instrument("Werkgeversarrangement", local_party(*GOUDA), townships=[GOUDA],
                      short="Een arrangement voor werkgevers.", links=[("x", "https://www.gouda.nl")])
    result = run_dennis_import(session, "x.json", dumps([item]))
    assert not result.committed and "veld 'name': de soort is niet uit de naam" in result.errors[0]
    result = run_dennis_import(session, "x.json", dumps([item]), default_kind="advies")
    assert result.committed and _get(session, item["uuid"]).kind.code == "advies"
    result = run_dennis_import(session, "x.json", dumps([item]), default_kind="bestaat-niet")
    assert "Standaardsoort: onbekende soort 'bestaat-niet'" in result.errors[0]


def test_second_run_with_newer_dennis_and_newer_edit_here_is_a_conflict(session, people):  # noqa: F811
    run_dennis_import(session, "dennis.json", dumps(export()), allow_national=True)
    lks = _get(session, U_LKS)
    Editor(session, people["coordinator"]).update(lks, {"summary": "Onze eigen, nieuwere samenvatting hier."},
                                                  partial=True)
    Editor(session, people["coordinator"]).update(lks, {"duration_max": 24, "duration_unit": "maand"}, partial=True)
    session.commit()
    newer = export()
    newer[1]["updated_at"] = "2024-09-01T08:00:00.000000Z"
    newer[1]["short_description"] = "Loonkostensubsidie, nu ook voor parttime banen."  # changed in Dennis ...
    newer[1]["conditions"] = "<p>Wij nemen binnen 6 weken een besluit.</p>"  # ... and only there
    audits = _count(session, AuditEntry)
    result = run_dennis_import(session, "dennis.json", dumps(newer), allow_national=True)
    assert not result.committed and _count(session, AuditEntry) == audits
    [conflict] = result.conflicts
    assert (conflict.field, conflict.current_value) == ("summary", "Onze eigen, nieuwere samenvatting hier.")
    assert conflict.file_value == "Loonkostensubsidie, nu ook voor parttime banen."
    assert conflict.changed_by == "coordinator@example.org"
    session.expire_all()
    assert _get(session, U_LKS).summary == "Onze eigen, nieuwere samenvatting hier."
    result = run_dennis_import(session, "dennis.json", dumps(newer), allow_national=True,
                               resolutions={conflict.key: "current"})
    assert result.committed
    row = next(r for r in result.rows if r.uuid == U_LKS)
    assert set(row.diffs) == {"conditions"}  # Dennis's other change is taken; ours kept; duration (ours only) kept
    session.expire_all()
    lks = _get(session, U_LKS)
    assert lks.summary == "Onze eigen, nieuwere samenvatting hier." and lks.duration_max == 24
    assert "6 weken" in lks.conditions
    again = run_dennis_import(session, "dennis.json", dumps(newer), allow_national=True)
    assert again.counts["unchanged"] == 6 and not again.conflicts


def test_two_thousand_instruments(session):
    towns = [GOUDA, WADDINXVEEN, ("GM1931", "Krimpenerwaard"), ("GM1901", "Bodegraven-Reeuwijk"), ALMERE]
    kinds = ["Proefplaatsing", "Jobcoaching", "Loonkostensubsidie", "Scholing", "Werkplekaanpassing"]
    items = [instrument(f"{kinds[n % 5]} {n}", local_party(*towns[n % 5]), townships=[towns[n % 5]],
                        short=f"Instrument nummer {n} voor werkgevers.",
                        conditions=f"<p>Maximaal {n % 12 + 1} maanden.</p>",
                        links=[("Info", f"https://example.org/{n}")]) for n in range(2000)]
    data = dumps(items)
    result = run_dennis_import(session, "groot.json", data)
    assert result.committed and result.counts["create"] == 2000, result.errors[:3]
    assert result.proposal_count == 2000
    again = run_dennis_import(session, "groot.json", data, dry_run=True)
    assert again.counts["unchanged"] == 2000


def test_too_large_file_is_refused(session):
    data = b"[" + b" " * (50 * 1024 * 1024) + b"]"
    result = run_dennis_import(session, "x.json", data)
    assert not result.committed
    assert result.errors == ["Het bestand is te groot (50.0 MB); de grens is 50 MB. Exporteer per regio "
                             "(dennis:export-instruments) en importeer de delen na elkaar."]


# ---------------------------------------------------------------------------------------------------------------------
# /beheer: navigation, upload, the review list of proposals


def _upload(client, data: bytes, region="AM20", **extra):
    from werkzeug.datastructures import FileStorage

    from accounts import post
    return post(client, "/beheer/import/dennis", {"region": region, "file": FileStorage(io.BytesIO(data), "d.json"),
                                                  **extra}, content_type="multipart/form-data")


def test_beheer_navigation_links_the_imports_and_proposals(client, people):  # noqa: F811
    from accounts import login
    for url in ("/beheer/import/dennis", "/beheer/voorstellen"):
        assert client.get(url).status_code == 302  # to the login page
    login(client, people["coordinator"])
    html = client.get("/beheer/").get_data(as_text=True)
    for url in ('href="/beheer/import"', 'href="/beheer/import/dennis"', 'href="/beheer/voorstellen"'):
        assert url in html, url
    login(client, people["account_manager"])
    html = client.get("/beheer/").get_data(as_text=True)
    assert 'href="/beheer/import/dennis"' not in html
    assert client.get("/beheer/import/dennis").status_code == 403
    assert client.get("/beheer/voorstellen").status_code == 403


def test_upload_previews_confirms_and_proposals_are_reviewed(client, session, people):  # noqa: F811
    from accounts import login, post
    login(client, people["coordinator"])
    before = _count(session)
    page = _upload(client, dumps(export()))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Controle: nog niets opgeslagen" in html and "overgeslagen" in html and "Korte Akkeren" in html
    assert _count(session) == before
    token = html.split('name="token" value="')[1].split('"')[0]
    done = post(client, "/beheer/import/dennis/bevestigen", {"token": token})
    assert done.status_code == 200 and "Import opgeslagen" in done.get_data(as_text=True)
    assert _count(session) == before + 4  # AM20: Gouda, Waddinxveen, the WSP, the partnership
    entry = session.scalar(select(AuditEntry).where(AuditEntry.instrument_id == _get(session, U_PROEF).id))
    assert entry.actor == people["coordinator"].email and entry.via == "web"

    listing = client.get("/beheer/voorstellen").get_data(as_text=True)
    assert "Proefplaatsing Gouda (Dennis)" in listing and "maximaal 3 maanden" in listing
    proposals = {p.instrument.external_id: p for p in session.scalars(select(ParameterProposal))}
    proef, lks = proposals[U_PROEF], proposals[U_LKS]
    assert _get(session, U_PROEF).is_public()  # visible while the proposal waits
    assert client.post(f"/beheer/voorstellen/{proef.id}/overnemen").status_code == 400  # CSRF
    assert post(client, f"/beheer/voorstellen/{proef.id}/overnemen").status_code == 302
    assert post(client, f"/beheer/voorstellen/{lks.id}/afwijzen").status_code == 302
    session.expire_all()
    item = _get(session, U_PROEF)
    assert (item.duration_max, item.duration_unit) == (3, "maand")
    assert session.get(ParameterProposal, proef.id).status == "accepted"
    assert session.get(ParameterProposal, proef.id).decided_by == people["coordinator"].email
    assert session.get(ParameterProposal, lks.id).status == "rejected"
    assert _get(session, U_LKS).decision_period_weeks is None
    actions = [e.action for e in session.scalars(select(AuditEntry).where(
        AuditEntry.instrument_id.in_([item.id, _get(session, U_LKS).id])).order_by(AuditEntry.id))]
    assert actions[-2:] == ["accept_proposal", "reject_proposal"]
    again = post(client, f"/beheer/voorstellen/{proef.id}/overnemen", follow_redirects=True)
    assert "Over dit voorstel is al beslist." in again.get_data(as_text=True)
    history = client.get(f"/beheer/instrumenten/{item.slug}/geschiedenis").get_data(as_text=True)
    assert "voorstel uit import overgenomen" in history
    # another region's editor may not decide on these
    login(client, people["other_editor"])
    assert post(client, f"/beheer/voorstellen/{proposals[U_WSP].id}/afwijzen").status_code == 403
    assert "Jobcoaching Midden-Holland" not in client.get("/beheer/voorstellen").get_data(as_text=True)


def test_upload_refuses_bad_files_and_runs_large_ones_as_jobs(client, app, session, people, tmp_path,  # noqa: F811
                                                                monkeypatch):
    import re

    from accounts import login, post
    from catalogue.jobs import run_next
    from catalogue.jobs.files import jobs_root
    from catalogue.models import Job

    login(client, people["coordinator"])
    page = _upload(client, b'{"a": 1}')
    assert page.status_code == 422 and "geen Dennis-export" in page.get_data(as_text=True)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "DENNIS_WEB_MAX_INSTRUMENTS", 3)
    many = [instrument(f"Proefplaatsing {n}", local_party(*GOUDA), townships=[GOUDA],
                       links=[("Info", f"https://www.gouda.nl/{n}")]) for n in range(5)]
    page = _upload(client, dumps(many))
    assert page.status_code == 303 and re.search(r"/taken/[\w-]{32}$", page.headers["Location"])
    url = page.headers["Location"]
    assert "Import wordt verwerkt" in client.get(url).get_data(as_text=True)
    run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Controle: nog niets opgeslagen" in html and "5 nieuw" in html
    assert _get(session, many[0]["uuid"]) is None
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    page = post(client, "/beheer/import/dennis/bevestigen", {"token": token})
    assert page.status_code == 303
    url = page.headers["Location"]
    run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Import opgeslagen" in html
    session.expire_all()
    assert all(_get(session, i["uuid"]) is not None for i in many)
    job = session.scalar(select(Job).where(Job.public_id == url.rsplit("/", 1)[1]))
    assert job.progress_current == job.progress_total == 5
    login(client, people["other_coordinator"])
    assert client.get(url, follow_redirects=True).status_code == 404


def test_instrument_matched_by_external_id_but_never_imported_keeps_every_difference_as_a_conflict(session, people):  # noqa: F811,E501
    existing = session.scalar(select(Instrument).where(Instrument.slug == "gouda-proefplaatsing"))
    Editor(session, people["coordinator"]).update(existing, {"external_id": U_PROEF}, partial=True)
    session.commit()
    before = existing.summary
    result = run_dennis_import(session, "dennis.json", dumps(export()[:1]))
    assert not result.committed and result.open_conflicts
    assert {c.field for c in result.conflicts} >= {"summary", "name", "description"}
    assert all(c.slug == "gouda-proefplaatsing" for c in result.conflicts)
    session.expire_all()
    assert session.get(Instrument, existing.id).summary == before
    choices = {c.key: "file" for c in result.conflicts}
    result = run_dennis_import(session, "dennis.json", dumps(export()[:1]), resolutions=choices)
    assert result.committed and result.counts["update"] == 1
    session.expire_all()
    assert session.get(Instrument, existing.id).summary == "Probeer een kandidaat eerst uit."
    assert session.scalar(select(ImportRecord).where(ImportRecord.external_id == U_PROEF)).instrument_id == existing.id
