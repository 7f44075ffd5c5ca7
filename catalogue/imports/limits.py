"""Limits against hostile or damaged spreadsheets, checked on the raw zip before openpyxl parses anything:

- a damaged zip (cut off, forged sizes, bad checksums, unknown compression) raises one of `BROKEN_ZIP`; the reader turns
  that into `BROKEN_XLSX`, never a traceback;
- `check_sheets` streams every sheet's XML once (no parsing) and refuses more than MAX_UNCOMPRESSED bytes really unpacked
  (whatever the zip's directory claims), more than MAX_CELLS cells, merged cells, and a sheet without a size
  (`<dimension>`) with more rows than MAX_ROWS + MAX_EMPTY_RUN: openpyxl would read every row just to size it (a
  250 KB file of a million empty rows cost 81 s of CPU);
- while reading, a run of MAX_EMPTY_RUN empty rows ends a sheet (`empty_run_warning` says so);
- `count_rows` estimates the rows with content, to decide whether a file is imported as a background job.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

MAX_ROWS = 5000
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # an .xlsx is a zip: refuse zip bombs
MAX_EMPTY_RUN = 1000  # this many empty rows in a row end a sheet: the rest is not read (empty-rows bombs)
MAX_COLUMNS = 300  # columns read per row (the column model has fewer than 100)
MAX_CELLS = 1_500_000  # cells in all sheets together (5,000 rows of every column fit easily)
BROKEN_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
              OSError, struct.error, KeyError, ValueError, IndexError)
BROKEN_XLSX = "Dit Excel-bestand is beschadigd of geen echte .xlsx. Sla het opnieuw op als Excel-werkmap (.xlsx)."
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_CHUNK = 1 << 20


class LimitError(ValueError):
    """A limit was passed; the message (Dutch) says what to do."""


@dataclass
class SheetScan:
    size: int = 0  # bytes unpacked (really read, whatever the zip's directory claims)
    rows: int = 0
    cells: int = 0
    dimension: bool = False  # a <dimension> before the rows (else openpyxl reads the whole sheet to size it)
    merged: str | None = None  # the first merged range


def scan_sheet(archive: zipfile.ZipFile, path: str, budget: int) -> SheetScan:
    """One streamed pass over a sheet's XML, without parsing it: stops as soon as it unpacks more than `budget` bytes."""
    scan = SheetScan()
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(_CHUNK):
            scan.size += len(chunk)
            if scan.size > budget:
                return scan
            text = tail + chunk
            if not scan.rows:
                first_row, dimension = text.find(b"<row"), text.find(b"<dimension")
                scan.dimension = scan.dimension or (dimension >= 0 and (first_row < 0 or dimension < first_row))
            scan.rows += text.count(b"<row") - tail.count(b"<row")
            scan.cells += text.count(b"<c ") - tail.count(b"<c ")
            if scan.merged is None:
                match = _MERGE_RE.search(text)
                if match:
                    scan.merged = match.group(1).decode()
            tail = text[-200:]
    return scan


def check_sheets(archive: zipfile.ZipFile, sheet_paths: dict[str, str]) -> None:
    """Raises LimitError for the first sheet that passes a limit (see the module's docstring)."""
    names = set(archive.namelist())
    budget, cells = MAX_UNCOMPRESSED, 0
    for sheet_name, path in sheet_paths.items():
        if path not in names:
            continue
        scan = scan_sheet(archive, path, budget)
        budget -= scan.size
        cells += scan.cells
        if budget < 0:
            raise LimitError("Dit Excel-bestand is uitgepakt te groot (meer dan 100 MB).")
        if scan.merged:
            raise LimitError(f"Blad '{sheet_name}' bevat samengevoegde cellen ({scan.merged}). "
                             "Maak de samenvoeging ongedaan, zodat elke waarde in haar eigen cel staat.")
        if cells > MAX_CELLS or (not scan.dimension and scan.rows > MAX_ROWS + MAX_EMPTY_RUN):
            raise LimitError(f"Blad '{sheet_name}' heeft veel te veel rijen of cellen (lege meegeteld). Verwijder "
                             "de lege rijen en kolommen onder en naast uw gegevens, of kopieer alleen de gegevens "
                             "naar een nieuw bestand.")


def count_rows(archive: zipfile.ZipFile, sheet_paths: dict[str, str]) -> int:
    """Rows with cells (`</row>`; empty rows are `<row .../>`) in all sheets, within MAX_UNCOMPRESSED."""
    rows, budget = 0, MAX_UNCOMPRESSED
    for path in sheet_paths.values():
        with archive.open(path) as stream:
            tail = b""
            while budget > 0 and (chunk := stream.read(_CHUNK)):
                budget -= len(chunk)
                text = tail + chunk
                rows += text.count(b"</row>") - tail.count(b"</row>")
                tail = text[-10:]
    return rows


def empty_run_warning(sheet: str | None, last_row: int) -> str:
    where = f"Blad '{sheet}'" if sheet else "Het bestand"
    return (f"{where}: na rij {last_row} volgen meer dan {MAX_EMPTY_RUN:,} lege rijen; wat daarna komt is niet "
            "gelezen.".replace(",", "."))
