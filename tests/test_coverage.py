"""Data coverage (issue 11): states, expiry, declaring (authorisation, audit, refusal), and every public view saying
"onbekend — nog niet ingevoerd" for an offer the guide does not know, never "geen"."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from accounts import bearer, login, people, post  # noqa: F401
from catalogue.coverage import CoverageError, coverage_of, declare_complete, municipality_coverage
from catalogue.models import AuditEntry, CoverageDeclaration, Municipality, Organisation
from helpers import declare_complete as declare_for_test

UNKNOWN = "onbekend — nog niet ingevoerd"


def gemeente(session, code) -> Municipality:
    return session.scalar(select(Municipality).where(Municipality.code == code))


def declarations(session) -> int:
    return session.scalar(select(func.count()).select_from(CoverageDeclaration))


# ---------------------------------------------------------------------------------------------------------------------
# States and expiry


def test_states_without_declarations(session):
    states = municipality_coverage(session, [gemeente(session, c) for c in ("GM0363", "GM0513")])
    assert states["GM0363"].state == "geen_gegevens" and states["GM0363"].instruments == 0  # Amsterdam
    assert states["GM0513"].state == "in_opbouw" and states["GM0513"].instruments > 5  # Gouda
    assert not states["GM0513"].known("werkervaringsplaats") and states["GM0513"].has("werkervaringsplaats")
    assert states["GM0363"].has("loonkostensubsidie") is None  # unknown, not "no"


def test_declaring_makes_it_complete_and_it_expires_after_the_review_period(session, people):
    gouda = gemeente(session, "GM0513")
    now = datetime.now(timezone.utc)
    declare_complete(session, people["editor"], gouda, now=now)
    cov = coverage_of(session, gouda)
    assert cov.state == "compleet" and cov.complete and cov.declared_by == "editor@example.org"
    assert cov.known("no-riskpolis") and cov.has("no-riskpolis") is False  # a kind it lacks is now "not offered"
    assert cov.has("premie") is True
    assert cov.expires_on is not None and cov.owner == "Gemeente Gouda"
    later = cov.expires_on + timedelta(days=1)
    expired = coverage_of(session, gouda, today=later)
    assert expired.state == "in_opbouw" and expired.last_confirmed == now.date() and not expired.known()
    # the organisation's review period decides: 6 months instead of 12
    org = session.scalar(select(Organisation).where(Organisation.slug == "gemeente-gouda"))
    org.review_after_months = 6
    session.flush()
    assert coverage_of(session, gouda).expires_on < cov.expires_on


def test_a_declaration_for_some_kinds(session, people):
    gouda = gemeente(session, "GM0513")
    declare_complete(session, people["editor"], gouda, ["premie"])
    cov = coverage_of(session, gouda)
    assert cov.state == "compleet" and not cov.complete
    assert cov.known("premie") and not cov.known("werkervaringsplaats")


def test_declaring_is_audited(session, people):
    declare_complete(session, people["coordinator"], gemeente(session, "GM0627"), via="api")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "coverage").order_by(AuditEntry.id.desc()))
    assert entry.actor == "coordinator@example.org" and entry.via == "api"
    assert entry.changes["coverage"] == ["in_opbouw", "compleet"] and entry.changes["place"] == [None, "GM0627"]


@pytest.mark.parametrize("who,code,allowed", [
    ("editor", "GM0513", True),  # own gemeente
    ("coordinator", "GM0627", True),  # a gemeente of the coordinator's region
    ("admin", "GM0034", True),
    ("other_editor", "GM0513", False),  # Almere's editor, Gouda's offer
    ("editor", "GM0627", False),  # Gouda's editor, Waddinxveen's offer
    ("account_manager", "GM0513", False),
    ("uwv_editor", "GM0513", False),
])
def test_who_may_declare(session, people, who, code, allowed):
    before = declarations(session)
    if allowed:
        declare_complete(session, people[who], gemeente(session, code))
        assert declarations(session) == before + 1
    else:
        with pytest.raises(CoverageError) as exc:
            declare_complete(session, people[who], gemeente(session, code))
        assert exc.value.status == 403 and declarations(session) == before


def test_refused_without_a_published_instrument(session, people):
    with pytest.raises(CoverageError, match="nog geen gepubliceerd instrument") as exc:
        declare_complete(session, people["admin"], gemeente(session, "GM0363"))
    assert exc.value.status == 400 and declarations(session) == 0


# ---------------------------------------------------------------------------------------------------------------------
# Write API and /beheer


def test_api_declaration(client, session, people):
    url = "/api/v1/municipalities/GM0513/coverage"
    assert client.get(url).json["state"] == "in_opbouw"
    assert client.post(url, json={}).status_code == 401
    response = client.post(url, json={}, headers=bearer(people.tokens["other_editor"]))
    assert response.status_code == 403 and declarations(session) == 0
    response = client.post(url, json={"kinds": "premie"}, headers=bearer(people.tokens["editor"]))
    assert response.status_code == 400 and "kinds" in response.json["fields"]
    response = client.post(url, json={"kinds": ["bestaat-niet"]}, headers=bearer(people.tokens["editor"]))
    assert response.status_code == 400 and "Onbekende soort" in response.json["error"]
    response = client.post(url, json={}, headers=bearer(people.tokens["editor"]))
    assert response.status_code == 201 and response.json["state"] == "compleet"
    assert response.json["declared_at"] and response.json["ask"]["name"] == "WerkgeversServicepunt Midden-Holland"
    empty = client.post("/api/v1/municipalities/GM0363/coverage", json={}, headers=bearer(people.tokens["admin"]))
    assert empty.status_code == 400 and "nog geen gepubliceerd instrument" in empty.json["error"]
    region = client.post("/api/v1/regions/AM20/coverage", json={}, headers=bearer(people.tokens["coordinator"]))
    assert region.status_code == 201 and region.json["level"] == "regio"
    assert client.post("/api/v1/regions/AM20/coverage", json={},
                       headers=bearer(people.tokens["other_coordinator"])).status_code == 403


def test_api_overview_and_openapi(client):
    data = client.get("/api/v1/coverage").json
    assert len(data["regions"]) == 35 and data["totals"]["geen_gegevens"] > 300
    am20 = next(r for r in data["regions"] if r["code"] == "AM20")
    assert am20["counts"] == {"geen_gegevens": 0, "in_opbouw": 4, "compleet": 0} and am20["band"] == "opbouw"
    region = client.get("/api/v1/regions/AM20/coverage").json
    assert {g["code"] for g in region["gemeenten"]} == {"GM0513", "GM1901", "GM1931", "GM0627"}
    assert client.get("/api/v1/municipalities/GM9999/coverage").status_code == 404
    assert client.get("/api/v1/coverage?x=1").status_code == 400
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/municipalities/{code}/coverage"])
    assert "/api/v1/coverage" in paths and "/api/v1/regions/{code}/coverage" in paths


def test_instruments_api_with_a_location_says_what_is_unknown(client):
    data = client.get("/api/v1/instruments?municipality=GM0363").json
    (cov,) = data["coverage"]
    assert cov["state"] == "geen_gegevens" and cov["note"] == UNKNOWN
    assert "coverage" not in client.get("/api/v1/instruments").json
    data = client.get("/api/v1/regions/AM20/harmonisation").json
    row = next(r for r in data["rows"] if r["kind"] == "werkervaringsplaats")
    assert row["status"] != "ontbreekt" and [p["code"] for p in row["unknown"]] == ["GM0627"]
    assert row["missing"] == [] and data["based_on"] == 4


def test_manage_page_declares_with_csrf(client, session, people):
    login(client, people["editor"])
    html = client.get("/beheer/dekking").get_data(as_text=True)
    assert "Gouda: aanbod compleet verklaren" in html and "Waddinxveen" not in html
    assert client.post("/beheer/dekking/gemeente/GM0513", data={}).status_code == 400  # no CSRF token
    response = post(client, "/beheer/dekking/gemeente/GM0513", {"kinds": ["premie"]})
    assert response.status_code == 302
    assert coverage_of(session, gemeente(session, "GM0513")).declared_kinds == ("premie",)
    assert post(client, "/beheer/dekking/gemeente/GM0627").status_code == 403
    login(client, people["coordinator"])
    html = client.get("/dekking").get_data(as_text=True)
    assert "Uw gemeenten" in html and "Waddinxveen" in html


# ---------------------------------------------------------------------------------------------------------------------
# Every public view: an unknown offer reads "onbekend — nog niet ingevoerd", never "geen" or silence

UNKNOWN_PAGES = [
    "/gemeenten/amsterdam",
    "/regios/groot-amsterdam",
    "/werkgever?gemeente=GM0363&doelgroep=arbeidsbeperking",
    "/instrumenten?municipality=GM0363",
    "/instrumenten?region=AM20",
    "/vergelijken/gemeenten?a=GM0513&b=GM0363",
    "/vergelijken/gemeente-uwv?gemeente=GM0363",
    "/vergelijken/regios?a=AM20&b=AM11",
    "/regios/midden-holland/harmonisatie",
    "/regios/groot-amsterdam/harmonisatie",
]


@pytest.mark.parametrize("url", UNKNOWN_PAGES)
def test_every_page_type_renders_unknown_as_unknown(client, url):
    html = client.get(url).get_data(as_text=True)
    assert UNKNOWN in html, url
    assert "Hier staat alles" not in html
    assert "✗</span> geen" not in html


def test_english_pages_say_unknown(client):
    html = client.get("/en/gemeenten/amsterdam").get_data(as_text=True)
    assert "unknown — not yet entered" in html and UNKNOWN not in html


def test_complete_gemeente_says_everything_and_not_offered(client, session, declared):
    html = client.get("/gemeenten/waddinxveen").get_data(as_text=True)
    assert "Hier staat alles" in html and "compleet verklaard op" in html
    assert "niet aangeboden" in html and UNKNOWN not in html  # Waddinxveen has no premie, and has said so
    html = client.get("/vergelijken/gemeenten?a=GM0513&b=GM0627").get_data(as_text=True)
    assert "Alleen Gouda" in html and UNKNOWN not in html


def test_lacking_kind_of_a_gemeente_in_opbouw_is_unknown_in_comparisons(client):
    html = client.get("/vergelijken/gemeenten?a=GM0513&b=GM0627").get_data(as_text=True)
    assert "Waddinxveen: onbekend — nog niet ingevoerd" in html and "Alleen Gouda" not in html


def test_national_pages(client):
    html = client.get("/dekking").get_data(as_text=True)
    assert "<svg" in html and "band-geen" in html and "in opbouw" in html and "Midden-Holland" in html
    html = client.get("/harmonisatie").get_data(as_text=True)
    assert "4 van 4 gemeenten met gegevens, 0 compleet" in html


def test_wsp_contact_says_not_yet_known_and_no_placeholder_phone(client):
    html = client.get("/regios/gorinchem").get_data(as_text=True)
    assert "nog niet bekend" in html and "00 00 00" not in html and 'href="tel:' not in html


# ---------------------------------------------------------------------------------------------------------------------
# Every export format: unknown offers and example content are marked


@pytest.fixture(scope="module")
def pdf(database):
    """PDF bytes per (region code or GM code, a4), rendered once per module (rendering takes about a second)."""
    from catalogue import exports

    cache: dict = {}

    def get(place: str, a4: bool) -> bytes:
        if (place, a4) not in cache:
            with database.session() as session:
                spec = (exports.spec_for_municipality if place.startswith("GM") else exports.spec_for_region)(
                    session, place)
                cache[(place, a4)] = exports.to_bytes(session, spec, "pdf", a4=a4)
        return cache[(place, a4)]

    return get


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _xlsx_cells(data: bytes, sheet: str) -> list[list]:
    from openpyxl import load_workbook

    return [list(r) for r in load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True)]


@pytest.mark.parametrize("url", ["/gemeenten/amsterdam/export.{fmt}", "/regios/midden-holland/export.{fmt}"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "pdf", "pdf?layout=a4"])
def test_every_export_format_renders_unknown_as_unknown(client, pdf, url, fmt):
    if fmt.startswith("pdf"):  # the same bytes as the web export (tested in test_exports.py), rendered once
        data = pdf("GM0363" if "amsterdam" in url else "AM20", "a4" in fmt)
    else:
        response = client.get(url.format(fmt=fmt))
        assert response.status_code == 200, url
        data = response.data
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        markers = [r for r in rows if not r["Naam"] and r["Dekking"].startswith(UNKNOWN)]
        assert markers and all(r["Aanbieder"] for r in markers)
    elif fmt == "xlsx":
        text = "\n".join(str(v) for row in _xlsx_cells(data, "Overzicht") for v in row if v)
        assert UNKNOWN in text
        assert any(UNKNOWN in str(v) for row in _xlsx_cells(data, "Gemeenten") for v in row if v)
    elif fmt == "json":
        doc = json.loads(data)
        assert doc["coverage"]["unknown"] and doc["coverage"]["unknown"][0]["text"].startswith(UNKNOWN)
        assert doc["coverage"]["ask"]
    else:
        assert UNKNOWN in _flat(_pdf_text(data))


def test_every_export_format_marks_example_content(client, pdf):
    base = "/regios/gorinchem/export."  # AM35: example content throughout
    rows = list(csv.DictReader(io.StringIO(client.get(base + "csv").data.decode("utf-8-sig"))))
    assert "Voorbeeld (ja = voorbeeldinhoud: geen echte regeling)" in rows[0]
    assert any(r["Voorbeeld (ja = voorbeeldinhoud: geen echte regeling)"] == "ja" for r in rows)
    overview = _xlsx_cells(client.get(base + "xlsx").data, "Overzicht")
    assert any("Voorbeeld = ja: voorbeeldinhoud" in str(row[0]) for row in overview[:5])
    header = next(row for row in overview if row and row[0] == "Instrument")
    assert any(row[header.index("Voorbeeld")] == "ja" for row in overview)
    doc = client.get(base + "json").json
    assert doc["examples"] > 0 and "voorbeeldinhoud" in doc["example_legend"]
    assert any(item["example"] for item in doc["instruments"])
    a4 = _flat(_pdf_text(pdf("AM35", True)))
    assert "* Voorbeeld: voorbeeldinhoud, geen echte regeling" in a4 and a4.count("*") > 5
    kaart = _flat(_pdf_text(pdf("AM35", False)))
    assert kaart.count("(voorbeeld)") > 5 and "voorbeeldinhoud, geen echte regeling" in kaart


def test_xlsx_overview_sheet_is_readable(client, session):
    """Issue 18: no HTML tags, labels instead of codes, readable contacts, one row per instrument, first sheet."""
    import re

    data = client.get("/regios/midden-holland/export.xlsx").data
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(data)).sheetnames[0] == "Overzicht"
    rows = _xlsx_cells(data, "Overzicht")
    cells = [str(v) for row in rows for v in row if v is not None]
    assert not [c for c in cells if re.search(r"</?[a-z][^>]*>|&(amp|lt|gt|nbsp);", c)], "HTML in the overview"
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Instrument")
    header = rows[header_at]
    body = [dict(zip(header, r)) for r in rows[header_at + 1:] if r[0] and r[0] != UNKNOWN]
    exchange = sum(ws.max_row - 1 for ws in load_workbook(io.BytesIO(data)).worksheets[1:])
    assert len(body) == len({r["Instrument"] + r["Aanbieder"] for r in body}) > 40  # one row per instrument
    assert exchange == len(body) + len([r for r in rows[header_at + 1:] if r[0] == UNKNOWN])
    kinds = {r["Soort"] for r in body}
    assert "Loonkostensubsidie" in kinds and "loonkostensubsidie" not in kinds and "tarief_per_uur" not in cells
    assert "nugger" not in " ".join(str(r["Uitkering of regeling"]) for r in body)
    contact = next(r["Contact"] for r in body if r["Contact"])
    assert "|" not in contact and "WerkgeversServicepunt Midden-Holland, https://wspmiddenholland.nl" in contact
    assert any("• " in str(r["Voorwaarden"]) for r in body)


def test_handouts_are_clean(pdf):
    """Issue 18: the A4 has whole names and real amounts; the arrangementenkaart repeats no amount, has no 'Duur: –'
    and no stray separator before a web address."""
    a4 = _pdf_text(pdf("AM20", True))
    assert "…" not in a4
    assert "Externe jobcoach (persoonlijke ondersteuning UWV)" in _flat(a4)
    assert "Bodegraven-Reeuwijk, Krimpenerwaard, Waddinxveen: werkelijke kosten, max. € 2.500 in totaal" in _flat(a4)
    assert "verschillende bedragen" not in a4
    kaart = _pdf_text(pdf("AM20", False))
    assert "Duur: –" not in kaart and "(Werkelijke kosten" not in kaart
    assert not [line for line in kaart.splitlines() if line.strip().startswith("· http")]
    assert "Telefoon: nog niet bekend" in kaart
