"""Spreadsheet import (XLSX and CSV) of instruments into one arbeidsmarktregio. No Flask.

1. `read_table(filename, data)` reads the file and refuses what is not a clean spreadsheet: wrong type, empty, too large
   (> 5 MB or > 5,000 rows), formulas, merged cells, unreadable encodings.
2. Headers are mapped onto the column model of `catalogue.exports` (Dutch and English names and aliases).
3. `run_import(...)` turns every row into an instrument record (names of gemeenten, kinds and target groups resolved to
   codes), matches it with an existing instrument (external id, else slug, else provider + name), validates it with the
   shared `InstrumentInputSchema` (through `editing.Editor`, which uses `seed.InstrumentLoader`) and writes it through
   `Editor`, so permissions, the audit trail and versions are the same as for editing by hand. Rows that would change
   nothing are "unchanged" and are not written.
4. Everything happens in one transaction: a dry run, or any error in any row, rolls all of it back; otherwise it commits.

Messages are Dutch and name the row, the column (as headed in the file) and what is wrong:
"Rij 7, kolom 'Soort': onbekende soort 'loonsubsidie'".
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Iterable

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .editing import Editor, InvalidInput, NotAllowed, snapshot
from .exports import CONTACT_KEYS, COLUMNS, COLUMNS_BY_KEY, FORMULA_START, LINK_KEYS, TERM_COLUMNS, Column
from .models import Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm, User
from .seed import SeedError
from .slugs import slugify

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # an .xlsx is a zip: refuse zip bombs
ACTIONS = ("create", "update", "unchanged", "error")
ACTION_LABELS = {"create": "nieuw", "update": "bijwerken", "unchanged": "ongewijzigd", "error": "fout"}
NATIONAL_TYPES = ("uwv", "belastingdienst", "landelijk")
KEEP_WHEN_EMPTY = ("slug", "name", "kind", "provider", "reach", "summary", "status")
DEFAULT_REACH = {"gemeente": "lokaal", "regio": "regionaal"}  # when a new row leaves 'Bereik' empty


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why (in Dutch)."""


# ---------------------------------------------------------------------------------------------------------------------
# Reading files


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
    try:
        for number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                continue
            rows.append((number, row))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"Het bestand heeft meer dan {MAX_ROWS:,} rijen; splits het in kleinere "
                                      "bestanden.".replace(",", "."))
    except csv.Error as exc:
        raise ImportFileError(f"Dit CSV-bestand kunnen we niet lezen: {exc}.") from exc
    return Table("csv", [Sheet("CSV", header or [], rows)], encoding=encoding, delimiter=delimiter)


_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


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
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError("Dit Excel-bestand is beschadigd of geen echte .xlsx.") from exc
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise ImportFileError("Dit Excel-bestand is uitgepakt te groot (meer dan 100 MB).")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise ImportFileError("OpenDocument-spreadsheets (.ods) worden niet ondersteund. Sla het op als .xlsx of CSV.")
        raise ImportFileError("Dit is een zip-bestand, maar geen Excel-werkmap (.xlsx).")
    for sheet_name, path in _sheet_paths(archive).items():
        if path in names:
            match = _MERGE_RE.search(archive.read(path))
            if match:
                raise ImportFileError(f"Blad '{sheet_name}' bevat samengevoegde cellen ({match.group(1).decode()}). "
                                      "Maak de samenvoeging ongedaan, zodat elke waarde in haar eigen cel staat.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of errors for broken files
        raise ImportFileError(f"Dit Excel-bestand kunnen we niet openen ({type(exc).__name__}).") from exc
    sheets = []
    total = 0
    try:
        for ws in workbook.worksheets:
            header: list | None = None
            rows: list[tuple[int, list]] = []
            for number, cells in enumerate(ws.iter_rows(), start=1):
                values = []
                for cell in cells:
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f":
                        value = Formula(str(value))
                    elif getattr(cell, "data_type", None) == "e":
                        value = CellError(str(value))
                    values.append(value)
                if not any(v is not None and str(v).strip() != "" for v in values):
                    continue
                if header is None:
                    header = ["" if v is None else str(v) for v in values]
                    continue
                rows.append((number, values))
                total += 1
                if total > MAX_ROWS:
                    raise ImportFileError(f"Het bestand heeft meer dan {MAX_ROWS:,} rijen; splits het in kleinere "
                                          "bestanden.".replace(",", "."))
            sheets.append(Sheet(ws.title, header or [], rows))
    finally:
        workbook.close()
    return Table("xlsx", sheets)


class Formula(str):
    """A cell with a formula (never evaluated)."""


class CellError(str):
    """A cell with an error value such as #DIV/0!."""


# ---------------------------------------------------------------------------------------------------------------------
# Column mapping


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for col in COLUMNS:
        for name in (col.key, col.key.replace("_", " "), col.label, *col.aliases):
            index.setdefault(_norm(name), col.key)
    return index


HEADER_INDEX = _header_index()


@dataclass
class Mapping:
    columns: dict[int, str]  # position -> column key
    headers: dict[str, str]  # column key -> header as written in the file
    ignored: list[str]


def map_header(header: list[str]) -> Mapping:
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        text = str(raw or "").strip()
        if not text:
            continue
        key = HEADER_INDEX.get(_norm(text))
        if key is None:
            ignored.append(text)
            continue
        if key in headers:
            raise ImportFileError(f"De kolommen '{headers[key]}' en '{text}' betekenen allebei "
                                  f"'{COLUMNS_BY_KEY[key].label}'. Laat er één over.")
        columns[position] = key
        headers[key] = text
    return Mapping(columns, headers, ignored)


# ---------------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class RowResult:
    row: int
    sheet: str | None
    action: str = "error"
    slug: str | None = None
    name: str | None = None
    provider: str | None = None
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # changed fields (updates)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class ImportResult:
    filename: str
    region: str | None
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level errors and every row error, in order
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header in the file -> column label
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ACTIONS}

    def summary(self) -> str:
        c = self.counts
        text = (f"{len(self.rows)} rijen: {c['create']} nieuw, {c['update']} bijwerken, {c['unchanged']} ongewijzigd, "
                f"{c['error']} met fouten")
        if self.committed:
            return text + "; opgeslagen."
        if self.dry_run and self.ok:
            return text + "; proefimport, niets opgeslagen."
        return text + "; niets opgeslagen."


# ---------------------------------------------------------------------------------------------------------------------
# Turning cells into values


class CellProblem(ValueError):
    pass


_TRUE = {"ja", "j", "yes", "y", "true", "waar", "1", "x", "wel"}
_FALSE = {"nee", "n", "no", "false", "onwaar", "0", "niet"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]  # the export's protection against formulas
    return text or None


def _parse(col: Column, value):
    """A cell value -> the column's Python value (None when empty). Raises CellProblem with a Dutch message."""
    if isinstance(value, Formula):
        raise CellProblem(f"formules zijn niet toegestaan ('{str(value)[:40]}'); vul de waarde zelf in")
    if isinstance(value, CellError):
        raise CellProblem(f"de cel bevat een foutwaarde ({value})")
    if isinstance(value, str) and value.strip().startswith("="):
        raise CellProblem(f"formules zijn niet toegestaan ('{value.strip()[:40]}'); vul de waarde zelf in")
    if col.type == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        if text is None:
            return None
        if not _DATE_RE.match(text):
            raise CellProblem(f"'{text[:40]}' is geen datum in de vorm JJJJ-MM-DD (bijvoorbeeld 2025-03-31)")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CellProblem(f"'{text}' is geen bestaande datum") from None
    if col.type == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text is None:
            return False
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CellProblem(f"'{text[:40]}' is geen ja of nee")
    if col.type == "int":
        if isinstance(value, bool):
            raise CellProblem("verwacht een geheel getal")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if value.is_integer():
                return int(value)
            raise CellProblem(f"'{value}' is geen geheel getal")
        text = _text(value)
        if text is None:
            return None
        if re.fullmatch(r"\d+", text):
            return int(text)
        raise CellProblem(f"'{text[:40]}' is geen geheel getal")
    if col.type == "decimal":
        if isinstance(value, bool):
            raise CellProblem("verwacht een getal")
        if isinstance(value, (int, float, Decimal)):
            return Decimal(str(value))
        text = _text(value)
        if text is None:
            return None
        cleaned = text.replace("€", "").replace("%", "").replace(" ", "").replace("\u00a0", "")
        if "," in cleaned and "." in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".") if cleaned.rfind(",") > cleaned.rfind(".") \
                else cleaned.replace(",", "")
        elif "," in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellProblem(f"'{text[:40]}' is geen getal") from None
        if not number.is_finite():
            raise CellProblem(f"'{text[:40]}' is geen getal")
        return number
    text = _text(value)
    if col.type in ("codes", "regions", "municipalities"):
        if text is None:
            return []
        return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    if col.type == "contacts":
        return _parse_lines(text, CONTACT_KEYS, "contact")
    if col.type == "links":
        return _parse_lines(text, LINK_KEYS, "link")
    return text


def _parse_lines(text: str | None, keys: tuple[str, ...], what: str) -> list[dict]:
    out = []
    for line in (text or "").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > len(keys):
            raise CellProblem(f"een {what} heeft hoogstens {len(keys)} delen, gescheiden door '|': '{line[:60]}'")
        out.append({k: (parts[i] if i < len(parts) and parts[i] else None) for i, k in enumerate(keys)})
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Resolving names and codes


class Resolver:
    """Maps what people type (names, codes, any case) onto the codes the input schema knows."""

    def __init__(self, session: Session):
        self.kinds: dict[str, str] = {}
        for k in session.scalars(select(InstrumentKind)):
            for name in (k.code, k.name, k.name_en):
                if name:
                    self.kinds.setdefault(_norm(name), k.code)
        self.terms: dict[str, dict[str, str]] = {t: {} for t in TERM_COLUMNS.values()}
        for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(list(TERM_COLUMNS.values())))):
            for name in (t.code, t.name, t.name_en, t.external_code):
                if name:
                    self.terms[t.taxonomy].setdefault(_norm(name), t.code)
        self.municipalities: dict[str, str] = {}
        ambiguous: set[str] = set()
        for m in session.scalars(select(Municipality)):
            self.municipalities[_norm(m.code)] = m.code
            key = _norm(m.name)
            if key in self.municipalities and self.municipalities[key] != m.code:
                ambiguous.add(key)
            self.municipalities.setdefault(key, m.code)
        self.ambiguous_municipalities = ambiguous
        self.regions: dict[str, str] = {}
        for r in session.scalars(select(Region)):
            for name in (r.code, r.name):
                self.regions.setdefault(_norm(name), r.code)
        self.providers: dict[str, Provider] = {}
        for p in session.scalars(select(Provider).options(selectinload(Provider.municipality),
                                                           selectinload(Provider.region))):
            names = [p.slug, p.name]
            if p.type == "gemeente" and p.municipality is not None:
                names += [p.municipality.code, p.municipality.name, f"gemeente {p.municipality.name}",
                          f"gemeente:{p.municipality.code}"]
            if p.type == "regio" and p.region is not None:
                names += [f"regio {p.region.code}", f"regio:{p.region.code}", p.region.code,
                          f"regio {p.region.name}", f"werkgeversservicepunt {p.region.name}"]
            for name in names:
                self.providers.setdefault(_norm(name), p)

    def provider(self, text: str, region: Region | None) -> Provider | None:
        key = _norm(text)
        if key in ("regio", "wsp", "werkgeversservicepunt") and region is not None:
            key = _norm(f"regio {region.code}")
        return self.providers.get(key)


# ---------------------------------------------------------------------------------------------------------------------
# The import


SYSTEM_EMAIL = "catalogue-cli"


def system_user() -> User:
    """The command line acts as an administrator (it has the database anyway). Never added to a session."""
    return User(email=SYSTEM_EMAIL, name="catalogue import (command line)", is_admin=True, active=True,
                session_token="-", password_hash="-")


_MESSAGES = (
    (re.compile(r"^Missing data for required field\.$"), lambda m: "verplicht; vul dit in"),
    (re.compile(r"^Field may not be null\.$"), lambda m: "verplicht; vul dit in"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda m: f"te kort (minstens {m.group(1)} tekens)"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: f"te lang (hoogstens {m.group(1)} tekens)"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: f"lengte moet tussen {m.group(1)} en {m.group(2)} liggen"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: f"moet tussen {m.group(1)} en {m.group(2)} liggen"),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: f"kies uit: {m.group(1)}"),
    (re.compile(r"^Not a valid email address\.$"), lambda m: "geen geldig e-mailadres"),
    (re.compile(r"^Not a valid (.*)\.$"), lambda m: "ongeldige waarde"),
    (re.compile(r"^Onbekende code '(.*)'\.$"), lambda m: f"onbekende code '{m.group(1)}'"),
)


def _dutch(message: str) -> str:
    for pattern, make in _MESSAGES:
        match = pattern.match(message)
        if match:
            return make(match)
    return message.rstrip(".")


def _flatten(messages, top: str | None = None) -> list[tuple[str | None, str]]:
    """marshmallow messages (nested for contacts, links, translations) -> [(top-level field, message)]."""
    if isinstance(messages, str):
        return [(top, messages)]
    if isinstance(messages, (list, tuple)):
        return [pair for m in messages for pair in _flatten(m, top)]
    if isinstance(messages, dict):
        return [pair for key, value in messages.items() for pair in _flatten(value, top if top is not None else str(key))]
    return [(top, str(messages))]


class _Row:
    def __init__(self, result: RowResult, headers: dict[str, str], sheet_count: int):
        self.result = result
        self.headers = headers
        self.prefix = f"Rij {result.row}" + (f" (blad '{result.sheet}')" if sheet_count > 1 and result.sheet else "")

    def column_name(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        if key.startswith("translations"):
            return self.headers.get("name_en", "Engelse vertaling")
        col = COLUMNS_BY_KEY.get(key)
        return col.label if col else key

    def error(self, key: str | None, message: str) -> None:
        if key and key != "_schema":
            self.result.errors.append(f"{self.prefix}, kolom '{self.column_name(key)}': {message}")
        else:
            self.result.errors.append(f"{self.prefix}: {message}")
        self.result.action = "error"


def run_import(session: Session, filename: str, data: bytes, region: Region | None, user: User | None = None,
               dry_run: bool = False, allow_national: bool = False, via: str = "web") -> ImportResult:
    """Reads, checks and (unless `dry_run` or any error) commits the file, all in one transaction.

    `region`: rows may only write instruments of that region's gemeenten and its werkgeversservicepunt (None: any
    region, for administrators). `allow_national`: national providers too (administrators). `user`: whose permissions
    apply and who is named in the audit trail; None means the command line (an administrator).
    """
    result = ImportResult(filename=filename, region=region.code if region is not None else None, dry_run=dry_run)
    try:
        table = read_table(filename, data)
        _import_table(session, table, result, region, user if user is not None else system_user(), allow_national, via)
    except ImportFileError as exc:
        result.errors.insert(0, str(exc))
    except Exception:
        session.rollback()
        raise
    if dry_run or not result.ok:
        session.rollback()
    else:
        session.commit()
        result.committed = True
    return result


def _data_sheets(table: Table) -> list[tuple[Sheet, Mapping]]:
    out = []
    for sheet in table.sheets:
        if not sheet.header:
            continue
        mapping = map_header(sheet.header)
        if "name" in mapping.headers and len(mapping.headers) >= 2:
            out.append((sheet, mapping))
    return out


def _import_table(session: Session, table: Table, result: ImportResult, region: Region | None, user: User,
                  allow_national: bool, via: str) -> None:
    sheets = _data_sheets(table)
    if not sheets:
        found = ", ".join(f"'{h}'" for s in table.sheets for h in s.header[:6] if str(h).strip())
        raise ImportFileError("Geen bruikbare kolommen gevonden. De eerste rij moet kolomnamen bevatten zoals in het "
                              "importsjabloon (minstens 'Naam' en bijvoorbeeld 'Soort' en 'Aanbieder')"
                              + (f"; gevonden: {found}." if found else "."))
    if not any(sheet.rows for sheet, _ in sheets):
        raise ImportFileError("Het bestand bevat kolomnamen maar geen rijen met instrumenten.")
    for sheet, mapping in sheets:
        for position, key in sorted(mapping.columns.items()):
            result.mapping[mapping.headers[key]] = COLUMNS_BY_KEY[key].label
        for header in mapping.ignored:
            warning = f"Kolom '{header}' is niet bekend en wordt genegeerd."
            if warning not in result.warnings:
                result.warnings.append(warning)
        if "internal_notes" in mapping.headers and not _may_write_notes(user):
            raise ImportFileError("U mag geen interne notities importeren; verwijder de kolom "
                                  f"'{mapping.headers['internal_notes']}'.")

    resolver = Resolver(session)
    editor = Editor(session, user, via=via)
    seen: dict[tuple, int] = {}
    slugs_in_file: set[str] = set()
    for sheet, mapping in sheets:
        for number, cells in sheet.rows:
            row = RowResult(row=number, sheet=sheet.name if table.kind == "xlsx" else None)
            result.rows.append(row)
            r = _Row(row, mapping.headers, len(sheets))
            _import_row(session, editor, resolver, r, mapping, cells, region, user, allow_national, seen, slugs_in_file)
            result.errors.extend(row.errors)


def _may_write_notes(user: User) -> bool:
    from .auth import can

    return can(user, "view_internal")


def _import_row(session: Session, editor: Editor, resolver: Resolver, r: _Row, mapping: Mapping, cells: list,
                region: Region | None, user: User, allow_national: bool, seen: dict, slugs_in_file: set) -> None:
    row = r.result
    values: dict[str, object] = {}
    for position, key in mapping.columns.items():
        cell = cells[position] if position < len(cells) else None
        try:
            values[key] = _parse(COLUMNS_BY_KEY[key], cell)
        except CellProblem as exc:
            r.error(key, str(exc))
    row.name = values.get("name") if isinstance(values.get("name"), str) else None
    record, provider = _record(resolver, r, values, region)
    if row.errors:
        return
    row.provider = provider.name if provider is not None else None

    existing, problem = _match(session, values, provider)
    if problem:
        r.error(problem[0], problem[1])
        return
    # duplicate rows: the same instrument twice in one file
    key = ("id", existing.id) if existing is not None else (
        ("slug", values["slug"]) if values.get("slug") else ("name", provider.id if provider else None,
                                                            _norm(values.get("name") or "")))
    ext = values.get("external_id")
    for k in [key] + ([("external_id", ext)] if ext else []):
        if k in seen:
            r.error(None, f"dubbele rij: rij {seen[k]} gaat over hetzelfde instrument")
            return
    for k in [key] + ([("external_id", ext)] if ext else []):
        seen[k] = row.row

    if existing is not None:
        _update(session, editor, r, existing, record, region, user, allow_national)
    else:
        created = _create(session, editor, r, record, provider, region, allow_national, slugs_in_file)
        if created is not None:
            seen[("id", created.id)] = row.row  # a later row about the same (new) instrument is a duplicate



def _resolved_codes(r, key: str, items: list[str], resolve) -> list[str]:
    """Codes for names or codes in a cell, unique and in order. `resolve(item)` gives (code or None, message if None)."""
    codes: list[str] = []
    for item in items:
        code, problem = resolve(item)
        if code is None:
            r.error(key, problem)
        elif code not in codes:
            codes.append(code)
    return codes

def _record(resolver: Resolver, r: _Row, values: dict, region: Region | None) -> tuple[dict, Provider | None]:
    """Column values -> an input-schema record (only the columns in the file), with names resolved to codes."""
    record: dict = {}
    provider = None
    translations: dict[str, str | None] = {}
    for key, value in values.items():
        col = COLUMNS_BY_KEY[key]
        if value is None and key in KEEP_WHEN_EMPTY:
            continue  # an empty cell cannot clear a required field: it keeps the current value (new rows: required)
        if col.type == "kind":
            if value is None:
                record["kind"] = None
                continue
            code = resolver.kinds.get(_norm(value))
            if code is None:
                r.error(key, f"onbekende soort '{value}'")
                continue
            record["kind"] = code
        elif col.type == "provider":
            if value is None:
                continue
            provider = resolver.provider(value, region)
            if provider is None:
                r.error(key, f"onbekende aanbieder '{value}'; gebruik een gemeentenaam, 'regio' of een landelijke "
                             "aanbieder zoals UWV")
                continue
            record["provider"] = provider.slug
        elif col.type == "codes":
            terms = resolver.terms[TERM_COLUMNS[key]]
            record[key] = _resolved_codes(r, key, value, lambda item: (
                terms.get(_norm(item)), f"onbekende {_TERM_WORDS[key]} '{item}'"))
        elif col.type == "municipalities":
            record[key] = _resolved_codes(r, key, value, lambda item: (
                (None, f"gemeentenaam '{item}' is niet eenduidig; gebruik de GM-code")
                if _norm(item) in resolver.ambiguous_municipalities else
                (resolver.municipalities.get(_norm(item)) or resolver.municipalities.get(
                    _norm(re.sub(r"^gemeente\s+", "", item, flags=re.I))), f"onbekende gemeente '{item}'")))
        elif col.type == "regions":
            record[key] = _resolved_codes(r, key, value, lambda item: (
                resolver.regions.get(_norm(item)), f"onbekende arbeidsmarktregio '{item}'"))
        elif col.type == "enum":
            if value is None:
                if key == "status":
                    continue  # keep the current status; new instruments start as concept
                record[key] = None
                continue
            choice = value.lower().strip()
            choice = {"gepubliceerd": "published", "concept": "draft"}.get(choice, choice)
            if choice not in col.choices:
                r.error(key, f"onbekende waarde '{value}'; kies uit: {', '.join(col.choices)}")
                continue
            record[key] = choice
        elif col.type == "translation":
            translations[key[:-3]] = value
        elif key == "slug":
            if value is not None:
                record["slug"] = value
        else:
            record[key] = value
    if translations:
        record["translations"] = translations  # merged with the current translations below
    return record, provider


_TERM_WORDS = {"target_groups": "doelgroep", "schemes": "uitkering of regeling", "age_groups": "leeftijdsgroep",
               "sectors": "sector", "employment_types": "soort dienstverband"}


def _match(session: Session, values: dict, provider: Provider | None):
    """The existing instrument this row is about: external id, else slug, else provider + name."""
    ext = values.get("external_id")
    if ext:
        found = session.scalars(select(Instrument).where(Instrument.external_id == ext).limit(2)).all()
        if len(found) > 1:
            return None, ("external_id", f"extern ID '{ext}' hoort bij meer dan één instrument")
        if found:
            return _not_deleted(found[0], "external_id")
    slug = values.get("slug")
    if slug:
        found = session.scalar(select(Instrument).where(Instrument.slug == slug))
        if found is not None:
            if ext and found.external_id and found.external_id != ext:
                return None, ("slug", f"slug '{slug}' hoort bij een instrument met een ander extern ID "
                                      f"('{found.external_id}')")
            return _not_deleted(found, "slug")
    name = values.get("name")
    if name and provider is not None:
        found = session.scalars(select(Instrument).where(
            Instrument.provider_id == provider.id, func.lower(Instrument.name) == name.lower(),
            Instrument.deleted_at.is_(None)).limit(2)).all()
        if len(found) > 1:
            return None, ("name", f"'{provider.name}' heeft meer dan één instrument met de naam '{name}'; "
                                  "vul de slug of het extern ID in")
        if found and not (ext and found[0].external_id and found[0].external_id != ext):
            return found[0], None
    return None, None


def _not_deleted(instrument: Instrument, key: str):
    if instrument.deleted_at is not None:
        return None, (key, f"instrument '{instrument.slug}' is verwijderd; zet het eerst terug in het beheer")
    return instrument, None


def _in_scope(provider: Provider, region: Region | None, allow_national: bool) -> str | None:
    """None when rows may write instruments of this provider, else the reason why not."""
    if provider.type in NATIONAL_TYPES:
        return None if allow_national else (f"'{provider.name}' is een landelijke aanbieder; alleen beheerders mogen "
                                             "die importeren")
    if region is not None and provider.region_id != region.id:
        return f"'{provider.name}' hoort niet bij arbeidsmarktregio {region.name} ({region.code})"
    return None


def _schema_errors(r: _Row, messages) -> None:
    for key, message in _flatten(messages):
        r.error(key, _dutch(message))


def _comparable(data: dict, loader) -> dict:
    """A validated record in the snapshot's shape, to tell whether a row changes anything."""
    from .editing import json_safe

    out = {}
    provider = loader.providers[data["provider"]]
    for key, value in data.items():
        if key == "provider":
            value = provider.slug
        elif key in ("regions", "municipalities") or key in TERM_COLUMNS:
            value = sorted(value or [])
        out[key] = json_safe(value)
    if data["reach"] == "regionaal" and not data.get("regions") and provider.region is not None:
        out["regions"] = [provider.region.code]
    if data["reach"] == "lokaal" and not data.get("municipalities") and provider.municipality is not None:
        out["municipalities"] = [provider.municipality.code]
    return out


def _normalise_lists(snap: dict) -> dict:
    out = dict(snap)
    for key in ("regions", "municipalities", *TERM_COLUMNS):
        out[key] = sorted(out.get(key) or [])
    for key in ("contacts", "links"):
        out[key] = [{k: v for k, v in item.items() if v not in (None, "")} for item in out.get(key) or []]
    out["translations"] = {lang: {k: v for k, v in tr.items() if v} for lang, tr in (out.get("translations") or {}).items()
                           if any(tr.values())}
    return out


def _merge(before: dict, record: dict) -> dict:
    merged = {**before, **record}
    if "translations" in record:
        current = dict((before.get("translations") or {}).get("en") or {})
        for k, v in record["translations"].items():
            if v:
                current[k] = v
            else:
                current.pop(k, None)
        merged["translations"] = {"en": current} if current else {}
    for key in ("contacts", "links"):
        if key in record:
            # keep the stored form when the content is the same (the spreadsheet cannot tell null from absent)
            same = [{k: v for k, v in i.items() if v not in (None, "")} for i in record[key]] == \
                   [{k: v for k, v in i.items() if v not in (None, "")} for i in before.get(key) or []]
            merged[key] = before.get(key) if same else record[key]
    return merged


def _update(session: Session, editor: Editor, r: _Row, instrument: Instrument, record: dict, region: Region | None,
            user: User, allow_national: bool) -> None:
    row = r.result
    row.slug = instrument.slug
    row.name = row.name or instrument.name
    before = snapshot(instrument)
    merged = _merge(before, record)
    try:
        data = editor.loader.validate(merged)
    except ValidationError as exc:
        _schema_errors(r, exc.messages)
        return
    if _normalise_lists(_comparable(data, editor.loader)) == _normalise_lists(before):
        row.action = "unchanged"
        return
    for provider in {instrument.provider, editor.loader.providers[data["provider"]]}:
        reason = _in_scope(provider, region, allow_national)
        if reason:
            r.error("provider" if "provider" in r.headers else None, reason)
            return
    try:
        with session.begin_nested():
            entry = editor.update(instrument, merged)
    except InvalidInput as exc:
        _schema_errors(r, exc.messages)
        return
    except NotAllowed:
        r.error(None, f"u mag '{instrument.name}' ({instrument.provider.name}) niet wijzigen"
                      + (" of publiceren" if record.get("status") else ""))
        return
    except SeedError as exc:
        r.error(None, str(exc))
        return
    row.action = "update" if entry is not None else "unchanged"
    row.changes = sorted(entry.changes) if entry is not None else []


def _create(session: Session, editor: Editor, r: _Row, record: dict, provider: Provider | None, region: Region | None,
            allow_national: bool, slugs_in_file: set) -> Instrument | None:
    row = r.result
    for col in COLUMNS:
        if col.required and record.get(col.key) in (None, ""):
            r.error(col.key, "verplicht bij een nieuw instrument; vul dit in")
    if row.errors or provider is None:
        return None
    if not record.get("reach"):
        record["reach"] = DEFAULT_REACH.get(provider.type, "landelijk")
    reason = _in_scope(provider, region, allow_national)
    if reason:
        r.error("provider", reason)
        return None
    if not record.get("slug"):
        base = slugify(f"{provider.slug} {record['name']}")[:150].strip("-") or "instrument"
        slug, n = base, 2
        while slug in slugs_in_file or session.scalar(select(Instrument.id).where(Instrument.slug == slug)) is not None:
            slug, n = f"{base}-{n}", n + 1
        record["slug"] = slug
    if record["slug"] in slugs_in_file:
        r.error("slug", f"slug '{record['slug']}' staat al in een andere rij")
        return None
    slugs_in_file.add(record["slug"])
    if "translations" in record:
        record["translations"] = {"en": {k: v for k, v in record["translations"].items() if v}} \
            if any(record["translations"].values()) else {}
    row.slug = record["slug"]
    try:
        with session.begin_nested():
            instrument = editor.create(record)
    except InvalidInput as exc:
        _schema_errors(r, exc.messages)
        return None
    except NotAllowed:
        r.error(None, f"u mag geen instrumenten van '{provider.name}' toevoegen"
                      + (" of publiceren" if record.get("status") == "published" else ""))
        return None
    except SeedError as exc:
        r.error(None, str(exc))
        return None
    row.action = "create"
    return instrument


def format_result(result: ImportResult, verbose: bool = True) -> Iterable[str]:
    """Plain-text lines for the command line."""
    if result.mapping:
        yield "Kolommen: " + ", ".join(f"{src} → {dst}" if src != dst else src for src, dst in result.mapping.items())
    for warning in result.warnings:
        yield f"Let op: {warning}"
    if verbose:
        for row in result.rows:
            where = f"rij {row.row}" + (f" ({row.sheet})" if row.sheet else "")
            extra = f" [{', '.join(row.changes)}]" if row.changes else ""
            yield f"{where:>24}  {row.label:<12} {row.slug or '-'}  {row.name or ''}{extra}"
    for error in result.errors:
        yield f"FOUT: {error}"
    yield result.summary()
