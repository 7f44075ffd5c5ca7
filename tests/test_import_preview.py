"""The spreadsheet import's preview checks without writing (issue 10 §5): it sends no INSERT, UPDATE or DELETE, and it
reports exactly the rows, warnings, errors and conflicts that the real import then reports (on the seed catalogue and
on generated files); the real import writes in committed batches and says how far it got when a row is refused."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, func, select

from accounts import people  # noqa: F401
from catalogue import exports
from catalogue.editing import Editor, InvalidInput
from catalogue.imports import run_import, writing
from catalogue.models import AuditEntry, Instrument, InstrumentVersion, Region


def _all_export(session) -> list[dict]:
    spec = exports.ExportSpec(internal=True, include_drafts=True)
    spec.query.facets["lifecycle"] = ["current", "upcoming", "ended"]
    text = exports.to_bytes(session, spec, "csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _csv(rows: list[dict]) -> bytes:
    header = list(dict.fromkeys(k for r in rows for k in r))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def outcome(result) -> dict:
    """Everything a preview shows about a file."""
    return {
        "rows": [(r.row, r.sheet, r.action, r.slug, r.name, r.provider, r.errors, r.changes, r.diffs,
                  [(c.key, c.file_value, c.current_value, c.base_version, c.current_version, c.changed_by, c.choice)
                   for c in r.conflicts]) for r in result.rows],
        "errors": result.errors, "warnings": result.warnings, "mapping": result.mapping, "counts": result.counts,
    }


class Writes:
    """Counts the INSERT, UPDATE and DELETE statements sent while it is active."""

    def __init__(self, session):
        self.engine = session.get_bind().engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def _counts(session) -> tuple:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Instrument, AuditEntry, InstrumentVersion))


def preview_then_import(session, name: str, data: bytes, region=None, **kwargs):
    """Previews (asserting that nothing is written), then imports; returns both results."""
    before = _counts(session)
    with Writes(session) as writes:
        preview = run_import(session, name, data, region, dry_run=True, **kwargs)
    assert writes.statements == []
    assert _counts(session) == before
    return preview, run_import(session, name, data, region, **kwargs)


def _edited(rows: list[dict], every: int = 4) -> list[dict]:
    out = []
    for n, row in enumerate(rows):
        row = dict(row)
        if n % every == 0:
            row["Samenvatting"] = (row["Samenvatting"] + " Bijgewerkt bij een import.").strip()
        if n % (every * 3) == 1 and row.get("Maximale duur"):
            row["Maximale duur"] = str(int(float(row["Maximale duur"])) + 1)
        out.append(row)
    return out


def test_preview_of_the_edited_seed_catalogue_is_what_the_import_does(session):
    rows = _all_export(session)
    assert len(rows) > 100
    new = [{**rows[n], "Slug": "", "Extern ID": "", "Versie": "", "Naam": f"{rows[n]['Naam']} (nieuw {n})"}
           for n in range(0, 60, 3) if rows[n]["Soort"]]
    data = _csv(_edited(rows) + new)
    preview, result = preview_then_import(session, "catalogus.csv", data, allow_national=True, via="cli")
    assert preview.ok and preview.ready and result.committed, preview.errors[:3]
    counts = preview.counts
    assert counts["update"] > 25 and counts["create"] == len(new) and counts["unchanged"] > 50
    assert outcome(preview) == outcome(result)
    changed = next(r for r in result.rows if r.action == "update")
    item = session.scalar(select(Instrument).where(Instrument.slug == changed.slug))
    assert item.summary.endswith("Bijgewerkt bij een import.")


def test_preview_of_a_region_export_with_errors_and_conflicts_is_what_the_import_does(session, people):  # noqa: F811
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    text = exports.to_bytes(session, exports.spec_for_region(session, "AM20", internal=True, include_drafts=True),
                            "csv").decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["Naam"]]
    item = session.scalar(select(Instrument).where(Instrument.slug == "waddinxveen-proefplaatsing"))
    Editor(session, people["coordinator"]).update(item, {"duration_max": 3}, partial=True)  # newer than the file
    session.commit()
    rows = _edited(rows, every=3)
    rows[2] = {**rows[2], "Soort": "loonsubsidietje"}  # unknown kind
    rows.append(dict(rows[5]))  # the same instrument twice
    rows.append({**rows[6], "Slug": "", "Extern ID": "", "Aanbieder": "Utrecht", "Naam": "Buiten de regio"})
    preview, result = preview_then_import(session, "am20.csv", _csv(rows), am20, user=people["coordinator"])
    assert not preview.ok and preview.conflicts and preview.counts["update"] > 5
    assert any("onbekende soort" in e for e in preview.errors) and any("dubbele rij" in e for e in preview.errors)
    assert any("hoort niet bij arbeidsmarktregio" in e for e in preview.errors)
    assert outcome(preview) == outcome(result)
    assert not result.committed and result.saved == 0


def test_preview_of_a_generated_file_of_several_batches_is_what_the_import_does(session, people):  # noqa: F811
    """New rows, updates of rows made earlier in the same file and unchanged ones, past several write batches."""
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    base = {"Soort": "proefplaatsing", "Aanbieder": "Gouda", "Bereik": "lokaal",
            "Samenvatting": "Een proefplaatsing voor werkgevers in Gouda, gemaakt door een test.",
            "Doelgroepen": "jongeren", "Maximale duur": "2", "Eenheid duur": "maand", "Voorbeeld": "ja"}
    rows = [{**base, "Naam": f"Gegenereerde proefplaatsing {n}", "Extern ID": f"GEN-{n}"} for n in range(230)]
    rows += [{**base, "Naam": f"Proefplaatsing zonder id {n}", "Maximale duur": str(1 + n % 5)} for n in range(40)]
    first, done = preview_then_import(session, "gen.csv", _csv(rows), am20, user=people["coordinator"])
    assert outcome(first) == outcome(done) and done.committed and done.counts["create"] == 270
    again = [{**r, "Samenvatting": r["Samenvatting"] + " Nu langer."} if n % 7 == 0 else r for n, r in enumerate(rows)]
    again += [{**base, "Naam": f"Nog een gegenereerde {n}", "Extern ID": f"GEN-X-{n}"} for n in range(30)]
    preview, result = preview_then_import(session, "gen.csv", _csv(again), am20, user=people["coordinator"])
    assert preview.ready and result.committed
    assert (preview.counts["update"], preview.counts["create"], preview.counts["unchanged"]) == (39, 30, 231)
    assert outcome(preview) == outcome(result)


def test_a_row_refused_while_writing_stops_the_import_after_the_saved_batches(session, monkeypatch):
    """Someone changed things between the check and the write: the batches before stay saved, the result says so."""
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    monkeypatch.setattr(writing, "BATCH_ROWS", 5)
    rows = [{"Naam": f"Batchtest {n}", "Soort": "proefplaatsing", "Aanbieder": "Gouda", "Extern ID": f"B-{n}",
             "Samenvatting": "Een proefplaatsing om het schrijven in delen te testen."} for n in range(12)]
    create = Editor.create

    def refuse_the_eighth(self, raw):
        if raw["name"] == "Batchtest 7":
            raise InvalidInput({"slug": ["Deze slug is al in gebruik."]})
        return create(self, raw)

    monkeypatch.setattr(Editor, "create", refuse_the_eighth)
    before = session.scalar(select(func.count()).select_from(Instrument))
    result = run_import(session, "batches.csv", _csv(rows), am20, via="cli")
    assert result.saved == 5 and not result.committed
    assert result.errors == ["Rij 9, kolom 'Slug': Deze slug is al in gebruik"]
    assert "de eerste 5 te schrijven rijen zijn opgeslagen" in result.summary()
    names = set(session.scalars(select(Instrument.name).where(Instrument.name.like("Batchtest %"))))
    assert names == {f"Batchtest {n}" for n in range(5)}
    assert session.scalar(select(func.count()).select_from(Instrument)) == before + 5
    monkeypatch.setattr(Editor, "create", create)
    rest = run_import(session, "batches.csv", _csv(rows), am20, via="cli")  # the same file again goes on from there
    assert rest.committed and (rest.counts["unchanged"], rest.counts["create"]) == (5, 7)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_preview_of_a_reimported_region_export_writes_nothing_and_reads_every_cell(session, fmt):
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    data = exports.to_bytes(session, exports.spec_for_region(session, "AM20", internal=True, include_drafts=True), fmt)
    preview, result = preview_then_import(session, f"am20.{fmt}", data, am20, via="cli")
    assert preview.ok and preview.counts["unchanged"] == len(preview.rows) > 40
    assert outcome(preview) == outcome(result)


def test_the_streaming_xlsx_reader_reads_what_openpyxl_reads():
    """Shared and rich strings, numbers, booleans, dates, error values, formulas, and gaps between cells and rows."""
    from datetime import date, datetime

    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from catalogue.imports import CellError, Formula, read_table

    wb = Workbook()
    ws = wb.active
    ws.title = "Blad met spaties"
    ws.append(["Naam", "Getal", "Kommagetal", "Ja", "Datum", "Fout", "Formule", None, "Na een gat"])
    ws.append(["Proefplaatsing", 3, 2.5, True, date(2025, 3, 31), None, "=1+1", None, "x"])
    ws["F2"].value = "#DIV/0!"
    ws["F2"].data_type = "e"
    ws.append([CellRichText([TextBlock(InlineFont(b=True), "Vet"), " en gewoon"]), 0, -1.25e-3, False,
               datetime(2024, 1, 2, 13, 30)])
    ws["A7"] = "na vier lege rijen"
    ws.cell(row=7, column=30, value="ver weg")
    data = io.BytesIO()
    wb.save(data)
    table = read_table("t.xlsx", data.getvalue())
    [sheet] = table.sheets
    assert sheet.name == "Blad met spaties" and sheet.header[:2] == ["Naam", "Getal"]
    reference = load_workbook(io.BytesIO(data.getvalue()), read_only=True, rich_text=False)
    expected = []
    for number, cells in enumerate(reference.active.iter_rows(), start=1):
        values = [Formula(f"{c.value}") if c.data_type == "f" else CellError(c.value) if c.data_type == "e" else
                  getattr(c, "value", None) for c in cells]
        while values and values[-1] is None:
            values.pop()
        if number > 1 and any(v is not None for v in values):
            expected.append((number, values))
    got = [(n, [v for v in values]) for n, values in sheet.rows]
    for (n, values), (m, want) in zip(got, expected):
        assert n == m
        assert values[:len(want)] == want and not any(values[len(want):])
    assert len(got) == len(expected) == 3
    assert isinstance(sheet.rows[0][1][6], Formula) and isinstance(sheet.rows[0][1][5], CellError)
    assert sheet.rows[1][1][0] == "Vet en gewoon" and sheet.rows[2][1][29] == "ver weg"
