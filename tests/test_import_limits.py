"""Import files that try to pin a worker (issue 10 items 5 and 7): empty-rows bombs are refused or cut, damaged zips
(cut off, forged sizes, bad checksums) get a clear message on upload and on the command line, never a traceback or 500.
Nothing is written in any of these cases."""
from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from accounts import login, people, post  # noqa: F401
from catalogue.cli import main
from catalogue.imports import MAX_EMPTY_RUN, ImportFileError, estimate_rows, read_table, run_import

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from import_bench import empty_rows_bomb  # noqa: E402  (the bench's 1,048,576-row bomb)

HEADER = ["Naam", "Soort", "Aanbieder", "Samenvatting", "Voorbeeld"]
ROW = ["Limiettest proefplaatsing", "proefplaatsing", "Gouda", "Een proefplaatsing om grenzen te testen.", "ja"]


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _with_sheet(data: bytes, change) -> bytes:
    """The same .xlsx with the XML of its first sheet changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            out.writestr(info.filename, content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return empty_rows_bomb()


def test_the_empty_rows_bomb_is_refused_with_a_clear_message(bomb):
    # 1,048,575 empty rows and no <dimension>: openpyxl would read them all just to size the sheet (81 s of CPU)
    assert len(bomb) < 300 * 1024
    with pytest.raises(ImportFileError, match="veel te veel rijen of cellen"):
        read_table("bom.xlsx", bomb)


def test_a_long_run_of_empty_rows_ends_the_sheet_with_a_warning():
    data = _with_sheet(_xlsx([HEADER, ROW]), _insert_empty_rows)
    table = read_table("lang.xlsx", data)
    assert [len(s.rows) for s in table.sheets] == [1]  # the row after the empty ones is not read
    assert any("lege rijen" in w and "rij 2" in w for w in table.warnings)


def _insert_empty_rows(xml: bytes) -> bytes:
    """Two rows of data, then 2 × MAX_EMPTY_RUN styled empty rows, then one more row with a value."""
    empty = b"".join(b'<row r="%d" s="1" customFormat="1"/>' % n for n in range(3, 3 + 2 * MAX_EMPTY_RUN))
    last = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Na de lege rijen</t></is></c></row>' % (
        3 + 2 * MAX_EMPTY_RUN, 3 + 2 * MAX_EMPTY_RUN)
    xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:E%d"/>' % (3 + 2 * MAX_EMPTY_RUN), xml)
    return xml.replace(b"</sheetData>", empty + last + b"</sheetData>")


def test_csv_with_a_long_run_of_empty_lines_is_cut():
    data = ("Naam,Soort\nEen,proefplaatsing\n" + ",\n" * (MAX_EMPTY_RUN + 5) + "Twee,jobcoaching\n").encode()
    table = read_table("leeg.csv", data)
    assert [len(s.rows) for s in table.sheets] == [1] and table.warnings


def _forged_size(data: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The zip with the uncompressed size of one entry set to 10 bytes, in its local header and the directory."""
    raw = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(name)
    struct.pack_into("<I", raw, info.header_offset + 22, 10)  # local file header: uncompressed size
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        length = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46:pos + 46 + length].decode() == name:
            struct.pack_into("<I", raw, pos + 24, 10)  # central directory: uncompressed size
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def _bad_crc(data: bytes) -> bytes:
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", raw, info.header_offset + 14, 0xDEADBEEF)
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        length = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46:pos + 46 + length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", raw, pos + 16, 0xDEADBEEF)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


DAMAGED = {
    "forged-size.xlsx": lambda good: _forged_size(good),
    "bad-crc.xlsx": lambda good: _bad_crc(good),
    "cut-off.xlsx": lambda good: good[: len(good) // 2],
    "no-directory.xlsx": lambda good: good[: good.rfind(b"PK\x01\x02")],
}


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_damaged_zips_get_a_clear_message(name):
    data = DAMAGED[name](_xlsx([HEADER, ROW]))
    with pytest.raises(ImportFileError) as exc:
        read_table(name, data)
    assert "beschadigd" in str(exc.value) or "geen echte .xlsx" in str(exc.value)
    assert estimate_rows(name, data) >= 0  # never raises either


def test_damaged_zip_through_run_import_writes_nothing(session):
    from catalogue.models import Region
    from sqlalchemy import select

    region = session.scalar(select(Region).where(Region.code == "AM20"))
    result = run_import(session, "x.xlsx", _forged_size(_xlsx([HEADER, ROW])), region, dry_run=False)
    assert not result.ok and not result.committed and "beschadigd" in result.errors[0]


def test_damaged_zip_upload_gives_a_page_not_a_500(client, people, bomb):  # noqa: F811
    from werkzeug.datastructures import FileStorage

    login(client, people["coordinator"])
    for name in sorted(DAMAGED):
        upload = FileStorage(stream=io.BytesIO(DAMAGED[name](_xlsx([HEADER, ROW]))), filename=name)
        response = post(client, "/beheer/import", {"region": "AM20", "file": upload},
                        content_type="multipart/form-data")
        assert response.status_code == 422, name
        assert "beschadigd" in response.get_data(as_text=True)
    upload = FileStorage(stream=io.BytesIO(bomb), filename="bom.xlsx")
    response = post(client, "/beheer/import", {"region": "AM20", "file": upload}, content_type="multipart/form-data")
    assert response.status_code in (303, 422)  # refused at once, or handed to the background worker, never a 500


def test_damaged_zip_on_the_command_line(tmp_path, monkeypatch, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the command-line tests use their own SQLite file")
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(tmp_path / "index"))
    runner = CliRunner()
    for args in (["init"], ["seed"]):
        assert runner.invoke(main, args).exit_code == 0
    for name in sorted(DAMAGED):
        path = tmp_path / name
        path.write_bytes(DAMAGED[name](_xlsx([HEADER, ROW])))
        result = runner.invoke(main, ["import", str(path), "--region", "AM20"])
        assert result.exit_code == 1, (name, result.output)
        assert "beschadigd" in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
