"""`catalogue export` and `catalogue import` (issue 6) against their own SQLite database."""
import csv
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from catalogue.cli import main
from helpers import seeded_cli_database


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, templates):
    yield from seeded_cli_database(tmp_path_factory, templates, "cli-export")


def _count(url):
    with create_engine(url).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM instrument")).scalar()


def test_export_every_format(cli_db):
    url, folder = cli_db
    runner = CliRunner()
    for fmt in ("csv", "xlsx", "json", "pdf"):
        target = folder / f"am20.{fmt}"
        result = runner.invoke(main, ["export", "--region", "AM20", "--format", fmt, "--output", str(target)])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 1000
        assert "Wrote" in result.output
    rows = list(csv.DictReader(io.StringIO((folder / "am20.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) > 40 and "Interne notities" not in rows[0]
    wb = load_workbook(folder / "am20.xlsx")
    # the exchange sheets hold the same rows as the CSV (instruments and coverage markers); "Overzicht" comes first
    assert wb.sheetnames[0] == "Overzicht"
    assert sum(ws.max_row - 1 for ws in wb.worksheets[1:]) == len(rows)
    assert len(PdfReader(folder / "am20.pdf").pages) >= 1
    a4 = folder / "a4.pdf"
    assert runner.invoke(main, ["export", "--region", "am20", "--format", "pdf", "--a4", "-o", str(a4)]).exit_code == 0
    assert len(PdfReader(a4).pages) == 1
    result = runner.invoke(main, ["export", "--format", "json", "--output", "-"])
    assert result.exit_code == 0 and '"instruments"' in result.output
    result = runner.invoke(main, ["export", "--region", "AM99"])
    assert result.exit_code != 0 and "onbekende arbeidsmarktregio 'AM99'" in result.output


def test_export_shows_progress_for_large_exports(cli_db):
    _url, folder = cli_db
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--lifecycle", "current,upcoming,ended",
                                       "--internal", "-o", str(folder / "all.csv")])
    assert result.exit_code == 0, result.output
    assert "Exporting" in result.output  # the progress bar (200 instruments or more)
    rows = list(csv.DictReader(io.StringIO((folder / "all.csv").read_text(encoding="utf-8-sig"))))
    assert "Interne notities" in rows[0] and any(r["Status"] == "draft" for r in rows)


def test_import_dry_run_reimport_and_errors(cli_db):
    url, folder = cli_db
    runner = CliRunner()
    export = folder / "reimport.xlsx"
    assert runner.invoke(main, ["export", "--region", "AM20", "-o", str(export), "--internal"]).exit_code == 0
    n = _count(url)
    result = runner.invoke(main, ["import", str(export), "--region", "AM20", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 nieuw, 0 bijwerken" in result.output and "proefimport" in result.output
    assert "ongewijzigd" in result.output  # one line per row
    result = runner.invoke(main, ["import", str(export), "--region", "AM20", "-q"])
    assert result.exit_code == 0 and "0 nieuw, 0 bijwerken" in result.output
    new = folder / "nieuw.csv"
    new.write_text("Naam,Soort,Aanbieder,Samenvatting\nProef via CLI,proefplaatsing,Gouda,Een proef via de "
                   "opdrachtregel voor werkgevers.\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(new), "--region", "AM20", "--dry-run"])
    assert result.exit_code == 0 and "1 nieuw" in result.output
    assert _count(url) == n  # --dry-run writes nothing
    assert runner.invoke(main, ["import", str(new), "--region", "AM20"]).exit_code == 0
    assert _count(url) == n + 1
    bad = folder / "fout.csv"
    bad.write_text("Naam,Soort,Aanbieder,Samenvatting\nGoed instrument,proefplaatsing,Gouda,Een goede rij die niet "
                   "wordt opgeslagen.\nFout,loonsubsidie,Gouda,Een rij met een onbekende soort.\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(bad), "--region", "AM20"])
    assert result.exit_code == 1, result.output
    assert "Rij 3, kolom 'Soort': onbekende soort 'loonsubsidie'" in result.output
    assert "niets opgeslagen" in result.output
    assert _count(url) == n + 1
    other = folder / "ander.csv"
    other.write_text(new.read_text(encoding="utf-8").replace("Proef via CLI", "Andere proef"), encoding="utf-8")
    result = runner.invoke(main, ["import", str(other), "--region", "AM11"])
    assert result.exit_code == 1 and "hoort niet bij arbeidsmarktregio Flevoland" in result.output
