"""Reading an uploaded spreadsheet (CSV or XLSX) into sheets of rows, refusing what is not a clean spreadsheet: wrong
type, empty, too large (> 5 MB or > 5,000 rows), formulas, merged cells, unreadable encodings, damaged zips and
empty-rows bombs (see `limits`)."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from . import xlsx
from .limits import (BROKEN_XLSX, BROKEN_ZIP, MAX_EMPTY_RUN, MAX_ROWS, MAX_UNCOMPRESSED, LimitError,
                     check_sheets, count_rows, empty_run_warning)

MAX_BYTES = 5 * 1024 * 1024
CellError, Formula = xlsx.CellError, xlsx.Formula  # cell values that are refused (see cells)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why (in Dutch)."""


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list]]  # (row number as the user sees it, cell values)


@dataclass
class Table:
    kind: str  # csv | xlsx
    sheets: list[Sheet]
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. the rest of a sheet not read after many empty rows


_MAGIC = (
    (b"\xd0\xcf\x11\xe0", "Dit is een oud Excel-bestand (.xls) of een ander Office-bestand. Sla het op als Excel-werkmap "
                          "(.xlsx) of als CSV en probeer het opnieuw."),
    (b"%PDF", "Dit is een PDF-bestand, geen spreadsheet. Gebruik een .xlsx- of .csv-bestand."),
    (b"\x89PNG", "Dit is een afbeelding, geen spreadsheet. Gebruik een .xlsx- of .csv-bestand."),
    (b"\xff\xd8\xff", "Dit is een afbeelding, geen spreadsheet. Gebruik een .xlsx- of .csv-bestand."),
    (b"GIF8", "Dit is een afbeelding, geen spreadsheet. Gebruik een .xlsx- of .csv-bestand."),
    (b"\x1f\x8b", "Dit is een gecomprimeerd bestand, geen spreadsheet. Gebruik een .xlsx- of .csv-bestand."),
)


def read_table(filename: str, data: bytes) -> Table:
    name = (filename or "").lower()
    if not data or not data.strip():
        raise ImportFileError("Het bestand is leeg.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"Het bestand is te groot ({len(data) / 1024 / 1024:.1f} MB); de grens is 5 MB. "
                              "Splits het in kleinere bestanden.")
    for magic, message in _MAGIC:
        if data.startswith(magic):
            raise ImportFileError(message)
    if data.startswith(b"PK\x03\x04"):
        if name.endswith(".ods"):
            raise ImportFileError("OpenDocument-spreadsheets (.ods) worden niet ondersteund. Sla het op als .xlsx of CSV.")
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError("Dit bestand heet een Excel-bestand, maar is het niet (het is geen geldige .xlsx). Sla het "
                              "opnieuw op als Excel-werkmap (.xlsx).")
    if name and not name.endswith((".csv", ".txt", ".tsv")):
        raise ImportFileError("Onbekend bestandstype. Gebruik een Excel-werkmap (.xlsx) of een CSV-bestand (.csv).")
    return _read_csv(data)


def estimate_rows(filename: str, data: bytes) -> int:
    """About how many rows the file has, without reading it (decides whether it is imported as a background job):
    lines of a CSV, rows with cells in the sheets of an .xlsx. 0 for what is not readable (reading says why)."""
    if not data.startswith(b"PK\x03\x04"):
        return data.count(b"\n")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return count_rows(archive, _sheet_paths(archive))
    except BROKEN_ZIP:
        return 0


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise ImportFileError("Dit bestand is geen leesbare tekst (CSV) in UTF-8 of Windows-1252, en geen Excel-werkmap. "
                          "Sla het op als 'CSV UTF-8' of als .xlsx en probeer het opnieuw.")


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    if sum(1 for ch in text[:4000] if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t") > 5:
        raise ImportFileError("Dit bestand bevat binaire gegevens en is geen CSV. Gebruik een .xlsx- of .csv-bestand.")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise ImportFileError("Geen kolommen gevonden: de eerste regel moet de kolomnamen bevatten, gescheiden door ',' "
                              "of ';'.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list]] = []
    warnings: list[str] = []
    empty_run = 0
    try:
        for number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                empty_run += 1
                if empty_run >= MAX_EMPTY_RUN:
                    warnings.append(empty_run_warning(None, number - empty_run))
                    break
                continue
            empty_run = 0
            if header is None:
                header = row
                continue
            rows.append((number, row))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"Het bestand heeft meer dan {MAX_ROWS:,} rijen; splits het in kleinere "
                                      "bestanden.".replace(",", "."))
    except csv.Error as exc:
        raise ImportFileError(f"Dit CSV-bestand kunnen we niet lezen: {exc}.") from exc
    return Table("csv", [Sheet("CSV", header or [], rows)], encoding=encoding, delimiter=delimiter, warnings=warnings)


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """sheet name -> path of its XML inside the archive."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', rel.group(0))
        target = re.search(r'\bTarget="([^"]+)"', rel.group(0))
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else f"xl/{path}"
    out = {}
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', sheet.group(0))
        rid = re.search(r'\br:id="([^"]+)"|\b\w+:id="([^"]+)"', sheet.group(0))
        if name and rid:
            out[_unescape_xml(name.group(1))] = targets.get(rid.group(1) or rid.group(2), "")
    return out


def _unescape_xml(value: str) -> str:
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _read_xlsx(data: bytes) -> Table:
    """Reads the workbook; a damaged zip (cut off, forged sizes, bad checksums) gives a clear message, never a crash."""
    try:
        return _read_xlsx_archive(data)
    except ImportFileError:
        raise
    except LimitError as exc:
        raise ImportFileError(str(exc)) from exc
    except BROKEN_ZIP as exc:
        raise ImportFileError(BROKEN_XLSX) from exc


def _read_xlsx_archive(data: bytes) -> Table:
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise ImportFileError("Dit Excel-bestand is uitgepakt te groot (meer dan 100 MB).")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise ImportFileError("OpenDocument-spreadsheets (.ods) worden niet ondersteund. Sla het op als .xlsx of CSV.")
        raise ImportFileError("Dit is een zip-bestand, maar geen Excel-werkmap (.xlsx).")
    paths = _sheet_paths(archive)
    check_sheets(archive, paths)
    sheets = []
    warnings: list[str] = []
    total = 0
    try:
        strings, dates, base = xlsx.shared_strings(archive), xlsx.date_styles(archive), xlsx.epoch(archive)
        for title, path in paths.items():
            if "worksheets/" not in path or path not in names:
                continue  # chart sheets, or a sheet the workbook names but does not contain
            header: list | None = None
            rows: list[tuple[int, list]] = []
            last = 0  # the last row with content
            for number, values in xlsx.rows(archive, path, strings, dates, base):
                if not any(v is not None and str(v).strip() != "" for v in values):
                    continue
                if number - last - 1 >= MAX_EMPTY_RUN:
                    warnings.append(empty_run_warning(title, last))
                    break
                last = number
                if header is None:
                    header = ["" if v is None else str(v) for v in values]
                    continue
                rows.append((number, values))
                total += 1
                if total > MAX_ROWS:
                    raise ImportFileError(f"Het bestand heeft meer dan {MAX_ROWS:,} rijen; splits het in kleinere "
                                          "bestanden.".replace(",", "."))
            sheets.append(Sheet(title, header or [], rows))
    except xlsx.XMLError as exc:
        raise ImportFileError(f"Dit Excel-bestand kunnen we niet openen ({type(exc).__name__}).") from exc
    return Table("xlsx", sheets, warnings=warnings)


