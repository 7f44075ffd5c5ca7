"""Exports (issue 6): contents match the database, XLSX and PDF open and hold the expected rows, public exports never
contain internal notes or drafts, internal notes only for people who may read them and ask for them."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from accounts import login, people  # noqa: F401
from catalogue import exports
from catalogue.models import Instrument, Region
from catalogue.queries import InstrumentQuery, all_instruments
from helpers import make_instrument

SECRET_NOTE = "GEHEIME-EXPORTNOTITIE-51d2"
DRAFT_NAME = "CONCEPT-EXPORT-INSTRUMENT-77aa"


@pytest.fixture()
def secrets_in_gouda(session):
    make_instrument(session, "export-met-notitie", name="Exporttest met notitie", internal_notes=SECRET_NOTE,
                    municipalities=["GM0513"], reach="lokaal", provider="gemeente-gouda",
                    source_url="https://example.org/bron-export")
    make_instrument(session, "export-concept", name=DRAFT_NAME, status="draft", internal_notes=SECRET_NOTE,
                    municipalities=["GM0513"], reach="lokaal", provider="gemeente-gouda")


def _is_marker(row: dict) -> bool:
    """A coverage marker row ("onbekend — nog niet ingevoerd" for a gemeente), not an instrument."""
    return not row.get("Naam") and str(row.get("Dekking") or "").startswith("onbekend")


def _csv_rows(data: bytes, markers: bool = False) -> list[dict]:
    text = data.decode("utf-8-sig")
    return [r for r in csv.DictReader(io.StringIO(text)) if markers or not _is_marker(r)]


def _xlsx_rows(data: bytes, markers: bool = False) -> dict[str, list[dict]]:
    """The exchange sheets (the readable "Overzicht" sheet is checked on its own)."""
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        if ws.title == "Overzicht":
            continue
        rows = list(ws.iter_rows(values_only=True))
        header = rows[0]
        out[ws.title] = [d for d in (dict(zip(header, r)) for r in rows[1:]) if markers or not _is_marker(d)]
    return out


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _region_public(session, code="AM20"):
    return all_instruments(session, InstrumentQuery(regions=[code]))


def test_csv_export_matches_the_database(client, session):
    response = client.get("/regios/midden-holland/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    expected = {i.slug: i for i in _region_public(session)}
    assert {r["Slug"] for r in rows} == set(expected)
    by_slug = {r["Slug"]: r for r in rows}
    for slug, item in expected.items():
        row = by_slug[slug]
        assert row["Naam"] == item.name
        assert row["Soort"] == item.kind.code
        assert row["Bereik"] == item.reach
        assert row["Samenvatting"] == item.summary
        assert row["Doelgroepen"] == "; ".join(t.code for t in item.terms_of("target_group"))
        assert row["Gemeenten"] == "; ".join(m.name for m in item.municipalities)
        assert row["Maximale duur"] == ("" if item.duration_max is None else str(item.duration_max))
        assert row["Soort bedrag"] == (item.amount_type or "")
        if item.amount_value is not None:
            from decimal import Decimal
            assert Decimal(row["Bedrag of percentage"]) == item.amount_value
        assert row["Laatst gecontroleerd"] == (item.last_checked.isoformat() if item.last_checked else "")
        assert row[exports.EXAMPLE_LABEL] == ("ja" if item.example else "nee")
    gouda = [r for r in rows if r["Aanbieder"] == "Gouda"]
    assert gouda, "gemeente instruments name their gemeente as provider"
    assert "Interne notities" not in rows[0] and "Status" not in rows[0]


def test_filtered_list_export_uses_the_list_filters(client, session):
    rows = _csv_rows(client.get("/export/instrumenten.csv?kind=proefplaatsing&municipality=GM0513").data)
    query = InstrumentQuery(municipalities=["GM0513"], facets={"kind": ["proefplaatsing"]})
    assert {r["Slug"] for r in rows} == {i.slug for i in all_instruments(session, query)}
    assert rows and all(r["Soort"] == "proefplaatsing" for r in rows)
    assert client.get("/export/instrumenten.csv?kind=onbekend").status_code == 400
    assert client.get("/export/instrumenten.doc").status_code == 404


def test_xlsx_opens_with_one_sheet_per_provider_type_and_expected_rows(client, session):
    response = client.get("/regios/midden-holland/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert [ws.title for ws in wb.worksheets] == ["Overzicht", "Gemeenten", "Regio (WSP)", "UWV", "Belastingdienst",
                                                  "Landelijk overig"]
    expected = _region_public(session)
    sheets = _xlsx_rows(response.data)
    assert sum(len(rows) for rows in sheets.values()) == len(expected)
    assert {r["Slug"] for r in sheets["UWV"]} == {i.slug for i in expected if i.provider.type == "uwv"}
    ws = wb["Gemeenten"]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["C"].width >= 30  # Naam
    header = [c.value for c in ws[1]]
    source = header.index("Bron") + 1
    links = [ws.cell(row=r, column=source) for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=source).value]
    assert links and all(c.hyperlink is not None and c.hyperlink.target == c.value for c in links)
    # structured parameters in their own, typed columns
    item = next(i for i in expected if i.amount_value is not None and i.provider.type == "gemeente")
    row = next(r for r in sheets["Gemeenten"] if r["Slug"] == item.slug)
    assert float(row["Bedrag of percentage"]) == float(item.amount_value)
    assert row["Soort bedrag"] == item.amount_type


def test_json_export_is_the_api_schema_plus_parameters(client, session):
    doc = client.get("/gemeenten/gouda/export.json").json
    assert doc["municipality"] == "GM0513" and doc["region"] == "AM20"
    assert doc["count"] == len(doc["instruments"]) > 0
    item = next(i for i in doc["instruments"] if i["slug"] == "uwv-proefplaatsing")
    db_item = session.scalar(select(Instrument).where(Instrument.slug == "uwv-proefplaatsing"))
    assert item["name"] == db_item.name and item["kind"]["code"] == db_item.kind.code
    assert item["parameters"]["duration_max"] == db_item.duration_max
    assert item["parameters"]["texts"]["duration"]
    assert "internal_notes" not in json.dumps(doc)


def test_region_pdf_is_an_arrangementenkaart(client, session):
    response = client.get("/regios/midden-holland/export.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pages, text = _pdf_text(response.data)
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    assert pages >= 1
    assert "Arrangementenkaart" in text and "Midden-Holland" in text
    assert "WerkgeversServicepunt Midden-Holland" in text  # the WSP contact point
    assert region.wsp_website in text.replace("\n", "")
    compact = " ".join(text.split())
    for item in _region_public(session)[:15]:
        assert " ".join(item.name.split())[:25] in compact, item.name


@pytest.mark.parametrize("url", ["/regios/midden-holland/export.pdf?layout=a4", "/regios/flevoland/export.pdf?layout=a4",
                                 "/gemeenten/gouda/export.pdf?layout=a4", "/export/instrumenten.pdf?layout=a4",
                                 "/en/regios/gorinchem/export.pdf?layout=a4"])
def test_a4_overview_is_exactly_one_a4_page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert sorted((round(float(box.width)), round(float(box.height)))) == [595, 842]  # A4
    text = reader.pages[0].extract_text()
    assert "UWV" in text and "Gemeenten" in text or "Municipalities" in text


def test_public_xlsx_pdf_csv_json_never_contain_notes_or_drafts(client, session, secrets_in_gouda):
    urls = ["/regios/midden-holland/export.{}", "/gemeenten/gouda/export.{}", "/export/instrumenten.{}",
            "/export/instrumenten.{}?lifecycle=ended,current,upcoming", "/regios/midden-holland/export.{}?intern=1"]
    seeded_notes = [n for n in session.scalars(select(Instrument.internal_notes)) if n and len(n) > 20]
    seeded_drafts = list(session.scalars(select(Instrument.slug).where(Instrument.status == "draft")))
    assert seeded_notes and seeded_drafts
    for url in urls:
        for fmt in ("csv", "json", "xlsx", "pdf"):
            response = client.get(url.format(fmt))
            assert response.status_code == 200, url.format(fmt)
            if fmt == "xlsx":
                body = "\n".join(str(v) for rows in _xlsx_rows(response.data).values() for r in rows for v in r.values())
                body += "\n".join(str(k) for rows in _xlsx_rows(response.data).values() for r in rows[:1] for k in r)
            elif fmt == "pdf":
                body = _pdf_text(response.data)[1]
            else:
                body = response.data.decode("utf-8-sig")
            where = url.format(fmt)
            assert SECRET_NOTE not in body, where
            assert DRAFT_NAME not in body and "export-concept" not in body, where
            assert "internal_notes" not in body and "Interne notities" not in body, where
            for note in seeded_notes:
                assert note[:40] not in body, where
            if fmt != "pdf":  # the PDF shows names, not slugs; DRAFT_NAME is checked above
                for slug in seeded_drafts:
                    assert slug not in body, where
        # the public instrument itself is there
        assert "export-met-notitie" in client.get(url.format("csv")).data.decode("utf-8-sig")


def test_internal_notes_only_when_allowed_and_asked(client, session, secrets_in_gouda, people):  # noqa: F811
    url = "/gemeenten/gouda/export.csv"
    login(client, people["account_manager"])
    assert SECRET_NOTE not in client.get(url).data.decode("utf-8-sig")  # not asked
    response = client.get(url + "?intern=1")
    rows = _csv_rows(response.data)
    assert "Interne notities" in rows[0]
    assert next(r for r in rows if r["Slug"] == "export-met-notitie")["Interne notities"] == SECRET_NOTE
    assert response.headers["Cache-Control"] == "no-store"
    xlsx = _xlsx_rows(client.get("/gemeenten/gouda/export.xlsx?intern=1").data)
    assert any(r.get("Interne notities") == SECRET_NOTE for r in xlsx["Gemeenten"])
    # the region page offers the choice to people who may read notes
    assert 'name="intern"' in client.get("/regios/midden-holland").get_data(as_text=True)
    # an editor of Almere may not read Gouda's notes: the column is there, Gouda's note is not
    login(client, people["other_editor"])
    rows = _csv_rows(client.get(url + "?intern=1").data)
    assert next(r for r in rows if r["Slug"] == "export-met-notitie")["Interne notities"] == ""
    login(client, None)
    assert SECRET_NOTE not in client.get(url + "?intern=1").data.decode("utf-8-sig")
    assert 'name="intern"' not in client.get("/regios/midden-holland").get_data(as_text=True)


def test_export_buttons_on_region_and_gemeente_pages(client):
    html = client.get("/regios/midden-holland").get_data(as_text=True)
    for fmt in ("xlsx", "csv", "pdf", "json"):
        assert f"/regios/midden-holland/export.{fmt}" in html
    assert 'value="a4"' in html
    html = client.get("/gemeenten/gouda").get_data(as_text=True)
    assert "/gemeenten/gouda/export.xlsx" in html


def test_import_templates_are_documented(client):
    response = client.get("/export/importsjabloon.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Instrumenten", "Toelichting"]
    header = [c.value for c in wb["Instrumenten"][1]]
    assert header[:5] == ["Slug", "Extern ID", "Naam", "Soort", "Aanbieder"]
    doc = "\n".join(str(v) for row in wb["Toelichting"].iter_rows(values_only=True) for v in row if v)
    assert "proefplaatsing" in doc and "JJJJ-MM-DD" in doc and "Doelgroepen" in doc
    csv_header = client.get("/export/importsjabloon.csv").data.decode("utf-8-sig").strip().split(",")
    assert csv_header == header
    assert client.get("/export/importsjabloon.pdf").status_code == 404


def test_export_module_without_flask(session):
    spec = exports.spec_for_region(session, "AM35")
    rows = exports.load_rows(session, spec)
    instruments = exports.select_instruments(session, spec)
    assert [r.slug for r in rows] == [i.slug for i in instruments]
    cols = exports.columns(internal=True)
    for row, item in zip(rows, instruments):
        assert exports.record(row, cols) == exports.record(item, cols)
    with pytest.raises(LookupError):
        exports.spec_for_region(session, "AM99")


def test_export_buttons_macro_for_the_list_page_keeps_the_filters(app, client):
    """The snippet the list page (templates/instruments.html) includes; see README 'Exports and import'."""
    from flask import render_template_string

    snippet = ('{% from "exports/_buttons.html" import export_buttons with context %}'
               "{{ export_buttons('exports.instruments', {}, request.args) }}")
    with app.test_request_context("/instrumenten?kind=proefplaatsing&municipality=GM0513&page=2"):
        html = render_template_string(snippet)
    assert 'formaction="/export/instrumenten.xlsx"' in html and 'formaction="/export/instrumenten.pdf"' in html
    assert '<input type="hidden" name="kind" value="proefplaatsing">' in html
    assert '<input type="hidden" name="municipality" value="GM0513">' in html
    assert 'name="page"' not in html
    rows = _csv_rows(client.get("/export/instrumenten.csv?kind=proefplaatsing&municipality=GM0513").data)
    assert rows and all(r["Soort"] == "proefplaatsing" for r in rows)
