"""The cell values of an .xlsx workbook's worksheets, streamed with lxml (openpyxl's read-only mode builds objects for
every cell and string: 4 s of CPU for 5,000 rows, most of a preview). Shared and inline strings, numbers, booleans,
error values, formulas (never evaluated: `Formula`) and dates (numbers with a date format, as Excel stores them).
Entities are not resolved and nothing is fetched. Limits (sizes, merged cells, empty-rows bombs) are checked before,
in `limits`."""
from __future__ import annotations

import zipfile
from datetime import datetime
from typing import Iterator

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .limits import MAX_COLUMNS

_PARSE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
XMLError = etree.XMLSyntaxError


class CellError(str):
    """A cell with an error value such as #DIV/0!."""


class Formula(str):
    """A cell with a formula (never evaluated)."""


def _text_of(element) -> str:
    """The text of a shared or inline string: its <t>, or the <t> of its runs (<r>), without phonetic runs."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            return child.text or ""
        if name == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _iterparse(archive: zipfile.ZipFile, path: str, tag: str):
    with archive.open(path) as stream:
        for _, element in etree.iterparse(stream, events=("end",), tag=tag, **_PARSE):
            yield element
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    return [_text_of(si) for si in _iterparse(archive, "xl/sharedStrings.xml", "{*}si")]


def date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (cellXfs) whose number format is a date or time."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    root = etree.fromstring(archive.read("xl/styles.xml"), etree.XMLParser(**_PARSE))
    codes = dict(BUILTIN_FORMATS)
    for fmt in root.iterfind("{*}numFmts/{*}numFmt"):
        codes[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode") or ""
    out = set()
    for index, xf in enumerate(root.iterfind("{*}cellXfs/{*}xf")):
        code = codes.get(int(xf.get("numFmtId", "0")))
        if code and is_date_format(code):
            out.add(index)
    return out


def epoch(archive: zipfile.ZipFile) -> datetime:
    root = etree.fromstring(archive.read("xl/workbook.xml"), etree.XMLParser(**_PARSE))
    pr = root.find("{*}workbookPr")
    return CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true") else CALENDAR_WINDOWS_1900


_COLUMNS: dict[str, int] = {}


def _column(ref: str | None, default: int) -> int:
    letters = (ref or "").rstrip("0123456789")
    column = _COLUMNS.get(letters)
    if column is None:
        if not letters or not letters.isalpha() or not letters.isupper() or len(letters) > 3:
            return default
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        column = _COLUMNS[letters] = column - 1
    return column


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1:]


def _value(cell, strings: list[str], dates: set[int], base: datetime):
    kind = cell.get("t", "n")
    text = None
    for child in cell:
        name = _local(child.tag)
        if name == "f":
            return Formula("=" + (child.text or ""))
        if name == "is" and kind == "inlineStr":
            text = _text_of(child)
        elif name == "v":
            text = child.text
    if text is None or kind == "inlineStr":
        return text
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return CellError(text)
    if kind == "d":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return text
    if kind == "str":
        return text
    number = float(text) if any(ch in text for ch in ".eE") else int(text)
    if dates and int(cell.get("s", "0")) in dates:
        try:
            return from_excel(number, base)
        except (ValueError, OverflowError):
            return number
    return number


def rows(archive: zipfile.ZipFile, path: str, strings: list[str], dates: set[int], base: datetime
         ) -> Iterator[tuple[int, list]]:
    """(row number, cell values) of every <row> of a worksheet, each as long as its last cell (at most MAX_COLUMNS)."""
    number = 0
    for row in _iterparse(archive, path, "{*}row"):
        number = int(row.get("r")) if row.get("r") else number + 1
        values: list = []
        for cell in row.iterfind("{*}c"):
            column = _column(cell.get("r"), len(values))
            if column >= MAX_COLUMNS:
                break
            if column > len(values):
                values.extend([None] * (column - len(values)))
            value = _value(cell, strings, dates, base)
            if column < len(values):
                values[column] = value
            else:
                values.append(value)
        yield number, values
