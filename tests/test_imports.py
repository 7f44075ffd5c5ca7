"""Spreadsheet import (issue 6): the lossless round trip on the whole seed catalogue, idempotent re-import, every bad-file
case (clear error, nothing written), row-level messages naming row and column, and authorisation on the upload."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func, select

from accounts import login, people, post  # noqa: F401
from catalogue import exports
from catalogue.editing import snapshot
from catalogue.imports import MAX_ROWS, read_table, run_import
from catalogue.models import AuditEntry, Instrument, Region

VALID = {
    "Naam": "Importtest proefplaatsing Gouda",
    "Soort": "proefplaatsing",
    "Aanbieder": "Gouda",
    "Samenvatting": "Een proefplaatsing om te testen, voor werkgevers in Gouda.",
    "Doelgroepen": "jongeren; Ouderen (50-plus)",
    "Maximale duur": "2",
    "Eenheid duur": "maand",
    "Voorbeeld": "ja",
}


def csv_bytes(rows: list[dict], delimiter: str = ",", encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], setup=None) -> bytes:
    header = list(dict.fromkeys(k for r in rows for k in r))
    wb = Workbook()
    ws = wb.active
    ws.title = "Instrumenten"
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header])
    if setup:
        setup(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture()
def am20(session) -> Region:
    return session.scalar(select(Region).where(Region.code == "AM20"))


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Instrument))


def _all_spec() -> exports.ExportSpec:
    spec = exports.ExportSpec(internal=True, include_drafts=True)
    spec.query.facets["lifecycle"] = ["current", "upcoming", "ended"]
    return spec


# ---------------------------------------------------------------------------------------------------------------------
# Round trip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_import_round_trip_of_the_whole_seed_catalogue_is_lossless(session, fmt):
    spec = _all_spec()
    before = {i.slug: snapshot(i) for i in session.scalars(select(Instrument).where(Instrument.deleted_at.is_(None)))}
    data = exports.to_bytes(session, spec, fmt)
    assert len(exports.load_rows(session, spec)) == len(before) > 100
    session.execute(delete(Instrument))
    session.flush()
    session.expunge_all()
    assert _count(session) == 0
    result = run_import(session, f"catalogus.{fmt}", data, None, allow_national=True, via="cli")
    assert result.ok, result.errors[:5]
    assert result.committed and result.counts["create"] == len(before)
    after = {i.slug: snapshot(i) for i in session.scalars(select(Instrument))}
    assert set(after) == set(before)
    for slug, snap in before.items():
        assert after[slug] == snap, slug


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reimporting_an_export_changes_nothing(session, am20, fmt):
    spec = exports.spec_for_region(session, "AM20", internal=True, include_drafts=True)
    data = exports.to_bytes(session, spec, fmt)
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    versions = {i.slug: i.version for i in session.scalars(select(Instrument))}
    result = run_import(session, f"am20.{fmt}", data, am20, via="cli")
    assert result.ok and result.committed
    assert result.counts["unchanged"] == len(result.rows) > 40  # national rows of the region export included
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    assert {i.slug: i.version for i in session.scalars(select(Instrument))} == versions


def test_public_export_reimports_unchanged_and_keeps_internal_fields(session, am20):
    spec = exports.spec_for_region(session, "AM20")
    data = exports.to_bytes(session, spec, "xlsx")
    notes = dict(session.execute(select(Instrument.slug, Instrument.internal_notes)).all())
    result = run_import(session, "publiek.xlsx", data, am20, via="cli")
    assert result.ok and result.counts["unchanged"] == len(result.rows)
    assert dict(session.execute(select(Instrument.slug, Instrument.internal_notes)).all()) == notes


# ---------------------------------------------------------------------------------------------------------------------
# Creating and updating, matching, dry run


def test_dry_run_previews_and_writes_nothing_then_commit_creates_and_updates(session, am20):
    existing = session.scalar(select(Instrument).where(Instrument.slug == "gouda-proefplaatsing"))
    assert existing is not None
    assert existing.duration_max != 3
    update = {"Slug": existing.slug, "Naam": existing.name, "Maximale duur": "3", "Eenheid duur": "maand",
              "Voorbeeld": "ja" if existing.example else "nee",
              "Doelgroepen": "; ".join(t.code for t in existing.terms_of("target_group"))}
    rows = [VALID, update]  # empty Soort, Aanbieder, Samenvatting in the update row keep their values
    data = csv_bytes(rows)
    n = _count(session)
    preview = run_import(session, "test.csv", data, am20, via="cli", dry_run=True)
    assert preview.ok and not preview.committed
    assert [r.action for r in preview.rows] == ["create", "update"]
    assert preview.rows[1].changes == ["duration_max", "duration_unit"] or preview.rows[1].changes == ["duration_max"]
    assert _count(session) == n
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == existing.slug)) != 3
    result = run_import(session, "test.csv", data, am20, via="cli")
    assert result.committed and [r.action for r in result.rows] == ["create", "update"]
    created = session.scalar(select(Instrument).where(Instrument.slug == result.rows[0].slug))
    assert created.provider.slug == "gemeente-gouda" and created.reach == "lokaal"
    assert [m.code for m in created.municipalities] == ["GM0513"]
    assert sorted(t.code for t in created.terms_of("target_group")) == ["jongeren", "ouderen"]
    assert created.status == "draft"  # new rows without a status column start as concept
    again = run_import(session, "test.csv", data, am20, via="cli")
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]  # matched by provider + name, and by slug
    assert _count(session) == n + 1


def test_matching_by_external_id_first(session, am20):
    first = run_import(session, "a.csv", csv_bytes([{**VALID, "Extern ID": "GOU-17"}]), am20, via="cli")
    assert first.rows[0].action == "create"
    renamed = run_import(session, "a.csv", csv_bytes([{**VALID, "Extern ID": "GOU-17", "Naam": "Nieuwe naam proef"}]),
                         am20, via="cli")
    assert renamed.rows[0].action == "update" and renamed.rows[0].changes == ["name"]
    assert session.scalar(select(Instrument.name).where(Instrument.external_id == "GOU-17")) == "Nieuwe naam proef"


def test_dutch_headers_aliases_semicolons_and_cp1252(session, am20):
    rows = [{"Naam instrument": "Werkplek aanpassen Gouda test", "Soort instrument": "Werkplekvoorziening en -aanpassing",
             "Gemeente": "Gouda", "Korte omschrijving": "Aanpassing van de werkplek, ook voor café-medewerkers.",
             "Doelgroep": "Mensen met een arbeidsbeperking", "Bedrag": "1.250,50", "Soort bedrag": "vast",
             "Onbekende kolom": "x"}]
    data = csv_bytes(rows, delimiter=";", encoding="cp1252")
    table = read_table("werkplek.csv", data)
    assert table.encoding == "cp1252" and table.delimiter == ";"
    result = run_import(session, "werkplek.csv", data, am20, via="cli")
    assert result.ok, result.errors
    assert result.mapping["Naam instrument"] == "Naam" and result.mapping["Gemeente"] == "Aanbieder"
    assert any("Onbekende kolom" in w for w in result.warnings)
    item = session.scalar(select(Instrument).where(Instrument.slug == result.rows[0].slug))
    assert item.kind.code == "werkplekvoorziening" and str(item.amount_value) == "1250.50"
    assert "café" in item.summary


# ---------------------------------------------------------------------------------------------------------------------
# Bad files: a clear error, nothing written


BAD_FILES = {
    "empty": ("leeg.csv", b"", "leeg"),
    "whitespace": ("leeg.xlsx", b"  \n", "leeg"),
    "pdf": ("lijst.xlsx", b"%PDF-1.7\n...", "PDF"),
    "png": ("lijst.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "afbeelding"),
    "xls": ("oud.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    "fake xlsx": ("nep.xlsx", b"Naam,Soort\nx,y\n", "geen geldige .xlsx"),
    "zip": ("archief.xlsx", None, "geen Excel-werkmap"),
    "binary": ("data.csv", bytes(range(256)) * 20, "geen"),
    "word": ("brief.docx", b"Dit is een brief", "Onbekend bestandstype"),
    "undecodable": ("x.csv", "Naam,Soort\n".encode() + b"\x81\x8d\x8f\x90\x9d,x\n", "UTF-8"),
    "no columns": ("x.csv", b"foo,bar\n1,2\n", "Geen bruikbare kolommen"),
    "header only": ("x.csv", "Naam,Soort,Aanbieder\n".encode(), "geen rijen"),
    "one column": ("x.csv", b"hallo\nwereld\n", "Geen kolommen"),
}


def _zip_bytes() -> bytes:
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "geen spreadsheet")
    return buffer.getvalue()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_give_a_clear_error_and_write_nothing(session, am20, case):
    name, data, expected = BAD_FILES[case]
    if data is None:
        data = _zip_bytes()
    n = _count(session)
    result = run_import(session, name, data, am20, via="cli")
    assert not result.ok and not result.committed
    assert expected.lower() in result.errors[0].lower(), result.errors
    assert _count(session) == n


def test_huge_files_are_refused(session, am20):
    big = csv_bytes([VALID]) + b"x" * (5 * 1024 * 1024)
    result = run_import(session, "groot.csv", big, am20, via="cli")
    assert not result.ok and "te groot" in result.errors[0] and "5 MB" in result.errors[0]
    rows = [{**VALID, "Naam": f"Instrument {i}"} for i in range(MAX_ROWS + 1)]
    result = run_import(session, "veel.csv", csv_bytes(rows), am20, via="cli")
    assert not result.ok and "meer dan 5.000 rijen" in result.errors[0]


def test_formulas_are_refused_in_xlsx_and_csv(session, am20):
    n = _count(session)
    data = xlsx_bytes([VALID], setup=lambda ws: ws.cell(row=2, column=6, value="=1+1"))
    result = run_import(session, "formule.xlsx", data, am20, via="cli")
    assert not result.ok
    assert re.match(r"Rij 2, kolom 'Maximale duur': formules zijn niet toegestaan", result.errors[0]), result.errors
    result = run_import(session, "formule.csv", csv_bytes([{**VALID, "Samenvatting": "=HYPERLINK(\"x\")"}]), am20)
    assert not result.ok and "kolom 'Samenvatting': formules zijn niet toegestaan" in result.errors[0]
    assert _count(session) == n


def test_merged_cells_are_refused(session, am20):
    data = xlsx_bytes([VALID, {**VALID, "Naam": "Tweede"}], setup=lambda ws: ws.merge_cells("A2:A3"))
    result = run_import(session, "samengevoegd.xlsx", data, am20, via="cli")
    assert not result.ok
    assert "Blad 'Instrumenten' bevat samengevoegde cellen (A2:A3)" in result.errors[0]


def test_utf16_and_bom_encodings_are_read(session, am20):
    for encoding in ("utf-16", "utf-8-sig"):
        rows = [{**VALID, "Naam": f"Proef {encoding} één"}]
        result = run_import(session, "x.csv", csv_bytes(rows, encoding=encoding), am20, via="cli", dry_run=True)
        assert result.ok, (encoding, result.errors)
        assert result.rows[0].name == f"Proef {encoding} één"


@pytest.mark.parametrize("column, value, message", [
    ("Soort", "loonsubsidie", "Rij 2, kolom 'Soort': onbekende soort 'loonsubsidie'"),
    ("Doelgroepen", "jongeren; zestigplussers", "Rij 2, kolom 'Doelgroepen': onbekende doelgroep 'zestigplussers'"),
    ("Aanbieder", "Goudaa", "Rij 2, kolom 'Aanbieder': onbekende aanbieder 'Goudaa'"),
    ("Gemeenten", "Gouda; Nergenshuizen", "Rij 2, kolom 'Gemeenten': onbekende gemeente 'Nergenshuizen'"),
    ("Laatst gecontroleerd", "31-12-2024",
     "Rij 2, kolom 'Laatst gecontroleerd': '31-12-2024' is geen datum in de vorm JJJJ-MM-DD"),
    ("Geldig vanaf", "2025-02-30", "Rij 2, kolom 'Geldig vanaf': '2025-02-30' is geen bestaande datum"),
    ("Maximale duur", "twee", "Rij 2, kolom 'Maximale duur': 'twee' is geen geheel getal"),
    ("Bereik", "wereldwijd", "Rij 2, kolom 'Bereik': onbekende waarde 'wereldwijd'"),
    ("Tijdelijk", "misschien", "Rij 2, kolom 'Tijdelijk': 'misschien' is geen ja of nee"),
    ("Samenvatting", "Kort", "Rij 2, kolom 'Samenvatting': lengte moet tussen 10 en 1000 liggen"),
    ("Bron", "geen-url", "Rij 2, kolom 'Bron'"),
])
def test_row_errors_name_the_row_the_column_and_the_problem(session, am20, column, value, message):
    n = _count(session)
    good = {**VALID, "Naam": "Een goede rij die niet wordt opgeslagen"}
    result = run_import(session, "fout.csv", csv_bytes([{**VALID, column: value}, good]), am20, via="cli")
    assert not result.ok and not result.committed
    assert result.errors[0].startswith(message), result.errors
    assert [r.action for r in result.rows] == ["error", "create"]  # the preview still shows the good row
    assert _count(session) == n  # ... but nothing was written


def test_xlsx_date_cells_are_dates_and_text_dates_must_be_iso(session, am20):
    ok = run_import(session, "d.xlsx", xlsx_bytes([{**VALID, "Laatst gecontroleerd": date(2025, 3, 1)}]), am20,
                    via="cli", dry_run=True)
    assert ok.ok, ok.errors
    bad = run_import(session, "d.xlsx", xlsx_bytes([{**VALID, "Laatst gecontroleerd": "1 maart 2025"}]), am20,
                     via="cli")
    assert "kolom 'Laatst gecontroleerd': '1 maart 2025' is geen datum" in bad.errors[0]


def test_duplicate_rows_are_refused(session, am20):
    n = _count(session)
    result = run_import(session, "dubbel.csv", csv_bytes([VALID, VALID]), am20, via="cli")
    assert not result.ok
    assert result.errors == ["Rij 3: dubbele rij: rij 2 gaat over hetzelfde instrument"]
    result = run_import(session, "dubbel.csv", csv_bytes([{"Slug": "gouda-proefplaatsing", "Naam": "A b"},
                                                         {"Slug": "gouda-proefplaatsing", "Naam": "C d"}]), am20)
    assert "Rij 3: dubbele rij: rij 2" in result.errors[0]
    assert _count(session) == n


def test_duplicate_column_meanings_are_refused(session, am20):
    result = run_import(session, "x.csv", csv_bytes([{"Naam": "a", "Naam instrument": "b"}]), am20, via="cli")
    assert not result.ok and "'Naam' en 'Naam instrument' betekenen allebei 'Naam'" in result.errors[0]


def test_rows_outside_the_region_or_national_are_refused(session, am20):
    almere = {**VALID, "Aanbieder": "Almere", "Naam": "Proef Almere import"}
    result = run_import(session, "x.csv", csv_bytes([almere]), am20, via="cli")
    assert "hoort niet bij arbeidsmarktregio Midden-Holland (AM20)" in result.errors[0]
    uwv = {**VALID, "Aanbieder": "UWV", "Naam": "Nieuwe UWV-regeling", "Bereik": "landelijk"}
    result = run_import(session, "x.csv", csv_bytes([uwv]), am20, via="cli")
    assert "landelijke aanbieder" in result.errors[0]
    assert run_import(session, "x.csv", csv_bytes([uwv]), am20, via="cli", allow_national=True).ok
    regio = {**VALID, "Aanbieder": "regio", "Naam": "Regionale proef", "Bereik": "regionaal"}
    result = run_import(session, "x.csv", csv_bytes([regio]), am20, via="cli")
    assert result.ok and result.rows[0].provider.startswith("WerkgeversServicepunt")


# ---------------------------------------------------------------------------------------------------------------------
# The upload in /beheer: who may import what


def _upload(client, data: bytes, name: str = "import.csv", region: str = "AM20", **extra):
    from werkzeug.datastructures import FileStorage

    upload = FileStorage(stream=io.BytesIO(data), filename=name)
    return post(client, "/beheer/import", {"region": region, "file": upload, **extra},
                content_type="multipart/form-data")


def test_upload_requires_login_and_an_editing_role(client, people):  # noqa: F811
    assert client.get("/beheer/import").status_code == 302
    login(client, people["account_manager"])
    assert client.get("/beheer/import").status_code == 403
    assert _upload(client, csv_bytes([VALID])).status_code == 403
    login(client, people["coordinator"])
    page = client.get("/beheer/import")
    assert page.status_code == 200 and "importsjabloon" in page.get_data(as_text=True)


def test_upload_without_csrf_token_is_refused(client, people):  # noqa: F811
    login(client, people["coordinator"])
    response = client.post("/beheer/import", data={"region": "AM20", "file": (io.BytesIO(csv_bytes([VALID])), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_coordinator_previews_then_confirms(client, session, people):  # noqa: F811
    login(client, people["coordinator"])
    n = _count(session)
    response = _upload(client, csv_bytes([VALID]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "nieuw" in html and VALID["Naam"] in html and "Bevestigen en opslaan" in html
    assert _count(session) == n  # a preview writes nothing
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = post(client, "/beheer/import/bevestigen", {"token": token})
    assert done.status_code == 200 and "Import opgeslagen" in done.get_data(as_text=True)
    assert _count(session) == n + 1
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action == "create" and entry.actor == people["coordinator"].email
    # the token is used up
    assert post(client, "/beheer/import/bevestigen", {"token": token}).status_code == 400
    # another user cannot use someone else's upload
    response = _upload(client, csv_bytes([{**VALID, "Naam": "Nog een proef"}]))
    token = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    login(client, people["admin"])
    assert post(client, "/beheer/import/bevestigen", {"token": token}).status_code == 403


def test_coordinator_cannot_import_into_another_region(client, people):  # noqa: F811
    login(client, people["coordinator"])
    assert _upload(client, csv_bytes([VALID]), region="AM11").status_code == 403


def test_editor_may_only_import_own_instruments(client, session, people):  # noqa: F811
    login(client, people["editor"])  # editor of Gouda
    waddinxveen = {**VALID, "Aanbieder": "Waddinxveen", "Naam": "Proef Waddinxveen import"}
    response = _upload(client, csv_bytes([VALID, waddinxveen]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Rij 3: u mag geen instrumenten van &#39;Gemeente Waddinxveen&#39; toevoegen" in html
    assert "Bevestigen en opslaan" not in html
    assert _upload(client, csv_bytes([VALID])).status_code == 200


def test_coordinator_reimporting_region_export_with_national_rows_is_unchanged(client, session, people):  # noqa: F811
    login(client, people["coordinator"])
    data = client.get("/regios/midden-holland/export.xlsx").data
    response = _upload(client, data, name="midden-holland.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "0 nieuw, 0 bijwerken" in html, re.findall(r"\d+ nieuw[^<]*", html)


def test_bad_file_upload_shows_the_error(client, people):  # noqa: F811
    login(client, people["coordinator"])
    response = _upload(client, b"%PDF-1.4 nope", name="lijst.pdf")
    assert response.status_code == 422
    assert "PDF-bestand, geen spreadsheet" in response.get_data(as_text=True)
    response = post(client, "/beheer/import", {"region": "AM20"}, content_type="multipart/form-data")
    assert response.status_code == 400
